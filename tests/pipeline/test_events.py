import re
from datetime import datetime, timezone

from hypothesis import given, settings, strategies as st

from brainstem.ingest import Record
from brainstem.pipeline.events import EventFactory, normalize_message, template_severity

T = datetime(2026, 3, 2, 2, 0, 1, tzinfo=timezone.utc)


def _rec(raw, ts=T, path="/var/log/a", line=1, msg=None, service="sshd"):
    return Record(timestamp=ts, message=msg or raw.split(": ", 1)[-1], raw=raw, source_type="syslog",
                  source_path=path, line_no=line, host="h1", service=service)


def test_ids_are_deterministic_and_ignore_the_path():
    raw = "Mar  2 02:00:01 h1 sshd[1]: Failed password for root"
    a = EventFactory("tn_a").make(_rec(raw, path="/x/syslog"))
    b = EventFactory("tn_a").make(_rec(raw, path="/y/syslog.1", line=99))
    assert a.event_id == b.event_id
    assert EventFactory("tn_b").make(_rec(raw)).event_id != a.event_id     # tenants are walls


def test_identical_lines_in_one_second_are_distinct_events():
    f = EventFactory("tn_a")
    raw = "Mar  2 02:00:01 h1 sshd[1]: Connection reset"
    ids = [f.make(_rec(raw, line=i)).event_id for i in range(3)]
    assert len(set(ids)) == 3
    g = EventFactory("tn_a")
    assert [g.make(_rec(raw, line=i)).event_id for i in range(3)] == ids


def test_a_line_without_time_inherits_its_files_previous_time():
    f = EventFactory("tn_a", fallback=datetime(2026, 1, 1, tzinfo=timezone.utc))
    first = f.make(_rec("x", ts=None, path="/b"))
    assert first.timestamp == datetime(2026, 1, 1, tzinfo=timezone.utc)
    f.make(_rec("Mar  2 02:00:01 h1 app: start", path="/a"))
    cont = f.make(_rec("    at java.lang.Thread.run", ts=None, path="/a", line=2))
    assert cont.timestamp == T and cont.ingest_metadata["time_inherited"] is True


def test_signature_input_carries_the_program_and_folds_whitespace():
    e = EventFactory("tn_a").make(_rec("raw", msg="  Failed   password\tfor root "))
    assert e.message_normalized == "Failed password for root"
    assert e.signature_input == "sshd: Failed password for root"
    assert normalize_message("a  b") == "a b"


_WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WHITESPACE + [" ", " ", "  "]), st.text(max_size=4)), max_size=12))
def test_normalize_message_folds_exactly_what_regex_whitespace_matches(parts):
    """The reference: every run of \\s (Unicode) becomes one space, ends stripped, when the
    message has a double space, a tab, a newline or a carriage return; else ends stripped."""
    text = "".join(parts)
    folds = "  " in text or "\t" in text or "\n" in text or "\r" in text
    expected = re.sub(r"\s+", " ", text).strip() if folds else text.strip()
    assert normalize_message(text) == expected
    made = EventFactory("tn_a").make(_rec("raw", msg=text or "x", service=None))
    assert made.message_normalized == normalize_message(text or "x")


def test_template_severity_words():
    assert template_severity("Backup job <*> failed") == 3
    assert template_severity("kernel panic - not syncing") == 2
    assert template_severity("Interface <*> changed state to down") == 4
    assert template_severity("Started Session <*> of user root") == 6


def test_event_ids_are_the_documented_stable_id():
    """make() hashes from a state that has read the tenant; its ids must be exactly
    stable_id("ev_", tenant, first line, inherited time or "", ordinal) in every case."""
    from brainstem.models import stable_id
    f = EventFactory("tn_a")
    raw = "Mar  2 02:00:01 h1 sshd[1]: x\udcff é"
    own = [f.make(_rec(raw, line=i)).event_id for i in range(3)]          # repeated at one time
    assert own == [stable_id("ev_", "tn_a", raw, "", n) for n in range(3)]
    inherited = f.make(_rec("    at Thread.run", ts=None, line=4))        # time from the line before
    assert inherited.event_id == stable_id("ev_", "tn_a", "    at Thread.run", T.timestamp(), 0)
    joined = f.make(_rec("boom\n  at a\n  at b", line=5))                # identified by its first line
    assert joined.event_id == stable_id("ev_", "tn_a", "boom", "", 0)
    live = _rec("ping", line=6)
    live.metadata["time_from_arrival"] = True                             # a time the line does not carry
    assert f.make(live).event_id == stable_id("ev_", "tn_a", "ping", T.timestamp(), 0)


def test_every_event_field_comes_from_its_record_field():
    t = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
    rec = Record(t, "Failed  password", "Jan  1 12:00:00 web01 sshd[7]: Failed  password", "syslog", "/var/log/a",
                 3, host="web01", service="sshd", pid="7", severity="error", facility="auth",
                 structured_fields={"module": "m"}, metadata={"format": "rfc3164"})
    e = EventFactory("tn_a").make(rec)
    assert (e.tenant_id, e.timestamp, e.message_raw, e.source_type, e.source_path) == \
        ("tn_a", t, rec.raw, "syslog", "/var/log/a")
    assert (e.asset_id, e.host, e.service, e.severity, e.facility) == (None, "web01", "sshd", "error", "auth")
    assert (e.message_normalized, e.signature_input, e.signature_key) == \
        ("Failed password", "sshd: Failed password", None)
    assert e.structured_fields == {"module": "m"} and e.correlation_keys == {}
    assert e.ingest_metadata == {"format": "rfc3164", "line": 3} and e.created_at.tzinfo is not None
    assert e.event_id.startswith("ev_")
