"""`brainstem demo` end to end: the planted patterns come out near the top of each tenant's candidates."""
from __future__ import annotations

import pytest

from brainstem.demo.run import matches, run_demo
from brainstem.workspace import Workspace

NEAR_THE_TOP = 10


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo-run")
    ws = Workspace(d / "brainstem.db")
    try:
        yield run_demo(ws, d / "data", top=5)
    finally:
        ws.close()


def test_every_planted_pattern_is_found_near_the_top(result):
    assert set(result) == {"acme", "globex"}
    ranks = {(slug, p["planted"].kind): p["rank"] for slug, r in result.items() for p in r["planted"]}
    assert len(ranks) == 12
    missed = {k: v for k, v in ranks.items() if v is None or v > NEAR_THE_TOP}
    assert not missed, f"planted patterns not in the top {NEAR_THE_TOP}: {missed} (all ranks: {ranks})"


def test_the_top_candidate_of_each_tenant_is_planted(result):
    for slug, r in result.items():
        assert r["top"], slug
        assert any(p["rank"] == 1 for p in r["planted"]), f"{slug}: the top candidate is not a planted pattern"


def test_no_decoy_reaches_the_review_queue(result):
    for slug, r in result.items():
        assert len(r["decoys"]) == 4
        assert not [d["decoy"].kind for d in r["decoys"] if d["surfaced"]], slug


def test_ingest_read_every_line_cleanly(result):
    for slug, r in result.items():
        s = r["stats"]
        assert s.bad_lines == 0 and s.lines_read == s.events_stored > 28_000, (slug, vars(s))


@pytest.mark.parametrize("pattern, service, message, expected", [
    ("%LINK-3-UPDOWN: Interface <*>, changed state to down", "%LINK-3-UPDOWN",
     "Interface GigabitEthernet0/1, changed state to down", True),
    ("%LINK-3-UPDOWN: Interface <*>, changed state to down", "%LINK-3-UPDOWN",
     "Interface GigabitEthernet0/1, changed state to up", False),
    ("CRON: (root) CMD ( cd / && run-parts --report <*>)", "CRON",
     "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)", True),
    ("nfs: server nyc-nas-01 not responding, timed out", None, "nfs: server nyc-nas-01 not responding, timed out", True),
    ("nfs: server <*> not responding, timed out", None, "nfs: server nyc-nas-01 OK", False),
])
def test_matches(pattern, service, message, expected):
    assert matches(pattern, service, message) is expected
