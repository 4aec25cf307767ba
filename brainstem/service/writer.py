"""The writer thread: the one place the live service writes to the store.

It takes batches off the :class:`IngestQueue`, runs each tenant's messages
through that tenant's long-lived :class:`TenantPipeline` (the very pipeline file
ingest uses) in one transaction per tenant and batch, then resolves the
submissions' futures. Calls queued by the API (reviews, promotions, keys) run
here too, between batches, so the live pipelines can resync what they changed.

Durability: a future resolves only after its batch committed; a followed
file's position or a poller's cursor (``Inbound.state``) commits in the same
transaction as the lines before it. Stage state is checkpointed every
``serve_checkpoint_seconds`` and at shutdown; after ``kill -9`` the next start
replays the events stored since the last checkpoint (``TenantPipeline``), so
at most the batch being written is lost and nothing is stored twice.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable

from brainstem.pipeline.events import EventFactory
from brainstem.pipeline.runner import RunStats, TenantPipeline

from brainstem.workspace import tenant_slug

from .inbound import Inbound
from .metrics import Metrics
from .queue import Entry, IngestQueue

log = logging.getLogger("brainstem.service.writer")


class _Live:
    """One tenant's pipeline and event factory, alive for the whole service."""

    __slots__ = ("pipeline", "factory", "stats", "last_checkpoint", "dirty")

    def __init__(self, pipeline: TenantPipeline, factory: EventFactory):
        self.pipeline = pipeline
        self.factory = factory
        self.stats = RunStats()
        self.last_checkpoint = time.monotonic()
        self.dirty = False


