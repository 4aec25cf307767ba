"""The human in the loop: review decisions, and what they change."""
from __future__ import annotations

from types import SimpleNamespace

from brainstem.models import REVIEW_DECISIONS, Candidate, ReviewDecision, stable_id, utcnow
from brainstem.score.feedback import load_feedback
from brainstem.score.rescore import Rescorer
from brainstem.store.base import Store, WriteBatch


class ReviewError(ValueError):
    """A review that cannot be recorded (unknown subject or decision)."""


SUBJECT_TYPES = {"cand_": "candidate", "inc_": "incident_memory", "les_": "lesson"}


def review(store: Store, settings, subject_id: str, decision: str, *, notes: str = "",
           reviewer: str = "") -> tuple[ReviewDecision, list[Candidate]]:
    """Record a decision on a candidate, incident memory or lesson.

    A decision on a candidate feeds back at once: every candidate of the
    tenant that shares one of its signatures is rescored (and so is every
    later one). Returns the decision and the candidates rescored.
    """
    if decision not in REVIEW_DECISIONS:
        raise ReviewError(f"unknown decision {decision!r}: choose one of {', '.join(REVIEW_DECISIONS)}")
    subject_type = next((t for p, t in SUBJECT_TYPES.items() if subject_id.startswith(p)), None)
    subject = store.get(subject_id) if subject_type else None
    if subject is None:
        raise ReviewError(f"{subject_id}: no candidate, incident memory or lesson with this id")
    now = utcnow()
    rev = ReviewDecision(review_id=stable_id("rev_", subject_id, decision, now.isoformat()),
                         tenant_id=subject.tenant_id, subject_type=subject_type, subject_id=subject_id,
                         decision=decision, notes=notes, reviewer=reviewer, reviewed_at=now)
    store.put_review(rev)
    rescored: list[Candidate] = []
    if subject_type == "candidate":
        rescored = rescore_related(store, settings, subject)
    return rev, rescored


def rescore_related(store: Store, settings, cand: Candidate) -> list[Candidate]:
    """Rescore the candidates of a tenant that share a signature with ``cand``."""
    tid = cand.tenant_id
    keys = cand.metadata.get("signature_keys", [])
    sigs = {s.signature_key: s for s in store.signatures(tid, keys)}
    related = store.candidates_for_signatures(tid, [s.signature_id for s in sigs.values()]) or [cand]
    for c in related:
        for k in c.metadata.get("signature_keys", []):
            if k not in sigs:
                sigs.update({s.signature_key: s for s in store.signatures(tid, [k])})
    meta = store.load_state(tid, "pipeline")
    ctx = SimpleNamespace(sigs=sigs, meta=meta[1] if meta else {}, settings=settings)
    Rescorer(ctx, load_feedback(store, tid)).rescore(related)
    store.write(WriteBatch(candidates=related))
    return related
