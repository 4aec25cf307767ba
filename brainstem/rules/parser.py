"""Recursive-descent parser for formulas and assertion lists.

Names are resolved to terms while parsing (through the engine, relative to a
context), so the result is a ready cell graph. Precedence, loosest first (as
NodeBrain parses it): `or |`, `and &`, prefix `! ? !! !? not` (so `!a=1` is
`!(a=1)`), relations `= <> < <= > >= ~`, `+ -`, `* /`. A prefix operator in an
operand position (`a=!b`) binds to that operand.

Nesting is limited to MAX_DEPTH levels (parentheses, prefix operators, argument
lists), so hostile input ends in a RuleSyntaxError, never a RecursionError.
Cells parsed for definitions are interned (`engine.intern`): like NodeBrain, an
expression written twice is one cell, so `show` reports its value wherever it is
enabled.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cells import BINARY, UNARY, Binary, Cell, Const, NodeCall, Term, Unary, compile_regex, relation
from .errors import RuleSyntaxError
from .lexer import END, NAME, NUM, OP, STR, Lexer
from .values import FALSE, TRUE, UNKNOWN

if TYPE_CHECKING:
    from .engine import RuleEngine

MAX_DEPTH = 64   # each level is ~10 Python frames: stay well inside the recursion limit
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
    def __init__(self, engine: "RuleEngine", ctx: Term, text: str, pos: int = 0,
                 intern: bool = False) -> None:
        self.engine = engine
        self.ctx = ctx
        self.lx = Lexer(text, pos)
        self.text = text
        self.depth = 0
        self.intern = engine.intern if intern else _no_intern

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            tok = self.lx.peek()
            raise RuleSyntaxError(f"expression nested deeper than {MAX_DEPTH}", tok[2], "", column=False)

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
        return self._chain("|", "or", self.and_expr)

    def and_expr(self) -> Cell:
        return self._chain("&", "and", self.prefix_expr)

    def _chain(self, op: str, word: str, operand) -> Cell:
        """`a & b & c` is `a & (b & c)` in NodeBrain (right to left), built without
        recursion so a long chain costs no stack."""
        items = [operand()]
        while True:
            tok = self.lx.peek()
            if (tok[0] == OP and tok[1] == op) or (tok[0] == NAME and tok[1] == word):
                self.lx.next()
                items.append(operand())
            else:
                break
        cell = items.pop()
        while items:
            cell = self.logic(op, items.pop(), cell)
        return cell

    def logic(self, op: str, a: Cell, b: Cell) -> Cell:
        """`&` / `|` with NodeBrain's simplification of constant operands: a true
        constant leaves `x & 1` as `x` and makes `x | 1` true; `x & !` is false,
        `x | !` is `x`; two constants fold."""
        ca, cb = type(a) is Const, type(b) is Const
        if ca and cb:
            return self.intern(Const(BINARY[op](a.value, b.value)))
        if ca or cb:
            c, other = (a, b) if ca else (b, a)
            v = c.value
            if v is not UNKNOWN:
                if op == "&":
                    return other if v is not FALSE else c
                return self.intern(Const(TRUE)) if v is not FALSE else other
        return self.intern(Binary(op, a, b))

    def prefix_expr(self) -> Cell:
        """`! ? !! !? not` bind looser than relations: `!a=1` is `!(a=1)`."""
        tok = self.lx.peek()
        op = None
        if tok[0] == NAME and tok[1] == "not":
            self.engine.message("W", 'The "not" operator is deprecated to avoid reserved terms.  '
                                     'Please use ! instead.')
            op = "!"
        elif tok[0] == OP and tok[1] in _PREFIX:
            op = tok[1]
            if not self._next_is_operand():
                self.lx.next()
                return self.intern(Const({"!": FALSE, "?": UNKNOWN, "!!": TRUE, "!?": UNKNOWN}[op]))
        if op is None:
            return self.rel_expr()
        self.lx.next()
        self._deeper()
        a = self.prefix_expr()
        self.depth -= 1
        if type(a) is Const:        # `!1` is just `!`
            return self.intern(Const(UNARY[op](a.value)))
        return self.intern(Unary(op, a))

    def _next_is_operand(self) -> bool:
        """Whether the token after the peeked prefix operator starts an operand."""
        tok = self.lx.next()
        follows = self._operand_follows()
        self.lx.give_back(tok)
        return follows

    def rel_expr(self) -> Cell:
        left = self.add_expr()
        tok = self.lx.peek()
        if tok[0] == OP and tok[1] in _RELOPS:
            if tok[1] == "~" and self._time_follows():
                return left
            self.lx.next()
            right = self.add_expr()
            if tok[1] == "~" and type(right) is Const and type(right.value) is str \
                    and compile_regex(right.value) is None:
                raise self.error("not a valid regular expression", (STR, right.value, tok[2]))
            return self.intern(relation(tok[1], left, right))
        return left

    def _time_follows(self) -> bool:
        tok = self.lx.peek()
        return tok[1] == "~" and self.text[tok[2] + 1:tok[2] + 2] == "("

    def add_expr(self) -> Cell:
        left = self.mul_expr()
        while self.at("+") or self.at("-"):
            op = self.lx.next()[1]
            left = self.intern(Binary(op, left, self.mul_expr()))
        return left

    def mul_expr(self) -> Cell:
        left = self.unary()
        while self.at("*") or self.at("/"):
            op = self.lx.next()[1]
            left = self.intern(Binary(op, left, self.unary()))
        return left

    def _operand_follows(self) -> bool:
        tok = self.lx.peek()
        if tok[0] in _OPERAND_START:
            return tok[1] not in ("and", "or") or tok[0] != NAME
        return tok[0] == OP and tok[1] in ("(", "!", "?", "!!", "!?", "~", "-", "+")

    def unary(self) -> Cell:
        tok = self.lx.peek()
        if (tok[0] == OP and tok[1] in _PREFIX) or (tok[0] == NAME and tok[1] == "not"):
            return self.prefix_expr()     # in an operand position: `a=!b`
        if tok[0] == OP and tok[1] in ("-", "+"):
            self.lx.next()
            num = self.lx.next()
            if num[0] != NUM:
                raise self.error("expecting a number after sign", num)
            v = self.number(num)
            return self.intern(Const(-v if tok[1] == "-" else v))
        return self.atom()

    def number(self, tok) -> float:
        v = float(tok[1])
        if not math.isfinite(v):
            raise self.error("number out of range", tok)
        return v

    def atom(self) -> Cell:
        tok = self.lx.next()
        kind, text = tok[0], tok[1]
        if kind == NUM:
            return self.intern(Const(self.number(tok)))
        if kind == STR:
            return self.intern(Const(text[1:-1]))
        if kind == OP and text == "(":
            self._deeper()
            cell = self.expr()
            self.expect(")")
            self.depth -= 1
            return cell
        if kind == OP and text == "~":
            return self.intern(self.engine.time_condition(self))
        if kind == NAME:
            term = self.term(text)
            if self.at("@"):
                self.lx.next()
                facet = self.lx.next()
                if facet[0] != NAME or facet[1] not in ("hits", "kids", "rows"):
                    raise self.error("expecting facet hits, kids or rows", facet)
                return self.intern(NodeCall(term, self.arglist(), facet[1]))
            if self.at("("):
                return self.intern(NodeCall(term, self.arglist()))
            return term
        raise self.error("unexpected token", tok)

    def arglist(self) -> list[Cell]:
        self.expect("(")
        args: list[Cell] = []
        if self.at(")"):
            self.lx.next()
            return args
        self._deeper()
        while True:
            args.append(self.expr())
            tok = self.lx.next()
            if tok[1] == ")" and tok[0] == OP:
                self.depth -= 1
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


def _no_intern(cell: Cell) -> Cell:
    return cell
