"""NodeBrain translators (`.nbx` files): regular expressions that turn lines of
foreign text (log lines) into NodeBrain commands.

A translator is a tree of instructions compiled from the file (see the
"Translators" chapter of NodeBrain's language reference; docs/rules.md):

    # comment                 !stmt      ignored statement
    (regex)stmt               branch when the regex matches the text buffer;
                              the rest of the buffer (after the match) is the
                              buffer of `stmt`
    "value"stmt               branch when the buffer is exactly `value`
    [projection]stmt          unconditional branch with a new buffer
    label stmt                unconditional branch (a named block)
    @branch                   continue with the next statement after it even
                              when it matched
    { ... }                   a block of statements (closing `}` on its own line)
    :command                  emit a command (after projection)
    $(expression)             the translator's value as a cell expression
    $file / ~file             include / link another translator

Projections: `$[n]` group n of the last match, `$[name]` a named group
(`(?'name'...)`), `$[~]` the match, `$[<]`/`$[>]` before/after it, `$[-]` the
text it was matched against, `$[=]` the current buffer, `$[.x]` the same one
regex level up; `$[x,FR]` replaces character F by R (default `"` by `'`, so a
captured quote cannot break the command; `$[x,..]` replaces nothing).

Statements are merged as NodeBrain compiles them: a branch written twice in
one block is one branch (its sub-statements in order), and value branches are
tried before the block's other statements.

Regular expressions run with the `regex` module (PCRE-like) under a per-line
time budget: a catastrophic expression costs at most `budget` seconds per line
and the line is reported and skipped (TranslatorTimeout), never a hang.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable

from .errors import RuleError

MAX_GROUPS = 32          # NodeBrain's limit on referenced sub-expressions
MAX_NESTING = 64         # blocks / includes / links deep
LINE_BUDGET = 0.05       # seconds of regex matching per translated line

REGEX, SEARCH, LABEL, TRANSFORM, COMMAND, VALUE, FILE = range(7)


class TranslatorError(RuleError):
    """A translator that does not compile; the message names file:line."""


class TranslatorTimeout(RuleError):
    """A line whose regular expressions ran past the per-line time budget."""


@dataclass(slots=True, eq=False)
class Node:
    """One instruction: `nest` runs when it applies, `cont` is the `@` option."""
    kind: int
    key: object = None                 # regex source, label name, projection text, value map
    cont: bool = False
    nest: list["Node"] = field(default_factory=list)
    rx: object = None                  # compiled regex (REGEX)
    projection: tuple = ()             # compiled projection (TRANSFORM, COMMAND)
    values: dict | None = None         # value -> Node (SEARCH)
    value: object = None               # VALUE
    where: str = ""                    # "file:line" of a REGEX (the budget message)


def _pcre_names(src: str) -> str:
    """PCRE's `(?'name'...)` and `(?P<name>` spelled for the regex module."""
    out, i, n = [], 0, len(src)
    klass = False
    while i < n:
        ch = src[i]
        if ch == "\\" and i + 1 < n:
            out.append(src[i:i + 2])
            i += 2
            continue
        if klass:
            klass = ch != "]"
        elif ch == "[":
            klass = True
        elif src.startswith("(?'", i):
            end = src.find("'", i + 3)
            if end > 0:
                out.append("(?P<" + src[i + 3:end] + ">")
                i = end + 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


class Translator:
    """A compiled `.nbx` file. `translate(line, emit)` runs it on one line and
    passes each command it produces to `emit`; returns the translator's value."""

    def __init__(self, path: str, root: Node, budget: float = LINE_BUDGET) -> None:
        self.path = path
        self.root = root
        self.budget = budget

    def translate(self, line: str, emit: Callable[[str], None]) -> object:
        run = _Run(self, emit)
        run.block(self.root.nest, line, [(line, None)])
        return run.value


