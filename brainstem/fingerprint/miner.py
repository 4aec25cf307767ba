"""The template miner: messages in, stable signatures (templates with keys) out.

How a message finds its template (the hot path is :meth:`TemplateMiner.learn`):

1. An exact-message cache answers repeated messages with one dict lookup.
   Then a decision cache keyed by the message's digit-blind signature
   (:mod:`.shapes`) answers messages that differ from an earlier one only in
   digits, the usual case, with a few slices.
2. Otherwise the message is tokenized (:mod:`.tokens`) and its obvious
   variables are masked (:mod:`.masking`), once per signature (:mod:`.shapes`).
   A second decision cache keyed by the masked tokens and their classes, all
   that steps 3 and 4 read of a message, answers a new signature that a
   template already takes unchanged (an address or a count with more digits).
3. Candidate templates are those with the same token count and the same first
   token (or a variable first token). Each is scored by the share of positions
   that agree: equal tokens, a ``<*>`` in the template, or digits on both sides
   all count as agreement. The best candidate at or above ``similarity`` wins;
   ties go to more equal tokens, then to the older template.
4. No winner: a new template is made from the masked message. A winner that
   does not cover the message is generalized: disagreeing positions become
   ``<*>``. A generalized template is then merged with any template of the same
   length it now agrees with everywhere (one side variable or both equal); the
   older one survives and the younger one's key becomes an alias.

Keys are blake2b of the template text at creation and never change while the
template generalizes; ``version`` counts the changes. The caches hold only what
the slow path would compute from the current templates and are emptied where
a change could alter it (:meth:`TemplateMiner._changed`), so a restored miner
(:meth:`to_state`/:meth:`from_state`) assigns exactly as an uninterrupted one.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

from .masking import VAR, context_names, signature, unique_names, value_name
from .templates import (
    EVIDENCE, SIMILARITY, STRETCH, Cluster, align, compatible, differences, head, head_patterns,
    similarity, stretch_cut, union,
)
from .shapes import Shape, _shapes, new_shape, shape

STATE_FORMAT = "brainstem.miner"
STATE_VERSION = 2
# Version 1 states recorded no knobs: they load with the ones version 1 had.
_READS = (1, 2)
_V1_KNOBS = {"similarity": 0.5, "evidence": 3}
_CACHE_MAX = 1 << 16
_NOT_CACHED = object()
_EVICT_SHARE = 0.1


@dataclass(slots=True, init=False)
class Match:
    key: str
    template: str
    version: int
    params: dict[str, str]
    is_new: bool
    changed: bool

    # the __init__ dataclass would write, written here so that mypyc compiles it (it
    # leaves the methods that dataclass generates interpreted: a call into Python per match)
    def __init__(self, key: str, template: str, version: int, params: dict[str, str], is_new: bool,
                 changed: bool) -> None:
        self.key = key
        self.template = template
        self.version = version
        self.params = params
        self.is_new = is_new
        self.changed = changed


def _make_key(text: str, n: int = 0) -> str:
    data = text if n == 0 else f"{text}\x1f{n}"
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


class TemplateMiner:
    """Online log template miner with stable keys, bounded memory and JSON state.

    ``max_templates`` caps the live templates: when a new template takes the
    count above it, the least recently seen tenth (by event ``time`` when
    given, then by arrival) is evicted. An evicted template's key no longer
    resolves; if its messages come back they start a new template.

    The two knobs: ``similarity``, the least share of agreeing word positions
    for a message to join a template (0 < similarity <= 1), and ``evidence``,
    how many distinct plain words must be seen at a position before it becomes
    a variable (at least 2). ``bench/loghub.py --loo`` chooses them.
    """

    def __init__(self, max_templates: int = 50000, similarity: float = SIMILARITY,
                 evidence: int = EVIDENCE) -> None:
        if max_templates < 1:
            raise ValueError("max_templates must be at least 1")
        if not 0 < similarity <= 1:
            raise ValueError("similarity must be in (0, 1]")
        if evidence < 2:
            raise ValueError("evidence must be at least 2")
        self.max_templates = max_templates
        self.similarity = float(similarity)
        self.evidence = int(evidence)
        self._clusters: dict[int, Cluster] = {}
        self._by_key: dict[str, Cluster] = {}
        self._buckets: dict[tuple[int, tuple[str, ...]], dict[int, Cluster]] = {}
        self._by_len: dict[int, dict[int, Cluster]] = {}
        self._flex: dict[tuple[str, ...], dict[int, Cluster]] = {}
        self._aliases: dict[str, str] = {}
        self._next_cid = 0
        self._seq = 0
        # Caches (see _changed): message -> (cluster id, parameter names, values);
        # per token count, masked tokens -> cluster and signature (and soft words) ->
        # (cluster id, parameter names, where the values are in the message);
        # per token count, masked tokens and classes -> cluster id (see _fit).
        # Clusters are held by id, so that entries are tuples of strings and ints,
        # which the garbage collector stops tracking.
        self._cache_max = _CACHE_MAX
        self._msg_cache: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {}
        self._shape_cache: dict[int, dict[tuple[str, ...], Cluster | None]] = {}
        self._shape_cached = 0
        self._decisions: dict[int, dict[bytes | tuple[bytes | str, ...],
                                        tuple[int, tuple[str, ...], tuple[tuple[int, int], ...]]]] = {}
        self._decided = 0
        self._fits: dict[int, dict[tuple[tuple[str, ...], bytes], int]] = {}
        self._fitted = 0
        self._fit_once: set[bytes] = set()     # signatures answered once by _fits, not yet decided

    # -- public API ---------------------------------------------------------

    def __len__(self) -> int:
        return len(self._clusters)

    def learn(self, message: str, time: float | int | None = None) -> Match:
        """Assign ``message`` to a template, creating or generalizing one if needed."""
        self._seq += 1
        hit = self._msg_cache.get(message)
        if hit is not None:
            c = self._clusters[hit[0]]
            c.count += 1  # as _touch
            c.last_seq = self._seq
            if time is not None and time > c.last_time:
                c.last_time = time
            return Match(c.key, c.text, c.version, dict(zip(hit[1], hit[2])), False, False)

        # as _lookup, written out (the usual path)
        sig = signature(message)
        sh = _shapes.get(sig)
        tokens = None
        if sh is None:
            sh, tokens = new_shape(sig, message)
        dkey: bytes | tuple[bytes | str, ...] = (sig, *[message[s:e] for s, e in sh.soft_spans]) if sh.soft else sig
        decided = self._decisions.get(len(sh.masked))
        done = decided.get(dkey) if decided else None
        if done is not None:
            c = self._clusters[done[0]]
            names = done[1]
            values = tuple([message[s:e] for s, e in done[2]])
            c.count += 1  # as _touch
            c.last_seq = self._seq
            if time is not None and time > c.last_time:
                c.last_time = time
            if len(self._msg_cache) < self._cache_max:
                self._msg_cache[message] = (c.cid, names, values)
            return Match(c.key, c.text, c.version, dict(zip(names, values)), False, False)

        masked: Sequence[str]
        if tokens is None:
            tokens = sh.tokens(message)
            masked = sh.masked_for(message)
        else:  # the shape was just made from this message: its soft words are this message's
            masked = sh.masked
        cls = sh.cls
        n = len(masked)
        # A new signature with masked tokens and classes seen before: the template
        # that took them unchanged takes this message unchanged too (see _fit).
        fkey = (masked if type(masked) is tuple else tuple(masked), cls)
        fits = self._fits.get(n)
        fit = fits.get(fkey) if fits else None
        if fit is not None:
            c = self._clusters[fit]
            self._touch(c, time)
            names, values = self._param_items(c, tokens)
            if len(self._msg_cache) < self._cache_max:
                self._msg_cache[message] = (c.cid, names, values)
            # Most signatures met here are met once (a week: 31,909 new ones in 365
            # keys): the per-signature decision is worth making at the second sighting.
            if sig in self._fit_once:
                if self._decided < self._cache_max:
                    self._decide(dkey, c, sh, n, message, names, values)
            else:
                if len(self._fit_once) >= self._cache_max:
                    self._fit_once.clear()
                self._fit_once.add(sig)
            return Match(c.key, c.text, c.version, dict(zip(names, values)), False, False)
        found = self._find(masked, cls)
        stretched = False
        if found is None:
            found = self._stretch(masked, cls)
            if found is None:
                c = self._create(masked)
                self._touch(c, time)
                self._evict_if_needed(keep=c)
                return Match(c.key, c.text, c.version, self._params(c, tokens), True, False)
            stretched = True
        c = found
        own_tokens, own_masked = tokens, masked
        view_cls: Sequence[int] = cls
        if c.flex >= 0:
            view = align(c, tokens, masked, cls)
            assert view is not None  # _find and _stretch saw this message through c
            tokens, masked, view_cls = view

        gen, unproven = differences(c, masked, view_cls, self.evidence)
        if unproven:
            # A word differs where too few distinct words have been seen: a
            # sibling template, with the evidence so far handed on.
            for i in unproven:
                c.seen[i] = union(c.seen.get(i), self.evidence, c.tokens[i], masked[i])
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
        names, values = self._param_items(c, tokens)
        if not changed:
            if len(self._msg_cache) < self._cache_max:
                self._msg_cache[message] = (c.cid, names, values)
            if self._decided < self._cache_max:
                self._decide(dkey, c, sh, n, message, names, values)
            if c.flex < 0 and self._fitted < self._cache_max:
                self._fit(n, fkey, c)
        return Match(c.key, c.text, c.version, dict(zip(names, values)), False, changed)

    def match(self, message: str) -> Match | None:
        """The template ``learn`` would assign, without changing anything; None if it would make one."""
        hit = self._msg_cache.get(message)
        if hit is not None:
            c = self._clusters[hit[0]]
            return Match(c.key, c.text, c.version, dict(zip(hit[1], hit[2])), False, False)
        sh, tokens, _, done = self._lookup(message)
        if done is not None:
            c = self._clusters[done[0]]
            params = {n: message[s:e] for n, (s, e) in zip(done[1], done[2])}
            return Match(c.key, c.text, c.version, params, False, False)
        if tokens is None:
            tokens = sh.tokens(message)
        masked: Sequence[str] = sh.masked_for(message)
        cls: Sequence[int] = sh.cls
        found = self._find(masked, cls, remember=False)
        if found is None:
            return None
        if found.flex >= 0:
            view = align(found, tokens, masked, cls)
            assert view is not None  # _find saw this message through it
            tokens, masked, cls = view
        if differences(found, masked, cls, self.evidence)[1]:
            return None
        return Match(found.key, found.text, found.version, self._params(found, tokens), False, False)

    def _lookup(self, message: str) -> tuple[Shape, list[str] | None, bytes | tuple[bytes | str, ...],
                                             tuple[int, tuple[str, ...], tuple[tuple[int, int], ...]] | None]:
        """(shape, tokens or None, decision key, earlier decision or None) for a
        message: the lookup learn() and match() share before any real work."""
        sig = signature(message)
        sh, tokens = shape(sig, message)
        dkey: bytes | tuple[bytes | str, ...] = (sig, *[message[s:e] for s, e in sh.soft_spans]) if sh.soft else sig
        decided = self._decisions.get(len(sh.masked))
        return sh, tokens, dkey, (decided.get(dkey) if decided else None)

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

    @property
    def alias_count(self) -> int:
        """How many merge aliases exist: a cheap way to notice that a merge happened."""
        return len(self._aliases)

    # -- matching -------------------------------------------------------------

    def _find(self, masked: Sequence[str], cls: Sequence[int], remember: bool = True) -> Cluster | None:
        shape = tuple(masked)
        n = len(masked)
        cache = self._shape_cache.get(n)
        if cache is not None:
            got = cache.get(shape, _NOT_CACHED)  # one lookup: None is a cached answer
            if got is not _NOT_CACHED:
                return got  # type: ignore[return-value]
        cands: list[Cluster] = []
        buckets = self._buckets
        flex = self._flex
        patterns = head_patterns(head(masked, cls))
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
        threshold = self.similarity
        for c in cands:
            if c.flex >= 0:
                view = align(c, masked, masked, cls)
                if view is None:
                    continue
                r = similarity(c.tokens, c.cls, view[1], view[2])
            else:
                r = similarity(c.tokens, c.cls, masked, cls)
            if r is None or r[0] < threshold:
                continue
            rank = (r[0], r[1], -c.cid)
            if rank > best_rank:
                best, best_rank = c, rank
        if remember and self._shape_cached < self._cache_max:
            if cache is None:
                cache = self._shape_cache[n] = {}
            cache[shape] = best
            self._shape_cached += 1
        return best

    def _stretch(self, masked: Sequence[str], cls: Sequence[int]) -> Cluster | None:
        """Make a template of another length take the message with one ``<*>`` of any length.

        Tried only when no template of the message's length fits. The template
        and the message must agree on a prefix and a suffix covering at least
        half of the longer one; the rest, at most one token on the shorter
        side and no plain words on either, becomes the stretchable ``<*>``.
        """
        n = len(masked)
        patterns = head_patterns(head(masked, cls))
        best = None
        best_rank: tuple[int, int] = (-1, 0)
        for length in range(max(1, n - STRETCH), n + STRETCH + 1):
            if length == n:
                continue
            for h in patterns:
                for c in self._buckets.get((length, h), {}).values():
                    cut = stretch_cut(c, masked, cls)
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

    def _decide(self, dkey: bytes | tuple[bytes | str, ...], c: Cluster, sh: Shape, n: int, message: str,
                names: tuple[str, ...], values: tuple[str, ...]) -> None:
        """Remember that messages of this signature (and soft words) take ``c`` unchanged.

        What is remembered is where each parameter value is in the message
        (the same place in every message of the signature); nothing is
        remembered when a value is not a plain slice of it (a whitespace run
        inside a stretchable ``<*>`` or a timestamp).
        """
        span = sh.span
        if c.flex < 0:
            where = sh.spans_at(c.wild_at)
        else:
            f = c.flex
            shift = n - len(c.tokens)  # message tokens more than template tokens
            where = []
            for i, w in enumerate(c.wild):
                if not w:
                    continue
                if i < f:
                    where.append(span(i))
                elif i > f:
                    where.append(span(i + shift))
                elif shift >= 0:  # the stretchable <*>: its tokens joined
                    where.append((span(f)[0], span(f + shift)[1]))
                else:
                    where.append((0, 0))
        if not sh.plain:  # a normalized message's values are always such slices
            for (s, e), value in zip(where, values):
                if message[s:e] != value:
                    return
        decided = self._decisions.get(n)
        if decided is None:
            decided = self._decisions[n] = {}
        decided[dkey] = (c.cid, names, tuple(where))
        self._decided += 1

    def _fit(self, n: int, fkey: tuple[tuple[str, ...], bytes], c: Cluster) -> None:
        """Remember that messages of ``n`` tokens masked as ``fkey`` (masked tokens, classes) take ``c`` unchanged.

        All that the slow path reads of a message to choose a template and to
        see that it changes nothing are its masked tokens and their classes
        (``_find``, ``differences``); the template's counts, times and evidence
        (``seen``, read only at positions that would change something) do not
        matter. So the decision holds for every message masked the same way
        until the templates change (:meth:`_changed`). Not for a stretchable
        template (its view of the message depends on the message's length);
        the parameters are still read from each message (their names may
        depend on the values' shapes).
        """
        fits = self._fits.get(n)
        if fits is None:
            fits = self._fits[n] = {}
        fits[fkey] = c.cid
        self._fitted += 1

    def _params(self, c: Cluster, tokens: list[str]) -> dict[str, str]:
        return dict(zip(*self._param_items(c, tokens)))

    def _param_items(self, c: Cluster, tokens: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The names and the values of the parameters of a message of ``c`` (see :class:`Match`)."""
        # without the leading space (str.removeprefix is tok[1:] if tok[:1] == " " else tok)
        values = tuple(map(str.removeprefix, map(tokens.__getitem__, c.wild_at), repeat(" ")))
        if not values:
            return (), ()
        ctx = c.names
        if ctx is None:
            ctx = c.names = context_names(c.tokens, c.wild)
        return unique_names(tuple([n or value_name(v) for n, v in zip(ctx, values)])), values

    # -- changing state -------------------------------------------------------

    def _changed(self, length: int | None = None) -> None:
        """Empty the caches that a change of templates may have made wrong.

        ``length``: only templates of that token count changed (none
        stretchable). Then only messages of that many tokens may now find
        another template: a message is compared only with templates of its
        own length and stretchable ones. Otherwise every cache is emptied.
        """
        self._msg_cache.clear()
        if length is None:
            self._shape_cache.clear()
            self._decisions.clear()
            self._fits.clear()
            self._shape_cached = self._decided = self._fitted = 0
            return
        cache = self._shape_cache.pop(length, None)
        if cache:
            self._shape_cached -= len(cache)
        decided = self._decisions.pop(length, None)
        if decided:
            self._decided -= len(decided)
        fits = self._fits.pop(length, None)
        if fits:
            self._fitted -= len(fits)

    def _touch(self, c: Cluster, time: float | int | None) -> None:
        c.count += 1
        c.last_seq = self._seq
        if time is not None and time > c.last_time:
            c.last_time = time

    def _index(self, c: Cluster) -> None:
        if c.flex >= 0:
            self._flex.setdefault(c.head, {})[c.cid] = c
            return
        n = len(c.tokens)
        self._buckets.setdefault((n, c.head), {})[c.cid] = c
        self._by_len.setdefault(n, {})[c.cid] = c

    def _unindex(self, c: Cluster) -> None:
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

    def _create(self, masked: Sequence[str]) -> Cluster:
        text = "".join(masked)
        i = 0
        key = _make_key(text)
        while key in self._by_key:
            i += 1
            key = _make_key(text, i)
        self._aliases.pop(key, None)  # the key is live again
        c = Cluster(self._next_cid, key, list(masked))
        self._next_cid += 1
        self._add(c)
        self._changed(len(c.tokens))
        return c

    def _add(self, c: Cluster) -> None:
        self._clusters[c.cid] = c
        self._by_key[c.key] = c
        self._index(c)

    def _remove(self, c: Cluster) -> None:
        del self._clusters[c.cid]
        del self._by_key[c.key]
        self._unindex(c)

    def _generalize(self, c: Cluster, positions: list[int], masked: Sequence[str]) -> None:
        new = list(c.tokens)
        for i in positions:
            # a space before <*> only if every message had one there
            new[i] = " " + VAR if new[i][:1] == " " and masked[i][:1] == " " else VAR
            c.seen.pop(i, None)
        self._retemplate(c, new)

    def _retemplate(self, c: Cluster, tokens: list[str]) -> None:
        self._unindex(c)
        text = c.text
        c.set_tokens(tokens)
        if c.text != text:
            c.version += 1
        self._index(c)
        self._changed(len(tokens) if c.flex < 0 else None)

    def _merge_around(self, c: Cluster) -> Cluster:
        """Merge ``c`` with same-length templates it agrees with everywhere; return the survivor."""
        merged = True
        while merged and c.flex < 0:
            merged = False
            for d in sorted(self._by_len.get(len(c.tokens), {}).values(), key=lambda x: x.cid):
                if d is c or not compatible(c, d, self.similarity):
                    continue
                keep, drop = (c, d) if c.cid < d.cid else (d, c)
                self._absorb(keep, drop)
                c = keep
                merged = True
                break
        return c

    def _absorb(self, keep: Cluster, drop: Cluster) -> None:
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
            self._changed(len(tokens) if keep.flex < 0 and drop.flex < 0 else None)
        self._trim_aliases()

    def _trim_aliases(self) -> None:
        limit = 4 * self.max_templates
        while len(self._aliases) > limit:
            del self._aliases[next(iter(self._aliases))]

    def _evict_if_needed(self, keep: Cluster) -> None:
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
            "similarity": self.similarity,
            "evidence": self.evidence,
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
        if state.get("version") not in _READS:
            raise ValueError(f"unsupported miner state version {state.get('version')!r}; "
                             f"this brainstem reads versions {', '.join(map(str, _READS))}")
        try:
            miner = cls(max_templates=int(state["max_templates"]),
                        similarity=float(state.get("similarity", _V1_KNOBS["similarity"])),
                        evidence=int(state.get("evidence", _V1_KNOBS["evidence"])))
            miner._next_cid = int(state["next_cid"])
            miner._seq = int(state["seq"])
            for t in sorted(state["templates"], key=lambda t: t["id"]):
                tokens = [str(x) for x in t["tokens"]]
                c = Cluster(int(t["id"]), str(t["key"]), tokens, int(t["version"]),
                             int(t["count"]), float(t["last_time"]), int(t["last_seq"]),
                             int(t.get("flex", -1)))
                c.seen = {int(i): [str(x) for x in v] for i, v in t.get("seen", [])}
                miner._add(c)
            miner._aliases = {str(old): str(new) for old, new in state["aliases"]}
        except (KeyError, TypeError) as exc:
            raise ValueError(f"corrupt miner state: {exc!r}") from exc
        return miner
