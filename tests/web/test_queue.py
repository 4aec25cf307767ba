"""The review queue: best first by band, filters, counts per band, paging, the live stream,
and the review and promote actions (as the keyboard script sends them, and as plain forms)."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from tests.web.conftest import console, csrf_of

from brainstem.models import DECISION_BANDS
from brainstem.store import WriteBatch
from brainstem.workspace import Workspace

pytestmark = pytest.mark.anyio
ROW = re.compile(r'<li class="cand band-(\w+)" data-id="(cand_\w+)"')
FETCH = {"X-Requested-With": "fetch"}


def rows(html: str) -> list[tuple[str, str]]:
    return ROW.findall(html)


async def test_the_queue_lists_a_tenants_candidates_best_first_grouped_by_band(world):
    with Workspace(world.db) as ws:
        expected = [c.candidate_id for c in ws.candidates("acme", limit=50)]
        counts = ws.band_counts_for("acme")
    async with console(world, "acme") as c:
        r = await c.get("/")
        assert r.status_code == 200
        found = rows(r.text)
        assert [cid for _, cid in found] == expected
        order = [DECISION_BANDS.index(b) for b, _ in found]
        assert order == sorted(order, reverse=True), "bands go from the top band down"
        for band, n in counts.items():
            assert f'data-band-count="{band}">{n}</b>' in r.text
        assert f"of {sum(counts.values())} candidates" in r.text
        # the decision already recorded on the seed's spread shows on its row
        spread = world.id("acme", "spread")
        row = r.text[r.text.index(f'data-id="{spread}"'):]
        assert '<span class="dec dec-useful">useful</span> by seed' in row[:3000]
        # accessible names: every decision button names the candidate it acts on
        assert re.search(r'aria-label="Noise: [^"]+"', r.text) and 'aria-label="Candidates per band"' in r.text


async def test_filters_by_band_type_asset_and_time_and_the_counts_follow_them(world):
    with Workspace(world.db) as ws:
        every = ws.candidates("acme", limit=100)
        spreads = [c.candidate_id for c in every if c.candidate_type == "spread"]
        sw01 = [c.candidate_id for c in every if "sw01" in c.metadata.get("assets", [])]
        late = [c.candidate_id for c in every if c.last_seen_at.isoformat() >= "2026-03-05"]
        band = every[0].decision_band
        in_band = [c.candidate_id for c in every if c.decision_band == band]
        spread_counts = ws.band_counts_for("acme", types=("spread",))
    assert spreads and sw01 and late and len(late) < len(every)
    async with console(world, "acme") as c:
        r = await c.get("/", params={"type": "spread"})
        assert [x for _, x in rows(r.text)] == spreads
        for b, n in spread_counts.items():
            assert f'data-band-count="{b}">{n}</b>' in r.text
        assert [x for _, x in rows((await c.get("/", params={"asset": "sw01"})).text)] == sw01
        assert [x for _, x in rows((await c.get("/", params={"since": "2026-03-05T00:00"})).text)] == late
        assert [x for _, x in rows((await c.get("/", params={"band": band})).text)] == in_band
        # the rows fragment the live queue fetches answers the same filters
        frag = await c.get("/queue/rows", params={"type": "spread"})
        assert frag.status_code == 200 and "<html" not in frag.text and [x for _, x in rows(frag.text)] == spreads
        counts = await c.get("/queue/counts", params={"type": "spread"})
        assert "<html" not in counts.text and 'data-band-count=' in counts.text
        # bad filters: a clear page naming the parameter, not a traceback
        for params, word in (({"band": "loud"}, "band"), ({"type": "x"}, "type"), ({"since": "last tuesday"}, "since"),
                             ({"offset": "-1"}, "offset")):
            r = await c.get("/", params=params)
            assert r.status_code == 422 and word in r.text and "Traceback" not in r.text, params


async def test_the_queue_pages(world):
    with Workspace(world.db) as ws:
        expected = [c.candidate_id for c in ws.candidates("acme", limit=100)]
    assert len(expected) >= 3
    world.ctx.settings._values["web_page_size"] = 1
    async with console(world, "acme") as c:
        first = await c.get("/")
        assert [x for _, x in rows(first.text)] == expected[:1] and 'rel="next"' in first.text
        nxt = re.search(r'href="(/\?[^"]*offset=1)" rel="next"', first.text).group(1).replace("&amp;", "&")
        second = await c.get(nxt)
        assert [x for _, x in rows(second.text)] == expected[1:2] and 'rel="prev"' in second.text
        assert f"2–2 of {len(expected)}" in second.text


async def test_the_live_stream_sends_a_new_mark_when_candidates_change(world):
    async with console(world, "acme") as c:
        page = await c.get("/")
        mark = re.search(r'data-mark="([^"]*)"', page.text).group(1)
        stream = await c.get("/queue/stream")
        assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: ")]
        assert events and events[0]["mark"] == mark and events[0]["tenant"] == "acme"
        with Workspace(world.db) as ws:
            c0 = ws.candidates("acme", limit=1)[0]
            ws.store.write(WriteBatch(candidates=[replace(c0, candidate_id="cand_" + "f" * 24, title="a new one",
                                                          metadata=dict(c0.metadata))]))
        again = await c.get("/queue/stream")
        marks = [json.loads(line[6:])["mark"] for line in again.text.splitlines() if line.startswith("data: ")]
        assert marks and marks[-1] != mark and marks[-1].startswith(f"{int(mark.split('|')[0]) + 1}|")
        assert "a new one" in (await c.get("/queue/rows")).text


async def test_a_decision_from_the_keyboard_script_is_recorded_with_note_and_reviewer(world):
    cand = world.id("acme", "candidate")
    async with console(world, "acme") as c:
        token = await csrf_of(c)
        r = await c.post(f"/candidates/{cand}/review", headers=FETCH | {"X-CSRF-Token": token},
                         data={"decision": "false_positive", "notes": "maintenance window", "reviewer": "ana"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["decision"] == "false_positive" and body["reviewer"] == "ana" and body["band"] in DECISION_BANDS
        with Workspace(world.db) as ws:
            last = ws.reviews_of(cand)[-1]
            assert (last.decision, last.notes, last.reviewer) == ("false_positive", "maintenance window", "ana")
        # the reviewer name is remembered for the next page
        assert 'value="ana"' in (await c.get("/")).text
        # no name in the form: the remembered one
        r = await c.post(f"/candidates/{cand}/review", headers=FETCH | {"X-CSRF-Token": token},
                         data={"decision": "useful"})
        assert r.json()["reviewer"] == "ana"
    async with console(world, "acme") as c:      # a browser that remembers none: the key's name
        token = await csrf_of(c)
        r = await c.post(f"/candidates/{cand}/review", headers=FETCH | {"X-CSRF-Token": token},
                         data={"decision": "useful"})
        assert r.json()["reviewer"] == "web:acme-key"
        r = await c.post(f"/candidates/{cand}/review", headers=FETCH | {"X-CSRF-Token": token},
                         data={"decision": "shrug"})
        assert r.status_code == 422 and "shrug" in r.json()["error"]["message"]


async def test_a_plain_form_decision_goes_back_where_it_came_from(world):
    cand = world.id("acme", "spread")
    async with console(world, "acme") as c:
        token = await csrf_of(c)
        r = await c.post(f"/candidates/{cand}/review", data={"decision": "noise", "csrf": token, "back": "/?type=spread"})
        assert r.status_code == 303 and r.headers["location"] == "/?type=spread"
        r = await c.post(f"/candidates/{cand}/review", data={"decision": "noise", "csrf": token,
                                                             "back": "https://evil.example/"})
        assert r.headers["location"] == f"/candidates/{cand}"


async def test_promote_makes_an_incident_memory_with_its_lesson_and_hint(world):
    with Workspace(world.db) as ws:
        cand = next(c for c in ws.candidates("acme", limit=100)
                    if c.candidate_type == "self_heal" and not c.metadata.get("incident_memory_id"))
    async with console(world, "acme") as c:
        token = await csrf_of(c)
        r = await c.post(f"/candidates/{cand.candidate_id}/promote", headers=FETCH | {"X-CSRF-Token": token},
                         data={"title": "Gi0/1 flaps", "lesson": "a bad SFP", "hint": "swap the SFP", "reviewer": "bo"})
        assert r.status_code == 200, r.text
        inc_id = r.json()["incident"]
        assert r.json()["incident_url"] == f"/incidents/{inc_id}"
        page = await c.get(f"/incidents/{inc_id}")
        assert page.status_code == 200 and "Gi0/1 flaps" in page.text and "a bad SFP" in page.text
        assert "swap the SFP" in page.text
        queue = await c.get("/")
        row = queue.text[queue.text.index(f'data-id="{cand.candidate_id}"'):]
        assert f'href="/incidents/{inc_id}">in memory' in row[:3000]
    with Workspace(world.db) as ws:
        assert ws.reviews_of(cand.candidate_id)[-1].reviewer == "bo"
