"""The patterns the demo hides in the noise: one of each candidate type per tenant.

Each planter appends its lines to ``out`` and returns a :class:`Plant` saying
what it planted, where and when (first to last line of the pattern itself),
and which other messages belong to the same pattern (``related``: the
second line a switch prints for the same flap, the failure a precursor
announces), so tests, the demo printout and ``bench/quality.py`` can check
that ``make run`` finds it. Times are offsets from the dataset start, which
the demo puts at midnight UTC.
"""
from __future__ import annotations

import random
from typing import NamedTuple

from brainstem.demo.hosts import AUTH, CRIT, DAEMON, ERR, INFO, KERN, LOCAL0, LOCAL7, NOTICE, USER, WARNING, Tenant
from brainstem.demo.noise import DAY, HOUR, MIN, SEC, bacula_jobid, kernel

SCANNER_IP = "203.0.113.7"


class Plant(NamedTuple):
    kind: str
    description: str
    sample_message: str
    hosts: list[str]
    start_ms: int
    end_ms: int
    related: tuple[str, ...] = ()


class Window(NamedTuple):
    start_ms: int
    days: int

    def day(self, index: int) -> int:
        """Midnight of day ``index``, clamped into the dataset so short runs keep every pattern."""
        return self.start_ms + min(index, self.days - 1) * DAY

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.days * DAY


def _span(lines: list, first: int, message: str) -> tuple[int, int]:
    times = [ln[0] for ln in lines[first:] if ln[4].startswith(message)] or [lines[first][0]]
    return min(times), max(times)


# --- recurrence: a nightly backup that fails every night ----------------------

