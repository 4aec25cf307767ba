"""Incident memory: search, recall by a pasted log line, and an incident's page with its
recurrences, lessons and runbook hints, all editable."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from brainstem.api.auth import owned
from brainstem.memory.edit import IMPACT_LEVELS
from brainstem.models import INCIDENT_STATUSES

from . import charts
from .base import View, action, back_to, object_url, page, redirect, reviewer_name

router = APIRouter()


@page(router, "/incidents")
def incidents(view: View) -> Response:
    q = view.q("q")[:500]
    status = view.q("status") or None
    if status is not None and status not in INCIDENT_STATUSES:
        raise ValueError(f"status: {status[:40]!r} is not one of {', '.join(INCIDENT_STATUSES)}")
    found = view.ws.find_incidents(view.tenant.tenant_id, q or None, status)
    return view.render("incidents.html", items=found, q=q, status=status or "", statuses=INCIDENT_STATUSES)


@page(router, "/recall")
def recall(view: View) -> Response:
    text = view.q("text")[:10000]
    results = []
    if text:
        results = [r for r in view.ws.recall(text, tenant=view.tenant.tenant_id, limit=20)
                   if r.incident.tenant_id == view.tenant.tenant_id]
    return view.render("recall.html", text=text, results=results)


@page(router, "/incidents/{incident_id}")
def incident(view: View, incident_id: str) -> Response:
    if not incident_id.startswith("inc_"):
        raise LookupError(f"{incident_id}: no incident memory with this id")
    obj, _, _ = view.ws.show(incident_id)
    view.own(obj)
    iv = view.ws.incident_view(incident_id)
    strip = charts.recurrence_svg([(r.at, r.kind) for r in iv.recurrences if r.at is not None])
    return view.render("incident.html", iv=iv, inc=iv.incident, strip=strip, statuses=INCIDENT_STATUSES,
                       impacts=IMPACT_LEVELS, owner=view.ws.store.get_tenant(obj.tenant_id))


def _done(view: View, form: dict, default: str) -> Response:
    return redirect(back_to(form, default))


@action(router, "/incidents/{incident_id}/edit")
async def edit_incident(view: View, form: dict, incident_id: str) -> Response:
    p, who = view.principal, reviewer_name(view, form.get("reviewer", ""))

    def write(ws):
        owned(ws, p, incident_id, "incident memory")
        return ws.edit_incident(incident_id, title=form.get("title"), summary=form.get("summary"),
                                status=form.get("status") or None, impact_level=form.get("impact_level") or None,
                                editor=who)

    await view.write(write)
    return _done(view, form, object_url(incident_id))


@action(router, "/incidents/{incident_id}/lessons")
async def add_lesson(view: View, form: dict, incident_id: str) -> Response:
    p = view.principal

    def write(ws):
        owned(ws, p, incident_id, "incident memory")
        return ws.add_lesson(incident_id, form.get("text", ""))

    await view.write(write)
    return _done(view, form, object_url(incident_id) + "#lessons")


@action(router, "/incidents/{incident_id}/hints")
async def add_hint(view: View, form: dict, incident_id: str) -> Response:
    p = view.principal

    def write(ws):
        owned(ws, p, incident_id, "incident memory")
        return ws.add_hint(incident_id, form.get("text", ""))

    await view.write(write)
    return _done(view, form, object_url(incident_id) + "#hints")


@action(router, "/lessons/{lesson_id}/edit")
async def edit_lesson(view: View, form: dict, lesson_id: str) -> Response:
    p, who = view.principal, reviewer_name(view, form.get("reviewer", ""))

    def write(ws):
        owned(ws, p, lesson_id, "lesson")
        return ws.edit_lesson(lesson_id, form.get("text", ""), editor=who)

    les = await view.write(write)
    first = les.source_incident_memory_ids[0] if les.source_incident_memory_ids else None
    return _done(view, form, (object_url(first) + "#lessons") if first else "/incidents")


@action(router, "/hints/{hint_id}/edit")
async def edit_hint(view: View, form: dict, hint_id: str) -> Response:
    p, who = view.principal, reviewer_name(view, form.get("reviewer", ""))
    raw = form.get("priority", "").strip()
    if raw and not raw.isdigit():
        raise ValueError(f"priority must be a whole number from 1 to 5, got {raw[:20]!r}")

    def write(ws):
        owned(ws, p, hint_id, "runbook hint")
        return ws.edit_hint(hint_id, text=form.get("text"), priority=int(raw) if raw else None, editor=who)

    h = await view.write(write)
    first = h.trigger_incident_ids[0] if h.trigger_incident_ids else None
    return _done(view, form, (object_url(first) + "#hints") if first else "/incidents")
