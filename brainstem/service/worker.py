"""`brainstem worker`: consume tenant partitions of the JetStream log into the store.

    worker = Worker("postgresql://...", settings)
    asyncio.run(worker.run())            # until SIGTERM / SIGINT or worker.request_stop()

Each held partition (brainstem/service/leases.py) has a durable pull consumer
``part-<N>`` with ack-all. The held partitions are fetched together, and
their batches stored in groups of up to ``worker_batch_max`` messages: each
batch is split by tenant (the slug: "Acme" and "acme" are one tenant, one
pipeline), each tenant's messages run through its long-lived
:class:`TenantPipeline`, and the whole group commits as one transaction
(``Store.group``: one WAL flush for many tenants); only then is each
partition's last message of it acked.

Exactly once, across kills and moves: each tenant's transaction also stores a
``stream`` state row (the last stream sequence stored for the tenant, and its
event factory's memory), so a message redelivered after a crash (committed,
not yet acked) is skipped, and the lines after it get the ids an uninterrupted
run gives them. On acquiring a partition the worker re-creates its consumer
from the ack floor, so redelivery starts in stream order, never after newer
messages. Stage state is checkpointed like serve's writer, and when a partition
is released (at a batch boundary), so the next holder need not replay.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from brainstem.gcpause import collect_less
from brainstem.pipeline.events import EventFactory
from brainstem.pipeline.runner import RunStats, TenantPipeline
from brainstem.workspace import tenant_slug

from .leases import PartitionLeases
from .wire import WireError, decode, subject

log = logging.getLogger("brainstem.service.worker")
STREAM_STATE_VERSION = 1
_MIN_FETCH = 250        # messages fetched per partition at least, however many partitions are held


@dataclass
class _Held:
    number: int
    revision: int
    sub: object
    tenants: set[str] = field(default_factory=set)


class _Live:
    __slots__ = ("pipeline", "factory", "stats", "seq", "last_checkpoint", "dirty")

    def __init__(self, pipeline: TenantPipeline, factory: EventFactory, seq: int):
        self.pipeline = pipeline
        self.factory = factory
        self.stats = RunStats()
        self.seq = seq
        self.last_checkpoint = time.monotonic()
        self.dirty = False


def default_worker_id() -> str:
    raw = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    return re.sub(r"[^A-Za-z0-9_-]", "_", raw)


class Worker:
    def __init__(self, db: str, settings, worker_id: str | None = None):
        self.db = str(db)
        self.settings = settings
        self.worker_id = worker_id or default_worker_id()
        self.held: dict[int, _Held] = {}
        self.live: dict[str, _Live] = {}
        self.stored = 0
        self.lags: list[float] = []          # now - received_at per stored message (bench/scale.py reads them)
        self._stop: asyncio.Event | None = None
        self._loop = None

    def request_stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    async def run(self, *, install_signals: bool = True) -> None:
        from brainstem.rules.bridge import tenant_rules
        from brainstem.workspace import Workspace

        from .jetstream import buckets, connect, ensure_stream
        s = self.settings
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._loop.add_signal_handler(sig, self._stop.set)
        self._rules_for = lambda slug: tenant_rules(s, slug)
        self.ws = Workspace(self.db, s, create=True)
        nc = await connect(s.nats_url, f"brainstem-worker-{self.worker_id}")
        try:
            self.js = nc.jetstream(timeout=10)
            await ensure_stream(self.js, s)
            leases_kv, workers_kv = await buckets(self.js, s)
            self.leases = PartitionLeases(leases_kv, workers_kv, self.worker_id, s.nats_partitions)
            log.info("brainstem worker running", extra={"event": "ready", "worker": self.worker_id, "db": self.db})
            await self._loop_until_stopped()
        finally:
            with contextlib.suppress(Exception):
                await self._release_all()
            with contextlib.suppress(Exception):
                await self.leases.leave()
            with contextlib.suppress(Exception):
                await nc.drain()
            self.ws.close()
            lags = sorted(self.lags)
            p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else None
            log.info("brainstem worker stopped", extra={"event": "stopped", "worker": self.worker_id,
                                                         "stored": self.stored, "lag_p99_seconds": p99})

    async def _loop_until_stopped(self) -> None:
        every = self.settings.worker_heartbeat_seconds
        next_tick = 0.0
        while not self._stop.is_set():
            if time.monotonic() >= next_tick:
                await self._rebalance()
                next_tick = time.monotonic() + every
            held = list(self.held.values())
            if not held:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), min(every, 0.2))
                continue
            limit = self.settings.worker_batch_max
            per = max(_MIN_FETCH, limit // len(held))
            batches = await asyncio.gather(*(self._fetch(h, per) for h in held))
            for group in _groups([(h, msgs) for h, msgs in zip(held, batches) if msgs], limit):
                await self._process(group)
            self._checkpoint_due()

    async def _fetch(self, h: _Held, n: int) -> list:
        import nats.errors
        try:
            return await h.sub.fetch(n, timeout=0.1)   # an idle partition waits this
        except (nats.errors.TimeoutError, asyncio.TimeoutError):
            return []
        except Exception as exc:       # consumer gone (deleted by a new holder), connection trouble
            log.warning("fetch of partition %s failed: %s", h.number, exc)
            return []

    # -- a batch ----------------------------------------------------------------------------
    async def _process(self, group: list[tuple[_Held, list]]) -> None:
        """Store the fetched batches of several partitions with one commit, then ack each."""
        group = [(h, msgs) for h, msgs in group if self.held.get(h.number) is h]
        renewed = await self._renew([h for h, _ in group])
        kept = [(h, msgs) for (h, msgs), ok in zip(group, renewed) if ok]
        if not kept:
            return
        done: list[tuple[_Live, list]] = []
        renewed = time.monotonic()
        try:
            with self.ws.store.group():     # every tenant's batch and stream sequence, one commit
                for h, msgs in kept:
                    for slug, items in self._by_tenant(h, msgs).items():
                        if time.monotonic() - renewed > self.settings.worker_lease_seconds / 4:
                            # a long group renews as it goes: it commits well within its leases
                            if not all(await self._renew([h for h, _ in kept])):
                                raise RuntimeError("a lease was lost during the batch")
                            renewed = time.monotonic()
                        h.tenants.add(slug)
                        done.append(self._store_tenant(slug, items))
        except Exception as exc:
            log.error("batch of partitions %s not stored: %s; it will be redelivered",
                      ",".join(str(h.number) for h, _ in kept), exc)
            for h, _ in kept:
                if self.held.get(h.number) is h:     # (a lost one was forgotten already)
                    await self._reset(h)
            return
        now = time.time()
        for live, fresh in done:
            if fresh:
                live.seq, live.dirty = fresh[-1][0], True
                self.lags.extend(now - i.received_at for _, i in fresh)
                self.stored += len(fresh)
        acks = await asyncio.gather(*(msgs[-1].ack_sync() for _, msgs in kept), return_exceptions=True)
        for (h, msgs), ack in zip(kept, acks):
            if isinstance(ack, BaseException):   # stored with its sequence: a redelivery is skipped
                log.warning("ack of partition %s failed: %s", h.number, ack)
            log.info("batch committed", extra={"event": "batch_committed", "partition": h.number,
                                               "revision": h.revision, "worker": self.worker_id,
                                               "first_seq": msgs[0].metadata.sequence.stream,
                                               "last_seq": msgs[-1].metadata.sequence.stream})

    @staticmethod
    def _by_tenant(h: _Held, msgs: list) -> dict[str, list]:
        groups: dict[str, list] = {}
        for m in msgs:
            seq = m.metadata.sequence.stream
            try:
                item = decode(m.data)
            except WireError as exc:     # counted and named; the rest of the batch is stored
                log.error("stream message %s of partition %s skipped: %s", seq, h.number, exc,
                          extra={"event": "bad_message", "seq": seq})
                continue
            groups.setdefault(tenant_slug(item.tenant), []).append((seq, item))
        return groups

    def _store_tenant(self, slug: str, items: list) -> tuple[_Live, list]:
        """Write one tenant's new messages (inside the group's transaction); the messages
        written, for the caller to count once the group committed."""
        live = self._live(slug, items[0][1].tenant)
        fresh = [(seq, i) for seq, i in items if seq > live.seq]
        if not fresh:
            return live, fresh          # redelivered: already stored with its sequence
        try:
            events = [live.factory.make(i.record) for _, i in fresh]
            rows: dict[str, tuple] = {}
            for _, i in fresh:
                if i.state is not None:
                    rows[i.state[0]] = tuple(i.state)
            rows["stream"] = ("stream", STREAM_STATE_VERSION, {"stream": self.settings.nats_stream,
                                                               "seq": fresh[-1][0], "factory": live.factory.to_state()})
            live.pipeline.process_events(events, live.stats, list(rows.values()))
        except Exception:
            self.live.pop(slug, None)   # its factory moved on: rebuilt from the store
            raise
        return live, fresh

    def _live(self, slug: str, name: str) -> _Live:
        live = self.live.get(slug)
        if live is None:
            t = self.ws.tenant(name, create=True)
            pipeline = TenantPipeline(self.ws.store, self.settings, t, rules=self._rules_for(t.slug))
            factory = EventFactory(t.tenant_id, datetime.now(timezone.utc), max_sources=65536)
            seq = 0
            saved = self.ws.store.load_state(t.tenant_id, "stream")
            if saved and saved[0] == STREAM_STATE_VERSION and saved[1].get("stream") == self.settings.nats_stream:
                seq = int(saved[1]["seq"])
                factory.load_state(saved[1]["factory"])
            live = self.live[slug] = _Live(pipeline, factory, seq)
        return live

    # -- partitions -------------------------------------------------------------------------
    async def _rebalance(self) -> None:
        live = await self.leases.beat(len(self.held))
        target = self.leases.target(live)
        await self._renew(list(self.held.values()))
        surplus = len(self.held) - target
        for n in sorted(self.held, reverse=True)[:max(0, surplus)]:
            await self._release(self.held[n])
        if len(self.held) < target:
            parts = self.settings.nats_partitions
            start = int(self.worker_id.encode().hex(), 16) % parts
            for k in range(parts):
                n = (start + k) % parts
                if len(self.held) >= target:
                    break
                if n not in self.held:
                    await self._acquire(n)

    async def _renew(self, held: list[_Held]) -> list[bool]:
        """Renew these leases together; a lost one is forgotten. Which are still held."""
        revs = await asyncio.gather(*(self.leases.renew(h.number, h.revision) for h in held))
        for h, rev in zip(held, revs):
            if rev is None:
                log.warning("lease of partition %s lost", h.number,
                            extra={"event": "lease_lost", "partition": h.number, "worker": self.worker_id})
                self._forget(h)
            else:
                h.revision = rev
        return [rev is not None for rev in revs]

    async def _acquire(self, n: int) -> None:
        rev = await self.leases.acquire(n)
        if rev is None:
            return
        try:
            sub = await self._consumer(n)
        except Exception as exc:
            log.error("consumer of partition %s not ready: %s", n, exc)
            await self.leases.release(n, rev)
            return
        self.held[n] = _Held(n, rev, sub)
        log.info("partition acquired", extra={"event": "lease_acquired", "partition": n, "revision": rev,
                                              "worker": self.worker_id})

    async def _consumer(self, n: int):
        """The partition's durable consumer, re-created to deliver from its ack floor on."""
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
        from nats.js.errors import NotFoundError
        s = self.settings
        durable = f"part-{n}"
        floor = 0
        try:
            info = await self.js.consumer_info(s.nats_stream, durable)
            floor = max(info.ack_floor.stream_seq or 0, (info.config.opt_start_seq or 1) - 1)
            await self.js.delete_consumer(s.nats_stream, durable)
        except NotFoundError:
            pass
        cfg = ConsumerConfig(durable_name=durable, filter_subject=subject(s.nats_subject_prefix, n),
                             ack_policy=AckPolicy.ALL, ack_wait=max(30.0, 3 * s.worker_lease_seconds),
                             deliver_policy=DeliverPolicy.BY_START_SEQUENCE if floor else DeliverPolicy.ALL,
                             opt_start_seq=floor + 1 if floor else None, max_ack_pending=-1)
        await self.js.add_consumer(s.nats_stream, cfg)
        return await self.js.pull_subscribe_bind(durable=durable, stream=s.nats_stream)

    async def _reset(self, h: _Held) -> None:
        """After a failed batch: what this partition holds in memory is dropped and its
        consumer re-created, so the batch comes again, in order."""
        for slug in h.tenants:
            self.live.pop(slug, None)
        with contextlib.suppress(Exception):
            await h.sub.unsubscribe()
        try:
            h.sub = await self._consumer(h.number)
        except Exception as exc:
            log.error("consumer of partition %s not re-created: %s", h.number, exc)
            self._forget(h)

    async def _release(self, h: _Held) -> None:
        """Give a partition up at a batch boundary: checkpoint its tenants, then the lease."""
        for slug in h.tenants:
            live = self.live.pop(slug, None)
            if live is not None and live.dirty:
                live.pipeline.checkpoint()
        with contextlib.suppress(Exception):
            await h.sub.unsubscribe()
        self.held.pop(h.number, None)
        rev = await self.leases.release(h.number, h.revision)
        log.info("partition released", extra={"event": "lease_released", "partition": h.number,
                                              "revision": rev, "worker": self.worker_id})

    def _forget(self, h: _Held) -> None:
        """The lease is gone: drop the partition's tenants unsaved (the new holder replays)."""
        for slug in h.tenants:
            self.live.pop(slug, None)
        self.held.pop(h.number, None)
        asyncio.ensure_future(h.sub.unsubscribe())

    async def _release_all(self) -> None:
        for h in list(self.held.values()):
            await self._release(h)

    def _checkpoint_due(self) -> None:
        every = self.settings.serve_checkpoint_seconds
        now = time.monotonic()
        for live in self.live.values():
            if live.dirty and now - live.last_checkpoint >= every:
                live.pipeline.checkpoint()
                live.last_checkpoint = now
                live.dirty = False


def _groups(work: list[tuple[_Held, list]], limit: int):
    """The fetched batches in groups of at most ``limit`` messages (a bigger batch alone)."""
    group: list[tuple[_Held, list]] = []
    n = 0
    for h, msgs in work:
        if group and n + len(msgs) > limit:
            yield group
            group, n = [], 0
        group.append((h, msgs))
        n += len(msgs)
    if group:
        yield group


def run_worker(db: str, settings, worker_id: str | None = None) -> None:
    """The library call behind `brainstem worker`."""
    with collect_less():    # a long stream of events: see brainstem/gcpause.py
        asyncio.run(Worker(db, settings, worker_id).run())
