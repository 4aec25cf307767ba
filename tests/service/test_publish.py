"""The gateway's publishing against a real NATS JetStream (brainstem/service/gateway.py).

A sender is told "accepted" only for messages JetStream acknowledged: with many
publishes in flight at once, each one's outcome must still be its own.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timezone

from brainstem.ingest.record import Record
from brainstem.service.gateway import MAX_PENDING, publish_all
from brainstem.service.inbound import Inbound
from brainstem.service.jetstream import connect, ensure_stream
from brainstem.service.wire import decode
from brainstem.settings import load_settings


def _items(n: int) -> list[Inbound]:
    ts = datetime(2026, 12, 1, tzinfo=timezone.utc)
    return [Inbound(f"tenant{i % 7}", Record(ts, f"line {i}", f"line {i}", "syslog", "tcp:test", i, "h1", "app"),
                    "test", time.time()) for i in range(n)]


def _settings(tag: str, **over):
    env = {"BRAINSTEM_NATS_STREAM": f"PUB{tag}", "BRAINSTEM_NATS_SUBJECT_PREFIX": f"pubtest.{tag}",
           "BRAINSTEM_NATS_MAX_BYTES": str(64 << 20), "BRAINSTEM_NATS_PUBLISH_TIMEOUT_SECONDS": "5"}
    env.update(over)
    return load_settings(env=env)


async def _run(nats_url: str, make_stream: bool, settings, stream_settings=None):
    nc = await connect(nats_url, "test-publish")
    js = nc.jetstream(timeout=10, publish_async_max_pending=MAX_PENDING)
    try:
        if make_stream:
            await ensure_stream(js, stream_settings or settings)
        items = _items(600)
        results = await publish_all(js, settings, items)
        stored = []
        if make_stream:
            name = (stream_settings or settings).nats_stream
            info = await js.stream_info(name)
            sub = await js.pull_subscribe(f"{settings.nats_subject_prefix}.>", durable="check", stream=name)
            while len(stored) < info.state.messages:
                for m in await sub.fetch(200, timeout=5):
                    stored.append(decode(m.data).record.message)
            await js.delete_stream(name)
        return items, results, stored
    finally:
        await nc.drain()


def test_every_message_acknowledged_is_on_the_stream_in_order(nats_url):
    s = _settings(uuid.uuid4().hex[:8])
    items, results, stored = asyncio.run(_run(nats_url, True, s))
    assert results == [None] * len(items)
    assert stored == [i.record.message for i in items]     # one subject per partition, the stream keeps our order


def test_no_stream_for_the_subjects_fails_every_message(nats_url):
    s = _settings(uuid.uuid4().hex[:8])
    items, results, _ = asyncio.run(_run(nats_url, False, s))
    assert len(results) == len(items) and all(isinstance(r, BaseException) for r in results)


def test_a_stream_of_another_name_is_refused(nats_url):
    """The publish names the stream it expects: one that captures the subjects under
    another name (a misconfigured second deployment) does not count as accepted."""
    tag = uuid.uuid4().hex[:8]
    s = _settings(tag)
    other = _settings(tag, BRAINSTEM_NATS_STREAM=f"OTHER{tag}")
    items, results, stored = asyncio.run(_run(nats_url, True, s, stream_settings=other))
    assert all(isinstance(r, BaseException) for r in results)
    assert stored == []
