#!/usr/bin/env python3
"""Service benchmark (issue 8, item 11).

    .venv/bin/python bench/serve.py [--seconds 60] [--connections 8] [--udp-seconds 20]   # (a), (b) and (c)
    .venv/bin/python bench/serve.py --api-only [--tenants 10] [--candidates 2000] [--clients 20] [--keep DIR]

(a) and (b), syslog over TCP and UDP beside file ingest in the same run, are
bench/serve_syslog.py (run first, in its own process, unless --api-only).

(c) the REST API under concurrent clients: a real uvicorn server on a socket
(its own process, serving ``create_app`` over the database), ``--clients``
httpx clients each sending one request after the other on its own
connection. Measures p50 / p99 latency of the candidate list (first pages,
band filters, deeper offsets) and of recall (a pasted log line, which
fingerprints it against the tenant's templates, and a signature key), beside
two floors measured in the same run: ``/healthz`` under the same concurrency
(the HTTP, auth-free, client and server overhead) and the library call alone
(``Workspace.candidate_page`` / ``recall`` in this process, one thread, no
HTTP). The database is built first: per tenant, generated syslog with a few
hundred message shapes is ingested (real signatures and template state),
candidates are added up to ``--candidates`` (real signature keys, realistic
evidence and explanations) and ``--incidents`` of them promoted with lessons
and hints.

Prints its figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from brainstem.models import CANDIDATE_TYPES, DECISION_BANDS, Candidate, stable_id  # noqa: E402
from brainstem.settings import load_settings  # noqa: E402
from brainstem.store import WriteBatch  # noqa: E402
from brainstem.workspace import Workspace  # noqa: E402

START = datetime(2026, 3, 2, tzinfo=timezone.utc)
WORDS = ("connection", "session", "backup", "disk", "interface", "queue", "worker", "request", "upstream", "cache",
         "volume", "replica", "lease", "certificate", "tunnel", "policy", "job", "service", "user", "packet",
         "failed", "timed out", "restored", "degraded", "refused", "started", "stopped", "exceeded", "dropped",
         "accepted", "renewed", "rejected", "unreachable", "synchronized", "throttled", "retrying")
PROGRAMS = ("sshd", "kernel", "nginx", "postgres", "bacula-dir", "cron", "systemd", "app", "haproxy", "dhcpd",
            "ntpd", "%LINK-3-UPDOWN", "smartd", "named", "openvpn")


# -- the database -----------------------------------------------------------------------------------
def _shapes(r: random.Random, n: int) -> list[tuple[str, list[str]]]:
    """n message shapes: a program and words with variable slots."""
    out = []
    for _ in range(n):
        words = [r.choice(WORDS) for _ in range(r.randrange(3, 9))]
        for _ in range(r.randrange(1, 4)):
            words.insert(r.randrange(len(words) + 1), r.choice(("{n}", "{ip}", "{id}", "{host}")))
        out.append((r.choice(PROGRAMS), words))
    return out


def _fill(r: random.Random, words: list[str]) -> str:
    sub = {"{n}": lambda: str(r.randrange(100000)), "{ip}": lambda: f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}",
           "{id}": lambda: f"{r.randrange(16 ** 8):08x}", "{host}": lambda: f"node{r.randrange(300)}"}
    return " ".join(sub[w]() if w in sub else w for w in words)


def _write_log(path: Path, seed: int, lines: int, shapes: int, hosts: int) -> list[str]:
    r = random.Random(seed)
    kinds = _shapes(r, shapes)
    weights = [1 / (i + 1) for i in range(len(kinds))]       # a few shapes are most of the traffic
    step = 14 * 86400 / lines
    samples = []
    with open(path, "w") as fh:
        for i in range(lines):
            ts = START + timedelta(seconds=i * step)
            prog, words = r.choices(kinds, weights)[0]
            msg = _fill(r, words)
            line = f"{ts:%b} {ts.day:>2} {ts:%H:%M:%S} host{r.randrange(hosts):03d} {prog}[{r.randrange(100, 9999)}]: {msg}"
            fh.write(line + "\n")
            if i % 97 == 0:
                samples.append(line)
    end = (START + timedelta(days=14)).timestamp()
    os.utime(path, (end, end))
    return samples


def _candidates(tid: str, sigs, n: int, r: random.Random) -> list[Candidate]:
    out = []
    for i in range(n):
        s = sigs[i % len(sigs)]
        kind = CANDIDATE_TYPES[i % 5]
        first = START + timedelta(minutes=r.randrange(14 * 1440))
        score = round(r.betavariate(2, 3), 4)
        band = DECISION_BANDS[min(4, int(score / 0.2))]
        parts = [{"name": x, "raw": round(r.random(), 4), "weight": 0.15, "contribution": round(r.random() / 7, 4)}
                 for x in ("severity", "frequency", "spread", "burstiness", "feedback")]
        out.append(Candidate(
            candidate_id=stable_id("cand_", tid, kind, s.signature_key, i), tenant_id=tid, candidate_type=kind,
            title=f"{kind.title()}: {s.normalized_pattern}"[:200], first_seen_at=first,
            last_seen_at=first + timedelta(minutes=r.randrange(1, 6000)),
            source_signature_ids=[s.signature_id], source_event_ids=[f"ev_{r.randrange(16 ** 24):024x}" for _ in range(20)],
            summary=f"{kind} of 1 signature(s), {r.randrange(2, 400)} finding(s) on {r.randrange(1, 30)} asset(s)",
            score_total=score, score_breakdown=parts, decision_band=band, confidence=round(r.random(), 3),
            explanation=(f"`{s.normalized_pattern[:80]}` {kind} across {r.randrange(2, 40)} hosts at a rate "
                         f"{r.randrange(3, 30)}x its usual, severity error, not reviewed before"),
            metadata={"key": f"{s.signature_key}:{i}", "signature_keys": [s.signature_key],
                      "event_count": r.randrange(1, 500), "assets": [f"host{r.randrange(60):03d}" for _ in range(8)],
                      "metrics": {"peak": r.randrange(10, 500), "buckets": r.randrange(3, 14)}}))
    return out


def build_db(db: Path, *, tenants: int, lines: int, shapes: int, candidates: int, incidents: int,
             hosts: int = 60) -> dict:
    """A database with ``tenants`` tenants of ingested logs, candidates and incident memories;
    returns what the clients need (tokens, sample lines, signature keys)."""
    work = db.parent
    ws = Workspace(db, load_settings(env={}))
    info = {"tenants": {}}
    r = random.Random(11)
    for t in range(tenants):
        slug = f"customer{t:02d}"
        log = work / f"{slug}.log"
        samples = _write_log(log, seed=t, lines=lines, shapes=shapes, hosts=hosts)
        ws.ingest([str(log)], tenant=slug)
        tenant = ws.tenant(slug)
        sigs = ws.store.signatures(tenant.tenant_id)
        extra = _candidates(tenant.tenant_id, sigs, candidates, r)
        ws.store.write(WriteBatch(candidates=extra))
        for c in extra[:incidents]:
            ws.promote(c.candidate_id, lesson=f"lesson for {c.title[:60]}", hint=f"check {c.metadata['assets'][0]}")
        _, token = ws.create_key(slug, name="bench")
        info["tenants"][slug] = {"token": token, "samples": samples[:200],
                                 "keys": [s.signature_key for s in sigs[:200]]}
    counts = ws.stats()
    info["candidates"] = sum(c["candidate"] for c in counts.values())
    info["incidents"] = sum(c["incident_memory"] for c in counts.values())
    info["signatures"] = sum(c["signature"] for c in counts.values())
    info["events"] = sum(c["event"] for c in counts.values())
    ws.close()
    return info


# -- the server --------------------------------------------------------------------------------------
def _serve(db: str, port: int, threads: int) -> None:
    """Inside the server process: the API over the database, on 127.0.0.1:port."""
    import uvicorn

    from brainstem.api import create_app
    from brainstem.service.context import ServiceContext

    ctx = ServiceContext(db, load_settings(env={}, http_threads=threads))
    uvicorn.run(create_app(ctx), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, threads: int) -> tuple[subprocess.Popen, str]:
    import httpx
    port = _free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(db), str(port), str(threads)])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the API server did not start")
        time.sleep(0.2)


# -- the clients -------------------------------------------------------------------------------------
async def _run_clients(url: str, clients: int, per_client: int, make_request) -> tuple[list[float], float, int]:
    """``clients`` concurrent clients, each on its own connection, ``per_client`` requests one after the
    other; the latencies (s), the wall time and the number of non-2xx answers."""
    import httpx
    latencies: list[float] = []
    errors = 0

    async def client(i: int) -> None:
        nonlocal errors
        r = random.Random(i)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=1)) as c:
            for _ in range(per_client):
                method, path, params, headers = make_request(r)
                t0 = time.perf_counter()
                resp = await c.request(method, path, params=params, headers=headers)
                await resp.aread()
                latencies.append(time.perf_counter() - t0)
                if resp.status_code >= 300:
                    errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, time.perf_counter() - t0, errors


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _library_times(db: Path, info: dict, n: int = 100) -> dict[str, tuple[list[float], list[float]]]:
    """The same calls without HTTP, one thread, this process: (wall, CPU) seconds per call."""
    r = random.Random(5)
    out: dict[str, tuple[list[float], list[float]]] = {"candidates": ([], []), "recall": ([], [])}
    with Workspace(db, load_settings(env={})) as ws:
        slugs = list(info["tenants"])
        for _ in range(n):
            slug = r.choice(slugs)
            calls = {"candidates": lambda: ws.candidate_page(slug, limit=50, **r.choice(_CAND_VARIANTS)),
                     "recall": lambda: ws.recall(r.choice(info["tenants"][slug]["samples"]), tenant=slug)}
            for name, call in calls.items():
                t0, c0 = time.perf_counter(), time.process_time()
                call()
                out[name][0].append(time.perf_counter() - t0)
                out[name][1].append(time.process_time() - c0)
    return out


_CAND_VARIANTS = ({}, {"min_band": "review"}, {"types": ("burst", "spread")}, {"offset": 500})


def _param_variant(v: dict) -> dict:
    out = dict(v)
    if "types" in out:
        out["type"] = list(out.pop("types"))
    return out


def bench_api(work: Path, *, tenants: int = 10, lines: int = 20_000, shapes: int = 400, candidates: int = 2000,
              incidents: int = 100, clients: int = 20, requests: int = 50, threads: int | None = None) -> dict:
    """Part (c): the API under ``clients`` concurrent clients. Prints and returns its figures."""
    db, saved = work / "api-bench.db", work / "api-bench.json"
    t0 = time.perf_counter()
    if db.exists() and saved.exists():      # --keep DIR of an earlier run: the same database again
        info = json.loads(saved.read_text())
        tenants = len(info["tenants"])
    else:
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            p.unlink(missing_ok=True)
        info = build_db(db, tenants=tenants, lines=lines, shapes=shapes, candidates=candidates, incidents=incidents)
        saved.write_text(json.dumps(info))
    print(f"(c) database: {tenants} tenants, {info['events']:,} events, {info['signatures']:,} signatures, "
          f"{info['candidates']:,} candidates, {info['incidents']:,} incident memories "
          f"({db.stat().st_size / 1e6:.0f} MB, built in {time.perf_counter() - t0:.0f}s)")
    slugs = list(info["tenants"])

    def auth(slug: str) -> dict:
        return {"Authorization": f"Bearer {info['tenants'][slug]['token']}"}

    def healthz(r):
        return "GET", "/healthz", None, None

    def cand_list(r):
        slug = r.choice(slugs)
        return "GET", "/api/v1/candidates", {"limit": 50, **_param_variant(r.choice(_CAND_VARIANTS))}, auth(slug)

    def recall_text(r):
        slug = r.choice(slugs)
        return "GET", "/api/v1/recall", {"text": r.choice(info["tenants"][slug]["samples"])}, auth(slug)

    def recall_sig(r):
        slug = r.choice(slugs)
        return "GET", "/api/v1/recall", {"signature": r.choice(info["tenants"][slug]["keys"])}, auth(slug)

    threads = threads or load_settings(env={}).http_threads
    proc, url = start_server(db, threads)
    results = {}
    try:
        asyncio.run(_run_clients(url, clients, 5, cand_list))     # warm up: connections, threads, caches
        for name, make in (("healthz (floor)", healthz), ("candidate list", cand_list),
                           ("recall by text", recall_text), ("recall by signature", recall_sig)):
            lat, wall, errors = asyncio.run(_run_clients(url, clients, requests, make))
            results[name] = {"p50_ms": _pct(lat, 50) * 1e3, "p99_ms": _pct(lat, 99) * 1e3,
                             "rps": len(lat) / wall, "n": len(lat), "errors": errors}
        peak = _peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    lib = _library_times(db, info)
    floor = results["healthz (floor)"]["p50_ms"]
    print(f"(c) {clients} concurrent clients x {requests} requests each, uvicorn on a socket (one process, "
          f"{threads} API threads):")
    for name, x in results.items():
        ratio = "" if name.startswith("healthz") else f"   p50 = {x['p50_ms'] / floor:.1f}x the floor"
        print(f"    {name:<22} p50 {x['p50_ms']:7.1f} ms   p99 {x['p99_ms']:7.1f} ms   {x['rps']:6.0f} req/s"
              f"   ({x['n']} requests, {x['errors']} not 2xx){ratio}")
    print(f"    server process peak RSS {peak:.0f} MB")
    for name, (wall, cpu) in lib.items():
        print(f"    library alone: {name:<12} p50 {statistics.median(wall) * 1e3:6.2f} ms   "
              f"p99 {_pct(wall, 99) * 1e3:6.2f} ms   CPU p50 {statistics.median(cpu) * 1e3:5.2f} ms   "
              "(one thread, no HTTP)")
    results["library"] = {k: {"p50_ms": statistics.median(w) * 1e3, "p99_ms": _pct(w, 99) * 1e3,
                              "cpu_p50_ms": statistics.median(c) * 1e3} for k, (w, c) in lib.items()}
    results["database"] = {k: info[k] for k in ("events", "signatures", "candidates", "incidents")}
    results["server_peak_rss_mb"] = peak
    return results


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        _serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--api-only", action="store_true", help="Only part (c), the REST API.")
    ap.add_argument("--seconds", type=float, default=60.0, help="(a): how long the TCP senders send.")
    ap.add_argument("--connections", type=int, default=8, help="(a): concurrent TCP connections.")
    ap.add_argument("--udp-seconds", type=float, default=20.0, help="(b): seconds per UDP rate.")
    ap.add_argument("--tenants", type=int, default=10)
    ap.add_argument("--lines", type=int, default=20_000, help="Syslog lines ingested per tenant.")
    ap.add_argument("--shapes", type=int, default=400, help="Message shapes per tenant (about its signatures).")
    ap.add_argument("--candidates", type=int, default=2000, help="Candidates per tenant.")
    ap.add_argument("--incidents", type=int, default=100, help="Incident memories per tenant.")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=50, help="Requests per client and measurement.")
    ap.add_argument("--threads", type=int, default=None, help="The server's API threads (default: http_threads).")
    ap.add_argument("--keep", type=Path, default=None,
                    help="Keep the database in this directory; a later run with the same directory reuses it.")
    a = ap.parse_args()
    work = a.keep or Path(tempfile.mkdtemp(prefix="brainstem-bench-serve-"))
    work.mkdir(parents=True, exist_ok=True)
    if not a.api_only:
        subprocess.run([sys.executable, str(Path(__file__).with_name("serve_syslog.py")), "--seconds", str(a.seconds),
                        "--connections", str(a.connections), "--udp-seconds", str(a.udp_seconds)], check=True)
    bench_api(work, tenants=a.tenants, lines=a.lines, shapes=a.shapes, candidates=a.candidates,
              incidents=a.incidents, clients=a.clients, requests=a.requests, threads=a.threads)


if __name__ == "__main__":
    main()
