"""Command execution: context prefixes, `$` substitution, define/assert/alert/show,
shell actions, and the fast path for plain `alert a="x",b=1;` lines."""
from __future__ import annotations

import math
import re
import subprocess
from typing import TYPE_CHECKING

from .cache import Cache
from .cachespec import parse_spec
from .cells import Const, Term, graph_changed
from .errors import RuleError, RuleSyntaxError
from .lexer import NAME, OP
from .parser import Parser
from .rules import Rule
from .nodes import PlainNode, make_node
from .show import show_formula, show_rules, show_term
from .values import UNKNOWN, plain

if TYPE_CHECKING:
    from .engine import RuleEngine

_PREFIX = re.compile(r"((?:@\.)?[A-Za-z_'][A-Za-z0-9_.']*)\.\s+")
_VERB = re.compile(r"[A-Za-z]+")
# `node:text` / `node(args):text`: a command to a node (a translator's input)
_NODE_CMD = re.compile(r"((?:@\.)?[A-Za-z_'][A-Za-z0-9_.']*)\s*(\([^)]*\))?:")
_SUBST = re.compile(r"(\$+)\{([^}]*)\}")


def substitute(engine: "RuleEngine", ctx: Term, text: str) -> str:
    """Replace each `${expression}` by its value in `ctx` (strings unquoted, Unknown
    as ?): a term, or any cell expression (`${c@kids(host)}`, `${a+1}`). `$${x}`
    is reduced to `${x}` for a later substitution, as NodeBrain does."""
    def one(m: re.Match) -> str:
        dollars, body = m.group(1), m.group(2)
        if len(dollars) > 1:
            return dollars[1:] + "{" + body + "}"
        name = body.strip()
        t = engine.find(ctx, name)
        if t is not None:
            return plain(t.peek())
        try:
            p = Parser(engine, ctx, body)
            cell = p.expr()
            if not p.at_end():
                return "?"
            return plain(cell.peek())
        except RuleSyntaxError:
            return "?"
    return _SUBST.sub(one, text)


def execute(engine: "RuleEngine", ctx: Term, text: str, pos: int = 0, nested: bool = False) -> None:
    """Run one command; `pos` is where it starts in `text` (for error columns)."""
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    if pos >= n or text[pos] == "#":
        return
    m = _PREFIX.match(text, pos)
    if m:
        ctx = engine.resolve(ctx, m.group(1))
        pos = m.end()
        if pos >= n or text[pos] == "#":
            return
    ch = text[pos]
    if ch == "$":
        execute(engine, ctx, substitute(engine, ctx, text[pos + 1:]), 0, nested)
        return
    if ch in "-=":
        shell(engine, ctx, text[pos + 1:].strip(), ch)
        return
    m = _NODE_CMD.match(text, pos)
    if m:
        node_command(engine, ctx, text, m)
        return
    m = _VERB.match(text, pos)
    verb = m.group() if m else text[pos]
    body = m.end() if m else pos + 1
    if verb == "assert" or verb == "alert":
        p = Parser(engine, ctx, text, body)
        items, _ = p.assertions()
        _end(p)
        if verb == "alert":
            engine.alert_terms(ctx, items)
        else:
            engine.apply(ctx, items, False)
        if not nested:
            engine.react()
    elif verb == "define":
        define(engine, ctx, text, body)
        if not nested:
            engine.react()
    elif verb == "show":
        show(engine, ctx, text, body)
    elif verb == "forecast":
        forecast(engine, ctx, text, body)
    elif verb == "enable" or verb == "disable":
        p = Parser(engine, ctx, text, body)
        tok = p.lx.next()
        if tok[0] != NAME:
            raise p.error(f"expecting a node to {verb}", tok)
        _end(p)
        term = engine.find(ctx, tok[1])
        node = term.node if term is not None else None
        if node is None:
            raise RuleError(f"{tok[1]} is not a node")
        action = getattr(node, verb, None)
        if action is None:
            raise RuleError(f"{tok[1]}: a {getattr(node, 'skill', '') or 'plain'} node cannot be {verb}d")
        action()
        if not nested:
            engine.react()
    else:
        raise RuleSyntaxError(f"verb {verb!r} not recognized", pos, verb)


