"""The layout learner: where a file's timestamp sits and what its header columns are.

``learn_layout`` looks at a sample of a file's first lines, tries every
timestamp form (timeforms.py) at the start of each of the first few columns
(and just inside a ``[``, ``(`` or ``"``), and keeps the (position, form)
that reads a valid time in the most lines; ties go to the earlier column,
the longer match (``Tue May 14 10:22:33 2024`` over ``Tue May 14
10:22:33``), times that run forwards, times close together, and closeness
to the file's time (these settle day/month order and two-digit years). The
columns after it (and before it) are then recognized by their shape over
the sample (headers.py). ``LayoutParser`` (layoutparser.py) applies the
result with one compiled regex per line.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from .headers import STRONG_SHARE, Column, column_regex, learn_columns, shape
from .timeforms import BUILDERS, FORMS, TimeContext, TimeForm, forms_for
from .timestamps import YearResolver

LEARN_LINES = 100     # sample lines the learner reads (about 60 µs each)
MAX_LEAD = 5          # leading columns a timestamp may follow (a level, a label, a file name...)
SCAN_CHARS = 240      # how far into a line timestamps are looked for
MIN_SHARE = 0.2       # a layout must read a time in at least this share of the sample
MIN_HEADER_LINES = 3  # fewer timestamped sample lines: header columns are judged line by line
DELIMITERS = ",;|\t"
_START_AFTER = DELIMITERS + ":"   # a time may also follow "pid:" (Zabbix)
_OPENERS = "[(\"'*."
_MARKS = "*."
_CLOSERS = {"[": "]", "(": ")", '"': '"', "'": "'"}
_FORM_INDEX = {f.name: i for i, f in enumerate(FORMS)}


@dataclass
class Layout:
    """Where the timestamp is and what surrounds it, for one file."""

    form: TimeForm
    sep: str                          # "" (first column), " " (after spaces) or a delimiter
    lead: int                         # columns before the timestamp
    opener: str                       # character just before it ("[", "(", '"', "*") or ""
    lead_roles: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    delim: str | None = None          # the header after the timestamp is split by this
    delim_roles: tuple[str, ...] = ()
    names: tuple[str, ...] = ()       # a CSV header row's names for the delimited columns
    header_line: str | None = None    # that header row (not an event)
    w3c: tuple[str, ...] = ()         # a W3C extended log's #Fields after the date and time
    share: float = 0.0                # sample lines it reads
    example: str = ""

    def describe(self) -> str:
        where = "first column" if self.lead == 0 else f"after {self.lead} column{'s' * (self.lead > 1)}"
        if self.opener:
            where += f" inside {self.opener!r}"
        head = ", ".join(c.describe() for c in self.columns) if self.delim is None else \
            f"{self.delim!r}-separated: " + ", ".join(self.delim_roles)
        if self.w3c:
            head = "W3C fields " + " ".join(self.w3c)
        lead = f"; before it: {', '.join(self.lead_roles)}" if self.lead_roles else ""
        return f"time as {self.form.name} ({self.example!r}) {where}{lead}; header: {head or 'none'}"

    # -- regexes -----------------------------------------------------------------------------
    def prefix_regex(self) -> str:
        out = []
        if self.sep in ("", " "):
            for j in range(self.lead):
                out.append(rf"(?P<ld{j}>\[[^\]]*\]|\S+)\s+")
        else:
            d = re.escape(self.sep)
            for j in range(self.lead):
                out.append(rf'(?P<ld{j}>"[^"]*"|[^{d}]*){d}\s*')
        out.append(re.escape(self.opener) if self.opener else "[*.]?")
        return "".join(out)

    def ts_regex(self) -> str:
        """The columns before the time, the time, and its closing bracket; group ``tsend`` marks the end."""
        close = _CLOSERS.get(self.opener, "")
        return self.prefix_regex() + self.form.pattern + (re.escape(close) + "?" if close else "") + "(?P<tsend>)"

    def full_regex(self) -> str:
        src = self.ts_regex()
        if self.delim is None:
            return src + column_regex(list(self.columns)) + r"\s*"
        d = re.escape(self.delim)
        src += d
        for j in range(len(self.delim_roles)):
            src += rf'\s*(?P<dc{j}>"[^"]*"|[^{d}]*){d}'
        return src + r"\s*"


@dataclass
class _Candidate:
    key: tuple
    form: TimeForm
    hits: list = field(default_factory=list)   # (line index, datetime, start, end)


def _starts(text: str):
    """(key, position) of each place a timestamp may start: column starts in the first
    ``MAX_LEAD`` columns (space- or delimiter-separated), and just inside an opener."""
    n = min(len(text), SCAN_CHARS)
    ws = 0
    counts = dict.fromkeys(_START_AFTER, 0)
    prev = ""
    for i in range(n):
        c = text[i]
        if c == " " or c == "\t":
            if prev and prev not in " \t":
                ws += 1
            if c == "\t":
                counts["\t"] += 1
            prev = c
            if ws > MAX_LEAD and all(v > MAX_LEAD for v in counts.values()):
                return
            continue
        key = None
        if i == 0:
            key = ("", 0)
        elif prev in " \t" and ws <= MAX_LEAD:
            key = (" ", ws)
        elif prev in _START_AFTER and counts[prev] <= MAX_LEAD:
            key = (prev, counts[prev])
        if key is not None:
            yield key + ("",), i
            if c in _OPENERS and i + 1 < len(text):
                # "*Mar  1" and ".Mar  1" (Cisco's clock-not-set marks) read like "Mar  1"
                yield key + ("" if c in _MARKS else c,), i + 1
        if c in counts:
            counts[c] += 1
        prev = c


def _order_score(hits) -> float:
    """Share of consecutive hits whose times do not go back by more than a minute."""
    if len(hits) < 2:
        return 1.0
    ok = sum(1 for a, b in zip(hits, hits[1:]) if (b[1] - a[1]).total_seconds() >= -60)
    return ok / (len(hits) - 1)


def _spread(hits) -> float:
    """Median gap between consecutive hits: a file's lines sit close in time, so of two
    readings of ``01/02 .. 01/12`` the one a day apart beats the one a month apart."""
    gaps = sorted(abs((b[1] - a[1]).total_seconds()) for a, b in zip(hits, hits[1:]))
    return gaps[len(gaps) // 2] if gaps else 0.0


def _distance(hits, reference: datetime) -> float:
    return sum(abs((h[1] - reference).total_seconds()) for h in hits) / max(1, len(hits))


def find_candidates(lines: list[str], reference: datetime) -> list[_Candidate]:
    """Every (position key, form) reading a valid time, with the lines it reads.

    A match inside a longer one on the same line (the time of a date-time, a
    yearless ``Tue May 14 10:22:33`` inside ``Tue May 14 10:22:33 2024``) is
    not a candidate of its own."""
    ctx = TimeContext(YearResolver(reference))
    found: dict[tuple, _Candidate] = {}
    for idx, text in enumerate(lines):
        matches = []
        for key, pos in _starts(text):
            for form in forms_for(text[pos]):
                m = form.regex.match(text, pos)
                if m is None:
                    continue
                ctx.years.year = None   # each line on its own: learning must not carry state
                ctx.days.current = None
                dt = BUILDERS[form.name](m, ctx)
                if dt is not None:
                    matches.append((key, form, dt, pos, m.end()))
        seen = set()
        for key, form, dt, pos, end in matches:
            if any(p2 <= pos and end <= e2 and (e2 - p2) > (end - pos) for _, _, _, p2, e2 in matches):
                continue
            k = (key, form.name)
            if k in seen:
                continue
            seen.add(k)
            cand = found.get(k)
            if cand is None:
                cand = found[k] = _Candidate(key, form)
            cand.hits.append((idx, dt, pos, end))
    return list(found.values())


def _rank(c: _Candidate, best: int, reference: datetime):
    hits = len(c.hits)
    avg_len = sum(h[3] - h[2] for h in c.hits) / hits
    return (hits < 0.9 * best,               # far fewer lines: out
            c.key[1],                        # the earlier column
            -hits,                           # then the most lines
            -round(avg_len),                 # the longer match
            -round(_order_score(c.hits), 2),  # times that run forwards
            _spread(c.hits),                 # close together
            _distance(c.hits, reference),    # nearest the file's time
            _FORM_INDEX[c.form.name])


def learn_layout(lines: list[str], reference: datetime) -> Layout | None:
    """The layout of a sample of a file's first non-empty lines, or None when no
    timestamp form reads a time in at least ``MIN_SHARE`` of them."""
    lines = lines[:LEARN_LINES]
    if not lines:
        return None
    cands = [c for c in find_candidates(lines, reference)
             if not (c.form.epoch and _order_score(c.hits) < 0.8)]   # an id column is not a clock
    if not cands:
        return None
    best = max(len(c.hits) for c in cands)
    if best < MIN_SHARE * len(lines):
        return None
    chosen = min(cands, key=lambda c: _rank(c, best, reference))
    sep, lead, opener = chosen.key
    hit_lines = [lines[h[0]] for h in chosen.hits]
    close = _CLOSERS.get(opener)
    ends = [h[3] + (1 if close and lines[h[0]][h[3]:h[3] + 1] == close else 0) for h in chosen.hits]
    first = chosen.hits[0]
    layout = Layout(chosen.form, sep, lead, opener, share=len(chosen.hits) / len(lines),
                    example=lines[first[0]][first[2]:first[3]])
    layout.lead_roles = _lead_roles(hit_lines, [h[2] for h in chosen.hits], layout)
    delim = _delimiter_after(hit_lines, ends)
    w3c = _w3c_fields(lines)
    if w3c is not None and lead == 0:
        layout.w3c = w3c
    elif len(hit_lines) < MIN_HEADER_LINES:
        pass
    elif delim is not None:
        layout.delim = delim
        layout.delim_roles, layout.names = _delimited_roles(lines, hit_lines, ends, delim, layout)
    else:
        layout.columns = tuple(learn_columns(hit_lines, ends))
    return layout


def _lead_roles(hit_lines: list[str], starts: list[int], layout: Layout) -> tuple[str, ...]:
    if layout.lead == 0:
        return ()
    rx = re.compile(layout.prefix_regex())
    values: list[list[str]] = [[] for _ in range(layout.lead)]
    for text in hit_lines:
        m = rx.match(text)
        if m is None:
            continue
        for j in range(layout.lead):
            v = m[f"ld{j}"].strip().strip('"')
            if v:
                values[j].append(v)
    roles = []
    for vals in values:
        shapes = Counter(shape(v) for v in vals)
        top, count = shapes.most_common(1)[0] if shapes else ("other", 0)
        share = count / max(1, len(vals))
        if top == "level" and share >= 0.75:
            roles.append("level")
        elif top == "host" and share >= STRONG_SHARE and sum(map(_is_ip, vals)) >= 0.5 * len(vals):
            roles.append("client")   # an address before the time is who asked (access logs), not who logged
        elif top == "host" and share >= STRONG_SHARE and len(set(vals)) <= max(3, 0.5 * len(vals)):
            roles.append("host")
        elif top in ("bracket_pid", "pid_role") and share >= 0.75:
            roles.append("pid")
        elif top == "int" and share >= STRONG_SHARE:
            roles.append("seq")
        else:
            roles.append("label")
    return tuple(roles)


_IP = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$|[0-9a-fA-F:]*:[0-9a-fA-F:]+$")


def _is_ip(v: str) -> bool:
    return _IP.match(v) is not None


def _delimiter_after(hit_lines: list[str], ends: list[int]) -> str | None:
    counts: Counter = Counter()
    for text, end in zip(hit_lines, ends):
        if end < len(text) and text[end] in DELIMITERS:
            counts[text[end]] += 1
    if not counts:
        return None
    d, n = counts.most_common(1)[0]
    if n < STRONG_SHARE * len(hit_lines):
        return None
    if d == "," and all(text[end + 1:end + 2] == " " for text, end in zip(hit_lines, ends) if end + 1 < len(text)):
        return None   # "2016-09-28 04:30:30, Info  ..." : a comma after the time, not a CSV
    # the last column must be the message (free text); records of short values only
    # (a DHCP audit line) keep the whole rest as their message
    free = sum(1 for text, end in zip(hit_lines, ends) if " " in _split(text[end + 1:], d)[-1].strip())
    if free < 0.5 * len(hit_lines):
        return None
    return d


def _w3c_fields(lines: list[str]) -> tuple[str, ...] | None:
    """The column names of a W3C extended log (IIS, Windows Firewall): ``#Fields: date time s-ip ...``,
    without the date and time columns the timestamp covers."""
    for text in lines:
        if text.startswith("#Fields:"):
            names = [_norm_name(x) for x in text[8:].split()]
            while names and names[0] in ("date", "time"):
                names.pop(0)
            return tuple(names) or None
    return None


def _split(text: str, d: str) -> list[str]:
    """Fields separated by ``d``; a field in double quotes may hold ``d``."""
    out, buf, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == d and not quoted:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return out


_NAME_ROLES = {
    "level": "level", "severity": "level", "loglevel": "level", "type": "level", "priority": "level",
    "source": "component", "provider": "component", "component": "component", "logger": "component",
    "service": "component", "program": "component", "app": "component", "application": "component",
    "host": "host", "hostname": "host", "computer": "host", "node": "host", "server": "host",
    "machine": "host", "device": "host", "pid": "pid", "process_id": "pid", "processid": "pid",
}


def _norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().strip('"').lower()).strip("_") or "field"


def _delimited_roles(lines, hit_lines, ends, d, layout) -> tuple[tuple[str, ...], tuple[str, ...]]:
    rests = [_split(text[end + 1:], d) for text, end in zip(hit_lines, ends)]
    ncols = Counter(len(r) - 1 for r in rests).most_common(1)[0][0]
    ncols = max(0, min(ncols, 8))
    names: tuple[str, ...] = ()
    head = lines[0]
    if head not in hit_lines and len(_split(head, d)) in (layout.lead + 1 + ncols, layout.lead + 1 + ncols + 1):
        names = tuple(_norm_name(x) for x in _split(head, d))[layout.lead + 1:layout.lead + 1 + ncols]
        layout.header_line = head
    roles = []
    used = set()
    for j in range(ncols):
        vals = [r[j].strip().strip('"') for r in rests if len(r) > j + 1]
        role = "field"
        if names and names[j] in _NAME_ROLES:
            role = _NAME_ROLES[names[j]]
        else:
            shapes = Counter(shape(v) if v else "empty" for v in vals)
            top, count = shapes.most_common(1)[0] if shapes else ("other", 0)
            share = count / max(1, len(vals))
            distinct = len(set(vals))
            if top == "level" and share >= 0.75:
                role = "level"
            elif top == "int" and share >= STRONG_SHARE and "pid" not in used and not names:
                role = "pid"
            elif top in ("word", "dotted", "other") and distinct <= max(3, 0.3 * len(vals)) and "component" not in used:
                role = "component"
        if role in used and role != "field":
            role = "field"
        used.add(role)
        roles.append(role)
    return tuple(roles), names
