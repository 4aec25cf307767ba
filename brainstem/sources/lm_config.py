"""What brainstem needs to poll one LogicMonitor portal: the ``[logicmonitor]`` table of the serve config.

    [logicmonitor]
    company = "acme"                   # acme.logicmonitor.com (or url = "https://…/santaba/rest")
    tenant = "acme"                    # where the portal's alerts and devices go...
    token_env = "LM_BEARER_TOKEN"      # ...with a bearer token (token = "…" works too), or LMv1:
    # access_id_env = "LM_ACCESS_ID"
    # access_key_env = "LM_ACCESS_KEY"
    poll_seconds = 60

    [logicmonitor.tenants]             # optional: an MSP portal, one tenant per customer group
    "Customers/Globex" = "globex"      # a resource in this group (or below) belongs to globex

Unset knobs take the ``lm_*`` settings (docs/settings.md). Errors are
:class:`~brainstem.settings.SettingsError` naming the config path and the key.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any, Mapping

from brainstem.settings import Settings, SettingsError, load_settings

from .lm_rest import MAX_PAGE, LogicMonitorClient

_SECRETS = ("token", "access_id", "access_key")


@dataclass(frozen=True)
class LogicMonitorConfig:
    company: str | None = None
    url: str | None = None
    tenant: str | None = None
    tenant_groups: tuple[tuple[str, str], ...] = ()     # (group path, tenant), most specific first
    token: str | None = None
    access_id: str | None = None
    access_key: str | None = None
    poll_seconds: float = 60.0
    lookback_hours: float = 24.0
    devices: bool = True
    device_sync_seconds: float = 900.0
    alert_filter: str = ""
    device_filter: str = ""
    page_size: int = 1000
    timeout_seconds: float = 30.0
    max_retries: int = 5
    verify_tls: bool = True

    def check(self, where: str) -> "LogicMonitorConfig":
        """Raise a SettingsError naming ``where`` for what cannot work; else return self."""
        if not (self.company or self.url):
            raise SettingsError(f"{where}: company: missing (the portal name: acme for acme.logicmonitor.com)")
        if self.token and (self.access_id or self.access_key):
            raise SettingsError(f"{where}: token: give a bearer token or access_id and access_key, not both")
        if not self.token and not (self.access_id and self.access_key):
            raise SettingsError(f"{where}: token: missing credentials (token, or access_id and access_key)")
        if not self.tenant and not self.tenant_groups:
            raise SettingsError(f"{where}: tenant: missing (the tenant the portal's alerts and devices go to)")
        if not 1 <= self.page_size <= MAX_PAGE:
            raise SettingsError(f"{where}: page_size: must be 1..{MAX_PAGE}, got {self.page_size}")
        for name in ("poll_seconds", "device_sync_seconds", "timeout_seconds"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{where}: {name}: must be more than 0")
        if self.lookback_hours < 0 or self.max_retries < 0:
            raise SettingsError(f"{where}: lookback_hours and max_retries cannot be negative")
        return self

    @property
    def portal(self) -> str:
        """The portal's name in cursors and logs."""
        if self.company:
            return self.company
        from httpx import URL
        return URL(self.url).host or self.url

    def tenants(self) -> list[str]:
        out = [self.tenant] if self.tenant else []
        out += [t for _, t in self.tenant_groups if t not in out]
        return out

    def route(self, groups: list[str]) -> str | None:
        """The tenant of a resource in ``groups``: the most specific matching group, else ``tenant``."""
        best, depth = None, -1
        for path, tenant in self.tenant_groups:
            p = path.strip("/").lower()
            for g in groups:
                gl = g.strip("/").lower()
                if (gl == p or gl.startswith(p + "/")) and p.count("/") > depth:
                    best, depth = tenant, p.count("/")
        return best or self.tenant

    def client(self, **kw: Any) -> LogicMonitorClient:
        return LogicMonitorClient(company=None if self.url else self.company, base_url=self.url, token=self.token,
                                  access_id=self.access_id, access_key=self.access_key,
                                  timeout=self.timeout_seconds, max_retries=self.max_retries,
                                  page_size=self.page_size, verify=self.verify_tls, **kw)

    def __repr__(self) -> str:      # never print credentials
        shown = {f.name: ("***" if f.name in _SECRETS and getattr(self, f.name) else getattr(self, f.name))
                 for f in fields(self)}
        return "LogicMonitorConfig(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    # -- from a config file --------------------------------------------------------------------------------
    @classmethod
    def from_table(cls, table: Mapping[str, Any], where: str, settings: Settings | None = None,
                   env: Mapping[str, str] | None = None) -> "LogicMonitorConfig":
        """Read a ``[logicmonitor]`` TOML table; ``where`` names it in errors ("brainstem.toml [logicmonitor]")."""
        if not isinstance(table, Mapping):
            raise SettingsError(f"{where}: expected a table, got {type(table).__name__}")
        s = settings or load_settings(env={})
        env = os.environ if env is None else env
        known = {"company", "url", "tenant", "tenants", "devices", "alert_filter", "device_filter", "verify_tls",
                 "poll_seconds", "lookback_hours", "device_sync_seconds", "page_size", "timeout_seconds",
                 "max_retries", *_SECRETS, *(f"{k}_env" for k in _SECRETS)}
        for key in table:
            if key not in known:
                raise SettingsError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})")
        t = _Table(table, where)
        values: dict[str, Any] = {
            "company": t.text("company"), "url": t.text("url"), "tenant": t.text("tenant"),
            "tenant_groups": t.groups("tenants"),
            "poll_seconds": t.number("poll_seconds", s.lm_poll_seconds),
            "lookback_hours": t.number("lookback_hours", s.lm_lookback_hours),
            "device_sync_seconds": t.number("device_sync_seconds", s.lm_device_sync_seconds),
            "page_size": int(t.number("page_size", s.lm_page_size, integer=True)),
            "timeout_seconds": t.number("timeout_seconds", s.lm_timeout_seconds),
            "max_retries": int(t.number("max_retries", s.lm_max_retries, integer=True)),
            "devices": t.flag("devices", True), "verify_tls": t.flag("verify_tls", True),
            "alert_filter": t.text("alert_filter") or "", "device_filter": t.text("device_filter") or "",
        }
        for key in _SECRETS:
            direct, var = t.text(key), t.text(f"{key}_env")
            if direct and var:
                raise SettingsError(f"{where}: {key}: give {key} or {key}_env, not both")
            if var:
                if not env.get(var):
                    raise SettingsError(f"{where}: {key}_env: the environment variable {var} is not set")
                direct = env[var]
            values[key] = direct
        return cls(**values).check(where)


