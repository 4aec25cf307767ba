#!/usr/bin/env python3
"""Scale-out benchmark (issue 11, item 5): 1, 2 and 4 workers over PostgreSQL + JetStream.

    .venv/bin/python bench/scale.py [--events 2000000] [--tenants 60] [--workers 1,2,4]
                                    [--pg postgresql://postgres@127.0.0.1:5432/test] [--nats nats://127.0.0.1:4222]

A generated multi-tenant syslog stream (``--tenants`` tenants, a few dozen
message shapes each, hosts per tenant, event time advancing a second per few
lines) is published to a fresh JetStream stream (what `serve --mode gateway`
publishes, brainstem/service/wire.py) while ``N`` `brainstem worker`
processes consume it into a fresh PostgreSQL schema. Per N: events/s from the
first publish to the last event stored, and the end-to-end lag p99 (publish to
commit, the worst worker's p99). In the same run: the single-process path,
the same records through one TenantPipeline per tenant into SQLite (what
`serve` alone does), events/s; ratios to it are printed. On a two-core
machine the bench process, NATS, PostgreSQL and the workers share the cores,
so the curve flattens early: the absolute figures mean little, the ratios a
little more.

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
from brainstem.service.wire import encode, partition_of, subject  # noqa: E402

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


def single_process_sqlite(items: list[Inbound], settings, batch: int) -> float:
    """events/s of one process: per tenant, a TenantPipeline into SQLite, in batches (serve's writer)."""
    from brainstem.pipeline.events import EventFactory
    from brainstem.pipeline.runner import RunStats, TenantPipeline
    from brainstem.workspace import Workspace
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "single.db", settings, create=True)
        live: dict[str, tuple] = {}
        started = time.perf_counter()
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
        elapsed = time.perf_counter() - started
        ws.close()
    return len(items) / elapsed


async def publish(items: list[Inbound], settings, url: str, t0_box: list) -> None:
    from brainstem.service.jetstream import connect, ensure_stream
    nc = await connect(url, "bench-scale")
    js = nc.jetstream(timeout=30)
    await ensure_stream(js, settings)
    prefix, parts = settings.nats_subject_prefix, settings.nats_partitions
    t0_box.append(time.perf_counter())
    chunk = 2000
    for k in range(0, len(items), chunk):
        now = time.time()
        sends = []
        for i in items[k:k + chunk]:
            i.received_at = now
            sends.append(js.publish(subject(prefix, partition_of(i.tenant, parts)), encode(i),
                                    stream=settings.nats_stream))
        await asyncio.gather(*sends)
    t0_box.append(time.perf_counter())
    await nc.drain()


def stored(url: str) -> int:
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:     # the url's options name the schema
        try:
            return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        except psycopg.Error:
            return 0


def run_workers(n: int, items: list[Inbound], pg: str, nats_url: str, partitions: int) -> tuple[float, float]:
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
    logs = [tempfile.TemporaryFile("w+") for _ in range(n)]
    procs = [subprocess.Popen([sys.executable, "-m", "brainstem", "worker", "--db", url, "--nats", nats_url,
                               "--id", f"bench{k}"], env=env, stdout=subprocess.DEVNULL, stderr=logs[k], text=True)
             for k in range(n)]
    try:
        t0: list[float] = []
        pub = threading.Thread(target=lambda: asyncio.run(publish(items, settings, nats_url, t0)))
        pub.start()
        while stored(url) < len(items):
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a worker died (see its log)")
            time.sleep(0.5)
        elapsed = time.perf_counter() - t0[0]
        pub.join()
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
    return len(items) / elapsed, max(lags) if lags else float("nan")


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
    print(f"{a.events} events, {a.tenants} tenants, {a.partitions} partitions, {os.cpu_count()} cores")
    single = single_process_sqlite(generate(a.events, a.tenants), settings, settings.serve_batch_max)
    print(f"single process, SQLite:            {single:10,.0f} events/s")
    for n in (int(x) for x in a.workers.split(",")):
        rate, p99 = run_workers(n, items, a.pg, a.nats, a.partitions)
        print(f"{n} worker(s), PostgreSQL+JetStream: {rate:10,.0f} events/s  lag p99 {p99:6.2f} s  "
              f"x{rate / single:.2f} of single-process SQLite")


if __name__ == "__main__":
    main()
