"""Rules: `on` (fires on a transition to true), `when` (an `on` that fires once and
is removed) and `if` (fires on every alert to its context that leaves it true)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .values import is_true, show

if TYPE_CHECKING:
    from .cells import Cell, Term
    from .parser import Assertion


class Rule:
    __slots__ = ("term", "kind", "cond", "assertions", "assert_text", "command", "ctx",
                 "level", "queued", "state", "fired_text", "dead", "name", "snap", "ctx_path", "lone_row",
                 "row_values")
    is_rule = True

    def __init__(self, term: "Term", kind: str, cond: "Cell", assertions: list["Assertion"],
                 assert_text: str, command: str | None, ctx: "Term") -> None:
        self.term = term
        self.name = term.path()
        self.kind = kind
        self.cond = cond
        self.assertions = assertions
        # a lone row assertion `c(a,b)` takes the compiled insertion (engine._fire)
        self.lone_row = assertions[0] if len(assertions) == 1 and assertions[0].kind == "node" else None
        self.row_values = _row_getter(self.lone_row.args) if self.lone_row is not None else None
        self.assert_text = assert_text
        self.command = command
        self.ctx = ctx
        self.ctx_path = ctx.path()
        self.level = cond.level + 1
        self.queued = False
        self.state: object = None
        self.dead = False
        self.snap: tuple | None = None   # (name, term) pairs for Firing.terms, built lazily
        # the log line is fixed per rule, so build it once (hot path)
        self.fired_text = f"Rule {self.name} fired " + (f"({assert_text})" if assert_text else "")

    def check(self, ready: list) -> None:
        """Called when the condition changed: schedule an on/when rule that became true."""
        new = self.cond.value
        old, self.state = self.state, new
        if self.kind != "if" and is_true(new) and not is_true(old):
            ready.append(self)

    def definition(self) -> str:
        """`on(cond) assertions:prefix command` as `show` prints it."""
        text = f"{self.kind}({self.cond.display(top=True)})"
        if self.assert_text:
            text += " " + self.assert_text
        if self.command is not None:
            prefix = self.ctx.path()
            text += ":" + (prefix + ". " if prefix else "") + self.command
        else:
            text += ";"
        return text

    def show_line(self) -> str:
        return f"{self.name} = # {show(self.cond.value)} == {self.definition()}"


def _row_getter(args: list):
    """`() -> [values of args]` for a row assertion, without a call per argument
    when they are terms (the usual `c(host,user)`)."""
    from .cells import Term
    if not all(type(a) is Term for a in args):
        return lambda: [a.peek() for a in args]
    ns = {f"A{i}": a for i, a in enumerate(args)}
    body = ", ".join(f"A{i}.value if A{i}.defn is None or A{i}.refs else A{i}.peek()" for i in range(len(args)))
    return eval(f"lambda: [{body}]", ns)


@dataclass(slots=True)
class Firing:
    """What the `on_fire` hook receives for each rule firing.

    rule: qualified rule name (`ThatHostUser.HostKidUsers`); context: qualified name of
    the rule's context ("" for the top context); time: engine time (epoch seconds);
    kind: "on", "when" or "if"; terms: the context's relevant terms at firing time
    (terms set by the last alert or cache action to the context, and the terms the
    condition reads), unqualified names -> str | float | bool | None (None = Unknown).
    """
    rule: str
    context: str
    time: float
    kind: str
    terms: dict = field(default_factory=dict)
