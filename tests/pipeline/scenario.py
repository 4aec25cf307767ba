"""A small, exact syslog scenario for pipeline tests (written by the tests, not shipped)."""
from __future__ import annotations

import os
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

START = datetime(2026, 3, 2, tzinfo=timezone.utc)
HOSTS = [f"web{i:02d}" for i in range(1, 9)]


def line(ts: datetime, host: str, prog: str, msg: str) -> str:
    return f"{ts:%b} {ts.day:>2} {ts:%H:%M:%S} {host} {prog}: {msg}"


def scenario_lines(days: int = 5, seed: int = 1, start: datetime = START) -> list[tuple[datetime, str, str]]:
    """(time, host, line) sorted by time: chatter, a nightly failure, a spread, a flapping link."""
    rng = random.Random(seed)
    out = []
    for d in range(days):
        day = start + timedelta(days=d)
        for m in range(0, 24 * 60, 10):
            for h in HOSTS[:6]:
                t = day + timedelta(minutes=m, seconds=rng.randrange(600))
                out.append((t, h, line(t, h, f"CRON[{rng.randrange(1000, 9999)}]",
                                       "pam_unix(cron:session): session opened for user root by (uid=0)")))
        t = day + timedelta(hours=2, seconds=rng.randrange(120))
        out.append((t, "backup01", line(t, "backup01", "bacula-dir[2211]",
                                        f"Backup job nightly-db failed: Network error with FD (JobId={1000 + d})")))
    spread_at = start + timedelta(days=2, hours=14)
    for i, h in enumerate(HOSTS):
        t = spread_at + timedelta(seconds=20 * i)
        out.append((t, h, line(t, h, "ntpd[812]", "no servers can be used, system clock unsynchronized")))
    flap = start + timedelta(days=3, hours=9)
    for i in range(8):
        t = flap + timedelta(minutes=40 * i)
        out.append((t, "sw01", line(t, "sw01", "%LINK-3-UPDOWN", "Interface Gi0/1, changed state to down")))
        t2 = t + timedelta(seconds=25)
        out.append((t2, "sw01", line(t2, "sw01", "%LINK-3-UPDOWN", "Interface Gi0/1, changed state to up")))
    out.sort(key=lambda x: x[0])
    return out


def write(path: Path, rows, mtime: datetime | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(r[2] + "\n" for r in rows))
    end = mtime or (rows[-1][0] if rows else START)
    os.utime(path, (end.timestamp(), end.timestamp()))
    return path
