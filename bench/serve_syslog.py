#!/usr/bin/env python3
"""Syslog listener benchmark: `brainstem serve` fed over real sockets, beside file ingest in the same run.

    .venv/bin/python bench/serve_syslog.py [--seconds 60] [--connections 8] [--udp-seconds 20]

(a) TCP: RFC 5424, octet-counted, ``--connections`` concurrent connections from a
    separate sender process for at least ``--seconds``, as fast as the service
    takes them (TCP back-pressure sets the pace). Prints messages/s stored (and
    that stored == sent), p99 receive-to-stored latency (from the service's
    histogram), peak RSS of the service; and, measured in this same run on the
    messages (bench/ingest.py's mix, written to a file in the order they were
    sent), the rate of `brainstem ingest`, with the ratio between the two. (The file
    ingest runs while the service idles, so the two do not share the CPU.)
(b) UDP at 50%, 100% and 150% of that TCP rate, paced, ``--udp-seconds`` each:
    loss rate and the service's RSS at the start and end of each step.

Prints its figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from ingest import SHAPES  # noqa: E402  (bench/ingest.py: the same message mix)

WEIGHTS = [30, 8, 4, 10, 10, 4, 3, 20, 20, 8, 8, 3, 3, 1, 15, 1, 1, 25, 2, 4, 4, 4, 4, 3, 20, 8, 6, 1, 1, 1]
T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
T0_EPOCH = int(T0.timestamp())


def messages(n: int, seed: int, start: int = 0, hosts: int = 200):
    """(rfc5424 line, rfc3164 line) pairs: one week of the ingest benchmark's mix, numbered from ``start``."""
    r = random.Random(seed)
    names = [f"host{i:04d}" for i in range(hosts)]
    step = 604800 / max(n, 1)
    for i in range(start, start + n):
        ts = T0 + timedelta(seconds=(i - start) * step)
        prog, make = r.choices(SHAPES, WEIGHTS)[0]
        host, pid, msg = r.choice(names), r.randrange(100, 65535), f"{make(r)} seq={i}"
        yield (f"<14>1 {ts:%Y-%m-%dT%H:%M:%S}.{ts.microsecond:06d}Z {host} {prog} {pid} - - {msg}",
               f"{ts:%b} {ts.day:>2} {ts:%H:%M:%S} {host} {prog}[{pid}]: {msg}")


def bodies(n: int, seed: int, hosts: int = 200) -> list[bytes]:
    """The part of an RFC 5424 line after its timestamp: host, program, pid and message."""
    r = random.Random(seed)
    names = [f"host{i:04d}" for i in range(hosts)]
    out = []
    for _ in range(n):
        prog, make = r.choices(SHAPES, WEIGHTS)[0]
        out.append(f"{r.choice(names)} {prog} {r.randrange(100, 65535)} - - {make(r)}".encode())
    return out


def stamped(body: bytes, k: int, j: int) -> bytes:
    """Connection ``k``'s ``j``-th message: event time advances half a second per round, so
    the stream is in event-time order however the connections interleave."""
    t = T0_EPOCH + j // 2
    return b"<14>1 %sZ %s seq=%d" % (time.strftime(f"%Y-%m-%dT%H:%M:%S.{5 * (j % 2)}", time.gmtime(t)).encode(),
                                    body, k * 100_000_000 + j)


# -- the sender process -------------------------------------------------------------------------
def sender(port: int, connections: int, seconds: float, seed: int, out: str) -> None:
    """Blasts octet-counted frames over ``connections`` sockets for ``seconds``; writes how many it sent.

    The messages are made before the clock starts (each then only gets its sequence
    number appended), so the sender spends its CPU on sending, not on generating:
    on two cores it shares the machine with the service it measures."""
    per_chunk = 500
    pool = bodies(20_000, seed)
    sent = [0] * connections
    stop_at = [0.0]
    start = threading.Barrier(connections + 1)

    def run(k: int) -> None:
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        n = len(pool)
        start.wait()
        i = 0
        while time.monotonic() < stop_at[0]:
            chunk = []
            for j in range(i, i + per_chunk):
                line = stamped(pool[(j + k * 2503) % n], k, j)
                chunk.append(b"%d %s" % (len(line), line))
            s.sendall(b"".join(chunk))
            i += per_chunk
            sent[k] = i
        s.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + seconds
    start.wait()
    for t in threads:
        t.join()
    Path(out).write_text(json.dumps({"sent": sum(sent), "per_connection": sent}))


def same_lines(per_connection: list[int], seed: int, chunk: int = 500):
    """The very messages the TCP sender sent, in the same round-robin of chunks."""
    pool = bodies(20_000, seed)
    n = len(pool)
    for r in range(0, max(per_connection, default=0), chunk):
        for k, total in enumerate(per_connection):
            for j in range(r, min(r + chunk, total)):
                yield stamped(pool[(j + k * 2503) % n], k, j).decode()


def udp_sender(port: int, rate: float, seconds: float, seed: int, out: str) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    gen = messages(10**8, seed, 900_000_000)
    t0 = time.monotonic()
    n = 0
    while True:
        now = time.monotonic() - t0
        if now >= seconds:
            break
        due = int(now * rate)
        while n < due:
            s.sendto(next(gen)[0].encode(), ("127.0.0.1", port))
            n += 1
        time.sleep(0.001)
    Path(out).write_text(json.dumps({"sent": n}))


