"""Read routes: candidate filters and paging (offset and cursor), objects with provenance,
signature search, memory lists, stats and recall."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from brainstem.models import Candidate, stable_id
from brainstem.store import WriteBatch
from brainstem.workspace import Workspace

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 5, 1, tzinfo=timezone.utc)
BANDS = ("ignore", "watch", "review", "urgent_human_review")


def _many(world, n=57):
    """n candidates in tenant acme: scores with ties, bands, types, hosts and times spread."""
    with Workspace(world.db) as ws:
        tid = ws.tenant("acme").tenant_id
        cands = []
        for i in range(n):
            first = T0 + timedelta(hours=i)
            cands.append(Candidate(
                candidate_id=stable_id("cand_", "paging", i), tenant_id=tid,
                candidate_type=("burst", "spread", "recurrence")[i % 3], title=f"paging {i}",
                first_seen_at=first, last_seen_at=first + timedelta(minutes=30 * (i % 4)),
                score_total=round(0.1 + (i % 7) * 0.1, 2), decision_band=BANDS[i % 4],
                metadata={"assets": [f"host{i % 5}", "common_host"], "signature_keys": []}))
        ws.store.write(WriteBatch(candidates=cands))
    return cands


async def _all(c, **params):
    r = await c.get("/api/v1/candidates", params=params | {"limit": 1000})
    assert r.status_code == 200, r.text
    return r.json()


async def test_offset_pages_and_cursor_pages_partition_the_same_order(world):
    _many(world)
    async with world.client() as c:
        everything = await _all(c)
        ids = [x["candidate_id"] for x in everything["items"]]
        assert everything["total"] == len(ids) == 57 + 3 and everything["next_cursor"] is None
        key = [(-x["score_total"], x["last_seen_at"], x["candidate_id"]) for x in everything["items"]]
        # best score first, then most recently seen (descending), then id
        for a, b in zip(key, key[1:]):
            assert a[0] < b[0] or (a[0] == b[0] and (a[1] > b[1] or (a[1] == b[1] and a[2] < b[2])))
        by_offset = []
        for offset in range(0, 60, 7):
            r = (await c.get("/api/v1/candidates", params={"limit": 7, "offset": offset})).json()
            assert r["total"] == 60 and r["offset"] == offset
            by_offset += [x["candidate_id"] for x in r["items"]]
        assert by_offset == ids
        by_cursor, cursor, pages = [], None, 0
        while True:
            params = {"limit": 8} | ({"cursor": cursor} if cursor else {})
            r = (await c.get("/api/v1/candidates", params=params)).json()
            by_cursor += [x["candidate_id"] for x in r["items"]]
            pages += 1
            cursor = r["next_cursor"]
            if cursor is None:
                break
        assert by_cursor == ids and pages == 8     # 60 = 7 full pages and 4, no empty page at the end
        bad = await c.get("/api/v1/candidates", params={"cursor": "not-a-cursor"})
        assert bad.status_code == 422 and "cursor" in bad.json()["error"]["message"]


async def test_cursor_is_stable_when_better_candidates_arrive_between_pages(world):
    _many(world)
    async with world.client() as c:
        first = (await c.get("/api/v1/candidates", params={"limit": 10})).json()
        with Workspace(world.db) as ws:
            tid = ws.tenant("acme").tenant_id
            ws.store.write(WriteBatch(candidates=[Candidate(
                candidate_id="cand_newcomer", tenant_id=tid, candidate_type="burst", title="newcomer",
                first_seen_at=T0, last_seen_at=T0, score_total=0.99, decision_band="urgent_human_review")]))
        second = (await c.get("/api/v1/candidates", params={"limit": 10, "cursor": first["next_cursor"]})).json()
        ids = [x["candidate_id"] for x in first["items"] + second["items"]]
        assert len(set(ids)) == 20 and "cand_newcomer" not in ids
        assert second["total"] == 61


async def test_filters_by_band_type_time_and_asset(world):
    cands = _many(world)
    async with world.client() as c:
        r = await _all(c, band=["review", "watch"])
        assert r["total"] == len(r["items"]) > 0
        assert {x["decision_band"] for x in r["items"]} == {"review", "watch"}
        r = await _all(c, min_band="review")
        assert {x["decision_band"] for x in r["items"]} <= {"review", "urgent_human_review",
                                                             "promote_to_incident_memory"}
        assert r["total"] == sum(1 for x in cands if x.decision_band in ("review", "urgent_human_review")) + \
            sum(1 for x in (await _all(c))["items"] if not x["title"].startswith("paging")
                and x["decision_band"] in ("review", "urgent_human_review", "promote_to_incident_memory"))
        r = await _all(c, type="spread")
        assert r["total"] > 0 and {x["candidate_type"] for x in r["items"]} == {"spread"}
        since, until = T0 + timedelta(hours=10), T0 + timedelta(hours=20)
        r = await _all(c, since=since.isoformat(), until=until.isoformat())
        want = {x.candidate_id for x in cands if x.last_seen_at >= since and x.first_seen_at <= until}
        assert {x["candidate_id"] for x in r["items"]} == want and len(want) > 5
        naive = await _all(c, since="2026-05-01T10:00:00", until="2026-05-01T20:00:00")   # no zone: UTC
        assert naive["total"] == r["total"]
        r = await _all(c, asset="host3")
        assert {x["candidate_id"] for x in r["items"]} == {x.candidate_id for x in cands if "host3" in
                                                           x.metadata["assets"]}
        # the host name is matched whole and literally: '_' is no wildcard, a prefix no match
        assert (await _all(c, asset="common_host"))["total"] == 57
        assert (await _all(c, asset="commonXhost"))["total"] == 0
        assert (await _all(c, asset="host"))["total"] == 0
        # an asset id works too
        r = await _all(c, asset=world.id("acme", "asset"))
        assert r["total"] >= 1
        bad = await c.get("/api/v1/candidates", params={"band": "huge"})
        assert bad.status_code == 422 and "band" in bad.json()["error"]["message"]
        bad = await c.get("/api/v1/candidates", params={"since": "yesterday"})
        assert bad.status_code == 422 and "since" in bad.json()["error"]["message"]
        bad = await c.get("/api/v1/candidates", params={"limit": 0})
        assert bad.status_code == 422


async def test_an_object_with_its_provenance_both_ways(world):
    async with world.client() as c:
        r = (await c.get(f"/api/v1/objects/{world.id('acme', 'candidate')}")).json()
        assert r["type"] == "candidate"
        assert {x["link_type"] for x in r["links_in"]} >= {"evidence_for"}
        assert any(x["target_id"] == world.id("acme", "incident") for x in r["links_out"])
        ev = (await c.get(f"/api/v1/objects/{world.id('acme', 'event')}")).json()
        assert ev["links_out"][0]["link_type"] == "fingerprinted_as"
        sig = (await c.get(f"/api/v1/objects/{ev['links_out'][0]['target_id']}")).json()
        assert sig["type"] == "signature" and any(x["source_id"] == world.id("acme", "event") for x in sig["links_in"])
        assert (await c.get("/api/v1/objects/nonsense")).status_code == 404


async def test_signature_search_and_paging(world):
    async with world.client() as c:
        everything = (await c.get("/api/v1/signatures", params={"limit": 1000})).json()
        assert everything["total"] == len(everything["items"]) >= 4
        counts = [s["occurrence_count"] for s in everything["items"]]
        assert counts == sorted(counts, reverse=True)
        r = (await c.get("/api/v1/signatures", params={"q": "BACKUP JOB"})).json()
        assert r["total"] == 1 and "Backup job" in r["items"][0]["normalized_pattern"]
        key = everything["items"][2]["signature_key"]
        r = (await c.get("/api/v1/signatures", params={"q": key})).json()
        assert [s["signature_key"] for s in r["items"]] == [key]
        # matched literally: '%' and '_' are no wildcards
        assert (await c.get("/api/v1/signatures", params={"q": "%LINK"})).json()["total"] == 2
        assert (await c.get("/api/v1/signatures", params={"q": "o%s"})).json()["total"] == 0
        assert (await c.get("/api/v1/signatures", params={"q": "pam_unix"})).json()["total"] == 1
        assert (await c.get("/api/v1/signatures", params={"q": "pamxunix"})).json()["total"] == 0
        page = (await c.get("/api/v1/signatures", params={"limit": 2, "offset": 1})).json()
        assert [s["signature_id"] for s in page["items"]] == [s["signature_id"] for s in everything["items"][1:3]]
        assert page["total"] == everything["total"]


async def test_memory_lists_stats_and_recall(world):
    async with world.client() as c:
        inc = (await c.get("/api/v1/incidents")).json()
        assert [x["incident_memory_id"] for x in inc["items"]] == [world.id("acme", "incident")]
        assert (await c.get("/api/v1/incidents", params={"status": "retired"})).json()["total"] == 0
        assert (await c.get("/api/v1/incidents", params={"status": "bogus"})).status_code == 422
        lessons = (await c.get("/api/v1/lessons")).json()
        assert [x["recommendation"] for x in lessons["items"]] == ["acme lesson"]
        hints = (await c.get("/api/v1/hints", params={"limit": 1, "offset": 1})).json()
        assert hints["total"] == 1 and hints["items"] == []
        stats = (await c.get("/api/v1/stats")).json()["tenants"]
        assert list(stats) == ["acme"] and stats["acme"]["incident_memory"] == 1
        got = (await c.get("/api/v1/recall", params={"text": "Backup job nightly-db failed: Network error"})).json()
        assert got["items"][0]["incident"]["incident_memory_id"] == world.id("acme", "incident")
        assert got["items"][0]["hints"][0]["hint_text"] == "acme hint"
        for params in ({"candidate": world.id("acme", "candidate")}, {"event": world.id("acme", "event")}):
            assert (await c.get("/api/v1/recall", params=params)).status_code == 200, params
        none = (await c.get("/api/v1/recall", params={"text": "kernel panic in the coffee machine"})).json()
        assert none["items"] == []
        r = await c.get("/api/v1/recall")
        assert r.status_code == 422
