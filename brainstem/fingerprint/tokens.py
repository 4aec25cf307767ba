"""Tokenizing a message for the template miner.

A message is cut into tokens with one precompiled regex. A token keeps the
whitespace in front of it folded to a single space, so ``"".join(tokens)`` is
the message with whitespace runs folded (:func:`normalize`). Words are split at
structural punctuation (``= : , ; ( ) [ ] { } " ' @ | < >``), which become
tokens of their own: ``uid=0`` is ``uid``, ``=``, ``0``, and its template is
``uid=<*>``. Dots, dashes, underscores and slashes stay inside words, so
``com.example.Main``, ``blk_-42`` and ``/var/log/x`` are one token each.
"""
from __future__ import annotations

import re

# Timestamps and bare IPv4:port addresses are one token even though they hold
# spaces or colons.
DATETIME = (
    r"(?:(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}(?:\s+\d{4})?"
    r"|\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?"
    r"|\d{1,3}(?:\.\d{1,3}){3}:\d{1,5})(?![\w:])"
)
# A word never ends in "." so the full stop of a sentence is its own token.
# The lookahead only spares the regex engine the timestamp alternatives where
# none can start (they begin with a digit or a day or month name).
_STAMP_START = r"(?=[\dMTWFSJAOND])"
_TOKEN_RE = re.compile(
    r"""(\s*)(?:""" + _STAMP_START + r"""(""" + DATETIME + r""")|([^\s=:,;()\[\]{}"'@|<>]*[^\s=:,;()\[\]{}"'@|<>.]|\S))"""
)
# The same tokens for a message that is already normalized (no whitespace but
# single spaces between tokens): the whole match is the token, space included.
_PLAIN_TOKEN_RE = re.compile(
    r""" ?(?:""" + _STAMP_START + DATETIME + r"""|[^\s=:,;()\[\]{}"'@|<>]*[^\s=:,;()\[\]{}"'@|<>.]|\S)"""
)
_WS_RE = re.compile(r"\s+")


def is_normalized(message: str) -> bool:
    """True when ``normalize(message) == message`` (cheap; the usual case)."""
    # isprintable() is False for every whitespace character but the ASCII space
    return message.isprintable() and "  " not in message and message[:1] != " " and message[-1:] != " "


def normalize(message: str) -> str:
    """The message with whitespace runs folded to one space and the ends stripped."""
    return _WS_RE.sub(" ", message).strip()


def tokenize(message: str) -> list[str]:
    """Tokens of ``message``; each carries one leading space if whitespace preceded it.

    ``"".join(tokenize(m)) == normalize(m)`` for every string ``m``.
    """
    if is_normalized(message):
        return _PLAIN_TOKEN_RE.findall(message)
    out = []
    append = out.append
    for sp, stamp, tok in _TOKEN_RE.findall(message):
        if stamp:
            tok = " ".join(stamp.split())
        if sp and out:
            append(" " + tok)
        else:
            append(tok)
    return out
