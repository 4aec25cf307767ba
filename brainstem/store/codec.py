"""Rows <-> model objects, derived once per model from its dataclass fields.

Lists and dicts are stored as JSON text, datetimes as ISO-8601 UTC strings
(which sort like the instants they name), everything else as is.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import timezone
from typing import Any, Callable

from brainstem.models import (
    Asset, Candidate, CorrelationGroup, Event, IncidentMemory, Lesson, ProvenanceLink,
    ReviewDecision, RunbookHint, Signature, Tenant, iso, parse_iso,
)

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def _make_dumps() -> Callable[[Any], str]:
    """Compact JSON text. The C encoder is called directly when the interpreter
    has it: this runs two or three times per stored event, and the Python
    wrapper around it costs as much as the encoding."""
    c_make = getattr(json.encoder, "c_make_encoder", None)
    if c_make is None:
        return _encoder.encode
    iterencode = c_make(None, str, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    encode = _encoder.encode

    def dumps(value: Any) -> str:
        if isinstance(value, (dict, list)):
            return "".join(iterencode(value, 0))
        return encode(value)
    return dumps


_dumps = _make_dumps()


@dataclass(frozen=True)
class Table:
    model: type
    name: str
    key: str
    columns: tuple[str, ...]
    encoders: tuple[Callable[[Any], Any], ...]
    decoders: tuple[Callable[[Any], Any], ...]

    def encode(self, obj: Any) -> tuple:
        return tuple(enc(getattr(obj, col)) for col, enc in zip(self.columns, self.encoders))

    def decode(self, row: tuple) -> Any:
        obj = self.model(**{col: dec(v) for col, dec, v in zip(self.columns, self.decoders, row)})
        if self.model is Event and not obj.signature_input:
            obj.signature_input = derived_signature_input(obj.service, obj.message_normalized)
        return obj

    @property
    def insert_sql(self) -> str:
        cols = ", ".join(self.columns)
        marks = ", ".join("?" for _ in self.columns)
        return f"INSERT OR REPLACE INTO {self.name} ({cols}) VALUES ({marks})"

    @property
    def select_sql(self) -> str:
        return f"SELECT {', '.join(self.columns)} FROM {self.name}"


def _identity(v: Any) -> Any:
    return v


def _json_or_none(v: Any) -> Any:
    return None if v is None else _dumps(v)


def _loads(v: Any) -> Any:
    return None if v is None else json.loads(v)


def _table(model: type, name: str, key: str) -> Table:
    cols, encs, decs = [], [], []
    for f in dataclasses.fields(model):
        kind = str(f.type)
        cols.append(f.name)
        if kind.startswith("datetime"):
            encs.append(iso)
            decs.append(parse_iso)
        elif kind.startswith(("list", "dict")):
            encs.append(_json_or_none)
            decs.append(_loads)
        else:
            encs.append(_identity)
            decs.append(_identity)
    return Table(model, name, key, tuple(cols), tuple(encs), tuple(decs))


TABLES: dict[str, Table] = {
    "tenant": _table(Tenant, "tenants", "tenant_id"),
    "asset": _table(Asset, "assets", "asset_id"),
    "event": _table(Event, "events", "event_id"),
    "signature": _table(Signature, "signatures", "signature_id"),
    "group": _table(CorrelationGroup, "correlation_groups", "group_id"),
    "candidate": _table(Candidate, "candidates", "candidate_id"),
    "incident_memory": _table(IncidentMemory, "incident_memories", "incident_memory_id"),
    "lesson": _table(Lesson, "lessons", "lesson_id"),
    "runbook_hint": _table(RunbookHint, "runbook_hints", "runbook_hint_id"),
    "review": _table(ReviewDecision, "review_decisions", "review_id"),
    "link": _table(ProvenanceLink, "provenance_links", "link_id"),
}


def dumps(value: Any) -> str:
    return _dumps(value)


def derived_signature_input(service: str | None, message: str) -> str:
    """What the pipeline feeds the miner. Stored as '' when it is exactly this,
    and an empty ``signature_input`` is read back as this."""
    return f"{service}: {message}" if service else message


_META_PREFIX: dict[str, str] = {}


def _meta_json(meta: dict) -> str:
    """``dumps(meta)``; the usual ``{"format": ..., "line": n}`` without the encoder."""
    if len(meta) == 2:
        (k1, fmt), (k2, line) = meta.items()
        if k1 == "format" and k2 == "line" and type(fmt) is str and type(line) is int:
            prefix = _META_PREFIX.get(fmt)
            if prefix is None:
                prefix = _dumps({"format": fmt, "line": 0})[:-2]
                if len(_META_PREFIX) < 64:      # a handful of format names
                    _META_PREFIX[fmt] = prefix
            return f"{prefix}{line}}}"
    return _dumps(meta)


_MIN_SEC = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))


class EventEncoder:
    """The hot path's row builder for events: no per-column dispatch, and the
    ISO text of a timestamp reused while consecutive events share it."""

    def __init__(self) -> None:
        self._last_dt = None
        self._last_iso = None
        self._hours: dict[int, str] = {}

    def _utc_iso(self, ts) -> str:
        """``iso(ts)`` of a UTC datetime: its hour's text kept, minute and second from a
        table (``isoformat`` formats its offset too, and was 3% of an ingest)."""
        hour = ((ts.year * 13 + ts.month) * 32 + ts.day) * 24 + ts.hour
        prefix = self._hours.get(hour)
        if prefix is None:
            if len(self._hours) >= 4096:
                self._hours.clear()
            prefix = self._hours[hour] = f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}T{ts.hour:02d}:"
        us = ts.microsecond
        return prefix + _MIN_SEC[ts.minute * 60 + ts.second] + (f".{us:06d}Z" if us else ".000000Z")

    def encode_all(self, events) -> list[tuple]:
        """The events table's rows for ``events``, as both backends bind them."""
        return finish_rows(self.encode_unfinished(events))

    def encode_unfinished(self, events) -> list[tuple]:
        """The events' rows but for the three JSON columns, left as their dicts, and the
        signature input, left whole: :func:`finish_rows` completes them, in the process
        that writes them under write-behind, off the ingest's own core."""
        now = iso(events[0].created_at) if events else None
        rows = []
        last_dt, last_iso = self._last_dt, self._last_iso
        utc = timezone.utc
        for e in events:
            ts = e.timestamp
            if ts != last_dt:
                if ts.tzinfo is utc:
                    last_dt, last_iso = ts, self._utc_iso(ts)
                else:
                    last_dt, last_iso = ts, iso(ts)
            rows.append((e.event_id, e.tenant_id, last_iso, e.message_raw, e.source_type, e.source_path,
                         e.asset_id, e.host, e.service, e.severity, e.facility, e.message_normalized,
                         e.structured_fields, e.correlation_keys, e.signature_input, e.signature_key,
                         e.ingest_metadata, now))
        self._last_dt, self._last_iso = last_dt, last_iso
        return rows


def finish_rows(rows: list[tuple]) -> list[tuple]:
    """The rows ``encode_all`` makes, from those ``encode_unfinished`` made."""
    out = []
    for (eid, tid, ts, raw, stype, path, aid, host, service, sev, fac, message, sf, ck, si, key, meta,
         now) in rows:
        if si == (f"{service}: {message}" if service else message):
            si = ""
        out.append((eid, tid, ts, raw, stype, path, aid, host, service, sev, fac, message,
                    _dumps(sf) if sf else "{}", _dumps(ck) if ck else "{}", si, key, _meta_json(meta), now))
    return out


EVENT_COLUMNS = ("event_id", "tenant_id", "timestamp", "message_raw", "source_type", "source_path", "asset_id",
                 "host", "service", "severity", "facility", "message_normalized", "structured_fields",
                 "correlation_keys", "signature_input", "signature_key", "ingest_metadata", "created_at")
EVENT_INSERT = (f"INSERT OR IGNORE INTO events ({', '.join(EVENT_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})")
