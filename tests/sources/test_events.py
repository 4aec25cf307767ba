"""The events schema of POST /api/v1/ingest/events, decoded without HTTP."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from brainstem.sources.body import BodyError, TooManyEvents
from brainstem.sources.events import decode_events

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def decode(body: bytes, ctype: str | None = "application/json", **kw):
    return decode_events(body, ctype, source_path="http:events/t", received=NOW, **kw)


@pytest.mark.parametrize("value, expected", [
    ("2026-12-01T10:00:00Z", datetime(2026, 12, 1, 10, tzinfo=timezone.utc)),
    ("2026-12-01T10:00:00", datetime(2026, 12, 1, 10, tzinfo=timezone.utc)),           # no zone: UTC
    ("2026-12-01 11:00:00+01:00", datetime(2026, 12, 1, 10, tzinfo=timezone.utc)),
    (1796119200, datetime(2026, 12, 1, 10, tzinfo=timezone.utc)),                     # seconds
    (1796119200500, datetime(2026, 12, 1, 10, 0, 0, 500000, tzinfo=timezone.utc)),    # milliseconds
    ("1796119200", datetime(2026, 12, 1, 10, tzinfo=timezone.utc)),
])
def test_timestamps(value, expected):
    (rec,) = decode(f'{{"message": "m", "timestamp": {value!r}}}'.replace("'", '"').encode()).records
    assert rec.timestamp == expected


@pytest.mark.parametrize("severity, expected", [("ERROR", "error"), ("warn", "warning"), ("crit", "critical"),
                                                (3, "error"), ("7", "debug"), (50, "error"), ("emergency", "emergency")])
def test_severities(severity, expected):
    import json
    (rec,) = decode(json.dumps({"message": "m", "severity": severity}).encode()).records
    assert rec.severity == expected


def test_a_long_message_is_cut_on_a_character_boundary():
    import json
    body = json.dumps({"message": "ab" + "€" * 100, "timestamp": "2026-12-01T10:00:00Z"}).encode()
    out = decode(body, max_message_bytes=50)
    (rec,) = out.records
    assert out.truncated == 1 and rec.metadata["truncated"]
    assert len(rec.message.encode()) <= 50 and rec.message == "ab" + "€" * 16
    assert json.loads(rec.raw)["message"] == rec.message


def test_body_forms_and_limits():
    assert len(decode(b'\xef\xbb\xbf[{"message": "bom"}]').records) == 1
    assert len(decode(b'{"message": "a"}\r\n{"message": "b"}\r\n', None).records) == 2
    # a pretty-printed object that is broken is one error, not one per line
    with pytest.raises(BodyError, match="not JSON"):
        decode(b'{\n  "message": "a",\n', "application/json")
    with pytest.raises(TooManyEvents, match="3 events"):
        decode(b'[{"message": "a"}, {"message": "b"}, {"message": "c"}]', max_events=2)
    with pytest.raises(TooManyEvents):
        decode(b'{"message": "a"}\n{"message": "b"}\n{"message": "c"}\n', "application/x-ndjson", max_events=2)
    with pytest.raises(BodyError, match="JSON number"):
        decode(b"42")
    out = decode(b'[[1], null, {"message": "ok"}]')
    assert len(out.records) == 1 and [(e.index, e.message) for e in out.errors] == [
        (0, "an event is a JSON object, got array"), (1, "an event is a JSON object, got null")]
