"""Ordinary background: the lines every week of real syslog is mostly made of.

Two kinds: *scheduled* lines (hourly cron, nightly logrotate, backup jobs that
succeed, office-hours port changes) that recur on the clock, and *random*
episodes (an ssh login, a firewall deny, a request log) drawn by host and role
with a day/night rhythm. Values vary (pids, addresses, ports, ids, durations)
so a template miner has variables to learn.

A line is a tuple ``(ts_ms, host, app, pid, message, severity, facility)``;
``pid`` is ``None`` when the program logs without one.
"""
from __future__ import annotations

import random
from datetime import datetime, timezone
from typing import Callable

from brainstem.demo.hosts import (AUTH, AUTHPRIV, CRON, DAEMON, INFO, KERN, LOCAL0, LOCAL4, LOCAL7, MAIL,
                                  NOTICE, WARNING, Host, Tenant)

Line = tuple[int, str, str, "int | None", str, int, int]
Builder = Callable[[random.Random, Tenant, Host, int, list], None]

SEC = 1000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR

# relative traffic by hour of day: quiet nights, busy office hours
HOURLY = (3, 2, 2, 2, 2, 3, 5, 8, 12, 14, 14, 13, 12, 13, 14, 14, 13, 11, 9, 8, 7, 6, 5, 4)

DOWS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def ext_ip(rng: random.Random) -> str:
    """A public-looking address, never the planted 203.0.113.7 scanner."""
    first = rng.choice((23, 31, 37, 45, 61, 77, 80, 85, 89, 91, 103, 109, 112, 118, 141, 146, 159, 162, 171,
                        176, 178, 185, 188, 193, 194, 195, 212, 213, 217, 222))
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def hexid(rng: random.Random, digits: int = 16) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def kernel(t: Tenant, h: Host, ts: int, text: str) -> str:
    if not t.kernel_uptime:
        return text
    up = ts - h.boot_ms
    return f"[{up // 1000:5d}.{(up % 1000) * 1000 + (ts * 7) % 1000:06d}] {text}"


# --- every Linux host --------------------------------------------------------

def ssh_session(rng, t, h, ts, out):
    u = rng.choice(t.users)
    ip, port, pid = rng.choice(t.admin_ips), rng.randint(40000, 65000), h.new_pid(rng)
    sess = rng.randint(1000, 99999)
    logind = h.daemon_pid("systemd-logind")
    out.append((ts, h.name, "sshd", pid,
                f"Accepted publickey for {u.name} from {ip} port {port} ssh2: ED25519 SHA256:{u.key_fp}", INFO, AUTH))
    out.append((ts + 8, h.name, "sshd", pid,
                f"pam_unix(sshd:session): session opened for user {u.name}(uid={u.uid}) by (uid=0)", INFO, AUTHPRIV))
    out.append((ts + 15, h.name, "systemd-logind", logind, f"New session {sess} of user {u.name}.", INFO, AUTH))
    end = ts + rng.randint(20 * SEC, 50 * MIN)
    out.append((end, h.name, "sshd", pid,
                f"Received disconnect from {ip} port {port}:11: disconnected by user", INFO, AUTH))
    out.append((end + 1, h.name, "sshd", pid, f"Disconnected from user {u.name} {ip} port {port}", INFO, AUTH))
    out.append((end + 3, h.name, "sshd", pid,
                f"pam_unix(sshd:session): session closed for user {u.name}", INFO, AUTHPRIV))
    out.append((end + 9, h.name, "systemd-logind", logind, f"Session {sess} logged out. Waiting for processes to exit.",
                INFO, AUTH))
    out.append((end + 12, h.name, "systemd-logind", logind, f"Removed session {sess}.", INFO, AUTH))


