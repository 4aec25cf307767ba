"""Recursive-descent parser for formulas and assertion lists.

Names are resolved to terms while parsing (through the engine, relative to a
context), so the result is a ready cell graph. Precedence, loosest first:
`or |`, `and &`, relations `= <> < <= > >= ~`, `+ -`, `* /`, prefix `! ? !! !? not`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cells import Binary, Cell, Const, NodeCall, Term, Unary, relation
from .errors import RuleSyntaxError
from .lexer import END, NAME, NUM, OP, STR, Lexer
from .values import FALSE, TRUE, UNKNOWN

if TYPE_CHECKING:
    from .engine import RuleEngine

_RELOPS = {"=", "<>", "<", "<=", ">", ">=", "~"}
_PREFIX = {"!", "?", "!!", "!?"}
_OPERAND_START = {NUM, STR, NAME}


@dataclass(slots=True)
class Assertion:
    """One element of an assertion list.

    kind: "set" (term=value), "def" (term==formula), "node" (insert a row),
    "delete" (`!node(row)` / `?node(row)`); for "set", `cell` is evaluated when
    the assertion runs (so `x=y` captures y's value then).
    """
    kind: str
    term: Term
    cell: Cell | None = None
    args: list[Cell] | None = None


def compact(text: str) -> str:
    """Source text without blanks outside string literals (for `fired (...)` lines)."""
    out, quoted = [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if quoted or not ch.isspace():
            out.append(ch)
    return "".join(out)


class Parser:
    def __init__(self, engine: "RuleEngine", ctx: Term, text: str, pos: int = 0) -> None:
        self.engine = engine
        self.ctx = ctx
        self.lx = Lexer(text, pos)
        self.text = text

    # -- helpers -------------------------------------------------------------
    def error(self, message: str, tok=None) -> RuleSyntaxError:
        tok = tok or self.lx.peek()
        return RuleSyntaxError(message, tok[2], tok[1] or "end of command")

    def expect(self, text: str) -> tuple[str, str, int]:
        tok = self.lx.next()
        if tok[1] != text or tok[0] in (STR,):
            raise self.error(f"expecting '{text}'", tok)
        return tok

    def at(self, text: str) -> bool:
        tok = self.lx.peek()
        return tok[0] == OP and tok[1] == text

    def at_end(self) -> bool:
        tok = self.lx.peek()
        return tok[0] == END or (tok[0] == OP and tok[1] == ";")

    def term(self, name: str) -> Term:
        return self.engine.resolve(self.ctx, name)

    # -- formulas ------------------------------------------------------------
    def expr(self) -> Cell:
        left = self.and_expr()
        while True:
            tok = self.lx.peek()
            if (tok[0] == OP and tok[1] == "|") or (tok[0] == NAME and tok[1] == "or"):
                self.lx.next()
                left = Binary("|", left, self.and_expr())
            else:
                return left

    def and_expr(self) -> Cell:
        left = self.rel_expr()
        while True:
            tok = self.lx.peek()
            if (tok[0] == OP and tok[1] == "&") or (tok[0] == NAME and tok[1] == "and"):
                self.lx.next()
                left = Binary("&", left, self.rel_expr())
            else:
                return left

    def rel_expr(self) -> Cell:
        left = self.add_expr()
        tok = self.lx.peek()
        if tok[0] == OP and tok[1] in _RELOPS:
            if tok[1] == "~" and self._time_follows():
                return left
            self.lx.next()
            return relation(tok[1], left, self.add_expr())
        return left

    def _time_follows(self) -> bool:
        tok = self.lx.peek()
        return tok[1] == "~" and self.text[tok[2] + 1:tok[2] + 2] == "("

    def add_expr(self) -> Cell:
        left = self.mul_expr()
        while self.at("+") or self.at("-"):
            op = self.lx.next()[1]
            left = Binary(op, left, self.mul_expr())
        return left

    def mul_expr(self) -> Cell:
        left = self.unary()
        while self.at("*") or self.at("/"):
            op = self.lx.next()[1]
            left = Binary(op, left, self.unary())
        return left

    def _operand_follows(self) -> bool:
        tok = self.lx.peek()
        if tok[0] in _OPERAND_START:
            return tok[1] not in ("and", "or") or tok[0] != NAME
        return tok[0] == OP and tok[1] in ("(", "!", "?", "!!", "!?", "~", "-", "+")

    def unary(self) -> Cell:
        tok = self.lx.peek()
        if tok[0] == NAME and tok[1] == "not":
            self.lx.next()
            return Unary("!", self.unary())
        if tok[0] == OP and tok[1] in _PREFIX:
            self.lx.next()
            if self._operand_follows():
                return Unary(tok[1], self.unary())
            return Const({"!": FALSE, "?": UNKNOWN, "!!": TRUE, "!?": UNKNOWN}[tok[1]])
        if tok[0] == OP and tok[1] in ("-", "+"):
            self.lx.next()
            num = self.lx.next()
            if num[0] != NUM:
                raise self.error("expecting a number after sign", num)
            v = float(num[1])
            return Const(-v if tok[1] == "-" else v)
        return self.atom()

    def atom(self) -> Cell:
        tok = self.lx.next()
        kind, text = tok[0], tok[1]
        if kind == NUM:
            return Const(float(text))
        if kind == STR:
            return Const(text[1:-1])
        if kind == OP and text == "(":
            cell = self.expr()
            self.expect(")")
            return cell
        if kind == OP and text == "~":
            return self.engine.time_condition(self)
        if kind == NAME:
            term = self.term(text)
            if self.at("@"):
                self.lx.next()
                facet = self.lx.next()
                if facet[0] != NAME or facet[1] not in ("hits", "kids", "rows"):
                    raise self.error("expecting facet hits, kids or rows", facet)
                return NodeCall(term, self.arglist(), facet[1])
            if self.at("("):
                return NodeCall(term, self.arglist())
            return term
        raise self.error("unexpected token", tok)

    def arglist(self) -> list[Cell]:
        self.expect("(")
        args: list[Cell] = []
        if self.at(")"):
            self.lx.next()
            return args
        while True:
            args.append(self.expr())
            tok = self.lx.next()
            if tok[1] == ")" and tok[0] == OP:
                return args
            if tok[1] != "," or tok[0] != OP:
                raise self.error("expecting ',' or ')'", tok)

    # -- assertions ----------------------------------------------------------
    def assertions(self, stop: tuple[str, ...] = (";",)) -> tuple[list[Assertion], str]:
        """Parse `a=1,!b,c(x,y),...` up to END or an OP in `stop`; return (list, text)."""
        items: list[Assertion] = []
        start = self.lx.peek()[2]
        end = start
        while True:
            tok = self.lx.peek()
            if tok[0] == END or (tok[0] == OP and tok[1] in stop):
                break
            items.append(self.assertion())
            end = self.lx.pos if self.lx._peeked is None else self.lx._peeked[2]
            tok = self.lx.peek()
            if tok[0] == OP and tok[1] == ",":
                self.lx.next()
                continue
            if tok[0] == END or (tok[0] == OP and tok[1] in stop):
                break
            raise self.error("expecting ',' or end of assertion", tok)
        return items, compact(self.text[start:end])

    def assertion(self) -> Assertion:
        tok = self.lx.peek()
        negate = None
        if tok[0] == OP and tok[1] in ("!", "?"):
            self.lx.next()
            negate = tok[1]
            tok = self.lx.peek()
        if tok[0] == OP and tok[1] == "(":
            node = self.ctx
            args = self.arglist()
            return Assertion("delete" if negate else "node", node, args=args)
        if tok[0] != NAME:
            raise self.error("expecting a term or a row", tok)
        self.lx.next()
        term = self.term(tok[1])
        if self.at("("):
            args = self.arglist()
            return Assertion("delete" if negate else "node", term, args=args)
        if negate:
            return Assertion("set", term, Const(FALSE if negate == "!" else UNKNOWN))
        if self.at("=="):
            self.lx.next()
            return Assertion("def", term, self.expr())
        if self.at("="):
            self.lx.next()
            return Assertion("set", term, self.expr())
        return Assertion("set", term, Const(TRUE))
