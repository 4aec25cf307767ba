"""`show` output, formatted as NodeBrain prints it."""
from __future__ import annotations

from .cache import Cache
from .cells import Cell, Term
from .nodes import PlainNode
from .values import show as show_value


def rooted(cell: Cell) -> str:
    """Display a cell with top-context terms written `_.name` (as a cache's release
    condition is printed)."""
    Term.root_prefix = True  # type: ignore[attr-defined]
    try:
        return cell.display(top=True)
    finally:
        Term.root_prefix = False  # type: ignore[attr-defined]


def node_lines(term: Term) -> list[str]:
    node = term.node
    name = term.path()
    value = "?" if node.watchers else "#"
    if not isinstance(node, Cache):
        return [f"{name} = {value} == node {getattr(node, 'skill', '')}"]
    spec = node.spec
    rel = f"({rooted(spec.release)})" if spec.release is not None else ""
    text = rel + spec.text()
    return [f"{name} = {value} == node cache{text}",
            f"  Specification: {text}",
            f"  Options: Expire={int(spec.expire)} Count={int(spec.counting)}",
            f"  Status:  Alert={int(node.alerted)}  Publish={int(node.published)}",
            "  Elements:"] + node.element_lines()


def term_line(term: Term) -> str:
    name = term.path()
    if term.node is not None:
        return node_lines(term)[0]
    if term.rule is not None:
        return term.rule.show_line()
    if term.defn is not None:
        defn = term.defn
        if term.refs:
            value = show_value(term.value)
        else:   # not enabled: `#`, then the formula's value if it has one (a term
            # always does, another cell when something else enables it)
            value = "# " + show_value(defn.peek()) if defn.refs or type(defn) is Term else "#"
        return f"{name} = {value} == {defn.display()}"
    return f"{name} = {show_value(term.value)}"


def show_term(term: Term) -> list[str]:
    if term.node is None:
        return [term_line(term)]
    lines = node_lines(term)
    for key in sorted(term.children):
        lines.append(term_line(term.children[key]))
    return lines


def show_rules(ctx: Term) -> list[str]:
    return [ctx.children[k].rule.show_line() for k in sorted(ctx.children)
            if ctx.children[k].rule is not None]


def show_formula(cell: Cell) -> str:
    return f"() = {show_value(cell.peek())} == {cell.display()}"
