"""The cache node: a tree of asserted rows with hits/kids/rows counters.

Depth 0 is the root, depth d holds the values of attribute d. Each depth has its
own thresholds: (hits) on the node itself, [kids] = distinct values below it,
{rows} = distinct complete rows below it. A threshold fires when its counter
reaches it (one level per insertion) and re-arms when the counter falls below the
`^reset` value. See docs/rules.md for the spec and docs/nodebrain-divergences.md
for where this deliberately differs from NodeBrain 0.9.04 (D1-D3).
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from .cachespec import CacheSpec, Level
from .cells import EPOCH
from .values import UNKNOWN, show

if TYPE_CHECKING:
    from .cells import Term

STATES = ("normal", "minor", "major", "critical", "critical")


class CNode:
    __slots__ = ("value", "parent", "children", "hits", "rows", "kids",
                 "hi", "ri", "ki", "dead", "expires")

    def __init__(self, value: object, parent: "CNode | None", leaf: bool) -> None:
        self.value = value
        self.parent = parent
        self.children: dict | None = None if leaf else {}
        self.hits = self.rows = self.kids = 0
        self.hi = self.ri = self.ki = 1   # index of the next threshold to reach
        self.dead = False
        self.expires = 0.0


class CLeaf:
    """A complete row (the last attribute): no children, so no kid or row counters
    of its own (read as 0 / the first level)."""
    __slots__ = ("value", "parent", "hits", "rows", "hi", "dead", "expires")
    children = None
    kids = 0
    ki = ri = 1

    def __init__(self, value: object, parent: CNode) -> None:
        self.value = value
        self.parent = parent
        self.hits = self.rows = 0
        self.hi = 1
        self.dead = False
        self.expires = 0.0


def new_node(value: object, parent: "CNode | None", leaf: bool):
    return CLeaf(value, parent) if leaf else CNode(value, parent, False)


def _kill(node: CNode) -> None:
    """Mark a removed subtree dead and cut its parent links, so reference counting
    frees it at once (no cycle is left for the garbage collector)."""
    node.dead = True
    node.parent = None
    if node.children:
        for kid in node.children.values():
            _kill(kid)


class Cache:
    """Skill state of one `define X node cache:(...)` node."""

    def __init__(self, engine, ctx: "Term", spec: CacheSpec) -> None:
        self.engine = engine
        self.ctx = ctx
        self.spec = spec
        self.levels: list[Level] = spec.levels
        self.n = len(spec.levels) - 1
        self.counting = spec.counting
        self.interval = spec.interval
        self.root = CNode(None, None, self.n == 0)
        # expiry timers: due times and leaves in insertion order (the interval is fixed
        # and the clock monotonic, so they are due in order); two deques, no tuples
        self.tdue: deque = deque()
        self.tleaf: deque = deque()
        self.armed = False            # an engine timer for this cache is pending
        self.watchers: list = []      # NodeCall cells that read this cache
        self.alerted = False          # a threshold was reached since definition (show)
        self.published = False
        self.action_term = ctx.child("_action")
        self.action_term.value = "insert"
        # insert_now(values, alert_mode): insert + cache_changed + cache_assign in one
        self.insert_now = compile_insert(self)

    # -- insertion -----------------------------------------------------------
    def insert(self, values: list, alert_mode: bool) -> tuple[list, bool]:
        """Add one row; return (term assignments, whether the context is alerted)."""
        n, levels, counting, mode = self.n, self.levels, self.counting, alert_mode
        assigns: list = []
        add = assigns.append
        fired = False
        node = self.root
        path = []
        for d in range(n + 1):
            lv = levels[d]
            if counting:
                node.hits += 1
                if lv.hits_term is not None:
                    add((lv.hits_term, float(node.hits)))
                    t, i = lv.hit_t, node.hi
                    if t[i] and node.hits >= t[i]:
                        add((lv.hit_state, STATES[i]))
                        node.hi = i + 1
                        fired = True
                    else:
                        add((lv.hit_state, STATES[0] if mode and i == 1 else UNKNOWN))
            else:
                node.hits = 1
            if d == n:
                break
            v = values[d]
            add((levels[d + 1].term, v))
            kids = node.children
            child = kids.get(v)
            if child is None:
                child = kids[v] = new_node(v, node, d + 1 == n)
                node.kids += 1
                self.published = True
                if lv.kid_state is not None:
                    t, i = lv.kid_t, node.ki
                    if t[i] and node.kids >= t[i]:
                        add((lv.kid_state, STATES[i]))
                        node.ki = i + 1
                        fired = True
                    else:
                        add((lv.kid_state, STATES[0] if mode and i == 1 else UNKNOWN))
            elif lv.kid_state is not None:
                add((lv.kid_state, STATES[0] if mode and node.ki == 1 else UNKNOWN))
            if lv.kids_term is not None:
                add((lv.kids_term, float(node.kids)))
            path.append(node)
            node = child
        leaf = node
        if self.interval:
            self._schedule(leaf)
        newrow = leaf.rows == 0
        leaf.rows = 1
        for d in range(n - 1, -1, -1):
            node, lv = path[d], levels[d]
            if newrow:
                node.rows += 1
                if lv.row_state is not None:
                    t, i = lv.row_t, node.ri
                    if t[i] and node.rows >= t[i]:
                        add((lv.row_state, STATES[i]))
                        node.ri = i + 1
                        fired = True
                    else:
                        add((lv.row_state, STATES[0] if mode and i == 1 else UNKNOWN))
            elif lv.row_state is not None:
                add((lv.row_state, STATES[0] if mode and node.ri == 1 else UNKNOWN))
            if lv.rows_term is not None:
                add((lv.rows_term, float(node.rows)))
        if fired:
            self.alerted = True
        elif self.spec.exist and newrow:
            add((self.action_term, "add"))
            fired = True
        return assigns, fired or mode

    def _schedule(self, leaf: CNode) -> None:
        due = self.engine.now + self.interval
        if not self.counting:
            leaf.expires = due  # one live timer per row: older entries go stale
        if not self.armed:
            self.armed = True
            self.engine.set_timer(due, self)
        self.tdue.append(due)
        self.tleaf.append(leaf)

    # -- removal -------------------------------------------------------------
    def find(self, values: list) -> CNode | None:
        node = self.root
        for v in values:
            if not node.children:
                return None
            node = node.children.get(v)
            if node is None:
                return None
        return node

    def delete(self, values: list, alert_mode: bool) -> tuple[list, bool]:
        """`!c(row)` / `c. assert !(prefix)`; `!()` empties the cache."""
        if not values:
            self.empty()
            return [], alert_mode
        node = self.find(values[: self.n])
        if node is None:
            return [], alert_mode
        self._remove(node, len(values[: self.n]))
        if self.spec.exist:
            return [(self.action_term, "delete")], True
        return [], alert_mode

    def _remove(self, node: CNode, depth: int) -> None:
        """Remove `node` and any ancestor left empty; counters drop up to the root."""
        hits, rows = node.hits, node.rows
        parent = node.parent
        while parent.parent is not None and parent.kids == 1:
            node, parent, depth = parent, parent.parent, depth - 1
        del parent.children[node.value]
        _kill(node)
        self.published = True
        levels = self.levels
        parent.kids -= 1
        d = depth - 1
        if parent.kids < levels[d].kid_t[0]:
            parent.ki = 1
        p: CNode | None = parent
        while p is not None:
            lv = levels[d]
            if self.counting:
                p.hits -= hits
                if p.hits < lv.hit_t[0]:
                    p.hi = 1
            p.rows -= rows
            if p.rows < lv.row_t[0]:
                p.ri = 1
            p, d = p.parent, d - 1

    def empty(self) -> None:
        _kill(self.root)
        self.root = CNode(None, None, self.n == 0)
        self.tdue.clear()     # a pending engine timer just finds nothing due
        self.tleaf.clear()
        self.published = True

    def _decrement(self, leaf: CNode) -> None:
        """One insertion aged out: drop a hit, or the row when it was the last."""
        if leaf.hits < 2:
            self._remove(leaf, self.n)
            return
        if not self.counting:
            return
        node: CNode | None = leaf
        d = self.n
        while node is not None:
            node.hits -= 1
            if node.hits < self.levels[d].hit_t[0]:  # each depth its own reset (D2)
                node.hi = 1
            node, d = node.parent, d - 1

    def alarm(self, now: float) -> None:
        """Process the timers due by `now` (engine time)."""
        self.armed = False
        tdue, tleaf = self.tdue, self.tleaf
        expire_opt = self.spec.expire
        eng = self.engine
        changed = False
        counting = self.counting
        while tdue and tdue[0] <= now:
            due = tdue.popleft()
            leaf = tleaf.popleft()
            if leaf.dead or (not counting and leaf.expires != due):
                continue
            changed = True
            if leaf.hits < 2:   # the last insertion of the row: remove it
                if expire_opt:
                    row = self.row_of(leaf)
                    self._remove(leaf, self.n)
                    eng.cache_expired(self, row)
                else:
                    self._remove(leaf, self.n)
            else:
                self._decrement(leaf)
        if changed and self.watchers:
            eng.cache_changed(self)
        if expire_opt and changed:
            eng.cache_assign(self, [(self.action_term, "insert")], False)
        if tdue and not self.armed:
            self.armed = True
            eng.set_timer(tdue[0], self)

    def row_of(self, leaf: CNode) -> list:
        vals = []
        node: CNode | None = leaf
        while node is not None and node.parent is not None:
            vals.append(node.value)
            node = node.parent
        vals.reverse()
        return vals

    # -- lookups -------------------------------------------------------------
    def evaluate(self, values: list) -> object:
        from .values import FALSE, TRUE
        if not values:
            return UNKNOWN
        for v in values:
            if v is UNKNOWN:
                return FALSE
        node = self.find(values)
        return TRUE if node is not None and node.hits else FALSE

    def facet(self, name: str, values: list) -> object:
        node = self.find(values)
        if node is None:
            return 0.0
        return float(node.hits if name == "hits" else node.rows if name == "rows" else node.kids)

    # -- show ------------------------------------------------------------------
    def element_lines(self) -> list[str]:
        out: list[str] = []

        def walk(node: CNode, col: int, label: str) -> None:
            pad = "  " * col
            if node.children is None:
                out.append(f"{pad}{label}({node.hits}:{node.hi})")
                return
            out.append(f"{pad}{label}({node.hits}:{node.hi}){{{node.rows}:{node.ri}}}"
                       f"[{node.kids}:{node.ki}],")
            for kid in node.children.values():
                walk(kid, col + 1, show(kid.value))

        walk(self.root, 2, "???")
        return out


# -- the compiled insertion (fast path) ---------------------------------------------
def _assign_src(term: str, value: str, ind: str, plain: bool = False) -> list[str]:
    """Inline `engine.assign(term, value)` for a term (the same checks, no call);
    `plain`: the term has no formula and no subscriber now, so it is just set."""
    if plain:
        return [f"{ind}{term}.value = {value}"]
    return [f"{ind}x = {value}",
            f"{ind}if {term}.defn is not None: assign({term}, x)",
            f"{ind}else:",
            f"{ind}    o = {term}.value",
            f"{ind}    if x is not o and (type(x) is not type(o) or x != o):",
            f"{ind}        {term}.value = x",
            f"{ind}        for s in {term}.subs:",
            f"{ind}            if not s.queued: schedule(s)"]


def quiet_term(term) -> bool:
    """A term whose change nobody needs to hear about now: no formula, and no
    subscriber but `if` rules, which stay off the queue (RuleEngine.add_rule)."""
    return term.defn is None and all(s.is_rule and s.queued and getattr(s, "kind", "") == "if"
                                     for s in term.subs)


def compile_insert(cache: Cache):
    """Build `insert_now(values, alert_mode)` for one cache: exactly what
    `engine.apply` does for a lone row assertion (`Cache.insert`, then
    `cache_changed`, then `cache_assign` of the returned list), specialised to
    this cache's spec so the per-level `is None` tests and the (term, value)
    list disappear. Assignments happen in the same order as `insert` lists them
    (the watchers are scheduled first, as `cache_changed` runs before
    `cache_assign`), so queue order, firing order and logs are unchanged.
    tests/rules/test_fastpath.py compares the two on random specs and streams."""
    ns: dict = {"EPOCH": EPOCH, "E": EPOCH[0], "compile_insert": compile_insert}
    # specialised to the graph as it is (the version is checked on each call)
    src = ["def insert_now(values, mode):",
           "    if EPOCH[0] != E:",
           "        cache.insert_now = compile_insert(cache)",
           "        return cache.insert_now(values, mode)"]
    src += insert_source(cache, "", ns, lambda d: f"values[{d}]", "mode", "    ")
    code = "\n".join(src) + "\n"
    exec(compile(code, f"<cache insert {cache.ctx.path() or '_'}>", "exec"), ns)
    fn = ns["insert_now"]
    fn.source = code  # for debugging: print(cache.insert_now.source)
    return fn


def insert_source(cache: Cache, p: str, ns: dict, value, mode: str, ind: str) -> list[str]:
    """The lines of insert_now's body (see compile_insert), for the graph as it is
    now: names it needs go into `ns` with the prefix `p`; `value(d)` is the
    expression of the row's value at depth d, `mode` that of alert_mode ("False"
    when it is known). The lines set the locals fired, node, child, v, i, x, o, s,
    due, newrow and p{p}0... (fastpath.py writes them into an alert program)."""
    eng = cache.engine
    levels, n, counting = cache.levels, cache.n, cache.counting
    ns.update({f"{p}cache": cache, "eng": eng, "CNode": CNode, "CLeaf": CLeaf, "STATES": STATES,
               "NORMAL": STATES[0], "UNKNOWN": UNKNOWN, "assign": eng.assign,
               "schedule": eng.schedule, f"{p}ACTION": cache.action_term})
    src: list[str] = []
    add = src.append
    if cache.watchers:
        add(f"{ind}for w in {p}cache.watchers:")
        add(f"{ind}    if not w.queued: schedule(w)")
    add(f"{ind}fired = False")
    add(f"{ind}node = {p}cache.root")
    # terms that can simply be set: no formula, and no subscriber to tell but `if`
    # rules (they answer alerts, not changes)
    plain = {}
    for d, lv in enumerate(levels):
        for key in ("term", "hits_term", "hit_state", "rows_term", "row_state", "kids_term", "kid_state"):
            obj = getattr(lv, key)
            if obj is not None:
                plain[f"{p}{key}{d}"] = quiet_term(obj)

    def assign_src(term: str, val: str, ind: str) -> list[str]:
        return _assign_src(term, val, ind, plain.get(term, False))

    def unset(expr: str) -> str:
        """`NORMAL if mode and ... else UNKNOWN`, folded when mode is known False."""
        return "UNKNOWN" if mode == "False" else f"NORMAL if {mode} and {expr} else UNKNOWN"

    def state(t_name: str, st_name: str, counter: str, idx: str, ind: str) -> None:
        add(f"{ind}i = node.{idx}")
        add(f"{ind}if {t_name}[i] and node.{counter} >= {t_name}[i]:")
        src.extend(assign_src(st_name, "STATES[i]", ind + "    "))
        add(f"{ind}    node.{idx} = i + 1")
        add(f"{ind}    fired = True")
        add(f"{ind}else:")
        src.extend(assign_src(st_name, unset("i == 1"), ind + "    "))

    for d in range(n + 1):
        lv = levels[d]
        for key in ("term", "hits_term", "hit_state", "rows_term", "row_state",
                    "kids_term", "kid_state", "hit_t", "row_t", "kid_t"):
            ns[f"{p}{key}{d}"] = getattr(lv, key)
        if counting:
            add(f"{ind}node.hits += 1")
            if lv.hits_term is not None:
                src.extend(assign_src(f"{p}hits_term{d}", "float(node.hits)", ind))
                state(f"{p}hit_t{d}", f"{p}hit_state{d}", "hits", "hi", ind)
        else:
            add(f"{ind}node.hits = 1")
        if d == n:
            break
        add(f"{ind}v = {value(d)}")
        src.extend(assign_src(f"{p}term{d + 1}", "v", ind))
        add(f"{ind}child = node.children.get(v)")
        add(f"{ind}if child is None:")
        add(f"{ind}    child = node.children[v] = " + ("CLeaf(v, node)" if d + 1 == n else "CNode(v, node, False)"))
        add(f"{ind}    node.kids += 1")
        add(f"{ind}    {p}cache.published = True")
        if lv.kid_state is not None:
            state(f"{p}kid_t{d}", f"{p}kid_state{d}", "kids", "ki", ind + "    ")
            add(f"{ind}else:")
            src.extend(assign_src(f"{p}kid_state{d}", unset("node.ki == 1"), ind + "    "))
        if lv.kids_term is not None:
            src.extend(assign_src(f"{p}kids_term{d}", "float(node.kids)", ind))
        add(f"{ind}{p}p{d} = node")
        add(f"{ind}node = child")
    if cache.interval:   # Cache._schedule inlined
        ns[f"{p}INTERVAL"] = cache.interval
        add(f"{ind}due = eng.now + {p}INTERVAL")
        if not counting:
            add(f"{ind}node.expires = due")
        add(f"{ind}if not {p}cache.armed:")
        add(f"{ind}    {p}cache.armed = True")
        add(f"{ind}    eng.set_timer(due, {p}cache)")
        add(f"{ind}{p}cache.tdue.append(due)")
        add(f"{ind}{p}cache.tleaf.append(node)")
    add(f"{ind}newrow = node.rows == 0")
    add(f"{ind}node.rows = 1")
    for d in range(n - 1, -1, -1):
        lv = levels[d]
        add(f"{ind}node = {p}p{d}")
        add(f"{ind}if newrow:")
        add(f"{ind}    node.rows += 1")
        if lv.row_state is not None:
            state(f"{p}row_t{d}", f"{p}row_state{d}", "rows", "ri", ind + "    ")
            add(f"{ind}else:")
            src.extend(assign_src(f"{p}row_state{d}", unset("node.ri == 1"), ind + "    "))
        if lv.rows_term is not None:
            src.extend(assign_src(f"{p}rows_term{d}", "float(node.rows)", ind))
    add(f"{ind}if fired:")
    add(f"{ind}    {p}cache.alerted = True")
    if cache.spec.exist:
        add(f"{ind}elif newrow:")
        src.extend(assign_src(f"{p}ACTION", '"add"', ind + "    "))
        add(f"{ind}    fired = True")
    add(f"{ind}if fired{'' if mode == 'False' else ' or ' + mode}:")
    add(f"{ind}    eng._alerted.append({p}cache.ctx)")
    return src
