"""Rule-engine benchmark (issues 4 and 13).

(a) 200,000 `alert type=..,host=..,user=..;` lines (1,000 hosts, 5,000 users) into
    `cache:(~(1h):host[50],user(20))` fed by an `if(type="that")` rule, run through
    `brainstem nb` as a subprocess (start-up, parse, evaluate, log output), and, with
    `--nodebrain PATH`, through NodeBrain's `nb` on the same file, side by side.
(b) the same events as structured records through `RuleEngine.alert` (dicts, firings
    to an `on_fire` hook that counts them), and
(b') as tuples through `RuleEngine.alert_rows`.

The same stream on both sides: NodeBrain reads the file in a second or two of its
wall clock, so its 1-hour window never expires anything; the library runs get event
times 10 microseconds apart (2 s for 200,000), so the same holds and both count the
same firings (printed, and compared with NodeBrain's when it ran).

Each figure is the best of `--runs` rounds; each round runs every engine and library
feed once, so that all see the same load of the machine. Prints events/s by wall
time and by CPU time (user + system; other work shares the cores, so the CPU figure
is the steadier one), peak RSS, the number of firings (all must agree), and the
ratio to NodeBrain where it ran.

Usage: python bench/rules.py [--events N] [--runs K] [--only a|b] [--nodebrain PATH]
(NodeBrain finds its cache module through NB_MODULE_PATH; pass it in the environment.)
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

RULES = """\
define c node cache:(~(1h):host[50],user(20));
c. define HostKids if(host__kidState);
c. define UserHits if(user__hitState);
define r1 if(type="that") c(host,user);
"""
TYPES = ("that", "that", "this", "other")


def events(n: int, seed: int = 4):
    rnd = random.Random(seed)
    hosts = [f"host{i:04d}" for i in range(1000)]
    users = [f"user{i:04d}" for i in range(5000)]
    for _ in range(n):
        yield rnd.choice(TYPES), rnd.choice(hosts), rnd.choice(users)


TIME = "/usr/bin/time"   # GNU time: the peak RSS of the engine's process itself


def _run(cmd: list[str], path: str, log: str) -> tuple[float, float, float | None, int, int]:
    """(wall, cpu, peak RSS MB, firings, exit code) of one run; its log goes to a file
    (as an agent's would), counted afterwards. The peak RSS is GNU time's when it is
    installed (getrusage's children figure counts this process's own pages, which a
    child started by vfork carries until its exec), else None."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    timed = os.path.exists(TIME)
    rss_file = log + ".rss"
    pre = [TIME, "-o", rss_file, "-f", "%M"] if timed else []
    start = time.perf_counter()
    with open(log, "wb") as out:
        code = subprocess.run(pre + cmd + [path], stdout=out, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - start
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru.ru_utime - ru0.ru_utime) + (ru.ru_stime - ru0.ru_stime)
    with open(log, "rb") as fh:
        firings = sum(1 for line in fh if b" NB000I Rule " in line)
    rss = None
    if timed:
        with open(rss_file) as fh:
            last = fh.read().split()
        rss = int(last[-1]) / 1024 if last and last[-1].isdigit() else None
    return wall, cpu, rss, firings, code


def _api_run(feed: str, records: list, rows: list, times: list) -> tuple[float, float, int, object]:
    """(wall, cpu, firings, engine) of one library run: `alert` per dict, or
    `alert_rows` of tuples; firings counted by an `on_fire` hook."""
    from brainstem.rules import RuleEngine
    gc.collect()   # the last run's cache (a tree with parent links) is not timed here
    eng = RuleEngine(now=1_700_000_000.0)
    eng.load(RULES)
    fired = [0]

    def count(_f) -> None:
        fired[0] += 1
    eng.on_fire = count
    c0 = time.process_time()
    start = time.perf_counter()
    if feed == "alert":
        alert = eng.alert
        for rec, t in zip(records, times):
            alert(rec, t)
    else:
        eng.alert_rows(("type", "host", "user"), rows, times)
    return time.perf_counter() - start, time.process_time() - c0, fired[0], eng


def _worker(n: int) -> None:
    """One library round in its own process (so that the parent stays small and the
    peak RSS of (a)'s children is theirs): prints wall, cpu, firings per feed."""
    records = [{"type": t, "host": h, "user": u} for t, h, u in events(n)]
    rows = list(events(n))
    times = [1_700_000_000.0 + i * 1e-5 for i in range(n)]   # as NodeBrain's clock sees the file
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {}
    for feed in ("alert", "rows"):
        wall, cpu, fired, eng = _api_run(feed, records, rows, times)
        out[feed] = (wall, cpu, fired, eng.find(eng.root, "c").node.root.rows)
        eng = None
    out["rss"] = (rss0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", choices=("a", "b"))
    ap.add_argument("--nodebrain", metavar="PATH", help="NodeBrain's nb binary, run side by side")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    n, runs = a.events, a.runs
    if a.worker:
        return _worker(n)
    exe = os.path.join(os.path.dirname(sys.executable), "brainstem")
    engines: dict[str, list[str]] = {}
    if a.only != "b":
        engines["brainstem nb"] = [exe, "nb"] if os.path.exists(exe) else [sys.executable, "-m", "brainstem.entry", "nb"]
    if a.nodebrain:
        engines["NodeBrain nb"] = [a.nodebrain]
    feeds = {} if a.only == "a" else {"alert": "(b) RuleEngine.alert records",
                                      "rows": "(b') RuleEngine.alert_rows tuples"}
    best: dict[str, tuple] = {}
    rss = rows_live = None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.nb")
        with open(path, "w") as fh:
            fh.write(RULES)
            for t, h, u in events(n):
                fh.write(f'alert type="{t}",host="{h}",user="{u}";\n')
        # rounds: each engine and each library feed once per round, so that all of
        # them see the same load of the machine
        for _ in range(runs):
            for name, cmd in engines.items():
                got = _run(cmd, path, os.path.join(tmp, "log.txt"))
                b = best.get(name)
                best[name] = got if b is None else (min(b[0], got[0]), min(b[1], got[1]),
                                                    max(b[2] or 0, got[2] or 0) or None, got[3], got[4])
            if feeds:
                res = json.loads(subprocess.run([sys.executable, __file__, "--worker", "--events", str(n)],
                                                check=True, capture_output=True, text=True).stdout)
                rss = res["rss"]
                for feed in feeds:
                    wall, cpu, fired, rows_live = res[feed]
                    b = best.get(feed)
                    best[feed] = (wall, cpu, fired) if b is None else (min(b[0], wall), min(b[1], cpu), fired)
    nb = best.get("NodeBrain nb")
    for name in engines:
        wall, cpu, peak, firings, code = best[name]
        status = "" if code == 0 else f" (exit {code})"
        print(f"(a) {name}: {n} events, best of {runs}: wall {wall:.2f}s = {n / wall:,.0f} events/s, "
              f"cpu {cpu:.2f}s = {n / cpu:,.0f} events/s, peak RSS "
              f"{'%.0f MB' % peak if peak else 'not measured (no ' + TIME + ')'}, {firings} firings{status}")
    if nb and "brainstem nb" in best:
        b = best["brainstem nb"]
        agree = "same firings" if b[3] == nb[3] else f"FIRINGS DIFFER ({b[3]} vs {nb[3]})"
        print(f"(a) brainstem nb / NodeBrain: {nb[0] / b[0]:.2f}x by wall time, "
              f"{nb[1] / b[1]:.2f}x by CPU time ({agree})")
    elif not nb:
        print("(a) no NodeBrain binary given (--nodebrain PATH): brainstem's figures alone")
    for feed, label in feeds.items():
        wall, cpu, fired = best[feed]
        ratio = ""
        if nb:
            ratio = (f", {nb[0] / wall:.2f}x NodeBrain's nb by wall time, {nb[1] / cpu:.2f}x by CPU"
                     + (" (same firings)" if fired == nb[3] else f" (FIRINGS DIFFER: {fired} vs {nb[3]})"))
        print(f"{label}: {n} events, best of {runs}: wall {wall:.2f}s = {n / wall:,.0f} events/s, "
              f"cpu {cpu:.2f}s = {n / cpu:,.0f} events/s{ratio}, {fired} firings")
    if feeds:
        print(f"library runs: peak RSS {rss[1]:.0f} MB (the events in memory before the engines: {rss[0]:.0f} MB), "
              f"{rows_live:,} rows live at the end (1h window)")


if __name__ == "__main__":
    main()