class _Run:
    """One line through a translator (the state the instructions share)."""

    __slots__ = ("tr", "emit", "value", "deadline")

    def __init__(self, tr: Translator, emit: Callable[[str], None]) -> None:
        self.tr, self.emit, self.value = tr, emit, None
        self.deadline = time.perf_counter() + tr.budget

    def search(self, node: Node, text: str):
        left = self.deadline - time.perf_counter()
        try:
            if left <= 0:
                raise TimeoutError
            return node.rx.search(text, timeout=left)
        except TimeoutError:
            raise TranslatorTimeout(
                f"{node.where or self.tr.path}: regular expression ({node.key}) ran past the "
                f"{self.tr.budget * 1000:.0f} ms budget for one line; line skipped") from None

    def block(self, nodes: list[Node], text: str, caps: list) -> bool:
        """Run a list of statements; True when a match ended it (NodeBrain stops at
        the first match unless the branch has `@`)."""
        for node in nodes:
            kind = node.kind
            if kind == REGEX:
                m = self.search(node, text)
                if m is None:
                    continue
                if not node.nest:
                    self.value = True
                self.block(node.nest, text[m.end():], caps + [(text, m)])
                if not node.cont:
                    return True
            elif kind == SEARCH:
                hit = node.values.get(text)
                if hit is None:
                    continue
                if not hit.nest:
                    self.value = True
                self.block(hit.nest, text, caps)
                if not hit.cont:
                    return True
            elif kind == COMMAND:
                cmd = project(node.projection, text, caps)
                if cmd:
                    self.emit(cmd)
            elif kind == VALUE:
                self.value = node.value
            else:   # LABEL, FILE, TRANSFORM: unconditional branches that fail through
                inner = project(node.projection, text, caps) if kind == TRANSFORM else text
                if self.block(node.nest, inner, caps) and not node.cont:
                    return True
                # as NodeBrain does, the siblings after an unconditional branch see the
                # text the last regex was matched against
                text = caps[-1][0]
        return False


def project(parts: tuple, text: str, caps: list) -> str:
    """Build a string from literal parts and references into the match stack."""
    out = []
    for p in parts:
        if type(p) is str:
            out.append(p)
            continue
        what, up, find, repl = p
        ctext, m = caps[-1 - up] if up < len(caps) else caps[0]
        if what == "=":
            s = text
        elif what == "-":
            s = ctext
        elif m is None:          # the whole line, before any match
            s = "" if what in ("<", ">") else ctext
        elif what == "<":
            s = ctext[:m.start()]
        elif what == ">":
            s = ctext[m.end():]
        else:
            s = m.group(what) or ""
        if find and s:
            s = s.replace(find, repl)
        out.append(s)
    return "".join(out)