def _end(p: Parser) -> None:
    tok = p.lx.peek()
    if tok[1] == ";" and tok[0] == OP:
        p.lx.next()
        tok = p.lx.peek()
    if tok[0] != "END":
        raise p.error("unexpected token", tok)


def define(engine: "RuleEngine", ctx: Term, text: str, pos: int) -> None:
    p = Parser(engine, ctx, text, pos, intern=True)
    name = p.lx.next()
    if name[0] != NAME:
        raise p.error("expecting a term name to define", name)
    term = ctx.child(name[1]) if "." not in name[1] else engine.resolve(ctx, name[1])
    kind = p.lx.next()
    word = kind[1]
    if word == "cell":
        if p.at_end():             # `define x cell;`: a term with no value yet
            _end(p)
            engine.assign(term, UNKNOWN)
            return
        cell = p.expr()
        _end(p)
        if type(cell) is Const:    # a constant is a value, not a formula (`x = 42`)
            engine.assign(term, cell.value)
        else:
            engine.define(term, cell)
    elif word == "node":
        _define_node(engine, p, term)
    elif word in ("on", "if", "when"):
        p.ctx = ctx
        p.expect("(")
        cond = p.expr()
        p.expect(")")
        items, atext, command = [], "", None
        if not p.at(":") and not p.at_end():
            items, atext = p.assertions(stop=(":", ";"))
        if p.at(":"):
            p.lx.next()
            command = p.lx.rest().strip()
        else:
            _end(p)
        engine.add_rule(Rule(term, word, cond, items, atext, command, ctx))
    else:
        raise p.error("expecting cell, node, on, if or when", kind)


def _define_node(engine: "RuleEngine", p: Parser, term: Term) -> None:
    graph_changed()    # compiled code that names this term's node is rebuilt
    if p.at_end():
        _end(p)
        term.node = PlainNode()
        return
    skill = p.lx.next()
    if skill[0] == NAME and skill[1] != "cache":
        cells = p.arglist() if p.at("(") else []
        _end(p)
        term.node = make_node(engine, term, skill[1], [c.peek() for c in cells], cells)
        return
    if skill[1] != "cache":
        raise p.error("expecting a node skill (cache, translator, audit, syslog)", skill)
    spec = parse_spec(p, term)
    _end(p)
    cache = Cache(engine, term, spec)
    term.node = cache
    if spec.interval:
        term.child("_interval").value = spec.interval_text
    if spec.release is not None:
        spec.release.enable(_Release(engine, cache, spec.release))


class _Release:
    """Empties the cache each time the release condition becomes true."""
    __slots__ = ("engine", "cache", "cell", "level", "queued", "state")
    is_rule = True
    dead = False

    def __init__(self, engine: "RuleEngine", cache: Cache, cell) -> None:
        self.engine, self.cache, self.cell = engine, cache, cell
        self.level = cell.level + 1
        self.queued = False
        self.state = cell.value

    def check(self, ready: list) -> None:
        from .values import is_true
        new, old = self.cell.value, self.state
        self.state = new
        if is_true(new) and not is_true(old):
            self.cache.empty()
            self.engine.cache_changed(self.cache)


def show(engine: "RuleEngine", ctx: Term, text: str, pos: int) -> None:
    rest = text[pos:].strip()
    if rest.startswith("-r"):
        for line in show_rules(ctx):
            engine.emit(line)
        return
    p = Parser(engine, ctx, text, pos)
    while not p.at_end():
        if p.at("("):
            cell = p.expr()
            engine.emit(show_formula(cell))
        else:
            tok = p.lx.next()
            if tok[0] != NAME:
                raise p.error("expecting a term or (formula) to show", tok)
            term = engine.find(ctx, tok[1])
            if term is None:
                raise RuleError(f'Term "{tok[1]}" not defined.')
            for line in show_term(term):
                engine.emit(line)
        if p.at(","):
            p.lx.next()
    _end(p)


