"""NodeBrain time expressions as sets of time intervals (UTC calendar).

A time expression denotes intervals [start, end) of the engine clock:

    functions     s m h d w n q y (second ... year; weeks start on Sunday),
                  su..sa / sunday..saturday, jan..dec / january..december
    parameters    h(8..17)  d(1,15)  d(27_5)  mo(1)  jan(15)  n(3)  q(2)  w(9)  y(2026)
                  (a..b a range, a_b a span from the a-th to the end of the b-th)
    indexed       d[1]n  d[-1]n  d[1,15]n  d[-3_-1]n  su[1]n  h[2]d
                  (for each interval of the right set, the n-th overlapping interval of
                  the left set; negative counts from the end)
    infix         a,b union   a.b a's intervals meeting b   a!b a's intervals not meeting b
                  a#b a until b's next start   a&b and   a|b or   a%b exclusive or
    prefix        !a not   ~a normalize   |a connect   &a overlap   %a unique
                  =a conflict   #a partition
    pulses        4h  10m  2h30m: back-to-back periods from the moment the expression
                  was defined (true first after one period)

Infix operators are read left to right; `[...]` and prefix operators bind tighter.
As in NodeBrain, sets are generated forward from the time they are asked about, so
`!a` and `#a` start their first interval there. Parent parameters (`d(1/5)`,
`m(12:17)`) and time sequences (`{...}`) are not supported.
"""
from __future__ import annotations

import calendar
import re
from datetime import datetime, timezone

Interval = tuple[float, float]

_DAY = 86400
_WEEK0 = 3 * _DAY       # 1970-01-04, a Sunday: weeks start on Sundays
_UNITS = {"s": "s", "second": "s", "m": "m", "minute": "m", "h": "h", "hour": "h",
          "d": "d", "day": "d", "w": "w", "week": "w", "n": "n", "month": "n",
          "q": "q", "quarter": "q", "y": "y", "year": "y"}
_FIXED = {"s": 1, "m": 60, "h": 3600, "d": _DAY, "w": 7 * _DAY}
_WEEKDAYS = ["su", "mo", "tu", "we", "th", "fr", "sa"]
_WEEKDAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december"]
_PULSE = re.compile(r"^(?:\d+[smhdw])+$")
_PULSE_PART = re.compile(r"(\d+)([smhdw])")
MAX_TIME = 253402300799.0   # 9999-12-31T23:59:59Z: no interval past the calendar
MAX_PULSE = 100 * 366 * 86400   # a century


# Work done by one question to a time set (intervals generated); past the limit the
# question gives up (TimeBudget): a set that is never true (`=h`, `h&!h`) is not
# searched through millions of hours. `bounded(fn)` runs a question under it.
WORK = [0]
WORK_LIMIT = 2_000_000


class TimeBudget(Exception):
    """A time-set question that would generate too many intervals."""


def bounded(fn, *args, default=None):
    WORK[0] = 0
    try:
        return fn(*args)
    except TimeBudget:
        return default


