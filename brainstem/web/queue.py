"""The review queue: candidates by band (best first), filters, counts per band, a live
stream of changes, and the review and promote actions the keyboard drives."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from brainstem.api.auth import owned
from brainstem.models import CANDIDATE_TYPES, DECISION_BANDS, REVIEW_DECISIONS, iso

from .base import (
    SECURITY_HEADERS, View, _failure, action, back_to, object_url, open_view, page, redirect, remember_reviewer,
    reviewer_name, wants_json,
)

router = APIRouter()


@dataclass
class Filters:
    bands: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    asset: str = ""
    since: datetime | None = None
    until: datetime | None = None
    since_text: str = ""
    until_text: str = ""

    def query(self, **extra) -> str:
        pairs = [("band", b) for b in self.bands] + [("type", t) for t in self.types]
        for name, value in (("asset", self.asset), ("since", self.since_text), ("until", self.until_text)):
            if value:
                pairs.append((name, value))
        pairs += [(k, str(v)) for k, v in extra.items() if v not in (None, "", 0)]
        return urlencode(pairs)

    def only_band(self, band: str, **extra) -> str:
        """This query with the band filter set to ``band`` alone (a click on a band's count)."""
        return Filters((band,), self.types, self.asset, self.since, self.until, self.since_text,
                       self.until_text).query(**extra)

    @property
    def active(self) -> bool:
        return bool(self.bands or self.types or self.asset or self.since or self.until)


def _time(view: View, name: str) -> tuple[datetime | None, str]:
    raw = view.q(name)
    if not raw:
        return None, ""
    try:
        dt = datetime.fromisoformat(raw.replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name}: {raw[:40]!r} is not a time (YYYY-MM-DD HH:MM, UTC)") from None
    return (dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)), raw


def filters_of(view: View) -> Filters:
    bands, types = tuple(view.qs("band")), tuple(view.qs("type"))
    for b in bands:
        if b not in DECISION_BANDS:
            raise ValueError(f"band: unknown band {b[:40]!r} (one of {', '.join(DECISION_BANDS)})")
    for t in types:
        if t not in CANDIDATE_TYPES:
            raise ValueError(f"type: unknown candidate type {t[:40]!r} (one of {', '.join(CANDIDATE_TYPES)})")
    since, since_text = _time(view, "since")
    until, until_text = _time(view, "until")
    return Filters(bands, types, view.q("asset")[:255], since, until, since_text, until_text)


def _queue(view: View) -> dict:
    f = filters_of(view)
    size = view.settings.web_page_size
    offset = view.int_q("offset", 0)
    ws, tid = view.ws, view.tenant.tenant_id
    p = ws.candidate_page(tid, bands=f.bands, types=f.types, since=f.since, until=f.until, host=f.asset or None,
                          limit=size, offset=offset)
    counts = ws.band_counts_for(tid, types=f.types, since=f.since, until=f.until, host=f.asset or None)
    decisions = ws.decisions(tid, [c.candidate_id for c in p.items])
    mark = ws.candidates_changed(tid)
    back = "/?" + f.query(tenant=view.tenant.slug if view.admin else "", offset=offset)
    return {"f": f, "page": p, "counts": counts, "decisions": decisions, "mark": _mark(mark), "back": back,
            "offset": offset, "size": size, "types": CANDIDATE_TYPES, "all_bands": DECISION_BANDS}


def _mark(mark: tuple[int, str | None]) -> str:
    return f"{mark[0]}|{mark[1] or ''}"


@page(router, "/")
def queue(view: View) -> Response:
    data = _queue(view)
    data["hosts"] = view.ws.hostnames(view.tenant.tenant_id)
    return view.render("queue.html", **data)


@page(router, "/queue/rows", fragment=True)
def queue_rows(view: View) -> Response:
    return view.render("_queue_list.html", **_queue(view))


@page(router, "/queue/counts", fragment=True)
def queue_counts(view: View) -> Response:
    return view.render("_queue_counts.html", **_queue(view))


