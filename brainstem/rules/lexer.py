"""Tokenizer for NodeBrain rule text (one command at a time).

Tokens are (kind, text, offset) tuples; kinds: NUM, STR, NAME, OP, END. A NAME may
be dotted (`ops.reason`) or dot-prefixed (`.level`, `..x`, `@.x`): the parser
resolves it against a context. Tokens are produced on demand so that a rule's
`:command` tail, which is not rule language, is never tokenized.
"""
from __future__ import annotations

import re

from .errors import RuleSyntaxError

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
  | (?P<str>"[^"]*")
  | (?P<name>(?:\.+|@\.)?(?:[A-Za-z_][A-Za-z0-9_]*|'[^']*')(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|'[^']*'))*)
  | (?P<op>==|<>|<=|>=|!!|!\?|[=<>+\-*/!?&|~()\[\]{},;:@^$#])
    """,
    re.VERBOSE,
)

NUM, STR, NAME, OP, END = "NUM", "STR", "NAME", "OP", "END"


class Lexer:
    """One-token lookahead over `text`; `#` ends the tokens (comment)."""

    __slots__ = ("text", "pos", "_peeked", "gap")

    def __init__(self, text: str, pos: int = 0) -> None:
        self.text = text
        self.pos = pos
        self._peeked: tuple[str, str, int] | None = None
        self.gap = False  # whether whitespace preceded the last token read

    def _scan(self) -> tuple[str, str, int]:
        text, n = self.text, len(self.text)
        gap = False
        while self.pos < n:
            m = _TOKEN.match(text, self.pos)
            if m is None:
                ch = text[self.pos]
                what = "unterminated string" if ch == '"' else "unexpected character"
                raise RuleSyntaxError(what, self.pos, text[self.pos:self.pos + 12])
            kind, tok, start = m.lastgroup, m.group(), self.pos
            self.pos = m.end()
            if kind == "ws":
                gap = True
                continue
            if tok == "#" and kind == "op":
                self.pos = n
                break
            self.gap = gap
            return (kind.upper(), tok, start)  # type: ignore[union-attr]
        self.gap = gap
        return (END, "", n)

    def peek(self) -> tuple[str, str, int]:
        if self._peeked is None:
            self._peeked = self._scan()
        return self._peeked

    def next(self) -> tuple[str, str, int]:
        tok = self.peek()
        self._peeked = None
        return tok

    def give_back(self, tok: tuple[str, str, int]) -> None:
        """Undo the last next() (one token of push-back beyond the lookahead)."""
        if self._peeked is not None:
            self.pos = self._peeked[2]
        self._peeked = tok

    def rest(self) -> str:
        """The raw text after the last token read (peeked tokens are given back)."""
        if self._peeked is not None:
            start = self._peeked[2]
            self._peeked = None
            self.pos = start
        return self.text[self.pos:]


def tokenize(text: str) -> list[tuple[str, str, int]]:
    lx = Lexer(text)
    out = []
    while True:
        tok = lx.next()
        out.append(tok)
        if tok[0] == END:
            return out
