"""Explainable scores: evidence that something is unusual, scaled by severity.

``score_total`` is in [0, 1]:

    evidence = weighted mean of the type's evidence components (each in [0, 1])
    base     = evidence x (floor + (1 - floor) x severity)     (severity squared for anomalies)
    score    = base x (1 - weight_background x background) x maturity + feedback

The evidence components say how unusual the pattern is for this tenant (a
recurrence's odds against chance, a burst's rate over its own baseline, a
spread's share of the fleet, a new signature's surprise given how often the
tenant meets new ones, a precursor's confidence). Severity alone scores
nothing: without evidence there is nothing to scale. ``background`` is the
share of the tenant's active hours the signature is in anyway (steady
chatter is demoted however loud its words); ``maturity`` discounts bursts,
spreads and rate anomalies judged on a short history (the tenant's; for the
rates of bursts and rate anomalies, its logging since it last fell silent:
a laptop that just resumed has no baseline yet). Operator feedback is
added last and can be negative.

The breakdown lists every part with its raw value, the weight it entered
with and its contribution; the contributions add up to ``score_total``
(before clamping to [0, 1]): each evidence component contributes its share
of ``evidence x floor``, ``severity`` the rest of ``base``, ``background``
and ``history`` their (negative) discounts, ``feedback`` its push.

Everything but the signature's pattern comes from the finding's metrics, so
a candidate scores the same whichever batch its events arrived in.
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
    "recurrence": ("regularity", "coverage", "frequency"),
    "burst": ("burstiness", "frequency", "novelty"),
    "spread": ("spread", "fleet", "novelty"),
    "self_heal": ("recovery", "frequency"),
    "precursor": ("confidence", "support"),
    "anomaly": ("novelty",),
    "anomaly_rate": ("burstiness", "frequency"),
    "rule": ("rule", "frequency", "spread", "novelty"),
}
# kinds judged against a baseline that a short history has not learned yet
NEEDS_HISTORY = ("burst", "spread", "anomaly_rate")
RATE_BASELINES = ("burst", "anomaly_rate")

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
    patterns: list[str] = field(default_factory=list)     # every signature's pattern, in the candidate's order


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
    """Tenant-wide facts: the span of its timeline, for novelty of rule firings."""

    first_ts: float
    last_ts: float


def band_for(score: float, settings) -> str:
    cuts = (settings.band_watch, settings.band_review, settings.band_urgent, settings.band_promote)
    band = 0
    for i, cut in enumerate(cuts, start=1):
        if score >= cut:
            band = i
    return DECISION_BANDS[band]


def saturate(x: float, half: float) -> float:
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


def surprise(bits: float) -> float:
    """A new signature's surprise in [0, 1]: nothing at 4 bits (1 in 16 events brings one), all at 10."""
    return min(max((bits - 4.0) / 6.0, 0.0), 1.0)


def kind(cand: Candidate) -> str:
    """How to score a candidate: rule firings by their own yardstick, whatever type the rule gave them."""
    m = cand.metadata.get("metrics", {})
    if "rule" in m:
        return "rule"
    if cand.candidate_type == "anomaly" and m.get("kind") == "rate":
        return "anomaly_rate"
    return cand.candidate_type


def raw_components(cand: Candidate, sig: SignatureFacts, ctx: Context) -> dict[str, float]:
    m = cand.metadata.get("metrics", {})
    k = kind(cand)
    events = cand.metadata.get("event_count", 0)
    nov = m.get("novelty")
    raw: dict[str, float] = {
        "novelty": nov if nov is not None else novelty(cand.first_seen_at.timestamp(), sig.first_seen, ctx),
        "spread": saturate(max(len(cand.metadata.get("assets", [])) - 1, 0), 4),
    }
    if k == "recurrence":
        chance = max(float(m.get("chance", 1.0)), 1e-12)
        raw["regularity"] = saturate(-math.log2(chance), 6)
        raw["coverage"] = float(m.get("coverage", 0.0))
        raw["frequency"] = saturate(m.get("buckets", 0) - 2, 2)
    elif k in ("burst", "anomaly_rate"):
        raw["burstiness"] = min(math.log10(max(m.get("ratio", 1.0), 1.0)) / 2.0, 1.0)
        raw["frequency"] = saturate(m.get("peak", m.get("count", 0)), 30 if k == "burst" else 50)
    elif k == "spread":
        reached = m.get("max_assets", 0)
        raw["spread"] = saturate(reached - 1, 4)
        raw["fleet"] = min(reached / max(m.get("fleet", reached) or 1, 1), 1.0)
    elif k == "self_heal":
        raw["recovery"] = saturate(m.get("pairs", 0), 3)
        raw["frequency"] = saturate(m.get("pairs", 0), 10)
    elif k == "precursor":
        raw["confidence"] = float(m.get("confidence", 0.0))
        raw["support"] = saturate(m.get("support", 0) - 1, 3)
    elif k == "anomaly":
        # a recurrence or precursor of the same signature says it better
        raw["novelty"] = 0.0 if m.get("covered_by") else surprise(m.get("surprise_bits", 0.0))
    else:
        raw["rule"] = 1.0                         # an operator's rule matched: evidence by definition
        raw["frequency"] = saturate(events, 5)   # each finding of a rule is one firing
    return raw