class Writer(threading.Thread):
    def __init__(self, workspace, queue: IngestQueue, metrics: Metrics | None = None,
                 rules_for: Callable[[str], Any] | None = None):
        super().__init__(name="brainstem-writer", daemon=True)
        self.ws = workspace
        self.settings = workspace.settings
        self.queue = queue
        self.metrics = metrics or Metrics()
        self.rules_for = rules_for
        self.live: dict[str, _Live] = {}
        self.error: BaseException | None = None
        self.batches = 0
        self.ready = threading.Event()

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        s = self.settings
        self.ready.set()
        try:
            while True:
                entries = self.queue.take(s.serve_batch_max, s.serve_commit_seconds)
                if not entries:
                    if self.queue.closed:
                        break
                else:
                    self._handle(entries)
                self.metrics.queue_depth.set(self.queue.depth)
                self._checkpoint_due()
        except BaseException as exc:  # a bug, not bad input: make it visible and stop taking work
            self.error = exc
            log.exception("writer stopped")
            self.queue.close()
            self.queue.fail_pending(exc)
            raise
        finally:
            self._finish_all()

    def _handle(self, entries: list[Entry]) -> None:
        run: list[Entry] = []
        for e in entries:
            if e.call is None:
                run.append(e)
                continue
            if run:
                self._store(run)
                run = []
            self._call(e)
        if run:
            self._store(run)

    def _call(self, e: Entry) -> None:
        try:
            result = e.call(self.ws)
        except BaseException as exc:
            e.future.set_exception(exc)
        else:
            e.future.set_result(result)
        finally:
            self._resync_all()

    def _store(self, entries: list[Entry]) -> None:
        started = time.perf_counter()
        by_tenant: dict[str, list[Inbound]] = {}
        for e in entries:
            for item in e.items:
                by_tenant.setdefault(tenant_slug(item.tenant), []).append(item)   # "Acme" is "acme"
        failed: dict[str, BaseException] = {}
        for tenant, items in by_tenant.items():
            try:
                self._store_tenant(tenant, items)
            except Exception as exc:
                failed[tenant] = exc
                self.metrics.write_errors.inc()
                log.error("batch for tenant %s not stored: %s", tenant, exc)
                self.live.pop(tenant, None)   # rebuilt from the store (and its replay) on next use
        now = time.time()
        m = self.metrics
        stored: dict[str, int] = {}
        outcomes = []
        for e in entries:
            bad = next((failed[s] for s in map(tenant_slug, (i.tenant for i in e.items)) if s in failed), None)
            outcomes.append(bad)
            if bad is not None:
                continue
            for item in e.items:
                stored[item.source] = stored.get(item.source, 0) + 1
                ts = item.record.timestamp
                if ts is not None:
                    m.lag.observe(max(0.0, item.received_at - ts.timestamp()))
                m.stored_latency.observe(max(0.0, now - item.received_at))
        for source, n in stored.items():
            m.stored.labels(source).inc(n)
        # the metrics first: a sender that got its answer then reads /metrics sees its messages counted
        for e, bad in zip(entries, outcomes):
            if bad is not None:
                e.future.set_exception(bad)
            else:
                e.future.set_result(len(e.items))
        self.batches += 1
        m.batch_messages.observe(sum(len(e) for e in entries))
        m.commit_seconds.observe(time.perf_counter() - started)

    def _store_tenant(self, tenant: str, items: list[Inbound]) -> None:
        live = self._live(tenant)
        state: dict[str, tuple[str, int, dict]] = {}
        for item in items:
            if item.state is not None:
                state[item.state[0]] = item.state   # the last position per component wins
        before = live.stats.rule_firings
        live.pipeline.process_batch([i.record for i in items], live.stats, live.factory, list(state.values()))
        fired = live.stats.rule_firings - before
        if fired:
            self.metrics.rule_firings.labels(tenant).inc(fired)
        live.dirty = True

    def _live(self, tenant: str) -> _Live:
        live = self.live.get(tenant)
        if live is None:
            t = self.ws.tenant(tenant, create=True)
            rules = self.rules_for(t.slug) if self.rules_for else None
            pipeline = TenantPipeline(self.ws.store, self.settings, t, rules=rules)
            factory = EventFactory(t.tenant_id, datetime.now(timezone.utc), max_sources=65536)
            live = self.live[tenant] = _Live(pipeline, factory)
        return live

    # -- checkpoints and shutdown -----------------------------------------------------------
    def _checkpoint_due(self) -> None:
        every = self.settings.serve_checkpoint_seconds
        now = time.monotonic()
        for tenant, live in list(self.live.items()):
            if live.dirty and now - live.last_checkpoint >= every:
                self._checkpoint(tenant, live)

    def _checkpoint(self, tenant: str, live: _Live) -> None:
        try:
            live.pipeline.checkpoint()
        except Exception as exc:
            self.metrics.write_errors.inc()
            log.error("checkpoint of tenant %s failed: %s", tenant, exc)
            self.live.pop(tenant, None)
            return
        live.last_checkpoint = time.monotonic()
        live.dirty = False

    def _resync_all(self) -> None:
        for tenant, live in list(self.live.items()):
            try:
                live.pipeline.resync()
            except Exception as exc:
                log.error("resync of tenant %s failed: %s", tenant, exc)
                self.live.pop(tenant, None)

    def _finish_all(self) -> None:
        for tenant, live in list(self.live.items()):
            if live.dirty:
                self._checkpoint(tenant, live)

    def reload_rules(self) -> dict[str, int]:
        """Rebuild every live tenant's rules from the files (on the writer thread, between
        batches). All are built before any is swapped in, so a rule file with an error
        (``RuleLoadError`` naming file:line) changes nothing. Returns tenant -> rules loaded (0/1)."""
        if self.rules_for is None:
            return {t: 0 for t in self.live}
        built = {tenant: self.rules_for(live.pipeline.tenant.slug) for tenant, live in self.live.items()}
        for tenant, rules in built.items():
            self.live[tenant].pipeline.replace_rules(rules)
        log.info("rules reloaded", extra={"event": "rules_reloaded", "tenants": len(built)})
        return {t: int(r is not None) for t, r in built.items()}

    # -- what the service and the API ask of it ---------------------------------------------
    def stop(self, timeout: float | None = None) -> None:
        """Refuse new messages, store everything queued, checkpoint, and end the thread."""
        self.queue.close()
        self.join(timeout)
