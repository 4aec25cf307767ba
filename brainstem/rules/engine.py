"""The rule engine: terms and contexts, change propagation, rule firing, timers.

Time is the engine's clock (`now`, epoch seconds): event time in brainstem, and a
simulated clock in the interpreter (`-sleep N` advances it). Timers (cache expiry,
time conditions) fire when the clock is advanced past them, never by wall clock.

One *command cycle* is one assert/alert (or one timer): assignments publish changes,
cells are re-evaluated level by level, rules made ready fire (each at most once per
cycle), their actions may publish more changes, and so on until nothing is left.
"""
from __future__ import annotations

import heapq
import time as _time
from typing import Callable

from .cache import Cache
from .cells import EPOCH, Cell, Const, NodeCall, Term, graph_changed
from .errors import LoadError, RuleError, RuleSyntaxError
from .rules import Firing, Rule
from .values import FALSE, UNKNOWN, from_python, to_python


def _library_value(name: str, v: object) -> object:
    """from_python, its error naming the attribute."""
    try:
        return from_python(v)
    except (RuleError, TypeError) as exc:
        raise type(exc)(f"alert attribute {name!r}: {exc}") from None


class RuleEngine:
    """A NodeBrain-compatible rule engine driven by explicit (event) time.

    >>> eng = RuleEngine()
    >>> eng.load('define c node cache:(~(1h):host[2],user);'
    ...          'c. define wide if(host__kidState);'
    ...          'define feed if(type="that") c(host,user);')
    >>> fired = []
    >>> eng.on_fire = fired.append
    >>> for u in ("bob", "ann"):
    ...     _ = eng.alert({"type": "that", "host": "h1", "user": u}, time=1000.0)
    >>> [f.rule for f in fired]
    ['feed', 'feed', 'c.wide']
    """

    def __init__(self, allow_shell: bool = False, *, test_mode: bool = False,
                 now: float | None = None) -> None:
        self.allow_shell = allow_shell
        self.test_mode = test_mode
        self.root = Term("", None)
        self.now = float(_time.time() if now is None else now)
        self.on_fire: Callable[[Firing], None] | None = None
        self.sink: Callable[[str], None] | None = None   # log lines (interpreter)
        self.on_flush: Callable[[], None] | None = None  # write out buffered log lines
        self.error_count = 0
        self._queue: list[list] = [[] for _ in range(16)]
        self._qlow = 1 << 30
        self._qhigh = -1
        self._ready: list[Rule] = []
        self._alerted: list[Term] = []
        self._timers: list = []
        self._seq = 0
        self._firings: list[Firing] | None = None
        self._stamp_at = None
        self._stamp = ""
        self.shell_runner: Callable[["RuleEngine", Term, str], None] | None = None
        # fast paths (compiled cache insertion); False forces the generic path (tests)
        self._fast = True
        self._dict_progs: dict = {}   # attribute names -> compiled alert() of the top context
        self._last_prog = None        # the one of those the last alert ran
        self._cells: dict = {}   # interned cells of definitions (Parser(intern=True))
        self._deferred: list = []  # node actions due after this evaluation (audit polls)
        self.sandbox = False       # True: no file access (translator, audit nodes) nor shell
        self.base_dir: str | None = None   # relative translator and audit files (None: cwd)
        self.regex_budget = 0.05   # seconds of translator regex matching per line
        self._translators = None
        self._translating = 0
        self._advancing = False

    def defer(self, action: Callable[[], None]) -> None:
        self._deferred.append(action)

    @property
    def translators(self):
        """The translator files this engine has compiled (compiled once each)."""
        if self._translators is None:
            from .translator import TranslatorLoader
            self._translators = TranslatorLoader(self.base_dir, log=self.message, out=self.emit,
                                                 value=self._translator_value, budget=self.regex_budget)
        return self._translators

    def _translator_value(self, text: str, error) -> object:
        from .parser import Parser
        p = Parser(self, self.root, text)
        try:
            cell = p.expr()
        except RuleSyntaxError as exc:
            raise error(f"bad value expression $({text}): {exc}") from None
        return cell.peek()

    def translate(self, ctx: Term, translator, line: str) -> object:
        """Run `line` through a translator; its commands run in `ctx`, one command
        cycle each. A line past the regex time budget is reported and skipped."""
        from .commands import run_emitted
        from .translator import TranslatorTimeout
        if self._translating >= 8:
            raise RuleError("translators nested deeper than 8 (a translator feeding itself?)")
        self._translating += 1
        try:
            return translator.translate(line, lambda cmd: run_emitted(self, ctx, cmd))
        except TranslatorTimeout as exc:
            self.message("E", str(exc))
            return None
        finally:
            self._translating -= 1

    def intern(self, cell: Cell) -> Cell:
        """The one cell for this expression (a definition's cells are shared)."""
        key = cell.intern_key()
        if key is None:
            return cell
        got = self._cells.get(key)
        if got is None:
            self._cells[key] = cell
            return cell
        return got

    # -- names ---------------------------------------------------------------
    def find(self, ctx: Term, name: str) -> Term | None:
        """Look a name up without creating it (upward search for the first part)."""
        return self._lookup(ctx, name, False)

    def resolve(self, ctx: Term, name: str) -> Term:
        """Find a name, creating missing terms in the context where the search starts."""
        return self._lookup(ctx, name, True)  # type: ignore[return-value]

    def _lookup(self, ctx: Term, name: str, create: bool) -> Term | None:
        if name.startswith("@."):
            base, parts = self.root, name[2:].split(".")
        elif name.startswith("."):
            base = ctx
            rest = name[1:]
            while rest.startswith("."):
                base = base.parent or base
                rest = rest[1:]
            parts = rest.split(".")
        else:
            parts = name.split(".")
            first = parts[0]
            base = None
            c: Term | None = ctx
            while c is not None:
                t = c.children.get(first)
                if t is not None:
                    base = c
                    break
                c = c.parent
            if base is None:
                if not create:
                    return None
                base = ctx
        term = base
        for part in parts:
            if part.startswith("'"):
                part = part[1:-1]
            nxt = term.children.get(part)
            if nxt is None:
                if not create:
                    return None
                nxt = term.child(part)
            term = nxt
        return term

    # -- values and propagation ----------------------------------------------
    def schedule(self, item) -> None:
        if item.queued:
            return
        item.queued = True
        lvl = item.level
        q = self._queue
        while lvl >= len(q):
            q.append([])
        q[lvl].append(item)
        if lvl < self._qlow:
            self._qlow = lvl
        if lvl > self._qhigh:
            self._qhigh = lvl

    def assign(self, term: Term, value: object) -> None:
        """`term=value`: replaces any formula; publishes a change to subscribers."""
        if term.defn is not None:
            if term.refs:
                term.defn.disable(term)
            term.defn = None
            graph_changed()
        old = term.value
        if value is old or (type(value) is type(old) and value == old):
            return
        term.value = value
        for s in term.subs:
            if not s.queued:
                self.schedule(s)

    def define(self, term: Term, cell: Cell) -> None:
        """`term==formula` / `define term cell formula`: the term tracks the formula."""
        if term.defn is not None and term.refs:
            term.defn.disable(term)
        term.defn = cell
        graph_changed()
        self._relevel(term, cell.level + 1)
        if term.refs:
            cell.enable(term)
            self.schedule(term)

    def _relevel(self, item, level: int) -> None:
        if item.level >= level:
            return
        item.level = level
        for s in getattr(item, "subs", ()):
            self._relevel(s, level + 1)

    def _evaluate(self) -> None:
        q = self._queue
        ready = self._ready
        while self._qlow <= self._qhigh:
            lvl = self._qlow
            bucket = q[lvl]
            self._qlow = lvl + 1
            for item in bucket:
                item.queued = False
                if item.is_rule:
                    if not item.dead:
                        item.check(ready)
                    continue
                new = item.compute()
                old = item.value
                if new is old or (type(new) is type(old) and new == old):
                    continue
                item.value = new
                for s in item.subs:
                    if not s.queued:
                        self.schedule(s)
            bucket.clear()
        self._qlow, self._qhigh = 1 << 30, -1

    def react(self, fired: set | None = None) -> None:
        """Run the command cycle to quiescence (see module docstring); `fired` holds the
        rules that already fired in this cycle (an alert program fires the first)."""
        while True:
            if self._qhigh >= 0:
                self._evaluate()
            if self._deferred:
                actions, self._deferred = self._deferred, []
                for action in actions:
                    action()
                continue
            ready = self._ready   # re-read: an action may run a nested react
            if self._alerted:
                ctxs, self._alerted = self._alerted, []
                if len(ctxs) == 1:
                    for r in ctxs[0].if_rules:
                        v = r.cond.value
                        if v is not UNKNOWN and v is not FALSE:
                            ready.append(r)
                else:
                    seen: list = []
                    for ctx in ctxs:
                        if ctx in seen:
                            continue
                        seen.append(ctx)
                        for r in ctx.if_rules:
                            v = r.cond.value
                            if v is not UNKNOWN and v is not FALSE:
                                ready.append(r)
            if not ready:
                return
            batch = ready
            ready = self._ready = []
            if fired is None:
                fired = set()
            for r in batch:
                if r.dead:
                    continue
                if r in fired:
                    self.message("E", f"Cycle error - {r.name} repetitive firing suppressed - status=P")
                    continue
                fired.add(r)
                self._fire(r)

    # -- rules ---------------------------------------------------------------
    def add_rule(self, rule: Rule) -> None:
        graph_changed()
        term = rule.term
        if term.rule is not None:
            self.remove_rule(term.rule)
        term.rule = rule
        rule.cond.enable(rule)
        rule.state = rule.cond.value  # defined while true: wait for a transition
        if rule.kind == "if":
            rule.ctx.if_rules.append(rule)
            if self._fast:
                # an `if` rule answers alerts only (react checks ctx.if_rules); its
                # check() on a condition change does nothing, so never queue it
                rule.queued = True

    def remove_rule(self, rule: Rule) -> None:
        graph_changed()
        rule.dead = True
        rule.cond.disable(rule)
        if rule.kind == "if":
            rule.ctx.if_rules.remove(rule)
        if rule.term.rule is rule:
            rule.term.rule = None
        if rule.kind == "when" and rule.term.parent is not None:
            rule.term.parent.children.pop(rule.term.name, None)

    def _fire(self, rule: Rule) -> None:
        sink = self.sink
        if sink is not None:
            sink(self.stamp() + " NB000I " + rule.fired_text)
        on_fire, firings = self.on_fire, self._firings
        if on_fire is not None or firings is not None:
            # Firing objects and term snapshots only when someone listens
            f = Firing(rule.name, rule.ctx_path, self.now, rule.kind, self._snapshot(rule))
            if firings is not None:
                firings.append(f)
            if on_fire is not None:
                on_fire(f)
        if rule.kind == "when":
            self.remove_rule(rule)
        row = rule.lone_row
        if row is not None and self._fast:
            node = row.term.node
            if type(node) is Cache and len(row.args) >= node.n:
                node.insert_now(rule.row_values(), False)
            else:
                self.apply(rule.ctx, rule.assertions, False)
        elif rule.assertions:
            self.apply(rule.ctx, rule.assertions, False)
        if rule.command is not None:
            from .commands import run_action
            run_action(self, rule)

    def _snap(self, rule: Rule) -> tuple:
        """(name, term) pairs of a firing's terms besides the alert's: the condition's
        and the cache's (row, counters, states); names relative to the context."""
        snap = rule.snap
        if snap is None:
            ctx = rule.ctx
            found: dict = {}
            node = ctx.node
            if isinstance(node, Cache):
                found["_action"] = node.action_term
                for lv in node.levels:
                    for t in (lv.term, lv.hits_term, lv.hit_state, lv.rows_term, lv.row_state,
                              lv.kids_term, lv.kid_state):
                        if t is not None and t is not ctx:
                            found[t.name] = t
            stack = [rule.cond]
            while stack:
                c = stack.pop()
                if isinstance(c, Term):
                    key = c.name if c.parent is ctx else c.path()
                    found.setdefault(key, c)
                stack.extend(c.operands())
            snap = rule.snap = tuple(found.items())
        return snap

    def _snapshot(self, rule: Rule) -> dict:
        """Relevant terms: _snap's, and those the last alert to the context set.
        (fastpath._inline_fire writes the same out for a plain insertion rule.)"""
        snap = rule.snap if rule.snap is not None else self._snap(rule)
        terms = {}
        for k, t in snap:
            v = t.value
            terms[k] = v if type(v) is str or type(v) is float else to_python(v)
        for t in rule.ctx.alert_terms:
            v = t.value
            terms[t.name] = v if type(v) is str or type(v) is float else to_python(v)
        return terms

    # -- assertions ----------------------------------------------------------
    def apply(self, ctx: Term, items: list, alert_mode: bool) -> None:
        """Run an assertion list; node rows are inserted after the plain terms."""
        if len(items) == 1 and self._fast:
            a = items[0]
            if a.kind == "node":
                node = a.term.node
                if type(node) is Cache and len(a.args) >= node.n:
                    # a lone row assertion (`c(host,user)`): the compiled insertion
                    node.insert_now([c.peek() for c in a.args], alert_mode)
                    return
        pending = None
        for a in items:
            kind = a.kind
            if kind == "set":
                self.assign(a.term, a.cell.peek())
            elif kind == "def":
                self.define(a.term, a.cell)
            else:
                node = a.term.node
                if not isinstance(node, Cache):
                    if kind == "node" and hasattr(node, "assert_args"):
                        node.assert_args([c.peek() for c in a.args], alert_mode)
                        continue
                    raise RuleError(f"{a.term.path() or '_'} is not a cache node")
                values = [c.peek() for c in a.args]
                if kind == "node":
                    if len(values) < node.n:
                        raise RuleError(f"{a.term.path()} needs {node.n} arguments")
                    result = node.insert(values[: node.n], alert_mode)
                else:
                    result = node.delete(values, alert_mode)
                if pending is None:
                    pending = []
                pending.append((node, result))
        if pending:
            for node, (assigns, alert) in pending:
                self.cache_changed(node)
                self.cache_assign(node, assigns, alert)

    def alert_terms(self, ctx: Term, items: list) -> None:
        """An alert: the terms the previous alert set and this one doesn't revert to ?."""
        terms = tuple(a.term for a in items if a.kind in ("set", "def"))
        for t in ctx.alert_terms:
            if t not in terms:
                self.assign(t, UNKNOWN)
        ctx.alert_terms = terms
        self.apply(ctx, items, True)
        self._alerted.append(ctx)

    def cache_assign(self, cache: Cache, assigns: list, alert: bool) -> None:
        assign = self.assign
        for term, value in assigns:
            assign(term, value)
        if alert:
            self._alerted.append(cache.ctx)

    def cache_changed(self, cache: Cache) -> None:
        for w in cache.watchers:
            if not w.queued:
                self.schedule(w)

    def cache_expired(self, cache: Cache, row: list) -> None:
        """A row aged out of a `!~(..)` cache: alert its context with _action="expire"."""
        assigns: list = [(cache.action_term, "expire")]
        for lv in cache.levels:
            for st in (lv.hit_state, lv.row_state, lv.kid_state):
                if st is not None:
                    assigns.append((st, UNKNOWN))
        for lv, v in zip(cache.levels[1:], row):
            assigns.append((lv.term, v))
        self.cache_changed(cache)
        self.cache_assign(cache, assigns, True)
        self.react()

    # -- time ----------------------------------------------------------------
    def set_timer(self, due: float, obj) -> None:
        self._seq += 1
        heapq.heappush(self._timers, (due, self._seq, obj))

    def advance_to(self, t: float) -> None:
        """Move the clock to `t` (never backwards), firing the timers that fall due."""
        timers = self._timers
        self._advancing = True
        fired = 0
        try:
            while timers and timers[0][0] <= t:
                fired += 1
                if not fired & 4095 and self.on_flush is not None:
                    self.on_flush()   # a long run of timers: the log does not pile up
                due, _, obj = heapq.heappop(timers)
                if due > self.now:
                    self.now = due
                obj.alarm(due)
                if self._qhigh >= 0 or self._alerted or self._ready or self._deferred:
                    self.react()
        finally:
            self._advancing = False
        if t > self.now:
            self.now = t

    def time_condition(self, parser) -> Cell:
        from .schedule import parse_time_condition
        return parse_time_condition(self, parser)

    # -- output --------------------------------------------------------------
    def stamp(self) -> str:
        if self.test_mode:
            return "0000-00-00 00:00:00"
        sec = int(self.now)
        if sec != self._stamp_at:
            self._stamp_at = sec
            self._stamp = _time.strftime("%Y-%m-%d %H:%M:%S", _time.localtime(sec))
        return self._stamp

    def message(self, severity: str, text: str) -> None:
        if severity == "E":
            self.error_count += 1
        if self.sink is not None:
            self.sink(f"{self.stamp()} NB000{severity} {text}")

    def node_message(self, severity: str, skill: str, node: Term, text: str) -> None:
        """A node module's message, as NodeBrain prints it (`NM000I audit w: ...`)."""
        if severity == "E":
            self.error_count += 1
        if self.sink is not None:
            self.sink(f"{self.stamp()} NM000{severity} {skill} {node.path()}: {text}")

    def emit(self, line: str) -> None:
        if self.sink is not None:
            self.sink(line)

    # -- library API -----------------------------------------------------------
    def load(self, text: str, source: str = "<rules>") -> None:
        """Run rule commands (one per line). Raises LoadError listing file:line:col errors."""
        from .feed import run_lines
        errors = run_lines(self, text.splitlines(), source, echo=False)
        if errors:
            raise LoadError(errors)

    def alert(self, attrs: dict, time: float, context: str | None = None) -> list[Firing]:
        """`alert` attrs to a context (None = top) at engine time `time`; return the firings.

        The clock first advances to `time` (clamped: it never goes back) and due
        timers fire. Values: str, int/float, bool, None (= Unknown).
        """
        if context is None:
            # the compiled whole of _alert for the keys of the last alert (fastpath.py);
            # it checks the keys itself and hands other dicts to _alert_other
            prog = self._last_prog
            if prog is not None:
                return prog(attrs, time)
        return self._alert(attrs, time, context)

    def _alert_other(self, attrs: dict, time: float) -> list[Firing]:
        prog = self._dict_progs.get(tuple(attrs))
        if prog is None:
            return self._alert(attrs, time, None)
        self._last_prog = prog
        return prog(attrs, time)

    def _alert(self, attrs: dict, time: float, context: str | None) -> list[Firing]:
        timers = self._timers
        if timers and timers[0][0] <= time:
            self.advance_to(time)
        elif time > self.now:
            self.now = time
        ctx = self.root if context is None else self.resolve(self.root, context)
        out: list[Firing] = []
        self._firings = out
        try:
            values = tuple(attrs.values())
            plain = True
            for v in values:   # convert (and reject bad values) before assigning
                if type(v) is not str and type(v) is not float:
                    values = tuple(_library_value(k, x) for k, x in attrs.items())
                    plain = False
                    break
            names = tuple(attrs)
            prog = ctx.alert_progs.get(names) if self._fast else None
            seen = prog is not None and prog.epoch == EPOCH[0]
            if not seen:
                self.alert_values(ctx, names, values)
            else:
                prog(values)
        finally:
            self._firings = None
        if seen and plain and context is None:
            prog = ctx.alert_progs.get(names)
            if prog is not None and prog.epoch == EPOCH[0]:
                # keys seen before, and the graph held still through this alert: the
                # next alert of these names takes the compiled way (a stream of keys
                # each seen once compiles one program per keys, as before)
                from .fastpath import alert_program
                prog = self._dict_progs[names] = alert_program(self, ctx, names, entry="dict")
                self._last_prog = prog
        return out

    def alert_rows(self, names: tuple, rows, times, context: str | None = None) -> int:
        """Feed many events fast: `rows` are tuples of values in `names` order, `times`
        their event times. Firings go to `on_fire` only. Returns the number fed."""
        ctx = self.root if context is None else self.resolve(self.root, context)
        names = tuple(names)
        timers = self._timers
        alert_values = self.alert_values
        progs = ctx.alert_progs
        fast = self._fast
        n = 0
        for row, t in zip(rows, times):
            if timers and timers[0][0] <= t:
                self.advance_to(t)
            elif t > self.now:
                self.now = t
            for v in row:
                if type(v) is not str and type(v) is not float:
                    row = [v if type(v) is str or type(v) is float else from_python(v) for v in row]
                    break
            prog = progs.get(names) if fast else None
            if prog is None or prog.epoch != EPOCH[0]:
                alert_values(ctx, names, row)
            else:
                prog(row)   # the compiled program (alert_values' fast way, without its call)
            n += 1
        return n

    def alert_program(self, ctx: Term, names: tuple):
        """The compiled program for alerts of these names to `ctx`, built for the
        graph as it is now (fastpath.py)."""
        prog = ctx.alert_progs.get(names)
        if prog is None or prog.epoch != EPOCH[0]:
            from .fastpath import alert_program
            prog = ctx.alert_progs[names] = alert_program(self, ctx, names)
        return prog

    def _alert_terms(self, ctx: Term, names: tuple) -> tuple:
        """The terms an alert of these attribute names sets (memoized per context)."""
        terms = tuple(self.resolve(ctx, n) for n in names)
        if ctx.alert_cache is None:
            ctx.alert_cache = {}
        ctx.alert_cache[names] = terms
        return terms

    def alert_values(self, ctx: Term, names: tuple, values, generic: bool = False) -> None:
        """The hot path of an alert: engine values (float/str/...), no parsing. Runs the
        context's compiled program for these names (fastpath.py) unless `generic`."""
        if self._fast and not generic:
            prog = ctx.alert_progs.get(names)
            if prog is None or prog.epoch != EPOCH[0]:
                prog = self.alert_program(ctx, names)
            prog(values)
            return
        terms = ctx.alert_cache.get(names) if ctx.alert_cache is not None else None
        if terms is None:
            terms = self._alert_terms(ctx, names)
        prev = ctx.alert_terms
        if prev is not terms and prev:
            for t in prev:
                if t not in terms:
                    self.assign(t, UNKNOWN)
        ctx.alert_terms = terms
        schedule = self.schedule
        for t, v in zip(terms, values):
            if t.defn is not None:
                self.assign(t, v)
                continue
            old = t.value   # assign() inlined
            if v is old or (type(v) is type(old) and v == old):
                continue
            t.value = v
            for s in t.subs:
                if not s.queued:
                    schedule(s)
        self._alerted.append(ctx)
        self.react()


    def value(self, name: str) -> object:
        """A term's current value (qualified name from the top context), as Python."""
        t = self.find(self.root, name)
        return None if t is None else to_python(t.peek())

    def evaluate(self, formula: str, context: str | None = None) -> object:
        """Evaluate a formula once (like `show (formula)`), as Python."""
        from .parser import Parser
        ctx = self.root if context is None else self.resolve(self.root, context)
        p = Parser(self, ctx, formula)
        cell = p.expr()
        if not p.at_end():
            raise RuleSyntaxError("unexpected token", p.lx.peek()[2], p.lx.peek()[1])
        return to_python(cell.peek())


__all__ = ["RuleEngine", "Firing", "Const", "NodeCall"]
