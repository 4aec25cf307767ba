"""The HTTP application: ``create_app(ctx)`` for ``brainstem serve`` (and tests).

Routes parse input, call one library function and render its result as JSON;
domain errors become HTTP statuses here, once, with one envelope::

    {"error": {"status": 404, "message": "cand_x: no object with this id", "details": []}}

LookupError -> 404, ReviewError / ValueError / SettingsError -> 422, a body
that cannot be read -> 400, too large -> 413, no writer or stopping -> 503,
no or bad key -> 401, another tenant's object -> 403.
"""
from __future__ import annotations

import asyncio
import logging

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from brainstem import __version__
from brainstem.service.context import ServiceContext, ServiceUnavailable
from brainstem.settings import SettingsError
from brainstem.sources.body import BodyError, TooManyEvents
from brainstem.store import StoreError

from . import admin, ingest, memory, reads, schemas
from .auth import Forbidden, Principal, Unauthorized, principal
from .render import BodyTooLarge, Json

log = logging.getLogger("brainstem.api")

_DESCRIPTION = """Operational memory for MSPs and ops teams, over HTTP: everything the
`brainstem` command line does, per tenant, with API keys (`brainstem keys create`).
See docs/api.md for authentication, paging and errors."""


def create_app(ctx: ServiceContext) -> FastAPI:
    app = FastAPI(title="brainstem", version=__version__, description=_DESCRIPTION,
                  docs_url="/docs", redoc_url="/redoc", openapi_url="/openapi.json",
                  responses={401: {"model": schemas.Error, "description": "No API key, or an unknown or revoked one"},
                             403: {"model": schemas.Error, "description": "Another tenant's object, or admin only"},
                             422: {"model": schemas.Error, "description": "Bad input, named"}})
    app.state.ctx = ctx
    app.add_middleware(_ThreadLimit, threads=ctx.settings.http_threads)
    _errors(app, ctx)
    _health(app, ctx)
    for module in (reads, memory, ingest, admin):
        app.include_router(module.router, prefix="/api/v1")
    if ctx.metrics._band_source is None:
        ctx.metrics.watch_bands(lambda: ctx.reader().band_counts())
    return app


class _ThreadLimit:
    """Caps the thread pool the sync routes run in (anyio's default is 40): every thread
    keeps a reader connection of its own, with its page cache, for the life of the
    process. Set on the first request, because the pool belongs to the running loop."""

    def __init__(self, app, threads: int):
        self.app = app
        self.threads = max(1, threads)
        self.done = False

    async def __call__(self, scope, receive, send):
        if not self.done:
            import anyio.to_thread
            anyio.to_thread.current_default_thread_limiter().total_tokens = self.threads
            self.done = True
        await self.app(scope, receive, send)


def _error(status: int, message: str, details: list | None = None, headers: dict | None = None) -> JSONResponse:
    return Json({"error": {"status": status, "message": message, "details": details or []}}, status_code=status,
                headers=headers)


def _errors(app: FastAPI, ctx: ServiceContext) -> None:
    def handler(status: int, headers: dict | None = None):
        async def handle(request: Request, exc: Exception) -> JSONResponse:
            if status == 401 and request.url.path.startswith("/api/v1/ingest/"):
                ctx.metrics.refused.labels("http", "auth").inc()
            return _error(status, str(exc) or type(exc).__name__, headers=headers)
        return handle

    app.add_exception_handler(Unauthorized, handler(401, {"WWW-Authenticate": "Bearer"}))
    app.add_exception_handler(Forbidden, handler(403))
    app.add_exception_handler(LookupError, handler(404))
    app.add_exception_handler(ValueError, handler(422))        # ReviewError and SettingsError are ValueErrors
    app.add_exception_handler(SettingsError, handler(422))
    app.add_exception_handler(BodyError, handler(400))
    app.add_exception_handler(TooManyEvents, handler(413))
    app.add_exception_handler(BodyTooLarge, handler(413))
    app.add_exception_handler(ServiceUnavailable, handler(503, {"Retry-After": "5"}))
    app.add_exception_handler(StoreError, handler(503, {"Retry-After": "5"}))

    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"where": ".".join(str(x) for x in e.get("loc", ())), "message": e.get("msg", "")}
                   for e in exc.errors()]
        first = details[0] if details else {"where": "request", "message": "invalid"}
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        return _error(422, f"{first['where']}: {first['message']}{more}", details)

    async def http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        if status == 401 and request.url.path.startswith("/api/v1/ingest/"):
            ctx.metrics.refused.labels("http", "auth").inc()
        return _error(status, str(exc.detail), headers=getattr(exc, "headers", None))

    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http)


def _health(app: FastAPI, ctx: ServiceContext) -> None:
    @app.get("/healthz", response_model=schemas.Health, tags=["health"], summary="The process is alive")
    async def healthz() -> JSONResponse:
        return Json({"status": "ok", "problems": []})

    @app.get("/readyz", response_model=schemas.Health, tags=["health"],
             responses={503: {"model": schemas.Health, "description": "Not ready, with the reasons"}},
             summary="The store answers and the writer runs (when this process has one)")
    async def readyz() -> JSONResponse:
        problems = []
        try:
            await asyncio.to_thread(lambda: ctx.reader().store.schema_version())
        except Exception as exc:  # any failure to reach the store means not ready, with the reason
            problems.append(f"store: {exc}")
        if ctx.queue is not None:
            if not ctx.ready.is_set():
                problems.append("the writer is not running yet")
            if ctx.stopping.is_set() or ctx.queue.closed:
                problems.append("the writer takes no more work (the service is stopping, or the writer stopped)")
        if problems:
            return Json({"status": "not ready", "problems": problems}, status_code=503)
        return Json({"status": "ready", "problems": []})

    @app.get("/metrics", tags=["health"], response_class=Response,
             responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
             summary="Prometheus metrics (admin key: they name every tenant)")
    def metrics(p: Principal = Depends(principal)) -> Response:
        p.require_admin()
        ctx.metrics.queue_depth.set(ctx.queue.depth if ctx.queue else 0)
        return Response(ctx.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
