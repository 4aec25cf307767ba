"""JSON lines: one object per line, fields found through a configurable mapping."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields as dc_fields
from datetime import datetime
from typing import Any

from .base import BadLine
from .levels import severity_from_value
from .record import Record
from .timestamps import UTC, from_epoch, parse_iso

_MISSING = object()
# a \\uD800-\\uDFFF escape: json.loads makes an unpaired one a lone surrogate, which no
# store can write as UTF-8 (a pair, as for an emoji, decodes to one character)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _paths(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class JsonMapping:
    """Where to find each Record field in a JSON object: candidate paths tried
    in order, first scalar found wins. A path is a key, or a dotted path into
    nested objects (``host.name``); a literal key containing dots is tried
    first. A single string is accepted for any field."""

    # beyond the common names: MongoDB (t.$date, s, c), Serilog CLEF (@t, @m, @l), log4j2 JSON
    # (timeMillis), python-json-logger (asctime), journald JSON (__REALTIME_TIMESTAMP, MESSAGE...)
    timestamp: tuple[str, ...] = ("timestamp", "@timestamp", "time", "ts", "datetime", "date", "t.$date", "@t",
                                  "t", "timeMillis", "eventTime", "asctime", "Timestamp", "TimeCreated",
                                  "__REALTIME_TIMESTAMP")
    host: tuple[str, ...] = ("host", "hostname", "host.name", "host.hostname", "_HOSTNAME", "Computer", "computer")
    message: tuple[str, ...] = ("message", "msg", "log", "text", "@m", "@mt", "MESSAGE", "Message")
    severity: tuple[str, ...] = ("severity", "level", "log.level", "levelname", "loglevel", "@l", "s", "lvl",
                                 "PRIORITY", "Level")
    service: tuple[str, ...] = ("service", "service.name", "app", "appname", "program", "logger", "logger_name",
                                "SYSLOG_IDENTIFIER", "c")
    pid: tuple[str, ...] = ("pid", "process.pid", "_PID")

    def __post_init__(self) -> None:
        for f in dc_fields(self):
            object.__setattr__(self, f.name, _paths(getattr(self, f.name)))


DEFAULT_MAPPING = JsonMapping()


def lookup(obj: dict, path: str) -> Any:
    """Value at ``path`` or _MISSING: the literal key first, then dotted descent."""
    v = obj.get(path, _MISSING)
    if v is not _MISSING or "." not in path:
        return v
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return _MISSING
        cur = cur.get(part, _MISSING)
        if cur is _MISSING:
            return _MISSING
    return cur


def _first_scalar(obj: dict, paths: tuple[str, ...]) -> tuple[str | None, Any]:
    for p in paths:
        v = lookup(obj, p)
        if v is not _MISSING and v is not None and isinstance(v, (str, int, float)) and not isinstance(v, bool):
            return p, v
    return None, None


def _take(obj: dict, paths: tuple[str, ...], used: list[str]) -> str | None:
    """The first scalar at ``paths`` as text (its key noted in ``used``), or None."""
    k, v = _first_scalar(obj, paths)
    if k is None:
        return None
    used.append(k)
    return str(v)


def to_timestamp(value: Any) -> datetime | None:
    if isinstance(value, (int, float)):
        return from_epoch(value)
    if isinstance(value, str):
        v = value.strip()
        if not v:
            return None
        if v.isascii() and v.replace(".", "", 1).isdigit():  # "²".isdigit() is True too
            return from_epoch(float(v))
        dt = parse_iso(v)
        if dt is not None:
            return dt
        try:
            dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
            if dt.tzinfo is None:
                return dt.replace(tzinfo=UTC)
            return dt.astimezone(UTC)
        except (ValueError, OverflowError):  # 0001-01-01T00:00:00+12:00 is before datetime.min in UTC
            return None
    return None


class JsonParser:
    name = "json"
    source_type = "json"

    __slots__ = ("mapping", "_loads")

    def __init__(self, mapping: JsonMapping | None = None) -> None:
        self.mapping = mapping or DEFAULT_MAPPING
        self._loads = json.loads

    def parse(self, text: str, path: str, line_no: int) -> Record | None:
        if text[0] != "{":
            return None
        try:
            obj = self._loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep
            return None
        if not isinstance(obj, dict):
            return None
        if "\\u" in text and _SURROGATE_ESCAPE.search(text):
            why = lone_surrogate(obj)
            if why:
                raise BadLine(why)
        mp = self.mapping
        used = []
        # the first candidate that converts wins ("time": 0.25 may be a duration)
        ts = None
        bad = _MISSING
        meta: dict[str, Any] = {"format": "json"}
        for p in mp.timestamp:
            v = lookup(obj, p)
            if v is _MISSING or v is None or isinstance(v, (bool, dict, list)):
                continue
            ts = to_timestamp(v)
            if ts is not None:
                used.append(p)
                break
            if bad is _MISSING:
                bad = v
        if ts is None and bad is _MISSING:
            # no known key: the first top-level string that reads as a time (a key this mapping lacks)
            for k, v in obj.items():
                if isinstance(v, str) and 10 <= len(v) <= 40 and v[:1].isdigit() and "-" in v:
                    ts = to_timestamp(v)
                    if ts is not None:
                        used.append(k)
                        break
        if ts is None and bad is not _MISSING:
            meta["bad_timestamp"] = bad
        host = _take(obj, mp.host, used)
        message = _take(obj, mp.message, used)
        if message is None:
            message = text
            meta["message_field"] = None
        k, sev = _first_scalar(obj, mp.severity)
        severity = None
        if k is not None:
            severity = severity_from_value(sev)
            if severity is not None:
                used.append(k)
        service = _take(obj, mp.service, used)
        pid = _take(obj, mp.pid, used)
        # consumed top-level keys leave; nested objects stay whole (documented)
        for k in used:
            obj.pop(k, None)
        return Record(ts, message.strip(), text, "json", path, line_no, host, service, pid,
                      severity, None, obj, meta)


def lone_surrogate(value: Any) -> str | None:
    """Why a decoded JSON value cannot be stored (a string holds an unpaired surrogate
    escape such as ``\\ud800``), or None when it can."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"a string holds an unpaired surrogate escape ({exc.object[exc.start]!a})"
    return None