def fw_block(rng, t, h, ts, out):
    """The host firewall dropping internet scans (only internet-facing hosts see them)."""
    src, dpt = ext_ip(rng), rng.choice((23, 22, 445, 3389, 8080, 2323, 5900, 1433, 3306, 6379, 81, 8443))
    mac = "00:16:3e:" + ":".join(f"{rng.randint(0, 255):02x}" for _ in range(3)) + ":00:1c:7f:a2:14:e0:08:00"
    text = (f"[UFW BLOCK] IN=eth0 OUT= MAC={mac} SRC={src} DST={h.ip} LEN={rng.choice((40, 44, 52, 60))} "
            f"TOS=0x00 PREC=0x00 TTL={rng.randint(40, 250)} ID={rng.randint(1, 65535)} PROTO=TCP "
            f"SPT={rng.randint(1024, 65535)} DPT={dpt} WINDOW={rng.choice((1024, 14600, 29200, 65535))} "
            f"RES=0x00 SYN URGP=0")
    out.append((ts, h.name, "kernel", None, kernel(t, h, ts, text), WARNING, KERN))


def ntp_adjust(rng, t, h, ts, out):
    out.append((ts, h.name, "ntpd", h.daemon_pid("ntpd"),
                f"adjusting local clock by {rng.uniform(-0.02, 0.02):.6f}s", NOTICE, DAEMON))


def local_mail(rng, t, h, ts, out):
    qid, qid2 = hexid(rng, 10).upper(), hexid(rng, 10).upper()
    fqdn = f"{h.name}.{t.domain}"
    out.append((ts, h.name, "postfix/pickup", h.daemon_pid("pickup"), f"{qid}: uid=0 from=<root>", INFO, MAIL))
    out.append((ts + 4, h.name, "postfix/cleanup", h.new_pid(rng),
                f"{qid}: message-id=<{hexid(rng, 12)}@{fqdn}>", INFO, MAIL))
    out.append((ts + 9, h.name, "postfix/qmgr", h.daemon_pid("qmgr"),
                f"{qid}: from=<root@{fqdn}>, size={rng.randint(400, 9000)}, nrcpt=1 (queue active)", INFO, MAIL))
    d = [rng.uniform(0.01, 0.2) for _ in range(4)]
    out.append((ts + 300, h.name, "postfix/smtp", h.new_pid(rng),
                f"{qid}: to=<ops@{t.domain}>, relay=mail.{t.domain}[{t.mail_relay}]:25, delay={sum(d):.2f}, "
                f"delays={d[0]:.2f}/{d[1]:.2f}/{d[2]:.2f}/{d[3]:.2f}, dsn=2.0.0, "
                f"status=sent (250 2.0.0 Ok: queued as {qid2})", INFO, MAIL))
    out.append((ts + 310, h.name, "postfix/qmgr", h.daemon_pid("qmgr"), f"{qid}: removed", INFO, MAIL))


def dhcp_renew(rng, t, h, ts, out):
    pid = h.daemon_pid("dhclient")
    out.append((ts, h.name, "dhclient", pid, f"DHCPREQUEST for {h.ip} on eth0 to {t.gateway} port 67", INFO, DAEMON))
    out.append((ts + 3, h.name, "dhclient", pid, f"DHCPACK of {h.ip} from {t.gateway}", INFO, DAEMON))
    out.append((ts + 40, h.name, "dhclient", pid,
                f"bound to {h.ip} -- renewal in {rng.randint(1500, 2100)} seconds.", INFO, DAEMON))


def probe(rng, t, h, ts, out):
    ip, port, pid = ext_ip(rng), rng.randint(30000, 65000), h.new_pid(rng)
    user = rng.choice(("admin", "test", "oracle", "ubuntu", "user", "git", "postgres", "support", "guest"))
    out.append((ts, h.name, "sshd", pid, f"Invalid user {user} from {ip} port {port}", INFO, AUTH))
    out.append((ts + 350, h.name, "sshd", pid,
                f"Connection closed by invalid user {user} {ip} port {port} [preauth]", INFO, AUTH))


# --- role specific ------------------------------------------------------------

PATHS = ("/", "/products", "/api/cart", "/api/v1/orders", "/api/v1/products", "/static/app.js", "/login",
         "/api/v1/search", "/healthz")


