#!/usr/bin/env python3
"""LogicMonitor benchmark: webhook parsing, and a REST poll through the real writer into SQLite.

    .venv/bin/python bench/logicmonitor.py [--alerts 20000] [--bodies 20000]

- webhook: ``parse_webhook`` over bodies made from the shipped template, beside
  ``json.loads`` of the same bodies (the floor: brainstem must at least read the JSON);
- REST: a local portal (tests/sources/lm_portal.py, a real HTTP server) holding
  N alert sessions, half of them cleared; one first poll (every state change
  new, through a Writer into a fresh SQLite file), beside the fetch alone (the
  same listings paged over HTTP, the floor), then a second poll with nothing new.

Prints its figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from brainstem.service.queue import IngestQueue  # noqa: E402
from brainstem.service.writer import Writer  # noqa: E402
from brainstem.settings import load_settings  # noqa: E402
from brainstem.sources.lm_config import LogicMonitorConfig  # noqa: E402
from brainstem.sources.lm_sync import LogicMonitorSync  # noqa: E402
from brainstem.sources.logicmonitor import WEBHOOK_TEMPLATE, parse_webhook  # noqa: E402
from brainstem.workspace import Workspace  # noqa: E402
from tests.sources.lm_portal import FakePortal, rest_alert, rest_device  # noqa: E402

NOW = int(time.time())
DATASOURCES = [("WinCPU", "cpu0", "CPUBusyPercent"), ("Ping", "", "PingLossPercent"),
               ("WinVolumeUsage-", "C:\\", "PercentUsed"), ("SNMP_Network_Interfaces", "Gi0/1", "Status"),
               ("HostStatus", "", "idleInterval")]


def bodies(n: int, r: random.Random) -> list[bytes]:
    out = []
    for i in range(n):
        ds, inst, dp = r.choice(DATASOURCES)
        values = {"ALERTID": f"LMD{i}", "ALERTSTATUS": r.choice(["active", "clear", "ack"]),
                  "LEVEL": r.choice(["warn", "error", "critical"]), "HOST": f"host{r.randrange(500)}",
                  "DSNAME": ds, "INSTANCE": inst, "DATAPOINT": dp, "VALUE": str(r.randrange(100)),
                  "STARTEPOCH": str(NOW - r.randrange(86400)), "END": str(NOW), "GROUP": "Customers/Acme"}
        text = WEBHOOK_TEMPLATE
        for k, v in values.items():
            text = text.replace(f"##{k}##", v.replace("\\", "\\\\"))
        out.append(text.encode())
    return out


def bench_webhook(n: int) -> None:
    data = bodies(n, random.Random(7))
    t0 = time.perf_counter()
    for b in data:
        json.loads(b)
    floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    records = 0
    for b in data:
        records += len(parse_webhook(b, "application/json", source_path="bench"))
    took = time.perf_counter() - t0
    print(f"webhook: {n} bodies parsed in {took:.2f}s = {n / took:,.0f} bodies/s ({records} records); "
          f"json.loads alone {n / floor:,.0f}/s; parse costs {took / floor:.1f}x the JSON floor")


def bench_poll(n: int) -> None:
    r = random.Random(11)
    portal = FakePortal(token="t").start()
    hosts = 300
    portal.devices = [rest_device(d, f"host{d}") for d in range(hosts)]
    for i in range(n):
        ds, inst, dp = r.choice(DATASOURCES)
        d = r.randrange(hosts)
        start = NOW - r.randrange(20 * 3600)
        cleared = i % 2 == 0
        portal.alerts.append(rest_alert(i, host=f"host{d}", device_id=d, start=start, cleared=cleared,
                                        end=start + r.randrange(60, 1800) if cleared else 0, datasource=ds,
                                        instance=inst, datapoint=dp, value=str(r.randrange(100))))
    cfg = LogicMonitorConfig(url=portal.url, token="t", tenant="acme", lookback_hours=24)
    with tempfile.TemporaryDirectory() as tmp:
        # the floor: the same two listings paged over HTTP, nothing else
        client = cfg.client()
        t0 = time.perf_counter()
        fetched = len(list(client.paged("/alert/alerts"))) + len(list(client.paged(
            "/alert/alerts", {"filter": f'cleared:"*",startEpoch>:{NOW - 86400 - 600}', "sort": "+startEpoch"})))
        fetch = time.perf_counter() - t0
        client.close()
        ws = Workspace(Path(tmp) / "bench.db", load_settings(env={}))
        q = IngestQueue(ws.settings.serve_queue_capacity)
        w = Writer(ws, q)
        w.start()
        sync = LogicMonitorSync(cfg, q)
        first = sync.poll_once()
        second = sync.poll_once()
        sync.close()
        w.stop()
        stored = ws.stats()["acme"]["event"]
        ws.close()
    portal.stop()
    print(f"REST poll, first: {n} alert sessions ({fetched} items listed), {first.changes} state changes "
          f"and {first.assets_written} assets stored in {first.seconds:.2f}s = {first.changes / first.seconds:,.0f} "
          f"changes/s ({stored} events in the store); the listings alone took {fetch:.2f}s "
          f"({first.seconds / fetch:.1f}x the fetch floor); {first.requests} requests")
    print(f"REST poll, second (nothing new): {second.seconds:.2f}s, {second.changes} changes, "
          f"{second.requests} requests ({second.seconds / fetch:.2f}x the fetch floor)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alerts", type=int, default=20000)
    ap.add_argument("--bodies", type=int, default=20000)
    a = ap.parse_args()
    bench_webhook(a.bodies)
    bench_poll(a.alerts)


if __name__ == "__main__":
    main()
