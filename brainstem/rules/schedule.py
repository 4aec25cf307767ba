"""Time conditions `~(...)`: cells whose value follows a time expression on the
engine clock (brainstem/rules/timesets.py has the expression language), and the
`forecast` command that lists a condition's next intervals.

A condition is true during its intervals. Where one interval ends exactly as the
next starts (every hour, say) it turns false and true again at the boundary, as
in NodeBrain, so `on(~(h))` fires every hour. Timers fire on the engine clock.
"""
from __future__ import annotations

import time as _time
from typing import TYPE_CHECKING

from .cells import Cell
from .errors import RuleSyntaxError
from .timesets import MAX_TIME, Pulse, TimeSyntaxError, bounded, normalize, parse_time
from .values import FALSE, TRUE, UNKNOWN

if TYPE_CHECKING:
    from .parser import Parser

_SPANS = (60, 3600, 2 * 86400, 40 * 86400, 400 * 86400, 4000 * 86400, 40000 * 86400)
FORECAST_LIMIT = 2147483647   # NodeBrain's forecast stops in January 2038
_INF = float("inf")


class TimeCondition(Cell):
    __slots__ = ("engine", "tset", "text", "armed", "due")

    def __init__(self, engine, tset, text: str) -> None:
        super().__init__()
        self.engine, self.tset, self.text = engine, tset, text
        self.armed = False
        self.due = None   # the pending timer (an older one, e.g. before a restore, is ignored)

    def intern_key(self) -> tuple:
        return ("~", self.text)

    def intervals(self, lo: float, hi: float) -> list:
        return normalize(self.tset.gen(lo, hi))

    def value_at(self, t: float) -> object:
        return bounded(self._value_at, t, default=FALSE)

    def _value_at(self, t: float) -> object:
        for s, e in self.intervals(t, t + 1):
            if s <= t < e:
                return TRUE
        return FALSE

    def next_change(self, t: float) -> float:
        """The next time the value may change (inf: none found within the work budget)."""
        return bounded(self._next_change, t, default=_INF)

    def _next_change(self, t: float) -> float:
        for span in _SPANS:
            if t + span > MAX_TIME:
                break
            due = _INF
            for s, e in self.intervals(t, t + span):
                if t < s < due:
                    due = s
                if t < e < due:
                    due = e
            if due <= t + span / 2:    # well inside the window: not cut short by it
                return due
        return _INF

    def compute(self) -> object:
        return self.value_at(self.engine.now)

    def compute_fresh(self) -> object:
        return self.value_at(self.engine.now)

    def enable(self, sub) -> None:
        """The first subscriber: the condition is Unknown until the commands have run,
        then takes its value (so `on(~(h))` defined inside an hour fires, as in NodeBrain)."""
        first = self.refs == 0
        super().enable(sub)
        if first:
            self.value = UNKNOWN
            self.engine.defer(self._start)

    def _start(self) -> None:
        if not self.refs or self.armed:
            return
        now = self.engine.now
        self._publish(self.value_at(now))
        self._arm(now)

    def _arm(self, t: float) -> None:
        due = self.next_change(t)
        self.due = due
        if due != _INF:
            self.armed = True
            self.engine.set_timer(due, self)

    def rearm(self) -> None:
        """Arm again from the engine clock (after its expression or clock changed)."""
        self.armed = False
        if self.refs:
            self._arm(self.engine.now)

    def alarm(self, due: float) -> None:
        if due != self.due:
            return
        self.armed = False
        if not self.refs:
            return
        eng = self.engine
        new = self.value_at(due)
        around = bounded(self.intervals, due - 1, due + 1, default=[])
        edge = any(s == due for s, _ in around) and any(e == due for _, e in around)
        if new is TRUE and self.value is TRUE and edge:
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


def _raw_expression(p: "Parser") -> tuple[str, int]:
    """The text inside `~( ... )` (balanced), read from the raw command text."""
    tok = p.expect("(")
    start = tok[2] + 1
    text, depth, i = p.text, 1, start
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                break
        i += 1
    if depth:
        raise RuleSyntaxError("expecting ')' to close the time condition", tok[2], "~(")
    p.lx.pos = i + 1
    p.lx._peeked = None
    return text[start:i], start


def parse_time_condition(engine, p: "Parser") -> TimeCondition:
    """Parse after `~`: `(time expression)`."""
    raw, start = _raw_expression(p)
    try:
        tset = parse_time(raw, engine.now)
    except TimeSyntaxError as exc:
        raise RuleSyntaxError(str(exc), start + exc.pos, raw[exc.pos:exc.pos + 12] or ")") from None
    return TimeCondition(engine, tset, "".join(raw.split()))


def forecast_lines(cond: TimeCondition, now: float) -> list[str]:
    """`forecast ~(...)`: the schedule line and the next 29 intervals (UTC), as NodeBrain
    prints them."""
    tset = cond.tset
    if isinstance(tset, Pulse):
        head = f"{cond.text} schedule ~{tset.origin:.0f}-{tset.origin + tset.d:.0f} " \
               f"interval={tset.d},duration={tset.d})"
    else:
        head = f"{cond.text} schedule ~0-0 interval=0,duration=0)"
    out = [head]
    floor = now
    for _ in range(29):
        iv = None
        for span in _SPANS:
            ivs = bounded(cond.intervals, floor, floor + span, default=None)
            if ivs is None:
                break
            got = [x for x in ivs if x[1] > floor]
            if got and got[0][1] <= floor + span / 2:
                iv = got[0]
                break
        if iv is None or iv[0] >= FORECAST_LIMIT:
            out.append(("I", "Forecast stopped in January of 2038."))
            break
        out.append(f"{_stamp(iv[0])} - {_stamp(iv[1])} ")
        floor = iv[1]
    return out


def _stamp(t: float) -> str:
    tm = _time.gmtime(t)
    day = ("mo", "tu", "we", "th", "fr", "sa", "su")[tm.tm_wday]
    return f"{day} {_time.strftime('%Y-%m-%d %H:%M:%S', tm)} {int(t)}"


__all__ = ["TimeCondition", "parse_time_condition", "forecast_lines"]
