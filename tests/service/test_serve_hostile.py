"""Hostile senders: each gets a counted, logged rejection; the process and everyone else go on."""
from __future__ import annotations

import os
import socket
import time

import pytest

from tests.service.harness import Served, count_events, events, octet, tcp_send, wait_for

CONFIG = """
[brainstem]
serve_commit_seconds = 0.2
syslog_max_message_bytes = 4096
syslog_max_connections = 50
syslog_idle_timeout_seconds = 1.0
[[listener]]
name = "tcp"
protocol = "tcp"
bind = "127.0.0.1:0"
tenant = "acme"
[[listener]]
name = "udp"
protocol = "udp"
bind = "127.0.0.1:0"
tenant = "acme"
"""

GOOD = "<13>1 2026-12-01T10:00:00Z fw1 app - - - the good message {}"


@pytest.fixture
def served(tmp_path):
    s = Served(tmp_path, CONFIG, args=("--http", "127.0.0.1:0")).start()
    yield s
    s.kill()


def m(s, name):
    return s.metrics().get(name, 0)


def test_garbage_of_every_kind_is_counted_and_good_messages_around_it_are_stored(served):
    tcp, udp = served.ports["tcp"], served.ports["udp"]
    hostile = [
        b"\x00\x01\x02\xff" * 100 + b"\n",                       # binary
        octet(b"\xff\xfe\xfd not utf-8 \xc3\x28 at all"),          # invalid UTF-8: stored, flagged
        octet("<13>1 9999-12-31T23:59:59-12:00 fw1 app - - - absurd time"),
        octet("<13>1 0001-01-01T00:00:00+12:00 fw1 app - - - absurd time too"),
        b"12x not a count\n",                                      # malformed count
        b"99999999999 way too long a count\n",
    ]
    payload = octet(GOOD.format(0)) + b"".join(hostile) + octet(GOOD.format(1))
    tcp_send(tcp, payload)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.sendto(b"\x00" * 500, ("127.0.0.1", udp))
        u.sendto(GOOD.format(2).encode(), ("127.0.0.1", udp))
    wait_for(lambda: count_events(served.db) >= 3)
    wait_for(lambda: m(served, 'brainstem_messages_bad_total{source="tcp"}') >= 3)
    assert m(served, 'brainstem_messages_bad_total{source="udp"}') == 1
    assert served.proc.poll() is None
    assert served.stop() == 0
    msgs = [x[3] for x in events(served.db)]
    for i in range(3):
        assert f"the good message {i}" in msgs
    assert any("not utf-8" in x for x in msgs)
    assert any("rejected message" in x.get("msg", "") or "malformed" in x.get("msg", "") for x in served.lines)
    assert any("127.0.0.1" in x.get("msg", "") for x in served.logged("listener tcp"))


def test_a_50_mb_line_is_truncated_and_memory_stays_bounded(served):
    tcp = served.ports["tcp"]
    with socket.create_connection(("127.0.0.1", tcp), timeout=60) as c:
        c.sendall(b"<13>Dec  1 10:00:00 fw1 app: " + b"A" * (50 << 20) + b"\n")
        c.sendall(octet(GOOD.format(9)))
    wait_for(lambda: count_events(served.db) >= 2, timeout=120)
    rss_kb = int(next(x for x in open(f"/proc/{served.proc.pid}/status") if x.startswith("VmRSS")).split()[1])
    assert rss_kb < 400_000, f"RSS {rss_kb} kB after a 50 MB line"
    assert m(served, 'brainstem_messages_truncated_total{source="tcp"}') == 1
    served.stop()
    lens = sorted(len(x[3]) for x in events(served.db))
    assert lens[-1] <= 4096


def test_silent_and_short_lived_connections_are_closed_and_the_rest_goes_on(served):
    tcp = served.ports["tcp"]
    silent = socket.create_connection(("127.0.0.1", tcp))
    # a connection that dies inside an octet-counted frame
    with socket.create_connection(("127.0.0.1", tcp)) as c:
        c.sendall(b"500 <13>1 2026-12-01T10:00:00Z fw1 app - - - cut short")
    # 10,000 connections opened and dropped at once
    for _ in range(10_000):
        try:
            s = socket.create_connection(("127.0.0.1", tcp), timeout=5)
            s.close()
        except OSError:
            pass
    # the idle one is closed by the server after syslog_idle_timeout_seconds
    silent.settimeout(10)
    assert silent.recv(1) == b""
    silent.close()
    wait_for(lambda: m(served, 'brainstem_connections{listener="tcp"}') == 0)
    tcp_send(tcp, octet(GOOD.format(5)))
    wait_for(lambda: count_events(served.db) >= 1)
    assert m(served, 'brainstem_messages_bad_total{source="tcp"}') >= 1        # the cut frame
    assert served.logged("idle for")
    assert served.stop() == 0
    assert [x[3] for x in events(served.db)] == ["the good message 5"]


def test_connections_beyond_the_limit_are_refused_and_counted(served):
    tcp = served.ports["tcp"]
    held = [socket.create_connection(("127.0.0.1", tcp)) for _ in range(50)]
    wait_for(lambda: m(served, 'brainstem_connections{listener="tcp"}') == 50)
    extra = socket.create_connection(("127.0.0.1", tcp))
    extra.settimeout(10)
    try:
        assert extra.recv(1) == b""
    except ConnectionResetError:
        pass
    wait_for(lambda: m(served, 'brainstem_messages_refused_total{reason="max_connections",source="tcp"}') >= 1)
    for h in held:
        h.close()
    wait_for(lambda: m(served, 'brainstem_connections{listener="tcp"}') == 0)
    tcp_send(tcp, octet(GOOD.format(7)))
    wait_for(lambda: count_events(served.db) >= 1)


def test_a_full_queue_pushes_back_on_tcp_without_loss_and_counts_udp_drops(tmp_path):
    s = Served(tmp_path, """
[brainstem]
serve_commit_seconds = 0.05
serve_queue_capacity = 200
serve_batch_max = 200
[[listener]]
name = "tcp"
protocol = "tcp"
bind = "127.0.0.1:0"
tenant = "acme"
[[listener]]
name = "udp"
protocol = "udp"
bind = "127.0.0.1:0"
tenant = "acme"
""", args=("--http", "127.0.0.1:0")).start()
    try:
        n = 20_000
        tcp_send(s.ports["tcp"], b"".join(
            octet(f"<13>1 2026-12-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z h{i % 9} app - - - tcp job {i} ok")
            for i in range(n)))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
            for i in range(20_000):
                u.sendto(f"<13>1 2026-12-01T11:{i // 60 % 60:02d}:{i % 60:02d}Z h1 app - - - udp {i}".encode(),
                         ("127.0.0.1", s.ports["udp"]))
        wait_for(lambda: m(s, 'brainstem_messages_stored_total{source="tcp"}') == n, timeout=300)
        dropped = m(s, 'brainstem_messages_dropped_total{reason="queue_full",source="udp"}')
        stored_udp = m(s, 'brainstem_messages_stored_total{source="udp"}')
        received_udp = m(s, 'brainstem_messages_received_total{source="udp"}')
        assert dropped > 0
        assert stored_udp + dropped == received_udp
    finally:
        s.stop()
