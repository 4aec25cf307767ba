"""A seeded generator of demo syslog: a week, two tenants, planted patterns.

``generate(root)`` writes, for each tenant, syslog files under ``root/<slug>/``
and returns what it wrote and what it planted::

    root/acme/syslog.log     RFC 3164 as rsyslog writes /var/log/syslog (no PRI),
                             10 Ubuntu hosts: web01-04, app01-03, db01-02, backup01
    root/acme/network.log    RFC 3164 with <PRI>, as sent by fw01 (Cisco ASA)
                             and sw-core01 (Cisco IOS); the tag is the %MNEMONIC
    root/globex/syslog.log   RFC 5424, 10 hosts nyc-*, relayed centrally

Timestamps are UTC (3164 lines carry no zone or year: each file's mtime is
set to the dataset end so a parser inferring the year from it gets the right
one). Lines are sorted by time within each file. The same seed gives
byte-identical files; nothing reads the clock or the global ``random``.

About ``lines_per_day`` lines of ordinary noise per tenant and day (hourly
cron, logrotate at midnight, ssh logins, firewall drops, request logs, mail,
dhcp, ...), plus one planted pattern of each candidate type per tenant (a
few hundred lines, :mod:`brainstem.demo.planted`, :attr:`DemoDataset.planted`)
and decoys that must not reach the review queue (steady error chatter,
health checks, a daily job that succeeds, the same outage at the same
minute in both tenants: :mod:`brainstem.demo.decoys`, :attr:`DemoDataset.decoys`).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from brainstem.demo import hosts as tenants
from brainstem.demo.decoys import DECOYS, coincidence, coincidence_at
from brainstem.demo.hosts import RFC3164, RFC3164_PRI, RFC5424, Tenant
from brainstem.demo.noise import DAY, MONS, random_day, scheduled_day
from brainstem.demo.planted import PLANTERS, Window

__all__ = ["Decoy", "Planted", "DemoDataset", "generate", "describe", "main"]

DEFAULT_START = datetime(2026, 3, 2, tzinfo=timezone.utc)  # a Monday


@dataclass
class Planted:
    """One planted pattern, for tests and for the demo printout."""
    tenant: str           # tenant slug, e.g. "acme"
    kind: str             # a candidate type: recurrence, burst, spread, self_heal, precursor, anomaly
    description: str
    sample_message: str   # one exact message text (after the "prog[pid]: " header) of the pattern
    hosts: list[str]
    start: datetime
    end: datetime
    related: tuple[str, ...] = ()     # other messages that belong to the same pattern


@dataclass
class Decoy:
    """Something that looks like a pattern and must not reach the review queue."""
    tenant: str
    kind: str             # "coincidence" | "chatter" | "health_check" | "daily_job"
    description: str
    sample_message: str
    hosts: list[str]
    related: tuple[str, ...] = ()


@dataclass
class DemoDataset:
    root: Path
    files: dict[str, list[Path]]    # tenant slug -> files written
    planted: list[Planted]
    start: datetime
    end: datetime
    decoys: list[Decoy] = field(default_factory=list)


def generate(root: Path, *, seed: int = 7, days: int = 7, start: datetime = DEFAULT_START,
             lines_per_day: int = 4000, plant: bool = True, decoys: bool = True) -> DemoDataset:
    """Write the demo logs under ``root`` (created if missing) and describe them.

    ``plant=False`` leaves the patterns out and ``decoys=False`` the decoys:
    without both, the files are ordinary logs in which nothing should stand out.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if lines_per_day < 0:
        raise ValueError(f"lines_per_day must not be negative, got {lines_per_day}")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware (the demo's clock is UTC)")
    start = start.astimezone(timezone.utc)
    root = Path(root)
    window = Window(_ms(start), days)
    end = start + timedelta(days=days)
    files: dict[str, list[Path]] = {}
    planted: list[Planted] = []
    decoyed: list[Decoy] = []
    outage = coincidence_at(window, seed)
    for make in (tenants.acme, tenants.globex):
        # one stream per purpose, so the planted patterns don't move when the noise volume changes
        tenant = make(random.Random(f"{seed}:hosts"), window.start_ms)
        rng = random.Random(f"{seed}:{tenant.slug}:noise")
        lines: list = []
        for i in range(days):
            day_ms = window.start_ms + i * DAY
            before = len(lines)
            scheduled_day(rng, tenant, day_ms, lines)
            random_day(rng, tenant, day_ms, lines_per_day - (len(lines) - before), lines)
        prng = random.Random(f"{seed}:{tenant.slug}:planted")
        for planter in PLANTERS[tenant.slug] if plant else ():
            p = planter(prng, tenant, window, lines)
            planted.append(Planted(tenant.slug, p.kind, p.description, p.sample_message, p.hosts,
                                   _dt(p.start_ms), _dt(p.end_ms), p.related))
        drng = random.Random(f"{seed}:{tenant.slug}:decoys")
        if decoys:
            made = [coincidence(drng, tenant, window, lines, at=outage)]
            made += [decoy(drng, tenant, window, lines) for decoy in DECOYS[tenant.slug]]
            decoyed += [Decoy(tenant.slug, d.kind, d.description, d.sample_message, d.hosts, d.related) for d in made]
        files[tenant.slug] = _write(root / tenant.slug, tenant, lines, window)
    return DemoDataset(root, files, planted, start, end, decoyed)


def _ms(d: datetime) -> int:
    return int(d.timestamp()) * 1000 + d.microsecond // 1000


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def _write(directory: Path, tenant: Tenant, lines: list, window: Window) -> list[Path]:
    lo, hi = window.start_ms, window.end_ms
    lines = sorted((ln for ln in lines if lo <= ln[0] < hi), key=lambda ln: ln[0])  # stable: ties keep order
    by_host = {h.name: h.file for h in tenant.hosts}
    out: dict[str, list[str]] = {name: [] for name in tenant.files}
    formats = {name: _FORMATTERS[fmt]() for name, fmt in tenant.files.items()}
    for ln in lines:
        name = by_host[ln[1]]
        out[name].append(formats[name](ln))
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(out):
        path = directory / name
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(out[name]))
            f.write("\n")
        os.utime(path, (hi / 1000, hi / 1000))
        written.append(path)
    return written