class _Compiler:
    """Reads `.nbx` text into a tree, merging branches the way NodeBrain does."""

    def __init__(self, loader: "TranslatorLoader", path: str, lines: list[str]) -> None:
        self.loader, self.path, self.lines = loader, path, lines
        self.i = 0
        self.stack: list = []   # compiled regexes along the current branch (for $[...])

    def error(self, message: str, lineno: int | None = None) -> TranslatorError:
        return TranslatorError(f"{self.path}:{lineno or self.i}: {message}")

    def next_line(self) -> str:
        line = self.lines[self.i]
        self.i += 1
        if self.loader.out is not None:
            self.loader.out(line.rstrip("\r\n"))
        return line.rstrip("\r\n").rstrip(" ")

    def compile_into(self, parent: Node) -> None:
        while self.i < len(self.lines):
            self.statement(self.next_line(), parent, False)

    def statement(self, s: str, parent: Node, cont: bool) -> None:
        s = s.lstrip(" \t")
        if s.startswith("^"):
            raise self.error("translator transactions (^path...) are not supported")
        if s.startswith("."):
            s = s[1:]
        if s.startswith("@"):
            cont = True
            s = s[1:].lstrip(" \t")
        if not s or s[0] == "#":
            return
        ch = s[0]
        if ch == "!":                      # ignored statement (compiled, then dropped)
            self.statement(s[1:], Node(LABEL), False)
            return
        if ch == "{":
            self.block(s, parent, cont)
        elif ch == '"':
            end = s.find('"', 1)
            if end < 0:
                raise self.error("unbalanced quote in string entry")
            search = parent.nest[0] if parent.nest and parent.nest[0].kind == SEARCH else None
            if search is None:
                search = Node(SEARCH, values={})
                parent.nest.insert(0, search)   # values are tried before anything else
            value = s[1:end]
            node = search.values.get(value)
            if node is None:
                node = search.values[value] = Node(LABEL, key=value, cont=cont)
            elif node.cont != cont:
                raise self.error("continue option @ inconsistency")
            self.statement(s[end + 1:], node, cont)
        elif ch == "(":
            end = _balanced(s, "(", ")")
            if end < 0:
                raise self.error("unbalanced parentheses in match condition")
            src = s[1:end]
            node = self.branch(parent, REGEX, src, cont)
            if node.rx is None:
                import regex   # on first use (the rule engine starts without it)
                try:
                    node.rx = regex.compile(_pcre_names(src))
                except (regex.error, ValueError, OverflowError, RecursionError) as exc:
                    raise self.error(f"bad regular expression ({src}): {exc}") from None
                if node.rx.groups > MAX_GROUPS:
                    raise self.error(f"only {MAX_GROUPS} sub-expressions may be referenced")
                node.where = f"{self.path}:{self.i}"
            self.push(node.rx)
            try:
                self.statement(s[end + 1:].lstrip(" "), node, cont)
            finally:
                self.stack.pop()
        elif ch == "[":
            end = _balanced(s, "[", "]")
            if end < 0:
                raise self.error("unbalanced brackets in projection")
            text = s[1:end]
            node = self.branch(parent, TRANSFORM, text, cont)
            node.projection = node.projection or self.projection(text)
            self.statement(s[end + 1:], node, False)
        elif ch == ":":
            parent.nest.append(Node(COMMAND, key=s[1:], projection=self.projection(s[1:])))
        elif ch == "$" and s[1:2] == "(":
            end = _balanced(s[1:], "(", ")")
            if end < 0:
                raise self.error("unbalanced parentheses in value")
            parent.nest.append(Node(VALUE, value=self.loader.value(s[2:end + 1], self.error)))
        elif ch == "$":         # include: compiled again here (NodeBrain lists it again)
            sub = self.loader.compile(s[1:].strip(), self.error, cache=False)
            parent.nest.extend(sub.root.nest)
        elif ch == "~":
            sub = self.loader.compile(s[1:].strip(), self.error)
            parent.nest.append(Node(FILE, key=sub.path, cont=cont, nest=sub.root.nest))
        elif ch.isalpha():
            j = 1
            while j < len(s) and s[j].isalnum():
                j += 1
            node = self.branch(parent, LABEL, s[:j], cont)
            self.statement(s[j:], node, cont)
        elif ch in "|<>=+-?0123456789":
            raise self.error(f"translator transaction {ch!r} is not supported")
        else:
            raise self.error(f"expecting one of # ! @ [ ( \" : $ ~ {{ or a label at {s[:20]!r}")

    def block(self, s: str, parent: Node, cont: bool) -> None:
        if s[1:].strip() and not s[1:].lstrip().startswith("#"):
            raise self.error("expecting '#' or end of line after '{'")
        start = self.i
        if len(self.stack) + 1 > MAX_NESTING:
            raise self.error(f"blocks nested deeper than {MAX_NESTING}")
        while self.i < len(self.lines):
            line = self.next_line()
            if line.lstrip(" ").startswith("}"):
                return
            self.statement(line, parent, False)
        raise self.error("end of file reached before closing brace '}'", start)

    def branch(self, parent: Node, kind: int, key: str, cont: bool) -> Node:
        for node in parent.nest:
            if node.kind == kind and node.key == key:
                if node.cont != cont:
                    raise self.error("continue option @ inconsistency")
                return node
        node = Node(kind, key=key, cont=cont)
        parent.nest.append(node)
        return node

    def push(self, rx) -> None:
        if len(self.stack) >= MAX_NESTING:
            raise self.error(f"regular expressions nested deeper than {MAX_NESTING}")
        self.stack.append(rx)

    def projection(self, text: str) -> tuple:
        """Literal parts and ($[x] references) with their regex level resolved now."""
        parts: list = []
        pos = 0
        while True:
            at = text.find("$[", pos)
            if at < 0:
                if pos < len(text):
                    parts.append(text[pos:])
                return tuple(parts)
            if at > pos:
                parts.append(text[pos:at])
            end = text.find("]", at + 2)
            if end < 0:
                raise self.error(f"expecting ']' in projection at {text[at:at + 20]!r}")
            ref = text[at + 2:end]
            find, repl = '"', "'"
            comma = ref.find(",", 1 if ref[:1] == "," else 0)
            if comma >= 0:
                spec, ref = ref[comma + 1:], ref[:comma]
                if len(spec) != 2:
                    raise self.error(f"expecting two characters after ',' in $[{text[at + 2:end]}]")
                find, repl = (spec[0], spec[1]) if spec[0] != spec[1] else ("", "")
            up = len(ref) - len(ref.lstrip("."))
            ref = ref[up:]
            if up >= len(self.stack):   # as in NodeBrain, references need an enclosing regex
                raise self.error(f"more periods than regular expressions in context at $[{text[at + 2:end]}]")
            if ref in ("<", ">", "-"):
                what: object = ref
            elif ref == "~":
                what = 0
            elif ref == "=":
                what, up = ("-", up - 1) if up else ("=", 0)
            elif ref.isdigit():
                what = int(ref) if len(ref) <= 3 else MAX_GROUPS + 1
                rx = self.stack[-1 - up] if up < len(self.stack) else None
                if rx is None or what > rx.groups:
                    raise self.error(f"pattern index {what} out of bounds at $[{text[at + 2:end]}]")
            elif ref and (ref[0].isalpha() or ref[0] == "_"):
                what = ref
                while up < len(self.stack) and ref not in self.stack[-1 - up].groupindex:
                    up += 1     # a name is looked for up the enclosing regexes
                if up >= len(self.stack):
                    raise self.error(f"pattern name {ref!r} not defined in scope at $[{text[at + 2:end]}]")
            else:
                raise self.error(f"expecting pattern name or index at $[{text[at + 2:end]}]")
            parts.append((what, up, find, repl))
            pos = end + 1