class TimeSyntaxError(ValueError):
    """A time expression that does not parse; `pos` is the offset in its text."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.pos = pos


# -- calendar ------------------------------------------------------------------------
def _ym(t: float) -> tuple[int, int]:
    d = datetime.fromtimestamp(max(min(t, MAX_TIME), -62135596800.0), timezone.utc)
    return d.year, d.month


def _month_start(y: int, m: int) -> float:
    while m > 12:
        y, m = y + 1, m - 12
    if y > 9999:
        return MAX_TIME + 1
    return float(calendar.timegm((y, m, 1, 0, 0, 0)))


def floor_unit(t: float, u: str) -> float:
    if u in ("s", "m", "h", "d"):
        p = _FIXED[u]
        return t // p * p
    if u == "w":
        return (t - _WEEK0) // (7 * _DAY) * (7 * _DAY) + _WEEK0
    y, m = _ym(t)
    if u == "n":
        return _month_start(y, m)
    if u == "q":
        return _month_start(y, (m - 1) // 3 * 3 + 1)
    return _month_start(y, 1)


def next_unit(start: float, u: str) -> float:
    if u in _FIXED:
        return start + _FIXED[u]
    y, m = _ym(start)
    return _month_start(y, m + {"n": 1, "q": 3, "y": 12}[u])


# -- sets -------------------------------------------------------------------------------
class TimeSet:
    """A set of intervals; gen(lo, hi) lists those meeting [lo, hi), in order."""

    def gen(self, lo: float, hi: float) -> list[Interval]:
        raise NotImplementedError

    def first_after(self, t: float) -> Interval | None:
        """The first interval starting at or after t."""
        span = 2 * _DAY
        while t + span <= MAX_TIME * 2:
            for iv in self.gen(t, t + span):
                if iv[0] >= t:
                    return iv
            span *= 8
        return None


class Unit(TimeSet):
    """A partitioned function (s m h d w n q y), optionally only some of its intervals:
    `keep(start)` decides (weekdays, months of the year)."""

    def __init__(self, u: str, keep=None) -> None:
        self.u, self.keep = u, keep

    def gen(self, lo: float, hi: float) -> list[Interval]:
        out, u, keep = [], self.u, self.keep
        s = floor_unit(lo, u)
        limit = 400000   # a bound on the work of one call (a year of seconds is more)
        if WORK[0] > WORK_LIMIT:
            raise TimeBudget()
        while s < hi and limit:
            e = next_unit(s, u)
            if keep is None or keep(s):
                out.append((s, e))
            s = e
            limit -= 1
        WORK[0] += 400000 - limit
        return out


def _weekday(i: int):
    return lambda s: int((s - _WEEK0) // _DAY) % 7 == i


def _month_of_year(i: int):
    return lambda s: _ym(s)[1] == i


class Pulse(TimeSet):
    """Back-to-back periods of `d` seconds, the first starting one period after
    `origin` (a pulse is first true when a whole period has passed)."""

    def __init__(self, d: int, origin: float) -> None:
        self.d, self.origin = d, origin

    def gen(self, lo: float, hi: float) -> list[Interval]:
        d, o = self.d, self.origin
        k = max(1, int((lo - o) // d))
        out = []
        s = o + k * d
        while s < hi:
            out.append((s, s + d))
            s += d
        return out


class Index(TimeSet):
    """a[items]b: for each interval of b, the selected intervals of a meeting it."""

    def __init__(self, a: TimeSet, items: list, b: TimeSet) -> None:
        self.a, self.items, self.b = a, items, b

    def _within(self, B: Interval) -> list[Interval]:
        return [x for x in self.a.gen(B[0], B[1]) if x[1] > B[0] and x[0] < B[1]]

    def gen(self, lo: float, hi: float) -> list[Interval]:
        out = []
        for B in self.b.gen(lo, hi):
            A = self._within(B)
            for first, last in self.items:
                x = _pick(A, first)
                if x is None:
                    continue
                if last is None:
                    out.append(x)
                    continue
                y = _pick(A, last)
                if y is None or y[1] <= x[0]:     # the span ends in b's next interval
                    nb = self.b.first_after(B[1])
                    y = _pick(self._within(nb), last) if nb else None
                if y is not None:
                    out.append((x[0], y[1]))
        # forward from lo, as NodeBrain generates sets: what ended before lo is gone
        out = [x for x in out if x[1] > lo and x[0] < hi]
        out.sort()
        return out


def _pick(A: list, n: int) -> Interval | None:
    if n > 0:
        return A[n - 1] if n <= len(A) else None
    return A[n] if -n <= len(A) else None


def normalize(ivs: list[Interval]) -> list[Interval]:
    """Merge overlapping intervals; successive ones (end = start) stay apart."""
    out: list[list[float]] = []
    for s, e in sorted(ivs):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _connect(ivs: list[Interval]) -> list[Interval]:
    out: list[list[float]] = []
    for s, e in sorted(ivs):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _coverage(ivs: list[Interval], keep) -> list[Interval]:
    """Segments where the number of covering intervals satisfies keep(count)."""
    edges = sorted([(s, 1) for s, _ in ivs] + [(e, -1) for _, e in ivs])
    out, n, start = [], 0, None
    for t, d in edges:
        before = keep(n)
        n += d
        after = keep(n)
        if after and not before:
            start = t
        elif before and not after and start is not None and t > start:
            out.append((start, t))
            start = None
    return _connect(out)


def _meets(x: Interval, ys: list[Interval]) -> bool:
    return any(y[0] < x[1] and y[1] > x[0] for y in ys)


class Op(TimeSet):
    def __init__(self, op: str, a: TimeSet, b: TimeSet | None = None) -> None:
        self.op, self.a, self.b = op, a, b

    def gen(self, lo: float, hi: float) -> list[Interval]:
        op, a, b = self.op, self.a, self.b
        A = a.gen(lo, hi)
        if b is None:      # prefix operators
            if op == "!":
                out, t = [], lo
                for s, e in _connect(A):
                    if s > t:
                        out.append((t, s))
                    t = max(t, e)
                if t < hi:
                    out.append((t, self._gap_end(t)))
                return out
            if op == "~":
                return normalize(A)
            if op == "|":
                return _connect(A)
            if op == "&":
                return _coverage(A, lambda n: n >= 2)
            if op == "%":
                return _coverage(A, lambda n: n == 1)
            if op == "=":       # intervals meeting another one: one sweep in start order
                A = sorted(A)
                hit = [False] * len(A)
                reach, who = float("-inf"), -1
                for i, (s0, e0) in enumerate(A):
                    if s0 < reach:
                        hit[i] = hit[who] = True
                    if e0 > reach:
                        reach, who = e0, i
                return [x for x, h in zip(A, hit) if h]
            if op == "#":       # from each start to the next; the first from lo
                starts = sorted({s for s, _ in A if s >= lo})
                nxt = a.first_after(starts[-1] + 1e-9 if starts else lo)
                starts.append(nxt[0] if nxt else MAX_TIME)
                if starts[0] > lo:
                    starts.insert(0, lo)
                return [(s, e) for s, e in zip(starts, starts[1:]) if s < e]
            raise AssertionError(op)
        if op == ",":
            return sorted(set(A) | set(b.gen(lo, hi)))
        if op in ".!":
            keep = op == "."
            return [x for x in A if _meets(x, b.gen(x[0], x[1])) == keep]
        if op == "#":
            out = []
            for s, e in A:
                nb = b.first_after(e)
                out.append((s, nb[0] if nb else e))
            return out
        B = b.gen(lo, hi)
        if op == "&":
            return _coverage(normalize(A) + normalize(B), lambda n: n == 2)
        if op == "|":
            return normalize(A + B)
        if op == "%":
            return _coverage(normalize(A) + normalize(B), lambda n: n == 1)
        raise AssertionError(op)

    def _gap_end(self, t: float) -> float:
        nxt = self.a.first_after(t)
        return nxt[0] if nxt else MAX_TIME


# -- parsing ------------------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(?:(\d+(?:[smhdw]\d*)*[smhdw]?)|([A-Za-z]+)|(\.\.|[-_,.!#&|%~=()\[\]]))")


class _Parser:
    def __init__(self, text: str, now: float) -> None:
        self.text, self.now, self.pos = text, now, 0
        self.toks: list[tuple[str, str, int]] = []
        i = 0
        while i < len(text):
            m = _TOKEN.match(text, i)
            if m is None or m.end() == i:
                if text[i:].strip() == "":
                    break
                raise TimeSyntaxError(f"unexpected character {text[i]!r} in time expression", i)
            kind = "num" if m.group(1) else "name" if m.group(2) else "op"
            self.toks.append((kind, m.group(m.lastindex), m.start(m.lastindex)))
            i = m.end()
        self.i = 0
        self.depth = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "", len(self.text))

    def next(self):
        tok = self.peek()
        self.i += 1
        return tok

    def error(self, message: str, tok=None) -> TimeSyntaxError:
        tok = tok or self.peek()
        return TimeSyntaxError(message, tok[2])

    def parse(self) -> TimeSet:
        if not self.toks:
            raise self.error("empty time expression")
        s = self.expr()
        if self.peek()[0] != "end":
            raise self.error(f"unexpected {self.peek()[1]!r} in time expression")
        return s

    def expr(self) -> TimeSet:
        left = self.prefix()
        while True:
            tok = self.peek()
            if tok[0] == "op" and tok[1] in (",", ".", "!", "#", "&", "|", "%"):
                self.next()
                left = Op(tok[1], left, self.prefix())
            else:
                return left

    def prefix(self) -> TimeSet:
        tok = self.peek()
        if tok[0] == "op" and tok[1] in ("!", "~", "|", "&", "%", "=", "#"):
            self.next()
            self.depth += 1
            if self.depth > 64:
                raise self.error("time expression nested too deeply")
            got = Op(tok[1], self.prefix())
            self.depth -= 1
            return got
        return self.indexed()

    def indexed(self) -> TimeSet:
        a = self.atom()
        if self.peek()[1] == "[":
            self.next()
            items = self.params("]")
            self.depth += 1
            if self.depth > 64:
                raise self.error("time expression nested too deeply")
            b = self.indexed()
            self.depth -= 1
            return Index(a, items, b)
        return a

    def atom(self) -> TimeSet:
        tok = self.next()
        kind, text = tok[0], tok[1]
        if kind == "op" and text == "(":
            self.depth += 1
            if self.depth > 64:
                raise self.error("time expression nested too deeply", tok)
            s = self.expr()
            self.depth -= 1
            if self.next()[1] != ")":
                raise self.error("expecting ')' in time expression")
            return s
        if kind == "num" and _PULSE.match(text):
            parts = _PULSE_PART.findall(text)
            if any(len(n) > 12 for n, _ in parts):
                raise self.error(f"a pulse needs a duration above 0 and at most {MAX_PULSE} seconds", tok)
            d = sum(int(n) * _FIXED[u] for n, u in parts)
            if not 0 < d <= MAX_PULSE:
                raise self.error(f"a pulse needs a duration above 0 and at most {MAX_PULSE} seconds", tok)
            return Pulse(d, self.now)
        if kind != "name":
            raise self.error("expecting a time function (s m h d w n q y, su..sa, jan..dec)", tok)
        word = text.lower()
        params = self.params(")") if self.peek()[1] == "(" and self.next() else None
        return self.function(word, params, tok)

    def function(self, word: str, params, tok) -> TimeSet:
        if word in _UNITS:
            u = _UNITS[word]
            unit = Unit(u)
            if params is None:
                return unit
            if u == "y":
                years = {n for first, last in params for n in range(first, (last or first) + 1)}
                return Unit("y", keep=lambda s: _ym(s)[0] in years)
            if u == "q":   # quarter(i) is month[3i-2 _ 3i]year
                items = [(3 * f - 2, 3 * (last or f)) for f, last in params]
                return Index(Unit("n"), items, Unit("y"))
            parent = {"s": "m", "m": "h", "h": "d", "d": "n", "w": "y", "n": "y"}[u]
            shift = 1 if u in ("s", "m", "h") else 0    # hour(0) is the first hour of the day
            items = [(f + shift, None if last is None else last + shift) for f, last in params]
            return Index(unit, items, Unit(parent))
        if word in _WEEKDAYS or word in _WEEKDAY_NAMES:
            i = _WEEKDAYS.index(word[:2])
            day = Unit("d", keep=_weekday(i))
            return day if params is None else Index(day, params, Unit("n"))
        if word in _MONTHS or word in _MONTH_NAMES:
            i = (_MONTHS.index(word) if word in _MONTHS else _MONTH_NAMES.index(word)) + 1
            month = Unit("n", keep=_month_of_year(i))
            return month if params is None else Index(Unit("d"), params, month)
        raise self.error(f"unknown time function {word!r}", tok)

    def params(self, close: str) -> list:
        """`1,3..5,27_5,-1` -> [(1, None), (3, None), (4, None), (5, None), (27, 5), (-1, None)]."""
        out = []
        while True:
            first = self.number()
            tok = self.peek()
            if tok[1] == "..":
                self.next()
                last = self.number()
                if last < first or last - first > 10000:
                    raise self.error("bad range in time parameters", tok)
                out.extend((n, None) for n in range(first, last + 1))
            elif tok[1] == "_":
                self.next()
                out.append((first, self.number()))
            else:
                out.append((first, None))
            tok = self.next()
            if tok[1] == close:
                return out
            if tok[1] != ",":
                if tok[1] in ("/", "@", ":"):
                    raise self.error("parent parameters are not supported", tok)
                raise self.error(f"expecting ',' or '{close}' in time parameters", tok)

    def number(self) -> int:
        sign = 1
        if self.peek()[1] == "-":
            self.next()
            sign = -1
        tok = self.next()
        if tok[0] != "num" or not tok[1].isdigit() or len(tok[1]) > 6:
            raise self.error("expecting a number (up to 6 digits) in time parameters", tok)
        return sign * int(tok[1])


def parse_time(text: str, now: float) -> TimeSet:
    """The set a time expression denotes (`now` anchors pulses)."""
    return _Parser(text, now).parse()


def pulse_of(s: TimeSet) -> Pulse | None:
    return s if isinstance(s, Pulse) else None


__all__ = ["TimeSet", "TimeSyntaxError", "parse_time", "normalize", "pulse_of", "MAX_TIME"]