class _Table:
    def __init__(self, table: Mapping[str, Any], where: str):
        self.table, self.where = table, where

    def _bad(self, key: str, want: str) -> SettingsError:
        return SettingsError(f"{self.where}: {key}: must be {want}, got {self.table[key]!r}")

    def text(self, key: str) -> str | None:
        if key not in self.table:
            return None
        v = self.table[key]
        if not isinstance(v, str):
            raise self._bad(key, "text")
        return v.strip() or None

    def number(self, key: str, default: float, *, integer: bool = False) -> float:
        if key not in self.table:
            return default
        v = self.table[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
            raise self._bad(key, "a whole number" if integer else "a number")
        return v

    def flag(self, key: str, default: bool) -> bool:
        if key not in self.table:
            return default
        v = self.table[key]
        if not isinstance(v, bool):
            raise self._bad(key, "true or false")
        return v

    def groups(self, key: str) -> tuple[tuple[str, str], ...]:
        if key not in self.table:
            return ()
        v = self.table[key]
        if not isinstance(v, Mapping):
            raise self._bad(key, 'a table of "group path" = "tenant"')
        out = []
        for path, tenant in v.items():
            if not isinstance(tenant, str) or not tenant.strip() or not str(path).strip("/"):
                raise SettingsError(f"{self.where}: {key}.{path}: must name a tenant, got {tenant!r}")
            out.append((str(path).strip("/"), tenant.strip()))
        return tuple(sorted(out, key=lambda x: -x[0].count("/")))
