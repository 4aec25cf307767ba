"""Gateway + workers as real processes over real NATS and PostgreSQL (tests of issue 11)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

from tests.service.harness import LIVE


def cluster_env(partitions: int = 8) -> dict:
    """Settings of one test's stream, kept apart from every other test's."""
    tag = uuid.uuid4().hex[:10]
    return {"BRAINSTEM_NATS_STREAM": f"T{tag}", "BRAINSTEM_NATS_SUBJECT_PREFIX": f"bt.{tag}",
            "BRAINSTEM_NATS_PARTITIONS": str(partitions), "BRAINSTEM_WORKER_LEASE_SECONDS": "3",
            "BRAINSTEM_WORKER_HEARTBEAT_SECONDS": "0.3", "BRAINSTEM_WORKER_BATCH_MAX": "300",
            "BRAINSTEM_SERVE_CHECKPOINT_SECONDS": "1.0", "BRAINSTEM_NATS_MAX_BYTES": str(64 << 20)}


def delete_streams(nats_url: str, env: dict) -> None:
    """Remove a test's stream and its buckets (JetStream reserves each stream's max_bytes)."""
    import asyncio

    async def go():
        import nats
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        name = env["BRAINSTEM_NATS_STREAM"]
        for s in (name, f"KV_{name}_leases", f"KV_{name}_workers"):
            try:
                await js.delete_stream(s)
            except Exception:
                pass
        await nc.drain()
    asyncio.run(go())


class WorkerProc:
    """A `brainstem worker` process; its JSON log lines are kept in ``lines``."""

    def __init__(self, db: str, nats_url: str, env: dict, worker_id: str):
        self.id = worker_id
        self.lines: list[dict] = []
        e = dict(os.environ, PYTHONWARNINGS="ignore", **env)
        e.pop("BRAINSTEM_DB", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "brainstem", "worker", "--db", db, "--nats", nats_url,
                                      "--id", worker_id], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, env=e)
        self.killed_at: float | None = None
        LIVE.append(self)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            try:
                self.lines.append(json.loads(line))
            except ValueError:
                self.lines.append({"msg": line.rstrip()})

    def events(self, name: str) -> list[dict]:
        return [x for x in list(self.lines) if x.get("event") == name]

    def held(self) -> set[int]:
        out: set[int] = set()
        for x in list(self.lines):
            if x.get("event") == "lease_acquired":
                out.add(x["partition"])
            elif x.get("event") in ("lease_released", "lease_lost"):
                out.discard(x["partition"])
        return out

    def sigkill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.killed_at = time.time()

    def stop(self, timeout: float = 60) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def log_text(self) -> str:
        return "\n".join(json.dumps(x) for x in self.lines[-60:])


def tenures(workers: list[WorkerProc]) -> dict[int, list[tuple[int, int, str]]]:
    """partition -> [(first revision, last revision, worker)] of each time a worker held it,
    from the revisions its lease had when acquired, before each batch, and when released."""
    out: dict[int, list[tuple[int, int, str]]] = {}
    for w in workers:
        open_: dict[int, list[int]] = {}
        for x in list(w.lines):
            ev, p = x.get("event"), x.get("partition")
            if ev == "lease_acquired":
                open_[p] = [x["revision"], x["revision"]]
            elif ev == "batch_committed" and p in open_:
                open_[p][1] = x["revision"]
            elif ev in ("lease_released", "lease_lost") and p in open_:
                first, last = open_.pop(p)
                out.setdefault(p, []).append((first, max(last, x.get("revision") or last), w.id))
        for p, (first, last) in open_.items():
            out.setdefault(p, []).append((first, last, w.id))
    return out


def store_snapshot(url: str) -> dict:
    """What a run stored, by content: events (ids), signatures, candidates, per tenant slug."""
    from brainstem.store import CandidateQuery, open_store
    store = open_store(url, create=False)
    try:
        out = {}
        for t in store.list_tenants():
            evs = sorted((e.event_id, e.timestamp.isoformat(), e.host, e.message_normalized, e.signature_key)
                         for e in store.events(t.tenant_id, limit=10 ** 7))
            sigs = sorted((s.signature_id, s.signature_key, s.normalized_pattern, s.occurrence_count)
                          for s in store.signatures(t.tenant_id))
            cands = sorted((c.candidate_id, c.candidate_type, c.decision_band, round(c.score_total, 6))
                           for c in store.candidates(CandidateQuery(tenant_id=t.tenant_id, limit=10 ** 6)))
            out[t.slug] = {"events": evs, "signatures": sigs, "candidates": cands}
        return out
    finally:
        store.close()


def count_stored(url: str) -> int:
    import psycopg

    from brainstem.store.postgres import with_schema  # noqa: F401  (the url names the schema)
    try:
        from brainstem.store import open_store
        store = open_store(url, create=False)
    except Exception:
        return 0
    try:
        return sum(c.get("event", 0) for c in store.counts().values())
    except psycopg.Error:
        return 0
    finally:
        store.close()
