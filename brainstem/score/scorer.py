"""Explainable scores: named components, weights, a band and one sentence.

``score_total`` is in [0, 1]. Each candidate type uses the components that
make sense for it; their weights (from the settings table) are normalized to
sum to one, so the evidence part of the score is a weighted mean of raw values
in [0, 1]. Operator feedback is then added on top with its own weight and can
be negative: a signature marked noise sinks, one marked useful rises.

Every component is reported with its raw value, weight and contribution, so
``sum(contribution) == score_total`` (before clamping to [0, 1]).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from brainstem.models import DECISION_BANDS, Candidate

SEVERITY_VALUE = {0: 1.0, 1: 1.0, 2: 0.95, 3: 0.8, 4: 0.55, 5: 0.3, 6: 0.1, 7: 0.05}
SEVERITY_NAME = {0: "emergency", 1: "alert", 2: "critical", 3: "error", 4: "warning", 5: "notice", 6: "info", 7: "debug"}

COMPONENTS_BY_TYPE = {
    "recurrence": ("severity", "frequency", "regularity"),
    "burst": ("severity", "burstiness", "frequency", "spread", "novelty"),
    "spread": ("severity", "spread", "frequency", "novelty"),
    "self_heal": ("severity", "recovery", "frequency"),
    "rule": ("severity", "frequency", "spread", "novelty"),
}

# operator decisions -> how much they push the feedback component
DECISION_PUSH = {"noise": -1.0, "false_positive": -1.0, "ignore": -0.6, "investigate": 0.3,
                 "useful": 1.0, "urgent": 1.5, "promote": 1.5}


@dataclass
class SignatureFacts:
    """What the scorer knows about the signatures behind a candidate."""

    pattern: str
    severity_rank: int = 6
    first_seen: float = 0.0
    count: int = 0


@dataclass
class Feedback:
    """Operator decisions on candidates that share a signature with this one."""

    push: float = 0.0
    decisions: dict[str, int] = field(default_factory=dict)

    def add(self, decision: str) -> None:
        self.push += DECISION_PUSH.get(decision, 0.0)
        self.decisions[decision] = self.decisions.get(decision, 0) + 1


@dataclass
class Context:
    """Tenant-wide facts: the span of its timeline, for novelty."""

    first_ts: float
    last_ts: float


def band_for(score: float, settings) -> str:
    cuts = (settings.band_watch, settings.band_review, settings.band_urgent, settings.band_promote)
    band = 0
    for i, cut in enumerate(cuts, start=1):
        if score >= cut:
            band = i
    return DECISION_BANDS[band]


def _saturate(x: float, half: float) -> float:
    """0 at 0, 0.5 at ``half``, approaching 1."""
    return 1.0 - math.exp(-math.log(2) * max(x, 0.0) / half) if half > 0 else 0.0


def novelty(at: float, first_seen: float, ctx: Context) -> float:
    """How new the signature was when the candidate began: 1 if it first appeared
    then, 0 if the tenant had known it for as long as it has had history (0.5
    when there is less than a day of history to judge by)."""
    history = at - ctx.first_ts
    if history < 86400:
        return 0.5
    age = max(at - first_seen, 0.0)
    return round(1.0 - min(age / history, 1.0), 4)


def _kind(cand: Candidate) -> str:
    """How to score a candidate: rule firings by their own yardstick, whatever type the rule gave them."""
    return "rule" if "rule" in cand.metadata.get("metrics", {}) else cand.candidate_type


def _raw_components(cand: Candidate, sig: SignatureFacts, ctx: Context) -> dict[str, float]:
    m = cand.metadata.get("metrics", {})
    ctype = _kind(cand)
    events = cand.metadata.get("event_count", 0)
    raw = {
        "severity": SEVERITY_VALUE.get(sig.severity_rank, 0.3),
        "novelty": novelty(cand.first_seen_at.timestamp(), sig.first_seen, ctx),
        "spread": _saturate(max(len(cand.metadata.get("assets", [])) - 1, 0), 4),
    }
    if ctype == "recurrence":
        raw["frequency"] = _saturate(m.get("buckets", 0) - 2, 3)
        raw["regularity"] = m.get("regularity", 0.0)
    elif ctype == "burst":
        raw["burstiness"] = min(math.log10(max(m.get("ratio", 1.0), 1.0)) / 2.0, 1.0)
        raw["frequency"] = _saturate(m.get("peak", 0), 50)
    elif ctype == "spread":
        raw["spread"] = _saturate(m.get("max_assets", 0) - 1, 4)
        raw["frequency"] = _saturate(events, 10)
    elif ctype == "self_heal":
        raw["recovery"] = _saturate(m.get("pairs", 0), 3)
        raw["frequency"] = _saturate(m.get("pairs", 0), 10)
    else:
        raw["frequency"] = _saturate(events, 5)   # each finding of a rule is one firing
    return raw


def score(cand: Candidate, sig: SignatureFacts, ctx: Context, feedback: Feedback, settings) -> None:
    """Fill in ``score_total``, ``score_breakdown``, ``decision_band``, ``explanation``, ``confidence``."""
    names = COMPONENTS_BY_TYPE.get(_kind(cand), COMPONENTS_BY_TYPE["rule"])
    raw = _raw_components(cand, sig, ctx)
    weights = {n: float(settings[f"weight_{n}"]) for n in names}
    total_w = sum(weights.values()) or 1.0
    breakdown: list[dict[str, Any]] = []
    total = 0.0
    # Evidence counts in full for errors and less for chatter: the weight of
    # every component but severity is scaled by 0.3 + 0.7 * severity, so a
    # perfectly regular info message (a cron job) stays below an error that
    # recurs the same way. The scaled weight is what the breakdown shows.
    gate = 0.3 + 0.7 * raw["severity"]
    for n in names:
        w = weights[n] / total_w * (1.0 if n == "severity" else gate)
        c = w * raw.get(n, 0.0)
        total += c
        breakdown.append({"name": n, "raw": round(raw.get(n, 0.0), 4), "weight": round(w, 4), "contribution": round(c, 4)})
    fb_raw = math.tanh(feedback.push / 2.0)
    fb_c = settings.weight_feedback * fb_raw
    breakdown.append({"name": "feedback", "raw": round(fb_raw, 4), "weight": settings.weight_feedback,
                      "contribution": round(fb_c, 4)})
    total = min(max(total + fb_c, 0.0), 1.0)
    cand.score_total = round(total, 4)
    cand.score_breakdown = breakdown
    cand.decision_band = band_for(cand.score_total, settings)
    evidence = cand.metadata.get("event_count", 0) + 5 * len(cand.source_group_ids)
    cand.confidence = round(_saturate(evidence, 10), 3)
    cand.explanation = explain(cand, sig, ctx, feedback, raw)


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M")


def _hosts(assets: list[str]) -> str:
    if not assets:
        return ""
    if len(assets) == 1:
        return f" on {assets[0]}"
    if len(assets) <= 3:
        return " on " + ", ".join(assets)
    return f" on {len(assets)} hosts"


def explain(cand: Candidate, sig: SignatureFacts, ctx: Context, feedback: Feedback, raw: dict[str, float]) -> str:
    """One sentence: what happened, how unusual it is, what operators said."""
    m = cand.metadata.get("metrics", {})
    assets = cand.metadata.get("assets", [])
    pattern = sig.pattern if len(sig.pattern) <= 80 else sig.pattern[:77] + "..."
    ctype = _kind(cand)
    if ctype == "recurrence":
        what = (f"`{pattern}` recurred on {m.get('buckets', 0)} different {m.get('bucket', 'day')}s"
                f", usually around {m.get('usual_hour', 0):02d}:00 UTC{_hosts(assets)}")
    elif ctype == "burst":
        what = (f"`{pattern}` burst to {m.get('peak', 0)} events in {int(m.get('window_seconds', 0)) // 60} min"
                f"{_hosts(assets)}, {m.get('ratio', 0)}x its usual rate")
        if m.get("bursts", 1) > 1:
            what += f" ({m['bursts']} bursts)"
    elif ctype == "spread":
        what = (f"`{pattern}` appeared on {m.get('max_assets', 0)} hosts within {m.get('minutes', 0):g} min"
                f" (usually {m.get('baseline_assets', 0):g})")
    elif ctype == "self_heal":
        what = (f"`{pattern}` recovered by itself {m.get('pairs', 0)} times{_hosts(assets)}"
                f", after {m.get('mean_recovery_seconds', 0):g} s on average")
        if m.get("flapping"):
            what = "flapping: " + what
    else:
        row = f" for {m['row']}" if m.get("row") else ""
        n = cand.metadata.get("event_count", 0)
        what = f"rule {m.get('rule', '?')} fired {n} time{'s' if n != 1 else ''}{row} on `{pattern}`{_hosts(assets)}"
    parts = [what, f"severity {SEVERITY_NAME.get(sig.severity_rank, 'unknown')}"]
    if raw.get("novelty", 0) > 0.5:
        parts.append(f"first seen at this tenant {_when(sig.first_seen)}")
    if feedback.decisions:
        said = ", ".join(f"{n} {d}" for d, n in sorted(feedback.decisions.items()))
        parts.append(f"operators marked this signature {said}")
    return "; ".join(parts) + "."
