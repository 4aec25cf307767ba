"""The signature explorer: search, both sorts, sparklines, and a signature's own page."""
from __future__ import annotations

import re

import pytest

from tests.web.conftest import console

from brainstem.workspace import Workspace

pytestmark = pytest.mark.anyio
SIG = re.compile(r'href="/signatures/(sig_\w+)"')


async def test_search_sort_and_a_sparkline_per_signature(world):
    with Workspace(world.db) as ws:
        by_count = ws.signature_page("acme", limit=50)
        by_last = ws.signature_page("acme", limit=50, order="last_seen")
        backup = ws.signature_page("acme", text="BACKUP job")
    assert [s.signature_id for s in by_count.items] != [s.signature_id for s in by_last.items]
    async with console(world, "acme") as c:
        r = await c.get("/signatures")
        assert SIG.findall(r.text) == [s.signature_id for s in by_count.items]
        assert r.text.count('<svg class="spark"') == len(by_count.items)
        assert re.search(r'<svg class="spark"[^>]*role="img" aria-label="\d+ events in the 7 d', r.text)
        r = await c.get("/signatures", params={"sort": "last_seen"})
        assert SIG.findall(r.text) == [s.signature_id for s in by_last.items]
        r = await c.get("/signatures", params={"q": "BACKUP job"})
        assert SIG.findall(r.text) == [s.signature_id for s in backup.items] and backup.total >= 1
        assert (await c.get("/signatures", params={"sort": "loudest"})).status_code == 422


async def test_a_signature_page_shows_examples_variables_rate_versions_and_candidates(world):
    with Workspace(world.db) as ws:
        sig = ws.signature_page("acme", text="Backup job").items[0]
        view = ws.signature_view(sig.signature_id)
    async with console(world, "acme") as c:
        r = await c.get(f"/signatures/{sig.signature_id}")
    assert r.status_code == 200
    assert "Example lines" in r.text and view.examples[0].message_raw in r.text
    assert "Versions and aliases" in r.text and f"Version {sig.signature_version}" in r.text
    assert 'aria-label="Rate: ' in r.text
    for cand in view.candidates:
        assert f"/candidates/{cand.candidate_id}" in r.text
    for name in view.variables:
        assert f"<dt>{name}</dt>" in r.text
