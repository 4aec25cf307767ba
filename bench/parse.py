"""Ingest speed: ``.venv/bin/python bench/parse.py [N_LINES]`` (a script, not a test).

Generates synthetic files in a temp dir (RFC 3164, RFC 5424, app log, JSON)
and prints lines/s for read_records over each, and for the RFC 3164 parser
alone (no I/O).
"""
from __future__ import annotations

import gzip
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from brainstem.ingest import IngestReport, read_records
from brainstem.ingest.rfc3164 import Rfc3164Parser
from brainstem.ingest.timestamps import YearResolver

REF = datetime(2026, 12, 31, tzinfo=timezone.utc)


def lines_3164(n: int, rnd: random.Random) -> list[str]:
    progs = ["sshd[%d]", "CRON[%d]", "kernel", "sshd(pam_unix)[%d]", "postfix/smtpd[%d]"]
    out = []
    sec = 0
    for i in range(n):
        if rnd.random() < 0.3:
            sec += 1
        p = rnd.choice(progs)
        tag = p % rnd.randint(100, 99999) if "%d" in p else p
        out.append(f"<{rnd.randint(0, 191)}>Oct {1 + (sec // 86400) % 28:2d} {sec // 3600 % 24:02d}:{sec // 60 % 60:02d}:{sec % 60:02d} "
                   f"host{rnd.randint(1, 50)} {tag}: Failed password for root from 10.0.{rnd.randint(0, 255)}.{rnd.randint(0, 255)} port {rnd.randint(1024, 65535)} ssh2")
    return out


def lines_5424(n, rnd):
    return [f'<165>1 2026-10-11T22:14:{i % 60:02d}.003Z host{i % 50} evntslog {i} ID47 '
            f'[exampleSDID@32473 iut="3" eventSource="Application" eventID="{i}"] An application event {i}'
            for i in range(n)]


def lines_app(n, rnd):
    return [f"2015-10-18 18:01:{i % 60:02d},978 INFO [main] org.apache.hadoop.Foo: Created thing {i}" for i in range(n)]


def lines_json(n, rnd):
    return [f'{{"@timestamp": "2026-10-11T22:14:{i % 60:02d}Z", "host": "h{i % 9}", "level": "info", '
            f'"message": "request {i} done", "status": 200}}' for i in range(n)]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    rnd = random.Random(1)
    l3164 = lines_3164(n, rnd)
    p = Rfc3164Parser(YearResolver(REF))
    parse = p.parse
    t = time.perf_counter()
    for i, line in enumerate(l3164):
        parse(line, "x", i)
    dt = time.perf_counter() - t
    print(f"rfc3164 parser only   {n / dt:>10,.0f} lines/s")
    with tempfile.TemporaryDirectory() as d:
        for name, gen in (("rfc3164", lambda: l3164), ("rfc5424", lambda: lines_5424(n, rnd)),
                          ("app", lambda: lines_app(n, rnd)), ("json", lambda: lines_json(n, rnd))):
            path = Path(d) / f"{name}.log"
            path.write_text("\n".join(gen()) + "\n")
            for label, fpath in ((name, path), (name + ".gz", None)):
                if fpath is None:
                    fpath = Path(d) / f"{name}.log.gz"
                    fpath.write_bytes(gzip.compress(path.read_bytes(), 6))
                report = IngestReport()
                t = time.perf_counter()
                count = sum(1 for _ in read_records(fpath, report=report, reference_time=REF))
                dt = time.perf_counter() - t
                print(f"read_records {label:<10} {count / dt:>10,.0f} lines/s  ({count} records, {report.bad_lines} bad)")


if __name__ == "__main__":
    main()
