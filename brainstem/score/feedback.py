"""Operator decisions, folded per signature so they steer future scores."""
from __future__ import annotations

from brainstem.models import Signature
from brainstem.score.scorer import Feedback
from brainstem.store.base import Store


def load_feedback(store: Store, tenant_id: str, sigs: dict[str, Signature] | None = None) -> dict[str, Feedback]:
    """signature key -> the decisions operators made on candidates built on it."""
    out: dict[str, Feedback] = {}
    reviews = store.reviews(tenant_id)
    cache: dict[str, list[str]] = {}
    for r in reviews:
        if r.subject_type != "candidate":
            continue
        keys = cache.get(r.subject_id)
        if keys is None:
            cand = store.get(r.subject_id)
            keys = cache[r.subject_id] = list(cand.metadata.get("signature_keys", [])) if cand else []
        for k in keys:
            out.setdefault(k, Feedback()).add(r.decision)
    return out


def feedback_for(feedback: dict[str, Feedback], keys: list[str]) -> Feedback:
    """The combined feedback of a candidate's signatures."""
    if len(keys) == 1:
        return feedback.get(keys[0]) or Feedback()
    fb = Feedback()
    for k in keys:
        f = feedback.get(k)
        if f:
            fb.push += f.push
            for d, n in f.decisions.items():
                fb.decisions[d] = fb.decisions.get(d, 0) + n
    return fb
