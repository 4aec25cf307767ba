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

Each figure is the best of `--runs` runs (the runs of (a) alternate between the two
engines). Prints events/s by wall time and by CPU time (user + system; other work
shares the cores, so the CPU figure is the steadier one), peak RSS, the number of
firings (both engines must agree), and the ratio to NodeBrain where it ran.

Usage: python bench/rules.py [--events N] [--runs K] [--only a|b] [--nodebrain PATH]
(NodeBrain finds its cache module through NB_MODULE_PATH; pass it in the environment.)
"""
from __future__ import annotations

import argparse
import gc
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


def _run(cmd: list[str], path: str, log: str) -> tuple[float, float, float, int, int]:
    """(wall, cpu, peak RSS MB, firings, exit code) of one run; its log goes to a file
    (as an agent's would), counted afterwards."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(log, "wb") as out:
        code = subprocess.run(cmd + [path], stdout=out, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - start
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru.ru_utime - ru0.ru_utime) + (ru.ru_stime - ru0.ru_stime)
    with open(log, "rb") as fh:
        firings = sum(1 for line in fh if b" NB000I Rule " in line)
    return wall, cpu, ru.ru_maxrss / 1024, firings, code


def bench_cli(n: int, runs: int, nodebrain: str | None) -> tuple | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.nb")
        with open(path, "w") as fh:
            fh.write(RULES)
            for t, h, u in events(n):
                fh.write(f'alert type="{t}",host="{h}",user="{u}";\n')
        exe = os.path.join(os.path.dirname(sys.executable), "brainstem")
        engines = {"brainstem nb": [exe, "nb"] if os.path.exists(exe) else
                   [sys.executable, "-m", "brainstem.entry", "nb"]}
        if nodebrain:
            engines["NodeBrain nb"] = [nodebrain]
        best: dict[str, tuple] = {}
        for _ in range(runs):
            for name, cmd in engines.items():
                got = _run(cmd, path, os.path.join(tmp, "log.txt"))
                if name not in best:
                    best[name] = got
                else:
                    b = best[name]
                    best[name] = (min(b[0], got[0]), min(b[1], got[1]), max(b[2], got[2]), got[3], got[4])
        for name, (wall, cpu, rss, firings, code) in best.items():
            status = "" if code == 0 else f" (exit {code})"
            print(f"(a) {name}: {n} events, best of {runs}: wall {wall:.2f}s = {n / wall:,.0f} events/s, "
                  f"cpu {cpu:.2f}s = {n / cpu:,.0f} events/s, peak RSS {rss:.0f} MB, {firings} firings{status}")
        if nodebrain:
            b, nb = best["brainstem nb"], best["NodeBrain nb"]
            agree = "same firings" if b[3] == nb[3] else f"FIRINGS DIFFER ({b[3]} vs {nb[3]})"
            print(f"(a) brainstem nb / NodeBrain: {nb[0] / b[0]:.2f}x by wall time, "
                  f"{nb[1] / b[1]:.2f}x by CPU time ({agree})")
            return nb[1], nb[3]
        print("(a) no NodeBrain binary given (--nodebrain PATH): brainstem's figures alone")
    return None


def bench_api(n: int, runs: int, nb: tuple | None) -> None:
    """`nb`: NodeBrain's (cpu seconds, firings) from (a), when it ran."""
    nb_cpu, nb_firings = nb if nb else (None, None)
    from brainstem.rules import RuleEngine
    records = [{"type": t, "host": h, "user": u} for t, h, u in events(n)]
    rows = list(events(n))
    times = [1_700_000_000.0 + i * 1e-5 for i in range(n)]   # as NodeBrain's clock sees the file
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for label, feed in (("(b) RuleEngine.alert records", "alert"), ("(b') RuleEngine.alert_rows tuples", "rows")):
        best_wall = best_cpu = float("inf")
        fired = [0]
        for _ in range(runs):
            eng = None
            gc.collect()   # the last run's cache (a tree with parent links) is not timed here
            eng = RuleEngine(now=1_700_000_000.0)
            eng.load(RULES)
            fired[0] = 0

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
            best_wall = min(best_wall, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - c0)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ratio = f", {(n / best_cpu) / (n / nb_cpu):.2f}x NodeBrain's nb by CPU" if nb_cpu else ""
        if nb_firings is not None:
            ratio += (" (same firings)" if fired[0] == nb_firings else
                      f" (FIRINGS DIFFER: {fired[0]} vs NodeBrain's {nb_firings})")
        cache = eng.find(eng.root, "c").node
        print(f"{label}: {n} events, best of {runs}: wall {best_wall:.2f}s = {n / best_wall:,.0f} events/s, "
              f"cpu {best_cpu:.2f}s = {n / best_cpu:,.0f} events/s{ratio}, peak RSS {rss:.0f} MB "
              f"(before the engine {rss0:.0f} MB), {fired[0]} firings, "
              f"{cache.root.rows:,} rows live at the end (1h window)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", choices=("a", "b"))
    ap.add_argument("--nodebrain", metavar="PATH", help="NodeBrain's nb binary, run side by side")
    a = ap.parse_args()
    nb = None
    if a.only != "b":
        nb = bench_cli(a.events, a.runs, a.nodebrain)
    if a.only != "a":
        bench_api(a.events, a.runs, nb)


if __name__ == "__main__":
    main()
