"""`brainstem serve` with real peers: util-linux logger, rsyslog, raw sockets, TLS."""
from __future__ import annotations

import socket
import ssl
import subprocess
import time

import pytest

from tests.service.harness import Served, count_events, events, octet, tcp_send, wait_for

LISTENERS = """
[brainstem]
serve_commit_seconds = 0.2

[[listener]]
name = "udp"
protocol = "udp"
bind = "127.0.0.1:0"
tenant = "acme"

[[listener]]
name = "tcp"
protocol = "tcp"
bind = "127.0.0.1:0"

[[route]]
tenant = "globex"
hostname = ["*.globex.example"]

[[route]]
tenant = "initech"
listener = "tcp"
cidr = ["127.0.0.0/8"]
"""


@pytest.fixture
def served(tmp_path):
    s = Served(tmp_path, LISTENERS, args=("--http", "127.0.0.1:0")).start()
    yield s
    s.kill()


def logger(logger_bin, *args):
    subprocess.run([logger_bin, *args], check=True, timeout=30)


def test_logger_over_udp_and_tcp_octet_counted_rfc5424_and_3164(served, logger_bin):
    udp, tcp = served.ports["udp"], served.ports["tcp"]
    for i in range(5):
        logger(logger_bin, "--server", "127.0.0.1", "--port", str(udp), "--udp", "--rfc5424", "-t", "app",
               f"udp 5424 message {i}")
        logger(logger_bin, "--server", "127.0.0.1", "--port", str(udp), "--udp", "--rfc3164", "-t", "cron",
               f"udp 3164 message {i}")
        logger(logger_bin, "--server", "127.0.0.1", "--port", str(tcp), "--tcp", "--octet-count", "--rfc5424",
               "-t", "app", f"tcp octet message {i}")
        logger(logger_bin, "--server", "127.0.0.1", "--port", str(tcp), "--tcp", "--rfc3164", "-t", "app",
               f"tcp newline message {i}")
    wait_for(lambda: count_events(served.db) >= 20)
    assert served.stop() == 0
    got = events(served.db)
    acme = sorted(m for t, h, s, m in got if t == "acme")
    assert acme == sorted([f"udp 5424 message {i}" for i in range(5)] + [f"udp 3164 message {i}" for i in range(5)])
    assert {s for t, h, s, m in got if t == "acme"} == {"app", "cron"}
    # the tcp listener names no tenant: the route by listener and source address decides
    initech = sorted(m for t, h, s, m in got if t == "initech")
    assert initech == sorted([f"tcp octet message {i}" for i in range(5)] +
                             [f"tcp newline message {i}" for i in range(5)])
    assert all(h and h != "127.0.0.1" for t, h, s, m in got)   # logger names its host


def test_hostname_routes_and_refused_messages_are_counted(tmp_path):
    cfg = LISTENERS.replace('[[route]]\ntenant = "initech"\nlistener = "tcp"\ncidr = ["127.0.0.0/8"]\n', "") \
        .replace("serve_commit_seconds = 0.2", "serve_commit_seconds = 0.2\nserve_unrouted = \"refuse\"")
    s = Served(tmp_path, cfg, args=("--http", "127.0.0.1:0")).start()
    try:
        tcp = s.ports["tcp"]
        tcp_send(tcp, octet("<13>1 2026-12-01T10:00:00Z web1.globex.example nginx - - - upstream timed out")
                 + octet("<13>1 2026-12-01T10:00:01Z box.unknown.example nginx - - - nobody claims me"))
        wait_for(lambda: count_events(s.db) >= 1)
        wait_for(lambda: s.metrics().get('brainstem_messages_refused_total{reason="unrouted",source="tcp"}') == 1)
    finally:
        s.stop()
    assert events(s.db) == [("globex", "web1.globex.example", "nginx", "upstream timed out")]


def test_rsyslog_forwards_octet_counted_tcp(tmp_path, served, rsyslogd_bin, logger_bin):
    tcp = served.ports["tcp"]
    work = tmp_path / "rsyslog"
    work.mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        in_port = probe.getsockname()[1]
    conf = work / "rsyslog.conf"
    conf.write_text(f"""
global(workDirectory="{work}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="{in_port}")
action(type="omfwd" target="127.0.0.1" port="{tcp}" protocol="tcp" TCP_Framing="octet-counted"
       template="RSYSLOG_SyslogProtocol23Format"
       queue.type="LinkedList" queue.filename="fwd" queue.saveOnShutdown="on" action.resumeRetryCount="-1")
""")
    proc = subprocess.Popen([rsyslogd_bin, "-n", "-f", str(conf), "-i", str(work / "pid")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1.0)
        assert proc.poll() is None, proc.stdout.read()
        for i in range(20):
            logger(logger_bin, "--server", "127.0.0.1", "--port", str(in_port), "--udp", "-t", "relayed",
                   f"through rsyslog {i}")
        wait_for(lambda: count_events(served.db) >= 20, timeout=60)
    finally:
        proc.terminate()
        proc.wait(30)
    served.stop()
    got = events(served.db, "initech")
    assert sorted(m for _, _, _, m in got) == sorted(f"through rsyslog {i}" for i in range(20))
    assert {s for _, _, s, _ in got} == {"relayed"}


def _self_signed(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_tls_listener_rfc5425(tmp_path):
    cert, key = _self_signed(tmp_path)
    s = Served(tmp_path, f"""
[brainstem]
serve_commit_seconds = 0.2
[[listener]]
name = "tls"
protocol = "tls"
bind = "127.0.0.1:0"
tenant = "acme"
tls_cert = "{cert}"
tls_key = "{key}"
""", args=("--http", "")).start()
    try:
        ctx = ssl.create_default_context(cafile=str(cert))
        with socket.create_connection(("127.0.0.1", s.ports["tls"]), timeout=30) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                for i in range(3):
                    tls.sendall(octet(f"<86>1 2026-12-01T10:00:0{i}Z vpn1 openvpn - - - TLS session {i} up"))
        wait_for(lambda: count_events(s.db) >= 3)
        # a client that is not TLS at all is refused without disturbing the listener
        tcp_send(s.ports["tls"], b"<13>plain text on a TLS port\n")
    finally:
        assert s.stop() == 0
    assert sorted(m for *_, m in events(s.db)) == [f"TLS session {i} up" for i in range(3)]


def test_sigterm_stores_everything_received_before_it(tmp_path):
    s = Served(tmp_path, """
[brainstem]
serve_commit_seconds = 5.0
serve_batch_max = 100000
[[listener]]
name = "tcp"
protocol = "tcp"
bind = "127.0.0.1:0"
tenant = "acme"
""", args=("--http", "127.0.0.1:0")).start()
    n = 3000
    payload = b"".join(octet(f"<13>1 2026-12-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z h{i % 7} app - - - "
                             f"request {i} served") for i in range(n))
    tcp_send(s.ports["tcp"], payload)
    wait_for(lambda: s.metrics().get('brainstem_messages_received_total{source="tcp"}') == n)
    assert count_events(s.db) == 0            # nothing committed yet: the 5 s batch has not closed
    assert s.stop() == 0
    assert count_events(s.db) == n
