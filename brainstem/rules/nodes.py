"""Node skills other than the cache: a plain context node, the translator node,
and the audit and syslog nodes that feed log lines through a translator.

    define t node translator("file.nbx");     t:TEXT  t("translate"):FILE  t("do"):STMT
                                              assert t("line", ...);  define x cell t("line");
    define a node audit("FILE","file.nbx",SCHEDULE);   enable a;  disable a;  a:trace
    define s node syslog("file.nbx",PORT);

A translator's commands run in its node's context (a command with its own
context prefix runs there), one command cycle each, echoed as `> ctx. command`.

In `brainstem nb` an enabled audit node reads the lines its file gained each
time SCHEDULE turns true on the engine clock (`-sleep` advances it), starting
from the end of the file at `enable`; a syslog node is defined but does not
listen. In brainstem's pipeline (`RuleBridge`) both are fed the tenant's event
stream instead (docs/rules.md, "Translators at ingest").
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .errors import RuleError
from .translator import Translator, TranslatorError, TranslatorTimeout, _Compiler
from .values import TRUE, UNKNOWN, is_true

if TYPE_CHECKING:
    from .cells import Cell, Term
    from .engine import RuleEngine

MAX_TRANSLATION_DEPTH = 8   # a translator whose commands feed translators (itself...)


class PlainNode:
    """A `define X node;` without a skill: only a context."""
    skill = ""
    watchers: list = []

    def evaluate(self, values: list) -> object:
        return UNKNOWN

    def facet(self, name: str, values: list) -> object:
        return 0.0


class TranslatorNode(PlainNode):
    """`define t node translator("file.nbx")`."""
    skill = "translator"

    def __init__(self, engine: "RuleEngine", term: "Term", translator: Translator) -> None:
        self.engine, self.term, self.translator = engine, term, translator
        self.watchers = []

    def translate(self, line: str) -> object:
        return self.engine.translate(self.term, self.translator, line)

    def evaluate(self, values: list) -> object:
        """As a cell expression: the translator's value for the first string that
        gives one (1 for a recognized line, Unknown otherwise, or its `$(...)`)."""
        for v in values:
            if type(v) is str:
                got = self.translate(v)
                if got is not None:
                    return TRUE if got is True else got
        return UNKNOWN

    def assert_args(self, values: list, alert_mode: bool) -> None:
        for v in values:
            if type(v) is str:
                self.translate(v)

    def command(self, args: list, text: str) -> None:
        verb = args[0] if args else None
        if verb is None:
            self.translate(text)
        elif verb == "translate":
            self.translate_file(text.strip())
        elif verb == "do":
            comp = _Compiler(self.engine.translators, self.translator.path, [text])
            comp.statement(text, self.translator.root, False)
        else:
            raise RuleError(f'translator node verb {verb!r} not recognized (use "translate" or "do")')

    def translate_file(self, name: str) -> None:
        eng = self.engine
        path = eng.translators.path(name)
        try:
            fh = open(path, encoding="utf-8", errors="replace")
        except OSError as exc:
            raise RuleError(f"unable to open {name!r}: {exc.strerror}") from None
        eng.emit(f"---------- --------> {name}")
        with fh:
            for line in fh:
                self.translate(line.rstrip("\r\n"))
        eng.emit(f"---------- --------< {name}")


class AuditNode(TranslatorNode):
    """`define a node audit("file","file.nbx",schedule)`: follows a growing file."""
    skill = "audit"

    def __init__(self, engine: "RuleEngine", term: "Term", translator: Translator,
                 filename: str, schedule: "Cell") -> None:
        super().__init__(engine, term, translator)
        self.filename = filename
        self.schedule = schedule
        self.pos = 0
        self.trace = False
        self.synapse: _Synapse | None = None

    def command(self, args: list, text: str) -> None:
        if "notrace" in text:
            self.trace = False
        elif "trace" in text:
            self.trace = True
        else:
            raise RuleError("audit node command not recognized (trace, notrace)")

    def enable(self) -> None:
        if self.synapse is not None:
            return
        path = self.engine.translators.path(self.filename)
        try:
            self.pos = os.path.getsize(path)
        except OSError:
            raise RuleError(f'unable to open audit file "{self.filename}"') from None
        self.synapse = _Synapse(self.engine, self.schedule, self.poll)
        self.schedule.enable(self.synapse)
        self.synapse.state = self.schedule.value
        self.engine.node_message("I", "audit", self.term, f"Enabled audit of {self.filename} using {self.translator.path}")

    def disable(self) -> None:
        if self.synapse is None:
            return
        self.schedule.disable(self.synapse)
        self.synapse.dead = True
        self.synapse = None
        self.pos = 0
        self.engine.node_message("I", "audit", self.term, f"Disabled audit of {self.filename} using {self.translator.path}")

    def poll(self) -> None:
        """The schedule turned true: translate the lines the file gained."""
        eng = self.engine
        path = eng.translators.path(self.filename)
        try:
            size = os.path.getsize(path)
        except OSError:
            eng.node_message("E", "audit", self.term, f'Log file "{self.filename}" not found - disabling node.')
            self.disable()
            return
        if size == self.pos:
            return
        if size < self.pos:
            eng.node_message("I", "audit", self.term, f'File "{self.filename}" has shrunk from '
                             f"{self.pos} to {size}, starting at beginning.")
            self.pos = 0
        with open(path, "rb") as fh:
            fh.seek(self.pos)
            data = fh.read(size - self.pos)
        end = data.rfind(b"\n") + 1     # a partial last line waits for the next poll
        self.pos += end
        for raw in data[:end].splitlines():
            line = raw.decode("utf-8", errors="replace")
            if self.trace:
                eng.emit("] " + line)
            self.translate(line)


class SyslogNode(TranslatorNode):
    """`define s node syslog("file.nbx",port)`: the translator for syslog messages.
    It does not listen in `brainstem nb`; brainstem's pipeline feeds it events."""
    skill = "syslog"

    def command(self, args: list, text: str) -> None:
        raise RuleError("syslog node commands are not supported")


