"""Time conditions `~(...)` on the engine clock (placeholder: filled in below)."""
from __future__ import annotations


def parse_time_condition(engine, parser):
    from .errors import RuleSyntaxError
    tok = parser.lx.peek()
    raise RuleSyntaxError("time conditions are not supported yet", tok[2], tok[1])
