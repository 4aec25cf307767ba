"""Which tenant a network message belongs to.

Decided in this order, first answer wins:

1. the listener's own ``tenant`` (a port per customer);
2. the ``[[route]]`` entries of the config, in order: a route matches when every
   criterion it names matches — ``listener`` (names), ``cidr`` (the sender's
   address), ``hostname`` (shell patterns on the host the message names,
   case-insensitive);
3. otherwise the message is unrouted: with ``serve_unrouted = "default"`` it
   goes to ``default_tenant``; with ``"refuse"`` it is dropped and counted.

HTTP sources route by API key instead (the key's tenant), in the API.
"""
from __future__ import annotations

import fnmatch
import ipaddress
import re
from dataclasses import dataclass, field


class RouteError(ValueError):
    """A route in the config that cannot work; the message names it."""


@dataclass(frozen=True)
class Route:
    tenant: str
    listeners: tuple[str, ...] = ()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    hostnames: tuple[str, ...] = ()
    _host_rx: re.Pattern | None = field(default=None, compare=False)

    @classmethod
    def from_table(cls, table: dict, where: str) -> "Route":
        tenant = table.get("tenant")
        if not isinstance(tenant, str) or not tenant.strip():
            raise RouteError(f"{where}: a route needs tenant = \"name\"")
        unknown = set(table) - {"tenant", "listener", "cidr", "hostname"}
        if unknown:
            raise RouteError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (use listener, cidr, hostname)")
        listeners = _strings(table.get("listener", ()), f"{where}.listener")
        hostnames = tuple(h.lower() for h in _strings(table.get("hostname", ()), f"{where}.hostname"))
        nets = []
        for c in _strings(table.get("cidr", ()), f"{where}.cidr"):
            try:
                nets.append(ipaddress.ip_network(c, strict=False))
            except ValueError as exc:
                raise RouteError(f"{where}.cidr: {exc}") from None
        if not (listeners or hostnames or nets):
            raise RouteError(f"{where}: a route needs at least one of listener, cidr, hostname")
        rx = re.compile("|".join(fnmatch.translate(h) for h in hostnames)) if hostnames else None
        return cls(tenant.strip(), listeners, tuple(nets), hostnames, rx)

    def matches(self, listener: str, address, hostname: str | None) -> bool:
        if self.listeners and listener not in self.listeners:
            return False
        if self.networks and (address is None or not any(address in n for n in self.networks
                                                          if n.version == address.version)):
            return False
        if self._host_rx is not None and (not hostname or not self._host_rx.match(hostname.lower())):
            return False
        return True


def _strings(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RouteError(f"{where}: expected a string or a list of strings, got {value!r}")


class Router:
    def __init__(self, routes: list[Route] | tuple[Route, ...] = (), *, default_tenant: str = "default",
                 unrouted: str = "default"):
        if unrouted not in ("default", "refuse"):
            raise RouteError(f"serve_unrouted must be 'default' or 'refuse', got {unrouted!r}")
        self.routes = tuple(routes)
        self.default_tenant = default_tenant
        self.unrouted = unrouted
        self._addr_cache: dict[str, object] = {}

    def route(self, listener: str, listener_tenant: str | None, peer: str, hostname: str | None) -> str | None:
        """The tenant for a message, or None when it is refused."""
        if listener_tenant:
            return listener_tenant
        if self.routes:
            addr = self._address(peer)
            for r in self.routes:
                if r.matches(listener, addr, hostname):
                    return r.tenant
        return self.default_tenant if self.unrouted == "default" else None

    def _address(self, peer: str):
        a = self._addr_cache.get(peer)
        if a is None:
            try:
                a = ipaddress.ip_address(peer.split("%", 1)[0])
                if getattr(a, "ipv4_mapped", None):
                    a = a.ipv4_mapped
            except ValueError:
                a = False
            if len(self._addr_cache) > 65536:
                self._addr_cache.clear()
            self._addr_cache[peer] = a
        return a or None
