"""The template miner: messages in, stable signatures (templates with keys) out.

How a message finds its template (the hot path is :meth:`TemplateMiner.learn`):

1. An exact-message cache answers repeated messages with one dict lookup.
2. Otherwise the message is tokenized (:mod:`.tokens`) and its obvious
   variables are masked (:mod:`.masking`).
3. Candidate templates are those with the same token count and the same first
   token (or a variable first token). Each is scored by the share of positions
   that agree: equal tokens, a ``<*>`` in the template, or digits on both sides
   all count as agreement. The best candidate at or above ``SIMILARITY`` wins;
   ties go to more equal tokens, then to the older template.
4. No winner: a new template is made from the masked message. A winner that
   does not cover the message is generalized: disagreeing positions become
   ``<*>``. A generalized template is then merged with any template of the same
   length it now agrees with everywhere (one side variable or both equal); the
   older one survives and the younger one's key becomes an alias.

Keys are blake2b of the template text at creation and never change while the
template generalizes; ``version`` counts the changes. The caches hold only what
the slow path would compute from the current templates and are emptied on
every change, so a restored miner (:meth:`to_state`/:meth:`from_state`)
assigns exactly as an uninterrupted one.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .masking import VAR, kind, param_names
from .tokens import tokenize

SIMILARITY = 0.5
# How many tokens longer or shorter a template may be for a stretch (see _stretch).
STRETCH = 8
# Distinct words seen at a position before it is taken for a variable.
EVIDENCE = 3
STATE_FORMAT = "brainstem.miner"
STATE_VERSION = 1
_CACHE_MAX = 1 << 16
_EVICT_SHARE = 0.1


@dataclass(slots=True)
class Match:
    key: str
    template: str
    version: int
    params: dict[str, str]
    is_new: bool
    changed: bool


class _Cluster:
    __slots__ = ("cid", "key", "tokens", "wild", "cls", "head", "text", "version",
                 "count", "last_time", "last_seq", "seen", "flex")

    def __init__(self, cid: int, key: str, tokens: list[str], version: int = 1, count: int = 0,
                 last_time: float = 0.0, last_seq: int = 0, flex: int = -1) -> None:
        self.cid = cid
        self.key = key
        self.version = version
        self.count = count
        self.last_time = last_time
        self.last_seq = last_seq
        # position -> distinct words seen there (at most EVIDENCE), for positions
        # where messages differed by a plain word but did not yet prove a variable
        self.seen: dict[int, list[str]] = {}
        # index of the one <*> that may stand for any number of tokens, or -1
        self.flex = flex
        self.set_tokens(tokens)

    def set_tokens(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.wild = [t.endswith(VAR) for t in tokens]
        self.cls = _classes(tokens, template=True)
        self.head = _head(tokens, self.cls)
        if self.flex >= 0:  # words from the stretchable <*> on have no fixed place
            self.head = _head(tokens[:self.flex], self.cls[:self.flex])
        self.text = "".join(tokens)


_PUNCT = frozenset("=:,;()[]{}\"'@|<>.")
HEAD_WORDS = 2

# Token classes. A message token is PLAIN (a word), VALUE (looks like a
# value: a masked variable, a word with digits, dots or slashes inside, a
# boolean, or the value in key=value) or PUNCT. A template token
# can also be WILD (<*>). Differing VALUEs generalize at once; differing PLAIN
# words only after EVIDENCE distinct ones.
PLAIN, VALUE, PUNCT, WILD = 0, 1, 2, 3
_BOOLS = frozenset(["true", "false", "null", "none", "True", "False", "None", "NULL", "TRUE", "FALSE"])


def _classes(tokens: list[str], template: bool) -> list[int]:
    out = []
    prev = ""
    for tok in tokens:
        sp = tok[:1] == " "
        core = tok[1:] if sp else tok
        if core == VAR:
            k = WILD if template else VALUE
        elif core in _PUNCT:
            k = PUNCT
        elif (not sp and prev == "=") or core in _BOOLS:
            k = VALUE
        elif any(ch.isdigit() for ch in core):
            k = VALUE
        else:
            k = PLAIN
        out.append(k)
        prev = tok
    return out


def _head(tokens: list[str], cls: list[int]) -> tuple[str, ...]:
    """The first words (punctuation skipped) as a lookup key, variables as ``<*>``."""
    words: list[str] = []
    for tok, k in zip(tokens, cls):
        if k == PUNCT:
            continue
        words.append(tok.lstrip(" ") if k == PLAIN else VAR)
        if len(words) == HEAD_WORDS:
            break
    return tuple(words)


def _head_patterns(head: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every head a template could have and still cover ``head``: each word or ``<*>``."""
    out: list[tuple[str, ...]] = [()]
    for w in head:
        if w == VAR:
            out = [p + (VAR,) for p in out]
        else:
            out = [p + (x,) for p in out for x in (w, VAR)]
    return out


