"""Judging a tenant's candidates against what was planted in its logs (and what must not surface).

A candidate *covers* a message when one of its signatures' templates matches
it. A planted pattern is **found** when a candidate at ``review`` or above
covers one of its messages (the sample or a related one), and **typed** when
such a candidate also has the planted type. Every candidate at ``review`` or
above is either planted (covers a planted message), a decoy (covers a
decoy's message: a false alarm we set up on purpose), or other (a false
alarm we did not plan: the noise).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from brainstem.models import DECISION_BANDS

REVIEW_PLUS = set(DECISION_BANDS[DECISION_BANDS.index("review"):])


def matches(pattern: str, service: str | None, message: str) -> bool:
    """Does a signature template (``<*>`` wildcards, maybe prefixed ``service: ``) cover ``message``?"""
    if service and pattern.startswith(service + ": "):
        pattern = pattern[len(service) + 2:]
    parts = [re.escape(" ".join(p.split())) for p in pattern.split("<*>")]
    return re.fullmatch(r"\s*.*?\s*".join(parts), " ".join(message.split())) is not None


@dataclass
class Verdict:
    """How a tenant's queue looks against its planted patterns and decoys."""

    patterns: list[dict[str, Any]] = field(default_factory=list)   # one per planted pattern
    decoys: list[dict[str, Any]] = field(default_factory=list)     # one per decoy
    review: list[dict[str, Any]] = field(default_factory=list)     # one per candidate at review+

    @property
    def found(self) -> int:
        return sum(1 for p in self.patterns if p["found"])

    @property
    def typed(self) -> int:
        return sum(1 for p in self.patterns if p["typed"])

    @property
    def false_alarms(self) -> int:
        return sum(1 for r in self.review if r["is"] != "planted")


_UPTIME = re.compile(r"^\[\s*\d+\.\d+\]\s*")


def _covers(sigs: list[tuple[str, str | None]], messages: list[str]) -> bool:
    # a kernel line's "[ 1234.567890] " uptime stamp is not part of the message ingest keeps
    variants = [v for m in messages for v in {m, _UPTIME.sub("", m)}]
    return any(matches(pattern, service, m) for pattern, service in sigs for m in variants)


def judge(store, candidates: list, planted: list, decoys: list = ()) -> Verdict:
    """``candidates`` best first (all of the tenant's); ``planted`` and ``decoys`` of that tenant."""
    sigs: dict[str, tuple[str, str | None]] = {}
    cand_sigs = []
    for c in candidates:
        out = []
        for sid in c.source_signature_ids:
            if sid not in sigs:
                s = store.get(sid)
                sigs[sid] = (s.normalized_pattern, s.service) if s is not None else ("", None)
            out.append(sigs[sid])
        cand_sigs.append(out)
    v = Verdict()
    planted_msgs = [[p.sample_message, *p.related] for p in planted]
    decoy_msgs = [[d.sample_message, *d.related] for d in decoys]
    for p, msgs in zip(planted, planted_msgs):
        rank = found = typed = None
        for i, (c, cs) in enumerate(zip(candidates, cand_sigs), 1):
            if not _covers(cs, msgs):
                continue
            review = c.decision_band in REVIEW_PLUS
            found = found or (c if review else None)
            if c.candidate_type == p.kind:
                rank = rank or i
                typed = typed or (c if review else None)
        v.patterns.append({"planted": p, "rank": rank, "found": found is not None, "typed": typed is not None,
                           "as": found.candidate_type if found is not None else None})
    surfaced = set()
    for c, cs in zip(candidates, cand_sigs):
        if c.decision_band not in REVIEW_PLUS:
            continue
        if any(_covers(cs, msgs) for msgs in planted_msgs):
            kind = "planted"
        else:
            hit = [i for i, msgs in enumerate(decoy_msgs) if _covers(cs, msgs)]
            surfaced.update(hit)
            kind = "decoy" if hit else "other"
        v.review.append({"candidate": c, "is": kind})
    v.decoys = [{"decoy": d, "surfaced": i in surfaced} for i, d in enumerate(decoys)]
    return v
