"""The rule engine's state as versioned JSON (never pickles): what a restart needs
to go on exactly where a run stopped.

`engine_state(engine)` is taken between events (the engine is quiet then); it holds
the clock, every term with a value of its own (not a formula), which terms the last
alert to each context set, and every cache: its tree with counters and threshold
positions, its expiry timers (due time and leaf, in order) and its show flags.

`restore(engine, state)` applies it to an engine that has loaded the *same* rules
(the caller checks a fingerprint of them): terms and caches are set, every enabled
formula is recomputed bottom-up, rules take their condition's value as their last
state (so nothing fires on load), and pending timers are armed again. Formula
values, rule states and time conditions are derived, so they are not stored.
"""
from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Any

from .cache import Cache, CNode, new_node
from .cells import Term
from .schedule import TimeCondition
from .timesets import Pulse
from .values import FALSE, TRUE, UNKNOWN

if TYPE_CHECKING:
    from .engine import RuleEngine

VERSION = 1


class StateError(ValueError):
    """A saved state that does not fit this engine (other rules, other version)."""


def _enc(v: object) -> Any:
    if type(v) is str:
        return v
    if type(v) is float:
        return v if math.isfinite(v) else {"f": repr(v)}
    if v is TRUE:
        return True
    if v is FALSE:
        return False
    return None   # Unknown


def _dec(v: Any) -> object:
    if v is None:
        return UNKNOWN
    if v is True:
        return TRUE
    if v is False:
        return FALSE
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, dict):
        return float(v["f"])
    return v


def _terms(root: Term):
    stack = [(root, [])]
    while stack:
        term, path = stack.pop()
        for name, child in term.children.items():
            p = path + [name]
            yield child, p
            if child.children:
                stack.append((child, p))


def engine_state(engine: "RuleEngine") -> dict:
    terms, alerts, caches = [], [], {}
    for term, path in _terms(engine.root):
        if term.defn is None and term.rule is None and term.value is not UNKNOWN:
            terms.append([path, _enc(term.value)])
        if term.alert_terms:
            alerts.append([path, [t.name for t in term.alert_terms]])
        if isinstance(term.node, Cache):
            caches[".".join(path)] = _cache_state(term.node)
    if engine.root.alert_terms:
        alerts.append([[], [t.name for t in engine.root.alert_terms]])
    pulses = [[c.text, c.tset.origin] for c in engine._cells.values()
              if isinstance(c, TimeCondition) and isinstance(c.tset, Pulse)]
    return {"version": VERSION, "now": engine.now, "terms": terms, "alerts": alerts, "caches": caches,
            "pulses": pulses}


def _cache_state(cache: Cache) -> dict:
    """The tree as nested lists [value, hits, rows, kids, hi, ri, ki, expires, children]
    with leaves numbered in walk order, so timers name their leaf by number."""
    ids: dict[int, int] = {}

    def walk(node: CNode) -> list:
        if node.children is None:
            ids[id(node)] = len(ids)
            kids = None
        else:
            kids = [walk(k) for k in node.children.values()]
        return [_enc(node.value), node.hits, node.rows, node.kids, node.hi, node.ri, node.ki,
                node.expires, kids]

    tree = walk(cache.root)
    timers = [[due, ids[id(leaf)]] for due, leaf in zip(cache.tdue, cache.tleaf)
              if not leaf.dead and id(leaf) in ids]
    return {"tree": tree, "timers": timers, "alerted": cache.alerted, "published": cache.published}


def restore(engine: "RuleEngine", state: dict) -> None:
    if state.get("version") != VERSION:
        raise StateError(f"rule engine state version {state.get('version')!r}, expected {VERSION}")
    engine.now = float(state["now"])
    root = engine.root
    for term, _ in _terms(root):    # what loading the rules set is replaced by the saved state
        if term.defn is None and term.rule is None and term.node is None:
            term.value = UNKNOWN
        term.alert_terms = ()
    root.alert_terms = ()
    engine._deferred.clear()
    for path, value in state["terms"]:
        term = root
        for name in path:
            term = term.child(name)
        if term.rule is None and term.node is None and term.defn is None:
            term.value = _dec(value)
    for path, names in state["alerts"]:
        ctx = root
        for name in path:
            ctx = ctx.child(name)
        ctx.alert_terms = tuple(ctx.child(n) for n in names)
    for path, cs in state["caches"].items():
        term = engine.find(root, path)
        if term is None or not isinstance(term.node, Cache):
            raise StateError(f"saved cache {path!r} is not a cache in these rules")
        _restore_cache(term.node, cs)
    origins = dict(state.get("pulses", ()))
    for c in engine._cells.values():      # a pulse goes on from when it was first defined
        if isinstance(c, TimeCondition) and isinstance(c.tset, Pulse) and c.text in origins:
            c.tset.origin = float(origins[c.text])
            c.rearm()
    _recompute(engine)


def _restore_cache(cache: Cache, cs: dict) -> None:
    leaves: list[CNode] = []

    def build(data: list, parent: CNode | None) -> CNode:
        value, hits, rows, kids, hi, ri, ki, expires, children = data
        node = new_node(_dec(value) if parent is not None else None, parent, children is None)
        node.hits, node.rows, node.hi, node.expires = hits, rows, hi, expires
        if children is not None:
            node.kids, node.ri, node.ki = kids, ri, ki
        if children is None:
            leaves.append(node)
        else:
            for c in children:
                kid = build(c, node)
                node.children[kid.value] = kid
        return node

    cache.root = build(cs["tree"], None)
    cache.tdue = deque(due for due, _ in cs["timers"])
    cache.tleaf = deque(leaves[i] for _, i in cs["timers"])
    cache.alerted, cache.published = cs["alerted"], cs["published"]
    cache.armed = False
    if cache.tdue:
        cache.armed = True
        cache.engine.set_timer(cache.tdue[0], cache)


def _recompute(engine: "RuleEngine") -> None:
    """Recompute every enabled cell from the restored terms (lowest level first), then
    let each rule (and release condition) take its condition's value as its state."""
    rules: list = []
    for term, _ in _terms(engine.root):
        if term.rule is not None:
            rules.append(term.rule)
        node = term.node
        if isinstance(node, Cache) and node.spec.release is not None:
            rules.extend(s for s in node.spec.release.subs if s.is_rule)
    cells: dict[int, object] = {}
    stack = [getattr(r, "cond", None) or r.cell for r in rules]
    while stack:
        c = stack.pop()
        if id(c) in cells or not c.refs:
            continue
        cells[id(c)] = c
        stack.extend(c.operands())
    for c in sorted(cells.values(), key=lambda c: c.level):
        c.value = c.compute()
    for r in rules:
        r.state = (getattr(r, "cond", None) or r.cell).value
    engine._qlow, engine._qhigh = 1 << 30, -1
    for q in engine._queue:
        for item in q:
            item.queued = False
        q.clear()
    for r in rules:       # `if` rules stay off the queue (engine.add_rule)
        if getattr(r, "kind", None) == "if" and engine._fast:
            r.queued = True


__all__ = ["engine_state", "restore", "StateError", "VERSION"]
