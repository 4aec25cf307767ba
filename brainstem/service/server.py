"""The live service: listeners, followers, pollers and HTTP around one writer.

    service = Service(config, db="brainstem.db")
    asyncio.run(service.run())            # until SIGTERM / SIGINT or service.request_stop()

Start-up order: the store (migrated), the writer thread, the HTTP server, then
the sources; ``/readyz`` turns ready once all are up. Shutdown (SIGTERM,
SIGINT): sources stop taking input first, then the queue is closed and the
writer stores everything already received and checkpoints, then HTTP stops.
Nothing received before the signal is lost.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading

from brainstem.gcpause import collect_less
from brainstem.sources.syslog_server import ListenerLimits, SyslogListener, server_ssl_context

from .config import ServiceConfig
from .context import ServiceContext
from .metrics import Metrics
from .queue import IngestQueue
from .routing import Router
from .writer import Writer

log = logging.getLogger("brainstem.service")


class Service:
    def __init__(self, config: ServiceConfig, db: str):
        self.config = config
        self.settings = config.settings
        self.db = str(db)
        self.metrics = Metrics()
        self.queue = IngestQueue(self.settings.serve_queue_capacity)
        self.router = Router(config.routes, default_tenant=self.settings.default_tenant,
                             unrouted=self.settings.serve_unrouted)
        self.ctx = ServiceContext(self.db, self.settings, queue=self.queue, metrics=self.metrics, config=config)
        self.ctx.reload_rules = self.reload_rules
        self.listeners: list[SyslogListener] = []
        self.followers = None
        self.pollers: list = []
        self.writer: Writer | None = None
        self.http = None
        self.http_address: str | None = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.started = threading.Event()

    def request_stop(self) -> None:
        """Begin a graceful shutdown (safe from any thread)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    async def run(self, *, install_signals: bool = True) -> None:
        from brainstem.workspace import Workspace

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._loop.add_signal_handler(sig, self._stop.set)
            self._loop.add_signal_handler(signal.SIGHUP, self._reload_on_signal)
        ws = Workspace(self.db, self.settings, create=True)
        if self.settings.serve_mode == "gateway":
            from .gateway import Publisher
            self.writer = Publisher(ws, self.queue, self.metrics)
            self.writer.start()
            await asyncio.to_thread(self.writer.ready.wait)
            if self.writer.connect_error is not None:
                ws.close()
                self.ctx.close()
                raise self.writer.connect_error
        elif self.settings.serve_mode == "standalone":
            self.writer = Writer(ws, self.queue, self.metrics, rules_for=self._rules_for())
            self.writer.start()
        else:
            ws.close()
            raise ValueError(f"serve_mode must be 'standalone' or 'gateway', got {self.settings.serve_mode!r}")
        try:
            await self._start_http()
            await self._start_sources()
            self.ctx.ready.set()
            self.started.set()
            log.info("brainstem serving", extra={"event": "ready", "db": self.db, "mode": self.settings.serve_mode, "http": self.http_address,
                                                 "listeners": {x.name: x.address for x in self.listeners}})
            while not self._stop.is_set():
                if not self.writer.is_alive():
                    log.error("the writer stopped: %s", self.writer.error)
                    break
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 0.5)
        finally:
            try:
                await self._shutdown()
            finally:
                self.writer.stop()        # whatever failed above, what was received is stored
                ws.close()
                self.ctx.close()
        if self.writer.error is not None:
            raise RuntimeError(f"the writer stopped: {self.writer.error}")

    def _rules_for(self):
        """Each tenant's rule engine, built from the files when the tenant goes live (and
        again on a reload): rules_dir and translators of the settings."""
        from brainstem.rules.bridge import tenant_rules
        settings = self.settings
        return lambda slug: tenant_rules(settings, slug)

    async def reload_rules(self) -> dict[str, int]:
        """Re-read the rule files for every live tenant (SIGHUP, POST /api/v1/rules/reload)."""
        writer = self.writer
        if not hasattr(writer, "reload_rules"):
            return {}            # a gateway runs no rules: its workers do (restart them to reload)
        return await self.ctx.write(lambda _ws: writer.reload_rules())

    def _reload_on_signal(self) -> None:
        async def reload():
            try:
                await self.reload_rules()
            except Exception as exc:           # a bad rule file: logged, the old rules stay
                log.error("rules not reloaded: %s", exc, extra={"event": "rules_reload_failed"})
        asyncio.ensure_future(reload())

    async def _start_sources(self) -> None:
        limits = ListenerLimits.from_settings(self.settings)
        for spec in self.config.listeners:
            ctx = server_ssl_context(spec.tls_cert, spec.tls_key, spec.tls_ca) if spec.protocol == "tls" else None
            lst = SyslogListener(spec.name, spec.protocol, spec.host, spec.port, queue=self.queue, router=self.router,
                                 metrics=self.metrics, limits=limits, tenant=spec.tenant, ssl_context=ctx)
            await lst.start()
            self.listeners.append(lst)
        if self.config.follows:
            from brainstem.sources.follow import FollowManager
            self.followers = FollowManager(self.config.follows, self.queue, self.metrics, self.settings,
                                           self.ctx.reader, default_tenant=self.settings.default_tenant)
            self.followers.start()
        if self.config.logicmonitor is not None:
            from brainstem.sources.lm_sync import start_polling
            self.pollers.append(start_polling(self.config.logicmonitor, self.queue, self.settings,
                                              metrics=self.metrics))

    async def _start_http(self) -> None:
        bind = self.settings.serve_http
        if not bind:
            return
        import uvicorn

        from .config import parse_bind
        host, port = parse_bind(bind, "serve_http")
        app = _make_app(self.ctx)
        config = uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="off", access_log=False,
                                server_header=False)
        self.http = _QuietServer(config)
        self._http_task = asyncio.ensure_future(self.http.serve())
        while not self.http.started:
            if self._http_task.done():
                self._http_task.result()         # a bind error, raised here
                raise RuntimeError(f"HTTP server on {bind} did not start")
            await asyncio.sleep(0.02)
        sock = self.http.servers[0].sockets[0].getsockname()
        self.http_address = f"{sock[0]}:{sock[1]}"

    async def _shutdown(self) -> None:
        log.info("brainstem stopping: draining the queue", extra={"event": "stopping", "queued": self.queue.depth})
        self.ctx.ready.clear()
        for lst in self.listeners:
            with contextlib.suppress(Exception):
                await lst.stop()
        for source in ([self.followers] if self.followers is not None else []) + self.pollers:
            try:
                await asyncio.to_thread(source.stop)
            except Exception:
                log.exception("a source did not stop cleanly")
        if self.writer is not None:
            await asyncio.to_thread(self.writer.stop)
        if self.http is not None:
            self.http.should_exit = True
            with contextlib.suppress(Exception):
                await self._http_task
        log.info("brainstem stopped", extra={"event": "stopped", "batches": self.writer.batches if self.writer else 0})


class _QuietServer:
    """uvicorn's server without its own signal handling (the service owns the signals)."""

    def __new__(cls, config):
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self):
                yield

        return Server(config)


def _make_app(ctx: ServiceContext):
    try:
        from brainstem.api import create_app
    except ImportError:
        return _minimal_app(ctx)
    return create_app(ctx)


def _minimal_app(ctx: ServiceContext):
    """Health and metrics only, until the REST API is installed in this tree."""
    from fastapi import FastAPI, Response
    from fastapi.responses import JSONResponse

    app = FastAPI(title="brainstem")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        if not ctx.ready.is_set():
            return JSONResponse({"status": "starting or stopping"}, status_code=503)
        return {"status": "ready"}

    @app.get("/metrics")
    def metrics():
        ctx.metrics.queue_depth.set(ctx.queue.depth if ctx.queue else 0)
        return Response(ctx.metrics.render(), media_type="text/plain; version=0.0.4")

    return app


def serve(config: ServiceConfig, db: str) -> None:
    """Run until SIGTERM/SIGINT (the library call behind `brainstem serve`)."""
    with collect_less():    # a long stream of events: see brainstem/gcpause.py
        asyncio.run(Service(config, db).run())
