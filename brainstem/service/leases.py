"""Partition leases and worker heartbeats in JetStream key-value buckets.

A partition is held by the worker whose id is the value of key ``p<N>`` in the
leases bucket. Every change is revision-checked: a worker acquires with
``create`` (or an ``update`` of a released, empty value at its exact
revision), renews and releases with an ``update`` at the revision it last
wrote, so two workers can never both believe they hold a partition: whoever
wrote last owns the revision, and the other's next renewal fails. A worker
renews before each batch and between batches; an entry not renewed for
``worker_lease_seconds`` expires (the bucket's TTL), which is how a killed
worker's partitions become free. The one assumption: a worker commits within
``worker_lease_seconds`` of its last renewal. It renews before each group of
batches and, while a long group is stored, again every quarter lease between
tenants (brainstem/service/worker.py), so what must fit is one tenant's write
and the commit (well under a second; the default lease is 10 s).

Heartbeats (key ``w.<worker id>`` in the workers bucket, TTL three beats)
count the live workers; each aims for ``ceil(partitions / live)`` partitions.
"""
from __future__ import annotations

import json
import math
import time


class PartitionLeases:
    def __init__(self, leases_kv, workers_kv, worker_id: str, partitions: int):
        self.kv = leases_kv
        self.workers = workers_kv
        self.me = worker_id.encode()
        self.worker_id = worker_id
        self.partitions = partitions

    @staticmethod
    def key(partition: int) -> str:
        return f"p{partition}"

    async def acquire(self, partition: int) -> int | None:
        """The lease's revision when this worker now holds ``partition``, else None."""
        from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
        key = self.key(partition)
        try:
            return await self.kv.create(key, self.me)
        except KeyWrongLastSequenceError:
            pass
        except KeyNotFoundError:        # nats-py's create looks again after a clash; the lease expired meanwhile
            return None                 # next tick
        try:
            entry = await self.kv.get(key)
        except KeyNotFoundError:        # expired or deleted meanwhile: next tick
            return None
        if entry.value:
            return None                 # someone holds it
        try:
            return await self.kv.update(key, self.me, last=entry.revision)
        except KeyWrongLastSequenceError:
            return None

    async def renew(self, partition: int, revision: int) -> int | None:
        """The new revision, or None when the lease was lost (expired, taken)."""
        from nats.js.errors import KeyWrongLastSequenceError
        try:
            return await self.kv.update(self.key(partition), self.me, last=revision)
        except KeyWrongLastSequenceError:
            return None

    async def release(self, partition: int, revision: int) -> int | None:
        """Give the partition up (an empty value at the next revision); None if already lost."""
        from nats.js.errors import KeyWrongLastSequenceError
        try:
            return await self.kv.update(self.key(partition), b"", last=revision)
        except KeyWrongLastSequenceError:
            return None

    # -- heartbeats -------------------------------------------------------------------------
    async def beat(self, held: int) -> int:
        """Renew this worker's heartbeat; the number of live workers (this one included)."""
        from nats.js.errors import NoKeysError
        await self.workers.put(f"w.{self.worker_id}", json.dumps({"held": held, "at": time.time()}).encode())
        try:
            keys = await self.workers.keys()
        except NoKeysError:
            return 1
        return max(1, len(keys))

    async def leave(self) -> None:
        try:
            await self.workers.delete(f"w.{self.worker_id}")
        except Exception:
            pass

    def target(self, live: int) -> int:
        """Partitions each worker aims for."""
        return math.ceil(self.partitions / max(1, live))