def nginx_access(rng, t, h, ts, out):
    path = rng.choice(PATHS)
    if path.startswith("/api/v1/orders"):
        path += f"/{rng.randint(10000, 99999)}"
    status = rng.choices((200, 200, 200, 304, 301, 404, 499, 502), weights=(60, 20, 10, 4, 2, 3, 1, 0.2))[0]
    method = "POST" if path == "/api/cart" and rng.random() < 0.4 else "GET"
    out.append((ts, h.name, "nginx", None,
                f'{t.lb_net}.{rng.randint(2, 9)} - - "{method} {path} HTTP/1.1" {status} {rng.randint(120, 48000)} '
                f"rt={rng.uniform(0.001, 0.4):.3f} req_id={hexid(rng)}", INFO, LOCAL7))


def nginx_buffered(rng, t, h, ts, out):
    pid = h.daemon_pid("nginx-worker")
    out.append((ts, h.name, "nginx", None,
                f"[warn] {pid}#{pid}: *{rng.randint(10000, 999999)} an upstream response is buffered to a temporary "
                f"file /var/cache/nginx/proxy_temp/{rng.randint(1, 9)}/{rng.randint(10, 99)}/00000{rng.randint(10000, 99999)} "
                f"while reading upstream, client: {t.lb_net}.{rng.randint(2, 9)}, server: shop.{t.domain}",
                WARNING, LOCAL7))


def app_request(rng, t, h, ts, out):
    app = "orders-api" if t.slug == "acme" else "billing-api"
    path = rng.choice(("/orders", "/orders/{id}", "/cart", "/invoices", "/invoices/{id}", "/customers/{id}"))
    out.append((ts, h.name, app, h.daemon_pid(app),
                f"INFO request completed method={rng.choice(('GET', 'GET', 'GET', 'POST', 'PUT'))} path={path} "
                f"status={rng.choices((200, 201, 204, 400, 404), weights=(80, 8, 5, 3, 4))[0]} "
                f"duration_ms={int(rng.lognormvariate(3.2, 0.7))} request_id={hexid(rng)}", INFO, LOCAL0))


def app_background(rng, t, h, ts, out):
    app = "orders-api" if t.slug == "acme" else "billing-api"
    pid = h.daemon_pid(app)
    r = rng.random()
    if r < 0.5:
        msg, sev = f"INFO worker heartbeat queue=jobs depth={rng.randint(0, 40)} workers={rng.choice((4, 8))}", INFO
    elif r < 0.9:
        msg, sev = f"INFO cache refreshed entries={rng.randint(800, 5000)} took_ms={rng.randint(5, 400)}", INFO
    else:
        msg, sev = (f"WARN slow request path=/reports/daily duration_ms={rng.randint(1500, 6000)} "
                    f"request_id={hexid(rng)}"), WARNING
    out.append((ts, h.name, app, pid, msg, sev, LOCAL0))


def pg_activity(rng, t, h, ts, out):
    db = "orders" if t.slug == "acme" else "billing"
    r = rng.random()
    if r < 0.5:
        out.append((ts, h.name, "postgres", h.new_pid(rng),
                    f"LOG: connection authorized: user={db}_app database={db} application_name={db}-api", INFO, LOCAL0))
    elif r < 0.8:
        out.append((ts, h.name, "postgres", h.new_pid(rng),
                    f"LOG: duration: {rng.uniform(200, 4000):.3f} ms statement: SELECT * FROM {db}.line_items "
                    f"WHERE order_id = {rng.randint(10000, 99999)}", INFO, LOCAL0))
    elif r < 0.9:
        table = rng.choice(("line_items", "orders", "sessions", "audit_log"))
        out.append((ts, h.name, "postgres", h.daemon_pid("autovacuum"),
                    f'LOG: automatic vacuum of table "{db}.public.{table}": index scans: {rng.randint(0, 2)}',
                    INFO, LOCAL0))
    else:
        pid = h.daemon_pid("checkpointer")
        w = rng.uniform(5, 270)
        out.append((ts, h.name, "postgres", pid, "LOG: checkpoint starting: time", INFO, LOCAL0))
        out.append((ts + int(w * 1000), h.name, "postgres", pid,
                    f"LOG: checkpoint complete: wrote {rng.randint(10, 9000)} buffers ({rng.uniform(0, 9):.1f}%); "
                    f"0 WAL file(s) added, 0 removed, {rng.randint(0, 4)} recycled; write={w:.3f} s, "
                    f"sync={rng.uniform(0, 0.1):.3f} s, total={w + 0.1:.3f} s", INFO, LOCAL0))


