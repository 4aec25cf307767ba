"""The LogicMonitor sync end to end: a local portal, a real Writer, a real SQLite store, restarts."""
from __future__ import annotations

import pytest

from brainstem.models import stable_id
from brainstem.service.queue import IngestQueue
from brainstem.service.writer import Writer
from brainstem.settings import load_settings
from brainstem.sources.lm_config import LogicMonitorConfig
from brainstem.sources.lm_rest import LogicMonitorAuthError
from brainstem.sources.lm_sync import LogicMonitorSync
from brainstem.workspace import Workspace
from tests.sources.lm_portal import FakePortal, rest_alert, rest_device

NOW = 1_764_500_000


class Clock:
    def __init__(self, t: float = NOW):
        self.t = t

    def __call__(self) -> float:
        return self.t


class Service:
    """A Writer on an IngestQueue over one database, like `serve` runs it, restartable."""

    def __init__(self, db, portal: FakePortal, clock: Clock, **cfg):
        self.db, self.portal, self.clock = db, portal, clock
        cfg.setdefault("tenant", "acme")
        self.config = LogicMonitorConfig(url=portal.url, token="bearer-secret", **cfg)
        self.start()

    def start(self) -> None:
        settings = load_settings(env={}, serve_commit_seconds=0.02)
        self.ws = Workspace(self.db, settings)
        self.queue = IngestQueue(capacity=10_000)
        self.writer = Writer(self.ws, self.queue)
        self.writer.start()
        self.sync = LogicMonitorSync(self.config, self.queue, clock=self.clock)
        self.sync.client.sleep = lambda s: None

    def stop(self) -> None:
        self.sync.close()
        self.writer.stop(30)
        assert self.writer.error is None
        self.ws.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def events(self, tenant: str = "acme"):
        t = self.ws.tenant(tenant)
        return sorted(self.ws.store.events(t.tenant_id, limit=10_000), key=lambda e: (e.timestamp, e.event_id))

    def statuses(self, tenant: str = "acme"):
        return [(e.structured_fields["lm_alert_id"], e.structured_fields["lm_alert_status"]) for e in self.events(tenant)]


@pytest.fixture
def portal():
    p = FakePortal(token="bearer-secret").start()
    yield p
    p.stop()


@pytest.fixture
def service(tmp_path, portal):
    s = Service(tmp_path / "lm.db", portal, Clock(), devices=True)
    yield s
    s.stop()


def test_active_then_cleared_stored_once_across_restarts(service, portal):
    portal.devices = [rest_device(17, "web01")]
    portal.alerts = [rest_alert(1, start=NOW - 600)]
    r1 = service.sync.poll_once()
    assert (r1.changes, r1.devices_fetched, r1.assets_written) == (1, 1, 1)
    assert service.statuses() == [("LMD1", "active")]

    a = portal.alert("LMD1")
    a.update(cleared=True, endEpoch=NOW - 60, clearValue="11.0")
    service.clock.t += 60
    assert service.sync.poll_once().changes == 1
    assert service.statuses() == [("LMD1", "active"), ("LMD1", "cleared")]

    service.restart()                                 # the cursor comes back from the store
    service.clock.t += 60
    again = service.sync.poll_once()
    assert again.changes == 0
    assert len(service.events()) == 2

    active, cleared = service.events()
    assert cleared.timestamp.timestamp() == NOW - 60 and active.timestamp.timestamp() == NOW - 600
    assert cleared.structured_fields["lm_clear_value"] == "11.0"
    assert cleared.structured_fields["lm_collector"] == "collector-east-1"   # borrowed from the device sync
    assert active.source_type == "logicmonitor" and active.host == "web01" and active.service == "WinCPU"
    # events and the synced device are one asset, with LogicMonitor's ids on it
    t = service.ws.tenant("acme")
    asset = service.ws.store.get(stable_id("as_", t.tenant_id, "web01"))
    assert active.asset_id == cleared.asset_id == asset.asset_id
    assert asset.metadata["lm_device_id"] == "17" and asset.metadata["lm_group"] == "Customers/Acme/Web"
    assert asset.metadata["lm_collector"] == "collector-east-1"
    assert asset.metadata["lm_properties"]["site"] == "Dublin"
    assert "snmp.community" not in asset.metadata["lm_properties"]
    assert "10.0.0.17" in asset.ip_addresses and "Windows" in asset.tags


def test_an_alert_that_healed_between_polls_gives_both_changes_in_order(service, portal):
    service.sync.poll_once()
    portal.alerts = [rest_alert(2, start=NOW + 10, end=NOW + 40, cleared=True, clear_value="3")]
    service.clock.t = NOW + 60
    assert service.sync.poll_once().changes == 2
    assert service.statuses() == [("LMD2", "active"), ("LMD2", "cleared")]


