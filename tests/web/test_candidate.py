"""A candidate's page: title and explanation, the breakdown bars that add up to the score,
the evidence timeline, its signatures, raw events paged, provenance, and "seen before?"."""
from __future__ import annotations

import re

import pytest

from tests.web.conftest import console

from brainstem.workspace import Workspace

pytestmark = pytest.mark.anyio


async def test_the_page_explains_the_candidate_in_full(world):
    cid = world.id("acme", "candidate")              # the nightly backup failure, promoted by the seed
    with Workspace(world.db) as ws:
        c = ws.store.get(cid)
        tl = ws.candidate_timeline(cid)
        inc = ws.incidents("acme")[0]
    async with console(world, "acme") as cl:
        r = await cl.get(f"/candidates/{cid}")
    assert r.status_code == 200
    html = r.text
    assert c.title in html.replace("&lt;", "<").replace("&gt;", ">") and c.explanation.split("`")[0] in html
    # breakdown: one bar per component, each starting where the previous ended
    bars = re.findall(r'<span class="bd-bar(?: neg)?" style="left: ([\d.]+)%; width: ([\d.]+)%"', html)
    assert len(bars) == len(c.score_breakdown)
    cum, peak = 0.0, 1.0          # the track is 0..1, or 0..the highest running sum when it passes 1
    for comp in c.score_breakdown:
        cum += comp["contribution"]
        peak = max(peak, cum)
    cum = 0.0
    for (left, width), comp in zip(bars, c.score_breakdown):
        start = cum + min(comp["contribution"], 0)
        assert float(left) == pytest.approx(max(start, 0) / peak * 100, abs=0.02)
        assert float(width) == pytest.approx(abs(comp["contribution"]) / peak * 100, abs=0.05)
        cum += comp["contribution"]
    total = re.search(r'class="bd-bar total" style="left: 0%; width: ([\d.]+)%"', html).group(1)
    assert float(total) == pytest.approx(min(c.score_total, 1) / peak * 100, abs=0.02)
    # the timeline: bars per host, the windows shaded, the baseline line, an accessible description
    svg = html[html.index('<svg class="chart timeline"'):html.index("</svg>", html.index('<svg class="chart timeline"'))]
    assert 'role="img"' in svg and "<desc" in svg and f"{tl.series.total} events" in svg
    assert svg.count('class="window"') == len(tl.windows) >= 1 and 'class="baseline"' in svg
    assert "backup01" in svg
    # signatures with example lines and variables; raw events; seen before; provenance
    assert "Example lines" in html and "nightly-db failed" in html
    assert "1–" in html and "events of its signatures" in html
    assert inc.title.split(":")[0] in html and "acme lesson" in html and "acme hint" in html
    assert "promoted to" in html and f"/incidents/{inc.incident_memory_id}" in html
    assert "evidence for" in html


async def test_raw_events_page_as_a_fragment_and_on_the_page(world):
    cid = world.id("acme", "spread")
    world.ctx.settings._values["web_page_size"] = 2
    with Workspace(world.db) as ws:
        every = ws.candidate_events(cid, limit=100)
    assert every.total > 2
    async with console(world, "acme") as cl:
        frag = await cl.get(f"/candidates/{cid}/events", params={"events": 2})
        assert frag.status_code == 200 and "<html" not in frag.text
        ids = re.findall(r'href="/objects/(ev_\w+)"', frag.text)
        assert ids == [e.event_id for e in every.items[2:4]]
        assert f"3–{min(4, every.total)} of {every.total}" in frag.text and 'rel="prev"' in frag.text
        page = await cl.get(f"/candidates/{cid}", params={"events": 2})
        assert re.findall(r'href="/objects/(ev_\w+)"><time', page.text)[:2] == ids


async def test_an_event_group_asset_or_review_has_an_object_page_with_its_provenance(world):
    async with console(world, "acme") as cl:
        for kind in ("event", "group", "asset", "review", "lesson", "hint"):
            oid = world.id("acme", kind)
            r = await cl.get(f"/objects/{oid}")
            assert r.status_code == 200 and oid in r.text and "Came from" in r.text, kind
        r = await cl.get(f"/objects/{world.id('acme', 'candidate')}")
        assert r.status_code == 303 and r.headers["location"] == f"/candidates/{world.id('acme', 'candidate')}"
        assert (await cl.get("/objects/ev_000000000000000000000000")).status_code == 404
        assert (await cl.get("/candidates/sig_000000000000000000000000")).status_code == 404
