"""A template (cluster) and how a message compares to it.

Token classes, the head index key, similarity, the differences that make a
template generalize or wait for evidence, stretchable ``<*>`` alignment and
merging compatibility. :mod:`.miner` drives these; nothing here changes a
miner's indexes.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import filterfalse
from operator import ne as _ne

from .masking import VAR, kind, signature
from .tokens import MESSAGE_KEYS as _MESSAGE_KEYS

# The defaults of the miner's two knobs (TemplateMiner(similarity=..., evidence=...)):
# the least share of agreeing word positions for a message to join a template,
SIMILARITY = 0.5
# and how many distinct words must be seen at a position before it is taken for a variable.
EVIDENCE = 3
# How many tokens longer or shorter a template may be for a stretch (see TemplateMiner._stretch).
STRETCH = 8


class Cluster:
    __slots__ = ("cid", "key", "tokens", "wild", "wild_at", "cls", "head", "text", "version",
                 "count", "last_time", "last_seq", "seen", "flex", "names")

    def __init__(self, cid: int, key: str, tokens: list[str], version: int = 1, count: int = 0,
                 last_time: float | int = 0.0, last_seq: int = 0, flex: int = -1) -> None:
        self.cid = cid
        self.key = key
        self.version = version
        self.count = count
        self.last_time = last_time
        self.last_seq = last_seq
        # position -> distinct words seen there (at most the miner's evidence), for positions
        # where messages differed by a plain word but did not yet prove a variable
        self.seen: dict[int, list[str]] = {}
        # index of the one <*> that may stand for any number of tokens, or -1
        self.flex = flex
        self.set_tokens(tokens)

    def set_tokens(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.wild = [t.endswith(VAR) for t in tokens]
        self.wild_at = tuple([i for i, w in enumerate(self.wild) if w])  # where the variables are
        self.cls = classes(tokens, template=True)
        self.head = head(tokens, self.cls)
        if self.flex >= 0:  # words from the stretchable <*> on have no fixed place
            self.head = head(tokens[:self.flex], self.cls[:self.flex])
        self.text = "".join(tokens)
        # masking.context_names of the template, when first needed
        self.names: tuple[str | None, ...] | None = None


PUNCTUATION = frozenset("=:,;()[]{}\"'@|<>.")
HEAD_WORDS = 2

# Token classes. A message token is PLAIN (a word), VALUE (looks like a
# value: a masked variable, a word with digits, a quoted phrase, a boolean,
# the value in key=value, the whole of a quoted string, a unit after a
# number) or PUNCT. A template token can also be WILD (<*>). Differing VALUEs
# generalize at once; differing PLAIN words only after the miner's evidence.
PLAIN, VALUE, PUNCT, WILD = 0, 1, 2, 3
_BOOLS = frozenset(["true", "false", "null", "none", "True", "False", "None", "NULL", "TRUE", "FALSE"])
# Units written apart from their number ("12 KB", "3 seconds"): part of the
# value, so "12 KB" and "3 MB" are one template, while a unit that never
# changes stays literal ("took <*> ms").
UNITS = frozenset("""B KB MB GB TB PB kB KiB MiB GiB TiB b kb mb gb bytes byte
    ns us µs ms s sec secs second seconds min mins minute minutes h hr hrs hour hours d day days
    millis milliseconds msec msecs usec % AM PM am pm""".split())
# Words that tell requests apart and never become a variable between themselves.
STRUCTURE = frozenset("GET POST PUT DELETE HEAD OPTIONS PATCH CONNECT TRACE PROPFIND".split())
_QUOTES = ('"', "'")
_SPACED_QUOTES = (' "', " '")
_ALL_QUOTES = _QUOTES + _SPACED_QUOTES
_OPENERS = frozenset("=([{:,")
MESSAGE_KEYS = frozenset(_MESSAGE_KEYS)


def _quoted_value(tokens: Sequence[str], i: int) -> bool:
    """Token ``i`` is the whole content of a quoted string that holds a value, not a message.

    The same strings as :data:`.tokens.QUOTED` (an opening quote after
    whitespace or one of ``= ( [ { : ,``, not opening the message, not the
    value of a message key), for one-word contents too; not a key (a quoted
    string followed by ``:``).
    """
    if i < 1 or i + 1 >= len(tokens) or tokens[i][:1] == " ":
        return False
    q = tokens[i - 1]
    if q in _SPACED_QUOTES:
        q = q[1]
    elif q not in _QUOTES or i < 2 or tokens[i - 2][-1:] not in _OPENERS:
        return False
    if tokens[i + 1] != q:
        return False
    if i + 2 < len(tokens) and tokens[i + 2].lstrip(" ") == ":":
        return False  # a key: {"level": …}
    # the value of a message key: key="…", "key":"…", "key": "…", key: "…"
    before = tokens[i - 2].strip() if i >= 2 else ""
    if before == "=" or before == ":":
        key = tokens[i - 3].strip() if i >= 3 else ""
        if key == q and before == ":" and i >= 4:
            key = tokens[i - 4].strip()
        if key in MESSAGE_KEYS:
            return False
    return True


def _in_context(tokens: list[str], cls: list[int]) -> None:
    """Make PLAIN words VALUE where their neighbours say so (in place): the value of
    ``key=value`` and the content of a quoted string. (Units after a number are
    found by the callers, which know where the units are.)"""
    n = len(tokens)
    # list scans (count, index) run in C; the Python loops only visit the hits
    if "=" in tokens:
        i = 0
        for _ in range(tokens.count("=")):
            i = tokens.index("=", i) + 1
            if i < n and cls[i] == PLAIN and tokens[i][0] != " ":
                cls[i] = VALUE
    for q in _ALL_QUOTES:
        if q in tokens:
            i = 0
            for _ in range(tokens.count(q)):
                i = tokens.index(q, i) + 1
                if i < n and cls[i] == PLAIN and _quoted_value(tokens, i):
                    cls[i] = VALUE


def classes(tokens: list[str], template: bool) -> list[int]:
    out = []
    prev = ""
    isdigit = str.isdigit
    for tok in tokens:
        sp = tok[:1] == " "
        core = tok[1:] if sp else tok
        if core.isalpha():  # the usual word: no digit, no space, no punctuation
            k = VALUE if core in _BOOLS or (sp and core in UNITS and prev.endswith(VAR)) else PLAIN
        elif core == VAR:
            k = WILD if template else VALUE
        elif core in PUNCTUATION:
            k = PUNCT
        elif " " in core or any(map(isdigit, core)) or (sp and core in UNITS and prev.endswith(VAR)):
            k = VALUE
        else:
            k = PLAIN
        out.append(k)
        prev = tok
    if len(out) > 1:
        _in_context(tokens, out)
    return out


def head(tokens: Sequence[str], cls: Sequence[int]) -> tuple[str, ...]:
    """The first words (punctuation skipped) as a lookup key, variables as ``<*>``."""
    words: list[str] = []
    for tok, k in zip(tokens, cls):
        if k == PUNCT:
            continue
        words.append(tok.lstrip(" ") if k == PLAIN else VAR)
        if len(words) == HEAD_WORDS:
            break
    return tuple(words)


def head_patterns(head: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every head a template could have and still cover ``head``: each word or ``<*>``."""
    out: list[tuple[str, ...]] = [()]
    for w in head:
        if w == VAR:
            out = [p + (VAR,) for p in out]
        else:
            out = [p + (x,) for p in out for x in (w, VAR)]
    return out


_TOKEN_MEMO_MAX = 200_000
# A literal token with ASCII digits (a soft variable, class VALUE), as mask_soft's memo writes it.
SOFT = 4
# A unit word (class PLAIN unless it follows a number), as mask_soft's memo writes it.
UNIT = 5
# "=" and the quotes (class PUNCT), as mask_soft's memo writes them: where to look for context.
EQ, QUOTE = 6, 7
# token -> masked token, and token -> class before context (SOFT for a soft variable)
_masked_memo: dict[str, str] = {}
_class_memo: dict[str, int] = {}
# token signature (see shapes.signature) -> (hard variable, class before context or SOFT)
_token_sig_memo: dict[bytes, tuple[bool, int]] = {}
# masked tokens -> (classes as bytes, soft indexes, the masked tokens), see mask_shape
_CONTEXT_MEMO_MAX = 50_000
_context_memo: dict[tuple[str, ...], tuple[bytes, tuple[int, ...], tuple[str, ...]]] = {}


_SPACED_VAR = " " + VAR
_ASCII_DIGIT = re.compile(r"[0-9]").search


def _learn_token(tok: str) -> tuple[str, int]:
    """Memoize a message token's masked form and class (SOFT for a soft variable); return both.

    Neither depends on which digit is where (see :mod:`.shapes`), so a token
    never seen before is looked up by its signature before it is classified:
    ``10.0.0.1`` is answered by what ``10.0.0.7`` found.
    """
    sig = signature(tok)
    got = _token_sig_memo.get(sig)
    if got is None:
        core = tok[1:] if tok[0] == " " else tok
        if kind(core):
            got = (True, VALUE)
        else:
            k = classes([tok], template=False)[0]
            got = (False, SOFT if _ASCII_DIGIT(core) else UNIT if core in UNITS
                   else EQ if tok == "=" else QUOTE if tok in _ALL_QUOTES else k)
        if len(_token_sig_memo) >= _TOKEN_MEMO_MAX:
            _token_sig_memo.clear()
        _token_sig_memo[sig] = got
    hard, k = got
    masked = (_SPACED_VAR if tok[0] == " " else VAR) if hard else tok
    _masked_memo[tok] = masked
    _class_memo[tok] = k
    return masked, k


def mask_soft(tokens: list[str]) -> tuple[list[str], list[int], list[int]]:
    """:func:`mask`, and the indexes of the soft variables (literal tokens with ASCII digits)."""
    masked, cls, soft = mask_shape(tokens)
    return list(masked), list(cls), list(soft)


def mask_soft_slow(tokens: list[str]) -> tuple[list[str], list[int], list[int]]:
    """What :func:`mask_soft` gives, the plain way (one token at a time), to test it against."""
    masked, cls, soft = [], [], []
    for i, tok in enumerate(tokens):
        m, k = _learn_token(tok)
        masked.append(m)
        if k == SOFT:
            k = VALUE
            soft.append(i)
        cls.append(k)
    n = len(tokens)
    for i in range(n):
        if cls[i] == UNIT:
            cls[i] = VALUE if i and tokens[i][0] == " " and masked[i - 1].endswith(VAR) else PLAIN
    for i in range(n):
        if cls[i] == EQ:
            cls[i] = PUNCT
            if i + 1 < n and cls[i + 1] == PLAIN and tokens[i + 1][0] != " ":
                cls[i + 1] = VALUE
    for i in range(n):
        if cls[i] == QUOTE:
            cls[i] = PUNCT
            if i + 1 < n and cls[i + 1] == PLAIN and _quoted_value(masked, i + 1):
                cls[i + 1] = VALUE
    return masked, cls, soft


def mask_shape(tokens: list[str]) -> tuple[tuple[str, ...], bytes, tuple[int, ...]]:
    """:func:`mask_soft` as :class:`.shapes.Shape` keeps it: tuples, the classes as bytes."""
    if len(_masked_memo) >= _TOKEN_MEMO_MAX:
        _masked_memo.clear()
        _class_memo.clear()
    # every token in the memos first (the loop visits only the new ones), then one
    # lookup per token in C
    for tok in filterfalse(_masked_memo.__contains__, tokens):
        _learn_token(tok)
    # The classes and the soft indexes are a function of the masked tokens: a
    # masked token is the token itself, or <*> (with its space) for a hard
    # variable, whose class is VALUE, as for a literal "<*>"; and the context
    # rules read only masked tokens and their leading spaces (a token's). So they
    # are memoized by the masked tokens, which messages of many signatures share.
    # The memo also holds the first tuple of those masked tokens, returned instead
    # of an equal new one: the shapes of those signatures keep one tuple, not one
    # each, and the miner's lookups by masked tokens find their keys by identity.
    try:
        masked = tuple(map(_masked_memo.__getitem__, tokens))
        got = _context_memo.get(masked)
        if got is None:
            got = (*_context(tokens, masked), masked)
            if len(_context_memo) >= _CONTEXT_MEMO_MAX:
                _context_memo.clear()
            _context_memo[masked] = got
    except KeyError:  # another thread emptied the memos meanwhile
        ml, cl, sl = mask_soft_slow(tokens)
        return tuple(ml), bytes(cl), tuple(sl)
    return got[2], got[0], got[1]


def _context(tokens: list[str], masked: tuple[str, ...]) -> tuple[bytes, tuple[int, ...]]:
    """Classes (as bytes) and soft indexes of masked tokens, the context rules applied."""
    cb = bytes(map(_class_memo.__getitem__, tokens))
    if SOFT not in cb and UNIT not in cb and EQ not in cb and QUOTE not in cb:
        return cb, ()
    soft: list[int] = []
    cls = bytearray(cb)
    find = cls.find
    i = find(SOFT)
    while i >= 0:
        cls[i] = VALUE
        soft.append(i)
        i = find(SOFT, i + 1)
    n = len(tokens)
    i = find(UNIT)
    while i >= 0:  # a unit after a number is part of the value
        cls[i] = VALUE if i and tokens[i][0] == " " and masked[i - 1].endswith(VAR) else PLAIN
        i = find(UNIT, i + 1)
    i = find(EQ)
    while i >= 0:  # the value in key=value (as _in_context)
        cls[i] = PUNCT
        if i + 1 < n and cls[i + 1] == PLAIN and tokens[i + 1][0] != " ":
            cls[i + 1] = VALUE
        i = find(EQ, i + 1)
    i = find(QUOTE)
    while i >= 0:  # the content of a quoted string (as _in_context)
        cls[i] = PUNCT
        if i + 1 < n and cls[i + 1] == PLAIN and _quoted_value(masked, i + 1):
            cls[i + 1] = VALUE
        i = find(QUOTE, i + 1)
    return bytes(cls), tuple(soft)


def mask(tokens: list[str]) -> tuple[list[str], list[int]]:
    """Tokens with hard variables replaced by ``<*>``, and each token's class.

    The same classes as ``classes(masked, template=False)``, faster.
    """
    masked, cls, _ = mask_soft(tokens)
    return masked, cls


def similarity(tt: Sequence[str], tc: Sequence[int], mt: Sequence[str], mc: Sequence[int]) -> tuple[float, int] | None:
    """How well a template (tt, tc) fits tokens (mt, mc) of the same length.

    None when punctuation differs (another structure). Otherwise (score, equal):
    the share of word positions that agree (equal, or a variable/digits on both
    sides) and the count of equal word tokens.
    """
    agree = equal = words = 0
    for t, a, m, b in zip(tt, tc, mt, mc):
        if a == PUNCT or b == PUNCT:
            if t != m:
                return None
            continue
        words += 1
        if t == m:
            agree += 1
            equal += 1
        elif a == WILD or (a == VALUE and b == VALUE):
            agree += 1
    if not words:
        return 1.0, 0
    return agree / words, equal


def align(c: Cluster, tokens: Sequence[str], masked: Sequence[str], cls: Sequence[int]
           ) -> tuple[list[str], list[str], list[int]] | None:
    """The message seen through a stretchable template: its middle tokens joined into one.

    None when the message is too short, or when the template's ``<*>`` wants a
    space in front that the message does not have.
    """
    f = c.flex
    n = len(masked)
    tail = len(c.tokens) - f - 1
    end = n - tail
    if end < f:
        return None
    if c.tokens[f][:1] == " " and (end == f or masked[f][:1] != " "):
        return None
    joined = "".join(tokens[f:end])
    return ([*tokens[:f], joined, *tokens[end:]],
            [*masked[:f], "".join(masked[f:end]), *masked[end:]],
            [*cls[:f], VALUE, *cls[end:]])


def agree(t: str, a: int, m: str, b: int) -> bool:
    if t == m:
        return True
    if a == PUNCT or b == PUNCT:
        return False
    return a == WILD or (a == VALUE and b == VALUE)


def stretch_cut(c: Cluster, masked: Sequence[str], cls: Sequence[int]) -> tuple[int, int, str] | None:
    """(prefix length, suffix length, the <*> token) when ``c`` can stretch to the message."""
    tt, tc = c.tokens, c.cls
    length, n = len(tt), len(masked)
    short = min(length, n)
    p = 0
    while p < short and agree(tt[p], tc[p], masked[p], cls[p]):
        p += 1
    s = 0
    while s < short - p and agree(tt[length - 1 - s], tc[length - 1 - s], masked[n - 1 - s], cls[n - 1 - s]):
        s += 1
    if p + s == short:
        # one side has nothing in the middle: take in a variable beside it, so
        # that "in <*> ms" and "in <*>" (5 ms, 1.2s) become one "in <*>"
        if p and tc[p - 1] != PUNCT and tc[p - 1] != PLAIN and cls[p - 1] == VALUE:
            p -= 1
        elif s and tc[length - s] != PUNCT and tc[length - s] != PLAIN and cls[n - s] == VALUE:
            s -= 1
    if 2 * (p + s) < max(length, n) or min(length, n) - p - s > 1:
        return None
    mid_t, mid_m = tt[p:length - s], masked[p:n - s]
    if any(k == PLAIN for k in tc[p:length - s]) or any(k == PLAIN for k in cls[p:n - s]):
        return None
    kept = tc[:p] + tc[length - s:]
    if PLAIN not in kept or len(kept) - kept.count(WILD) < 2:
        return None  # too little left to recognize the template by
    firsts = [m[0] for m in (mid_t, mid_m) if m]
    spaced = all(f[:1] == " " for f in firsts)
    if spaced and len(firsts) < 2:
        return None  # one side empty: "a <*> b" would not match "a b"
    return p, s, " " + VAR if spaced else VAR


def differences(c: Cluster, masked: Sequence[str], cls: Sequence[int], evidence: int = EVIDENCE
                ) -> tuple[list[int], list[int]]:
    """Where ``c`` must generalize to take the message, and where it may not yet.

    A position generalizes when the template and message differ and either side
    has digits, or when ``evidence`` distinct words have been seen there, unless
    both are :data:`STRUCTURE` words. Other differing positions are returned as
    unproven.
    """
    gen: list[int] = []
    unproven: list[int] = []
    tt, tc = c.tokens, c.cls
    # the usual case is few differing positions: find them in C, visit only those
    ne = list(map(_ne, tt, masked))
    i = -1
    for _ in range(ne.count(True)):
        i = ne.index(True, i + 1)
        t, a, m, b = tt[i], tc[i], masked[i], cls[i]
        if a == WILD:
            if t[0] == " " and m[:1] != " ":
                gen.append(i)  # "<*>" loses its leading space
            continue
        if a == VALUE or b == VALUE:
            gen.append(i)
        elif t.lstrip(" ") in STRUCTURE and m.lstrip(" ") in STRUCTURE:
            unproven.append(i)  # GET and POST are two requests, however many methods are seen
        elif len(union(c.seen.get(i), evidence, t, m)) >= evidence:
            gen.append(i)
        else:
            unproven.append(i)
    return gen, unproven


def union(seen: list[str] | None, cap: int, *words: str) -> list[str]:
    """``seen`` with ``words`` added, at most ``cap`` distinct words."""
    out = list(seen) if seen else []
    for w in words:
        if w not in out and len(out) < cap:
            out.append(w)
    return out


def compatible(a: Cluster, b: Cluster, threshold: float = SIMILARITY) -> bool:
    """Templates that differ only where one side is a variable, and are similar enough."""
    for t, u, tw, uw in zip(a.tokens, b.tokens, a.wild, b.wild):
        if t != u and not tw and not uw:
            return False
    r = similarity(a.tokens, a.cls, b.tokens, [VALUE if k == WILD else k for k in b.cls])
    return r is not None and r[0] >= threshold
