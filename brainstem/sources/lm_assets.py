"""LogicMonitor resources (devices) -> brainstem Assets that keep LogicMonitor's ids.

An asset's id is the one the pipeline gives a hostname it meets in events
(``stable_id("as_", tenant_id, hostname.lower())``), with the resource's display
name as hostname, because that is the name LogicMonitor's alerts carry: events
and synced devices land on the same asset whichever came first. LogicMonitor's
ids, groups, collector and properties go in ``metadata`` (``lm_*`` keys).

Writes merge with what is stored: ``created_at``, the stored hostname's spelling
and metadata keys of others stay; only LogicMonitor's keys are replaced.
Properties whose names look like secrets are never copied (LogicMonitor masks
most of them anyway).
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from typing import Any, Iterable

from brainstem.ingest.record import Record
from brainstem.models import Asset, stable_id
from brainstem.store.base import WriteBatch

_SECRET = re.compile(r"(pass|secret|key|token|community|credential|auth|priv)", re.I)
_MAX_PROPS = 200
_MAX_PROP_VALUE = 500
_AUTO_GROUP_PREFIXES = ("devices by type/", "devices by type", "minimal monitoring")


def asset_id(tenant_id: str, hostname: str) -> str:
    """The id the pipeline gives ``hostname``'s asset (``TenantPipeline._new_asset``)."""
    return stable_id("as_", tenant_id, hostname.lower())


def primary_group(groups: list[str]) -> str | None:
    """The first group LogicMonitor did not make by itself (a customer's or a site's), else the first."""
    for g in groups:
        if not g.lower().startswith(_AUTO_GROUP_PREFIXES):
            return g
    return groups[0] if groups else None


def properties_of(device: dict[str, Any]) -> dict[str, str]:
    """A device's properties, the more specific winning: inherited < system < auto < custom."""
    out: dict[str, str] = {}
    for kind in ("inheritedProperties", "systemProperties", "autoProperties", "customProperties"):
        found = device.get(kind)
        for p in found if isinstance(found, list) else ():
            if not isinstance(p, dict):
                continue
            name, value = p.get("name"), p.get("value")
            if not isinstance(name, str) or value is None or _SECRET.search(name):
                continue
            if name not in out and len(out) >= _MAX_PROPS:
                continue
            out[name] = str(value)[:_MAX_PROP_VALUE]
    return out


def device_groups(device: dict[str, Any], group_paths: dict[int, str]) -> list[str]:
    """Full paths of the groups a device is in (``system.groups``, else its group ids resolved)."""
    system = device.get("systemProperties")
    props = {p.get("name"): p.get("value") for p in (system if isinstance(system, list) else ()) if isinstance(p, dict)}
    text = props.get("system.groups")
    if isinstance(text, str) and text.strip():
        return [g.strip() for g in text.split(",") if g.strip()]
    out = []
    for part in str(device.get("hostGroupIds") or "").split(","):
        part = part.strip()
        if part.isdigit() and int(part) in group_paths:
            out.append(group_paths[int(part)])
    return out


def asset_of_device(tenant_id: str, device: dict[str, Any], groups: list[str], *, portal: str) -> Asset | None:
    """The Asset of one ``/device/devices`` item, or None when it has no name."""
    display = str(device.get("displayName") or device.get("name") or "").strip()
    if not display:
        return None
    props = properties_of(device)
    ips = [ip.strip() for ip in props.get("system.ips", "").split(",") if _is_ip(ip.strip())]
    name = str(device.get("name") or "").strip()
    if _is_ip(name) and name not in ips:
        ips.insert(0, name)
    categories = [c.strip() for c in props.get("system.categories", "").split(",") if c.strip()]
    meta: dict[str, Any] = {
        "lm_portal": portal,
        "lm_device_id": _id(device.get("id")),
        "lm_name": name or None,
        "lm_display_name": display,
        "lm_groups": groups,
        "lm_group": primary_group(groups),
        "lm_group_ids": [g.strip() for g in str(device.get("hostGroupIds") or "").split(",") if g.strip()],
        "lm_collector": device.get("collectorDescription") or props.get("system.collectordesc"),
        "lm_collector_id": _id(device.get("currentCollectorId") or device.get("preferredCollectorId")),
        "lm_host_status": device.get("hostStatus"),
        "lm_device_type": device.get("deviceType"),
        "lm_description": device.get("description") or None,
        "lm_link": device.get("link") or None,
        "lm_properties": props,
    }
    return Asset(
        asset_id=asset_id(tenant_id, display), tenant_id=tenant_id, hostname=display,
        service_group=meta["lm_group"], ip_addresses=ips[:32],
        platform=(props.get("system.model") or props.get("system.sysinfo") or None),
        tags=categories[:50], metadata={k: v for k, v in meta.items() if v not in (None, [], {})},
    )


