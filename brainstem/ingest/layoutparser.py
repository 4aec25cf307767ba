"""Applies a learned layout to every line of a file: one compiled regex per line.

A line the layout's regex reads becomes a record with the timestamp and the
header fields taken out of the message. A line it does not read goes to the
general app-log parser (timestamp at the start, level, component): with a
time of its own it is an odd line; without one it is a continuation (a stack
trace), which the reader joins to the event before it. When most recent
lines carry a time the layout does not read, the layout is learned again
from them.
"""
from __future__ import annotations

import re
from collections import deque

from .applog import AppLogParser
from .base import BadLine
from .headers import HEADER_LEVELS, INFORMATIVE
from .layout import Layout, learn_layout
from .levels import LETTER_LEVELS, SEVERITY_NAMES
from .record import Record
from .timeforms import KLOG_LEVELS, TimeContext, make_builder

_CONTEXT_COMPONENT = re.compile(r"(?:^|[:/])([A-Za-z_$][\w$.]{0,127})@\d+$")  # log4j %C@%L at the end of a context
RELEARN_WINDOW = 1000   # lines over which layout hits and misses are compared
RELEARN_MIN = 50        # timestamped misses in a window before the layout is learned again


def _extractors(layout: Layout) -> list[tuple[str, str, str]]:
    """(group, what, field name) for every group the compiled regex can fill."""
    out = []
    for j, role in enumerate(layout.lead_roles):
        g = f"ld{j}"
        if role == "level":
            out.append((g, "level", ""))
        elif role == "host":
            out.append((g, "host", ""))
        elif role == "pid":
            out.append((g, "pid_text", ""))
        elif role == "client":
            out.append((g, "field", "client"))
        else:   # labels, sequence numbers, file names: kept by position
            out.append((g, "field", f"lead{j + 1}"))
    if "L" in layout.form.groups:
        out.append(("L", "klog", ""))
    contexts = 0
    for i, col in enumerate(layout.columns):
        p = f"c{i}_"
        r = col.role
        if r == "level":
            out += [(p + "lv", "level", ""), (p + "lvmod", "component", ""),   # [core:error]: module core
                    (p + "lvpid", "pid", ""), (p + "lvfac", "component", "")]    # NOTICE[1234], information/cli:
        elif r == "letter":
            out.append((p + "letter", "letter", ""))
        elif r == "pid":
            out += [(p + "pid", "pid", ""), (p + "pidn", "pid", ""), (p + "hpid", "pid", ""), (p + "tid2", "field", "tid")]
        elif r == "tid":
            out.append((p + "tid", "field", "tid"))
        elif r == "pid_role":
            out += [(p + "pr", "pid", ""), (p + "role", "field", "role"), (p + "ptid", "field", "tid")]
        elif r == "tag":
            out += [(p + "tag", "service", ""), (p + "mod", "field", "module"), (p + "tpid", "pid", "")]
        elif r == "source":
            out.append((p + "src", "field", "source"))
        elif r == "context":
            contexts += 1
            name = "context" if contexts == 1 else f"context{contexts}"
            out += [(p + "ctx", "context", name), (p + "actx", "context", name)]
        elif r == "logger":
            out.append((p + "logger", "service", ""))
        elif r == "bracket_logger":
            out.append((p + "blogger", "service", ""))
        elif r == "hex":
            hexes = sum(1 for c in layout.columns[:i] if c.role == "hex")
            out.append((p + "hex", "field", "thread" if hexes == 0 else f"hex{hexes + 1}"))
        elif r == "mnemonic":
            out += [(p + "fac", "service", ""), (p + "sev", "syslog_severity", ""), (p + "mn", "field", "mnemonic")]
        elif r == "stream":
            out += [(p + "stream", "field", "stream"), (p + "cri", "field", "partial")]
        elif r == "component":
            out.append((p + "comp", "component", ""))
        elif r == "host":
            out.append((p + "host", "host", ""))
    for j, role in enumerate(layout.delim_roles):
        name = layout.names[j] if layout.names else f"field{j + 1}"
        what = {"level": "level", "component": "component", "host": "host", "pid": "pid"}.get(role, "field")
        out.append((f"dc{j}", what, name))
    return out


