"""Cells: constants, terms and formulas, evaluated lazily with change propagation.

A cell is *enabled* while something subscribes to it (a rule, or an enabled cell);
only enabled cells keep a current value and are re-evaluated when an operand
changes, level by level (level = 1 + the deepest operand), by the engine's queue.
A cell nobody subscribes to is computed on demand (`peek`) and shows as `#`.
"""
from __future__ import annotations

from typing import Callable

from .values import FALSE, TRUE, UNKNOWN, is_true, show


# The graph's version: bumped whenever a subscription, formula or rule changes, so
# code specialised to the graph (engine alert programs, cache insertions) knows to
# rebuild itself. Definitions are rare; events never change it.
EPOCH = [0]


def graph_changed() -> None:
    EPOCH[0] += 1


class Cell:
    __slots__ = ("value", "subs", "refs", "level", "queued")
    is_rule = False

    def __init__(self) -> None:
        self.value: object = UNKNOWN
        self.subs: list = []
        self.refs = 0
        self.level = 0
        self.queued = False

    def operands(self) -> tuple:
        return ()

    def intern_key(self) -> tuple | None:
        """What makes two cells the same expression (None: never shared)."""
        return None

    def compute(self) -> object:
        return self.value

    def peek(self) -> object:
        """The value now, computed on demand when nothing keeps this cell current."""
        return self.value if self.refs else self.compute_fresh()

    def compute_fresh(self) -> object:
        return self.compute()

    def enable(self, sub) -> None:
        """`sub` (a cell or rule) subscribes; the first subscriber wakes the cell up."""
        EPOCH[0] += 1
        self.subs.append(sub)
        self.refs += 1
        if self.refs == 1:
            for op in self.operands():
                op.enable(self)
            self.value = self.compute()

    def disable(self, sub) -> None:
        try:
            self.subs.remove(sub)
        except ValueError:
            return
        EPOCH[0] += 1
        self.refs -= 1
        if self.refs == 0:
            for op in self.operands():
                op.disable(self)

    def display(self, top: bool = False) -> str:
        raise NotImplementedError


class Const(Cell):
    __slots__ = ()

    def __init__(self, value: object) -> None:
        super().__init__()
        self.value = value

    def peek(self) -> object:
        return self.value

    def intern_key(self) -> tuple:
        return ("c", type(self.value), self.value)

    def enable(self, sub) -> None:
        pass  # constants never change, so nobody needs to hear from them

    def disable(self, sub) -> None:
        pass

    def display(self, top: bool = False) -> str:
        return show(self.value)


class Term(Cell):
    """A named cell in a glossary; any term can also serve as a context."""

    __slots__ = ("name", "parent", "children", "defn", "node", "rule", "if_rules",
                 "alert_terms", "alert_cache", "alert_progs", "__weakref__")

    def __init__(self, name: str, parent: "Term | None") -> None:
        super().__init__()
        self.name = name
        self.parent = parent
        self.children: dict[str, Term] = {}
        self.defn: Cell | None = None       # formula for `==` / `define cell`
        self.node = None                    # node skill (a Cache) when defined as node
        self.rule = None                    # Rule when defined as a rule
        self.if_rules: list = []            # `if` rules that answer alerts to this context
        self.alert_terms: tuple = ()        # terms the last alert to this context set
        self.alert_cache: dict | None = None  # attribute names -> terms (alert_values)
        self.alert_progs: dict = {}           # attribute names -> compiled alert program

    def operands(self) -> tuple:
        return (self.defn,) if self.defn is not None else ()

    def compute(self) -> object:
        return self.defn.value if self.defn is not None else self.value

    def compute_fresh(self) -> object:
        return self.defn.peek() if self.defn is not None else self.value

    def peek(self) -> object:
        defn = self.defn
        if defn is None or self.refs:
            return self.value
        return defn.peek()

    root_prefix = False  # show.rooted() prints top-context terms as `_.name`

    def path(self) -> str:
        if Term.root_prefix and self.parent is not None and self.parent.parent is None:
            return "_." + self.name
        parts = []
        t: Term | None = self
        while t is not None and t.parent is not None:
            parts.append(t.name)
            t = t.parent
        return ".".join(reversed(parts))

    def display(self, top: bool = False) -> str:
        return self.path()

    def child(self, name: str) -> "Term":
        t = self.children.get(name)
        if t is None:
            t = self.children[name] = Term(name, self)
        return t


