"""The two demo tenants: their hosts, people and addresses.

Everything here is static description; the randomness lives in ``noise`` and
``planted``. A :class:`Host` also carries the little state a real host has
(daemon pids, a pid counter, uptime) so the lines it emits stay consistent.
"""
from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

# facility numbers (RFC 5424 §6.2.1)
KERN, USER, MAIL, DAEMON, AUTH, SYSLOG, CRON, AUTHPRIV = 0, 1, 2, 3, 4, 5, 9, 10
LOCAL0, LOCAL4, LOCAL7 = 16, 20, 23
# severities
CRIT, ERR, WARNING, NOTICE, INFO = 2, 3, 4, 5, 6

# output formats of a tenant's files
RFC3164 = "rfc3164"            # /var/log/syslog as rsyslog writes it: no PRI
RFC3164_PRI = "rfc3164-pri"    # as received from network devices: <PRI> first
RFC5424 = "rfc5424"


@dataclass
class Host:
    name: str
    role: str
    ip: str
    file: str
    linux: bool = True
    weight: float = 1.0          # share of the tenant's random noise
    pid_salt: int = 0
    last_pid: int = 0
    boot_ms: int = 0             # epoch ms the host booted (kernel uptime stamps)

    def daemon_pid(self, daemon: str) -> int:
        """A long-running daemon's pid: fixed per host and seed, whoever asks first."""
        return 400 + zlib.crc32(f"{self.pid_salt}:{daemon}".encode()) % 3500

    def new_pid(self, rng: random.Random) -> int:
        self.last_pid += rng.randint(1, 37)
        if self.last_pid > 4_000_000:
            self.last_pid = 5000
        return self.last_pid


@dataclass
class User:
    name: str
    uid: int
    key_fp: str                  # SHA256 fingerprint of the user's ssh key


@dataclass
class Tenant:
    slug: str
    name: str
    domain: str
    files: dict[str, str]        # file name -> format
    hosts: list[Host]
    users: list[User]
    admin_ips: list[str]
    gateway: str
    mail_relay: str
    kernel_uptime: bool          # kernel lines carry "[ 1234.567890]"

    @property
    def lb_net(self) -> str:
        """The /24 the load balancers sit in: the web servers' clients."""
        return self.gateway.rsplit(".", 1)[0]

    def host(self, name: str) -> Host:
        for h in self.hosts:
            if h.name == name:
                return h
        raise KeyError(name)

    def linux_hosts(self) -> list[Host]:
        return [h for h in self.hosts if h.linux]


def _fp(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(43))


def _init_hosts(hosts: list[Host], rng: random.Random, start_ms: int) -> None:
    for h in hosts:
        h.last_pid = rng.randint(20_000, 900_000)
        h.pid_salt = rng.getrandbits(32)
        h.boot_ms = start_ms - rng.randint(200_000, 6_000_000) * 1000


def acme(rng: random.Random, start_ms: int) -> Tenant:
    """An MSP client: a small web shop, Ubuntu servers, a Cisco switch and ASA."""
    syslog, net = "syslog.log", "network.log"
    hosts = [
        *(Host(f"web0{i}", "web", f"10.0.1.{10 + i}", syslog, weight=3.0) for i in range(1, 5)),
        *(Host(f"app0{i}", "app", f"10.0.2.{30 + i}", syslog, weight=2.5) for i in range(1, 4)),
        Host("db01", "db", "10.0.3.21", syslog, weight=2.0),
        Host("db02", "db", "10.0.3.22", syslog, weight=1.2),
        Host("backup01", "backup", "10.0.4.5", syslog, weight=0.8),
        Host("fw01", "fw", "10.0.0.1", net, linux=False, weight=7.0),
        Host("sw-core01", "switch", "10.0.0.2", net, linux=False, weight=0.8),
    ]
    _init_hosts(hosts, rng, start_ms)
    users = [User(n, u, _fp(rng)) for n, u in (("deploy", 1001), ("ansible", 1002), ("mkowalski", 1003), ("jrivera", 1004))]
    return Tenant(
        slug="acme", name="Acme Retail", domain="acme.example",
        files={syslog: RFC3164, net: RFC3164_PRI}, hosts=hosts, users=users,
        admin_ips=["10.0.0.50", "10.0.0.51", "10.0.0.52"], gateway="10.0.0.1",
        mail_relay="10.0.0.25", kernel_uptime=True,
    )


def globex(rng: random.Random, start_ms: int) -> Tenant:
    """A second client: one site in NYC, everything relayed centrally as RFC 5424."""
    syslog = "syslog.log"
    hosts = [
        *(Host(f"nyc-web-0{i}", "web", f"10.20.1.{10 + i}", syslog, weight=2.5) for i in range(1, 4)),
        *(Host(f"nyc-api-0{i}", "api", f"10.20.2.{10 + i}", syslog, weight=3.0) for i in range(1, 3)),
        Host("nyc-db-01", "db", "10.20.3.21", syslog, weight=2.0),
        Host("nyc-cache-01", "cache", "10.20.3.31", syslog, weight=1.2),
        Host("nyc-bkp-01", "backup", "10.20.4.5", syslog, weight=0.6),
        Host("nyc-edge-01", "edge", "10.20.0.1", syslog, weight=4.0),
        Host("nyc-mon-01", "mon", "10.20.5.10", syslog, weight=1.5),
    ]
    _init_hosts(hosts, rng, start_ms)
    users = [User(n, u, _fp(rng)) for n, u in (("ops", 1000), ("svc-deploy", 1100), ("tnguyen", 1201), ("pshah", 1202))]
    return Tenant(
        slug="globex", name="Globex Corporation", domain="globex.internal",
        files={syslog: RFC5424}, hosts=hosts, users=users,
        admin_ips=["10.20.9.15", "10.20.9.16"], gateway="10.20.0.1",
        mail_relay="10.20.0.25", kernel_uptime=False,
    )
