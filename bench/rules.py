"""Rule-engine benchmark (issue 4).

(a) 200,000 `alert type=..,host=..,user=..;` lines (1,000 hosts, 5,000 users) into
    `cache:(~(1h):host[50],user(20))` fed by an `if(type="that")` rule, run through
    `brainstem nb` as a subprocess (parse + evaluate + log output).
(b) the same events as structured records through `RuleEngine.alert` (no text).

Prints events/s by wall time and by user CPU time (other processes share the cores,
so compare the CPU figure) and peak RSS for each.
Usage: python bench/rules.py [--events N] [--only a|b]
"""
from __future__ import annotations

import argparse
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


def bench_cli(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.nb")
        with open(path, "w") as fh:
            fh.write(RULES)
            for t, h, u in events(n):
                fh.write(f'alert type="{t}",host="{h}",user="{u}";\n')
        exe = os.path.join(os.path.dirname(sys.executable), "brainstem")
        cmd = [exe, "nb", path] if os.path.exists(exe) else [sys.executable, "-m", "brainstem.cli", "nb", path]
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with open(os.devnull, "w") as devnull:
            proc = subprocess.run(cmd, stdout=devnull, stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        user, sys_ = ru.ru_utime - ru0.ru_utime, ru.ru_stime - ru0.ru_stime
        rss = ru.ru_maxrss / 1024
        status = "" if proc.returncode == 0 else f" (exit {proc.returncode}: {proc.stderr[-200:]})"
        print(f"(a) brainstem nb file: {n} events: wall {elapsed:.2f}s = {n / elapsed:,.0f} events/s, "
              f"user {user:.2f}s = {n / user:,.0f} events/s (sys {sys_:.2f}s), "
              f"peak RSS {rss:.0f} MB{status}")


def bench_api(n: int) -> None:
    from brainstem.rules import RuleEngine
    records = [{"type": t, "host": h, "user": u} for t, h, u in events(n)]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    eng = RuleEngine(now=1_700_000_000.0)
    eng.load(RULES)
    fired = [0]

    def count(_f) -> None:
        fired[0] += 1
    eng.on_fire = count
    t0 = 1_700_000_000.0
    alert = eng.alert
    u0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    start = time.perf_counter()
    for i, rec in enumerate(records):
        alert(rec, t0 + i * 0.05)
    elapsed = time.perf_counter() - start
    user = resource.getrusage(resource.RUSAGE_SELF).ru_utime - u0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cache = eng.find(eng.root, "c").node
    print(f"(b) RuleEngine.alert records: {n} events: wall {elapsed:.2f}s = {n / elapsed:,.0f} events/s, "
          f"user {user:.2f}s = {n / user:,.0f} events/s, "
          f"peak RSS {rss:.0f} MB (before engine {rss0:.0f} MB), {fired[0]} firings, "
          f"{cache.root.rows:,} rows / {len(cache.tdue):,} timers live at the end (1h window)")


def bench_rows(n: int) -> None:
    from brainstem.rules import RuleEngine
    rows = list(events(n))
    times = [1_700_000_000.0 + i * 0.05 for i in range(n)]
    eng = RuleEngine(now=1_700_000_000.0)
    eng.load(RULES)
    fired = [0]

    def count(_f) -> None:
        fired[0] += 1
    eng.on_fire = count
    u0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    start = time.perf_counter()
    eng.alert_rows(("type", "host", "user"), rows, times)
    elapsed = time.perf_counter() - start
    user = resource.getrusage(resource.RUSAGE_SELF).ru_utime - u0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(b') RuleEngine.alert_rows tuples: {n} events: wall {elapsed:.2f}s = {n / elapsed:,.0f} events/s, "
          f"user {user:.2f}s = {n / user:,.0f} events/s, peak RSS {rss:.0f} MB, {fired[0]} firings")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--only", choices=("a", "b"))
    a = ap.parse_args()
    if a.only != "b":
        bench_cli(a.events)
    if a.only != "a":
        bench_api(a.events)
        bench_rows(a.events)


if __name__ == "__main__":
    main()
