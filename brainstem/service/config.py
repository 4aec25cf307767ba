"""The serve config: ``brainstem.toml``'s settings plus the service's sections.

    [brainstem]                 # any setting of the settings table (docs/settings.md)
    serve_http = "0.0.0.0:8080"

    [[listener]]                # syslog listeners
    protocol = "tcp"            # udp | tcp | tls
    bind = "0.0.0.0:6514"
    tenant = "acme"             # optional: everything on this port is acme's
    tls_cert = "/etc/brainstem/cert.pem"   # tls only
    tls_key = "/etc/brainstem/key.pem"

    [[route]]                   # tenants for listeners without one (brainstem/service/routing.py)
    tenant = "globex"
    cidr = ["10.20.0.0/16"]
    hostname = ["*.globex.example"]

    [[follow]]                  # files tailed across rotation
    path = "/var/log/app/api.log"
    tenant = "acme"

    [webhook.NAME]              # field mappings of POST /api/v1/ingest/webhook/NAME (docs/api.md)
    [logicmonitor]              # webhook and REST polling (docs/logicmonitor.md)

Every error names the file and the key. The same listeners and follows can be
given as ``brainstem serve`` options (``--listen tcp://0.0.0.0:6514?tenant=acme``).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from brainstem.settings import SERVICE_SECTIONS as SECTIONS, Settings, SettingsError, load_settings

from .routing import Route, RouteError

PROTOCOLS = ("udp", "tcp", "tls")


class ConfigError(SettingsError):
    """A serve config that cannot work; the message names the file and the key."""


@dataclass(frozen=True)
class ListenerSpec:
    protocol: str
    host: str
    port: int
    name: str
    tenant: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None

    @classmethod
    def from_table(cls, t: dict, where: str) -> "ListenerSpec":
        unknown = set(t) - {"protocol", "bind", "name", "tenant", "tls_cert", "tls_key", "tls_ca"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        proto = t.get("protocol")
        if proto not in PROTOCOLS:
            raise ConfigError(f"{where}.protocol: choose one of {', '.join(PROTOCOLS)} (got {proto!r})")
        host, port = parse_bind(t.get("bind"), f"{where}.bind")
        spec = cls(proto, host, port, t.get("name") or f"syslog-{proto}-{port}", t.get("tenant"),
                   t.get("tls_cert"), t.get("tls_key"), t.get("tls_ca"))
        spec.check(where)
        return spec

    @classmethod
    def from_url(cls, url: str) -> "ListenerSpec":
        """``udp://0.0.0.0:5514``, ``tcp://:6514?tenant=acme``, ``tls://:6514?cert=c.pem&key=k.pem``."""
        u = urlsplit(url)
        where = f"--listen {url}"
        if u.scheme not in PROTOCOLS:
            raise ConfigError(f"{where}: the scheme must be one of {', '.join(PROTOCOLS)}")
        host, port = parse_bind(u.netloc, where)
        q = {k: v[-1] for k, v in parse_qs(u.query).items()}
        unknown = set(q) - {"tenant", "name", "cert", "key", "ca"}
        if unknown:
            raise ConfigError(f"{where}: unknown option(s) {', '.join(sorted(unknown))}")
        spec = cls(u.scheme, host, port, q.get("name") or f"syslog-{u.scheme}-{port}", q.get("tenant"),
                   q.get("cert"), q.get("key"), q.get("ca"))
        spec.check(where)
        return spec

    def check(self, where: str) -> None:
        if self.protocol == "tls":
            if not (self.tls_cert and self.tls_key):
                raise ConfigError(f"{where}: a tls listener needs tls_cert and tls_key")
            for f in (self.tls_cert, self.tls_key, self.tls_ca):
                if f and not Path(f).is_file():
                    raise ConfigError(f"{where}: {f}: no such file")


@dataclass(frozen=True)
class FollowSpec:
    path: str
    tenant: str | None = None
    format: str | None = None

    @classmethod
    def from_table(cls, t: dict, where: str) -> "FollowSpec":
        unknown = set(t) - {"path", "tenant", "format"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        path = t.get("path")
        if not isinstance(path, str) or not path:
            raise ConfigError(f"{where}: a follow entry needs path = \"/var/log/...\"")
        fmt = t.get("format")
        if fmt == "auto":
            fmt = None
        return cls(path, t.get("tenant"), fmt)


@dataclass
class ServiceConfig:
    settings: Settings
    listeners: list[ListenerSpec] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    follows: list[FollowSpec] = field(default_factory=list)
    webhooks: dict[str, Any] = field(default_factory=dict)
    logicmonitor: Any = None
    path: str | None = None


def parse_bind(value: Any, where: str) -> tuple[str, int]:
    """``host:port``, ``:port`` (all interfaces), ``[::1]:port``."""
    if not isinstance(value, str) or ":" not in value:
        raise ConfigError(f"{where}: expected host:port, got {value!r}")
    host, _, port = value.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    try:
        p = int(port)
    except ValueError:
        raise ConfigError(f"{where}: port {port!r} is not a number") from None
    if not 0 <= p <= 65535:
        raise ConfigError(f"{where}: port {p} out of range")
    return host, p


def load_service_config(path: str | None = None, *, listen: tuple[str, ...] = (), follow: tuple[str, ...] = (),
                        env=None, **overrides) -> ServiceConfig:
    """Settings and sections from ``path`` (or $BRAINSTEM_CONFIG), then command-line additions."""
    settings = load_settings(path, env=env, **overrides)
    import os
    path = path or (os.environ if env is None else env).get("BRAINSTEM_CONFIG")
    data: dict[str, Any] = {}
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    where = path or "config"
    cfg = ServiceConfig(settings=settings, path=path)
    try:
        for i, t in enumerate(_tables(data, "listener", where)):
            cfg.listeners.append(ListenerSpec.from_table(t, f"{where}: listener[{i}]"))
        for i, t in enumerate(_tables(data, "route", where)):
            cfg.routes.append(Route.from_table(t, f"{where}: route[{i}]"))
        for i, t in enumerate(_tables(data, "follow", where)):
            cfg.follows.append(FollowSpec.from_table(t, f"{where}: follow[{i}]"))
    except RouteError as exc:
        raise ConfigError(str(exc)) from None
    webhooks = data.get("webhook", {})
    if not isinstance(webhooks, dict):
        raise ConfigError(f"{where}: [webhook.NAME] sections expected")
    if webhooks:
        from brainstem.sources.webhook import WebhookMapping
        for name, t in webhooks.items():
            cfg.webhooks[name] = WebhookMapping.from_table(name, t, f"{where}: webhook.{name}")
    if "logicmonitor" in data:
        from brainstem.sources.lm_sync import LogicMonitorConfig
        cfg.logicmonitor = LogicMonitorConfig.from_table(data["logicmonitor"], f"{where}: logicmonitor", settings)
    for url in listen:
        cfg.listeners.append(ListenerSpec.from_url(url))
    for spec in follow:
        path_, _, tenant = spec.partition("@")
        cfg.follows.append(FollowSpec(path_, tenant or None))
    names = [x.name for x in cfg.listeners]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ConfigError(f"{where}: two listeners named {', '.join(sorted(dup))}: give each a name")
    return cfg


def _tables(data: dict, key: str, where: str) -> list[dict]:
    v = data.get(key, [])
    if isinstance(v, dict):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise ConfigError(f"{where}: [[{key}]] entries expected")
    return v