def asa_conn(rng, t, h, ts, out):
    cid, ip, port = rng.randint(10_000_000, 99_999_999), ext_ip(rng), rng.choice((443, 443, 443, 443, 80, 22, 25, 993))
    lip, lport = f"10.0.{rng.randint(1, 4)}.{rng.randint(10, 60)}", rng.randint(30000, 65000)
    out.append((ts, h.name, "%ASA-6-302013", None,
                f"Built outbound TCP connection {cid} for outside:{ip}/{port} ({ip}/{port}) "
                f"to inside:{lip}/{lport} ({lip}/{lport})", INFO, LOCAL4))
    dur = rng.randint(1, 900)
    out.append((ts + dur * 1000, h.name, "%ASA-6-302014", None,
                f"Teardown TCP connection {cid} for outside:{ip}/{port} to inside:{lip}/{lport} "
                f"duration {dur // 3600}:{dur // 60 % 60:02d}:{dur % 60:02d} bytes {rng.randint(200, 900000)} TCP FINs",
                INFO, LOCAL4))


def asa_deny(rng, t, h, ts, out):
    out.append((ts, h.name, "%ASA-4-106023", None,
                f"Deny tcp src outside:{ext_ip(rng)}/{rng.randint(1024, 65535)} dst inside:10.0.1.{rng.randint(11, 14)}/"
                f"{rng.choice((22, 23, 445, 3389, 8080))} by access-group \"outside_access_in\" [0x0, 0x0]",
                WARNING, LOCAL4))


def asa_nat(rng, t, h, ts, out):
    out.append((ts, h.name, "%ASA-6-305011", None,
                f"Built dynamic TCP translation from inside:10.0.{rng.randint(1, 4)}.{rng.randint(10, 60)}/"
                f"{rng.randint(30000, 65000)} to outside:198.51.100.10/{rng.randint(1024, 65535)}", INFO, LOCAL4))


