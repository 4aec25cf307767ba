"""The events schema of ``POST /api/v1/ingest/events``: JSON objects into records.

One event is an object with these fields (docs/api.md):

    message    string, required, not empty
    timestamp  ISO 8601 string (a zone, or UTC) or seconds / ms / us / ns since the epoch;
               when absent, the time the server received it
    host       string (the asset the event is about)
    severity   syslog word (emergency ... debug), a level word (ERROR, WARN, fatal...)
               or a number (0-7 syslog, 10-60 bunyan/pino)
    service    string (program, application)
    fields     object of structured fields, kept whole on the event

Types are checked, and a field not in this list is an error (a typo is never
silently dropped): the element is refused with its index and the field, the
other elements are stored. The event id is derived from the element's JSON
text, so sending the same body again stores nothing twice, except events
without a timestamp, which are new each time they are received.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from brainstem.ingest.jsonl import to_timestamp
from brainstem.ingest.levels import SEVERITY_NAMES, severity_from_value
from brainstem.ingest.record import Record
from brainstem.models import iso

from .body import Decoded, ElementError, check_time, compact, cut, elements, json_type

FIELDS = ("timestamp", "host", "message", "severity", "service", "fields")
MAX_NAME = 255   # host and service


def decode_events(body: bytes, content_type: str | None, *, source_path: str, received: datetime,
                  max_events: int = 10_000, max_message_bytes: int = 65536) -> Decoded:
    """Every element of the body checked against the schema: records and refusals."""
    out = Decoded()
    for index, line, obj in elements(body, content_type, max_events):
        if isinstance(obj, ElementError):
            out.errors.append(obj)
            continue
        rec = event_record(obj, index, source_path, received, max_message_bytes)
        if isinstance(rec, ElementError):
            out.errors.append(ElementError(rec.index, rec.field, rec.message, line))
            continue
        if rec.metadata.get("truncated"):
            out.truncated += 1
        out.records.append(rec)
    return out


def event_record(obj: Any, index: int, source_path: str, received: datetime,
                 max_message_bytes: int = 65536) -> Record | ElementError:
    """One event object as a Record, or why it is refused."""
    if not isinstance(obj, dict):
        return ElementError(index, None, f"an event is a JSON object, got {json_type(obj)}")
    for k in obj:
        if k not in FIELDS:
            return ElementError(index, k, f"unknown field {k!r}; an event has {', '.join(FIELDS)} "
                                          "(put anything else under 'fields')")
    message = obj.get("message")
    if not isinstance(message, str):
        what = "is missing" if message is None else f"must be a string, got {json_type(message)}"
        return ElementError(index, "message", f"message {what}")
    if not message.strip():
        return ElementError(index, "message", "message is empty")
    meta: dict[str, Any] = {"format": "events"}
    ts = received
    raw_obj = obj
    value = obj.get("timestamp")
    if value is None:
        meta["time_received"] = True
        raw_obj = {"timestamp": iso(received), **obj}   # the raw text (and so the id) carries the time used
    else:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return ElementError(index, "timestamp", f"timestamp must be an ISO 8601 string or a number, "
                                                    f"got {json_type(value)}")
        ts = to_timestamp(value)
        if ts is None:
            return ElementError(index, "timestamp", f"{value!r} is not a timestamp (ISO 8601, or seconds/ms "
                                                    "since the epoch)")
        why = check_time(ts, received)
        if why:
            return ElementError(index, "timestamp", why)
    host = _name(obj, "host")
    service = _name(obj, "service")
    for k, v in (("host", host), ("service", service)):
        if isinstance(v, ElementError):
            return ElementError(index, k, v.message)
    severity = None
    sev = obj.get("severity")
    if sev is not None:
        severity = severity_from_value(sev) if isinstance(sev, (str, int)) else None
        if severity is None:
            return ElementError(index, "severity", f"{sev!r} is not a severity: use {', '.join(SEVERITY_NAMES)}, "
                                                   "a level word (ERROR, WARN...) or a number 0-7")
    fields = obj.get("fields")
    if fields is None:
        fields = {}
    elif not isinstance(fields, dict):
        return ElementError(index, "fields", f"fields must be an object, got {json_type(fields)}")
    text, was_cut = cut(message.strip(), max_message_bytes)
    if was_cut:
        meta["truncated"] = True
        raw_obj = {**raw_obj, "message": text}
    try:
        raw = compact(raw_obj)
        raw.encode("utf-8")
    except UnicodeEncodeError as exc:
        return ElementError(index, None, f"a string holds an unpaired surrogate escape ({exc.object[exc.start]!a})")
    return Record(ts, text, raw, "json", source_path, index, host, service, None, severity, None,
                  dict(fields), meta)


def _name(obj: dict, key: str) -> str | None | ElementError:
    v = obj.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        return ElementError(0, key, f"{key} must be a string, got {json_type(v)}")
    v = v.strip()
    if not v:
        return None
    if len(v) > MAX_NAME:
        return ElementError(0, key, f"{key} is {len(v)} characters long; at most {MAX_NAME}")
    return v
