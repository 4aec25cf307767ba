"""Labelled synthetic logs in the styles of systems outside the Loghub sample.

Each ``*.spec`` file here describes one system: lines ``WEIGHT TEMPLATE``,
where the template is a message written as that system prints it, with its
variable parts as slots: ``{kind}`` (a value drawn from :data:`KINDS`),
``{a|b|c}`` (one of the listed words, a variable too), ``{!a|b|c}`` (one of
the listed words, each its own template: states such as ``up|down``) or ``{=text}`` (a
constant that is still a variable by the Loghub convention that numbers,
codes and ids are always variables: ``exited with code {=0}``). ``{{`` and
``}}`` are literal braces. Comment lines start with ``#``.

The true template of a generated line (:func:`truth`) is its template with
every slot as ``<*>``, and a word that holds a slot as one ``<*>``
(``{word}/{host}``); everything else is literal, so a unit or a protocol that
never varies in a template stays part of it (``took {int} ms``), and one that
varies is inside the slot (``{size}``).

:func:`generate` draws ``lines`` messages of one system with a seed: each
template at least once, the rest by weight, values drawn afresh for each
line. Nothing in brainstem reads these files; they are material to measure
the miner on logs it was not tuned on (``bench/loghub.py --heldout``).

The files were written by hand for this project, in two sets: ``dev`` (looked
at while changing the miner) and ``holdout`` (only ever scored as a whole).
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
# a slot, or a doubled brace standing for a literal one
SLOT = re.compile(r"\{\{|\}\}|\{([a-z0-9_]+|!?[^{}|!]+(?:\|[^{}|]+)+|=[^{}\s]+)\}")

Rng = random.Random


def _pick(*xs: str) -> Callable[[Rng], str]:
    return lambda r: r.choice(xs)


def _ip(r: Rng) -> str:
    return r.choice([
        f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
        f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}",
        f"172.{r.randint(16, 31)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
        f"{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
    ])


def _ip6(r: Rng) -> str:
    h = lambda: f"{r.randint(0, 0xffff):x}"  # noqa: E731
    return r.choice([
        f"2001:db8::{h()}",
        f"fe80::{h()}:{r.randint(0, 255):02x}ff:fe{r.randint(0, 255):02x}:{h()}",
        f"2001:db8:{h()}:{h()}::{h()}",
        "::1",
        f"2a02:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}",
        f"::ffff:{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
    ])


_LABELS = ["api", "db", "web", "cache", "auth", "mx", "smtp", "imap", "edge", "lb", "queue", "search", "billing"]
_DOMAINS = ["example.com", "example.org", "corp.example.net", "internal", "svc.cluster.local",
            "eu-west-1.compute.internal", "prod.example.io", "lan", "example.co.uk"]


def _host(r: Rng) -> str:
    return r.choice([
        f"{r.choice(_LABELS)}{r.randint(1, 12):02d}.{r.choice(_DOMAINS)}",
        f"{r.choice(_LABELS)}.{r.choice(_DOMAINS)}",
        f"{r.choice(_LABELS)}-{r.randint(1, 9)}.{r.choice(_DOMAINS)}",
        f"ip-10-{r.randint(0, 255)}-{r.randint(0, 255)}-{r.randint(1, 254)}.ec2.internal",
        f"{r.choice(_LABELS)}-{r.randint(1, 30)}",
        "localhost",
    ])


def _port(r: Rng) -> str:
    return str(r.choice([22, 25, 80, 443, 587, 993, 3306, 5432, 6379, 8080, 8443, 9092, 9200,
                         r.randint(1024, 65535), r.randint(30000, 60999)]))


def _hostport(r: Rng) -> str:
    return f"{_host(r)}:{_port(r)}"


def _addrport(r: Rng) -> str:
    return r.choice([f"{_ip(r)}:{_port(r)}", f"[{_ip6(r)}]:{_port(r)}", _hostport(r)])


def _id(r: Rng) -> str:
    return r.choice([str(r.randint(1, 99999)), _uuid(r), f"{r.getrandbits(48):012x}"])


def _reqpath(r: Rng) -> str:
    res = r.choice(["users", "orders", "items", "invoices", "projects", "tickets", "devices"])
    sub = r.choice(["", "/" + r.choice(["items", "comments", "status", "history", "members"])])
    path = r.choice([
        f"/api/v{r.randint(1, 3)}/{res}/{_id(r)}{sub}",
        f"/api/v{r.randint(1, 3)}/{res}",
        f"/{res}/{_id(r)}",
        f"/static/{r.choice(['js', 'css', 'img'])}/{r.choice(['app', 'main', 'vendor', 'logo'])}."
        f"{r.getrandbits(32):08x}.{r.choice(['js', 'css', 'png'])}",
        "/",
        "/healthz",
        f"/search?q={r.choice(['disk', 'vpn', 'printer+offline', 'reset%20password'])}&page={r.randint(1, 9)}",
        f"/api/v2/{res}?limit={r.choice([10, 20, 50, 100])}&offset={r.randint(0, 900)}",
    ])
    return path


def _url(r: Rng) -> str:
    return r.choice([
        f"https://{_host(r)}{_reqpath(r)}",
        f"http://{_ip(r)}:{_port(r)}{_reqpath(r)}",
        f"https://{_hostport(r)}/",
        f"http://{_host(r)}/metrics",
        f"s3://backups-{r.randint(1, 9)}/{r.choice(['db', 'etc', 'home'])}/{r.randint(2020, 2025)}/"
        f"{r.randint(1, 12):02d}/dump-{r.randint(1, 31):02d}.tar.gz",
        f"grpc://{_hostport(r)}",
    ])


_DIRS = ["var/lib/postgresql/16/main", "var/log/nginx", "etc/ssl/certs", "srv/data", "opt/app/releases",
         "home/deploy/.cache", "tmp", "var/spool/postfix/incoming", "data/elasticsearch/nodes/0/indices",
         "run/containerd/io.containerd.runtime.v2.task/k8s.io"]


def _path(r: Rng) -> str:
    d = r.choice(_DIRS)
    leaf = r.choice([f"{r.getrandbits(32):08x}", f"file-{r.randint(1, 999)}.dat", "config.yaml",
                     f"{r.randint(10000, 99999)}", f"segment_{r.randint(1, 99)}.log", "current", "pid"])
    return f"/{d}/{leaf}"


def _winpath(r: Rng) -> str:
    return r.choice([
        f"C:\\Program Files\\{r.choice(['Acme', 'Backup Agent', 'Contoso'])}\\{r.choice(['bin', 'logs'])}"
        f"\\{r.choice(['agent.exe', 'service.log', 'update.dll'])}",
        f"D:\\Data\\{r.choice(['Shares', 'Exports'])}\\{r.randint(1000, 9999)}.csv",
        f"C:\\Users\\{r.choice(['alice', 'bob', 'svc_backup'])}\\AppData\\Local\\Temp\\tmp{r.getrandbits(16):04X}.tmp",
    ])


def _uuid(r: Rng) -> str:
    h = f"{r.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# Kinds written in several notations are lists of styles: a program prints one
# notation in one place, so the style is drawn once per template and slot, and
# only the value for each line (a Go duration still takes the unit its size needs).
def _num_unit(r: Rng, units: list[str], space: str) -> str:
    unit = r.choice(units)
    num = r.choice([str(r.randint(1, 999)), f"{r.uniform(0.1, 999):.1f}", f"{r.uniform(0.01, 99):.2f}"])
    return f"{num}{space}{unit}"


_SIZE = [
    lambda r: _num_unit(r, ["B", "KB", "MB", "GB"], ""),
    lambda r: _num_unit(r, ["B", "KB", "MB", "GB", "TB"], " "),
    lambda r: _num_unit(r, ["KiB", "MiB", "GiB"], " "),
    lambda r: _num_unit(r, ["b", "kb", "mb", "gb"], ""),
]
# A style whose unit never changes keeps the unit out of the variable, as the
# Loghub convention does ("took <*> ms"): such styles give (value, spec text).
_DUR = [
    lambda r: r.choice([f"{r.randint(1, 999)}ms", f"{r.uniform(0.01, 59):.3f}s", f"{r.randint(1, 59)}m{r.randint(0, 59)}s",
                        f"{r.randint(1, 23)}h{r.randint(0, 59)}m{r.randint(0, 59)}s", f"{r.randint(100, 999)}µs",
                        f"{r.uniform(1, 59):.1f}s"]),
    lambda r: (f"{r.randint(1, 9999)} ms", "{=1} ms"),
    lambda r: (r.choice([f"{r.uniform(0.5, 9):.2f} sec", f"{r.randint(1, 600)} sec"]), "{=1} sec"),
    lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}",
    lambda r: r.choice([f"{r.randint(2, 59)} seconds", f"{r.randint(2, 59)} minutes", f"{r.randint(2, 23)} hours"]),
    lambda r: r.choice([f"{r.uniform(0.001, 5):.3f}s", f"{r.randint(1, 900)}s"]),
]

def _stamp(r: Rng) -> tuple[int, ...]:
    return (r.randint(2022, 2025), r.randint(1, 12), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59),
            r.randint(0, 59), r.randint(0, 999999))


def _ts_style(fmt: Callable[..., str]) -> Callable[[Rng], str]:
    return lambda r: fmt(*_stamp(r))


_TS = [
    _ts_style(lambda y, mo, d, h, mi, s, us: f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z"),
    _ts_style(lambda y, mo, d, h, mi, s, us: f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{us:06d}Z"),
    _ts_style(lambda y, mo, d, h, mi, s, us: f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{us // 1000:03d}+02:00"),
    _ts_style(lambda y, mo, d, h, mi, s, us: f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}.{us // 1000:03d}"),
    _ts_style(lambda y, mo, d, h, mi, s, us: f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d} UTC"),
    _ts_style(lambda y, mo, d, h, mi, s, us: f"{y}/{mo:02d}/{d:02d} {h:02d}:{mi:02d}:{s:02d}"),
]


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _clf(r: Rng) -> str:
    return (f"{r.randint(1, 28):02d}/{r.choice(_MONTHS)}/{r.randint(2022, 2025)}:{r.randint(0, 23):02d}:"
            f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d} {r.choice(['+0000', '+0100', '-0700'])}")


def _words(r: Rng, lo: int, hi: int) -> str:
    pool = ["backup", "nightly", "report", "customer", "export", "sync", "cleanup", "weekly", "invoice",
            "east", "primary", "replica", "archive", "billing", "test", "run", "final", "draft", "q3"]
    return " ".join(r.choice(pool) for _ in range(r.randint(lo, hi)))


_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0",
    "curl/8.5.0", "kube-probe/1.29", "Prometheus/2.49.1", "python-requests/2.31.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Go-http-client/1.1", "-",
]
_USERS = ["alice", "bob", "carol", "dave", "erin", "svc_backup", "deploy", "postgres", "admin", "jenkins",
          "m.garcia", "k.tanaka"]
_WORDS = ["alpha", "orders", "inventory", "payments", "sessions", "catalog", "metrics", "audit", "events", "users"]


def _pod(r: Rng) -> str:
    app = r.choice(["web", "api-gateway", "worker", "redis", "billing-api", "ingress-nginx-controller"])
    return f"{app}-{r.getrandbits(40):010x}"[:len(app) + 11] + f"-{''.join(r.choice('bcdfghjklmnpqrstvwxz2456789') for _ in range(5))}"


def _qid(r: Rng) -> str:
    return "".join(r.choice("0123456789ABCDEF") for _ in range(r.choice([10, 11, 12])))


def _email(r: Rng) -> str:
    return f"{r.choice(_USERS)}@{r.choice(['example.com', 'example.org', 'mail.example.net', 'customer.example'])}"


def _msgid(r: Rng) -> str:
    return f"{r.randint(20240101000000, 20251231235959)}.{_qid(r)}@{r.choice(['mail.example.com', 'mx1.example.org'])}"


def _thread(r: Rng) -> str:
    return r.choice([f"http-nio-8080-exec-{r.randint(1, 200)}", f"pool-{r.randint(1, 9)}-thread-{r.randint(1, 64)}",
                     "main", f"scheduling-{r.randint(1, 4)}", f"kafka-producer-network-thread | producer-{r.randint(1, 9)}"])


KINDS: dict[str, Callable[[Rng], str] | list[Callable[[Rng], str]]] = {
    "int": lambda r: str(r.choice([r.randint(0, 9), r.randint(10, 999), r.randint(1000, 999999)])),
    "num": lambda r: r.choice([str(r.randint(0, 5000)), f"{r.uniform(0, 100):.2f}"]),
    "float": lambda r: f"{r.uniform(0, 1000):.{r.randint(1, 6)}f}",
    "pct": lambda r: r.choice([f"{r.randint(0, 100)}%", f"{r.uniform(0, 100):.1f}%"]),
    "status": _pick("200", "201", "204", "301", "302", "304", "400", "401", "403", "404", "499", "500", "502", "503"),
    "pid": lambda r: str(r.randint(2, 4194303)),
    "port": _port,
    "ip": _ip,
    "ip6": _ip6,
    "addr": lambda r: r.choice([_ip(r), _ip6(r)]),
    "ipport": lambda r: f"{_ip(r)}:{_port(r)}",
    "host": _host,
    "hostport": _hostport,
    "addrport": _addrport,
    "url": _url,
    "reqpath": _reqpath,
    "path": _path,
    "winpath": _winpath,
    "uuid": _uuid,
    "hex": lambda r: f"0x{r.getrandbits(r.choice([16, 32, 48])):x}",
    "sha": lambda r: f"{r.getrandbits(160):040x}",
    "squidcode": lambda r: f"{r.choice(['TCP_MISS', 'TCP_HIT', 'TCP_DENIED', 'TCP_REFRESH_MODIFIED', 'TCP_TUNNEL'])}/"
                           f"{r.choice(['200', '304', '403', '404', '503'])}",
    "hier": lambda r: r.choice(["HIER_NONE/-", f"HIER_DIRECT/{_ip(r)}", f"FIRSTUP_PARENT/{_ip(r)}"]),
    "mime": _pick("text/html", "application/json", "image/png", "-", "application/octet-stream"),
    "mac": lambda r: ":".join(f"{r.getrandbits(8):02x}" for _ in range(6)),
    "cid": lambda r: f"{r.getrandbits(48):012x}",
    "size": _SIZE,
    "dur": _DUR,
    "ts": _TS,
    "clf": _clf,
    "hms": lambda r: f"{r.randint(0, 30)}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}",
    "time": lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}",
    "date": lambda r: f"{r.randint(2022, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
    "user": lambda r: r.choice(_USERS),
    "email": _email,
    "msgid": _msgid,
    "qid": _qid,
    "text": lambda r: _words(r, 1, 5),
    "ua": lambda r: r.choice(_UAS),
    "ruser": lambda r: r.choice(["-", "-", "-"] + _USERS),
    "proto": _pick("HTTP/1.1", "HTTP/1.1", "HTTP/2.0", "HTTP/1.0"),
    "referer": lambda r: r.choice(["-", "-", _url(r)]),
    "word": lambda r: r.choice(_WORDS),
    "image": lambda r: f"{r.choice(['docker.io/library', 'registry.example.com:5000/team', 'ghcr.io/acme'])}/"
                       f"{r.choice(_WORDS)}:{r.choice(['latest', '1.2.3', 'v2.0.1-rc1', 'sha-4f2a9c1'])}",
    "call": lambda r: f"{r.choice(_WORDS)}.{r.choice(['getId', 'getName', 'toString', 'size'])}()",
    "cachekey": lambda r: f"{r.choice(_WORDS)}:{_uuid(r)}",
    "index": lambda r: r.choice([f"{r.choice(_WORDS)}-{r.randint(2022, 2025)}.{r.randint(1, 12):02d}.{r.randint(1, 28):02d}",
                                 f".ds-logs-{r.choice(_WORDS)}-{r.randint(2022, 2025)}.{r.randint(1, 12):02d}.{r.randint(1, 28):02d}-{r.randint(1, 9):06d}",
                                 r.choice(_WORDS)]),
    "pod": _pod,
    "ns": _pick("default", "kube-system", "monitoring", "payments", "ingress-nginx", "tenant-a"),
    "node": lambda r: r.choice([f"node-{r.randint(1, 40)}", f"ip-10-0-{r.randint(0, 255)}-{r.randint(1, 254)}.ec2.internal",
                                f"worker{r.randint(1, 9)}.k8s.example.com"]),
    "thread": _thread,
    "version": lambda r: f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 99)}",
    "db": lambda r: r.choice(["orders", "billing", "app_production", "analytics", "auth", "inventory"]),
    "table": lambda r: r.choice(["users", "orders", "order_items", "sessions", "audit_log", "invoices", "events"]),
}


def load_spec(path: Path) -> list[tuple[int, str]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        weight, _, template = line.partition(" ")
        if not weight.isdigit() or not template:
            raise ValueError(f"{path}:{n}: expected 'WEIGHT TEMPLATE'")
        for slot in SLOT.findall(template):
            if slot and "|" not in slot and slot[0] != "=" and slot not in KINDS:
                raise ValueError(f"{path}:{n}: unknown slot {{{slot}}}")
        out.append((int(weight), template))
    return out


# A word: a run without whitespace and the punctuation that separates words
# (a sentence's full stop is not part of it, nor the backslash of an escaped quote).
_PART = r"""[^\s=:,;()\[\]{}"'@|<>\\]"""
_WORD_VAR = re.compile(_PART + r"*<\*>(?:" + _PART + r"*" + r"""[^\s=:,;()\[\]{}"'@|<>.\\])?""")


_RUN = re.compile(r"(?:<\*>){2,}")
# A number or a boolean standing alone in the literal text: a variable by the
# Loghub convention (its Android templates write setLightsOn(<*>) for "true").
_NUMBER = re.compile(r"(?<![\w./\\-])(?:[-+]?\d+(?:\.\d+)*|true|false)(?![\w/\\-]|\.\w)")


def truth(template: str) -> str:
    """The true template of a spec line: every slot as ``<*>``, a number or a
    boolean standing alone as ``<*>`` (``uid=0``), and a word holding a slot as one ``<*>``
    (``{word}/{host}``, ``pgsql_tmp{pid}.{int}``)."""
    text = SLOT.sub(lambda m: "<*>" if m.group(1) else m.group(0)[0], template)
    return _RUN.sub("<*>", _WORD_VAR.sub("<*>", _NUMBER.sub("<*>", text)))


def render(template: str, r: Rng, styles: Rng) -> tuple[str, str]:
    """One message of ``template``, and its true template; ``styles`` draws the
    notation of each styled slot."""
    frags: list[str | None] = []  # per slot: the spec text of a value that keeps its unit apart

    def fill(m: re.Match[str]) -> str:
        slot = m.group(1)
        if not slot:
            return m.group(0)[0]
        frags.append(None)
        if slot[0] == "=":
            return slot[1:]
        if slot[0] == "!":
            word = r.choice(slot[1:].split("|"))
            frags[-1] = word  # literal in the true template
            return word
        if "|" in slot:
            return r.choice(slot.split("|"))
        kind = KINDS[slot]
        if isinstance(kind, list):
            kind = kind[styles.randrange(len(kind))]
        value = kind(r)
        if isinstance(value, tuple):
            frags[-1] = value[1]
            return value[0]
        return value

    message = SLOT.sub(fill, template)
    if not any(frags):
        return message, truth(template)
    parts = iter(frags)

    def respell(m: re.Match[str]) -> str:
        if not m.group(1):
            return m.group(0)
        frag = next(parts)
        return frag if frag is not None else m.group(0)

    return message, truth(SLOT.sub(respell, template))


def systems(kind: str) -> list[str]:
    """Names of the systems of one set, ``dev`` or ``holdout``."""
    return sorted(p.stem for p in (HERE / kind).glob("*.spec"))


def generate(kind: str, system: str, seed: int, lines: int = 600) -> tuple[list[str], list[str]]:
    """``(messages, true templates)`` of ``lines`` generated lines of one system."""
    spec = load_spec(HERE / kind / f"{system}.spec")
    r = random.Random(f"{system}:{seed}")
    picks = list(range(len(spec)))
    picks += r.choices(range(len(spec)), weights=[w for w, _ in spec], k=max(0, lines - len(spec)))
    r.shuffle(picks)
    # the same styles for every line of a template: a fresh generator per line, seeded alike
    styles = [f"{system}:{seed}:{i}" for i in range(len(spec))]
    out = [render(spec[i][1], r, random.Random(styles[i])) for i in picks]
    return [m for m, _ in out], [t for _, t in out]
