#!/usr/bin/env python3
"""Ingest benchmark: end-to-end events/s into SQLite, the fingerprint stage alone, memory.

    .venv/bin/python bench/ingest.py [--lines 500000] [--hosts 200] [--keep DIR]
                                     [--db postgresql://postgres@127.0.0.1:5432/test]
    .venv/bin/python bench/ingest.py --peer [--lines 156000] [--repeat 3] [--commands]

Generates N RFC 3164 syslog lines (a seeded mix of ~60 message shapes over
many hosts, with variable ids, IPs, ports, users, durations), then measures:

- end to end: files -> parse -> events -> fingerprint -> detectors -> scores ->
  SQLite (WAL, batched), as `brainstem ingest` does it, in this process (its
  SQLite transactions in a second process, whose CPU time is counted);
- the fingerprint stage alone: TemplateMiner.learn over the same messages;
- memory: resident set size sampled while ingesting, so growth with the
  number of events shows (it should flatten once templates are learned).

With ``--db postgresql://…`` the same ingest then runs into PostgreSQL too (in
a fresh schema, dropped afterwards unless --keep), and its events/s is printed
beside SQLite's with the ratio between them, measured in the same run.

With ``--peer`` it measures instead, on one generated week (156,000 lines
unless --lines says otherwise), in this one process and alternately
(``--repeat`` rounds, best of each kept):

- the peer: the pipeline a user writes in an afternoon: a regex parse of each
  RFC 3164 line (time read with ``datetime.strptime``), Drain3 0.9.11 with
  generic masks (IP, UUID, hex, number) learning each message, one SQLite row
  per event (time, host, program, pid, message, cluster id) inserted with
  ``executemany`` in batches of 5,000, each batch committed (sqlite3's default
  journal and synchronous settings), the templates written at the end;
- ``brainstem ingest`` of the same file into a fresh SQLite database, in this
  process (``Workspace.ingest``, what the command calls, without the CLI's
  start-up), with its default settings: its SQLite transactions run in a
  second process (write-behind, ``write_behind_min_events``), whose CPU time
  is counted in brainstem's.

and prints lines/s of both by wall time and per CPU-second, CPU seconds, and
the ratio brainstem/peer (per CPU-second, and by wall time; each the best of
the rounds, the least wall time and the least CPU time taken separately).
With ``--commands`` it then times both again as whole processes, the way a
user runs them: ``python -m brainstem ingest`` (start-up, the summary it
prints, the database closed at exit) against the peer as a script of its own
(its imports included), and prints the same ratios for those.

Prints its figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from brainstem.fingerprint import TemplateMiner  # noqa: E402
from brainstem.settings import load_settings  # noqa: E402
from brainstem.workspace import Workspace  # noqa: E402

USERS = ["root", "admin", "deploy", "backup", "www-data", "postgres", "ana", "bob", "chen", "dmitri"]
UNITS = ["nginx.service", "postgresql.service", "cron.service", "ssh.service", "docker.service", "rsyslog.service"]


def _ip(r: random.Random) -> str:
    return f"{r.randrange(1, 223)}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"


SHAPES = [
    ("sshd", lambda r: f"Accepted publickey for {r.choice(USERS)} from {_ip(r)} port {r.randrange(1024, 65535)} ssh2"),
    ("sshd", lambda r: f"Failed password for {r.choice(USERS)} from {_ip(r)} port {r.randrange(1024, 65535)} ssh2"),
    ("sshd", lambda r: f"Failed password for invalid user {r.choice(['test', 'oracle', 'pi', 'guest'])}{r.randrange(99)} from {_ip(r)} port {r.randrange(1024, 65535)} ssh2"),
    ("sshd", lambda r: f"pam_unix(sshd:session): session opened for user {r.choice(USERS)} by (uid=0)"),
    ("sshd", lambda r: f"pam_unix(sshd:session): session closed for user {r.choice(USERS)}"),
    ("sshd", lambda r: f"Received disconnect from {_ip(r)} port {r.randrange(1024, 65535)}:11: disconnected by user"),
    ("sshd", lambda r: f"Connection closed by authenticating user {r.choice(USERS)} {_ip(r)} port {r.randrange(1024, 65535)} [preauth]"),
    ("CRON", lambda r: f"pam_unix(cron:session): session opened for user {r.choice(USERS)} by (uid=0)"),
    ("CRON", lambda r: f"pam_unix(cron:session): session closed for user {r.choice(USERS)}"),
    ("CRON", lambda r: f"({r.choice(USERS)}) CMD (/usr/local/bin/job-{r.randrange(20)}.sh > /dev/null 2>&1)"),
    ("systemd", lambda r: f"Started Session {r.randrange(1, 99999)} of user {r.choice(USERS)}."),
    ("systemd", lambda r: f"Starting {r.choice(UNITS)}..."),
    ("systemd", lambda r: f"{r.choice(UNITS)}: Succeeded."),
    ("systemd", lambda r: f"{r.choice(UNITS)}: Main process exited, code=exited, status={r.randrange(1, 4)}/FAILURE"),
    ("kernel", lambda r: f"[UFW BLOCK] IN=eth0 OUT= SRC={_ip(r)} DST={_ip(r)} LEN={r.randrange(40, 1500)} TOS=0x00 PROTO=TCP SPT={r.randrange(1024, 65535)} DPT={r.choice([22, 23, 80, 443, 3389])}"),
    ("kernel", lambda r: f"[{r.randrange(100000)}.{r.randrange(1000000):06d}] EXT4-fs (sda{r.randrange(1, 4)}): mounted filesystem with ordered data mode"),
    ("kernel", lambda r: f"[{r.randrange(100000)}.{r.randrange(1000000):06d}] Out of memory: Killed process {r.randrange(100, 65535)} (java) total-vm:{r.randrange(10**6, 10**7)}kB"),
    ("nginx", lambda r: f"{_ip(r)} - - \"GET /api/v1/items/{r.randrange(10**6)} HTTP/1.1\" {r.choice([200, 200, 200, 304, 404, 500])} {r.randrange(100, 50000)}"),
    ("nginx", lambda r: f"[error] {r.randrange(1000, 9999)}#0: *{r.randrange(10**6)} upstream timed out (110: Connection timed out) while reading response header from upstream, client: {_ip(r)}"),
    ("postfix/smtpd", lambda r: f"connect from unknown[{_ip(r)}]"),
    ("postfix/smtpd", lambda r: f"disconnect from unknown[{_ip(r)}] ehlo=1 mail=1 rcpt=0/1 data=0 quit=1 commands=3/4"),
    ("postfix/qmgr", lambda r: f"{r.randrange(16**10):010X}: from=<{r.choice(USERS)}@example.com>, size={r.randrange(300, 90000)}, nrcpt=1 (queue active)"),
    ("dhcpd", lambda r: f"DHCPACK on 10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(256)} to {':'.join(f'{r.randrange(256):02x}' for _ in range(6))} via eth1"),
    ("ntpd", lambda r: f"adjusting local clock by {r.uniform(-0.5, 0.5):.6f}s"),
    ("app", lambda r: f"request id={r.randrange(16**12):012x} user={r.choice(USERS)} took {r.randrange(1, 5000)}ms status={r.choice([200, 201, 400, 500])}"),
    ("app", lambda r: f"cache miss for key session:{r.randrange(10**8)} after {r.randrange(1, 90)} ms"),
    ("postgres", lambda r: f"LOG:  duration: {r.uniform(0, 900):.3f} ms  statement: SELECT * FROM orders WHERE id = {r.randrange(10**7)}"),
    ("postgres", lambda r: f"FATAL:  password authentication failed for user \"{r.choice(USERS)}\""),
    ("bacula-dir", lambda r: f"Backup job nightly-{r.choice(['db', 'files', 'mail'])} failed: Network error with FD (JobId={r.randrange(10**5)})"),
    ("%LINK-3-UPDOWN", lambda r: f"Interface GigabitEthernet0/{r.randrange(48)}, changed state to {r.choice(['up', 'down'])}"),
]


def generate(path: Path, n: int, hosts: int, seed: int = 1) -> None:
    r = random.Random(seed)
    t = datetime(2026, 3, 2, tzinfo=timezone.utc)
    names = [f"host{i:04d}" for i in range(hosts)]
    step = 604800 / max(n, 1)   # one week of events
    weights = [30, 8, 4, 10, 10, 4, 3, 20, 20, 8, 8, 3, 3, 1, 15, 1, 1, 25, 2, 4, 4, 4, 4, 3, 20, 8, 6, 1, 1, 1]
    with open(path, "w") as fh:
        for i in range(n):
            ts = t + timedelta(seconds=i * step)
            prog, make = r.choices(SHAPES, weights)[0]
            fh.write(f"{ts:%b} {ts.day:>2} {ts:%H:%M:%S} {r.choice(names)} {prog}[{r.randrange(100, 65535)}]: {make(r)}\n")
    end = t + timedelta(days=7)
    os.utime(path, (end.timestamp(), end.timestamp()))


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--keep", type=Path, default=None, help="Keep the generated log and database here.")
    ap.add_argument("--db", default=None, metavar="URL",
                    help="Also ingest into this PostgreSQL database (a fresh schema in it) and compare.")
    ap.add_argument("--peer", action="store_true",
                    help="Compare `brainstem ingest` with a hand-made regex + Drain3 + SQLite pipeline.")
    ap.add_argument("--repeat", type=int, default=1, help="With --peer: alternate this many rounds, keep the best.")
    ap.add_argument("--commands", action="store_true",
                    help="With --peer: also time both as whole commands (start-up and exit included).")
    ap.add_argument("--peer-run", nargs=2, type=Path, metavar=("LOG", "DB"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.peer_run:      # the peer as a script of its own, for --commands
        log, db = a.peer_run
        _fresh(db)
        peer_ingest(log, db, 2026)
        return None
    if a.peer:
        return peer_main(a)
    if a.db and not a.db.startswith(("postgresql://", "postgres://")):
        ap.error("--db takes a PostgreSQL URL (postgresql://user@host:5432/dbname); SQLite always runs")
    work = a.keep or Path(tempfile.mkdtemp(prefix="brainstem-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench.log"
    t0 = time.perf_counter()
    generate(log, a.lines, a.hosts)
    print(f"generated {a.lines:,} lines ({log.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f}s")

    # the fingerprint stage alone, on the same message text the pipeline feeds it
    messages = []
    with open(log) as fh:
        for line in fh:
            head, _, msg = line.rstrip("\n").partition("]: ")
            prog = head.rsplit(" ", 1)[-1].split("[", 1)[0]
            messages.append(f"{prog}: {msg}")
    miner = TemplateMiner()
    t0, c0 = time.perf_counter(), time.process_time()
    for m in messages:
        miner.learn(m)
    fp, fpc = time.perf_counter() - t0, time.process_time() - c0
    print(f"fingerprint stage: {len(messages) / fp:,.0f} lines/s wall, {len(messages) / fpc:,.0f} per CPU-second "
          f"({len(miner)} templates)")
    del messages, miner

    db = work / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            samples.append((time.perf_counter(), rss_mb()))

    ws = Workspace(db, load_settings(env={}))
    base = rss_mb()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
    stats = ws.ingest([str(log)], tenant="bench")
    # the CPU of its writer process too (reaped when the ingest ends)
    elapsed, writer = time.perf_counter() - t0, _children_cpu() - k0
    cpu = time.process_time() - c0 + writer
    stop.set()
    sampler.join()
    print(f"end to end: {stats.events_stored:,} events in {elapsed:.1f}s = {stats.events_stored / elapsed:,.0f} events/s "
          f"wall, {stats.events_stored / cpu:,.0f} per CPU-second ({writer:.1f} of {cpu:.1f} CPU-s in its writer process) "
          f"({stats.bad_lines} bad lines, {len(ws.signatures('bench', limit=100000))} signatures, "
          f"{len(ws.candidates('bench', limit=100000))} candidates)")
    if samples:
        q = len(samples) // 4
        quarters = [samples[min(i * q, len(samples) - 1)][1] for i in range(1, 4)] + [samples[-1][1]]
        print("RSS over the run (MB, at 25/50/75/100%): " + " / ".join(f"{x:.0f}" for x in quarters)
              + f"  (before ingest {base:.0f})")
    print(f"peak RSS: {peak_mb():.0f} MB; database {db.stat().st_size / 1e6:.0f} MB")
    ws.close()
    if a.db:
        postgres(a.db, log, stats.events_stored / elapsed, keep=a.keep is not None)


def postgres(url: str, log: Path, sqlite_rate: float, *, keep: bool) -> None:
    """The same ingest into a fresh PostgreSQL schema, beside the SQLite figure."""
    import psycopg
    from brainstem.store.postgres import with_schema

    schema = f"bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        ws = Workspace(with_schema(url, schema), load_settings(env={}))
        t0, c0 = time.perf_counter(), time.process_time()
        stats = ws.ingest([str(log)], tenant="bench")
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        ws.close()
        with psycopg.connect(url, autocommit=True) as conn:
            size = conn.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                                "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                                (schema,)).fetchone()[0] or 0
        size = int(size)
        rate = stats.events_stored / elapsed
        print(f"PostgreSQL end to end: {stats.events_stored:,} events in {elapsed:.1f}s = {rate:,.0f} events/s wall, "
              f"{stats.events_stored / cpu:,.0f} per client CPU-second; {rate / sqlite_rate:.2f}x SQLite's "
              f"{sqlite_rate:,.0f} events/s in this run; database {size / 1e6:.0f} MB (schema {schema})")
    finally:
        if not keep:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


# -- the hand-made peer -------------------------------------------------------------
PEER_LINE = re.compile(r"^(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (?P<host>\S+) "
                       r"(?P<prog>[^\s:\[]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$")


def peer_miner():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from loghub import drain3_miner

    return drain3_miner(uuid=True)


def peer_ingest(log: Path, db: Path, year: int, batch: int = 5000) -> tuple[int, int, int]:
    """(events stored, bad lines, templates): the afternoon script."""
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, host TEXT, program TEXT, "
                 "pid INTEGER, message TEXT, cluster_id INTEGER)")
    conn.execute("CREATE INDEX events_ts ON events (ts)")
    conn.execute("CREATE INDEX events_cluster ON events (cluster_id)")
    conn.execute("CREATE TABLE templates (cluster_id INTEGER PRIMARY KEY, template TEXT, size INTEGER)")
    conn.commit()
    miner = peer_miner()
    rows: list[tuple] = []
    stored = bad = 0
    sql = "INSERT INTO events (ts, host, program, pid, message, cluster_id) VALUES (?, ?, ?, ?, ?, ?)"
    with open(log, errors="replace") as fh:
        for line in fh:
            m = PEER_LINE.match(line.rstrip("\n"))
            if m is None:
                bad += 1
                continue
            ts = datetime.strptime(f"{year} {m['ts']}", "%Y %b %d %H:%M:%S").replace(tzinfo=timezone.utc)
            cluster = miner.add_log_message(m["msg"])["cluster_id"]
            pid = m["pid"]
            rows.append((ts.isoformat(), m["host"], m["prog"], int(pid) if pid else None, m["msg"], cluster))
            if len(rows) >= batch:
                conn.executemany(sql, rows)
                conn.commit()
                stored += len(rows)
                rows.clear()
    if rows:
        conn.executemany(sql, rows)
        stored += len(rows)
    conn.executemany("INSERT INTO templates VALUES (?, ?, ?)",
                     [(c.cluster_id, c.get_template(), c.size) for c in miner.drain.clusters])
    conn.commit()
    n = len(miner.drain.clusters)
    conn.close()
    return stored, bad, n


def _best(so_far: tuple[float, float] | None, wall: float, cpu: float) -> tuple[float, float]:
    """The least wall time and the least CPU time over the rounds (each its own best)."""
    return (wall, cpu) if so_far is None else (min(so_far[0], wall), min(so_far[1], cpu))


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def _fresh(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def peer_main(a) -> None:
    lines = a.lines if a.lines != 500_000 else 156_000
    work = a.keep or Path(tempfile.mkdtemp(prefix="brainstem-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "week.log"
    generate(log, lines, a.hosts)
    print(f"generated {lines:,} RFC 3164 lines over a week ({log.stat().st_size / 1e6:.0f} MB), {a.hosts} hosts")
    best: dict[str, tuple[float, float]] = {}
    for rnd in range(max(1, a.repeat)):
        db = work / "peer.db"
        _fresh(db)
        t0, c0 = time.perf_counter(), time.process_time()
        stored, bad, templates = peer_ingest(log, db, 2026)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"round {rnd + 1} peer (regex + Drain3 + SQLite): {stored:,} events, {bad} bad lines, "
              f"{templates} templates: {wall:.2f}s wall, {cpu:.2f} CPU-s = {lines / wall:,.0f} lines/s wall, "
              f"{lines / cpu:,.0f} per CPU-second")
        best["peer"] = _best(best.get("peer"), wall, cpu)

        db = work / "brainstem.db"
        _fresh(db)
        ws = Workspace(db, load_settings(env={}))
        t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
        stats = ws.ingest([str(log)], tenant="bench")
        # the CPU of its writer process too (reaped when the ingest ends)
        wall, cpu, writer = time.perf_counter() - t0, time.process_time() - c0, _children_cpu() - k0
        cpu += writer
        sigs = len(ws.signatures("bench", limit=100000))
        cands = len(ws.candidates("bench", limit=100000))
        ws.close()
        print(f"round {rnd + 1} brainstem ingest (in process): {stats.events_stored:,} events, {stats.bad_lines} bad "
              f"lines, {sigs} signatures, {cands} candidates: {wall:.2f}s wall, {cpu:.2f} CPU-s "
              f"({writer:.2f} of them in its writer process) = "
              f"{lines / wall:,.0f} lines/s wall, {lines / cpu:,.0f} per CPU-second")
        best["brainstem"] = _best(best.get("brainstem"), wall, cpu)
    (pw, pc), (bw, bc) = best["peer"], best["brainstem"]
    how = f"best of {a.repeat} alternating rounds" if a.repeat > 1 else "one round"
    print(f"peer:      {lines / pw:9,.0f} lines/s wall, {lines / pc:9,.0f} per CPU-second ({pc:.2f} CPU-s)")
    print(f"brainstem: {lines / bw:9,.0f} lines/s wall, {lines / bc:9,.0f} per CPU-second ({bc:.2f} CPU-s)")
    print(f"ratio brainstem/peer: {pc / bc:.2f}x per CPU-second, {pw / bw:.2f}x by wall time ({how})")
    if a.commands:
        commands_main(a, log, work, lines)


def _timed(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of a command run to its end, its children's CPU included."""
    import subprocess
    t0, k0 = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, _children_cpu() - k0


