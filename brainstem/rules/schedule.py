"""Time conditions `~(...)`: schedules evaluated on the engine clock.

Supported (a useful subset of NodeBrain's time expressions), in UTC:
  ~(s) ~(m) ~(h) ~(d) ~(w)       every second/minute/hour/day/week (Monday 00:00)
  ~(4h) ~(10m) ~(2d)             every N units, aligned on multiples of N since the epoch
  ~(h(8..17)) ~(m(0,30)) ~(d(1,15))  hours of the day, minutes of the hour, days of the month
  ~(mo,we,fr) ~(monday)          weekdays (su mo tu we th fr sa, or full names)
  ~(a,b,...)                     union of any of the above
A condition is true during its intervals. Like NodeBrain, where one interval ends
exactly as the next starts (e.g. every hour) it turns false and true again at the
boundary, so `on(~(h))` fires every hour.
"""
from __future__ import annotations

import re
import time as _time
from typing import TYPE_CHECKING

from .cells import Cell
from .errors import RuleSyntaxError
from .lexer import NAME, NUM, OP
from .values import FALSE, TRUE

if TYPE_CHECKING:
    from .parser import Parser

_UNIT = {"s": 1, "second": 1, "m": 60, "minute": 60, "h": 3600, "hour": 3600,
         "d": 86400, "day": 86400, "w": 604800, "week": 604800}
_DAYS = ["mo", "tu", "we", "th", "fr", "sa", "su"]
_DAY_NAMES = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
              "saturday": 5, "sunday": 6}
_WEEK_ORIGIN = 4 * 86400  # 1970-01-01 was a Thursday: weeks start on Mondays


class _Item:
    """One partition (every N units) with an optional selection of its intervals."""

    def __init__(self, unit: str, n: int = 1, params: set[int] | None = None,
                 weekdays: set[int] | None = None) -> None:
        self.period = _UNIT[unit] * n
        self.unit = unit[0]
        self.params = params
        self.weekdays = weekdays

    def start_of(self, t: float) -> float:
        origin = _WEEK_ORIGIN if self.unit == "w" else 0
        return (t - origin) // self.period * self.period + origin

    def selected(self, start: float) -> bool:
        if self.weekdays is not None:
            return _time.gmtime(start).tm_wday in self.weekdays
        if self.params is None:
            return True
        tm = _time.gmtime(start)
        key = {"s": tm.tm_sec, "m": tm.tm_min, "h": tm.tm_hour, "d": tm.tm_mday,
               "w": 0}[self.unit]
        return key in self.params

    def interval(self, t: float) -> tuple[float, float] | None:
        start = self.start_of(t)
        return (start, start + self.period) if self.selected(start) else None

    def next_start(self, t: float) -> float:
        """The first selected interval start strictly after t (bounded scan)."""
        start = self.start_of(t) + self.period
        for _ in range(40000):
            if self.selected(start):
                return start
            start += self.period
        return float("inf")


class TimeCondition(Cell):
    __slots__ = ("engine", "items", "text", "armed")

    def __init__(self, engine, items: list[_Item], text: str) -> None:
        super().__init__()
        self.engine, self.items, self.text = engine, items, text
        self.armed = False

    def intern_key(self) -> tuple:
        return ("~", self.text)

    def value_at(self, t: float) -> object:
        return TRUE if any(i.interval(t) for i in self.items) else FALSE

    def next_change(self, t: float) -> float:
        due = float("inf")
        for item in self.items:
            iv = item.interval(t)
            due = min(due, iv[1] if iv else item.next_start(t))
        return due

    def compute(self) -> object:
        return self.value_at(self.engine.now)

    def compute_fresh(self) -> object:
        return self.value_at(self.engine.now)

    def enable(self, sub) -> None:
        super().enable(sub)
        if self.refs == 1 and not self.armed:
            self._arm(self.engine.now)

    def _arm(self, t: float) -> None:
        due = self.next_change(t)
        if due != float("inf"):
            self.armed = True
            self.engine.set_timer(due, self)

    def alarm(self, due: float) -> None:
        self.armed = False
        if not self.refs:
            return
        eng = self.engine
        new = self.value_at(due)
        starts = any(i.interval(due) and i.interval(due)[0] == due for i in self.items)
        if new is TRUE and self.value is TRUE and starts:
            self._publish(FALSE)   # leading edge of the next interval
            eng.react()
        self._publish(new)
        self._arm(due)

    def _publish(self, value: object) -> None:
        if value is self.value:
            return
        self.value = value
        for s in self.subs:
            if not s.queued:
                self.engine.schedule(s)

    def display(self, top: bool = False) -> str:
        return "~(" + self.text + ")"


_PARAMS = re.compile(r"\(\s*(\d+(?:\s*\.\.\s*\d+)?(?:\s*,\s*\d+(?:\s*\.\.\s*\d+)?)*)\s*\)")


def _numbers(p: "Parser") -> set[int]:
    """`(1,15)` or `(8..17)`, read from the raw text (`8..17` is not a token stream)."""
    rest = p.lx.rest()
    m = _PARAMS.match(rest)
    if not m:
        raise p.error("expecting parameters like (8) or (8..17)")
    out: set[int] = set()
    for part in m.group(1).split(","):
        lo, _, hi = part.partition("..")
        out.update(range(int(lo), int(hi or lo) + 1))
    p.lx.pos += m.end()
    return out


def parse_time_condition(engine, p: "Parser") -> TimeCondition:
    """Parse after `~`: `(item, item, ...)`."""
    start = p.expect("(")[2]
    items: list[_Item] = []
    while True:
        tok = p.lx.next()
        n = 1
        if tok[0] == NUM:
            n = int(float(tok[1]))
            tok = p.lx.next()
        word = tok[1].lower() if tok[0] == NAME else ""
        if word in _UNIT:
            params = _numbers(p) if p.at("(") else None
            items.append(_Item(word, n, params))
        elif word[:2] in _DAYS and (word in _DAYS or word in _DAY_NAMES):
            items.append(_Item("d", 1, weekdays={_DAYS.index(word[:2])}))
        else:
            raise p.error("expecting a time unit (s m h d w) or weekday (mo..su)", tok)
        nxt = p.lx.next()
        if nxt[0] == OP and nxt[1] == ",":
            continue
        if nxt[0] == OP and nxt[1] == ")":
            end = nxt[2]
            break
        raise p.error("expecting ',' or ')' in time condition", nxt)
    text = "".join(p.text[start + 1:end].split())
    if not items:
        raise RuleSyntaxError("empty time condition", start, "~(")
    return TimeCondition(engine, items, text)


__all__ = ["TimeCondition", "parse_time_condition"]
