"""logfmt lines: ``key=value`` pairs, as Go services (Docker, containerd, Prometheus, Grafana) and firewalls write them.

    time="2024-05-14T10:22:33.123456789Z" level=info msg="starting containerd" version=1.7.2
    ts=2024-05-14T10:22:33.123Z caller=main.go:532 level=info msg="Server is ready"
    date=2024-05-14 time=10:22:33 devname="fw01" logid="0000000013" type="traffic" level="notice"

The time is the first key of ``TIME_KEYS`` whose value reads as a time (a
``date`` key and a ``time`` key holding only a time are combined). Level,
message, host, service and pid come from their usual keys; every other pair
goes to ``structured_fields``. A line without ``msg`` has the remaining pairs
as its message.
"""
from __future__ import annotations

import re

from .levels import severity_from_value
from .record import Record
from .timeforms import BUILDERS, FORMS, TimeContext, parse_at

_PAIR = re.compile(r'([A-Za-z_@][\w.\-@/]{0,63})=("(?:[^"\\]|\\.){0,8192}"|[^\s"]*)(?:\s+|$)')
_ESCAPE = re.compile(r"\\(.)")

TIME_KEYS = ("time", "ts", "t", "timestamp", "@timestamp", "datetime", "eventtime", "date")
LEVEL_KEYS = ("level", "lvl", "severity", "loglevel", "log_level")
MESSAGE_KEYS = ("msg", "message", "event")
HOST_KEYS = ("host", "hostname", "devname", "node")
SERVICE_KEYS = ("logger", "component", "service", "app", "module", "subsystem")
_TIME_ONLY = tuple(f for f in FORMS if not f.has_date)
_DATED = tuple(f for f in FORMS if f.has_date)


def pairs(text: str) -> list[tuple[str, str]] | None:
    """The line's pairs, or None when it is not (mostly) logfmt."""
    out = []
    pos = 0
    for m in _PAIR.finditer(text):
        if m.start() != pos:
            break
        v = m[2]
        if v[:1] == '"':
            v = v[1:-1]
            if "\\" in v:
                v = _ESCAPE.sub(r"\1", v)
        out.append((m[1], v))
        pos = m.end()
    if len(out) < 2 or pos < len(text) * 0.8:
        return None
    return out


def looks_like_logfmt(text: str) -> bool:
    p = pairs(text)
    return p is not None and any(k.lower() in TIME_KEYS for k, _ in p)


class LogfmtParser:
    name = "logfmt"
    source_type = "app_log"

    __slots__ = ("ctx", "_last")

    def __init__(self, ctx: TimeContext) -> None:
        self.ctx = ctx
        self._last = None   # the form that read the last time: tried first

    def _time(self, value: str, forms=None):
        last = self._last
        if last is not None:
            m = last.regex.match(value)
            if m is not None and m.end() == len(value):
                dt = BUILDERS[last.name](m, self.ctx)
                if dt is not None:
                    return dt
        got = parse_at(value, 0, self.ctx, forms)
        if got is None or got[2] != len(value):
            return None
        self._last = got[0]
        return got[1]

    def parse(self, text: str, path: str, line_no: int) -> Record | None:
        kv = pairs(text)
        if kv is None:
            return None
        fields: dict = {}
        for k, v in kv:
            if k not in fields:
                fields[k] = v
        lower = {k.lower(): k for k in fields}
        ts = None
        for key in TIME_KEYS:
            k = lower.get(key)
            if k is None:
                continue
            value = fields[k]
            ts = self._time(value, _DATED)
            if ts is None and key == "time" and "date" in lower:   # date=2024-05-14 time=10:22:33 [tz="+0200"]
                tz = fields.get(lower.get("tz", ""), "")
                ts = self._time(f"{fields[lower['date']]} {value}{tz}", _DATED)
                if ts is not None:
                    del fields[lower["date"]]
                    fields.pop(lower.get("tz", ""), None)
            if ts is not None:
                del fields[k]
                break
        if ts is None:   # no time key: a time inside a value (auditd's msg=audit(1715682153.123:42):)
            ts = self._embedded_time(fields)
        severity = None
        for key in LEVEL_KEYS:
            k = lower.get(key)
            if k is not None:
                severity = severity_from_value(fields[k])
                if severity is not None:
                    del fields[k]
                    break
        host = self._take(fields, lower, HOST_KEYS)
        service = self._take(fields, lower, SERVICE_KEYS)
        pid = self._take(fields, lower, ("pid",))
        message = self._take(fields, lower, MESSAGE_KEYS)
        if message is None:
            message = " ".join(f"{k}={v}" for k, v in fields.items())
        return Record(ts, message.strip(), text, "app_log", path, line_no, host, service, pid, severity, None,
                      fields, {"format": "logfmt"})

    def _embedded_time(self, fields: dict):
        for v in fields.values():
            i = v.find("(")
            if 0 <= i < 16:
                got = parse_at(v, i + 1, self.ctx, _DATED)
                if got is not None:
                    return got[1]
        return None

    @staticmethod
    def _take(fields: dict, lower: dict, keys) -> str | None:
        for key in keys:
            k = lower.get(key)
            if k is not None and k in fields:
                v = fields.pop(k)
                if v not in ("", "?", "-"):
                    return v
        return None
