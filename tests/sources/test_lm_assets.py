"""LogicMonitor devices as assets with the pipeline's ids, merged without losing what others wrote."""
from __future__ import annotations

from brainstem.models import Asset, stable_id
from brainstem.sources.lm_assets import asset_of_device, assets_of_records, device_groups, merge, upsert_assets
from brainstem.sources.logicmonitor import parse_webhook
from brainstem.workspace import Workspace
from tests.sources.lm_portal import rest_device


def test_a_device_becomes_the_asset_the_pipeline_would_make_for_its_name():
    d = rest_device(17, "Web01", props={"site": "Dublin", "wmi.pass": "********", "api.token": "x"})
    a = asset_of_device("tn_a", d, device_groups(d, {}), portal="acme")
    assert a.asset_id == stable_id("as_", "tn_a", "web01") and a.hostname == "Web01"
    m = a.metadata
    assert m["lm_device_id"] == "17" and m["lm_name"] == "10.0.0.17" and m["lm_portal"] == "acme"
    assert m["lm_groups"] == ["Customers/Acme/Web", "Devices by Type/Windows"]
    assert m["lm_group"] == a.service_group == "Customers/Acme/Web"
    assert m["lm_collector"] == "collector-east-1" and m["lm_collector_id"] == "21"
    props = m["lm_properties"]
    assert props["site"] == "Dublin" and props["location"] == "Dublin, IE" and props["auto.os"] == "Windows"
    assert not any(k in props for k in ("wmi.pass", "api.token", "snmp.community"))
    assert a.ip_addresses == ["10.0.0.17", "fe80::17"] and a.tags == ["snmp", "Windows"]
    assert asset_of_device("tn_a", {"id": 3}, [], portal="acme") is None


def test_custom_properties_beat_inherited_ones():
    d = rest_device(1, "x", props={"location": "Cork"})
    assert asset_of_device("t", d, [], portal="p").metadata["lm_properties"]["location"] == "Cork"


def test_merge_keeps_created_at_hostname_and_other_keys():
    stored = Asset(asset_id="as_1", tenant_id="t", hostname="web01", tags=["prod"],
                   metadata={"created_by": "ingest", "owner": "ops", "lm_stale": 1})
    new = Asset(asset_id="as_1", tenant_id="t", hostname="WEB01", tags=["snmp"], metadata={"lm_device_id": "17"})
    m = merge(stored, new)
    assert m.hostname == "web01" and m.created_at == stored.created_at
    assert m.metadata == {"created_by": "ingest", "owner": "ops", "lm_device_id": "17"}
    assert m.tags == ["prod", "snmp"]
    assert merge(None, new).metadata["created_by"] == "logicmonitor"


def test_upsert_writes_only_changes_and_never_across_tenants(tmp_path):
    with Workspace(tmp_path / "a.db") as ws:
        a, b = ws.tenant("a", create=True), ws.tenant("b", create=True)
        d = rest_device(17, "web01")
        asset = asset_of_device(a.tenant_id, d, device_groups(d, {}), portal="p")
        assert upsert_assets(ws.store, [asset]) == 1
        assert upsert_assets(ws.store, [asset_of_device(a.tenant_id, d, device_groups(d, {}), portal="p")]) == 0
        forged = Asset(asset_id=asset.asset_id, tenant_id=b.tenant_id, hostname="web01")
        assert upsert_assets(ws.store, [forged]) == 0
        assert ws.store.get(asset.asset_id).tenant_id == a.tenant_id


def test_webhook_records_tell_the_resource_ids():
    body = (b'{"alert_id": "LMD1", "status": "active", "host": "sw1", "resource_id": "42", '
            b'"groups": "Customers/Acme", "collector": "c1", "hostname": "10.1.1.1"}')
    [asset] = assets_of_records("tn_a", parse_webhook(body, "application/json"))
    assert asset.asset_id == stable_id("as_", "tn_a", "sw1") and asset.ip_addresses == ["10.1.1.1"]
    assert asset.metadata == {"lm_device_id": "42", "lm_groups": ["Customers/Acme"], "lm_group": "Customers/Acme",
                              "lm_collector": "c1", "lm_name": "10.1.1.1"}


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

from brainstem.sources.lm_alert import alert_from_rest, record_of  # noqa: E402

_ANY = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
                    max_leaves=8)
_ALERT_KEYS = st.sampled_from(["id", "internalId", "monitorObjectName", "monitorObjectGroups", "severity",
                               "startEpoch", "endEpoch", "cleared", "acked", "ackedEpoch", "alertValue",
                               "detailMessage", "resourceTemplateName", "monitorObjectId"])
_DEVICE_KEYS = st.sampled_from(["id", "name", "displayName", "hostGroupIds", "systemProperties", "customProperties",
                                "inheritedProperties", "collectorDescription", "currentCollectorId"])


@hsettings(max_examples=300, deadline=None)
@given(st.dictionaries(_ALERT_KEYS, _ANY, max_size=10))
def test_a_garbled_rest_alert_is_skipped_or_read_never_a_crash(item):
    a = alert_from_rest(item)
    if a is not None:
        for status in a.states():
            record_of(a, status, source_path="p", received_at=0, via="rest")


@hsettings(max_examples=300, deadline=None)
@given(st.dictionaries(_DEVICE_KEYS, _ANY, max_size=9))
def test_a_garbled_device_is_skipped_or_read_never_a_crash(device):
    asset_of_device("t", device, device_groups(device, {}), portal="p")
