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
        self._cache: dict = {}
        self._compile()

    def parse(self, text: str, path: str, line_no: int) -> Record:
        return self._fast(text, path, line_no)   # compiled for this layout by _compile

    def _base_time(self, m, key):
        """The minute a match's time falls in (zone applied), cached by the text of its date, hour and minute."""
        ts = self._build(m, self.ctx)
        if ts is None:
            raise BadLine(f"timestamp out of range: {m.string[:80]}")
        if len(self._cache) > 4096:
            self._cache.clear()
        base = self._cache[key] = ts.replace(second=0, microsecond=0)
        return base

    def _finish(self, text, ts, m, host, service, pid, severity, fields, path, line_no) -> Record:
        """The slow tail: W3C columns, or a header judged line by line."""
        if self._w3c:
            return self._w3c_record(text, ts, m.end("tsend"), path, line_no)
        rec = self.fallback.parse_after(text, ts, m.end("tsend") if not self.layout.columns else m.end(),
                                        path, line_no)
        rec.host = host or rec.host
        rec.severity = severity or rec.severity
        rec.pid = pid or rec.pid
        if fields:
            rec.structured_fields.update(fields)
        return rec

    def _compile(self) -> None:
        """Generate this layout's parse function: one regex match, then straight-line code
        over the groups it has (no per-line dispatch on roles)."""
        layout = self.layout
        gi = {name: i - 1 for name, i in self._rx.groupindex.items()}
        form = layout.form
        lines = ["def fast(text, path, line_no):",
                 "    m = match(text)",
                 "    if m is None:",
                 "        return miss(text, path, line_no)",
                 "    v = m.groups()"]
        if form.epoch:
            lines += ["    ts = build(m, ctx)",
                      "    if ts is None:",
                      "        raise BadLine('timestamp out of range: ' + text[:80])"]
        else:
            key_groups = [g for g in ("Y", "y", "M", "b", "D", "h", "m", "p", "z", "Z") if g in gi]
            lines.append("    key = (" + ", ".join(f"v[{gi[g]}]" for g in key_groups) + ",)")
            lines += ["    base = cache.get(key)",
                      "    if base is None:",
                      "        base = base_time(m, key)"]
            if "s" in gi:
                lines += [f"    x = v[{gi['s']}]",
                          "    sec = int(x) if x is not None else 0",
                          "    if sec == 60:",
                          "        sec = 59"]
            else:
                lines.append("    sec = 0")
            if "f" in gi:
                lines += [f"    x = v[{gi['f']}]",
                          "    us = (int(x[:6]) if len(x) >= 6 else int((x + '00000')[:6])) if x is not None else 0"]
            else:
                lines.append("    us = 0")
            lines += ["    ts = base.replace(second=sec, microsecond=us)"]
            if not form.has_date:
                lines.append("    ctx.used_day = True")
        lines += ["    self._hits += 1",
                  "    host = service = pid = severity = None",
                  "    fields = {}"]
        for g, what, name in self._fields:
            if g not in gi:
                continue
            k = gi[g]
            lines.append(f"    x = v[{k}]")
            lines.append("    if x is not None:")
            body = {
                "level": ["severity = LEVELS.get(x.upper())",
                          "if severity is None:",   # the regex takes any word: not a level, not this layout
                          "    return miss(text, path, line_no)"],
                "service": ["service = x"],
                "pid": ["pid = x"],
                "field": ["x = x.strip().strip('\"')", "if x and x != '-':", f"    fields[{name!r}] = x"],
                "context": [f"fields[{name!r}] = x", "if service is None and '@' in x:",
                            "    cc = ctx_component(x)", "    if cc is not None:", "        service = cc[1]"],
                "component": ["x = x.strip().strip('\"')", "if service is None:", "    service = x",
                              "elif x:", "    fields['component'] = x"],
                "host": ["host = x.strip().strip('\"') or None"],
                "letter": ["severity = LETTERS[x]"],
                "klog": ["severity = KLOG[x]"],
                "syslog_severity": ["severity = SEVERITIES[int(x)]"],
                "pid_text": ["pid = x.strip('[]').split(':')[0]"],
            }[what]
            lines += ["        " + b for b in body]
        if self._w3c or self._per_line:
            lines.append("    return finish(text, ts, m, host, service, pid, severity, fields, path, line_no)")
        else:
            lines += ["    message = text[m.end():]",
                      "    if message[:1] in ',;|':",   # the delimiter after the time of a line that is not a CSV
                      "        message = message[1:]"]
            if self._delimited:   # a quoted last column (it may go on for lines)
                lines += ["    if message[:1] == '\"':",
                          "        message = message[1:-1] if message.rstrip()[-1:] == '\"' else message[1:]"]
            lines.append("    return Record(ts, message.strip(), text, 'app_log', path, line_no, host, service, pid,"
                         " severity, None, fields, {'format': 'app'})")
        ns = {"match": self._rx.match, "miss": self._miss, "build": self._build, "ctx": self.ctx,
              "cache": self._cache, "base_time": self._base_time, "self": self, "BadLine": BadLine,
              "LEVELS": HEADER_LEVELS, "LETTERS": LETTER_LEVELS, "KLOG": KLOG_LEVELS, "SEVERITIES": SEVERITY_NAMES,
              "ctx_component": _CONTEXT_COMPONENT.search, "finish": self._finish, "Record": Record}
        exec(compile("\n".join(lines) + "\n", f"<layout {layout.form.name}>", "exec"), ns)
        self._fast = ns["fast"]
        self.source = "\n".join(lines)

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


def app_parser(sample: list[str], ctx: TimeContext) -> LayoutParser | AppLogParser:
    """The parser for an app log whose first non-empty lines are ``sample``: its learned
    layout, or the general line-by-line parser when no timestamp layout is found.
    What ``read_records`` uses; a live follower can use the same."""
    app = AppLogParser(ctx)
    layout = learn_layout(sample, ctx.years.reference)
    return app if layout is None else LayoutParser(layout, ctx, app)
