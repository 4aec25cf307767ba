from datetime import datetime, timedelta, timezone

import pytest

from brainstem.models import Candidate
from brainstem.score.scorer import Context, Feedback, SignatureFacts, band_for, score
from brainstem.settings import load_settings

T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
SETTINGS = load_settings(env={})
CTX = Context(first_ts=T0.timestamp(), last_ts=T0.timestamp() + 7 * 86400)

METRICS = {
    "recurrence": {"bucket": "day", "buckets": 6, "observed": 7, "coverage": 0.8571, "window_start": 1,
                   "window_hours": 4, "activity_share": 0.1667, "chance": 0.0006},
    "burst": {"ratio": 100.0, "peak": 200, "window_seconds": 300, "bursts": 1, "novelty": 0.0},
    "spread": {"max_assets": 10, "fleet": 12, "minutes": 3.0, "baseline_assets": 0, "novelty": 1.0},
    "self_heal": {"pairs": 12, "mean_recovery_seconds": 30, "flapping": True},
    "precursor": {"kind": "confirmed", "support": 4, "episodes": 4, "confidence": 1.0, "assets": 4,
                  "lead_min": 120, "lead_max": 600},
    "anomaly": {"kind": "new", "surprise_bits": 12.0, "new_signatures_24h": 1, "events_24h": 20000, "count": 1,
                "hold_seconds": 600},
}


def _cand(ctype="recurrence", hosts=("h1",), **metrics):
    m = dict(METRICS[ctype], severity=3, background=0.0, history_hours=96.0)
    m.update(metrics)
    return Candidate(candidate_id="cand_x", tenant_id="tn_x", candidate_type=ctype, title="t",
                     first_seen_at=T0 + timedelta(days=4), last_seen_at=T0 + timedelta(days=4),
                     metadata={"metrics": m, "assets": list(hosts), "event_count": 7})


def _scored(c, fb=None, sig=None):
    score(c, sig or SignatureFacts("backup failed", patterns=["backup failed", "db crashed"]), CTX, fb or Feedback(),
          SETTINGS)
    return c


def _part(c, name):
    return next(x for x in c.score_breakdown if x["name"] == name)


@pytest.mark.parametrize("ctype", sorted(METRICS))
def test_breakdown_adds_up_and_names_every_part(ctype):
    c = _scored(_cand(ctype, background=0.2))
    assert 0 <= c.score_total <= 1
    assert abs(sum(x["contribution"] for x in c.score_breakdown) - c.score_total) < 0.002
    names = [x["name"] for x in c.score_breakdown]
    assert {"severity", "background", "feedback"} <= set(names) and names[-1] == "feedback"
    for x in c.score_breakdown:
        assert abs(x["raw"] * x["weight"] - x["contribution"]) < 0.001, x
    assert c.decision_band == band_for(c.score_total, SETTINGS)
    assert c.explanation.endswith(".") and "backup failed" in c.explanation
    assert any(ch.isdigit() for ch in c.explanation), "an explanation gives numbers"


@pytest.mark.parametrize("ctype", sorted(METRICS))
def test_severity_alone_scores_nothing(ctype):
    weak = {"recurrence": {"chance": 1.0, "coverage": 0.0, "buckets": 2},
            "burst": {"ratio": 1.0, "peak": 0, "novelty": 0.0},
            "spread": {"max_assets": 1, "fleet": 100, "novelty": 0.0},
            "self_heal": {"pairs": 0},
            "precursor": {"confidence": 0.0, "support": 1, "assets": 1},
            "anomaly": {"surprise_bits": 3.0}}[ctype]
    c = _scored(_cand(ctype, hosts=(), severity=0, **weak))
    assert c.score_total < 0.05 and c.decision_band == "ignore"


def test_the_same_evidence_at_info_stays_below_review_and_at_error_reaches_it():
    for ctype in ("recurrence", "burst", "spread", "self_heal", "precursor"):
        err, info = _scored(_cand(ctype)), _scored(_cand(ctype, severity=6))
        assert err.score_total > info.score_total + 0.2, ctype
        assert info.decision_band in ("ignore", "watch"), ctype
        assert err.decision_band not in ("ignore", "watch"), ctype


def test_a_new_message_is_worth_review_when_severe_and_not_when_it_is_a_warning():
    assert _scored(_cand("anomaly", severity=2)).decision_band in ("urgent_human_review", "promote_to_incident_memory")
    assert _scored(_cand("anomaly", severity=4)).decision_band in ("ignore", "watch")
    # a tenant that meets new messages all the time: even a new error is not news
    assert _scored(_cand("anomaly", severity=3, surprise_bits=5.0)).decision_band in ("ignore", "watch")


