"""Scoring candidates with what the pipeline knows about their signatures."""
from __future__ import annotations

from brainstem.models import Candidate
from brainstem.score.scorer import Context, Feedback, SignatureFacts, score
from brainstem.score.feedback import feedback_for


class Rescorer:
    def __init__(self, pipeline, feedback: dict[str, Feedback]):
        self.p = pipeline
        self.feedback = feedback

    def facts(self, cand: Candidate) -> SignatureFacts:
        keys = cand.metadata.get("signature_keys") or []
        sigs = [self.p.sigs[k] for k in keys if k in self.p.sigs]
        if not sigs:
            return SignatureFacts(pattern=cand.title)
        first = sigs[0]
        return SignatureFacts(
            pattern=first.normalized_pattern,
            severity_rank=min(s.metadata.get("severity_rank", 6) for s in sigs),
            first_seen=min(s.first_seen_at for s in sigs).timestamp(),
            count=sum(s.occurrence_count for s in sigs),
            patterns=[self.p.sigs[k].normalized_pattern if k in self.p.sigs else k for k in keys],
        )

    def context(self) -> Context:
        m = self.p.meta
        return Context(first_ts=m.get("first_ts") or 0.0, last_ts=m.get("last_ts") or 0.0)

    def rescore(self, cands: list[Candidate]) -> None:
        ctx = self.context()
        settings = self.p.settings
        for c in cands:
            fb = feedback_for(self.feedback, c.metadata.get("signature_keys") or [])
            score(c, self.facts(c), ctx, fb, settings)