def forecast(engine: "RuleEngine", ctx: Term, text: str, pos: int) -> None:
    """`forecast ~(expression);` or `forecast TERM;`: the next intervals of a schedule."""
    from .schedule import TimeCondition, forecast_lines, parse_time_condition
    p = Parser(engine, ctx, text, pos)
    tok = p.lx.next()
    if tok[0] == OP and tok[1] == "~":
        cond = parse_time_condition(engine, p)
    elif tok[0] == NAME:
        term = engine.find(ctx, tok[1])
        cond = term.defn if term is not None else None
        if not isinstance(cond, TimeCondition):
            raise RuleError(f'Term "{tok[1]}" does not reference a schedule cell.')
    else:
        raise p.error("expecting a time condition ~(...) or a term", tok)
    _end(p)
    for line in forecast_lines(cond, engine.now):
        if type(line) is tuple:
            engine.message(*line)
        else:
            engine.emit(line)


def node_command(engine: "RuleEngine", ctx: Term, text: str, m: re.Match) -> None:
    """`node:text` or `node("verb",...):text` (e.g. a line for a translator)."""
    term = engine.find(ctx, m.group(1))
    node = term.node if term is not None else None
    if node is None or not hasattr(node, "command"):
        raise RuleError(f"{m.group(1)} is not a node that accepts commands")
    args: list = []
    if m.group(2):
        p = Parser(engine, ctx, m.group(2))
        args = [c.peek() for c in p.arglist()]
    node.command(args, text[m.end():])


def run_emitted(engine: "RuleEngine", ctx: Term, command: str) -> None:
    """A command a translator produced: echoed as `> ctx. command` (its own prefix
    resolved) and run as one command cycle, as in NodeBrain; an error is reported,
    not raised."""
    m = _PREFIX.match(command)
    if m:
        ctx = engine.resolve(ctx, m.group(1))
        command = command[m.end():]
    prefix = ctx.path()
    engine.emit("> " + (prefix + ". " if prefix else "") + command)
    try:
        execute(engine, ctx, command)
    except RuleError as exc:
        engine.message("E", f"{exc}")
        engine.react()


def shell(engine: "RuleEngine", ctx: Term, command: str, kind: str) -> None:
    """`-cmd` runs a shell command, `=cmd` runs one and reads its output as commands.
    `-sleep N` only advances the engine clock (timed scenarios run instantly)."""
    words = command.split()
    if kind == "-" and len(words) == 2 and words[0] == "sleep":
        try:
            seconds = float(words[1])
        except ValueError:
            seconds = None
        if seconds is not None and engine.sandbox:
            raise RuleError("-sleep is not run in a sandboxed engine")
        if seconds is not None and (engine._advancing or not math.isfinite(seconds) or seconds < 0):
            # from a rule action while timers are being fired, a -sleep would re-enter
            # the clock (a rule could keep itself alive forever): not run
            engine.message("W", f"-{command} not run here (inside a timer cycle or not a duration)")
            return
        if seconds is not None:
            engine.emit(f"[0] Started: -{command}")
            engine.emit("[0] Exit(0)")
            engine.advance_to(engine.now + seconds)
            return
    if engine.sandbox:
        raise RuleError("shell commands are not run in a sandboxed engine")
    if not engine.allow_shell:
        engine.message("W", f"Shell command not run (use --allow-shell): {kind}{command}")
        return
    engine.emit(f"[0] Started: {kind}{command}")
    # like NodeBrain, through the shell (redirections, pipes); only with allow_shell
    run = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True)
    if kind == "=":
        for line in run.stdout.splitlines():
            try:
                execute(engine, ctx, line)
            except RuleError as exc:
                engine.message("E", f"{exc}")
    else:
        for line in (run.stdout + run.stderr).splitlines():
            engine.emit(line)
    engine.emit(f"[0] Exit({run.returncode})")


def run_action(engine: "RuleEngine", rule: Rule) -> None:
    cmd = rule.command or ""
    ctx = rule.ctx
    if cmd.startswith("$"):
        cmd = substitute(engine, ctx, cmd[1:].lstrip())
    prefix = ctx.path()
    engine.emit(": " + (prefix + ". " if prefix else "") + cmd)
    try:
        execute(engine, ctx, cmd, 0, nested=True)
    except RuleError as exc:
        engine.message("E", f"Rule {rule.name} action: {exc}")
