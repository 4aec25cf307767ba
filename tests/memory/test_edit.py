"""Editing incident memories, lessons and hints: what changes, what is refused, who edited."""
from __future__ import annotations

import shutil

import pytest

from tests.api.conftest import seed, settings  # noqa: F401

from brainstem.memory.review import ReviewError
from brainstem.workspace import Workspace


@pytest.fixture
def ws(seed, tmp_path):
    db = tmp_path / "e.db"
    shutil.copy(seed.db, db)
    with Workspace(db, settings()) as w:
        yield w


def test_edit_an_incident_keeps_its_id_and_links_and_names_the_editor(ws, seed):
    iid = seed.ids["acme"]["incident"]
    before = ws.show(iid)
    inc = ws.edit_incident(iid, title=" Nightly backup ", summary="", status="retired", impact_level="low",
                           editor="ana")
    again = ws.incident_view(iid).incident
    assert (again.title, again.summary, again.status, again.impact_level) == ("Nightly backup", "", "retired", "low")
    assert again.metadata["edited_by"] == "ana" and again.metadata["signature_keys"] == \
        before[0].metadata["signature_keys"]
    assert ws.show(iid)[2] == before[2] and inc.incident_memory_id == iid
    for kw in ({"status": "gone"}, {"impact_level": "huge"}, {"title": "   "}, {"title": "x" * 201}):
        with pytest.raises(ReviewError):
            ws.edit_incident(iid, **kw)
    assert ws.incident_view(iid).incident.status == "retired"
    with pytest.raises(LookupError):
        ws.edit_incident(seed.ids["acme"]["lesson"], title="x")


def test_lessons_and_hints_are_added_and_edited(ws, seed):
    iid = seed.ids["acme"]["incident"]
    les = ws.add_lesson(iid, "the NAS fills")
    hint = ws.add_hint(iid, "clean the NAS")
    ws.edit_lesson(les.lesson_id, "the NAS fills at 01:50", editor="bo")
    ws.edit_hint(hint.runbook_hint_id, priority=1)
    view = ws.incident_view(iid)
    assert "the NAS fills at 01:50" in [x.summary for x in view.lessons]
    assert [(h.hint_text, h.priority) for h in view.hints if h.runbook_hint_id == hint.runbook_hint_id] == \
        [("clean the NAS", 1)]
    with pytest.raises(ReviewError):
        ws.edit_hint(hint.runbook_hint_id, priority=0)
    with pytest.raises(ReviewError):
        ws.add_lesson(iid, "  ")
    with pytest.raises(LookupError):
        ws.edit_lesson(hint.runbook_hint_id, "x")