def score(cand: Candidate, sig: SignatureFacts, ctx: Context, feedback: Feedback, settings) -> None:
    """Fill in ``score_total``, ``score_breakdown``, ``decision_band``, ``explanation``, ``confidence``."""
    k = kind(cand)
    m = cand.metadata.get("metrics", {})
    names = COMPONENTS_BY_TYPE.get(k, COMPONENTS_BY_TYPE["rule"])
    raw = raw_components(cand, sig, ctx)
    rank = m.get("severity", sig.severity_rank)
    sev = SEVERITY_VALUE.get(rank, 0.3)
    floor = float(settings.severity_floor)
    if k.startswith("anomaly"):
        # something new is worth a look when it is severe: severity counts squared
        floor, sev = float(settings.anomaly_severity_floor), sev * sev
    weights = {n: float(settings[f"weight_{n}"]) for n in names}
    total_w = sum(weights.values()) or 1.0
    evidence = sum(weights[n] * raw.get(n, 0.0) for n in names) / total_w
    breakdown: list[dict[str, Any]] = []
    for n in names:
        w = weights[n] / total_w * floor
        breakdown.append(_row(n, raw.get(n, 0.0), w))
    breakdown.append(_row("severity", sev, evidence * (1.0 - floor)))
    base = evidence * (floor + (1.0 - floor) * sev)
    bg = float(m.get("background", 0.0))
    bg_w = -base * float(settings.weight_background)
    breakdown.append(_row("background", bg, bg_w))
    total = base + bg_w * bg
    maturity = 1.0
    if k in NEEDS_HISTORY and "history_hours" in m:
        hours = float(m["history_hours"])
        if k in RATE_BASELINES:
            # a rate is only learned while the tenant logs: since its last silence, not across it
            hours = min(hours, float(m.get("awake_hours", hours)))
        maturity = saturate(hours, float(settings.maturity_half_hours))
        breakdown.append(_row("history", 1.0 - maturity, -total))
        total *= maturity
    fb_raw = math.tanh(feedback.push / 2.0)
    breakdown.append(_row("feedback", fb_raw, float(settings.weight_feedback)))
    total = min(max(total + settings.weight_feedback * fb_raw, 0.0), 1.0)
    cand.score_total = round(total, 4)
    cand.score_breakdown = breakdown
    cand.decision_band = band_for(cand.score_total, settings)
    evidence_n = cand.metadata.get("event_count", 0) + 5 * len(cand.source_group_ids)
    cand.confidence = round(saturate(evidence_n, 10), 3)
    cand.explanation = explain(cand, sig, ctx, feedback, raw, rank=rank, background=bg, maturity=maturity)


def _row(name: str, raw: float, weight: float) -> dict[str, Any]:
    return {"name": name, "raw": round(raw, 4), "weight": round(weight, 4), "contribution": round(raw * weight, 4)}


# -- the sentence --------------------------------------------------------------------------

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


def _short(pattern: str, n: int = 80) -> str:
    return pattern if len(pattern) <= n else pattern[:n - 3] + "..."


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def _odds(chance: float) -> str:
    if chance >= 0.5:
        return "likely by chance"
    return f"about 1 in {1 / max(chance, 1e-12):,.0f} by chance"


_WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def _what(cand: Candidate, sig: SignatureFacts, k: str) -> str:
    m = cand.metadata.get("metrics", {})
    assets = cand.metadata.get("assets", [])
    pattern = _short(sig.pattern)
    if k == "recurrence":
        start, width = m.get("window_start", 0), m.get("window_hours", 1)
        span = f"between {start:02d}:00 and {(start + width) % 24:02d}:00 UTC"
        if m.get("bucket") == "week":
            span = f"{_WEEKDAYS[m.get('weekday', 0) % 7]} {span}"
        unit = "week" if m.get("bucket") == "week" else "day"
        return (f"`{pattern}` came back on {m.get('buckets', 0)} of {m.get('observed', 0)} {unit}s, {span}"
                f"{_hosts(assets)} (a window with {m.get('activity_share', 0):.0%} of the tenant's activity; "
                f"{_odds(m.get('chance', 1.0))})")
    if k == "burst":
        what = (f"`{pattern}` burst to {m.get('peak', 0)} events in {int(m.get('window_seconds', 0)) // 60} min"
                f"{_hosts(assets)}, {m.get('ratio', 0):g}x its usual rate")
        return what + (f" ({m['bursts']} bursts)" if m.get("bursts", 1) > 1 else "")
    if k == "spread":
        fleet = m.get("fleet")
        of = f" of {fleet}" if fleet and fleet >= m.get("max_assets", 0) else ""
        return (f"`{pattern}` appeared on {m.get('max_assets', 0)}{of} hosts within {m.get('minutes', 0):g} min"
                f" (usually {m.get('baseline_assets', 0):g})")
    if k == "self_heal":
        if m.get("source") == "alert":
            what = (f"alert `{pattern}` cleared by itself {m.get('pairs', 0)} times{_hosts(assets)} with no one "
                    f"acknowledging it, after {_minutes(m.get('mean_recovery_seconds', 0))} on average")
            if m.get("handled"):
                what += f" ({m['handled']} more were acknowledged first)"
        else:
            what = (f"`{pattern}` recovered by itself {m.get('pairs', 0)} times{_hosts(assets)}"
                    f", after {m.get('mean_recovery_seconds', 0):g} s on average")
        return ("flapping: " + what) if m.get("flapping") else what
    if k == "precursor":
        target = _short(sig.patterns[1] if len(sig.patterns) > 1 else "?", 60)
        lead = f"{_minutes(m.get('lead_min', 0))}–{_minutes(m.get('lead_max', 0))} ahead"
        hosts = m.get("assets", 1)
        record = (f"{m.get('support', 0)} of {m.get('episodes', 0)} times"
                  f"{f' on {hosts} hosts' if hosts > 1 else ''}, {lead}")
        if m.get("kind") == "prediction":
            return (f"`{_short(sig.pattern, 60)}` on {m.get('predicted_asset', '?')} at "
                    f"{_when(m.get('predicted_at', 0))} UTC predicts `{target}`: it came before it {record}")
        return f"`{_short(sig.pattern, 60)}` came before `{target}` {record}"
    if k == "anomaly":
        level = SEVERITY_NAME.get(m.get("severity", 6), "")
        rate = (f"the tenant met {m.get('new_signatures_24h', 0)} other new signatures this severe in its last "
                f"{m.get('events_24h', 0):,} events" if m.get("new_signatures_24h") else
                f"the first new {level} or worse in the tenant's last {m.get('events_24h', 0):,} events")
        what = (f"`{pattern}` never seen at this tenant before {_when(cand.first_seen_at.timestamp())} UTC"
                f"{_hosts(assets)} ({m.get('count', 1)} in its first {_minutes(m.get('hold_seconds', 0))}); {rate}")
        if m.get("covered_by"):
            what += f"; now explained by the {m['covered_by'].replace('_', '-')} candidate of the same signature"
        return what
    if k == "anomaly_rate":
        return (f"`{pattern}` logged {m.get('count', 0)} times in the hour from {m.get('hour', 0):02d}:00 UTC"
                f"{_hosts(assets)}, {m.get('ratio', 0):g}x its usual {m.get('usual', 0):g} for that hour")
    row = f" for {m['row']}" if m.get("row") else ""
    n = cand.metadata.get("event_count", 0)
    return f"rule {m.get('rule', '?')} fired {n} time{'s' if n != 1 else ''}{row} on `{pattern}`{_hosts(assets)}"


def explain(cand: Candidate, sig: SignatureFacts, ctx: Context, feedback: Feedback, raw: dict[str, float], *,
            rank: int | None = None, background: float = 0.0, maturity: float = 1.0) -> str:
    """One sentence: what happened, how unusual it is, what operators said."""
    k = kind(cand)
    rank = sig.severity_rank if rank is None else rank
    parts = [_what(cand, sig, k), f"severity {SEVERITY_NAME.get(rank, 'unknown')}"]
    if k in ("burst", "spread", "rule", "self_heal") and raw.get("novelty", 0) > 0.5:
        parts.append(f"first seen at this tenant {_when(sig.first_seen)}")
    if background >= 0.3:
        parts.append(f"steady background: in {background:.0%} of the tenant's hours")
    if maturity < 0.75:
        m = cand.metadata.get("metrics", {})
        history, awake = m.get("history_hours", 0), m.get("awake_hours", m.get("history_hours", 0))
        if awake < history:
            parts.append(f"the tenant began logging again {awake:g} h before, after a silence: little to judge by")
        else:
            parts.append(f"only {history:g} h of history to judge by")
    if feedback.decisions:
        said = ", ".join(f"{n} {d}" for d, n in sorted(feedback.decisions.items()))
        parts.append(f"operators marked this signature {said}")
    return "; ".join(parts) + "."
