import json
from datetime import date, datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from brainstem.models import Event
from brainstem.store.codec import EVENT_COLUMNS, TABLES, EventEncoder, derived_signature_input, dumps


def test_json_columns_match_the_standard_encoder():
    ref = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
    for value in ({"a": "é\"x\n\\", "n": 1, "f": 1.5, "l": [1, None, True], "o": {"z": "q"}}, [1, "a"], {},
                  {"d": date(2026, 1, 1)}, "text", 3):
        assert dumps(value) == ref(value)


def test_event_rows_drop_the_derived_signature_input():
    t = datetime(2026, 3, 2, tzinfo=timezone.utc)
    evs = [Event(event_id="ev_1", tenant_id="tn", timestamp=t, message_raw="r", service="sshd", message_normalized="m",
                 signature_input="sshd: m"),
           Event(event_id="ev_2", tenant_id="tn", timestamp=t, message_raw="r", message_normalized="m",
                 signature_input="other")]
    rows = EventEncoder().encode_all(evs)
    col = EVENT_COLUMNS.index("signature_input")
    assert [r[col] for r in rows] == ["", "other"]
    assert derived_signature_input("sshd", "m") == "sshd: m" and derived_signature_input(None, "m") == "m"
    assert set(EVENT_COLUMNS) == set(TABLES["event"].columns)


def test_event_rows_write_times_and_metadata_as_the_generic_encoder_does():
    from datetime import timedelta

    from brainstem.models import iso

    t = datetime(2026, 3, 2, 5, 23, 4, tzinfo=timezone.utc)
    times = [t, t, t.replace(microsecond=7), t.astimezone(timezone(timedelta(hours=-5))), t + timedelta(seconds=1),
             t, t, t, t]
    # the usual {"format", "line"} shape twice (the second from the cached prefix), and
    # near misses: keys in the other order, a bool or list where a str or int belongs
    metas = [{"format": "rfc3164", "line": 1}, {"format": 'we"ird é', "line": 22}, {"line": 3, "format": "x"},
             {"format": "rfc3164", "line": True}, {"format": "rfc3164", "time_inherited": True, "line": 5},
             {"format": "rfc3164", "line": 6}, {"format": ["rfc3164"], "line": 7}, {"line": 8, "format": "rfc3164"},
             {"format": 'we"ird é', "line": 9}]
    evs = [Event(event_id=f"ev_{i}", tenant_id="tn", timestamp=ts, message_raw="r", ingest_metadata=m)
           for i, (ts, m) in enumerate(zip(times, metas))]
    rows = EventEncoder().encode_all(evs)
    ts_col, meta_col = EVENT_COLUMNS.index("timestamp"), EVENT_COLUMNS.index("ingest_metadata")
    assert [r[ts_col] for r in rows] == [iso(ts) for ts in times]
    assert rows[2][ts_col] == "2026-03-02T05:23:04.000007Z" and rows[3][ts_col] == "2026-03-02T05:23:04.000000Z"
    assert [r[meta_col] for r in rows] == [dumps(m) for m in metas]


_SHARED = EventEncoder()     # one cache across examples: a key that confused two hours would show


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23)))
@settings(max_examples=400, deadline=None)
def test_event_row_times_are_iso_for_any_utc_instant(naive):
    """The encoder's own formatting of UTC times (hour prefix kept, minute:second from a
    table) gives exactly ``iso``'s text, across years, hours, seconds and microseconds."""
    from brainstem.models import iso

    ts = naive.replace(tzinfo=timezone.utc)
    enc = _SHARED
    before = ts.replace(microsecond=0, second=0, minute=0)      # same hour, prefix cached
    rows = enc.encode_all([Event(event_id="a", tenant_id="tn", timestamp=t, message_raw="r") for t in (before, ts)])
    col = EVENT_COLUMNS.index("timestamp")
    assert [r[col] for r in rows] == [iso(before), iso(ts)]
