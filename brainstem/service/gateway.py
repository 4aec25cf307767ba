"""The publisher thread of ``serve --mode gateway``: the queue's messages go to JetStream.

It takes the same batches from the :class:`IngestQueue` as the writer would,
publishes every message to its tenant's partition subject (brainstem/service/
wire.py) and resolves a submission's future only when JetStream acknowledged
every message of it, so a TCP or HTTP sender is told "accepted" only for what
the stream holds on disk. Publishes of a batch are in flight together, in queue
order on one connection (JetStream stores them in that order), their acks
awaited together (``publish_async``: no round trip per message). A failed or timed
out publish fails the submission's future (the sender sees an error and may
resend). API writes (reviews, keys) run here on the gateway's own store
connection; workers pick them up when they next load the tenant.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time

from .metrics import Metrics
from .queue import Entry, IngestQueue
from .wire import encode, partition_of, subject

log = logging.getLogger("brainstem.service.gateway")


class Publisher(threading.Thread):
    def __init__(self, workspace, queue: IngestQueue, metrics: Metrics | None = None):
        super().__init__(name="brainstem-publisher", daemon=True)
        self.ws = workspace
        self.settings = workspace.settings
        self.queue = queue
        self.metrics = metrics or Metrics()
        self.error: BaseException | None = None
        self.batches = 0
        self.published = 0
        self.ready = threading.Event()
        self.connect_error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self.error = exc
            log.exception("publisher stopped")
            self.queue.close()
            self.queue.fail_pending(exc)
        finally:
            self.ready.set()

    async def _main(self) -> None:
        from .jetstream import connect, ensure_stream
        s = self.settings
        try:
            nc = await connect(s.nats_url, "brainstem-gateway")
            js = nc.jetstream(timeout=s.nats_publish_timeout_seconds, publish_async_max_pending=MAX_PENDING)
            await ensure_stream(js, s)
        except BaseException as exc:
            self.connect_error = exc
            raise
        self.ready.set()
        loop = asyncio.get_running_loop()
        try:
            while True:
                entries = await loop.run_in_executor(None, self.queue.take, s.serve_batch_max, s.serve_commit_seconds)
                if not entries:
                    if self.queue.closed:
                        break
                    continue
                await self._handle(js, entries)
                self.metrics.queue_depth.set(self.queue.depth)
        finally:
            await nc.drain()

    async def _handle(self, js, entries: list[Entry]) -> None:
        for e in entries:
            if e.call is not None:
                try:
                    e.future.set_result(e.call(self.ws))
                except BaseException as exc:
                    e.future.set_exception(exc)
        subs = [e for e in entries if e.call is None]
        if not subs:
            return
        results = await publish_all(js, self.settings, [i for e in subs for i in e.items])
        now = time.time()
        k = 0
        for e in subs:
            mine = results[k:k + len(e.items)]
            k += len(e.items)
            bad = next((r for r in mine if r is not None), None)
            if bad is not None:
                self.metrics.write_errors.inc()
                log.error("publish failed: %s", bad)
                e.future.set_exception(RuntimeError(f"JetStream did not acknowledge the message: {bad}"))
                continue
            for item in e.items:
                self.metrics.stored.labels(item.source).inc()
                self.metrics.stored_latency.observe(max(0.0, now - item.received_at))
            e.future.set_result(len(e.items))
        self.published += len(results)
        self.batches += 1

    def stop(self, timeout: float | None = None) -> None:
        """Refuse new messages, publish everything queued, and end the thread."""
        self.queue.close()
        self.join(timeout)


# Publishes nats-py lets be in flight on one connection: no limit of its own (the ingest
# queue's capacity bounds what a batch holds). A publish that had to wait for room would
# go through ``wait_for`` per message: a task, a timer and a flush of its own each, a
# third of the publisher's CPU and five times nats-server's.
MAX_PENDING = 1 << 30


async def publish_all(js, settings, items: list) -> list[BaseException | None]:
    """Publish ``items`` in order, many in flight at once; per item, None once JetStream
    acknowledged it, else why not (no ack within ``nats_publish_timeout_seconds``).
    ``js`` is a JetStream context made with ``publish_async_max_pending=MAX_PENDING``."""
    s = settings
    prefix, parts, wait = s.nats_subject_prefix, s.nats_partitions, s.nats_publish_timeout_seconds
    acks: list = []
    refused: BaseException | None = None
    for i in items:
        if refused is None:
            try:
                acks.append(await js.publish_async(subject(prefix, partition_of(i.tenant, parts)), encode(i),
                                                   stream=s.nats_stream))
                continue
            except Exception as exc:     # connection closed
                refused = exc
        acks.append(None)
    live = [a for a in acks if a is not None]
    if live:
        _, late = await asyncio.wait(live, timeout=wait)
        for a in late:
            a.cancel()
    out: list[BaseException | None] = []
    for a in acks:
        if a is None:
            out.append(refused)
        elif a.cancelled():
            out.append(TimeoutError(f"no publish ack within {wait:g} s"))
        else:
            out.append(a.exception())
    return out
