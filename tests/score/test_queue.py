"""The queue does not cry wolf: a week of steady chatter, ingested for real, raises nothing above `watch`."""
from __future__ import annotations

import random
from datetime import timedelta

from brainstem.settings import load_settings
from brainstem.workspace import Workspace

from tests.pipeline.scenario import START, line, write

HOSTS = [f"web{i:02d}" for i in range(1, 7)] + ["db01", "db02"]


def chatter_week(seed: int = 3, days: int = 7) -> list:
    """Ordinary logs without incidents: routine errors and warnings included, at steady rates."""
    rng = random.Random(seed)
    rows = []

    def add(t, host, prog, msg):
        rows.append((t, host, line(t, host, prog, msg)))

    end = START + timedelta(days=days)
    for d in range(days):
        day = START + timedelta(days=d)
        for h in range(24):
            for host in HOSTS:      # hourly cron everywhere
                t = day + timedelta(hours=h, minutes=17, seconds=rng.randrange(60))
                add(t, host, f"CRON[{rng.randrange(1000, 9999)}]", "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)")
        # a daily job that succeeds, some time between 01:00 and 05:00
        t = day + timedelta(hours=1, seconds=rng.randrange(4 * 3600))
        add(t, "db01", f"CRON[{rng.randrange(1000, 9999)}]", "(root) CMD (/usr/local/bin/db-dump.sh)")
        add(t + timedelta(seconds=rng.randrange(30, 300)), "db01", "db-dump",
            f"dump of orders completed in {rng.randrange(20, 90)} s, {rng.randrange(100, 900)} MB")
        for host in HOSTS:
            add(day + timedelta(seconds=rng.randrange(60)), host, "systemd[1]", "Finished Rotate log files.")
    t = START
    while t < end:   # a load balancer health check every 30 s on every web host
        for host in HOSTS[:6]:
            add(t + timedelta(seconds=rng.randrange(5)), host, "nginx",
                f'10.0.0.2 - - "GET /healthz HTTP/1.1" 200 2 rt=0.00{rng.randrange(1, 9)}')
        t += timedelta(seconds=30)
    t = START
    while t < end:   # routine error and warning chatter at steady rates, at random times
        t += timedelta(seconds=rng.expovariate(1 / 300))
        host = rng.choice(HOSTS)
        r = rng.random()
        if r < 0.3:
            add(t, host, "nginx", f'[error] {rng.randrange(100, 999)}#0: *{rng.randrange(10**5)} open() '
                f'"/var/www/html/favicon.ico" failed (2: No such file or directory), client: 10.0.1.{rng.randrange(2, 250)}')
        elif r < 0.5:
            add(t, host, "ntpd[812]", "kernel reports TIME_ERROR: 0x41: Clock Unsynchronized")
        elif r < 0.7:
            add(t, "db01", "smartd[733]", "Device: /dev/sda [SAT], 8 Currently unreadable (pending) sectors, error")
        elif r < 0.85:
            add(t, host, f"sshd[{rng.randrange(1000, 99999)}]",
                f"Failed password for invalid user {rng.choice(['admin', 'test', 'oracle', 'pi'])} from "
                f"{rng.randrange(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)} "
                f"port {rng.randrange(1024, 65535)} ssh2")
        else:
            add(t, host, "kernel", f"[UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.{rng.randrange(1, 254)} DST=10.0.1.5 "
                f"PROTO=TCP SPT={rng.randrange(1024, 65535)} DPT={rng.choice([23, 445, 3389])}")
    rows.sort(key=lambda r: r[0])
    return rows


def test_a_week_of_steady_chatter_raises_nothing_above_watch(tmp_path):
    rows = chatter_week()
    ws = Workspace(tmp_path / "b.db", load_settings(env={}))
    stats = ws.ingest([str(write(tmp_path / "syslog.log", rows))], tenant="acme")
    assert stats.events_stored > 30_000 and stats.bad_lines == 0
    cands = ws.candidates("acme", limit=1000)
    assert cands, "the detectors saw the daily jobs at least"
    loud = [(c.candidate_type, round(c.score_total, 2), c.explanation) for c in cands
            if c.decision_band not in ("ignore", "watch")]
    assert loud == []
    # the successful daily job is recognised for what it is: a recurrence, and not worth a review
    dump = [c for c in cands if c.candidate_type == "recurrence" and "db-dump" in c.title]
    assert dump and dump[0].metadata["metrics"]["window_hours"] <= 5