class _Synapse:
    """Calls `fire` each time `cell` turns true (an audit node's schedule), after
    the evaluation that turned it (engine.defer), like a rule's action."""
    __slots__ = ("engine", "cell", "fire", "level", "queued", "state", "dead")
    is_rule = True

    def __init__(self, engine: "RuleEngine", cell: "Cell", fire) -> None:
        self.engine, self.cell, self.fire = engine, cell, fire
        self.level = cell.level + 1
        self.queued = False
        self.state = UNKNOWN
        self.dead = False

    def check(self, ready: list) -> None:
        new, old = self.cell.value, self.state
        self.state = new
        if is_true(new) and not is_true(old):
            self.engine.defer(self.fire)


def make_node(engine: "RuleEngine", term: "Term", skill: str, args: list, cells: list) -> PlainNode:
    """The node for `define term node skill(args)`; `args` are values, `cells` the
    argument cells (an audit schedule is a cell, not a value)."""
    def string(i: int, what: str) -> str:
        if i >= len(args) or type(args[i]) is not str:
            raise RuleError(f"{skill} node: expecting string {what} as parameter {i + 1}")
        return args[i]

    if engine.sandbox:
        raise RuleError(f"{skill} nodes read files, which this engine does not allow")
    try:
        if skill == "translator":
            if len(args) != 1:
                raise RuleError('translator node: expecting translator("file.nbx")')
            return TranslatorNode(engine, term, engine.translators.compile(string(0, "translator file")))
        if skill == "audit":
            if len(args) != 3:
                raise RuleError('audit node: expecting audit("file","translator.nbx",schedule)')
            filename = string(0, "file name")
            tr = engine.translators.compile(string(1, "translator name"))
            return AuditNode(engine, term, tr, filename, cells[2])
        if skill == "syslog":
            if not args or len(args) > 2:
                raise RuleError('syslog node: expecting syslog("translator.nbx",port)')
            return SyslogNode(engine, term, engine.translators.compile(string(0, "translator name")))
    except TranslatorError as exc:
        raise RuleError(f"{exc} (translator for {term.path()} not loaded)") from None
    raise RuleError(f"node skill {skill!r} is not available (cache, translator, audit, syslog)")


__all__ = ["PlainNode", "TranslatorNode", "AuditNode", "SyslogNode", "make_node",
           "TranslatorTimeout", "MAX_TRANSLATION_DEPTH"]