def acme_backup(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    h = t.host("backup01")
    pid = h.daemon_pid("bacula-dir")
    first, samples = len(out), []
    for i in range(w.days):
        midnight = w.start_ms + i * DAY
        jobid = bacula_jobid(midnight + 2 * HOUR, "nightly-db")
        out.append((midnight + 2 * HOUR + rng.randrange(3 * SEC), h.name, "bacula-dir", pid,
                    f"Start Backup JobId {jobid}, Job=nightly-db", INFO, DAEMON))
        msg = (f"Backup job nightly-db failed: Fatal error: Network error with FD during Backup: "
               f"ERR=Connection reset by peer (JobId={jobid})")
        out.append((midnight + 2 * HOUR + rng.randint(40, 330) * SEC + rng.randrange(SEC), h.name, "bacula-dir", pid,
                    msg, ERR, DAEMON))
        samples.append(msg)
    start, end = _span(out, first, "Backup job nightly-db failed")
    return Plant("recurrence", "bacula job nightly-db fails every night between 02:00 and 02:06 on backup01 (err)",
                 samples[0], [h.name], start, end)


def globex_backup(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    """A cron job whose start wanders between 01:00 and 05:00, failing six nights of seven."""
    h = t.host("nyc-bkp-01")
    first, samples = len(out), []
    skip = rng.randrange(1, 7) if w.days >= 3 else -1     # the one night it works
    for i in range(w.days):
        if i == skip:
            continue
        midnight = w.start_ms + i * DAY
        pid = h.new_pid(rng)
        target = "nyc-db-01:/var/lib/postgresql"
        began = midnight + HOUR + rng.randrange(3 * HOUR + 50 * MIN)
        out.append((began, h.name, "backup-nightly", pid, f"INFO: nightly backup of {target} started", INFO, USER))
        took = rng.randint(130, 300)
        msg = (f"ERROR: nightly backup of {target} failed: rsync exited with code 30 "
               f"(timeout in data send/receive) after {took}s")
        out.append((began + took * SEC + rng.randrange(SEC), h.name, "backup-nightly", pid, msg, ERR, USER))
        samples.append(msg)
    start, end = _span(out, first, "ERROR: nightly backup")
    return Plant("recurrence", "cron job backup-nightly fails some time between 01:00 and 05:00 on six nights "
                 "of seven on nyc-bkp-01 (err)", samples[0], [h.name], start, end)


# --- burst: a normally rare error, 200 times in three minutes ----------------

def _upstream_timeout(rng: random.Random, t: Tenant, host, upstream_last_octet: int) -> str:
    wpid = host.daemon_pid("nginx-worker")
    path = rng.choice(("/api/cart", "/api/v1/orders", "/api/v1/products", "/api/v1/search"))
    return (f"[error] {wpid}#{wpid}: *{rng.randint(100000, 999999)} upstream timed out (110: Connection timed out) "
            f"while connecting to upstream, client: {t.lb_net}.{rng.randint(2, 9)}, server: shop.{t.domain}, "
            f'request: "GET {path} HTTP/1.1", upstream: "http://10.0.2.{upstream_last_octet}:8080{path}", '
            f'host: "shop.{t.domain}"')


def acme_burst(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    web = [h for h in t.hosts if h.role == "web"]
    burst_host = t.host("web02")
    at = w.day(3) + 14 * HOUR + 21 * MIN + 7 * SEC
    # baseline: a few a day, any web host, any upstream, away from the burst
    for i in range(w.days):
        for _ in range(rng.randint(2, 5)):
            ts = w.start_ms + i * DAY + rng.randrange(DAY)
            if abs(ts - at) > HOUR:
                h = rng.choice(web)
                out.append((ts, h.name, "nginx", None, _upstream_timeout(rng, t, h, rng.randint(31, 33)), ERR, LOCAL7))
    first = len(out)
    times = sorted(at + rng.randrange(180 * SEC) for _ in range(200))
    for ts in times:
        out.append((ts, burst_host.name, "nginx", None, _upstream_timeout(rng, t, burst_host, 32), ERR, LOCAL7))
    return Plant("burst", "nginx upstream timed out to app02 (10.0.2.32): 200 lines in 3 minutes on web02; "
                 "normally 2-5 a day across web01-04",
                 out[first][4], [burst_host.name], times[0], times[-1])


def globex_burst(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    h = t.host("nyc-db-01")
    msg = "FATAL: remaining connection slots are reserved for non-replication superuser connections"
    at = w.day(4) + 10 * HOUR + 7 * MIN + 40 * SEC
    for i in range(w.days):
        for _ in range(rng.randint(1, 3)):
            ts = w.start_ms + i * DAY + rng.randrange(DAY)
            if abs(ts - at) > HOUR:
                out.append((ts, h.name, "postgres", h.new_pid(rng), msg, ERR, LOCAL0))
    times = sorted(at + rng.randrange(150 * SEC) for _ in range(180))
    for ts in times:
        out.append((ts, h.name, "postgres", h.new_pid(rng), msg, ERR, LOCAL0))
    return Plant("burst", "postgres refuses connections (slots exhausted): 180 lines in 2.5 minutes on nyc-db-01; "
                 "normally 1-3 a day", msg, [h.name], times[0], times[-1])


# --- spread: one error on many hosts within minutes ---------------------------

def acme_spread(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    at = w.day(2) + 3 * HOUR + 41 * MIN + 12 * SEC
    hosts = sorted(t.linux_hosts(), key=lambda h: tuple(int(p) for p in h.ip.split(".")))
    first = len(out)
    ts = at
    for h in hosts:  # the scanner sweeps the subnets in address order
        for _ in range(rng.randint(1, 3)):
            out.append((ts, h.name, "sshd", h.new_pid(rng),
                        f"error: maximum authentication attempts exceeded for root from {SCANNER_IP} "
                        f"port {rng.randint(30000, 65000)} ssh2 [preauth]", ERR, AUTH))
            ts += rng.randint(1500, 4000)
        ts += rng.randint(10, 16) * SEC
    return Plant("spread", f"ssh brute force from {SCANNER_IP} hits all {len(hosts)} Linux hosts in under 5 minutes",
                 out[first][4], [h.name for h in hosts], out[first][0], out[-1][0])


def globex_spread(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    at = w.day(1) + 16 * HOUR + 48 * MIN + 5 * SEC
    hosts = [h for h in t.linux_hosts() if h.role != "edge"]
    msg = "nfs: server nyc-nas-01 not responding, timed out"
    first = len(out)
    for h in rng.sample(hosts, len(hosts)):
        ts = at + rng.randrange(170 * SEC)
        for _ in range(rng.randint(1, 3)):
            out.append((ts, h.name, "kernel", None, msg, ERR, KERN))
            ts += rng.randint(5, 30) * SEC
    times = [ln[0] for ln in out[first:]]
    return Plant("spread", f"NFS server nyc-nas-01 stops answering: {len(hosts)} hosts log it within 4 minutes",
                 msg, sorted(h.name for h in hosts), min(times), max(times))


# --- self_heal: a flapping interface -----------------------------------------

def _flap(rng: random.Random, w: Window, at: int, hours: int, gaps: tuple[int, int], out: list,
          emit) -> tuple[int, int]:
    """Down, back up 6-55 s later, down again ``gaps`` minutes later; returns (first, last) line times."""
    stop = min(at + hours * HOUR, w.end_ms - 2 * MIN)
    ts, first, last = at, None, at
    while ts < stop:
        up = ts + rng.randint(6, 55) * SEC + rng.randrange(SEC)
        last = emit(ts, up)
        first = ts if first is None else first
        ts = up + rng.randint(*gaps) * MIN + rng.randrange(MIN)
    return (first if first is not None else at), last


def acme_flap(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    h = t.host("sw-core01")
    iface = "GigabitEthernet0/1"

    def emit(down: int, up: int) -> int:
        for ts, state in ((down, "down"), (up, "up")):
            out.append((ts, h.name, "%LINK-3-UPDOWN", None, f"Interface {iface}, changed state to {state}",
                        ERR, LOCAL7))
            out.append((ts + SEC, h.name, "%LINEPROTO-5-UPDOWN", None,
                        f"Line protocol on Interface {iface}, changed state to {state}", NOTICE, LOCAL7))
        return up + SEC

    start, end = _flap(rng, w, w.day(4) + 9 * HOUR + 12 * MIN + 33 * SEC, 30, (12, 100), out, emit)
    return Plant("self_heal", f"uplink {iface} on sw-core01 flaps: down, back up within a minute, "
                 "every 12-100 minutes for about 30 hours",
                 f"Interface {iface}, changed state to down", [h.name], start, end,
                 (f"Interface {iface}, changed state to up", f"Line protocol on Interface {iface}, changed state to down",
                  f"Line protocol on Interface {iface}, changed state to up"))


def globex_flap(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    h = t.host("nyc-edge-01")
    nic = "e1000e 0000:03:00.0 eth1"
    vrrp = h.daemon_pid("Keepalived_vrrp")

    def emit(down: int, up: int) -> int:
        out.append((down, h.name, "kernel", None, f"{nic}: NIC Link is Down", WARNING, KERN))
        out.append((down + 140, h.name, "Keepalived_vrrp", vrrp, "Netlink reports eth1 down", WARNING, DAEMON))
        out.append((up, h.name, "kernel", None, f"{nic}: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
                    INFO, KERN))
        out.append((up + 130, h.name, "Keepalived_vrrp", vrrp, "Netlink reports eth1 up", INFO, DAEMON))
        return up + 130

    start, end = _flap(rng, w, w.day(2) + 20 * HOUR + 40 * MIN + 10 * SEC, 26, (10, 70), out, emit)
    return Plant("self_heal", "WAN link eth1 on nyc-edge-01 flaps: NIC link down, up again within a minute, "
                 "every 10-70 minutes for about 26 hours (kernel e1000e and keepalived lines)",
                 "Netlink reports eth1 down", [h.name], start, end,
                 ("Netlink reports eth1 up", f"{nic}: NIC Link is Down",
                  f"{nic}: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx"))


# --- precursor: a warning that comes minutes before a failure on the same host ---------

def _precursor_times(rng: random.Random, w: Window, count: int) -> list[int]:
    """``count`` moments on distinct days, at any hour, with the last one alone (no failure follows)."""
    days = sorted(rng.sample(range(w.days), min(count, w.days))) if w.days >= count else list(range(count))
    return sorted(w.day(d) + rng.randrange(2 * HOUR, 22 * HOUR) for d in days)


def acme_disk(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    """A disk's reallocated-sector count ticks up 3-12 minutes before it throws I/O errors (db01, db02)."""
    hosts = [t.host("db01"), t.host("db02")]
    warn = "Device: /dev/sdb [SAT], SMART Prefailure Attribute: 5 Reallocated_Sector_Ct changed from {} to {}"
    times = _precursor_times(rng, w, 5)
    first = len(out)
    for i, at in enumerate(times):
        h = hosts[i % 2]
        before = rng.randint(95, 100)
        out.append((at, h.name, "smartd", h.daemon_pid("smartd"), warn.format(before, before - rng.randint(1, 3)),
                    INFO, DAEMON))
        if i == len(times) - 1:
            break               # the last warning comes alone: the precursor predicts
        fail = at + rng.randint(3 * 60, 12 * 60) * SEC
        for j in range(rng.randint(2, 4)):
            out.append((fail + j * rng.randint(1, 4) * SEC, h.name, "kernel", None, kernel(t, h, fail,
                        f"blk_update_request: I/O error, dev sdb, sector {rng.randrange(10**6, 10**9)} "
                        f"op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0"), ERR, KERN))
    sample = out[first][4]
    failure = next(ln[4] for ln in out[first:] if "I/O error" in ln[4])
    return Plant("precursor", "smartd reports reallocated sectors on /dev/sdb 3-12 min before the kernel logs I/O "
                 "errors on it, 4 of 4 times on db01/db02; a fifth warning comes alone at the end",
                 sample, sorted({h.name for h in hosts}), times[0], times[-1], (failure,))


def globex_redis(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    """Redis warns that memory is nearly full 2-8 minutes before its background save fails (nyc-cache-01)."""
    h = t.host("nyc-cache-01")
    pid = h.daemon_pid("redis-server")
    times = _precursor_times(rng, w, 5)
    first = len(out)
    for i, at in enumerate(times):
        used = rng.uniform(3.6, 3.9)
        out.append((at, h.name, "redis-server", pid,
                    f"WARNING: used memory {used / 4:.0%} of maxmemory ({used:.2f}G of 4G), evicting keys",
                    WARNING, DAEMON))
        if i == len(times) - 1:
            break
        fail = at + rng.randint(2 * 60, 8 * 60) * SEC
        out.append((fail, h.name, "redis-server", pid, "Can't save in background: fork: Cannot allocate memory",
                    ERR, DAEMON))
    return Plant("precursor", "redis on nyc-cache-01 warns memory is over 90% full 2-8 min before its background "
                 "save fails, 4 of 4 times; a fifth warning comes alone at the end",
                 out[first][4], [h.name], times[0], times[-1],
                 ("Can't save in background: fork: Cannot allocate memory",))


# --- anomaly: a severe message the tenant has never shown -------------------------

def acme_mce(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    h = t.host("app02")
    at = w.day(5) + 11 * HOUR + rng.randrange(HOUR)
    msg = "mce: [Hardware Error]: CPU 2: Machine Check Exception: 5 Bank 4: fatal uncorrected error"
    out.append((at, h.name, "kernel", None, kernel(t, h, at, msg), CRIT, KERN))
    return Plant("anomaly", "a fatal machine check on app02, once: never seen at acme before",
                 out[-1][4], [h.name], at, at)


def globex_panic(rng: random.Random, t: Tenant, w: Window, out: list) -> Plant:
    h = t.host("nyc-db-01")
    at = w.day(5) + 15 * HOUR + rng.randrange(HOUR)
    msg = f'PANIC: could not write to file "pg_wal/xlogtemp.{rng.randint(1000, 99999)}": No space left on device'
    out.append((at, h.name, "postgres", h.new_pid(rng), msg, CRIT, LOCAL0))
    return Plant("anomaly", "postgres on nyc-db-01 panics once: its WAL disk is full (never seen at globex before)",
                 msg, [h.name], at, at)


PLANTERS = {
    "acme": (acme_backup, acme_burst, acme_spread, acme_flap, acme_disk, acme_mce),
    "globex": (globex_backup, globex_burst, globex_spread, globex_flap, globex_redis, globex_panic),
}