# -- the service ------------------------------------------------------------------------------
class Service:
    def __init__(self, work: Path):
        self.db = work / "serve.db"
        cfg = work / "serve.toml"
        cfg.write_text("""
[brainstem]
serve_commit_seconds = 1.0
[[listener]]
name = "tcp"
protocol = "tcp"
bind = "127.0.0.1:0"
tenant = "bench"
[[listener]]
name = "udp"
protocol = "udp"
bind = "127.0.0.1:0"
tenant = "bench"
""")
        env = dict(os.environ)
        env.pop("BRAINSTEM_DB", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "brainstem", "serve", "--db", str(self.db), "--config",
                                      str(cfg), "--http", "127.0.0.1:0", "--log-level", "info"],
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.ports, self.http = {}, None
        ready = threading.Event()

        def read():
            for line in self.proc.stderr:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if rec.get("event") == "ready":
                    self.ports = {k: int(v.rsplit(":", 1)[1]) for k, v in rec["listeners"].items()}
                    self.http = rec["http"]
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(60):
            raise SystemExit("brainstem serve did not start")
        from brainstem.workspace import Workspace
        with Workspace(self.db) as ws:          # /metrics names every tenant: it takes an admin key
            self.token = ws.create_key("bench", name="bench", admin=True)[1]

    def metrics(self) -> dict[str, float]:
        import httpx
        out = {}
        auth = {"Authorization": f"Bearer {self.token}"}
        for line in httpx.get(f"http://{self.http}/metrics", headers=auth, timeout=30).text.splitlines():
            if line and not line.startswith("#"):
                k, _, v = line.rpartition(" ")
                out[k] = float(v)
        return out

    def rss(self, field: str = "VmRSS") -> float:
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(300)


def quantile(m: dict[str, float], name: str, q: float) -> float:
    """A quantile from a Prometheus histogram's cumulative buckets (upper bound of the bucket)."""
    buckets = sorted((float(k.split('le="')[1].split('"')[0]), v) for k, v in m.items()
                     if k.startswith(name + "_bucket"))
    total = m.get(name + "_count", 0)
    for le, v in buckets:
        if v >= q * total:
            return le
    return float("inf")


def file_rate(work: Path, per_connection: list[int], seed: int) -> float:
    log = work / "same.log"
    with open(log, "w") as fh:
        for line in same_lines(per_connection, seed):
            fh.write(line + "\n")
    env = dict(os.environ)
    env.pop("BRAINSTEM_DB", None)
    p = subprocess.run([sys.executable, "-m", "brainstem", "ingest", str(log), "--tenant", "bench", "--db",
                        str(work / "file.db"), "--json"], capture_output=True, text=True, env=env, check=True)
    return json.loads(p.stdout)["events_per_second"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--udp-seconds", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sender", nargs=5, help=argparse.SUPPRESS)
    ap.add_argument("--udp-sender", nargs=5, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.sender:
        port, conns, secs, seed, out = a.sender
        return sender(int(port), int(conns), float(secs), int(seed), out)
    if a.udp_sender:
        port, rate, secs, seed, out = a.udp_sender
        return udp_sender(int(port), float(rate), float(secs), int(seed), out)

    work = Path(tempfile.mkdtemp(prefix="brainstem-serve-bench-"))
    svc = Service(work)
    try:
        out = work / "sent.json"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--sender", str(svc.ports["tcp"]), str(a.connections),
                        str(a.seconds), str(a.seed), str(out)], check=True)
        sent_info = json.loads(out.read_text())
        sent = sent_info["sent"]
        while True:
            m = svc.metrics()
            stored = m.get('brainstem_messages_stored_total{source="tcp"}', 0)
            if stored >= sent:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
        tcp_rate = stored / elapsed
        frate = file_rate(work, sent_info["per_connection"], a.seed)   # the same messages, from a file
        print(f"file ingest of the same {sent:,} messages (RFC 5424 lines): {frate:,.0f} events/s")
        p99 = quantile(m, "brainstem_receive_to_stored_seconds", 0.99)
        p50 = quantile(m, "brainstem_receive_to_stored_seconds", 0.50)
        print(f"(a) TCP, {a.connections} connections, {elapsed:.0f} s: {int(stored):,} stored of {sent:,} sent "
              f"({'equal' if int(stored) == sent else 'NOT EQUAL'}), {tcp_rate:,.0f} messages/s = "
              f"{tcp_rate / frate:.2f}x file ingest in this run; receive-to-stored p50 <= {p50:g} s, "
              f"p99 <= {p99:g} s; peak RSS {svc.rss('VmHWM'):.0f} MB")
        for share in (0.5, 1.0, 1.5):
            rate = share * tcp_rate
            before = svc.metrics()
            rss0 = svc.rss()
            out = work / f"udp{share}.json"
            subprocess.run([sys.executable, __file__, "--udp-sender", str(svc.ports["udp"]), str(rate),
                            str(a.udp_seconds), str(a.seed), str(out)], check=True)
            usent = json.loads(out.read_text())["sent"]
            time.sleep(3)
            after = svc.metrics()
            got = after.get('brainstem_messages_received_total{source="udp"}', 0) - \
                before.get('brainstem_messages_received_total{source="udp"}', 0)
            dropped = after.get('brainstem_messages_dropped_total{reason="queue_full",source="udp"}', 0) - \
                before.get('brainstem_messages_dropped_total{reason="queue_full",source="udp"}', 0)
            kernel = usent - got
            print(f"(b) UDP at {share:.0%} of the TCP rate ({rate:,.0f}/s for {a.udp_seconds:.0f} s): sent {usent:,}, "
                  f"lost {(kernel + dropped) / max(usent, 1):.1%} ({kernel:,.0f} in the kernel, {dropped:,.0f} "
                  f"dropped at the full queue); RSS {rss0:.0f} -> {svc.rss():.0f} MB")
    finally:
        svc.stop()


if __name__ == "__main__":
    main()
