#!/usr/bin/env python3
"""Scale-out benchmark (issue 11, item 5): 1, 2 and 4 workers over PostgreSQL + JetStream.

    .venv/bin/python bench/scale.py [--events 2000000] [--tenants 60] [--workers 1,2,4]
                                    [--pg postgresql://postgres@127.0.0.1:5432/test] [--nats nats://127.0.0.1:4222]

A generated multi-tenant syslog stream (``--tenants`` tenants, a few dozen
message shapes each, hosts per tenant, event time advancing a second per few
lines) is published to a fresh JetStream stream (what `serve --mode gateway`
publishes, brainstem/service/wire.py) while ``N`` `brainstem worker`
processes consume it into a fresh PostgreSQL schema. The stream is published
as fast as the gateway's publisher can (``publish_all``, acks pipelined), so
the workers run flat out and the lag is mostly the backlog they drain. Per N:
events/s from the first publish until every message was stored and acked
(asked of the partitions' consumers, then the stored count checked), the
end-to-end lag p99 (publish to commit, the worst worker's p99), and
CPU-seconds of the workers, the publisher (this process), PostgreSQL and
nats-server, as events per CPU-second over all of them. In the same run: the
single-process path, the same records through one TenantPipeline per tenant
into SQLite (what `serve` alone does): events/s and events/CPU-s; ratios to
it are printed. On a two-core machine the bench process, NATS, PostgreSQL
and the workers share the cores, so the wall-clock curve flattens early; the
CPU figures say what the work costs, whatever else runs.

The default 2,000,000 events took 28 minutes on the 2-core development
machine (1,500,000 took 24 min 46 s on a busier one); `--events` makes it shorter.

Prints its figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from brainstem.ingest.record import Record  # noqa: E402
from brainstem.service.inbound import Inbound  # noqa: E402

START = datetime(2026, 11, 2, tzinfo=timezone.utc)
SHAPES = ["session opened for user u{n} by (uid=0)", "Accepted publickey for u{n} from 10.0.{a}.{b} port {p} ssh2",
          "job backup-{n} finished in {p} ms", "Interface ge-0/0/{a} changed state to {updown}",
          "disk /dev/sd{c} write error sector {p}", "connection from 10.1.{a}.{b} refused",
          "GET /api/v{a}/items/{p} 200 {n}ms", "cron[{p}]: (root) CMD (run-parts /etc/cron.hourly)",
          "kernel: TCP: out of memory -- consider tuning tcp_mem", "dhcpd: DHCPACK on 10.2.{a}.{b} to aa:bb:{a}{b}"]


def generate(n: int, tenants: int, seed: int = 7) -> list[Inbound]:
    rnd = random.Random(seed)
    names = [f"customer{k:03d}" for k in range(tenants)]
    out = []
    now = time.time()
    for i in range(n):
        t = names[rnd.randrange(tenants)] if rnd.random() < 0.7 else names[i % 5]   # a few big tenants
        ts = START + timedelta(seconds=i // 8)
        host = f"{t}-h{rnd.randrange(12)}"
        shape = SHAPES[rnd.randrange(len(SHAPES))]
        msg = shape.format(n=rnd.randrange(50), a=rnd.randrange(8), b=rnd.randrange(250), p=rnd.randrange(60000),
                           c="abc"[rnd.randrange(3)], updown=rnd.choice(("up", "down")))
        raw = f"<13>1 {ts:%Y-%m-%dT%H:%M:%S}Z {host} app - - - {msg}"
        rec = Record(ts, msg, raw, "syslog", "tcp:bench", 0, host, "app")
        out.append(Inbound(t, rec, "bench", now))
    return out


def single_process_sqlite(items: list[Inbound], settings, batch: int) -> tuple[float, float]:
    """(events/s, events/CPU-s) of one process: per tenant, a TenantPipeline into SQLite, in
    batches (serve's writer)."""
    from brainstem.pipeline.events import EventFactory
    from brainstem.pipeline.runner import RunStats, TenantPipeline
    from brainstem.workspace import Workspace
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "single.db", settings, create=True)
        live: dict[str, tuple] = {}
        started, cpu = time.perf_counter(), time.process_time()
        for k in range(0, len(items), batch):
            groups: dict[str, list] = {}
            for i in items[k:k + batch]:
                groups.setdefault(i.tenant, []).append(i.record)
            for tenant, recs in groups.items():
                if tenant not in live:
                    t = ws.tenant(tenant, create=True)
                    live[tenant] = (TenantPipeline(ws.store, settings, t), EventFactory(t.tenant_id), RunStats())
                p, f, st = live[tenant]
                p.process_batch(recs, st, f)
        for p, _, _ in live.values():
            p.checkpoint()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        ws.close()
    return len(items) / elapsed, len(items) / cpu


