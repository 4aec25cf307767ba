"""Editing what memory holds: an incident's title, summary, status and impact; a
lesson's text; a runbook hint's text and priority. Who edited and when is kept
in the object's metadata (``edited_by``, ``edited_at``); ids never change, so
every provenance link stays valid."""
from __future__ import annotations

from brainstem.memory.review import ReviewError
from brainstem.models import INCIDENT_STATUSES, IncidentMemory, Lesson, RunbookHint, iso, utcnow
from brainstem.store.base import Store, WriteBatch

IMPACT_LEVELS = ("low", "medium", "high", "critical")
TITLE_MAX = 200
TEXT_MAX = 10000


def _text(value: str, what: str, most: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ReviewError(f"{what} may not be empty")
    if len(value) > most:
        raise ReviewError(f"{what} is {len(value)} characters long; at most {most}")
    return value


def _stamp(obj, editor: str) -> None:
    now = utcnow()
    obj.updated_at = now
    obj.metadata["edited_at"] = iso(now)
    if editor:
        obj.metadata["edited_by"] = editor


def _get(store: Store, object_id: str, prefix: str, what: str):
    obj = store.get(object_id) if object_id.startswith(prefix) else None
    if obj is None:
        raise LookupError(f"{object_id}: no {what} with this id")
    return obj


def edit_incident(store: Store, incident_id: str, *, title: str | None = None, summary: str | None = None,
                  status: str | None = None, impact_level: str | None = None, editor: str = "") -> IncidentMemory:
    inc = _get(store, incident_id, "inc_", "incident memory")
    if status is not None and status not in INCIDENT_STATUSES:
        raise ReviewError(f"unknown status {status!r}: choose one of {', '.join(INCIDENT_STATUSES)}")
    if impact_level is not None and impact_level not in IMPACT_LEVELS:
        raise ReviewError(f"unknown impact {impact_level!r}: choose one of {', '.join(IMPACT_LEVELS)}")
    if title is not None:
        inc.title = _text(title, "the title", TITLE_MAX)
    if summary is not None:
        inc.summary = _text(summary, "the summary", TEXT_MAX, required=False)
    if status is not None:
        inc.status = status
    if impact_level is not None:
        inc.impact_level = impact_level
    _stamp(inc, editor)
    store.write(WriteBatch(incidents=[inc]))
    return inc


def edit_lesson(store: Store, lesson_id: str, *, text: str, editor: str = "") -> Lesson:
    les = _get(store, lesson_id, "les_", "lesson")
    les.summary = les.recommendation = _text(text, "the lesson", TEXT_MAX)
    _stamp(les, editor)
    store.put_lesson(les)
    return les


def edit_hint(store: Store, hint_id: str, *, text: str | None = None, priority: int | None = None,
              editor: str = "") -> RunbookHint:
    h = _get(store, hint_id, "hint_", "runbook hint")
    if text is not None:
        h.hint_text = _text(text, "the hint", TEXT_MAX)
    if priority is not None:
        if not 1 <= int(priority) <= 5:
            raise ReviewError(f"priority {priority} is out of range: 1 (first) to 5")
        h.priority = int(priority)
    _stamp(h, editor)
    store.put_hint(h)
    return h


__all__ = ["IMPACT_LEVELS", "edit_hint", "edit_incident", "edit_lesson"]
