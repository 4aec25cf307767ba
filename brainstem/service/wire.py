"""Accepted messages on the JetStream ingest log: partitions, subjects, payloads.

A tenant belongs to one partition for ever (a stable hash of its slug, modulo
``nats_partitions``), and a partition is one subject, ``<prefix>.<partition>``,
so one worker at a time reads a tenant's messages in the order they were
accepted. The payload is the whole :class:`Inbound` as JSON (tenant, source,
arrival time, checkpoint row, the decoded record), so a worker stores exactly
what `serve` alone would have stored.
"""
from __future__ import annotations

import functools
import json
from datetime import datetime, timezone
from hashlib import blake2b

from brainstem.ingest.record import Record
from brainstem.workspace import tenant_slug

from .inbound import Inbound

WIRE_VERSION = 1


@functools.lru_cache(maxsize=4096)
def partition_of(tenant: str, partitions: int) -> int:
    """The partition of a tenant name ("Acme" and "acme" are one tenant, one partition)."""
    digest = blake2b(tenant_slug(tenant).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % partitions


def subject(prefix: str, partition: int) -> str:
    return f"{prefix}.{partition}"


def encode(item: Inbound) -> bytes:
    r = item.record
    doc = {
        "v": WIRE_VERSION, "tenant": item.tenant, "source": item.source, "received_at": item.received_at,
        "state": list(item.state) if item.state is not None else None,
        "record": {
            "ts": r.timestamp.isoformat() if r.timestamp is not None else None,
            "message": r.message, "raw": r.raw, "source_type": r.source_type, "source_path": r.source_path,
            "line_no": r.line_no, "host": r.host, "service": r.service, "pid": r.pid, "severity": r.severity,
            "facility": r.facility, "fields": r.structured_fields, "meta": r.metadata,
        },
    }
    return json.dumps(doc, separators=(",", ":"), default=str).encode("utf-8", "surrogatepass")


class WireError(ValueError):
    """A message on the stream that this worker cannot read (named by its stream sequence)."""


def decode(data: bytes) -> Inbound:
    try:
        doc = json.loads(data.decode("utf-8", "surrogatepass"))
        if doc.get("v") != WIRE_VERSION:
            raise WireError(f"wire version {doc.get('v')!r}, this worker reads {WIRE_VERSION}")
        r = doc["record"]
        ts = datetime.fromisoformat(r["ts"]) if r["ts"] else None
        if ts is not None and ts.tzinfo is None:
            ts = ts.replace(tzinfo=timezone.utc)
        rec = Record(ts, r["message"], r["raw"], r["source_type"], r["source_path"], r["line_no"], r["host"],
                     r["service"], r["pid"], r["severity"], r["facility"], r["fields"] or {}, r["meta"] or {})
        state = tuple(doc["state"]) if doc["state"] is not None else None
        return Inbound(doc["tenant"], rec, doc["source"], float(doc["received_at"]), state)
    except WireError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise WireError(f"unreadable message: {exc}") from None
