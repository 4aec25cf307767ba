"""The JetStream pieces the gateway and the workers share: connection, stream, buckets.

The stream (``nats_stream``, subjects ``<nats_subject_prefix>.>``) is created
when missing, with file storage and the limits of the settings
(``nats_max_age_hours``, ``nats_max_bytes``; the oldest messages go first).
Two key-value buckets sit beside it: ``<stream>_leases`` (one key per
partition, who holds it; entries expire ``worker_lease_seconds`` after their
last renewal) and ``<stream>_workers`` (one heartbeat per live worker).
"""
from __future__ import annotations

import logging

log = logging.getLogger("brainstem.service.jetstream")


class NatsUnavailable(RuntimeError):
    """NATS (or its JetStream) cannot be reached; the message names the URL."""


def _nats():
    try:
        import nats
    except ImportError:
        raise NatsUnavailable("nats-py is not installed: pip install 'brainstem[nats]'") from None
    return nats


async def connect(url: str, name: str):
    nats = _nats()
    servers = [u.strip() for u in url.split(",") if u.strip()]
    try:
        return await nats.connect(servers=servers, name=name, connect_timeout=5, max_reconnect_attempts=-1,
                                  allow_reconnect=True)
    except Exception as exc:
        raise NatsUnavailable(f"cannot connect to NATS at {url}: {exc}") from None


async def ensure_stream(js, settings) -> None:
    from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
    from nats.js.errors import NotFoundError
    name = settings.nats_stream
    try:
        await js.stream_info(name)
        return
    except NotFoundError:
        pass
    cfg = StreamConfig(name=name, subjects=[f"{settings.nats_subject_prefix}.>"], storage=StorageType.FILE,
                       retention=RetentionPolicy.LIMITS, discard=DiscardPolicy.OLD,
                       max_age=settings.nats_max_age_hours * 3600, max_bytes=settings.nats_max_bytes)
    try:
        await js.add_stream(cfg)
        log.info("stream created", extra={"event": "stream_created", "stream": name})
    except Exception as exc:
        try:
            await js.stream_info(name)      # another process created it first
        except NotFoundError:
            raise NatsUnavailable(f"cannot create JetStream stream {name!r} (max_bytes {settings.nats_max_bytes}): "
                                  f"{exc}") from None


async def buckets(js, settings):
    """(leases, workers) key-value buckets, created when missing."""
    from nats.js.api import KeyValueConfig, StorageType
    stream = settings.nats_stream
    leases = await js.create_key_value(KeyValueConfig(
        bucket=f"{stream}_leases", ttl=settings.worker_lease_seconds, history=1, storage=StorageType.FILE))
    workers = await js.create_key_value(KeyValueConfig(
        bucket=f"{stream}_workers", ttl=max(3 * settings.worker_heartbeat_seconds, 2.0), history=1,
        storage=StorageType.FILE))
    return leases, workers
