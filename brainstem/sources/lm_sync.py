"""Polling LogicMonitor's REST API into the live pipeline: alert state changes as events, devices as assets.

    sync = LogicMonitorSync(config, queue)    # queue: the service's IngestQueue (a Writer drains it)
    report = sync.poll_once()                 # `serve` calls this every poll_seconds; `lm-sync` once

Each poll reads
1. the active alerts (the API's default listing),
2. every alert, active or cleared, that started since the cursor's ``since``
   (less a margin for late arrivals): alerts that started and cleared between
   two polls, the self-heals, are not missed,
3. by id, each alert the previous poll saw active that neither listing shows
   now (it cleared; its clear time and value come with it),

and queues the state changes (active, acknowledged, cleared) not yet seen,
in event-time order per tenant. The cursor (``pipeline_state`` row
``logicmonitor:<portal>`` of each tenant: ``since``, the changes seen, the
alerts active) rides on the last message of the tenant's submission, so it is
committed in the same transaction as the events it covers: after a crash or a
restart the poll resumes where the store is, and no change is ingested twice
(event ids are canonical too, so a change the store has is skipped anyway).

Devices are synced every ``device_sync_seconds`` (and on the first poll) into
assets through the writer (``queue.call``), before the alerts that name them.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from brainstem.service.inbound import Inbound
from brainstem.service.queue import IngestQueue, QueueClosed
from brainstem.store.base import WriteBatch

from .lm_alert import Alert, alert_from_rest, record_of
from .lm_assets import asset_of_device, device_groups, digest, upsert_assets
from .lm_config import LogicMonitorConfig
from .lm_rest import LogicMonitorAuthError, LogicMonitorClient, LogicMonitorNotFound, join_filters

log = logging.getLogger("brainstem.sources.lm_sync")

CURSOR_VERSION = 1
OVERLAP_SECONDS = 600           # alerts may show up in the API a little after they started
FORGET_AFTER_SECONDS = 86400    # changes of alerts older than since - this are dropped from the cursor
SOURCE = "logicmonitor"
DEVICE_FIELDS = ("id,name,displayName,description,hostGroupIds,hostStatus,currentCollectorId,preferredCollectorId,"
                 "collectorDescription,deviceType,link,systemProperties,customProperties,autoProperties,"
                 "inheritedProperties")


@dataclass
class PollReport:
    alerts_fetched: int = 0
    changes: int = 0                    # new state changes committed
    changes_by_tenant: dict[str, int] = field(default_factory=dict)
    unrouted: int = 0                   # alerts and devices no tenant claims (skipped)
    skipped: int = 0                    # items without an id or a resource name
    forgotten: int = 0                  # previously active alerts LogicMonitor no longer has
    devices_fetched: int = 0
    assets_written: int = 0
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0


class LogicMonitorSync:
    def __init__(self, config: LogicMonitorConfig, queue: IngestQueue, *, client: LogicMonitorClient | None = None,
                 clock: Callable[[], float] = time.time, commit_timeout: float = 600.0):
        self.config = config.check("LogicMonitor")
        self.queue = queue
        self.client = client or config.client()
        self.clock = clock
        self.commit_timeout = commit_timeout
        self.component = f"logicmonitor:{config.portal}"
        self.source_path = f"logicmonitor:{config.portal}"
        self._cursors: dict[str, dict[str, Any]] | None = None     # tenant slug -> cursor
        self._tenant_ids: dict[str, str] = {}
        self._devices: dict[str, dict[str, Any]] = {}               # LM device id -> what alerts borrow
        self._digests: dict[str, str] = {}
        self._devices_synced_at: float | None = None

    def close(self) -> None:
        self.client.close()

    # -- one poll ---------------------------------------------------------------------------------------------
    def poll_once(self) -> PollReport:
        started = time.monotonic()
        report = PollReport()
        before = dict(self.client.stats)
        self._load()
        now = self.clock()
        if self.config.devices and (self._devices_synced_at is None
                                    or now - self._devices_synced_at >= self.config.device_sync_seconds):
            self._sync_devices(report)
            self._devices_synced_at = now
        self._sync_alerts(report, now)
        report.requests = self.client.stats["requests"] - before["requests"]
        report.retries = self.client.stats["retries"] - before["retries"]
        report.seconds = time.monotonic() - started
        return report

    def _load(self) -> None:
        if self._cursors is not None:
            return
        slugs, component = self.config.tenants(), self.component

        def read(ws):
            out = {}
            for slug in slugs:
                t = ws.tenant(slug, create=True)
                out[slug] = (t.tenant_id, ws.store.load_state(t.tenant_id, component))
            return out

        cursors = {}
        for slug, (tid, saved) in self.queue.call(read).result(self.commit_timeout).items():
            self._tenant_ids[slug] = tid
            if saved and saved[0] == CURSOR_VERSION and isinstance(saved[1], dict):
                cursors[slug] = _clean(saved[1])
            elif saved:
                log.warning("%s: cursor of tenant %s has version %s; starting it afresh", component, slug, saved[0])
        self._cursors = cursors

    # -- devices ---------------------------------------------------------------------------------------------------
    def _sync_devices(self, report: PollReport) -> None:
        params = {"fields": DEVICE_FIELDS}
        if self.config.device_filter:
            params["filter"] = self.config.device_filter
        devices = list(self.client.paged("/device/devices", params))
        report.devices_fetched = len(devices)
        group_paths: dict[int, str] = {}
        if any(not device_groups(d, {}) and d.get("hostGroupIds") for d in devices):
            for g in self.client.paged("/device/groups", {"fields": "id,name,fullPath"}):
                if isinstance(g, dict) and isinstance(g.get("id"), int):
                    group_paths[g["id"]] = str(g.get("fullPath") or g.get("name") or g["id"])
        changed = []
        for d in devices:
            if not isinstance(d, dict):
                report.skipped += 1
                continue
            groups = device_groups(d, group_paths)
            tenant = self.config.route(groups)
            if tenant is None:
                report.unrouted += 1
                continue
            asset = asset_of_device(self._tenant_ids[tenant], d, groups, portal=self.config.portal)
            if asset is None:
                report.skipped += 1
                continue
            meta = asset.metadata
            if meta.get("lm_device_id"):
                self._devices[meta["lm_device_id"]] = {"collector": meta.get("lm_collector"),
                                                       "collector_id": meta.get("lm_collector_id"),
                                                       "groups": groups, "hostname": meta.get("lm_name")}
            d_ = digest(asset)
            if self._digests.get(asset.asset_id) != d_:
                changed.append((asset, d_))
        if changed:
            assets = [a for a, _ in changed]
            report.assets_written = self.queue.call(lambda ws: upsert_assets(ws.store, assets)).result(
                self.commit_timeout)
            for a, d_ in changed:
                self._digests[a.asset_id] = d_

    # -- alerts ------------------------------------------------------------------------------------------------------
    def _sync_alerts(self, report: PollReport, now: float) -> None:
        cursors = self._cursors
        assert cursors is not None
        known_since = [c["since"] for c in cursors.values() if c.get("since")]
        since = min(known_since) if known_since else int(now - self.config.lookback_hours * 3600)
        query_from = int(since - OVERLAP_SECONDS)
        extra = self.config.alert_filter
        items: dict[str, dict] = {}
        for item in self.client.paged("/alert/alerts", {"filter": extra} if extra else {}):
            items[_item_key(item)] = item
        recent = {"filter": join_filters('cleared:"*"', f"startEpoch>:{query_from}", extra), "sort": "+startEpoch"}
        for item in self.client.paged("/alert/alerts", recent):
            items[_item_key(item)] = item
        report.alerts_fetched = len(items)
        alerts = []
        for item in items.values():
            a = alert_from_rest(item)
            if a is None:
                report.skipped += 1
            else:
                alerts.append(a)
        fetched = {_alert_key(a) for a in alerts}
        for slug, cursor in cursors.items():
            for key, session in list(cursor["active"].items()):
                if key in fetched:
                    continue
                try:
                    a = alert_from_rest(self.client.get(f"/alert/alerts/{session}"))
                except LogicMonitorNotFound:
                    a = None
                if a is None:
                    report.forgotten += 1
                    log.warning("%s: alert %s (was active) is gone from LogicMonitor", self.component, key)
                    continue
                alerts.append(a)
                fetched.add(key)
        self._queue_changes(alerts, report, now, since)

    def _queue_changes(self, alerts: list[Alert], report: PollReport, now: float, since: int) -> None:
        cursors = self._cursors
        assert cursors is not None
        new_since = since
        horizon = now + 3600
        seen_all: dict[str, tuple[int, str]] = {}          # change key -> (alert start, tenant)
        for slug, c in cursors.items():
            seen_all.update((k, (start, slug)) for k, start in c["seen"].items())
        pending: dict[str, list[tuple[float, Any]]] = {}
        active: dict[str, dict[str, str]] = {slug: {} for slug in self.config.tenants()}
        for a in alerts:
            self._enrich(a)
            start = a.started_at.timestamp() if a.started_at else None
            if start is not None and start <= horizon:
                new_since = max(new_since, int(start))
            tenant = self.config.route(a.groups)
            if tenant is None:
                report.unrouted += 1
                continue
            if not (a.cleared or a.cleared_at) and a.session_id:
                active[tenant][_alert_key(a)] = a.session_id
            for status in a.states():
                key = a.change_key(status)
                if key in seen_all:
                    continue
                seen_all[key] = (int(start or now), tenant)
                rec = record_of(a, status, source_path=self.source_path, received_at=now, via="rest")
                pending.setdefault(tenant, []).append((rec.timestamp.timestamp(), key, rec))
        keep_from = new_since - OVERLAP_SECONDS - FORGET_AFTER_SECONDS      # older alerts are out of every listing
        futures, state_only = [], []
        for slug in self.config.tenants():
            old = cursors.get(slug) or {"since": None, "seen": {}, "active": {}}
            live = set(active[slug])
            seen = {k: st for k, (st, t) in seen_all.items()
                    if t == slug and (st >= keep_from or _key_alert(k) in live)}
            cursor = {"since": new_since, "seen": seen, "active": active[slug]}
            changes = pending.get(slug, [])
            if changes:
                changes.sort(key=lambda x: x[0])
                items = [Inbound(slug, rec, SOURCE, now) for _, _, rec in changes]
                items[-1].state = (self.component, CURSOR_VERSION, cursor)
                futures.append((slug, cursor, len(items), self.queue.put_blocking(items)))
            elif cursor != old:
                state_only.append((slug, cursor))
        if state_only:
            rows = [(self._tenant_ids[slug], self.component, CURSOR_VERSION, c) for slug, c in state_only]
            futures.append((None, state_only, 0, self.queue.call(lambda ws: ws.store.write(WriteBatch(state=rows)))))
        failed = None
        for slug, cursor, n, fut in futures:
            try:
                fut.result(self.commit_timeout)
            except Exception as exc:        # that tenant's cursor stays: the next poll tries again
                failed = failed or exc
                log.error("%s: changes for %s not stored: %s", self.component, slug or "cursors", exc)
                continue
            if slug is None:
                cursors.update(dict(cursor))
            else:
                cursors[slug] = cursor
                report.changes += n
                report.changes_by_tenant[slug] = n
        if failed is not None:
            raise failed

    def _enrich(self, a: Alert) -> None:
        """What the alert listing lacks and the device sync knows: collector, groups, host name."""
        dev = self._devices.get(a.resource_id or "")
        if dev is None:
            return
        a.collector = a.collector or dev["collector"]
        a.collector_id = a.collector_id or dev["collector_id"]
        a.hostname = a.hostname or (dev["hostname"] if dev["hostname"] != a.resource_name else None)
        if not a.groups:
            a.groups = list(dev["groups"])


def _item_key(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("id") or item.get("internalId") or id(item))
    return str(id(item))


def _alert_key(a: Alert) -> str:
    return a.alert_id + "\x1f" + a._session()


def _key_alert(change_key: str) -> str:
    return "\x1f".join(change_key.split("\x1f")[:2])


def _clean(cursor: dict[str, Any]) -> dict[str, Any]:
    """A stored cursor with its parts checked (a damaged one restarts parts, never the process)."""
    since = cursor.get("since")
    seen = cursor.get("seen") if isinstance(cursor.get("seen"), dict) else {}
    active = cursor.get("active") if isinstance(cursor.get("active"), dict) else {}
    return {"since": since if isinstance(since, int) else None,
            "seen": {k: v for k, v in seen.items() if isinstance(v, int) and not isinstance(v, bool)},
            "active": {k: v for k, v in active.items() if isinstance(v, str)}}



class _Stopped(Exception):
    """The service is stopping: leave the poll where it is (nothing half-stored; the cursor is as committed)."""


class Poller(threading.Thread):
    """``serve``'s periodic job: ``poll_once`` every ``poll_seconds`` until :meth:`stop`.

    A failed poll is logged and retried at the next tick (a refused credential
    waits at least five minutes between tries); a wait for a rate limit ends
    at once when the service stops.
    """

    def __init__(self, config: LogicMonitorConfig, queue: IngestQueue, metrics: Any = None,
                 client: LogicMonitorClient | None = None):
        super().__init__(name=f"brainstem-lm-{config.portal}", daemon=True)
        self.config = config
        self.metrics = metrics
        self._stop_event = threading.Event()
        self.sync = LogicMonitorSync(config, queue, client=client)
        self.sync.client.sleep = self._sleep
        self.reports = 0
        self.failures = 0
        self.last: PollReport | None = None

    def _sleep(self, seconds: float) -> None:
        if self._stop_event.wait(seconds):
            raise _Stopped()

    def run(self) -> None:
        portal = self.config.portal
        while not self._stop_event.is_set():
            wait = self.config.poll_seconds
            try:
                report = self.sync.poll_once()
            except (_Stopped, QueueClosed):
                break
            except LogicMonitorAuthError as exc:
                self.failures += 1
                wait = max(wait, 300.0)
                log.error("%s", exc, extra={"event": "lm_poll_failed", "portal": portal})
            except Exception as exc:       # network, LogicMonitor, a commit that failed: the next tick retries
                self.failures += 1
                log.warning("LogicMonitor %s: poll failed: %s", portal, exc,
                            extra={"event": "lm_poll_failed", "portal": portal})
            else:
                self.reports += 1
                self.last = report
                if self.metrics is not None and report.changes:
                    self.metrics.received.labels(SOURCE).inc(report.changes)
                log.log(logging.INFO if report.changes or report.assets_written else logging.DEBUG,
                        "LogicMonitor %s: %d alerts read, %d new changes, %d assets written", portal,
                        report.alerts_fetched, report.changes, report.assets_written,
                        extra={"event": "lm_poll", "portal": portal, "changes": report.changes,
                               "unrouted": report.unrouted, "requests": report.requests,
                               "seconds": round(report.seconds, 3)})
            self._stop_event.wait(wait)
        self.sync.close()

    def stop(self, timeout: float | None = 60.0) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout)


def start_polling(config: LogicMonitorConfig, queue: IngestQueue, settings: Any = None, metrics: Any = None,
                  client: LogicMonitorClient | None = None) -> Poller:
    """Start ``serve``'s LogicMonitor poller thread (stop it with ``.stop()`` before the writer)."""
    p = Poller(config, queue, metrics, client)
    p.start()
    return p

