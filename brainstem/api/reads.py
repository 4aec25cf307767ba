"""Read routes: candidates, any object with its provenance, signatures, incidents,
lessons, hints, stats, recall. Each runs on the calling thread's own reader."""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Query, Request

from brainstem.models import Tenant, object_type_of, to_dict

from . import schemas
from .auth import Principal, context, owned, principal, scope_of, tenant_scope
from .render import Json, Paging, page, paging, sliced

router = APIRouter()


def _utc(dt: datetime | None) -> datetime | None:
    """A time without a zone is UTC (as everywhere in brainstem)."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=timezone.utc)


@router.get("/candidates", response_model=schemas.CandidatePage, tags=["candidates"],
            summary="Candidates, best score first, filtered and paged")
def candidates(request: Request, t: Tenant = Depends(tenant_scope), paging: Paging = Depends(paging),
               band: list[schemas.Band] = Query([], description="Only these bands (repeat for several)."),
               min_band: schemas.Band | None = Query(None, description="Only this band or above."),
               types: list[schemas.CandidateType] = Query([], alias="type", description="Only these types."),
               since: datetime | None = Query(None, description="Seen at or after (ISO 8601; UTC without a zone)."),
               until: datetime | None = Query(None, description="First seen at or before."),
               asset: str | None = Query(None, description="Only candidates whose evidence names this host "
                                                           "(a hostname or an asset id)."),
               cursor: str | None = Query(None, description="next_cursor of the previous page (then offset is "
                                                            "ignored).")):
    p = context(request).reader().candidate_page(
        t.tenant_id, bands=tuple(band), min_band=min_band, types=tuple(types), since=_utc(since),
        until=_utc(until), host=asset, limit=paging.limit, offset=paging.offset, cursor=cursor)
    return Json(page(p, cursor=True))


@router.get("/objects/{object_id}", response_model=schemas.ObjectView, tags=["objects"],
            summary="Any object by id, with its provenance links both ways")
def show(object_id: str, request: Request, p: Principal = Depends(principal)):
    ws = context(request).reader()
    obj, out, inc = ws.show(object_id)
    p.check(obj)
    mine = (lambda link: True) if p.admin else (lambda link: link.tenant_id == p.tenant.tenant_id)
    return Json({"type": object_type_of(object_id), "object": to_dict(obj),
                 "links_out": [to_dict(x) for x in out if mine(x)], "links_in": [to_dict(x) for x in inc if mine(x)]})


@router.get("/signatures", response_model=schemas.SignaturePage, tags=["signatures"],
            summary="Signatures (log templates), most frequent first; search with q")
def signatures(request: Request, t: Tenant = Depends(tenant_scope), paging: Paging = Depends(paging),
               q: str | None = Query(None, description="A signature key, or text found in the pattern or example "
                                                       "(case-insensitive).")):
    p = context(request).reader().signature_page(t.tenant_id, text=q, limit=paging.limit, offset=paging.offset)
    return Json(page(p))


@router.get("/incidents", response_model=schemas.IncidentPage, tags=["memory"],
            summary="Incident memories, most recently observed first")
def incidents(request: Request, t: Tenant = Depends(tenant_scope), paging: Paging = Depends(paging),
              status: schemas.IncidentStatus | None = Query(None)):
    items = context(request).reader().incidents(t.tenant_id, status=status)
    return Json(page(sliced(items, paging.limit, paging.offset)))


@router.get("/lessons", response_model=schemas.LessonPage, tags=["memory"], summary="Lessons, oldest first")
def lessons(request: Request, t: Tenant = Depends(tenant_scope), paging: Paging = Depends(paging)):
    items = context(request).reader().lessons(t.tenant_id)
    return Json(page(sliced(items, paging.limit, paging.offset)))


@router.get("/hints", response_model=schemas.HintPage, tags=["memory"],
            summary="Runbook hints, by priority")
def hints(request: Request, t: Tenant = Depends(tenant_scope), paging: Paging = Depends(paging)):
    items = context(request).reader().hints(t.tenant_id)
    return Json(page(sliced(items, paging.limit, paging.offset)))


@router.get("/stats", response_model=schemas.Stats, tags=["objects"],
            summary="Object counts per tenant (an admin key without ?tenant= gets every tenant)")
def stats(request: Request, p: Principal = Depends(principal),
          tenant: str | None = Query(None, description="Tenant slug or id (admin keys).")):
    ws = context(request).reader()
    if p.admin and tenant is None:
        return Json({"tenants": ws.stats()})
    return Json({"tenants": ws.stats(scope_of(ws, p, tenant).tenant_id)})


@router.get("/recall", response_model=schemas.RecallResult, tags=["memory"],
            summary="Have we seen this before? Matching incident memories, with lessons and hints")
def recall(request: Request, t: Tenant = Depends(tenant_scope), p: Principal = Depends(principal),
           text: str | None = Query(None, description="A message or pasted log line."),
           event_id: str | None = Query(None, alias="event"), signature_key: str | None = Query(None, alias="signature"),
           candidate_id: str | None = Query(None, alias="candidate"),
           limit: int = Query(10, ge=1, le=100)):
    ws = context(request).reader()
    for ref in (event_id, candidate_id):
        if ref:
            owned(ws, p, ref)
    found = ws.recall(text, tenant=t.tenant_id, event_id=event_id, signature_key=signature_key,
                      candidate_id=candidate_id, limit=limit)
    return Json({"items": [{"incident": to_dict(r.incident), "score": r.score, "reasons": r.reasons,
                            "lessons": [to_dict(x) for x in r.lessons], "hints": [to_dict(x) for x in r.hints]}
                           for r in found]})