def test_an_old_alert_that_clears_is_fetched_by_id(service, portal):
    old = NOW - 40 * 86400                            # long before any listing window
    portal.alerts = [rest_alert(3, start=old, session="DS777")]
    service.sync.poll_once()
    assert service.statuses() == [("LMD3", "active")]
    portal.alert("LMD3").update(cleared=True, endEpoch=NOW + 30)
    service.clock.t = NOW + 60
    assert service.sync.poll_once().changes == 1
    assert "/santaba/rest/alert/alerts/DS777" in portal.paths()
    assert service.statuses() == [("LMD3", "active"), ("LMD3", "cleared")]
    service.clock.t = NOW + 120
    portal.requests.clear()
    service.sync.poll_once()
    assert "/santaba/rest/alert/alerts/DS777" not in portal.paths()   # no longer tracked as active


def test_acknowledgement_and_escalation_are_changes_of_their_own(service, portal):
    portal.alerts = [rest_alert(4, start=NOW - 100, severity=2)]
    service.sync.poll_once()
    portal.alert("LMD4").update(acked=True, ackedEpoch=NOW - 50, ackedBy="nina", severity=2)
    service.clock.t += 30
    service.sync.poll_once()
    portal.alert("LMD4").update(severity=4)               # escalated to critical, same session
    service.clock.t += 30
    service.sync.poll_once()
    service.clock.t += 30
    assert service.sync.poll_once().changes == 0
    evs = service.events()
    assert sorted((e.structured_fields["lm_alert_status"], e.structured_fields["lm_level"]) for e in evs) == [
        ("acknowledged", "warn"), ("active", "critical"), ("active", "warn")]
    ack = next(e for e in evs if e.structured_fields["lm_alert_status"] == "acknowledged")
    assert ack.structured_fields["lm_acked_by"] == "nina" and ack.timestamp.timestamp() == NOW - 50


def test_without_the_cursor_the_store_still_refuses_duplicates(service, portal):
    portal.alerts = [rest_alert(5, start=NOW - 300), rest_alert(6, start=NOW - 200, end=NOW - 100, cleared=True)]
    service.sync.poll_once()
    assert len(service.events()) == 3
    t = service.ws.tenant("acme")
    service.stop()
    import sqlite3
    with sqlite3.connect(service.db) as c:
        c.execute("DELETE FROM pipeline_state WHERE tenant_id = ? AND component LIKE 'logicmonitor:%'",
                  (t.tenant_id,))
    service.start()
    service.sync.poll_once()
    assert len(service.events()) == 3


def test_a_first_poll_reaches_back_lookback_hours_only(tmp_path, portal):
    portal.alerts = [rest_alert(7, start=NOW - 3 * 3600, end=NOW - 3 * 3600 + 60, cleared=True),
                     rest_alert(8, start=NOW - 30 * 3600, end=NOW - 29 * 3600, cleared=True)]
    s = Service(tmp_path / "lb.db", portal, Clock(), devices=False, lookback_hours=24)
    try:
        s.sync.poll_once()
        assert s.statuses() == [("LMD7", "active"), ("LMD7", "cleared")]
        recent = [r for r in portal.requests if "cleared" in r["query"].get("filter", "")]
        assert recent[0]["query"]["filter"].startswith(f'cleared:"*",startEpoch>:{NOW - 24 * 3600 - 600}')
    finally:
        s.stop()


def test_tenants_by_group_and_unrouted_resources(tmp_path, portal):
    portal.devices = [rest_device(17, "web01", groups=("Customers/Acme/Web",)),
                      rest_device(18, "db9", groups=("Customers/Globex/DB", "Customers/Globex")),
                      rest_device(19, "lost1", groups=("Lab",))]
    portal.alerts = [rest_alert(1, start=NOW - 60, host="web01", device_id=17, groups=("Customers/Acme/Web",)),
                     rest_alert(2, start=NOW - 60, host="db9", device_id=18, groups=("Customers/Globex/DB",)),
                     rest_alert(3, start=NOW - 60, host="lost1", device_id=19, groups=("Lab",))]
    s = Service(tmp_path / "msp.db", portal, Clock(), tenant=None,
                tenant_groups=(("Customers/Acme", "acme"), ("Customers/Globex", "globex")))
    try:
        report = s.sync.poll_once()
        assert report.unrouted == 2 and report.changes_by_tenant == {"acme": 1, "globex": 1}
        assert s.statuses("acme") == [("LMD1", "active")] and s.statuses("globex") == [("LMD2", "active")]
        counts = s.ws.stats()
        assert counts["acme"]["asset"] == 1 and counts["globex"]["asset"] == 1
        s.restart()
        assert s.sync.poll_once().changes == 0
    finally:
        s.stop()


def test_devices_are_written_only_when_they_change_and_merge_with_ingest_assets(service, portal):
    from tests.service.test_writer import item
    service.queue.put_blocking([item("acme", 1, host="web01")]).result(10)   # syslog made the asset first
    t = service.ws.tenant("acme")
    aid = stable_id("as_", t.tenant_id, "web01")
    assert service.ws.store.get(aid).metadata == {"created_by": "ingest"}
    portal.devices = [rest_device(17, "WEB01")]
    assert service.sync.poll_once().assets_written == 1
    a = service.ws.store.get(aid)
    assert a.hostname == "web01"                        # the spelling the pipeline knows stays
    assert a.metadata["created_by"] == "ingest" and a.metadata["lm_display_name"] == "WEB01"
    assert service.ws.stats()["acme"]["asset"] == 1
    service.sync._devices_synced_at = None              # due again
    assert service.sync.poll_once().assets_written == 0
    portal.devices = [rest_device(17, "WEB01", props={"site": "Cork"})]
    service.sync._devices_synced_at = None
    assert service.sync.poll_once().assets_written == 1
    assert service.ws.store.get(aid).metadata["lm_properties"]["site"] == "Cork"