def commands_main(a, log: Path, work: Path, lines: int) -> None:
    """Both as a user runs them: ``brainstem ingest`` (the command, its start-up, its exit and
    the summary it prints) against the afternoon script as a script of its own."""
    best: dict[str, tuple[float, float]] = {}
    here = Path(__file__).resolve()
    for rnd in range(max(1, a.repeat)):
        wall, cpu = _timed([sys.executable, str(here), "--peer-run", str(log), str(work / "peer-cmd.db")])
        best["peer"] = _best(best.get("peer"), wall, cpu)
        print(f"round {rnd + 1} peer as a script: {wall:.2f}s wall, {cpu:.2f} CPU-s")
        db = work / "brainstem-cmd.db"
        _fresh(db)
        wall, cpu = _timed([sys.executable, "-m", "brainstem", "ingest", str(log), "--db", str(db), "-t", "bench"])
        best["brainstem"] = _best(best.get("brainstem"), wall, cpu)
        print(f"round {rnd + 1} brainstem ingest as a command: {wall:.2f}s wall, {cpu:.2f} CPU-s")
    (pw, pc), (bw, bc) = best["peer"], best["brainstem"]
    print(f"as commands: peer {lines / pw:,.0f} lines/s wall ({pc:.2f} CPU-s), brainstem {lines / bw:,.0f} lines/s "
          f"wall ({bc:.2f} CPU-s); ratio brainstem/peer {pc / bc:.2f}x per CPU-second, {pw / bw:.2f}x by wall time")


if __name__ == "__main__":
    main()
