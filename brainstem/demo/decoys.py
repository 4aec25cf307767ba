"""Decoys: things in the demo logs that look like patterns and must not reach the review queue.

Each decoy appends its lines to ``out`` and returns a :class:`Decoy` saying
what it is, so ``bench/quality.py`` and the tests can check that no
candidate at ``review`` or above is built on it:

- a **coincidence across tenants**: the same DNS complaint at the same minute
  on three hosts of each tenant (six hosts together would be a spread; the
  tenants are walls, so each sees three);
- **steady error chatter**: a routine error that is there all week (a disk's
  pending-sector count, a payment gateway's retries);
- **health checks**: an application reports itself healthy every five minutes;
- a **daily job that succeeds**, at a wandering hour between 01:00 and 05:00
  (the same shape as the planted failing job, without the failure).
"""
from __future__ import annotations

import random
from typing import NamedTuple

from brainstem.demo.hosts import CRON, DAEMON, ERR, INFO, LOCAL0, WARNING, Tenant
from brainstem.demo.noise import DAY, HOUR, MIN, SEC
from brainstem.demo.planted import Window


class Decoy(NamedTuple):
    kind: str             # "coincidence" | "chatter" | "health_check" | "daily_job"
    description: str
    sample_message: str
    hosts: list[str]
    related: tuple[str, ...] = ()


def coincidence_at(window: Window, seed: int) -> int:
    """The moment both tenants see the same outage: chosen from the seed alone, so it is the same minute in both."""
    rng = random.Random(f"{seed}:coincidence")
    return window.day(3) + rng.randrange(3 * HOUR, 21 * HOUR)


def coincidence(rng: random.Random, t: Tenant, w: Window, out: list, *, at: int) -> Decoy:
    msg = "Using degraded feature set UDP instead of UDP+EDNS0 for DNS server 9.9.9.9."
    hosts = rng.sample([h for h in t.linux_hosts()], 3)
    for h in hosts:
        out.append((at + rng.randrange(50 * SEC), h.name, "systemd-resolved", h.daemon_pid("systemd-resolved"), msg,
                    WARNING, DAEMON))
    return Decoy("coincidence", "the public resolver degrades for a minute: 3 hosts in each tenant, the same minute",
                 msg, sorted(h.name for h in hosts))


def acme_chatter(rng: random.Random, t: Tenant, w: Window, out: list) -> Decoy:
    h = t.host("db01")
    msg = "Device: /dev/sda [SAT], 8 Currently unreadable (pending) sectors"
    ts = w.start_ms + rng.randrange(30 * MIN)
    while ts < w.end_ms:
        out.append((ts, h.name, "smartd", h.daemon_pid("smartd"), msg, ERR, DAEMON))
        ts += 30 * MIN + rng.randrange(-20, 20) * SEC
    return Decoy("chatter", "smartd on db01 reports the same 8 pending sectors every 30 minutes, all week", msg,
                 [h.name])


def globex_chatter(rng: random.Random, t: Tenant, w: Window, out: list) -> Decoy:
    hosts = [h for h in t.hosts if h.role == "api"]
    ts = w.start_ms
    sample = ""
    while True:
        ts += int(rng.expovariate(1 / (15 * MIN)))
        if ts >= w.end_ms:
            break
        h = rng.choice(hosts)
        msg = (f"ERROR payment gateway timeout, retry {rng.randint(1, 3)} of 3 scheduled "
               f"gateway=psp-{rng.choice(('eu', 'us'))} order_id={rng.randint(100000, 999999)}")
        sample = sample or msg
        out.append((ts, h.name, "billing-api", h.daemon_pid("billing-api"), msg, ERR, LOCAL0))
    return Decoy("chatter", "billing-api logs a payment gateway timeout about four times an hour, all week", sample,
                 [h.name for h in hosts])


def health_checks(rng: random.Random, t: Tenant, w: Window, out: list) -> Decoy:
    app = "orders-api" if t.slug == "acme" else "billing-api"
    hosts = [h for h in t.hosts if h.role in ("app", "api")]
    sample = ""
    for h in hosts:
        ts = w.start_ms + rng.randrange(5 * MIN)
        while ts < w.end_ms:
            msg = f"INFO health check ok db=up cache=up latency_ms={rng.randint(2, 40)}"
            sample = sample or msg
            out.append((ts, h.name, app, h.daemon_pid(app), msg, INFO, LOCAL0))
            ts += 5 * MIN
    return Decoy("health_check", f"{app} reports itself healthy every 5 minutes on every app host", sample,
                 [h.name for h in hosts])


def daily_job(rng: random.Random, t: Tenant, w: Window, out: list) -> Decoy:
    h = t.host("db01" if t.slug == "acme" else "nyc-db-01")
    sample = ""
    for i in range(w.days):
        began = w.start_ms + i * DAY + HOUR + rng.randrange(3 * HOUR + 50 * MIN)
        pid = h.new_pid(rng)
        out.append((began, h.name, "CRON", pid, "(postgres) CMD (/usr/local/bin/pg-dump-all.sh)", INFO, CRON))
        took = rng.randint(40, 400)
        msg = f"dump of all databases finished OK in {took} s ({rng.randint(300, 900)} MB)"
        sample = sample or msg
        out.append((began + took * SEC, h.name, "pg-dump-all", pid + 1, msg, INFO, LOCAL0))
    return Decoy("daily_job", f"a database dump on {h.name} succeeds every night, some time between 01:00 and 05:00",
                 sample, [h.name], ("(postgres) CMD (/usr/local/bin/pg-dump-all.sh)",))


DECOYS = {
    "acme": (acme_chatter, health_checks, daily_job),
    "globex": (globex_chatter, health_checks, daily_job),
}