def run_sync(ws, config: LogicMonitorConfig, *, polls: int = 1, every: float | None = None,
             rules_for: Callable[[str], Any] | None = None, on_report: Callable[[PollReport], None] | None = None,
             stop: Any = None, client: LogicMonitorClient | None = None) -> list[PollReport]:
    """`brainstem lm-sync`: the very path `serve` runs, in this process.

    A :class:`~brainstem.service.writer.Writer` on an
    :class:`~brainstem.service.queue.IngestQueue` over ``ws``, fed by
    ``polls`` polls (0: until ``stop`` is set or the process is interrupted)
    ``every`` seconds apart, then stopped, which drains and checkpoints.
    """
    from brainstem.service.writer import Writer

    stop = stop or threading.Event()
    queue = IngestQueue(ws.settings.serve_queue_capacity)
    writer = Writer(ws, queue, rules_for=rules_for)
    writer.start()
    sync = LogicMonitorSync(config, queue, client=client)
    reports: list[PollReport] = []
    try:
        while True:
            report = sync.poll_once()
            reports.append(report)
            if on_report is not None:
                on_report(report)
            if (polls and len(reports) >= polls) or stop.wait(every if every is not None else config.poll_seconds):
                break
    finally:
        sync.close()
        writer.stop()
    if writer.error is not None:
        raise writer.error
    return reports
