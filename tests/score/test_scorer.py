from datetime import datetime, timezone

import pytest

from brainstem.models import Candidate
from brainstem.score.scorer import Context, Feedback, SignatureFacts, band_for, score
from brainstem.settings import load_settings

T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
SETTINGS = load_settings(env={})


def _cand(ctype="recurrence", **metrics):
    base = {"recurrence": {"buckets": 7, "bucket": "day", "regularity": 1.0, "usual_hour": 2},
            "burst": {"ratio": 100.0, "peak": 200, "window_seconds": 300, "bursts": 1},
            "spread": {"max_assets": 12, "minutes": 3.0, "baseline_assets": 0},
            "self_heal": {"pairs": 12, "mean_recovery_seconds": 30, "flapping": True}}[ctype]
    base.update(metrics)
    return Candidate(candidate_id="cand_x", tenant_id="tn_x", candidate_type=ctype, title="t",
                     first_seen_at=T0, last_seen_at=T0,
                     metadata={"metrics": base, "assets": ["h1"], "event_count": 7})


CTX = Context(first_ts=T0.timestamp(), last_ts=T0.timestamp() + 7 * 86400)


@pytest.mark.parametrize("ctype", ["recurrence", "burst", "spread", "self_heal"])
def test_breakdown_adds_up_and_names_every_component(ctype):
    c = _cand(ctype)
    score(c, SignatureFacts("backup failed", severity_rank=3, first_seen=CTX.first_ts), CTX, Feedback(), SETTINGS)
    assert 0 <= c.score_total <= 1
    assert abs(sum(x["contribution"] for x in c.score_breakdown) - c.score_total) < 0.002
    names = [x["name"] for x in c.score_breakdown]
    assert names[0] == "severity" and names[-1] == "feedback"
    assert c.decision_band == band_for(c.score_total, SETTINGS)
    assert c.explanation.endswith(".") and "backup failed" in c.explanation


def test_error_outranks_the_same_pattern_at_info():
    err, info = _cand(), _cand()
    score(err, SignatureFacts("p", severity_rank=3), CTX, Feedback(), SETTINGS)
    score(info, SignatureFacts("p", severity_rank=6), CTX, Feedback(), SETTINGS)
    assert err.score_total > info.score_total + 0.3
    assert info.decision_band in ("ignore", "watch")


def test_noise_feedback_lowers_and_useful_raises():
    plain, noise, useful = _cand(), _cand(), _cand()
    facts = SignatureFacts("p", severity_rank=3)
    fb_noise, fb_useful = Feedback(), Feedback()
    fb_noise.add("noise")
    fb_useful.add("useful")
    score(plain, facts, CTX, Feedback(), SETTINGS)
    score(noise, facts, CTX, fb_noise, SETTINGS)
    score(useful, facts, CTX, fb_useful, SETTINGS)
    assert noise.score_total < plain.score_total < useful.score_total
    assert "noise" in noise.explanation


def test_bands_follow_configured_thresholds():
    s = SETTINGS.replace(band_watch=0.1, band_review=0.2, band_urgent=0.3, band_promote=0.9)
    assert band_for(0.05, s) == "ignore"
    assert band_for(0.25, s) == "review"
    assert band_for(0.89, s) == "urgent_human_review"
    assert band_for(0.95, s) == "promote_to_incident_memory"


def test_novelty_is_high_for_a_signature_new_when_the_candidate_began():
    from datetime import timedelta
    known, new = _cand("spread"), _cand("spread")
    for c in (known, new):
        c.first_seen_at = T0 + timedelta(days=5)
    at = known.first_seen_at.timestamp()
    score(known, SignatureFacts("p", 3, first_seen=CTX.first_ts), CTX, Feedback(), SETTINGS)
    score(new, SignatureFacts("p", 3, first_seen=at - 60), CTX, Feedback(), SETTINGS)
    assert next(x["raw"] for x in known.score_breakdown if x["name"] == "novelty") == 0.0
    assert next(x["raw"] for x in new.score_breakdown if x["name"] == "novelty") > 0.99
    assert new.score_total > known.score_total
    assert "first seen at this tenant" in new.explanation and "first seen" not in known.explanation