def assets_of_records(tenant_id: str, records: Iterable[Record]) -> list[Asset]:
    """What a webhook tells of its resources (ids, groups, collector): one Asset per host."""
    out: dict[str, Asset] = {}
    for r in records:
        f = r.structured_fields
        if not r.host or not f.get("lm_alert_id"):
            continue
        meta = {"lm_device_id": f.get("lm_resource_id"), "lm_groups": f.get("lm_groups"),
                "lm_group": f.get("lm_group"), "lm_collector": f.get("lm_collector"),
                "lm_collector_id": f.get("lm_collector_id"), "lm_name": f.get("lm_hostname")}
        meta = {k: v for k, v in meta.items() if v not in (None, [], {})}
        if not meta:
            continue
        ips = [f["lm_hostname"]] if _is_ip(f.get("lm_hostname") or "") else []
        out[r.host] = Asset(asset_id=asset_id(tenant_id, r.host), tenant_id=tenant_id, hostname=r.host,
                            service_group=meta.get("lm_group"), ip_addresses=ips, metadata=meta)
    return list(out.values())


def digest(asset: Asset) -> str:
    """What an asset says, for skipping writes that would change nothing."""
    body = [asset.hostname, asset.service_group, asset.ip_addresses, asset.platform, asset.tags, asset.metadata]
    return hashlib.blake2b(json.dumps(body, sort_keys=True, default=str).encode(), digest_size=12).hexdigest()


def merge(stored: Asset | None, new: Asset) -> Asset:
    """``new`` written over ``stored`` without losing what others put there."""
    if stored is None:
        new.metadata.setdefault("created_by", "logicmonitor")
        return new
    meta = {k: v for k, v in stored.metadata.items() if not k.startswith("lm_")}
    meta.update(new.metadata)
    return Asset(
        asset_id=stored.asset_id, tenant_id=stored.tenant_id,
        hostname=stored.hostname,                 # the pipeline finds assets by this exact spelling
        asset_type=stored.asset_type if stored.asset_type != "host" else new.asset_type,
        service_group=new.service_group or stored.service_group,
        ip_addresses=new.ip_addresses or stored.ip_addresses, platform=new.platform or stored.platform,
        tags=stored.tags + [t for t in new.tags if t not in stored.tags], metadata=meta,
        created_at=stored.created_at, updated_at=new.updated_at,
    )


def upsert_assets(store, assets: list[Asset]) -> int:
    """Merge and write ``assets`` in one transaction; the number written.

    Runs where the store may be written: on the service's writer thread
    (``queue.call(lambda ws: upsert_assets(ws.store, assets))``) or in a batch run.
    """
    merged = []
    for a in assets:
        stored = store.get(a.asset_id)
        if stored is not None and stored.tenant_id != a.tenant_id:
            continue            # ids are per tenant; never write across the wall
        m = merge(stored, a)
        if stored is None or digest(m) != digest(stored):
            merged.append(m)
    if merged:
        store.write(WriteBatch(assets=merged))
    return len(merged)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _id(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return str(value)