class LayoutParser:
    """The ``app`` parser for a file whose layout was learned (see layout.py)."""

    name = "app"
    source_type = "app_log"

    def __init__(self, layout: Layout, ctx: TimeContext, fallback: AppLogParser | None = None) -> None:
        self.ctx = ctx
        self.fallback = fallback or AppLogParser(ctx)
        self.notes: list[str] = []
        self._missed: deque = deque(maxlen=200)
        self._hits = self._misses = 0
        self._use(layout)

    def _use(self, layout: Layout) -> None:
        self.layout = layout
        self._rx = re.compile(layout.full_regex())
        self._ts_rx = re.compile(layout.ts_regex())
        self._build = make_builder(layout.form)
        self._fields = _extractors(layout)
        self._dated = layout.form.has_date
        self._delimited = layout.delim is not None
        # no header learned (a short sample, or no column agreed): judge each line's header on its own
        self._per_line = (layout.delim is None and not layout.w3c
                          and not any(c.role in INFORMATIVE for c in layout.columns))
        self._w3c = layout.w3c
        self._w3c_host = next((i for name in ("s_computername", "s_ip") for i, n in enumerate(layout.w3c)
                               if n == name), None)

    def parse(self, text: str, path: str, line_no: int) -> Record:
        m = self._rx.match(text)
        if m is None:
            return self._miss(text, path, line_no)
        ts = self._build(m, self.ctx)
        if ts is None:
            raise BadLine(f"timestamp out of range: {text[:80]}")
        self._hits += 1
        host = service = pid = severity = None
        fields = {}
        for g, what, name in self._fields:
            v = m[g]
            if v is None:
                continue
            if what == "level":
                severity = HEADER_LEVELS.get(v.strip().strip("[]<>:,").upper().split(":")[-1], severity)
            elif what == "service":
                service = v
            elif what == "pid":
                pid = v
            elif what == "field":
                v = v.strip().strip('"')
                if v and v != "-":
                    fields[name] = v
            elif what == "context":
                fields[name] = v
                if service is None:
                    cc = _CONTEXT_COMPONENT.search(v)
                    if cc is not None:
                        service = cc[1]
            elif what == "component":
                v = v.strip().strip('"')
                if service is None:
                    service = v
                elif v:
                    fields["component"] = v
            elif what == "host":
                host = v.strip().strip('"') or None
            elif what == "letter":
                severity = LETTER_LEVELS[v]
            elif what == "klog":
                severity = KLOG_LEVELS[v]
            elif what == "syslog_severity":
                severity = SEVERITY_NAMES[int(v)]
            elif what == "pid_text":
                pid = v.strip("[]").split(":")[0]
        if self._w3c:
            return self._w3c_record(text, ts, m.end("tsend"), path, line_no)
        if self._per_line:
            rec = self.fallback.parse_after(text, ts, m.end("tsend") if not self.layout.columns else m.end(),
                                            path, line_no)
            rec.host = host or rec.host
            rec.severity = severity or rec.severity
            rec.pid = pid or rec.pid
            if fields:
                rec.structured_fields.update(fields)
            return rec
        message = text[m.end():]
        if message[:1] in ",;|":   # the delimiter after the time of a line that is not a CSV
            message = message[1:]
        if self._delimited and message[:1] == '"':   # a quoted last column (it may go on for lines)
            message = message[1:-1] if message.rstrip()[-1:] == '"' else message[1:]
        return Record(ts, message.strip(), text, "app_log", path, line_no, host, service, pid,
                      severity, None, fields, {"format": "app"})

    def _w3c_record(self, text: str, ts, pos: int, path: str, line_no: int) -> Record:
        values = text[pos:].split()
        fields = {}
        host = None
        for i, (name, v) in enumerate(zip(self._w3c, values)):
            if i == self._w3c_host:
                host = v if v != "-" else None
            elif v != "-":
                fields[name] = v
        if self._w3c_host is not None and self._w3c_host < len(values):
            del values[self._w3c_host]
        return Record(ts, " ".join(values), text, "app_log", path, line_no, host, None, None, None, None,
                      fields, {"format": "app"})

    def _miss(self, text: str, path: str, line_no: int) -> Record:
        m = self._ts_rx.match(text)
        if m is not None:
            ts = self._build(m, self.ctx)
            if ts is not None:  # the time where the layout has it, an unusual header after it
                return self.fallback.parse_after(text, ts, m.end("tsend"), path, line_no)
        rec = self.fallback.parse(text, path, line_no)
        if rec.timestamp is not None:
            if not self._dated:
                self.ctx.days.seen_date(rec.timestamp.date())
            self._missed.append(text)
            self._misses += 1
            if self._misses >= RELEARN_MIN and self._misses > self._hits:
                self._relearn(line_no)
        if self._hits + self._misses >= RELEARN_WINDOW:
            self._hits = self._misses = 0
        return rec

    def _relearn(self, line_no: int) -> None:
        new = learn_layout(list(self._missed), self.ctx.years.reference)
        self._hits = self._misses = 0
        if new is None or new.share < 0.6:
            return
        self.notes.append(f"layout changed near line {line_no}: {new.describe()}")
        self._use(new)
        self._missed.clear()