async def publish(items: list[Inbound], settings, url: str, t0_box: list) -> None:
    """What the gateway's publisher does (brainstem/service/gateway.py publish_all), in chunks."""
    from brainstem.service.gateway import MAX_PENDING, publish_all
    from brainstem.service.jetstream import connect, ensure_stream
    nc = await connect(url, "bench-scale")
    js = nc.jetstream(timeout=30, publish_async_max_pending=MAX_PENDING)
    await ensure_stream(js, settings)
    t0_box.append(time.perf_counter())
    chunk = settings.serve_batch_max
    for k in range(0, len(items), chunk):
        now = time.time()
        part = items[k:k + chunk]
        for i in part:
            i.received_at = now
        bad = next((r for r in await publish_all(js, settings, part) if r is not None), None)
        if bad is not None:
            raise RuntimeError(f"publish failed: {bad}")
    t0_box.append(time.perf_counter())
    await nc.drain()


def stored(url: str) -> int:
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:     # the url's options name the schema
        try:
            return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        except psycopg.Error:
            return 0


async def _drained(js, settings) -> bool:
    """Every partition's consumer has delivered and been acked everything (a worker acks
    after its commit): cheaper to ask than counting a growing events table twice a second."""
    for n in range(settings.nats_partitions):
        try:
            info = await js.consumer_info(settings.nats_stream, f"part-{n}")
        except Exception:             # not created yet, or being re-created by a new holder
            return False
        if info.num_pending or info.num_ack_pending:
            return False
    return True


