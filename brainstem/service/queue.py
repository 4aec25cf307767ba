"""The bounded queue between live sources and the writer thread.

Sources run on an asyncio loop (or their own threads); the writer is a thread.
A submission is a list of messages that travels whole, and a
``concurrent.futures.Future`` that resolves, with the number of messages newly
stored, once the batch holding it has committed (or with the exception that
stopped it). Capacity is counted in messages: ``offer`` refuses when full (UDP
counts a drop), ``put`` waits for room (TCP stops reading, HTTP waits: that is
the back-pressure), so memory stays bounded whatever the senders do.
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import Any, Callable

from .inbound import Inbound


class QueueClosed(RuntimeError):
    """The service is stopping and takes no more messages."""


class Entry:
    """One submission (messages) or one call (a write the API needs done by the writer)."""

    __slots__ = ("items", "call", "future", "queued_at")

    def __init__(self, items: list[Inbound] | None, call: Callable[[Any], Any] | None):
        self.items = items
        self.call = call
        self.future: Future = Future()
        self.queued_at = time.monotonic()

    def __len__(self) -> int:
        return len(self.items) if self.items else 0


class IngestQueue:
    def __init__(self, capacity: int = 50_000):
        if capacity < 1:
            raise ValueError("queue capacity must be at least 1")
        self.capacity = capacity
        self._entries: deque[Entry] = deque()
        self._size = 0
        self._cond = threading.Condition()
        self._closed = False
        self._calls = 0
        self._room_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = []

    # -- producers --------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """Messages waiting (for the queue-depth gauge)."""
        return self._size

    def has_room(self, n: int = 1) -> bool:
        return self._fits(n)

    def offer(self, items: list[Inbound]) -> Future | None:
        """Enqueue without waiting; None when there is no room (the caller counts a drop)."""
        with self._cond:
            if self._closed:
                raise QueueClosed("the service is stopping")
            if not self._fits(len(items)):
                return None
            return self._append(Entry(items, None))

    def put_blocking(self, items: list[Inbound], timeout: float | None = None) -> Future:
        """Enqueue from a thread, waiting for room (file followers, pollers)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                if self._closed:
                    raise QueueClosed("the service is stopping")
                if self._fits(len(items)):
                    return self._append(Entry(items, None))
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError("ingest queue full")
                self._cond.wait(left)

    async def put(self, items: list[Inbound]) -> Future:
        """Enqueue from the event loop, waiting (without blocking the loop) for room."""
        while True:
            fut = self.offer(items)
            if fut is not None:
                return fut
            await self.wait_room(len(items))

    def _fits(self, n: int) -> bool:
        return self._size + n <= self.capacity or self._size == 0

    async def wait_room(self, n: int = 1) -> None:
        """Return when ``n`` messages fit (or the queue closed); it always waits for the writer
        to take something when they do not fit yet, so a caller looping on it never spins."""
        loop = asyncio.get_running_loop()
        while True:
            waiter = loop.create_future()
            with self._cond:
                if self._closed or self._fits(n):
                    return
                self._room_waiters.append((loop, waiter))
            await waiter

    def call(self, fn: Callable[[Any], Any]) -> Future:
        """Run ``fn(workspace)`` on the writer thread, in order with the messages; never refused for room."""
        with self._cond:
            if self._closed:
                raise QueueClosed("the service is stopping")
            return self._append(Entry(None, fn))

    def _append(self, entry: Entry) -> Future:
        self._entries.append(entry)
        self._size += len(entry)
        if entry.call is not None:
            self._calls += 1
        self._cond.notify_all()
        return entry.future

    # -- the writer -------------------------------------------------------------------------------
    def take(self, max_items: int, max_wait: float) -> list[Entry]:
        """Entries for one batch: as soon as ``max_items`` messages wait, or when the
        oldest has waited ``max_wait`` seconds, or at once when closing. Whole
        submissions only (a batch may exceed ``max_items`` by the last one)."""
        with self._cond:
            while True:
                if self._entries:
                    if self._closed or self._size >= max_items or self._calls:
                        break
                    left = self._entries[0].queued_at + max_wait - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                elif self._closed:
                    return []
                else:
                    self._cond.wait(max_wait)
                    if not self._entries:
                        return []
            out: list[Entry] = []
            n = 0
            while self._entries and (n < max_items or not out):
                e = self._entries.popleft()
                if e.call is not None:
                    self._calls -= 1
                out.append(e)
                n += len(e)
            self._size -= n
            self._cond.notify_all()
            waiters, self._room_waiters = self._room_waiters, []
        for loop, waiter in waiters:
            loop.call_soon_threadsafe(_release, waiter)
        return out

    def fail_pending(self, exc: BaseException) -> None:
        """Fail every waiting submission and call with ``exc`` (the consumer thread stopped)."""
        while True:
            entries = self.take(1 << 30, 0)
            if not entries:
                return
            for e in entries:
                if not e.future.done():
                    e.future.set_exception(exc)

    def close(self) -> None:
        """Refuse new messages; what is queued is still taken (the writer drains it)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            waiters, self._room_waiters = self._room_waiters, []
        for loop, waiter in waiters:
            loop.call_soon_threadsafe(_release, waiter)

    @property
    def closed(self) -> bool:
        return self._closed


def _release(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)