def _rfc3164(with_pri: bool):
    last = [None, ""]

    def fmt(ln) -> str:
        ts, host, app, pid, msg, sev, fac = ln
        sec = ts // 1000
        if sec != last[0]:
            t = time.gmtime(sec)
            last[0], last[1] = sec, f"{MONS[t.tm_mon - 1]} {t.tm_mday:2d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
        tag = app if pid is None else f"{app}[{pid}]"
        pri = f"<{fac * 8 + sev}>" if with_pri else ""
        return f"{pri}{last[1]} {host} {tag}: {msg}"
    return fmt


def _rfc5424():
    last = [None, ""]
    sequence: dict[str, int] = {}

    def fmt(ln) -> str:
        ts, host, app, pid, msg, sev, fac = ln
        sec = ts // 1000
        if sec != last[0]:
            t = time.gmtime(sec)
            last[0], last[1] = sec, (f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
                                     f"T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}")
        sd = "-"
        if app == "billing-api":  # the app logs through a library that numbers its messages (RFC 5424 §7.3.1)
            n = sequence[host] = sequence.get(host, 0) + 1
            sd = f'[meta sequenceId="{n}"]'
        return f"<{fac * 8 + sev}>1 {last[1]}.{ts % 1000:03d}Z {host} {app} {'-' if pid is None else pid} - {sd} {msg}"
    return fmt


_FORMATTERS = {
    RFC3164: lambda: _rfc3164(False),
    RFC3164_PRI: lambda: _rfc3164(True),
    RFC5424: _rfc5424,
}


def describe(ds: DemoDataset) -> str:
    """A short printout: files with line counts, then the planted patterns."""
    out = [f"demo data {ds.start:%Y-%m-%d} .. {ds.end:%Y-%m-%d} (UTC) in {ds.root}"]
    for slug, paths in ds.files.items():
        for p in paths:
            with open(p, "rb") as f:
                n = sum(1 for _ in f)
            out.append(f"  {p}  {n} lines")
    out.append("planted:")
    for p in ds.planted:
        span = f"{p.start:%a %m-%d %H:%M:%S} .. {p.end:%a %m-%d %H:%M:%S}"
        hosts = ", ".join(p.hosts) if len(p.hosts) <= 3 else f"{len(p.hosts)} hosts"
        out.append(f"  {p.tenant:7} {p.kind:10} {span}  [{hosts}]  {p.description}")
        out.append(f"          e.g. {p.sample_message}")
    if ds.decoys:
        out.append("decoys (must not reach the review queue):")
        for d in ds.decoys:
            hosts = ", ".join(d.hosts) if len(d.hosts) <= 3 else f"{len(d.hosts)} hosts"
            out.append(f"  {d.tenant:7} {d.kind:12} [{hosts}]  {d.description}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m brainstem.demo.generator",
                                 description="Write a seeded week of demo syslog for two tenants.")
    ap.add_argument("outdir", type=Path, help="directory to write <tenant>/*.log into")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("--days", type=int, default=7, help="days of logs (default 7)")
    ap.add_argument("--lines-per-day", type=int, default=4000, help="noise lines per tenant and day (default 4000)")
    args = ap.parse_args(argv)
    try:
        ds = generate(args.outdir, seed=args.seed, days=args.days, lines_per_day=args.lines_per_day)
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(describe(ds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
