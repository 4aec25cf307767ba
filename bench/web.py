#!/usr/bin/env python3
"""Web console benchmark (issue 10): page render time on a queue of more than 10,000 candidates.

    .venv/bin/python bench/web.py [--recurring 12000] [--rounds 30] [--keep DIR]

The database comes from real ingests: the demo's week of logs for two tenants
(brainstem/demo), then, into tenant acme, ``--recurring`` distinct message shapes
each logged once a day at its own hour for four days (each becomes a signature
and a recurrence candidate), so acme's queue holds more than 10,000 candidates
over about 100,000 events. A few candidates are promoted with lessons and hints.

A real uvicorn server (in this process, on a loopback socket) serves
``create_app`` over the database, as ``brainstem serve`` does; one signed-in
httpx client asks for each page ``--rounds`` times, pages interleaved, and the
p50 / p95 / max render times (request sent to response read) are printed beside
``/healthz`` measured the same way in the same run, and their ratio to it.
Pages: the queue (first page, a band filter, an asset filter, a deep page), its
rows fragment, candidate pages (a different candidate each round: the demo's and
synthetic ones), raw events paged, the signature explorer (by count, by last
seen, a search), a signature page, incident memory, an incident page, recall by a
pasted line. The target is a p95 under 300 ms per page. Prints; asserts nothing.
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from brainstem.api import create_app  # noqa: E402
from brainstem.demo.run import run_demo  # noqa: E402
from brainstem.service.context import ServiceContext  # noqa: E402
from brainstem.settings import load_settings  # noqa: E402
from brainstem.workspace import Workspace  # noqa: E402

START = datetime(2026, 3, 2, tzinfo=timezone.utc)
_C, _V = "bcdfghjklmnprstvwz", "aeiou"


def _recurring_log(path: Path, n: int, seed: int = 5) -> int:
    """n distinct shapes (random made-up words, so no two share a template), each once a day for 4 days."""
    r = random.Random(seed)
    vocab = sorted({"".join(r.choice(_C) + r.choice(_V) for _ in range(r.randint(2, 4))) for _ in range(8000)})
    lines = []
    for _ in range(n):
        msg = " ".join(r.choice(vocab) for _ in range(r.randint(5, 9)))
        prog, host = r.choice(vocab), f"host{r.randrange(200):03d}"
        hour, minute = r.randrange(24), r.randrange(60)
        for d in range(4):
            t = START + timedelta(days=d, hours=hour, minutes=minute, seconds=r.randrange(50))
            lines.append((t, f"{t:%b} {t.day:>2} {t:%H:%M:%S} {host} {prog}[{r.randrange(100, 999)}]: {msg} "
                             f"code {r.randrange(1000)}"))
    lines.sort()
    path.write_text("\n".join(x for _, x in lines) + "\n")
    return len(lines)


def build(root: Path, recurring: int) -> tuple[Path, str, dict]:
    db = root / "web.db"
    t0 = time.perf_counter()
    with Workspace(db) as ws:
        run_demo(ws, root / "demo")
        n = _recurring_log(root / "recurring.log", recurring)
        ws.ingest([str(root / "recurring.log")], tenant="acme")
        cands = ws.candidates("acme", limit=40)
        for c in cands[:6]:
            if not c.metadata.get("incident_memory_id"):
                ws.promote(c.candidate_id, lesson=f"lesson for {c.candidate_type}", hint="check the runbook")
        token = ws.create_key("acme", name="bench")[1]
        stats = ws.stats("acme")["acme"]
    stats["recurring_lines"] = n
    print(f"database: {stats['candidate']:,} candidates, {stats['event']:,} events, {stats['signature']:,} signatures "
          f"in tenant acme ({time.perf_counter() - t0:.1f} s to build by ingest)", flush=True)
    return db, token, stats


def serve(db: Path):
    import uvicorn
    ctx = ServiceContext(db, load_settings(env={}))
    app = create_app(ctx)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, ctx, f"http://127.0.0.1:{port}"


def sign_in(c: httpx.Client, token: str) -> None:
    form = c.get("/login")
    lt = re.search(r'name="login_token" value="([^"]+)"', form.text).group(1)
    r = c.post("/login", data={"token": token, "login_token": lt})
    assert r.status_code == 303, r.text[:200]


def pages(db: Path, rounds: int) -> dict[str, list[str]]:
    r = random.Random(11)
    with Workspace(db) as ws:
        top = [c.candidate_id for c in ws.candidates("acme", limit=30)]
        every = ws.candidate_page("acme", limit=1000, offset=5000).items
        cands = [top[i % len(top)] if i % 2 else r.choice(every).candidate_id for i in range(rounds)]
        busy = max(top, key=lambda cid: ws.candidate_events(cid, limit=1).total)
        sig = ws.signature_page("acme", limit=1).items[0].signature_id
        inc = ws.incidents("acme")[0]
        line = ws.candidate_events(inc.source_candidate_ids[0], limit=1).items[0].message_raw
        host = ws.hostnames("acme")[0]
    from urllib.parse import quote
    return {
        "queue": ["/"] * rounds,
        "queue, band filter": ["/?band=review&band=watch"] * rounds,
        "queue, asset filter": [f"/?asset={host}"] * rounds,
        "queue, page 101": ["/?offset=5000"] * rounds,
        "queue rows fragment": ["/queue/rows?type=recurrence"] * rounds,
        "candidate": [f"/candidates/{c}" for c in cands],
        "raw events, page 3": [f"/candidates/{busy}/events?events=100"] * rounds,
        "signatures": ["/signatures"] * rounds,
        "signatures, last seen": ["/signatures?sort=last_seen"] * rounds,
        "signatures, search": ["/signatures?q=fail"] * rounds,
        "signature": [f"/signatures/{sig}"] * rounds,
        "incidents": ["/incidents"] * rounds,
        "incident": [f"/incidents/{inc.incident_memory_id}"] * rounds,
        "recall, pasted line": [f"/recall?text={quote(line)}"] * rounds,
        "/healthz (floor)": ["/healthz"] * rounds,
    }


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recurring", type=int, default=12000, help="distinct recurring shapes added to acme")
    ap.add_argument("--rounds", type=int, default=30, help="requests per page")
    ap.add_argument("--keep", help="build (or reuse) the database in this directory")
    a = ap.parse_args()
    root = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="bench-web-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        db = root / "web.db"
        if a.keep and db.exists():
            with Workspace(db) as ws:
                token = ws.create_key("acme", name="bench")[1]
                print(f"database: {ws.stats('acme')['acme']['candidate']:,} candidates in tenant acme (kept)")
        else:
            db, token, _ = build(root, a.recurring)
        server, thread, ctx, base = serve(db)
        plan = pages(db, a.rounds)
        times: dict[str, list[float]] = {k: [] for k in plan}
        with httpx.Client(base_url=base, timeout=60) as c:
            sign_in(c, token)
            for name, urls in plan.items():          # warm: templates compiled, caches and miners loaded
                c.get(urls[0])
            for i in range(a.rounds):
                for name, urls in plan.items():
                    t0 = time.perf_counter()
                    resp = c.get(urls[i])
                    times[name].append(time.perf_counter() - t0)
                    assert resp.status_code == 200, (name, urls[i], resp.status_code, resp.text[:200])
        server.should_exit = True
        thread.join(10)
        ctx.close()
        floor = statistics.median(times["/healthz (floor)"])
        print(f"\n{'page':<24}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p95 / healthz p50':>20}")
        worst = 0.0
        for name, xs in times.items():
            p95 = pct(xs, 95)
            if not name.startswith("/healthz"):
                worst = max(worst, p95)
            print(f"{name:<24}{statistics.median(xs) * 1e3:>9.1f}{p95 * 1e3:>9.1f}{max(xs) * 1e3:>9.1f}"
                  f"{p95 / floor:>19.0f}x")
        print(f"\nworst page p95: {worst * 1e3:.0f} ms (target: under 300 ms); /healthz p50 {floor * 1e3:.2f} ms; "
              f"{a.rounds} requests per page, one client, loopback HTTP")
    finally:
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