def _service_cpu() -> dict[str, float]:
    """CPU-seconds used so far by the local PostgreSQL (its exited backends included) and
    nats-server processes (Linux /proc; empty elsewhere or for remote servers)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out: dict[str, float] = {}
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return out
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if name not in ("postgres", "nats-server"):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        ticks = int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])   # utime stime cutime cstime
        out[name] = out.get(name, 0.0) + ticks / tick
    return out


def _children_cpu() -> float:
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def load() -> str:
    try:
        return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load ?"


def run_workers(n: int, items: list[Inbound], pg: str, nats_url: str, partitions: int) -> dict:
    """events/s, lag p99 and the CPU-seconds of each part of one run with ``n`` workers."""
    import psycopg

    from brainstem.settings import load_settings
    from brainstem.store.postgres import with_schema
    tag = uuid.uuid4().hex[:8]
    schema = f"bench_scale_{tag}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = with_schema(pg, schema)
    env = dict(os.environ, BRAINSTEM_NATS_STREAM=f"BENCH{tag}", BRAINSTEM_NATS_SUBJECT_PREFIX=f"bench.{tag}",
               BRAINSTEM_NATS_PARTITIONS=str(partitions), BRAINSTEM_WORKER_HEARTBEAT_SECONDS="0.5",
               BRAINSTEM_NATS_MAX_BYTES=str(max(256 << 20, 600 * len(items))))
    env.pop("BRAINSTEM_DB", None)
    settings = load_settings(env={k: v for k, v in env.items() if k.startswith("BRAINSTEM_")})
    subprocess.run([sys.executable, "-m", "brainstem", "db", "upgrade", "--db", url], check=True,
                   capture_output=True)
    children0, me0, services0 = _children_cpu(), time.process_time(), _service_cpu()
    logs = [tempfile.TemporaryFile("w+") for _ in range(n)]
    procs = [subprocess.Popen([sys.executable, "-m", "brainstem", "worker", "--db", url, "--nats", nats_url,
                               "--id", f"bench{k}"], env=env, stdout=subprocess.DEVNULL, stderr=logs[k], text=True)
             for k in range(n)]
    try:
        t0: list[float] = []
        pub = threading.Thread(target=lambda: asyncio.run(publish(items, settings, nats_url, t0)))
        pub.start()
        elapsed = asyncio.run(_wait_stored(settings, nats_url, procs, pub, t0))
        pub.join()
        count = stored(url)
        if count != len(items):
            raise RuntimeError(f"{count} events stored of {len(items)}")
        print(f"   (publishing took {t0[1] - t0[0]:.1f} s of the {elapsed:.1f} s)")
    finally:
        lags = []
        for p in procs:
            p.terminate()
        for p, log in zip(procs, logs):
            p.wait(120)
            log.seek(0)
            for line in log:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if rec.get("event") == "stopped" and rec.get("lag_p99_seconds") is not None:
                    lags.append(rec["lag_p99_seconds"])
        asyncio.run(_delete_stream(nats_url, settings))
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    services = _service_cpu()
    cpu = {"workers": _children_cpu() - children0, "publisher": time.process_time() - me0}
    cpu.update({k: v - services0.get(k, 0.0) for k, v in services.items()})
    return {"rate": len(items) / elapsed, "p99": max(lags) if lags else float("nan"), "cpu": cpu}


async def _wait_stored(settings, nats_url: str, procs, pub: threading.Thread, t0: list) -> float:
    """Seconds from the first publish until every message was stored and acked."""
    from brainstem.service.jetstream import connect
    nc = await connect(nats_url, "bench-scale-watch")
    js = nc.jetstream(timeout=10)
    try:
        while True:
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a worker died (see its log)")
            if not pub.is_alive() and len(t0) < 2:
                raise RuntimeError("the publisher failed")
            if len(t0) == 2 and await _drained(js, settings):
                return time.perf_counter() - t0[0]
            await asyncio.sleep(0.25)
    finally:
        await nc.drain()


async def _delete_stream(url: str, settings) -> None:
    from brainstem.service.jetstream import connect
    nc = await connect(url, "bench-scale-cleanup")
    js = nc.jetstream()
    for name in (settings.nats_stream, f"KV_{settings.nats_stream}_leases", f"KV_{settings.nats_stream}_workers"):
        try:
            await js.delete_stream(name)
        except Exception:
            pass
    await nc.drain()


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--tenants", type=int, default=60)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--pg", default=os.environ.get("BRAINSTEM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--nats", default=os.environ.get("BRAINSTEM_TEST_NATS", "nats://127.0.0.1:4222"))
    a = ap.parse_args()
    from brainstem.settings import load_settings
    settings = load_settings(env={})
    items = generate(a.events, a.tenants)
    print(f"{a.events:,} events, {a.tenants} tenants, {a.partitions} partitions, {os.cpu_count()} cores; {load()}")
    single, single_cpu = single_process_sqlite(generate(a.events, a.tenants), settings, settings.serve_batch_max)
    print(f"single process, SQLite:              {single:8,.0f} events/s   {single_cpu:8,.0f} events/CPU-s   "
          f"({load()})")
    for n in (int(x) for x in a.workers.split(",")):
        r = run_workers(n, items, a.pg, a.nats, a.partitions)
        total = sum(r["cpu"].values())
        parts = ", ".join(f"{k} {v:.0f}" for k, v in r["cpu"].items())
        print(f"{n} worker(s), PostgreSQL+JetStream: {r['rate']:8,.0f} events/s x{r['rate'] / single:.2f}   "
              f"{a.events / total:8,.0f} events/CPU-s x{a.events / total / single_cpu:.2f}   lag p99 {r['p99']:.1f} s")
        print(f"   CPU-s: {parts} (the servers' figures include anyone else's use of them; {load()})")

if __name__ == "__main__":
    main()
