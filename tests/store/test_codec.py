import json
from datetime import date, datetime, timezone

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
