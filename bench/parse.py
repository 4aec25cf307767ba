"""File parsing speed: ``.venv/bin/python bench/parse.py [N_LINES]`` (a script, not a test).

Generates synthetic files in a temp dir and prints, for ``read_records`` over
each, lines per CPU-second (best of 3) and that rate as a ratio to a floor
measured in the same run: reading and decoding the same file's lines and
wrapping each in a ``Record`` with no parsing at all (read_records's own line
reader). A ratio of 0.40 means parsing costs 1.5 times that plumbing. CPU time rather than wall
time, because other work on the machine moves wall time by up to 3x.

Formats: RFC 3164, RFC 5424, app logs whose layout is learned (Hadoop-style,
an access log with columns before the time, log4j with stack traces that
are joined), JSON lines, logfmt; the RFC 3164 file also gzip-compressed and
through the parser alone (no I/O).
"""
from __future__ import annotations

import gzip
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from brainstem.ingest import IngestReport, Record, read_records
from brainstem.ingest.files import _lines, _open_stream
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
    return [f"2015-10-18 18:{i // 60 % 60:02d}:{i % 60:02d},{i % 1000:03d} {rnd.choice(('INFO', 'INFO', 'WARN', 'ERROR'))} "
            f"[{rnd.choice(('main', 'IPC Server handler 3', 'RMCommunicator Allocator'))}] "
            f"org.apache.hadoop.{rnd.choice(('Foo', 'mapreduce.v2.app.MRAppMaster', 'ipc.Server'))}: Created thing {i}"
            for i in range(n)]


def lines_access(n, rnd):
    return [f'10.0.{i % 7}.{rnd.randint(1, 250)} - - [14/May/2024:10:{i // 60 % 60:02d}:{i % 60:02d} +0200] '
            f'"GET /p/{rnd.randint(1, 9999)} HTTP/1.1" 200 {rnd.randint(100, 9000)} "-" "curl/8.4.0"' for i in range(n)]


def lines_trace(n, rnd):
    out = []
    i = 0
    while len(out) < n:
        out.append(f"2024-05-14 10:{i // 60 % 60:02d}:{i % 60:02d},{i % 1000:03d} [http-{i % 8}] "
                   f"{'ERROR' if i % 5 == 0 else 'INFO '} com.example.Api - Request {i} {'failed' if i % 5 == 0 else 'done'}")
        if i % 5 == 0:
            out += ["java.lang.IllegalStateException: boom", "\tat com.example.Api.handle(Api.java:42)",
                    "\tat java.base/java.lang.Thread.run(Thread.java:1583)", "Caused by: java.io.IOException: disk"]
        i += 1
    return out[:n]


def lines_json(n, rnd):
    return [f'{{"@timestamp": "2026-10-11T22:14:{i % 60:02d}Z", "host": "h{i % 9}", "level": "info", '
            f'"message": "request {i} done", "status": 200}}' for i in range(n)]


def lines_logfmt(n, rnd):
    return [f'time="2024-05-14T10:22:{i % 60:02d}.{i % 1000:03d}Z" level={rnd.choice(("info", "warning"))} '
            f'msg="request {i} done" path=/api/v1/items status=200' for i in range(n)]


def _best(fn, repeat=3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def _floor(path: Path) -> float:
    """CPU seconds for the floor: the same file's lines read and decoded by read_records's own
    reader and each wrapped in a Record, with no parsing at all."""
    def run():
        state = [None, 0]
        with open(path, "rb") as fh:
            stream = _open_stream(fh)
            for line_no, text, _ in _lines(stream, state):
                Record(None, text, text, "app_log", str(path), line_no, metadata={"format": "app"})
    return _best(run)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    rnd = random.Random(1)
    l3164 = lines_3164(n, rnd)
    parse = Rfc3164Parser(YearResolver(REF)).parse
    def parse_all():
        for i, line in enumerate(l3164):
            parse(line, "x", i)
    secs = _best(parse_all)
    print(f"{'rfc3164 parser alone':<34} {n / secs:>10,.0f} lines/s per CPU-second (no I/O)")
    print(f"{'':<34} {'lines/s':>10}  {'ratio':>5}  {'floor':>10}  (floor: the same lines read and wrapped in a Record, unparsed)")
    with tempfile.TemporaryDirectory() as d:
        gens = (("rfc3164", lambda: l3164), ("rfc5424", lambda: lines_5424(n, rnd)),
                ("app (hadoop-like)", lambda: lines_app(n, rnd)), ("app (access log)", lambda: lines_access(n, rnd)),
                ("app (log4j + traces)", lambda: lines_trace(n, rnd)), ("json", lambda: lines_json(n, rnd)),
                ("logfmt", lambda: lines_logfmt(n, rnd)))
        for i, (name, gen) in enumerate(gens):
            path = Path(d) / f"f{i}.log"
            path.write_text("\n".join(gen()) + "\n")
            targets = [(name, path)]
            if name == "rfc3164":
                gz = Path(d) / "f.log.gz"
                gz.write_bytes(gzip.compress(path.read_bytes(), 6))
                targets.append((name + " .gz", gz))
            for label, fpath in targets:
                report = IngestReport()
                got = []
                secs = _best(lambda: got.append(sum(1 for _ in read_records(fpath, report=IngestReport(),
                                                                               reference_time=REF))))
                list(read_records(fpath, report=report, reference_time=REF))
                floor = _floor(fpath)
                rate, floor_rate = report.lines_read / secs, report.lines_read / floor
                print(f"{'read_records ' + label:<34} {rate:>10,.0f}  {rate / floor_rate:>5.2f}  {floor_rate:>10,.0f}  "
                      f"({got[-1]} records, {report.bad_lines} bad, {report.joined_lines} lines joined)")


if __name__ == "__main__":
    main()