def switch_admin(rng, t, h, ts, out):
    ip = rng.choice(t.admin_ips)
    cipher = "using crypto cipher 'aes256-ctr', hmac 'hmac-sha2-256'"
    out.append((ts, h.name, "%SSH-5-SSH2_SESSION", None,
                f"SSH2 Session request from {ip} (tty = 0) {cipher} Succeeded", NOTICE, LOCAL7))
    out.append((ts + 900, h.name, "%SSH-5-SSH2_USERAUTH", None,
                f"User 'netadmin' authentication for SSH2 Session from {ip} (tty = 0) {cipher} Succeeded",
                NOTICE, LOCAL7))
    # Cisco stamps the login with its own clock: "at 10:12:01 UTC Mon Mar 2 2026"
    d = datetime.fromtimestamp(ts // 1000, timezone.utc)
    out.append((ts + 950, h.name, "%SEC_LOGIN-5-LOGIN_SUCCESS", None,
                f"Login Success [user: netadmin] [Source: {ip}] [localport: 22] at {d:%H:%M:%S} UTC "
                f"{DOWS[d.weekday()]} {MONS[d.month - 1]} {d.day} {d.year}", NOTICE, LOCAL7))
    if rng.random() < 0.3:
        out.append((ts + 95_000, h.name, "%SYS-5-CONFIG_I", None,
                    f"Configured from console by netadmin on vty0 ({ip})", NOTICE, LOCAL7))
    out.append((ts + rng.randint(60, 900) * 1000, h.name, "%SSH-5-SSH2_CLOSE", None,
                f"SSH2 Session from {ip} (tty = 0) for user 'netadmin' {cipher} closed", NOTICE, LOCAL7))


def switch_dot1x(rng, t, h, ts, out):
    port = f"Gi1/0/{rng.randint(3, 48)}"
    mac = f"{rng.getrandbits(16):04x}.{rng.getrandbits(16):04x}.{rng.getrandbits(16):04x}"
    sess = hexid(rng, 24).upper()
    out.append((ts, h.name, "%AUTHMGR-5-START", None,
                f"Starting 'dot1x' for client ({mac}) on Interface {port} AuditSessionID {sess}", NOTICE, LOCAL7))
    out.append((ts + 1200, h.name, "%DOT1X-5-SUCCESS", None,
                f"Authentication successful for client ({mac}) on Interface {port} AuditSessionID {sess}",
                NOTICE, LOCAL7))


def redis_save(rng, t, h, ts, out):
    pid = h.daemon_pid("redis-server")
    child = h.new_pid(rng)
    out.append((ts, h.name, "redis-server", pid,
                f"{rng.choice((10, 100, 10000))} changes in {rng.choice((60, 300, 900))} seconds. Saving...",
                NOTICE, DAEMON))
    out.append((ts + 2, h.name, "redis-server", pid, f"Background saving started by pid {child}", NOTICE, DAEMON))
    out.append((ts + rng.randint(60, 900), h.name, "redis-server", child, "DB saved on disk", NOTICE, DAEMON))
    out.append((ts + rng.randint(1000, 1500), h.name, "redis-server", pid,
                "Background saving terminated with success", NOTICE, DAEMON))


def nft_drop(rng, t, h, ts, out):
    out.append((ts, h.name, "kernel", None, kernel(t, h, ts,
                f"nft drop in: IN=eth1 OUT= SRC={ext_ip(rng)} DST=198.51.100.{rng.randint(2, 30)} "
                f"LEN={rng.choice((40, 44, 60))} TTL={rng.randint(40, 250)} PROTO={rng.choice(('TCP', 'TCP', 'UDP'))} "
                f"SPT={rng.randint(1024, 65535)} DPT={rng.choice((22, 23, 53, 123, 445, 3389, 5060, 8080))}"),
                WARNING, KERN))


def grafana_request(rng, t, h, ts, out):
    path = rng.choice(("/api/dashboards/uid/node", "/api/ds/query", "/api/search", "/api/annotations"))
    out.append((ts, h.name, "grafana-server", h.daemon_pid("grafana-server"),
                f"logger=context userId={rng.randint(1, 6)} orgId=1 method={'POST' if path == '/api/ds/query' else 'GET'} "
                f"path={path} status=200 remote_addr={rng.choice(t.admin_ips)} time_ms={rng.randint(2, 800)} "
                f"size={rng.randint(100, 90000)}", INFO, DAEMON))


LINUX_COMMON: list[tuple[float, Builder]] = [
    (2.0, ssh_session), (1.5, ntp_adjust), (1.0, local_mail), (0.7, dhcp_renew),
]
ROLES: dict[str, list[tuple[float, Builder]]] = {
    "web": [(45.0, nginx_access), (0.02, nginx_buffered), (2.0, probe), (12.0, fw_block)],
    "app": [(30.0, app_request), (5.0, app_background)],
    "api": [(30.0, app_request), (5.0, app_background)],
    "db": [(12.0, pg_activity)],
    "backup": [],
    "cache": [(3.0, redis_save)],
    "edge": [(25.0, nft_drop), (1.5, probe)],
    "mon": [(18.0, grafana_request)],
    "fw": [(40.0, asa_conn), (18.0, asa_deny), (8.0, asa_nat)],
    "switch": [(0.6, switch_admin), (6.0, switch_dot1x)],
}


def _tables(host: Host) -> tuple[list[Builder], list[float]]:
    pairs = (LINUX_COMMON if host.linux else []) + ROLES[host.role]
    builders = [b for _, b in pairs]
    cum, total = [], 0.0
    for w, _ in pairs:
        total += w
        cum.append(total)
    return builders, cum


def random_day(rng: random.Random, t: Tenant, day_ms: int, target: int, out: list) -> None:
    """Draw episodes over one day until about ``target`` lines were added."""
    hosts = t.hosts
    host_cum, total = [], 0.0
    for h in hosts:
        total += h.weight
        host_cum.append(total)
    tables = {h.name: _tables(h) for h in hosts}
    hour_cum, total = [], 0
    for w in HOURLY:
        total += w
        hour_cum.append(total)
    hours = range(24)
    start = len(out)
    while len(out) - start < target:
        h = rng.choices(hosts, cum_weights=host_cum)[0]
        builders, cum = tables[h.name]
        hour = rng.choices(hours, cum_weights=hour_cum)[0]
        ts = day_ms + hour * HOUR + rng.randrange(HOUR)
        rng.choices(builders, cum_weights=cum)[0](rng, t, h, ts, out)


# --- scheduled background ------------------------------------------------------

def _systemd_unit(h: Host, ts: int, unit: str, desc: str, out: list) -> None:
    out.append((ts, h.name, "systemd", 1, f"Starting {desc}...", INFO, DAEMON))
    out.append((ts + 900, h.name, "systemd", 1, f"{unit}: Succeeded.", INFO, DAEMON))
    out.append((ts + 910, h.name, "systemd", 1, f"Finished {desc}.", INFO, DAEMON))


def scheduled_day(rng: random.Random, t: Tenant, day_ms: int, out: list) -> None:
    for h in t.linux_hosts():
        for hour in range(24):
            ts = day_ms + hour * HOUR + 17 * MIN + 1000 + rng.randrange(900)
            pid = h.new_pid(rng)
            out.append((ts, h.name, "CRON", pid,
                        "pam_unix(cron:session): session opened for user root by (uid=0)", INFO, AUTHPRIV))
            out.append((ts + 3, h.name, "CRON", pid + 1,
                        "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)", INFO, CRON))
            out.append((ts + 40, h.name, "CRON", pid,
                        "pam_unix(cron:session): session closed for user root", INFO, AUTHPRIV))
        _systemd_unit(h, day_ms + rng.randrange(3000), "logrotate.service", "Rotate log files", out)
        _systemd_unit(h, day_ms + 6 * HOUR + rng.randrange(HOUR), "apt-daily.service",
                      "Daily apt download activities", out)
        _systemd_unit(h, day_ms + rng.randrange(DAY - HOUR), "systemd-tmpfiles-clean.service",
                      "Cleanup of Temporary Directories", out)
    for h in t.hosts:
        if h.role == "backup" and t.slug == "acme":
            _bacula_ok(rng, h, day_ms + 90 * MIN, "nightly-files", out)
            _bacula_ok(rng, h, day_ms + 3 * HOUR, "catalog", out)
        elif h.role == "mon":
            pid = h.daemon_pid("prometheus")
            for hour in range(1, 24, 2):
                ts = day_ms + hour * HOUR + rng.randrange(30 * SEC)
                mint = day_ms + (hour - 3) * HOUR
                out.append((ts, h.name, "prometheus", pid,
                            f'level=info component=tsdb msg="write block" mint={mint} maxt={mint + 2 * HOUR} '
                            f"ulid=01H{hexid(rng, 23).upper()} duration={rng.randint(200, 3000)}ms", INFO, DAEMON))


def _bacula_ok(rng: random.Random, h: Host, ts: int, job: str, out: list) -> None:
    pid = h.daemon_pid("bacula-dir")
    jobid = bacula_jobid(ts, job)
    out.append((ts, h.name, "bacula-dir", pid, f"Start Backup JobId {jobid}, Job={job}", INFO, DAEMON))
    took = rng.randint(8 * 60, 35 * 60)
    out.append((ts + took * 1000, h.name, "bacula-dir", pid,
                f"JobId {jobid}: Backup OK -- {job}, {rng.uniform(0.5, 40):.1f} GB written in "
                f"{took // 3600:02d}:{took // 60 % 60:02d}:{took % 60:02d}", INFO, DAEMON))


def bacula_jobid(ts: int, job: str) -> int:
    """Bacula job ids count up across the nights: three jobs a night."""
    return 4200 + (ts // DAY) % 1000 * 3 + ("nightly-files", "nightly-db", "catalog").index(job)
