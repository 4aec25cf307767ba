"""Checking untrusted NodeBrain text without side effects: the entry points for
fuzzing (bench/fuzz.py) and for validating rules before they are deployed.

`check(text)` runs rule text in a fresh, sandboxed engine: no shell, no `-sleep`,
no node that reads files (translator, audit, syslog), the clock fixed at 0. It
returns the number of lines and raises `LoadError` (its `.errors` name
source:line[:col]) when any line is refused, and nothing else: any other
exception is a bug. `check_translator(nbx, lines)` compiles translator text
(`TranslatorError` naming source:line) and runs lines through it, returning the
commands it emits; a line past the regex budget is a TranslatorTimeout inside
the returned messages, never a hang.
"""
from __future__ import annotations

from typing import Iterable

from .engine import RuleEngine
from .errors import LoadError
from .translator import Node, FILE, Translator, TranslatorError, TranslatorTimeout, _Compiler

MAX_CHECK_LINE = 1 << 20    # characters in one line of checked text


def check(text: str, source: str = "<rules>") -> int:
    """Run `text` in a sandboxed engine; raise LoadError listing every refused line."""
    lines = text.splitlines()
    for i, line in enumerate(lines, 1):
        if len(line) > MAX_CHECK_LINE:
            raise LoadError([f"{source}:{i}: line longer than {MAX_CHECK_LINE} characters"])
    eng = RuleEngine(now=0.0)
    eng.sandbox = True
    eng.load(text, source)
    return len(lines)


class _Loader:
    """Translator includes and links are refused when checking (no file access)."""
    out = None
    log = None
    budget = 0.05

    def value(self, text: str, error) -> object:
        return True

    def compile(self, name: str, error=None, cache: bool = True):
        raise (error or TranslatorError)(f"translator {name!r}: files are not read when checking")


def check_translator(nbx: str, lines: Iterable[str] = (), source: str = "<translator>") -> list[str]:
    """Compile translator text and run `lines` through it; return what it emits
    (commands, and `NB000E ...` for a line that ran past the regex budget). Raises
    TranslatorError (naming source:line) when the text does not compile."""
    root = Node(FILE, key=source)
    _Compiler(_Loader(), source, nbx.splitlines(keepends=True)).compile_into(root)
    tr = Translator(source, root, _Loader.budget)
    out: list[str] = []
    for line in lines:
        try:
            tr.translate(line, out.append)
        except TranslatorTimeout as exc:
            out.append(f"NB000E {exc}")
    return out


__all__ = ["check", "check_translator", "LoadError", "TranslatorError", "MAX_CHECK_LINE"]
