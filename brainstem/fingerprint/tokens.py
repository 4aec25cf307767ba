"""Tokenizing a message for the template miner.

A message is cut into tokens with one precompiled regex. A token keeps the
whitespace in front of it folded to a single space, so ``"".join(tokens)`` is
the message with whitespace runs folded (:func:`normalize`). Words are split at
structural punctuation (``= : , ; ( ) [ ] { } " ' @ | < >``), which become
tokens of their own: ``uid=0`` is ``uid``, ``=``, ``0``, and its template is
``uid=<*>``. Dots, dashes, underscores and slashes stay inside words, so
``com.example.Main``, ``blk_-42`` and ``/var/log/x`` are one token each.

Some values are one token although they hold that punctuation or spaces
(:data:`SPECIAL`): timestamps in the common notations, addresses (IPv4 and
IPv6, with or without a port, ``host:port`` where the host is a DNS name or a
dashed name, ``host/1.2.3.4:80``), MAC and e-mail addresses, numbers with
thousands separators (``1,234,567``), URLs, paths with their
query string, Windows paths; and the content of a quoted string
(:data:`QUOTED`) unless it is a message (the value of ``msg=`` and the like,
or a quoted string that opens the message) or an HTTP request line, whose
words are tokenized as usual.

Which digit is where never matters here (only whether a character is a
digit): see :mod:`.shapes`.
"""
from __future__ import annotations

import re

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_ZONE = r"(?:Z|[+-]\d{2}:?\d{2})"
_CLOCK = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?"
_ZONE_NAME = r"(?:\s+(?:UTC|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|CET|CEST|BST|IST|JST|AEST|AEDT|MSK|HKT|SGT|KST))"
# Timestamps and clock times (also durations written as clocks: 01:02:03, 02:25):
# [Tue] Jun 20 03:40:59 [UTC] [2005], Mon, 02 Jan 2006 15:04:05, 2015-10-18[T ]18:01:47,978[Z| UTC],
# 2006/01/02 15:04:05, 10/Oct/2000:13:55:36 -0700, 18:01:47.5, 02:25.
_DATETIME_NAMED = (
    r"(?:" + _DAY + r",?\s+)?(?:" + _MONTH + r"\s+\d{1,2},?\s+" + _CLOCK + _ZONE_NAME + r"?(?:\s+\d{4})?"
    r"|\d{1,2}\s+" + _MONTH + r"\s+\d{4}\s+" + _CLOCK + r")"
)
_DATETIME_DIGITS = (
    r"\d{4}[-/]\d{2}[-/]\d{2}[T ]" + _CLOCK + r"(?:" + _ZONE + r"|" + _ZONE_NAME + r")?"
    r"|\d{1,2}(?:/" + _MONTH + r"/\d{4}:\d{2}:\d{2}:\d{2}(?:\s[+-]\d{4})?"
    r"|:\d{2}(?::\d{2}(?:[.,]\d+)?" + _ZONE + r"?|(?=[^\w:.]|\.(?!\d)|$))"
    r"|\s+" + _MONTH + r"\s+\d{4}\s+" + _CLOCK + r")"
)
_END = r"(?![\w:])"
DATETIME = r"(?:" + _DATETIME_NAMED + r"|" + _DATETIME_DIGITS + r")" + _END
_PORT = r"\d{1,5}(?![\w]|[.:]\d)"
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_H16 = r"[0-9a-fA-F]{1,4}"
# IPv6: eight groups, or fewer around one "::", maybe ending in an IPv4 address.
IPV6 = (
    r"(?:(?:" + _H16 + r":){7}" + _H16 +
    r"|(?:" + _H16 + r"(?::" + _H16 + r"){0,6})?::(?:(?:" + _H16 + r":){0,5}(?:" + _IPV4 + r"|" + _H16 + r"))?)"
    r"(?:%[\w.]+)?"
)
# A host name that can carry a port: a DNS name (its last label lower case,
# which keeps "state.lastValue:1" apart), a dashed name (msra-sa-41), localhost.
# A source file's name is not a host: "(Main.java:42)" is a file and a line.
_SOURCE = r"(?:java|scala|kt|groovy|py|go|js|ts|rb|c|h|cc|cpp|hpp|cs|rs|php|pl|swift|lua|ex|exs|erl)(?![\w-])"
_HOST = (r"(?:(?:[A-Za-z0-9_-]++\.)+(?!" + _SOURCE + r")[a-z][a-z0-9-]*"
         r"|[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+|localhost)")
