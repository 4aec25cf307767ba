"""Incident memory in the console: search, recall by a pasted log line, and an incident's
page with its recurrences, lessons and hints, all editable."""
from __future__ import annotations

import re

import pytest

from tests.web.conftest import console, csrf_of

from brainstem.workspace import Workspace

pytestmark = pytest.mark.anyio


async def test_search_and_recall_by_a_pasted_syslog_line(world):
    inc = world.id("acme", "incident")
    async with console(world, "acme") as c:
        r = await c.get("/incidents")
        assert f"/incidents/{inc}" in r.text and 'id="recall-text"' in r.text
        assert f"/incidents/{inc}" in (await c.get("/incidents", params={"q": "BACKUP nightly"})).text
        assert f"/incidents/{inc}" not in (await c.get("/incidents", params={"q": "printer"})).text
        assert f"/incidents/{inc}" not in (await c.get("/incidents", params={"status": "retired"})).text
        line = "Mar  9 02:00:41 backup01 bacula-dir[2211]: Backup job nightly-db failed: Network error with FD (JobId=1099)"
        r = await c.get("/recall", params={"text": line})
        assert r.status_code == 200 and f"/incidents/{inc}" in r.text
        assert "same signature" in r.text and "acme lesson" in r.text and "acme hint" in r.text
        r = await c.get("/recall", params={"text": "completely unrelated printer jam"})
        assert f"/incidents/{inc}" not in r.text and "Nothing in this tenant" in r.text


async def test_the_incident_page_and_every_edit(world):
    inc = world.id("acme", "incident")
    async with console(world, "acme") as c:
        page = await c.get(f"/incidents/{inc}")
        assert page.status_code == 200 and "Timeline of recurrences" in page.text and 'class="chart recur"' in page.text
        assert "promoted from" in page.text
        token = await csrf_of(c, f"/incidents/{inc}")
        r = await c.post(f"/incidents/{inc}/edit", data={"csrf": token, "title": "Nightly DB backup fails",
                                                         "summary": "the FD drops", "status": "historical",
                                                         "impact_level": "high", "reviewer": "ana"})
        assert r.status_code == 303 and r.headers["location"] == f"/incidents/{inc}"
        r = await c.post(f"/incidents/{inc}/lessons", data={"csrf": token, "text": "check the NAS first"})
        assert r.headers["location"] == f"/incidents/{inc}#lessons"
        await c.post(f"/incidents/{inc}/hints", data={"csrf": token, "text": "restart bacula-fd on backup01"})
        page = (await c.get(f"/incidents/{inc}")).text
        assert "Nightly DB backup fails" in page and "check the NAS first" in page and "restart bacula-fd" in page
        lesson = re.search(r'action="/lessons/(les_\w+)/edit"', page).group(1)
        hint = re.search(r'action="/hints/(hint_\w+)/edit"', page).group(1)
        await c.post(f"/lessons/{lesson}/edit", data={"csrf": token, "text": "the NAS fills at 01:50"})
        await c.post(f"/hints/{hint}/edit", data={"csrf": token, "text": "free space on the NAS", "priority": "1"})
        r = await c.post(f"/incidents/{inc}/edit", data={"csrf": token, "status": "forgotten"})
        assert r.status_code == 422 and "forgotten" in r.text
        r = await c.post(f"/incidents/{inc}/edit", data={"csrf": token, "title": "  "})
        assert r.status_code == 422 and "title" in r.text
        r = await c.post(f"/hints/{hint}/edit", data={"csrf": token, "priority": "9"})
        assert r.status_code == 422
    with Workspace(world.db) as ws:
        view = ws.incident_view(inc)
        assert (view.incident.title, view.incident.status, view.incident.impact_level) == \
            ("Nightly DB backup fails", "historical", "high")
        assert view.incident.metadata["edited_by"] == "ana"
        assert any(x.summary == "the NAS fills at 01:50" for x in view.lessons)
        assert [(h.hint_text, h.priority) for h in view.hints if h.runbook_hint_id == hint] == \
            [("free space on the NAS", 1)]
