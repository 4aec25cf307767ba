"""Alert programs: the hot path of an alert, compiled per (context, attribute names).

`alert_program(engine, ctx, names)` builds a function `program(values)` that does
exactly what `RuleEngine.alert_values` does in general (revert the terms the
previous alert set, assign the new values, propagate, react), specialised to the
rule graph as it is now:

- a term nobody subscribes to is just set (no comparison, no scheduling);
- a term's subscribers are listed in the code instead of looped over;
- when every subscriber of the alerted terms is a cell of level 1 (it reads only
  terms and constants) whose own subscribers are rules, the evaluation runs inline:
  those cells are recomputed in the order the engine's queue would take them, then
  the rules they feed are checked in that order, then the context's `if` rules;
  the engine's `react` runs only when something is ready or pending.

The graph's version (`cells.EPOCH`) is part of the program: any change to
subscriptions, formulas or rules makes the next call rebuild it. The generic path
stays (`RuleEngine._fast = False` forces it); tests/rules/test_fastpath.py runs
random rules and streams through both and compares logs, firings and `show`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .cells import EPOCH, Cell
from .values import FALSE, TRUE, UNKNOWN

if TYPE_CHECKING:
    from .cells import Term
    from .engine import RuleEngine


def _inline_cell(c) -> bool:
    """A cell the program may evaluate itself: it reads only terms without a formula
    and constants, and only rules (or rule-like triggers) listen to it."""
    if c.is_rule or c.level != 1 or getattr(c, "node", None) is not None:
        return False
    for op in c.operands():
        if op.level != 0 or getattr(op, "defn", None) is not None:
            return False
    return all(s.is_rule for s in c.subs)


def alert_program(engine: "RuleEngine", ctx: "Term", names: tuple, entry: str = "values"):
    """`program(values)` (entry "values": `alert_values`, `brainstem nb`'s lines,
    `alert_rows`; firings go where `engine._firings` says), or, entry "dict",
    `program(attrs, time)`: the whole of `RuleEngine.alert` for a dict with these
    keys in this order (clock, value check, firings returned as a list)."""
    terms = engine._alert_terms(ctx, names)
    epoch = EPOCH[0]
    from .cache import quiet_term
    from .rules import Firing
    from .values import to_python
    # per term: None (a formula: assign), [] (set it), or the subscribers to tell
    subs_of = [None if t.defn is not None else [] if quiet_term(t) else list(t.subs) for t in terms]
    inline = engine._fast and all(all(not s.is_rule and _inline_cell(s) for s in subs)
                                  for subs in subs_of if subs)
    dict_entry = entry == "dict"
    ns: dict = {"EPOCH": EPOCH, "E": epoch, "ctx": ctx, "TERMS": terms, "eng": engine,
                "assign": engine.assign, "schedule": engine.schedule, "revert": _revert,
                "UNKNOWN": UNKNOWN, "FALSE": FALSE, "NAMES": names, "TIMERS": engine._timers,
                "react": engine.react, "fire": engine._fire, "rebuild": None,
                "Firing": Firing, "to_py": to_python}
    n = len(terms)
    vals = ", ".join(f"v{i}" for i in range(n)) + ("," if n == 1 else "") if n else "()"
    if dict_entry:
        # RuleEngine.alert: the clock first (timers due by `time` fire), then the values
        # its own keys first (RuleEngine.alert calls the last program it ran)
        src = ["def program(attrs, time):",
               "    if tuple(attrs) != NAMES:",     # the cheapest exact test of keys and order
               "        return eng._alert_other(attrs, time)"]
        if n:
            src.append(f"    {vals} = attrs.values()")
        src += ["    if TIMERS and TIMERS[0][0] <= time:",
                "        eng.advance_to(time)",
                "    elif time > eng.now:",
                "        eng.now = time",
                "    if EPOCH[0] != E:",
                "        return eng._alert(attrs, time, None)"]
        if n:
            src.append("    if " + " or ".join(f"(type(v{i}) is not str and type(v{i}) is not float)"
                                           for i in range(n)) + ":")
            src.append("        return eng._alert(attrs, time, None)   # values to convert")
        src.append("    out = eng._firings = []")
        src.append("    try:")
    else:
        src = ["def program(values):",
               "    if EPOCH[0] != E:",
               "        return rebuild(values)",
               "    out = eng._firings"]
        if n:
            src.append(f"    {vals} = values")

    head, src = src, []
    src += ["    prev = ctx.alert_terms",
            "    if prev is not TERMS:",
            "        if prev:",
            "            revert(eng, prev, TERMS)",
            "        ctx.alert_terms = TERMS"]
    add = src.append
    ret = "out" if dict_entry else ""
    cells = []
    for subs in subs_of:
        for c in subs or ():
            if c not in cells:
                cells.append(c)
    single = inline and len(cells) == 1    # the usual filter cell, `type="that"`
    if inline:
        add("    if eng._qhigh >= 0:")     # not quiet (a re-entrant call): the generic way
        add(f"        eng.alert_values(ctx, NAMES, ({vals}), True)")
        add(f"        return {ret}")
        if single:
            add("    dirty = False")
        elif cells:
            add("    pend = []")
            add("    pend_add = pend.append")
    for i, t in enumerate(terms):
        ns[f"T{i}"] = t
        v = f"v{i}"
        subs = subs_of[i]
        if subs is None:
            add(f"    assign(T{i}, {v})")
        elif not subs:
            add(f"    T{i}.value = {v}")
        else:
            add(f"    o = T{i}.value")
            add(f"    if {v} is not o and (type({v}) is not type(o) or {v} != o):")
            add(f"        T{i}.value = {v}")
            if single:
                add("        dirty = True")
                continue
            for j, s in enumerate(subs):
                ns[f"S{i}_{j}"] = s
                add(f"        if not S{i}_{j}.queued:")
                if inline:
                    add(f"            S{i}_{j}.queued = True")
                    add(f"            pend_add(S{i}_{j})")
                else:
                    add(f"            schedule(S{i}_{j})")
    if inline:
        if single:
            _single_cell(cells[0], ns, add)
        elif cells:
            add("    ready = eng._ready")
            add("    if pend:")
            add("        rq = []")
            add("        for c in pend:")
            add("            c.queued = False")
            add("            new = c.compute()")
            add("            old = c.value")
            add("            if new is old or (type(new) is type(old) and new == old):")
            add("                continue")
            add("            c.value = new")
            add("            for r in c.subs:")
            add("                if not r.queued:")
            add("                    r.queued = True")
            add("                    rq.append(r)")
            add("        for r in rq:")
            add("            r.queued = False")
            add("            if not r.dead:")
            add("                r.check(ready)")
        else:
            add("    ready = eng._ready")
        for k, r in enumerate(ctx.if_rules):
            ns[f"I{k}"] = r
            add(f"    v = I{k}.cond.value")
            add(f"    if v is not UNKNOWN and v is not FALSE:")
            add(f"        ready.append(I{k})")
        # the usual case, one rule ready and nothing else pending: fire it here, and
        # let react() go on only if its action left something to do
        add("    if ready:")
        add("        if len(ready) == 1 and not eng._alerted and not eng._deferred:")
        add("            r = ready.pop()")
        add("            if not r.dead:")
        for k, r in enumerate(ctx.if_rules):
            if _plain_insert_rule(r):
                # the usual feed rule `if(cond) c(a,b)`: engine._fire written out here
                add(f"                if r is I{k}:")
                _inline_fire(engine, r, k, terms, ns, add, "                    ", dict_entry)
                add("                else:")
                add("                    fire(r)")
                break
        else:
            add("                fire(r)")
        add("                if eng._qhigh >= 0 or eng._alerted or eng._ready or eng._deferred:")
        add("                    react({r})")
        add("        else:")
        add("            react()")
        add("    elif eng._alerted or eng._deferred or eng._qhigh >= 0:")
        add("        react()")
    else:
        add("    eng._alerted.append(ctx)")
        add("    react()")
    if dict_entry:   # the body runs with this alert's list as engine._firings
        src = head + ["    " + line for line in src] + [
            "    finally:",
            "        eng._firings = None",
            "    return out"]
    else:
        src = head + src
    code = "\n".join(src) + "\n"
    exec(compile(code, f"<alert program {ctx.path() or '_'} {','.join(names)}>", "exec"), ns)
    program = ns["program"]
    program.source = code   # for debugging: print(program.source)
    program.epoch = epoch

    def rebuild(values):
        progs = ctx.alert_progs
        progs.pop(names, None)
        fresh = progs[names] = alert_program(engine, ctx, names)
        return fresh(values)
    ns["rebuild"] = rebuild
    return program


def _inline_fire(engine: "RuleEngine", r, k: int, terms: tuple, ns: dict, add, ind: str,
                 dict_entry: bool) -> None:
    """`engine._fire(r)` for a plain insertion rule of the alerted context: the log
    line, the Firing (its terms: the snapshot engine._snapshot takes, written out),
    then the row into the cache."""
    from .cells import Term
    ns[f"LINE{k}"] = " NB000I " + r.fired_text
    ns[f"FN{k}"], ns[f"FC{k}"] = r.name, r.ctx_path
    ns[f"NODE{k}"], ns[f"ROW{k}"] = r.lone_row.term.node, r.row_values
    add(f"{ind}sink = eng.sink")
    add(f"{ind}if sink is not None:")
    add(f"{ind}    sink(eng.stamp() + LINE{k})")
    # name -> expression, in engine._snapshot's order (a later term of the same name
    # takes the value, the first keeps the place)
    items: dict = {}
    for j, (key, t) in enumerate(engine._snap(r)):
        ns[f"Q{k}_{j}"] = t
        items[key] = f"(x if type(x := Q{k}_{j}.value) is str or type(x) is float else to_py(x))"
    # the terms this alert set (the context's alert terms when the rule fires); with
    # entry "dict" their values are the alert's, checked str or float on entry
    for i, t in enumerate(terms):
        items[t.name] = (f"v{i}" if dict_entry else
                         f"(x if type(x := T{i}.value) is str or type(x) is float else to_py(x))")
    body = ", ".join(f"{key!r}: {expr}" for key, expr in items.items())
    make = f"Firing(FN{k}, FC{k}, eng.now, {r.kind!r}, {{{body}}})"
    add(f"{ind}of = eng.on_fire")
    if dict_entry:
        add(f"{ind}f = {make}")
        add(f"{ind}out.append(f)")
        add(f"{ind}if of is not None:")
        add(f"{ind}    of(f)")
    else:
        add(f"{ind}if of is not None or out is not None:")
        add(f"{ind}    f = {make}")
        add(f"{ind}    if out is not None:")
        add(f"{ind}        out.append(f)")
        add(f"{ind}    if of is not None:")
        add(f"{ind}        of(f)")
    args = r.lone_row.args
    if not all(type(a) is Term and a.defn is None for a in args):
        add(f"{ind}NODE{k}.insert_now(ROW{k}(), False)")
        return
    for j, a in enumerate(args):
        ns[f"A{k}_{j}"] = a
    # the row's values first (as row_values reads them), then Cache.insert_now's
    # body written out here, unless on_fire changed the graph it was written for
    add(f"{ind}" + ", ".join(f"ra{j}" for j in range(len(args))) + " = "
        + ", ".join(f"A{k}_{j}.value" for j in range(len(args))) + ("," if len(args) == 1 else ""))
    add(f"{ind}if EPOCH[0] != E:")
    add(f"{ind}    NODE{k}.insert_now([" + ", ".join(f"ra{j}" for j in range(len(args))) + "], False)")
    add(f"{ind}else:")
    from .cache import insert_source
    for line in insert_source(r.lone_row.term.node, f"N{k}_", ns, lambda d: f"ra{d}", "False", ind + "    "):
        add(line)


def _plain_insert_rule(r) -> bool:
    """An `if` rule whose only action is one row into a cache (engine._fire's fast case)."""
    from .cache import Cache
    row = r.lone_row
    return (r.kind == "if" and row is not None and r.command is None and type(row.term.node) is Cache
            and len(row.args) >= row.term.node.n)


def _single_cell(c, ns: dict, add) -> None:
    """The evaluation of the one cell the alerted terms feed, and of the rules it
    feeds, in line (EqConst computed without a call)."""
    from .cells import EqConst
    ns["C"] = c
    add("    ready = eng._ready")
    add("    if dirty:")
    if type(c) is EqConst:
        ns["CA"], ns["CT"], ns["CV"] = c.a, c.ctype, c.const
        add("        x = CA.value")
        add("        new = UNKNOWN if x is UNKNOWN else (TRUE if type(x) is CT and x == CV else FALSE)")
        ns["TRUE"] = TRUE
    else:
        add("        new = C.compute()")
    add("        old = C.value")
    add("        if new is not old and (type(new) is not type(old) or new != old):")
    add("            C.value = new")
    for k, r in enumerate(c.subs):
        if r.queued:      # an `if` rule: answers alerts only, never queued
            continue
        ns[f"R{k}"] = r
        add(f"            if not R{k}.dead:")
        add(f"                R{k}.check(ready)")
    add("            pass")


def _revert(engine: "RuleEngine", prev: tuple, terms: tuple) -> None:
    """The terms the previous alert set and this one doesn't go back to Unknown."""
    for t in prev:
        if t not in terms:
            engine.assign(t, UNKNOWN)


__all__ = ["alert_program"]