_URL = r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s\"'<>(){}|\\^`,;]*[^\s\"'<>(){}|\\^`,;.:!?\]])?"
_PATH = r"(?:\.{1,2}|~)?/(?:[^\s\"'<>(){}\[\]|,;]*[^\s\"'<>(){}\[\]|,;.:!?=])?(?=[\s\"'<>(){}\[\]|,;.:!?]|$)"
_WINPATH = r"[A-Za-z]:\\(?:[^\s\"'<>|,;]*[^\s\"'<>|,;.:])?"
_MAC = r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}(?![\w:])"
EMAIL = r"[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w.-])"
# Special tokens tried before a word: they start like one (a digit, a day or
# month name, "/", "[") or hold what a word would stop at (spaces, "=").
_FIRST_SPECIAL = (
    r"(?=\d)(?:(?:" + _DATETIME_DIGITS + r")" + _END + r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w,]))"
    r"|(?=[A-Z][a-z]{2}[\s,])(?:" + _DATETIME_NAMED + r")" + _END +
    r"|(?=[/.~])" + _PATH +
    r"|\[" + IPV6 + r"\](?::" + _PORT + r")?"
)
# Special tokens tried only where a word would stop at ":" followed by a
# digit, a hex digit, "/", "\\" or ":", or at "@", so an ordinary word costs
# nothing more.
_LATER_SPECIAL = (
    r"(?=[\w.%+/-]*+(?::[\da-fA-F/\\:]|@)|::)"
    r"(?:(?:" + _HOST + r"(?:/" + _IPV4 + r")?|" + _IPV4 + r"):" + _PORT +
    r"|" + _URL +
    r"|" + EMAIL +
    r"|" + _MAC +
    r"|" + IPV6 + r"(?![\w:.])"
    r"|" + _WINPATH + r")"
)
SPECIAL = r"(?:" + _FIRST_SPECIAL + r"|" + _LATER_SPECIAL + r")"
# After a word: nothing a later special token could go on with.
_NOT_LATER = r"(?!:[\da-fA-F/\\:]|@)"

# Keys whose quoted value is a message, tokenized word by word.
MESSAGE_KEYS = ("msg", "message", "error", "err", "reason", "event", "description", "output", "detail",
                "details", "text", "summary", "cause", "exception", "log")
_HTTP_METHODS = r"(?:GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|CONNECT|TRACE|PROPFIND)"


def _quoted(q: str) -> str:
    """The content of a string quoted with ``q``, as one token (see the module docstring)."""
    not_message = "".join(
        f"(?<!{re.escape(key + sep)})" for key in MESSAGE_KEYS
        for sep in (f"={q}", f"{q}:{q}", f"{q}: {q}", f": {q}"))
    return (rf"(?<=[\s=(\[{{:,]{q}){not_message}(?!{_HTTP_METHODS} |\s)"
            rf"(?:[^{q}\\]|\\.)*(?:[^{q}\\\s]|\\.)(?={q})")


QUOTED = r"(?<=[\"'])(?:" + _quoted('"') + "|" + _quoted("'") + ")"

_WORD = r"""[^\s=:,;()\[\]{}"'@|<>]*[^\s=:,;()\[\]{}"'@|<>.]"""
# Punctuation that never starts a special token, matched first because it is
# common (so a quoted string that starts with it is not one token).
_PUNCT = r"[=,;(){}|<>\]]"
# Groups: 1 the whitespace before a token; 3 and 4 tokens that may hold
# whitespace (folded to one space); 2, 5, 6 and 7 other tokens. A word never
# ends in "." so the full stop of a sentence is its own token.
_TOKEN_RE = re.compile(
    r"(\s*)(?:(" + _PUNCT + r")|(" + QUOTED + r")|(" + _FIRST_SPECIAL + r")|((?>" + _WORD + r"))" + _NOT_LATER + r"|(" +
    _LATER_SPECIAL + r")|(" + _WORD + r"|\S))"
)
# The same tokens for a message that is already normalized (no whitespace but
# single spaces between tokens): the whole match is the token, space included.
_PLAIN_TOKEN_RE = re.compile(
    r" ?(?:" + _PUNCT + r"|" + QUOTED + r"|" + _FIRST_SPECIAL + r"|(?>" + _WORD + r")" + _NOT_LATER + r"|" + _LATER_SPECIAL +
    r"|" + _WORD + r"|\S)"
)
# The same tokens for a normalized message that is *simple*: it holds none of
# " ' @ / and each of its ":" and "," is followed by a space or ends it. Then no
# alternative of _PLAIN_TOKEN_RE but the words and \S can match anywhere, so this
# regex (about half the work) finds the same tokens:
# - QUOTED needs a quote before it;
# - every timestamp holds a clock (":" and a digit) or a "/", the thousands
#   separator is "," and a digit, a path starts with "/" (after "." or "~"), an IPv6
#   address holds ":" and a hex digit or "::";
# - _NOT_LATER and _LATER_SPECIAL's lookahead need ":" and a hex digit, "/", "\\" or
#   ":", or "@", so the atomic word always stands and _LATER_SPECIAL never starts;
# - the non-atomic word fails wherever the atomic one did, and a _PUNCT character,
#   which no word holds, is one \S.
# tests/fingerprint/test_tokens.py checks it against _PLAIN_TOKEN_RE.
_SIMPLE_TOKEN_RE = re.compile(r" ?(?:(?>" + _WORD + r")|\S)")
_WS_RE = re.compile(r"\s+")


def is_simple(message: str) -> bool:
    """A normalized message that :data:`_SIMPLE_TOKEN_RE` tokenizes (see there)."""
    return ('"' not in message and "'" not in message and "@" not in message and "/" not in message
            and message.count(":") == message.count(": ") + (message[-1:] == ":")
            and message.count(",") == message.count(", ") + (message[-1:] == ","))


def tokenize_plain(message: str) -> list[str]:
    """``tokenize(message)`` for a normalized message (``is_normalized(message)``)."""
    if is_simple(message):
        return _SIMPLE_TOKEN_RE.findall(message)
    return _PLAIN_TOKEN_RE.findall(message)


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
        return tokenize_plain(message)
    out: list[str] = []
    append = out.append
    for sp, punct, quoted, first, word, later, other in _TOKEN_RE.findall(message):
        spaced = quoted or first
        if spaced:
            tok = " ".join(spaced.split())
        else:
            tok = punct or word or later or other
        if sp and out:
            append(" " + tok)
        else:
            append(tok)
    return out
