"""Ingest over HTTP: the events schema, configured webhooks, LogicMonitor.

Each route reads the body (413 past ``http_max_body_bytes``), has a decoder of
``brainstem.sources`` turn it into records (off the event loop), queues them
for the writer under the key's tenant (an admin key: ``?tenant=``) and answers
once they are committed. Elements that do not decode are listed by index; the
others are stored, and the answer is then 422 so that a sender notices.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Request

from brainstem.models import Tenant
from brainstem.service.context import ServiceUnavailable
from brainstem.service.inbound import Inbound
from brainstem.sources.body import BodyError, Decoded
from brainstem.sources.events import decode_events
from brainstem.sources.webhook import WebhookMapping, decode_webhook

from . import schemas
from .auth import context, tenant_scope
from .render import Json, read_body

router = APIRouter()

_BODY = {"content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                     "application/x-ndjson": {"schema": {"type": "string"}}},
         "required": True}
_RESPONSES = {422: {"model": schemas.IngestResult, "description": "Some elements refused (the others are stored)"},
              413: {"model": schemas.Error, "description": "Body over http_max_body_bytes, or too many events"},
              400: {"model": schemas.Error, "description": "The body as a whole cannot be read"},
              503: {"model": schemas.Error, "description": "No writer in this process, or it is stopping"}}


def _writable(ctx) -> None:
    if ctx.queue is None:
        raise ServiceUnavailable("this process has no ingest writer (run `brainstem serve`)")
    if ctx.stopping.is_set() or ctx.queue.closed:
        raise ServiceUnavailable("the service is stopping")


async def _store(ctx, tenant: Tenant, source: str, decoded: Decoded, received_at: float) -> Json:
    m = ctx.metrics
    if decoded.errors:
        m.bad.labels(source).inc(len(decoded.errors))
    if decoded.truncated:
        m.truncated.labels(source).inc(decoded.truncated)
    items = [Inbound(tenant.slug, rec, source, received_at) for rec in decoded.records]
    try:
        accepted = await ctx.ingest(items)
    except ServiceUnavailable:
        raise
    except Exception as exc:   # the writer could not commit the batch: the sender should retry
        raise ServiceUnavailable(f"not stored, retry later: {exc}") from None
    body = {"accepted": accepted, "rejected": len(decoded.errors), "truncated": decoded.truncated,
            "errors": [e.to_dict() for e in decoded.errors]}
    return Json(body, status_code=422 if decoded.errors else 200)


def _request_path(source: str) -> str:
    """Each request is its own 'file' for the event factory: identical events inside one
    request are distinct, and the same request sent again gives the same event ids."""
    return f"{source}/{uuid.uuid4().hex[:16]}"


@router.post("/ingest/events", response_model=schemas.IngestResult, responses=_RESPONSES, tags=["ingest"],
             openapi_extra={"requestBody": _BODY},
             summary="Events in brainstem's schema: a JSON array, one object, or NDJSON")
async def ingest_events(request: Request, t: Tenant = Depends(tenant_scope)):
    ctx = context(request)
    _writable(ctx)
    s = ctx.settings
    body = await read_body(request, s.http_max_body_bytes)
    received_at = time.time()
    decoded = await asyncio.to_thread(
        decode_events, body, request.headers.get("content-type"), source_path=_request_path("http:events"),
        received=datetime.fromtimestamp(received_at, timezone.utc), max_events=s.http_max_events,
        max_message_bytes=s.http_max_message_bytes)
    return await _store(ctx, t, "http:events", decoded, received_at)


def webhook_mappings(config) -> dict[str, WebhookMapping]:
    """The ``[webhook.NAME]`` mappings of the serve config (``config.webhooks``)."""
    found = getattr(config, "webhooks", None) if config is not None else None
    if found is None and isinstance(config, dict):
        found = config.get("webhooks")
    return dict(found or {})


@router.post("/ingest/webhook/{name}", response_model=schemas.IngestResult, responses=_RESPONSES, tags=["ingest"],
             openapi_extra={"requestBody": _BODY},
             summary="A webhook whose field mapping is the [webhook.NAME] table of the serve config")
async def ingest_webhook(name: str, request: Request, t: Tenant = Depends(tenant_scope)):
    ctx = context(request)
    mappings = webhook_mappings(ctx.config)
    mapping = mappings.get(name)
    if mapping is None:
        known = ", ".join(sorted(mappings)) or "none configured"
        raise LookupError(f"no webhook {name!r} in the serve config (known: {known}); add a [webhook.{name}] table")
    _writable(ctx)
    s = ctx.settings
    body = await read_body(request, s.http_max_body_bytes)
    received_at = time.time()
    source = f"webhook:{name}"
    decoded = await asyncio.to_thread(
        decode_webhook, mapping, body, request.headers.get("content-type"), source_path=_request_path(source),
        received=datetime.fromtimestamp(received_at, timezone.utc), max_events=s.http_max_events,
        max_message_bytes=s.http_max_message_bytes)
    return await _store(ctx, t, source, decoded, received_at)


@router.post("/ingest/logicmonitor", response_model=schemas.IngestResult, responses=_RESPONSES, tags=["ingest"],
             openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}},
                                            "required": True}},
             summary="LogicMonitor Custom HTTP Delivery (the body template is in docs/logicmonitor.md)")
async def ingest_logicmonitor(request: Request, t: Tenant = Depends(tenant_scope)):
    from brainstem.sources import logicmonitor

    ctx = context(request)
    _writable(ctx)
    body = await read_body(request, ctx.settings.http_max_body_bytes)
    received_at = time.time()
    try:
        records = await asyncio.to_thread(logicmonitor.parse_webhook, body, request.headers.get("content-type"),
                                          received_at=received_at, source_path=_request_path("logicmonitor:webhook"))
    except getattr(logicmonitor, "LogicMonitorPayloadError", ValueError) as exc:
        ctx.metrics.bad.labels("logicmonitor").inc()
        raise BodyError(str(exc)) from None
    return await _store(ctx, t, "logicmonitor", Decoded(records=list(records)), received_at)
