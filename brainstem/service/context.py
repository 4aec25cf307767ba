"""What the HTTP layer (REST API, web console, ingest routes) gets from the service.

    ctx = ServiceContext(db, settings, queue=queue)      # inside `brainstem serve`
    ctx = ServiceContext(db, settings)                   # API alone (tests, read-only use)

Reads: ``ctx.reader()`` is a Workspace on a connection of the calling thread's
own (SQLite allows many readers beside the one writer). Writes: ``await
ctx.write(fn)`` runs ``fn(workspace)`` on the writer thread, in order with the
ingested batches, so the live pipelines resync what a review or promotion
changed; without a writer it runs on one write connection under a lock.
Ingest: ``await ctx.ingest(items)`` returns once the messages are committed
(that is when an HTTP sender may be told "accepted").
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable

from brainstem.settings import Settings

from .inbound import Inbound
from .metrics import Metrics
from .queue import IngestQueue, QueueClosed


class ServiceUnavailable(RuntimeError):
    """The service cannot take this now (no writer, stopping); HTTP 503."""


class ServiceContext:
    def __init__(self, db: str, settings: Settings, *, queue: IngestQueue | None = None,
                 metrics: Metrics | None = None, config: Any = None):
        self.db = str(db)
        self.settings = settings
        self.queue = queue
        self.metrics = metrics or Metrics()
        self.config = config               # the parsed serve config (routes, webhooks...), when serving
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._direct = None
        self._readers: list = []
        self._readers_lock = threading.Lock()
        self.ready = threading.Event()
        self.stopping = threading.Event()
        # set by the service: ``await ctx.reload_rules()`` re-reads every live tenant's rule
        # files on the writer (RuleLoadError naming file:line leaves the old rules in place)
        self.reload_rules = None

    # -- reads ------------------------------------------------------------------------------
    def reader(self):
        ws = getattr(self._local, "ws", None)
        if ws is None:
            from brainstem.workspace import Workspace
            ws = self._local.ws = Workspace(self.db, self.settings, create=True, reader=True)
            with self._readers_lock:
                self._readers.append(ws)
        return ws

    # -- writes -----------------------------------------------------------------------------
    async def write(self, fn: Callable[[Any], Any]) -> Any:
        if self.queue is not None:
            try:
                fut = self.queue.call(fn)
            except QueueClosed as exc:
                raise ServiceUnavailable(str(exc)) from None
            return await asyncio.wrap_future(fut)
        return await asyncio.to_thread(self.write_now, fn)

    def write_now(self, fn: Callable[[Any], Any]) -> Any:
        """Synchronous write without a writer thread (API alone, CLI-like use)."""
        if self.queue is not None:
            return self.queue.call(fn).result()
        with self._write_lock:
            if self._direct is None:
                from brainstem.workspace import Workspace
                self._direct = Workspace(self.db, self.settings, create=True)
            return fn(self._direct)

    # -- ingest -----------------------------------------------------------------------------
    async def ingest(self, items: list[Inbound]) -> int:
        """Queue messages and wait until they are committed; the number accepted."""
        if not items:
            return 0
        if self.queue is None:
            raise ServiceUnavailable("this process has no ingest writer (run `brainstem serve`)")
        for item in items:
            self.metrics.received.labels(item.source).inc()
        try:
            fut = await self.queue.put(items)
        except QueueClosed as exc:
            raise ServiceUnavailable(str(exc)) from None
        return await asyncio.wrap_future(fut)

    def close(self) -> None:
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for ws in readers:
            try:
                ws.close()
            except Exception:
                pass
        if self._direct is not None:
            self._direct.close()
            self._direct = None
