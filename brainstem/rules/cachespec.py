"""Parsing and printing the cache specification `cache[(release)]:[?]([!][~(N u)][T:]a[T],...)`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import RuleSyntaxError
from .lexer import NAME, NUM, OP

if TYPE_CHECKING:
    from .cells import Cell, Term
    from .parser import Parser

_UNITS = {"s": (1, "seconds"), "m": (60, "minutes"), "h": (3600, "hours"), "d": (86400, "days")}
MAX_LEVELS = 3


@dataclass(slots=True)
class Level:
    """Thresholds and state terms of one depth (0 = root, d = attribute d)."""
    term: "Term | None"
    hit_t: list = field(default_factory=lambda: [0, 0, 0, 0, 0])
    row_t: list = field(default_factory=lambda: [0, 0, 0, 0, 0])
    kid_t: list = field(default_factory=lambda: [0, 0, 0, 0, 0])
    hits_term: "Term | None" = None
    hit_state: "Term | None" = None
    rows_term: "Term | None" = None
    row_state: "Term | None" = None
    kids_term: "Term | None" = None
    kid_state: "Term | None" = None
    name: str = ""


@dataclass(slots=True)
class CacheSpec:
    levels: list[Level]
    interval: int = 0
    interval_text: str = ""
    expire: bool = False
    exist: bool = False
    counting: bool = False
    release: "Cell | None" = None

    def text(self) -> str:
        """The specification as `show` prints it (thresholds as (hits){rows}[kids])."""
        out = [f":(~({self.interval}s)"]
        for d, lv in enumerate(self.levels):
            if d > 1:
                out.append(",")
            out.append(lv.name)
            for t, (o, c) in ((lv.hit_t, "()"), (lv.row_t, "{}"), (lv.kid_t, "[]")):
                if t[1]:
                    nums = [str(x) for x in t[1:] if x]
                    out.append(f"{o}^{t[0]}," + ",".join(nums) + c)
            if d == 0 and len(self.levels) > 1:
                out.append(":")
        out.append(")")
        return "".join(out)


MAX_COUNT = 1 << 31   # thresholds and intervals are counts: bounded, like NodeBrain's ints


def _count(p: "Parser", tok) -> int:
    """A threshold or interval count (a whole number below 2^31), else a syntax error."""
    v = p.number(tok)
    if not 0 <= v < MAX_COUNT:
        raise p.error(f"expecting a count below {MAX_COUNT}", tok)
    return int(v)


def _thresholds(p: "Parser", level: Level, ctx: "Term", prefix: str) -> bool:
    """Parse any of (..){..}[..] after an attribute; return whether hits were given."""
    counting = False
    closers = {"(": ")", "{": "}", "[": "]"}
    while p.lx.peek()[0] == OP and p.lx.peek()[1] in closers:
        opener = p.lx.next()[1]
        close = closers[opener]
        values = [0]
        if p.at("^"):
            p.lx.next()
            values = []
        while not p.at(close):
            tok = p.lx.next()
            if tok[0] != NUM:
                raise p.error("expecting a threshold number", tok)
            values.append(_count(p, tok))
            if p.at(","):
                p.lx.next()
        p.lx.next()
        if len(values) - 1 > MAX_LEVELS:
            raise p.error(f"a maximum of {MAX_LEVELS} thresholds may be specified")
        values += [0] * (5 - len(values))
        if opener == "(":
            counting = True
            level.hit_t = values
            level.hits_term = ctx.child(prefix + "_hits")
            level.hit_state = ctx.child(prefix + "_hitState")
        elif opener == "{":
            level.row_t = values
            level.rows_term = ctx.child(prefix + "_rows")
            level.row_state = ctx.child(prefix + "_rowState")
        else:
            level.kid_t = values
            level.kids_term = ctx.child(prefix + "_kids")
            level.kid_state = ctx.child(prefix + "_kidState")
    return counting


def parse_spec(p: "Parser", ctx: "Term") -> CacheSpec:
    """Parse from just after the word `cache`; `ctx` is the node's own term."""
    release = None
    if p.at("("):
        p.lx.next()
        release = p.expr()
        p.expect(")")
    p.expect(":")
    exist = False
    if p.at("?"):
        p.lx.next()
        exist = True
    p.expect("(")
    expire = False
    if p.at("!"):
        p.lx.next()
        expire = True
    interval, interval_text = 0, ""
    if p.at("~"):
        p.lx.next()
        p.expect("(")
        num = p.lx.next()
        unit = p.lx.next()
        if num[0] != NUM or unit[0] != NAME or unit[1] not in _UNITS:
            raise p.error("expecting an interval like 8h, 10m, 30s or 2d", unit)
        mult, word = _UNITS[unit[1]]
        n = _count(p, num)
        interval, interval_text = n * mult, f"{n} {word}"
        p.expect(")")
    root = Level(term=None)
    counting = _thresholds(p, root, ctx, "")
    levels = [root]
    if p.at(":"):
        p.lx.next()
    elif p.lx.peek()[0] != NAME:
        raise p.error("expecting ':' or an attribute name")
    while True:
        tok = p.lx.next()
        if tok[0] != NAME or "." in tok[1]:
            raise p.error("expecting attribute name", tok)
        lv = Level(term=ctx.child(tok[1]), name=tok[1])
        counting = _thresholds(p, lv, ctx, tok[1] + "_") or counting
        levels.append(lv)
        if p.at(","):
            p.lx.next()
            continue
        p.expect(")")
        break
    if len(levels) < 2:
        raise RuleSyntaxError("a cache needs at least one attribute", tok[2], tok[1])
    return CacheSpec(levels, interval, interval_text, expire, exist, counting, release)
