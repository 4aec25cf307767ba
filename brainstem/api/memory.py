"""The human loop over HTTP: review and promote. Both are writes: they run on the
writer thread (``ctx.write``), in order with ingested batches, so the live
pipelines pick up the new feedback and incident memories at once."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from brainstem.models import to_dict

from . import schemas
from .auth import Principal, context, owned, principal
from .render import Json

router = APIRouter()


def _reviewer(p: Principal, given: str) -> str:
    return given.strip() or f"api:{p.key.name}"


@router.post("/reviews", response_model=schemas.ReviewResult, tags=["memory"],
             summary="Record a decision on a candidate, incident memory or lesson; related candidates are rescored")
async def review(body: schemas.ReviewIn, request: Request, p: Principal = Depends(principal)):
    def write(ws):
        owned(ws, p, body.subject_id, "candidate, incident memory or lesson")
        return ws.review(body.subject_id, body.decision, notes=body.notes, reviewer=_reviewer(p, body.reviewer))

    rev, rescored = await context(request).write(write)
    return Json({"review": to_dict(rev), "rescored": [to_dict(c) for c in rescored]})


@router.post("/candidates/{candidate_id}/promote", response_model=schemas.PromoteResult, tags=["memory"],
             summary="Turn a candidate into (or add it to) an incident memory, with a lesson and a hint")
async def promote(candidate_id: str, body: schemas.PromoteIn, request: Request, p: Principal = Depends(principal)):
    def write(ws):
        owned(ws, p, candidate_id, "candidate")
        return ws.promote(candidate_id, title=body.title, lesson=body.lesson, hint=body.hint,
                          reviewer=_reviewer(p, body.reviewer))

    inc = await context(request).write(write)
    return Json({"incident": to_dict(inc)})