@router.get("/queue/stream", include_in_schema=False, name="web.queue_stream")
async def queue_stream(request: Request) -> Response:
    """Server-sent events: ``mark`` whenever the tenant's candidates change (and once at the
    start); the stream ends after ``web_stream_seconds`` and the browser reconnects."""
    ctx = request.app.state.ctx
    try:
        view = await run_in_threadpool(lambda: open_view(request, ctx.reader()))
    except Exception as exc:    # not signed in, another tenant: refused like any fragment
        return _failure(request, exc, quiet=True)
    tid, slug = view.tenant.tenant_id, view.tenant.slug
    cookie = request.cookies.get("bs_session")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.settings.web_stream_seconds
    poll = max(0.05, ctx.settings.web_stream_poll_seconds)

    def stopping() -> bool:
        return ctx.stopping.is_set() or (ctx.queue is not None and ctx.queue.closed)

    def check():
        from .session import read_session
        ws = ctx.reader()
        read_session(ws, cookie, ctx.settings.web_session_hours * 3600)   # a revoked key ends the stream
        return ws.candidates_changed(tid)

    async def events():
        yield "retry: 3000\n\n"
        last = None
        while not stopping():
            try:
                mark = await run_in_threadpool(check)
            except Exception:   # signed out, revoked, store away: end; the browser asks again
                return
            if mark != last:
                last = mark
                yield f"event: mark\ndata: {json.dumps({'tenant': slug, 'mark': _mark(mark), 'total': mark[0]})}\n\n"
            if loop.time() >= deadline:
                return
            await asyncio.sleep(min(poll, max(deadline - loop.time(), 0.0)))

    headers = dict(SECURITY_HEADERS, **{"X-Accel-Buffering": "no"})
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@action(router, "/candidates/{candidate_id}/review")
async def review(view: View, form: dict, candidate_id: str) -> Response:
    decision = form.get("decision", "")
    if decision not in REVIEW_DECISIONS:
        raise ValueError(f"decision: {decision[:40]!r} is not one of {', '.join(REVIEW_DECISIONS)}")
    notes = form.get("notes", "").strip()[:4000]
    who = reviewer_name(view, form.get("reviewer", ""))
    p = view.principal

    def write(ws):
        owned(ws, p, candidate_id, "candidate")
        rev, rescored = ws.review(candidate_id, decision, notes=notes, reviewer=who)
        cand = ws.store.get(candidate_id)
        inc = cand.metadata.get("incident_memory_id") if cand else None
        return rev, cand, inc

    rev, cand, inc = await view.write(write)
    if wants_json(view.request):
        resp = JSONResponse({"review_id": rev.review_id, "decision": rev.decision, "reviewer": rev.reviewer,
                             "reviewed_at": iso(rev.reviewed_at), "score": cand.score_total, "band": cand.decision_band,
                             "incident": inc, "incident_url": object_url(inc) if inc else None},
                            headers=SECURITY_HEADERS)
    else:
        resp = redirect(back_to(form, object_url(candidate_id)))
    return remember_reviewer(resp, view, form.get("reviewer", ""))


@action(router, "/candidates/{candidate_id}/promote")
async def promote(view: View, form: dict, candidate_id: str) -> Response:
    title = form.get("title", "").strip()[:200] or None
    lesson = form.get("lesson", "").strip()[:4000] or None
    hint = form.get("hint", "").strip()[:4000] or None
    who = reviewer_name(view, form.get("reviewer", ""))
    p = view.principal

    def write(ws):
        owned(ws, p, candidate_id, "candidate")
        return ws.promote(candidate_id, title=title, lesson=lesson, hint=hint, reviewer=who)

    inc = await view.write(write)
    url = object_url(inc.incident_memory_id)
    if wants_json(view.request):
        resp = JSONResponse({"incident": inc.incident_memory_id, "incident_url": url, "title": inc.title,
                             "decision": "promote"}, headers=SECURITY_HEADERS)
    else:
        resp = redirect(url)
    return remember_reviewer(resp, view, form.get("reviewer", ""))