def test_groups_from_group_ids_when_devices_lack_system_groups(service, portal):
    portal.groups = [{"id": 4, "name": "Web", "fullPath": "Customers/Acme/Web", "parentId": 3},
                     {"id": 9, "name": "Windows", "fullPath": "Devices by Type/Windows", "parentId": 1}]
    portal.devices = [rest_device(17, "web01", system_groups=False)]
    service.sync.poll_once()
    t = service.ws.tenant("acme")
    a = service.ws.store.get(stable_id("as_", t.tenant_id, "web01"))
    assert a.metadata["lm_groups"] == ["Customers/Acme/Web", "Devices by Type/Windows"]


def test_401_stores_nothing_and_keeps_the_cursor(service, portal):
    portal.alerts = [rest_alert(9, start=NOW - 60)]
    portal.token = "rotated"
    with pytest.raises(LogicMonitorAuthError, match="401"):
        service.sync.poll_once()
    assert service.events() == []
    portal.token = "bearer-secret"
    assert service.sync.poll_once().changes == 1


def test_429_is_waited_out_inside_a_poll(service, portal):
    waits = []
    service.sync.client.sleep = waits.append
    portal.alerts = [rest_alert(10, start=NOW - 60)]
    portal.fail_next(429, {"Retry-After": "2"})
    report = service.sync.poll_once()
    assert report.changes == 1 and report.retries == 1 and waits == [2.0]


def test_the_cursor_stays_bounded(service, portal):
    portal.alerts = [rest_alert(i, start=NOW - 3600 + i, end=NOW - 1800 + i, cleared=True) for i in range(50)]
    service.sync.poll_once()
    assert len(service.events()) == 100
    t = service.ws.tenant("acme")
    component = f"logicmonitor:{service.config.portal}"
    assert len(service.ws.store.load_state(t.tenant_id, component)[1]["seen"]) == 100
    # LogicMonitor forgets them; days later one new alert moves the window on
    later = NOW + 3 * 86400
    portal.alerts = [rest_alert(99, start=later - 30, session="DS99")]
    service.clock.t = later
    assert service.sync.poll_once().changes == 1
    version, cursor = service.ws.store.load_state(t.tenant_id, component)
    assert version == 1 and cursor["since"] == later - 30
    assert list(cursor["seen"]) == [f"LMD99\x1f{_iso(later - 30)}\x1factive\x1fcritical"]
    assert cursor["active"] == {f"LMD99\x1f{_iso(later - 30)}": "DS99"}


def _iso(epoch: int) -> str:
    from datetime import datetime, timezone
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_serve_poller_polls_until_stopped(tmp_path, portal):
    import time

    from brainstem.service.metrics import Metrics
    from brainstem.sources.lm_sync import start_polling

    def until(cond):
        for _ in range(1000):
            if cond():
                return
            time.sleep(0.01)
        raise AssertionError("the poller did not get there")

    s = Service(tmp_path / "poll.db", portal, Clock(), devices=False, poll_seconds=0.05)
    try:
        portal.alerts = [rest_alert(1, start=int(time.time()) - 60)]
        metrics = Metrics()
        poller = start_polling(s.config, s.queue, s.ws.settings, metrics)
        until(lambda: poller.reports >= 3)
        portal.fail_next(429, {"Retry-After": "200"}, times=100)     # a long wait for a rate limit...
        until(lambda: len(portal._failures) < 100)
        poller.stop(timeout=30)                                      # ...ends when the service stops
        assert not poller.is_alive()
        assert poller.failures == 0
        assert s.statuses() == [("LMD1", "active")]
        assert metrics.received.labels("logicmonitor")._value.get() == 1
    finally:
        s.stop()


def test_an_alert_that_keeps_clearing_by_itself_becomes_a_self_heal_candidate(service, portal):
    # three sessions of the same datapoint on one host, each cleared within minutes, nobody acknowledging
    portal.alerts = [rest_alert(7, start=NOW - 7200 + k * 1800, end=NOW - 7200 + k * 1800 + 240, cleared=True,
                                session=f"DS7-{k}", value=str(95 + k), clear_value="40") for k in range(3)]
    service.sync.poll_once()
    assert len(service.events()) == 6
    service.restart()                   # the writer's stop checkpoints: candidates are written
    cands = service.ws.candidates("acme", types=("self_heal",))
    assert len(cands) == 1
    sig_keys = {e.signature_key for e in service.events()}
    assert len(sig_keys) == 2            # alarm and cleared