def _make_key(text: str, n: int = 0) -> str:
    data = text if n == 0 else f"{text}\x1f{n}"
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


_TOKEN_MEMO_MAX = 200_000
_token_memo: dict[str, tuple[str, int]] = {}


def _token_info(tok: str) -> tuple[str, int]:
    """A message token masked, and its class before context (memoized)."""
    sp = tok[0] == " "
    core = tok[1:] if sp else tok
    if kind(core):
        info = (" " + VAR if sp else VAR, VALUE)
    else:
        info = (tok, _classes([tok], template=False)[0])
    if len(_token_memo) >= _TOKEN_MEMO_MAX:
        _token_memo.clear()
    _token_memo[tok] = info
    return info


def _mask(tokens: list[str]) -> tuple[list[str], list[int]]:
    """Tokens with hard variables replaced by ``<*>``, and each token's class.

    The same classes as ``_classes(masked, template=False)``, faster.
    """
    masked = []
    cls = []
    memo = _token_memo
    prev = ""
    for tok in tokens:
        info = memo.get(tok) or _token_info(tok)
        k = info[1]
        if k == PLAIN and prev == "=" and tok[0] != " ":
            k = VALUE
        masked.append(info[0])
        cls.append(k)
        prev = tok
    return masked, cls


class TemplateMiner:
    """Online log template miner with stable keys, bounded memory and JSON state.

    ``max_templates`` caps the live templates: when a new template takes the
    count above it, the least recently seen tenth (by event ``time`` when
    given, then by arrival) is evicted. An evicted template's key no longer
    resolves; if its messages come back they start a new template.
    """

    def __init__(self, max_templates: int = 50000) -> None:
        if max_templates < 1:
            raise ValueError("max_templates must be at least 1")
        self.max_templates = max_templates
        self._clusters: dict[int, _Cluster] = {}
        self._by_key: dict[str, _Cluster] = {}
        self._buckets: dict[tuple[int, tuple[str, ...]], dict[int, _Cluster]] = {}
        self._by_len: dict[int, dict[int, _Cluster]] = {}
        self._flex: dict[tuple[str, ...], dict[int, _Cluster]] = {}
        self._aliases: dict[str, str] = {}
        self._next_cid = 0
        self._seq = 0
        # Caches: message -> (cluster, params) and masked tokens -> cluster.
        self._msg_cache: dict[str, tuple[_Cluster, dict[str, str]]] = {}
        self._shape_cache: dict[tuple[str, ...], _Cluster | None] = {}

    # -- public API ---------------------------------------------------------

    def __len__(self) -> int:
        return len(self._clusters)

    def learn(self, message: str, time: float | None = None) -> Match:
        """Assign ``message`` to a template, creating or generalizing one if needed."""
        self._seq += 1
        hit = self._msg_cache.get(message)
        if hit is not None:
            c, params = hit
            self._touch(c, time)
            return Match(c.key, c.text, c.version, dict(params), False, False)

        tokens = tokenize(message)
        masked, cls = _mask(tokens)
        c = self._find(masked, cls)
        stretched = False
        if c is None:
            c = self._stretch(masked, cls)
            if c is None:
                c = self._create(masked)
                self._touch(c, time)
                self._evict_if_needed(keep=c)
                return Match(c.key, c.text, c.version, self._params(c, tokens), True, False)
            stretched = True
        own_tokens, own_masked = tokens, masked
        if c.flex >= 0:
            tokens, masked, cls = _align(c, tokens, masked, cls)  # type: ignore[misc]

        gen, unproven = _differences(c, masked, cls)
        if unproven:
            # A word differs where too few distinct words have been seen: a
            # sibling template, with the evidence so far handed on.
            for i in unproven:
                c.seen[i] = _union(c.seen.get(i), c.tokens[i], masked[i])
            sib = self._create(own_masked)
            shift = len(own_masked) - len(masked)
            sib.seen = {i if i < c.flex or c.flex < 0 else i + shift: list(c.seen[i]) for i in unproven}
            self._touch(sib, time)
            self._evict_if_needed(keep=sib)
            return Match(sib.key, sib.text, sib.version, self._params(sib, own_tokens), True, False)
        changed = bool(gen) or stretched
        if gen:
            self._generalize(c, gen, masked)
        if changed:
            c = self._merge_around(c)
        self._touch(c, time)
        params = self._params(c, tokens)
        if not changed and len(self._msg_cache) < _CACHE_MAX:
            self._msg_cache[message] = (c, params)
        return Match(c.key, c.text, c.version, dict(params), False, changed)

    def match(self, message: str) -> Match | None:
        """The template ``learn`` would assign, without changing anything; None if it would make one."""
        hit = self._msg_cache.get(message)
        if hit is not None:
            c, params = hit
            return Match(c.key, c.text, c.version, dict(params), False, False)
        tokens = tokenize(message)
        masked, cls = _mask(tokens)
        c = self._find(masked, cls, remember=False)
        if c is None:
            return None
        if c.flex >= 0:
            tokens, masked, cls = _align(c, tokens, masked, cls)  # type: ignore[misc]
        if _differences(c, masked, cls)[1]:
            return None
        return Match(c.key, c.text, c.version, self._params(c, tokens), False, False)

    def resolve(self, key: str) -> str:
        """The current key for ``key``, following aliases left by merges."""
        for _ in range(64):
            nxt = self._aliases.get(key)
            if nxt is None:
                return key
            key = nxt
        return key

    def template(self, key: str) -> str:
        """The current template text for ``key`` (aliases followed); KeyError if unknown or evicted."""
        return self._by_key[self.resolve(key)].text

    def templates(self) -> list[tuple[str, str]]:
        """``(key, template)`` of every live template, oldest first."""
        return [(c.key, c.text) for c in self._clusters.values()]

    # -- matching -------------------------------------------------------------

    def _find(self, masked: list[str], cls: list[int], remember: bool = True) -> _Cluster | None:
        shape = tuple(masked)
        try:
            return self._shape_cache[shape]
        except KeyError:
            pass
        n = len(masked)
        cands: list[_Cluster] = []
        buckets = self._buckets
        flex = self._flex
        patterns = _head_patterns(_head(masked, cls))
        for h in patterns:
            b = buckets.get((n, h))
            if b:
                cands.extend(b.values())
        if flex:
            for h in dict.fromkeys(h[:i] for h in patterns for i in range(len(h) + 1)):
                b = flex.get(h)
                if b:
                    cands.extend(b.values())
        best = None
        best_rank: tuple[float, int, int] = (-1.0, -1, 0)
        for c in cands:
            if c.flex >= 0:
                view = _align(c, masked, masked, cls)
                if view is None:
                    continue
                r = _similarity(c.tokens, c.cls, view[1], view[2])
            else:
                r = _similarity(c.tokens, c.cls, masked, cls)
            if r is None or r[0] < SIMILARITY:
                continue
            rank = (r[0], r[1], -c.cid)
            if rank > best_rank:
                best, best_rank = c, rank
        if remember and len(self._shape_cache) < _CACHE_MAX:
            self._shape_cache[shape] = best
        return best

    def _stretch(self, masked: list[str], cls: list[int]) -> _Cluster | None:
        """Make a template of another length take the message with one ``<*>`` of any length.

        Tried only when no template of the message's length fits. The template
        and the message must agree on a prefix and a suffix covering at least
        half of the longer one; the rest, at most one token on the shorter
        side and no plain words on either, becomes the stretchable ``<*>``.
        """
        n = len(masked)
        patterns = _head_patterns(_head(masked, cls))
        best = None
        best_rank: tuple[int, int] = (-1, 0)
        for length in range(max(1, n - STRETCH), n + STRETCH + 1):
            if length == n:
                continue
            for h in patterns:
                for c in self._buckets.get((length, h), {}).values():
                    cut = _stretch_cut(c, masked, cls)
                    if cut is not None:
                        rank = (cut[0] + cut[1], -c.cid)
                        if rank > best_rank:
                            best, best_rank = (c, cut), rank
        if best is None:
            return None
        c, (p, s, var) = best
        length = len(c.tokens)
        self._unindex(c)
        c.seen = {i if i < p else i - (length - s) + p + 1: v for i, v in c.seen.items()
                  if i < p or i >= length - s}
        text = c.text
        c.flex = p
        c.set_tokens(c.tokens[:p] + [var] + c.tokens[length - s:])
        if c.text != text:
            c.version += 1
        self._index(c)
        self._changed()
        return c

    def _params(self, c: _Cluster, tokens: list[str]) -> dict[str, str]:
        values = [tok[1:] if tok[:1] == " " else tok for tok, w in zip(tokens, c.wild) if w]
        if not values:
            return {}
        return dict(zip(param_names(c.tokens, c.wild, values), values))

    # -- changing state -------------------------------------------------------

    def _changed(self) -> None:
        self._msg_cache.clear()
        self._shape_cache.clear()

    def _touch(self, c: _Cluster, time: float | None) -> None:
        c.count += 1
        c.last_seq = self._seq
        if time is not None and time > c.last_time:
            c.last_time = time

    def _index(self, c: _Cluster) -> None:
        if c.flex >= 0:
            self._flex.setdefault(c.head, {})[c.cid] = c
            return
        n = len(c.tokens)
        self._buckets.setdefault((n, c.head), {})[c.cid] = c
        self._by_len.setdefault(n, {})[c.cid] = c

    def _unindex(self, c: _Cluster) -> None:
        if c.flex >= 0:
            bucket = self._flex[c.head]
            del bucket[c.cid]
            if not bucket:
                del self._flex[c.head]
            return
        n = len(c.tokens)
        bucket = self._buckets[(n, c.head)]
        del bucket[c.cid]
        if not bucket:
            del self._buckets[(n, c.head)]
        same_len = self._by_len[n]
        del same_len[c.cid]
        if not same_len:
            del self._by_len[n]

    def _create(self, masked: list[str]) -> _Cluster:
        text = "".join(masked)
        i = 0
        key = _make_key(text)
        while key in self._by_key:
            i += 1
            key = _make_key(text, i)
        self._aliases.pop(key, None)  # the key is live again
        c = _Cluster(self._next_cid, key, list(masked))
        self._next_cid += 1
        self._add(c)
        self._changed()
        return c

    def _add(self, c: _Cluster) -> None:
        self._clusters[c.cid] = c
        self._by_key[c.key] = c
        self._index(c)

    def _remove(self, c: _Cluster) -> None:
        del self._clusters[c.cid]
        del self._by_key[c.key]
        self._unindex(c)

    def _generalize(self, c: _Cluster, positions: list[int], masked: list[str]) -> None:
        new = list(c.tokens)
        for i in positions:
            # a space before <*> only if every message had one there
            new[i] = " " + VAR if new[i][:1] == " " and masked[i][:1] == " " else VAR
            c.seen.pop(i, None)
        self._retemplate(c, new)

    def _retemplate(self, c: _Cluster, tokens: list[str]) -> None:
        self._unindex(c)
        text = c.text
        c.set_tokens(tokens)
        if c.text != text:
            c.version += 1
        self._index(c)
        self._changed()

    def _merge_around(self, c: _Cluster) -> _Cluster:
        """Merge ``c`` with same-length templates it agrees with everywhere; return the survivor."""
        merged = True
        while merged and c.flex < 0:
            merged = False
            for d in sorted(self._by_len.get(len(c.tokens), {}).values(), key=lambda x: x.cid):
                if d is c or not _compatible(c, d):
                    continue
                keep, drop = (c, d) if c.cid < d.cid else (d, c)
                self._absorb(keep, drop)
                c = keep
                merged = True
                break
        return c

    def _absorb(self, keep: _Cluster, drop: _Cluster) -> None:
        self._remove(drop)
        tokens = [t if t == u else (" " + VAR if t[:1] == " " and u[:1] == " " else VAR)
                  for t, u in zip(keep.tokens, drop.tokens)]
        keep.count += drop.count
        keep.last_seq = max(keep.last_seq, drop.last_seq)
        keep.last_time = max(keep.last_time, drop.last_time)
        self._aliases[drop.key] = keep.key
        if tokens != keep.tokens:
            self._retemplate(keep, tokens)
        else:
            self._changed()
        self._trim_aliases()

    def _trim_aliases(self) -> None:
        limit = 4 * self.max_templates
        while len(self._aliases) > limit:
            del self._aliases[next(iter(self._aliases))]

    def _evict_if_needed(self, keep: _Cluster) -> None:
        if len(self._clusters) <= self.max_templates:
            return
        excess = len(self._clusters) - self.max_templates
        n = max(excess, int(self.max_templates * _EVICT_SHARE))
        order = sorted((c for c in self._clusters.values() if c is not keep),
                       key=lambda c: (c.last_time, c.last_seq, c.cid))
        for c in order[:n]:
            self._remove(c)
        self._changed()

    # -- state ----------------------------------------------------------------

    def to_state(self) -> dict:
        """Everything needed to continue exactly where this miner is, as JSON-ready data."""
        return {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "max_templates": self.max_templates,
            "next_cid": self._next_cid,
            "seq": self._seq,
            "templates": [
                {"id": c.cid, "key": c.key, "tokens": list(c.tokens), "version": c.version,
                 "count": c.count, "last_time": c.last_time, "last_seq": c.last_seq,
                 "seen": [[i, list(v)] for i, v in sorted(c.seen.items())], "flex": c.flex}
                for c in self._clusters.values()
            ],
            "aliases": [[old, new] for old, new in self._aliases.items()],
        }

    @classmethod
    def from_state(cls, state: dict) -> TemplateMiner:
        """A miner continuing from :meth:`to_state` data; ValueError if the data is not that."""
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise ValueError(f"not a brainstem miner state (format must be {STATE_FORMAT!r})")
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported miner state version {state.get('version')!r}; "
                             f"this brainstem reads version {STATE_VERSION}")
        try:
            miner = cls(max_templates=int(state["max_templates"]))
            miner._next_cid = int(state["next_cid"])
            miner._seq = int(state["seq"])
            for t in sorted(state["templates"], key=lambda t: t["id"]):
                tokens = [str(x) for x in t["tokens"]]
                c = _Cluster(int(t["id"]), str(t["key"]), tokens, int(t["version"]),
                             int(t["count"]), float(t["last_time"]), int(t["last_seq"]),
                             int(t["flex"]))
                c.seen = {int(i): [str(x) for x in v] for i, v in t["seen"]}
                miner._add(c)
            miner._aliases = {str(old): str(new) for old, new in state["aliases"]}
        except (KeyError, TypeError) as exc:
            raise ValueError(f"corrupt miner state: {exc!r}") from exc
        return miner