def test_steady_background_is_demoted_and_says_so():
    quiet, steady = _scored(_cand("burst")), _scored(_cand("burst", background=0.9))
    assert steady.score_total < quiet.score_total * 0.5
    assert steady.decision_band in ("ignore", "watch")
    assert _part(steady, "background")["contribution"] < 0
    assert "steady background: in 90% of the tenant's hours" in steady.explanation
    assert "steady background" not in quiet.explanation


def test_a_burst_on_a_short_history_counts_for_less():
    short, long = _scored(_cand("burst", history_hours=2.0)), _scored(_cand("burst", history_hours=96.0))
    assert short.score_total < long.score_total * 0.3
    assert _part(short, "history")["contribution"] < 0 and "only 2 h of history" in short.explanation
    # a recurrence is judged on days anyway: no history discount
    assert "history" not in {x["name"] for x in _scored(_cand("recurrence", history_hours=2.0)).score_breakdown}


def test_noise_feedback_lowers_and_useful_raises():
    fb_noise, fb_useful = Feedback(), Feedback()
    fb_noise.add("noise")
    fb_useful.add("useful")
    plain, noise, useful = _scored(_cand()), _scored(_cand(), fb_noise), _scored(_cand(), fb_useful)
    assert noise.score_total < plain.score_total < useful.score_total
    assert "noise" in noise.explanation


def test_bands_follow_configured_thresholds():
    s = SETTINGS.replace(band_watch=0.1, band_review=0.2, band_urgent=0.3, band_promote=0.9)
    assert band_for(0.05, s) == "ignore"
    assert band_for(0.25, s) == "review"
    assert band_for(0.89, s) == "urgent_human_review"
    assert band_for(0.95, s) == "promote_to_incident_memory"


def test_explanations_read_in_one_breath():
    rec = _scored(_cand("recurrence")).explanation
    assert "came back on 6 of 7 days, between 01:00 and 05:00 UTC on h1" in rec and "1 in 1,667 by chance" in rec
    weekly = _scored(_cand("recurrence", bucket="week", weekday=6, buckets=3, observed=3)).explanation
    assert "on 3 of 3 weeks, Sundays between 01:00 and 05:00 UTC" in weekly
    pre = _scored(_cand("precursor", hosts=("r1", "r2", "r3", "r4"))).explanation
    assert "`backup failed` came before `db crashed` 4 of 4 times on 4 hosts, 2 min–10 min ahead" in pre
    pred = _scored(_cand("precursor", kind="prediction", predicted_asset="r9",
                         predicted_at=T0.timestamp() + 3600)).explanation
    assert "on r9 at 2026-03-02 01:00 UTC predicts `db crashed`" in pred
    new = _scored(_cand("anomaly", severity=2)).explanation
    assert "never seen at this tenant before 2026-03-06 00:00 UTC on h1" in new and "severity critical" in new
    spread = _scored(_cand("spread", hosts=[f"h{i}" for i in range(10)])).explanation
    assert "appeared on 10 of 12 hosts within 3 min" in spread
    heal = _scored(_cand("self_heal", source="alert", handled=2, mean_recovery_seconds=240)).explanation
    assert "alert `backup failed` cleared by itself 12 times on h1 with no one acknowledging it" in heal
    assert "after 4 min on average (2 more were acknowledged first)" in heal
    for text in (rec, weekly, pre, pred, new, spread, heal):
        assert len(text) < 400, text


def test_rule_firings_are_evidence_by_themselves():
    c = Candidate(candidate_id="cand_r", tenant_id="tn_x", candidate_type="spread", title="t",
                  first_seen_at=T0, last_seen_at=T0,
                  metadata={"metrics": {"rule": "sshfail.many_hosts", "row": "ip=203.0.113.7"}, "assets": ["a"],
                            "event_count": 1})
    score(c, SignatureFacts("sshd: Failed password", severity_rank=3), CTX, Feedback(), SETTINGS)
    assert c.decision_band == "review" and "rule sshfail.many_hosts fired 1 time for ip=203.0.113.7" in c.explanation


def test_a_new_signature_another_candidate_covers_scores_nothing():
    c = _scored(_cand("anomaly", severity=2, covered_by="recurrence"))
    assert c.score_total == 0.0 and c.decision_band == "ignore"
    assert "now explained by the recurrence candidate of the same signature" in c.explanation
