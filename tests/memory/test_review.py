"""The human loop: decisions are stored and change later scoring."""
from __future__ import annotations

from datetime import timedelta

import pytest

from brainstem.memory.review import ReviewError
from brainstem.settings import load_settings
from brainstem.workspace import Workspace

from tests.pipeline.scenario import START, scenario_lines, write


def _ws(path):
    return Workspace(path, load_settings(env={}))


def _spread(ws):
    return next(c for c in ws.candidates("acme", limit=100) if c.candidate_type == "spread")


def test_a_signature_marked_noise_scores_lower_next_time(tmp_path):
    week1 = write(tmp_path / "w1.log", scenario_lines(days=5))
    week2 = write(tmp_path / "w2.log", scenario_lines(days=5, seed=2, start=START + timedelta(days=7)))
    control, reviewed = _ws(tmp_path / "control.db"), _ws(tmp_path / "reviewed.db")
    for ws in (control, reviewed):
        ws.ingest([str(week1)], tenant="acme")
    before = _spread(reviewed)
    assert _spread(control).score_total == before.score_total

    rev, rescored = reviewed.review(before.candidate_id, "noise", notes="ntp flaps weekly", reviewer="ana")
    assert rev.decision == "noise" and rev.reviewer == "ana" and rev.subject_type == "candidate"
    assert before.candidate_id in {c.candidate_id for c in rescored}
    assert reviewed.store.get(before.candidate_id).score_total < before.score_total   # at once

    # next time: the same spread comes back in week 2
    for ws in (control, reviewed):
        ws.ingest([str(week2)], tenant="acme")
    after_control, after_reviewed = _spread(control), _spread(reviewed)
    assert after_control.metadata["metrics"]["spreads"] == 2 == after_reviewed.metadata["metrics"]["spreads"]
    assert after_reviewed.score_total < after_control.score_total - 0.1
    fb = next(x for x in after_reviewed.score_breakdown if x["name"] == "feedback")
    assert fb["contribution"] < 0
    assert "marked this signature 1 noise" in after_reviewed.explanation


def test_useful_raises_and_bad_input_is_refused(tmp_path):
    ws = _ws(tmp_path / "b.db")
    ws.ingest([str(write(tmp_path / "w1.log", scenario_lines(days=5)))], tenant="acme")
    c = _spread(ws)
    _, rescored = ws.review(c.candidate_id, "urgent")
    assert next(x for x in rescored if x.candidate_id == c.candidate_id).score_total > c.score_total
    with pytest.raises(ReviewError, match="unknown decision"):
        ws.review(c.candidate_id, "meh")
    with pytest.raises(ReviewError, match="no candidate"):
        ws.review("cand_doesnotexist", "noise")
    assert [r.decision for r in ws.store.reviews(c.tenant_id)] == ["urgent"]


def test_review_promote_creates_incident_memory(tmp_path):
    ws = _ws(tmp_path / "b.db")
    ws.ingest([str(write(tmp_path / "w1.log", scenario_lines(days=5)))], tenant="acme")
    c = _spread(ws)
    ws.review(c.candidate_id, "promote")
    incs = ws.incidents("acme")
    assert len(incs) == 1 and incs[0].source_candidate_ids == [c.candidate_id]
    # promoting again joins the same memory rather than making a second one
    ws.promote(c.candidate_id)
    assert len(ws.incidents("acme")) == 1