def _balanced(s: str, open_: str, close: str) -> int:
    """Index of the bracket closing s[0] (backslash escapes skipped), or -1."""
    depth, i, n = 0, 0, len(s)
    while i < n:
        ch = s[i]
        if ch == "\\":
            i += 2
            continue
        if ch == open_:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


class TranslatorLoader:
    """Compiles translator files once each (a link `~file` shares the compiled
    tree). `log(severity, text)` and `out(line)` receive what NodeBrain prints
    while loading (the file's lines between two bars); `value(text, error)`
    evaluates a `$(expression)` at compile time."""

    MAX_BYTES = 4 << 20
    BAR = "---------- --------"

    def __init__(self, base_dir: str | None = None, *, log: Callable[[str, str], None] | None = None,
                 out: Callable[[str], None] | None = None, value: Callable | None = None,
                 budget: float = LINE_BUDGET) -> None:
        self.base_dir = base_dir
        self.log = log
        self.out = out
        self.value = value or (lambda text, error: True)
        self.budget = budget
        self.loaded: dict[str, Translator] = {}
        self._loading: list[str] = []

    def path(self, name: str) -> str:
        if self.base_dir and not os.path.isabs(name):
            return os.path.join(self.base_dir, name)
        return name

    def compile(self, name: str, error=None, cache: bool = True) -> Translator:
        """The compiled translator `name` (TranslatorError naming file:line if bad);
        compiled once unless `cache` is False (an include)."""
        path = self.path(name)
        key = os.path.abspath(path)
        got = self.loaded.get(key) if cache else None
        if got is not None:
            return got
        fail = error or TranslatorError
        if key in self._loading or len(self._loading) >= MAX_NESTING:
            raise fail(f"translator {name!r} includes itself")
        try:
            with open(path, "rb") as fh:
                data = fh.read(self.MAX_BYTES + 1)
        except OSError as exc:
            raise fail(f"unable to open translator {name!r}: {exc.strerror}") from None
        if len(data) > self.MAX_BYTES:
            raise fail(f"translator {name!r} is larger than {self.MAX_BYTES >> 20} MiB")
        lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
        if self.log is not None:
            self.log("I", f'Loading translator "{name}"')
        if self.out is not None:
            self.out(self.BAR)
        self._loading.append(key)
        try:
            root = Node(FILE, key=name)
            _Compiler(self, name, lines).compile_into(root)
        except TranslatorError:
            if self.out is not None:
                self.out(self.BAR)
            raise
        finally:
            self._loading.pop()
        if self.out is not None:
            self.out(self.BAR)
        if self.log is not None:
            self.log("I", f'Translator "{name}" loaded successfully.')
        tr = Translator(name, root, self.budget)
        if cache:
            self.loaded[key] = tr
        return tr


__all__ = ["Translator", "TranslatorLoader", "TranslatorError", "TranslatorTimeout", "project"]