def _similarity(tt: list[str], tc: list[int], mt: list[str], mc: list[int]) -> tuple[float, int] | None:
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


def _align(c: _Cluster, tokens: list[str], masked: list[str], cls: list[int]
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
    return (tokens[:f] + [joined] + tokens[end:],
            masked[:f] + ["".join(masked[f:end])] + masked[end:],
            cls[:f] + [VALUE] + cls[end:])


def _agree(t: str, a: int, m: str, b: int) -> bool:
    if t == m:
        return True
    if a == PUNCT or b == PUNCT:
        return False
    return a == WILD or (a == VALUE and b == VALUE)


def _stretch_cut(c: _Cluster, masked: list[str], cls: list[int]) -> tuple[int, int, str] | None:
    """(prefix length, suffix length, the <*> token) when ``c`` can stretch to the message."""
    tt, tc = c.tokens, c.cls
    length, n = len(tt), len(masked)
    short = min(length, n)
    p = 0
    while p < short and _agree(tt[p], tc[p], masked[p], cls[p]):
        p += 1
    s = 0
    while s < short - p and _agree(tt[length - 1 - s], tc[length - 1 - s], masked[n - 1 - s], cls[n - 1 - s]):
        s += 1
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


def _differences(c: _Cluster, masked: list[str], cls: list[int]) -> tuple[list[int], list[int]]:
    """Where ``c`` must generalize to take the message, and where it may not yet.

    A position generalizes when the template and message differ and either side
    has digits, or when EVIDENCE distinct words have been seen there. Other
    differing positions are returned as unproven.
    """
    gen: list[int] = []
    unproven: list[int] = []
    for i, (t, a, m, b) in enumerate(zip(c.tokens, c.cls, masked, cls)):
        if t == m:
            continue
        if a == WILD:
            if t[0] == " " and m[:1] != " ":
                gen.append(i)  # "<*>" loses its leading space
            continue
        if a == VALUE or b == VALUE:
            gen.append(i)
        elif len(_union(c.seen.get(i), t, m)) >= EVIDENCE:
            gen.append(i)
        else:
            unproven.append(i)
    return gen, unproven


def _union(seen: list[str] | None, *words: str) -> list[str]:
    out = list(seen) if seen else []
    for w in words:
        if w not in out and len(out) < EVIDENCE:
            out.append(w)
    return out


def _compatible(a: _Cluster, b: _Cluster) -> bool:
    """Templates that differ only where one side is a variable, and are similar enough."""
    for t, u, tw, uw in zip(a.tokens, b.tokens, a.wild, b.wild):
        if t != u and not tw and not uw:
            return False
    r = _similarity(a.tokens, a.cls, b.tokens, [VALUE if k == WILD else k for k in b.cls])
    return r is not None and r[0] >= SIMILARITY
