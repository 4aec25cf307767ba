"""Review and promote over HTTP: they run on the writer thread, so the live pipeline
that keeps ingesting sees the decision at once."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def _candidate(c, cid):
    r = await c.get(f"/api/v1/objects/{cid}")
    assert r.status_code == 200
    return r.json()["object"]


def _feedback(cand) -> float:
    return next(x["raw"] for x in cand["score_breakdown"] if x["name"] == "feedback")


async def test_a_review_reaches_the_live_pipeline_that_goes_on_ingesting(world):
    cid = world.id("acme", "candidate")     # the nightly backup failure, recurring
    async with world.client() as c:
        # the writer's pipeline for acme is alive before the review
        r = await c.post("/api/v1/ingest/events", json=[{"message": "disk almost full on /var", "host": "web01",
                                                          "timestamp": "2026-03-06T12:00:00Z"}])
        assert r.status_code == 200 and r.json()["accepted"] == 1
        before = await _candidate(c, cid)
        r = await c.post("/api/v1/reviews", json={"subject_id": cid, "decision": "noise", "notes": "known, ignore"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["review"]["reviewer"] == "api:acme-key" and body["review"]["tenant_id"] == world.id("acme", "tenant")
        reviewed = next(x for x in body["rescored"] if x["candidate_id"] == cid)
        assert reviewed["score_total"] < before["score_total"]
        # the same failure again, on a new night: the live pipeline rescoring it keeps the operator's verdict
        r = await c.post("/api/v1/ingest/events", json=[{
            "timestamp": "2026-03-07T02:01:00Z", "host": "backup01", "service": "bacula-dir",
            "message": "Backup job nightly-db failed: Network error with FD (JobId=1099)"}])
        assert r.status_code == 200
        world.writer.queue.call(lambda ws: None).result(10)   # the writer has checkpointed what it had
        after = await _candidate(c, cid)
        assert after["last_seen_at"].startswith("2026-03-07")
        # more evidence raised the frequency, but the feedback term is the reviewed one (a pipeline
        # that missed the review would put back the feedback it loaded when it started)
        assert _feedback(after) == pytest.approx(_feedback(reviewed))
        assert _feedback(reviewed) < _feedback(before)
        assert after["score_total"] < before["score_total"]


async def test_promote_with_lesson_and_hint_then_recall_finds_it(world):
    cid = world.id("acme", "spread")
    async with world.client() as c:
        r = await c.post(f"/api/v1/candidates/{cid}/promote",
                         json={"title": "NTP servers unreachable", "lesson": "the NTP VLAN was down",
                               "hint": "check the core switch uplink", "reviewer": "ana"})
        assert r.status_code == 200, r.text
        inc = r.json()["incident"]
        assert inc["title"] == "NTP servers unreachable" and cid in inc["source_candidate_ids"]
        lessons = (await c.get("/api/v1/lessons")).json()["items"]
        assert "the NTP VLAN was down" in {x["recommendation"] for x in lessons}
        hints = (await c.get("/api/v1/hints")).json()["items"]
        assert "check the core switch uplink" in {x["hint_text"] for x in hints}
        got = (await c.get("/api/v1/recall", params={"candidate": cid})).json()["items"]
        assert got[0]["incident"]["incident_memory_id"] == inc["incident_memory_id"]
        assert got[0]["hints"][0]["hint_text"] == "check the core switch uplink"
        reviews = (await c.get(f"/api/v1/objects/{cid}")).json()
        assert reviews["object"]["metadata"]["incident_memory_id"] == inc["incident_memory_id"]


async def test_bad_reviews_are_named_and_change_nothing(world):
    async with world.client() as c:
        r = await c.post("/api/v1/reviews", json={"subject_id": world.id("acme", "candidate"), "decision": "meh"})
        assert r.status_code == 422 and "decision" in r.json()["error"]["message"]
        r = await c.post("/api/v1/reviews", json={"subject_id": "cand_000000000000000000000000", "decision": "useful"})
        assert r.status_code == 404
        r = await c.post("/api/v1/reviews", json={"subject_id": world.id("acme", "event"), "decision": "useful"})
        assert r.status_code == 422 and "no candidate, incident memory or lesson" in r.json()["error"]["message"]
        r = await c.post("/api/v1/reviews", json={"subject_id": world.id("acme", "candidate"), "decision": "useful",
                                                  "colour": "red"})
        assert r.status_code == 422 and "colour" in r.json()["error"]["message"]
        r = await c.post(f"/api/v1/candidates/{world.id('acme', 'event')}/promote", json={})
        assert r.status_code == 422
        r = await c.post("/api/v1/reviews", content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 422
    stats = world.ctx.reader().stats("acme")["acme"]
    assert stats["review"] == 2 and stats["incident_memory"] == 1       # as seeded


async def test_without_a_writer_reviews_are_written_directly(reader_world):
    w = reader_world
    async with w.client() as c:
        r = await c.post("/api/v1/reviews", json={"subject_id": w.id("acme", "incident"), "decision": "useful"})
        assert r.status_code == 200 and r.json()["review"]["subject_type"] == "incident_memory"
    assert w.ctx.reader().stats("acme")["acme"]["review"] == 3