def _arith(fn: Callable[[float, float], float]):
    def op(a: object, b: object) -> object:
        if type(a) is float and type(b) is float:
            return fn(a, b)
        return UNKNOWN
    return op


def _div(a: object, b: object) -> object:
    if type(a) is float and type(b) is float and b != 0.0:
        return a / b
    return UNKNOWN


def _relation(fn: Callable[[object, object], bool], mixed_eq: object):
    def op(a: object, b: object) -> object:
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        ta, tb = type(a), type(b)
        if ta is tb and (ta is float or ta is str):
            return TRUE if fn(a, b) else FALSE
        # a string and a number (or logical values): only (in)equality is known
        if mixed_eq is None:
            return UNKNOWN
        eq = a is b
        return (TRUE if eq else FALSE) if mixed_eq is TRUE else (FALSE if eq else TRUE)
    return op


def _and(a: object, b: object) -> object:
    if a is FALSE or b is FALSE:
        return FALSE
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    return TRUE


def _or(a: object, b: object) -> object:
    # NodeBrain's logical operators give !! (True), never an operand's value
    if is_true(a) or is_true(b):
        return TRUE
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    return FALSE


_REGEX_CACHE: dict[str, object] = {}
REGEX_BUDGET = 0.05   # seconds one `a ~ "re"` match may take (a catastrophic pattern gives ?)
_BAD = object()


def compile_regex(pattern: str):
    """The compiled pattern (regex module, PCRE-like, NodeBrain's `(?'name'...)` too),
    or None when it is not a valid regular expression. Compiled once."""
    rx = _REGEX_CACHE.get(pattern)
    if rx is None:
        import regex   # imported on first use: `brainstem nb` starts faster without it
        from .translator import _pcre_names
        try:
            rx = regex.compile(_pcre_names(pattern))
        except (regex.error, ValueError, OverflowError, RecursionError):
            rx = _BAD
        if len(_REGEX_CACHE) > 10000:    # patterns built at run time must not pile up
            _REGEX_CACHE.clear()
        _REGEX_CACHE[pattern] = rx
    return None if rx is _BAD else rx


def _match(a: object, b: object) -> object:
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if type(a) is not str or type(b) is not str:
        return FALSE
    rx = compile_regex(b)
    if rx is None:
        return UNKNOWN
    try:
        return TRUE if rx.search(a, timeout=REGEX_BUDGET) else FALSE
    except TimeoutError:
        return UNKNOWN


BINARY: dict[str, Callable[[object, object], object]] = {
    "+": _arith(lambda a, b: a + b),
    "-": _arith(lambda a, b: a - b),
    "*": _arith(lambda a, b: a * b),
    "/": _div,
    "=": _relation(lambda a, b: a == b, TRUE),
    "<>": _relation(lambda a, b: a != b, FALSE),
    "<": _relation(lambda a, b: a < b, None),
    "<=": _relation(lambda a, b: a <= b, None),
    ">": _relation(lambda a, b: a > b, None),
    ">=": _relation(lambda a, b: a >= b, None),
    "&": _and,
    "|": _or,
    "~": _match,
}

UNARY: dict[str, Callable[[object], object]] = {
    "!": lambda a: UNKNOWN if a is UNKNOWN else (TRUE if a is FALSE else FALSE),
    "?": lambda a: TRUE if a is UNKNOWN else FALSE,
    "!!": lambda a: a if a is UNKNOWN or a is FALSE else TRUE,
    "!?": lambda a: FALSE if a is UNKNOWN else TRUE,
}


