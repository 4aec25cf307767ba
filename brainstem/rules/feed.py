"""The command loop over lines of rule text (`brainstem nb`, `RuleEngine.load`), with
the fast path for the lines that make up most of an event stream:

    alert name="str",name=12,...;

to the top context. The first such line of a shape (the same names, each a string
or a number, in the same order) compiles one regular expression for the shape;
the following lines of that shape take one match and go straight to the engine's
alert program for those names (fastpath.py). Anything else, or a number out of
range, goes through the parser (commands.execute), which reports errors.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

from .cells import EPOCH
from .commands import execute, substitute
from .errors import RuleError, RuleSyntaxError

if TYPE_CHECKING:
    from .engine import RuleEngine

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_STR, _NUM = r'"([^"]*)"', r"(-?\d+(?:\.\d+)?)"
_FAST_ALERT = re.compile(rf'alert\s+((?:{_NAME}=(?:"[^"]*"|-?\d+(?:\.\d+)?)\s*,\s*)*'
                         rf'{_NAME}=(?:"[^"]*"|-?\d+(?:\.\d+)?))\s*;?\s*$')
_PAIR = re.compile(rf'({_NAME})=(?:"([^"]*)"|(-?\d+(?:\.\d+)?))')
_INF = float("inf")
_shapes: dict[tuple, tuple] = {}


def _shape(line: str):
    """(match, names, convert) for the shape of an alert line, or None if it has none:
    `match` is the bound match of a regex accepting exactly this shape, `convert`
    turns its groups into values (None when they are all strings already)."""
    if _FAST_ALERT.match(line) is None:
        return None
    pairs = _PAIR.findall(line)
    key = tuple((name, num != "") for name, _, num in pairs)   # findall gives "" for no group
    shape = _shapes.get(key)
    if shape is None:
        names = tuple(name for name, _ in key)
        body = r"\s*,\s*".join(re.escape(name) + "=" + (_NUM if num else _STR) for name, num in key)
        rx = re.compile(r"alert\s+" + body + r"\s*;?\s*$")
        nums = [i for i, (_, num) in enumerate(key) if num]
        convert = _converter(len(key), nums) if nums else None
        shape = _shapes[key] = (rx.match, names, convert)
    return shape


def _converter(n: int, nums: list[int]) -> Callable:
    parts = [f"float(g[{i}])" if i in nums else f"g[{i}]" for i in range(n)]
    checks = " or ".join(f"v[{i}] in INF" for i in nums)
    code = (f"def convert(g):\n    v = ({', '.join(parts)},)\n"
            f"    return None if {checks} else v\n")
    ns: dict = {"INF": (_INF, -_INF)}
    exec(code, ns)
    return ns["convert"]


def run_lines(engine: "RuleEngine", lines, source: str, echo: bool,
              flush: Callable[[], None] | None = None) -> list[str]:
    """Run commands line by line (an iterable of lines, newlines optional); an error
    is reported and the next line runs. With `echo`, each line goes to the engine's
    sink as `> line` first."""
    def chunks():
        for raw in lines:
            yield [raw.rstrip("\r\n")]
    return run_chunks(engine, chunks(), source, echo, flush)


def run_file(engine: "RuleEngine", fh, source: str, echo: bool,
             flush: Callable[[], None] | None = None, chunk: int = 1 << 20) -> list[str]:
    """run_lines for a text file (opened with newline=""), read a megabyte at a time."""
    def chunks():
        rest = ""
        while True:
            data = fh.read(chunk)
            if not data:
                if rest:
                    yield [rest[:-1] if rest[-1:] == "\r" else rest]
                return
            data = rest + data
            cut = data.rfind("\n") + 1
            if cut == 0:
                rest = data
                continue
            rest = data[cut:]
            block = data[:cut - 1].split("\n")    # only \n ends a line, as for NodeBrain
            if "\r" in data:
                block = [ln[:-1] if ln[-1:] == "\r" else ln for ln in block]
            yield block
    return run_chunks(engine, chunks(), source, echo, flush)


def run_chunks(engine: "RuleEngine", chunks, source: str, echo: bool,
               flush: Callable[[], None] | None = None) -> list[str]:
    errors: list[str] = []
    out = engine.sink if echo else None
    root = engine.root
    match = names = convert = prog = None
    prog_epoch = -1
    lineno = 0
    for lines in chunks:
        if flush is not None:
            flush()
        for line in lines:
            lineno += 1
            if match is not None:   # the shape of the previous alert line: one match
                m = match(line)
                if m is not None:
                    values = m.groups() if convert is None else convert(m.groups())
                    if values is not None:
                        if out is not None:
                            out("> " + line)
                        if EPOCH[0] != prog_epoch:
                            prog, prog_epoch = engine.alert_program(root, names), EPOCH[0]
                        prog(values)
                        continue
                    match = None
            if out is not None and line:
                if line.isspace():
                    continue        # NodeBrain echoes nothing for a blank line
                if line[0] == "$" and line[1:2].isspace():
                    # a substitution command is echoed (and run) as substituted
                    line = substitute(engine, root, line[1:].strip())
                out("> " + line)
            if line[:6] == "alert " and engine._fast:
                shape = _shape(line)
                if shape is not None:
                    match, names, convert = shape
                    values = match(line).groups()
                    if convert is not None:
                        values = convert(values)
                    if values is not None:
                        prog, prog_epoch = engine.alert_program(root, names), EPOCH[0]
                        prog(values)
                        continue
            _execute(engine, root, line, source, lineno, errors)
    return errors


def _execute(engine: "RuleEngine", root, line: str, source: str, lineno: int, errors: list) -> None:
    try:
        execute(engine, root, line)
    except RuleSyntaxError as exc:
        if exc.column:
            msg = f"{source}:{lineno}:{exc.offset + 1}: {exc.message} at {exc.token!r}"
        else:
            msg = f"{source}:{lineno}: {exc.message}"
        errors.append(msg)
        engine.message("E", msg)
        engine.react()
    except RuleError as exc:
        msg = f"{source}:{lineno}: {exc}"
        errors.append(msg)
        engine.message("E", msg)
        engine.react()
    except RecursionError:
        # a chain of thousands of cells defined one on another: refused, not fatal
        msg = f"{source}:{lineno}: rules nested too deeply to evaluate"
        errors.append(msg)
        engine.message("E", msg)


__all__ = ["run_lines", "run_file", "run_chunks"]