class Binary(Cell):
    __slots__ = ("op", "a", "b", "fn")

    def __init__(self, op: str, a: Cell, b: Cell) -> None:
        super().__init__()
        self.op, self.a, self.b, self.fn = op, a, b, BINARY[op]
        self.level = max(a.level, b.level) + 1

    def operands(self) -> tuple:
        return (self.a, self.b)

    def intern_key(self) -> tuple:
        return ("b", self.op, id(self.a), id(self.b))

    def compute(self) -> object:
        return self.fn(self.a.value, self.b.value)

    def compute_fresh(self) -> object:
        return self.fn(self.a.peek(), self.b.peek())

    def display(self, top: bool = False) -> str:
        inner = self.a.display() + self.op + self.b.display()
        return inner if top else "(" + inner + ")"


class EqConst(Binary):
    """`x = "str"` / `x = 3` with a constant right operand (the usual event filter):
    the same result as Binary("=") without the two function calls."""
    __slots__ = ("const", "ctype")

    def __init__(self, a: Cell, b: "Const") -> None:
        super().__init__("=", a, b)
        self.const = b.value
        self.ctype = type(b.value)

    def compute(self) -> object:
        v = self.a.value
        if v is UNKNOWN:
            return UNKNOWN
        return TRUE if type(v) is self.ctype and v == self.const else FALSE

    def compute_fresh(self) -> object:
        v = self.a.peek()
        if v is UNKNOWN:
            return UNKNOWN
        return TRUE if type(v) is self.ctype and v == self.const else FALSE


def relation(op: str, a: Cell, b: Cell) -> Binary:
    """A relation cell, specialised when that is exactly equivalent."""
    if op == "=" and type(b) is Const and type(b.value) in (str, float):
        return EqConst(a, b)
    return Binary(op, a, b)


class Unary(Cell):
    __slots__ = ("op", "a", "fn")

    def __init__(self, op: str, a: Cell) -> None:
        super().__init__()
        self.op, self.a, self.fn = op, a, UNARY[op]
        self.level = a.level + 1

    def operands(self) -> tuple:
        return (self.a,)

    def intern_key(self) -> tuple:
        return ("u", self.op, id(self.a))

    def compute(self) -> object:
        return self.fn(self.a.value)

    def compute_fresh(self) -> object:
        return self.fn(self.a.peek())

    def display(self, top: bool = False) -> str:
        inner = self.op + self.a.display()
        return inner if top else "(" + inner + ")"   # NodeBrain prints `(!a)`


class NodeCall(Cell):
    """`c(args)` (a node condition) or `c@facet(args)`: asks the node's skill."""

    __slots__ = ("term", "facet", "args")

    def __init__(self, term: Term, args: list[Cell], facet: str | None = None) -> None:
        super().__init__()
        self.term, self.args, self.facet = term, args, facet
        self.level = max([a.level for a in args], default=0) + 1

    def operands(self) -> tuple:
        return tuple(self.args)

    def intern_key(self) -> tuple:
        return ("n", id(self.term), self.facet, tuple(id(a) for a in self.args))

    def enable(self, sub) -> None:
        first = self.refs == 0
        super().enable(sub)
        if first and self.term.node is not None:
            self.term.node.watchers.append(self)  # re-evaluate when the node changes

    def disable(self, sub) -> None:
        super().disable(sub)
        if self.refs == 0 and self.term.node is not None:
            try:
                self.term.node.watchers.remove(self)
            except ValueError:
                pass

    def _ask(self, values: list) -> object:
        node = self.term.node
        if node is None:
            return UNKNOWN
        if self.facet is None:
            return node.evaluate(values)
        return node.facet(self.facet, values)

    def compute(self) -> object:
        return self._ask([a.value for a in self.args])

    def compute_fresh(self) -> object:
        return self._ask([a.peek() for a in self.args])

    def display(self, top: bool = False) -> str:
        head = self.term.path() + ("@" + self.facet if self.facet else "")
        return head + "(" + ",".join(a.display() for a in self.args) + ")"
