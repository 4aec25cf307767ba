"""LogicMonitor webhook bodies, built from the template shipped in docs/logicmonitor.md, into records."""
from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from brainstem.detect.self_heal import polarity
from brainstem.fingerprint import TemplateMiner
from brainstem.pipeline.events import EventFactory
from brainstem.sources.lm_alert import CONTRACT_FIELDS, alert_from_rest, record_of
from brainstem.sources.logicmonitor import WEBHOOK_TEMPLATE, LogicMonitorPayloadError, parse_time, parse_webhook
from tests.sources.lm_portal import rest_alert

REPO = Path(__file__).resolve().parents[2]
T0 = 1_764_489_600                              # 2025-11-30 08:00:00 UTC

FILLED = {
    "ALERTID": "LMD4711", "INTERNALID": "DS90210", "ALERTTYPE": "dataSourceAlert", "ALERTSTATUS": "active",
    "LEVEL": "critical", "HOST": "web01", "system.deviceId": "17", "system.hostname": "10.0.0.17",
    "GROUP": "Customers/Acme/Web,Devices by Type/Windows", "system.collectordesc": "collector-east-1",
    "system.collectorid": "21", "DSNAME": "WinCPU", "INSTANCE": "cpu0", "DATAPOINT": "CPUBusyPercent",
    "VALUE": "97.2", "THRESHOLD": "> 90 95 98", "CLEARVALUE": "", "STARTEPOCH": str(T0),
    "START": "2025-11-30 08:00:00 UTC", "END": "", "DATE": "2025-11-30 08:00:05 UTC",
    "ALERTDETAILURL": "https://acme.logicmonitor.com/santaba/uiv4/alert#detail~id=LMD4711",
    "MESSAGE": "web01 CPU is 97.2%",
}


def body(**tokens: str | None) -> bytes:
    """The shipped template with LogicMonitor's substitution: ``None`` leaves a token unexpanded."""
    values = {**FILLED, **tokens}
    text = WEBHOOK_TEMPLATE
    for name, value in values.items():
        if value is not None:
            text = text.replace(f"##{name}##", value)
    return text.encode()


def one(data: bytes, ctype: str | None = "application/json"):
    recs = parse_webhook(data, ctype, received_at=T0 + 999)
    assert len(recs) == 1
    return recs[0]


def test_the_docs_ship_the_template_the_parser_is_tested_with():
    doc = (REPO / "docs" / "logicmonitor.md").read_text()
    assert WEBHOOK_TEMPLATE.strip() in doc


def test_a_full_active_alert():
    r = one(body())
    assert r.source_type == "logicmonitor" and r.host == "web01" and r.service == "WinCPU"
    assert r.severity == "critical"
    assert r.timestamp == datetime.fromtimestamp(T0, timezone.utc)
    assert r.message == "CPUBusyPercent on cpu0 (critical): value 97.2, threshold > 90 95 98: alarm"
    f = r.structured_fields
    assert set(CONTRACT_FIELDS) <= set(f)
    assert f["lm_alert_id"] == "LMD4711" and f["lm_alert_status"] == "active" and f["lm_acknowledged"] is False
    assert (f["lm_datasource"], f["lm_instance"], f["lm_datapoint"]) == ("WinCPU", "cpu0", "CPUBusyPercent")
    assert f["lm_level"] == "critical" and f["lm_resource_id"] == "17" and f["lm_resource_name"] == "web01"
    assert f["lm_value"] == "97.2" and f["lm_threshold"] == "> 90 95 98"
    assert f["lm_collector"] == "collector-east-1" and f["lm_collector_id"] == "21"
    assert f["lm_group"] == "Customers/Acme/Web"           # not the automatic "Devices by Type" group
    assert f["lm_groups"] == ["Customers/Acme/Web", "Devices by Type/Windows"]
    assert f["lm_started_at"] == "2025-11-30T08:00:00.000000Z" and f["lm_cleared_at"] is None
    assert f["lm_alert_session"] == "DS90210" and f["lm_hostname"] == "10.0.0.17"
    assert f["lm_url"].endswith("LMD4711") and f["lm_message"] == "web01 CPU is 97.2%"
    json.dumps(f)                                          # stored as JSON


def test_acknowledged_and_cleared_take_their_own_times():
    ack = one(body(ALERTSTATUS="ack", DATE="2025-11-30 08:03:00 UTC"))
    assert ack.structured_fields["lm_alert_status"] == "acknowledged"
    assert ack.structured_fields["lm_acknowledged"] is True
    assert ack.timestamp == datetime(2025, 11, 30, 8, 3, tzinfo=timezone.utc)
    assert ack.metadata["lm_time_from"] == "sent"
    clear = one(body(ALERTSTATUS="clear", END="2025-11-30 08:07:30 UTC", CLEARVALUE="12.5",
                     DATE="2025-11-30 08:07:35 UTC"))
    f = clear.structured_fields
    assert f["lm_alert_status"] == "cleared" and f["lm_cleared_at"] == "2025-11-30T08:07:30.000000Z"
    assert clear.timestamp == datetime(2025, 11, 30, 8, 7, 30, tzinfo=timezone.utc)
    assert f["lm_clear_value"] == "12.5" and "value 12.5" in clear.message
    assert clear.severity == "notice"                      # a recovery is not a critical problem
    assert f["lm_started_at"] == "2025-11-30T08:00:00.000000Z"


def test_update_is_an_active_change_and_test_gives_nothing():
    assert one(body(ALERTSTATUS="update", LEVEL="error")).structured_fields["lm_alert_status"] == "active"
    assert parse_webhook(body(ALERTSTATUS="test", ALERTID=None, HOST=None), "application/json") == []


def test_active_and_cleared_fingerprint_apart_and_pair_as_problem_and_recovery():
    m = TemplateMiner()
    keys: dict[str, set[str]] = {"active": set(), "cleared": set(), "ack": set()}
    for i, (ds, inst, dp) in enumerate([("WinCPU", "cpu0", "CPUBusyPercent"), ("Ping", "", "PingLossPercent"),
                                        ("SNMP_Network_Interfaces", "Port-channel 12", "Status")] * 20):
        for status, kind in (("active", "active"), ("ack", "ack"), ("clear", "cleared")):
            r = one(body(ALERTID=f"LMD{i}", DSNAME=ds, INSTANCE=inst or None, DATAPOINT=dp, ALERTSTATUS=status,
                         VALUE=str(90 + i % 7), LEVEL=("warn", "error", "critical")[i % 3], END="2025-11-30 09:00:00 UTC"))
            keys[kind].add(m.resolve(m.learn(f"{r.service}: {r.message}", T0 + i).key))
    assert not keys["active"] & keys["cleared"] and not keys["ack"] & (keys["active"] | keys["cleared"])
    problems = {polarity(m.template(k)) for k in keys["active"]}
    recoveries = {polarity(m.template(k)) for k in keys["cleared"]}
    assert all(p and p[1] for p in problems) and all(r and not r[1] for r in recoveries)
    assert {p[0] for p in problems} == {r[0] for r in recoveries}


def test_the_same_delivery_twice_gives_the_same_event_id():
    a, b = one(body()), one(body())
    assert (a.raw, a.timestamp) == (b.raw, b.timestamp)
    ids = {EventFactory("tn_x").make(r).event_id for r in (a, b)}
    assert len(ids) == 1
    clear = one(body(ALERTSTATUS="clear", END="2025-11-30 08:07:30 UTC"))
    assert EventFactory("tn_x").make(clear).event_id not in ids


def test_webhook_and_rest_give_the_same_event_for_the_same_change():
    rest = alert_from_rest(rest_alert(4711, start=T0, session="DS90210"))
    via_rest = record_of(rest, "active", source_path="logicmonitor:acme", received_at=0, via="rest")
    via_hook = one(body())
    assert via_rest.raw == via_hook.raw and via_rest.timestamp == via_hook.timestamp
    assert EventFactory("t").make(via_rest).event_id == EventFactory("t").make(via_hook).event_id


def test_a_new_alert_session_is_a_new_event():
    """##ALERTID## is reused for the same datapoint; the start time tells sessions apart."""
    first = one(body())
    later = one(body(STARTEPOCH=str(T0 + 86400), START="2025-12-01 08:00:00 UTC"))
    assert first.raw != later.raw


def test_missing_and_unexpanded_optional_tokens_are_absent():
    r = one(body(**{k: None for k in FILLED if k not in ("ALERTID", "ALERTSTATUS", "HOST")}))
    f = r.structured_fields
    assert f["lm_datasource"] is None and f["lm_value"] is None and f["lm_group"] is None
    assert r.service is None and r.severity is None
    assert r.message == "alert: alarm"
    assert r.timestamp == datetime.fromtimestamp(T0 + 999, timezone.utc)   # no time in the body: receipt
    assert r.metadata["lm_time_from"] == "receipt"
    minimal = one(b'{"alert_id": "LMD1", "status": "active", "host": "db2"}')
    assert minimal.host == "db2" and minimal.structured_fields["lm_level"] is None
    assert "##" not in json.dumps(f)


def test_start_string_with_a_zone_when_there_is_no_epoch():
    r = one(body(STARTEPOCH=None, START="2025-11-30 00:00:00 PST"))
    assert r.timestamp == datetime(2025, 11, 30, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, want", [
    ("1764489600", datetime(2025, 11, 30, 8, 0, tzinfo=timezone.utc)),
    ("1764489600000", datetime(2025, 11, 30, 8, 0, tzinfo=timezone.utc)),
    ("2025-11-30 09:00:00 CET", datetime(2025, 11, 30, 8, 0, tzinfo=timezone.utc)),
    ("2025-11-30 13:30:00 IST", datetime(2025, 11, 30, 8, 0, tzinfo=timezone.utc)),
    ("2025-11-30 10:00:00 +0200", datetime(2025, 11, 30, 8, 0, tzinfo=timezone.utc)),
    ("2025-11-30 09:00:00 Europe/Dublin", datetime(2025, 11, 30, 9, 0, tzinfo=timezone.utc)),
    ("2025-11-30T08:00:00Z", datetime(2025, 11, 30, 8, 0, tzinfo=timezone.utc)),
    ("Sun Nov 30 03:00:00 EST 2025", datetime(2025, 11, 30, 8, 0, tzinfo=timezone.utc)),
])
def test_times(text, want):
    assert parse_time("start", text) == want


@pytest.mark.parametrize("text, match", [
    ("2025-11-30 08:00:00 XYZT", "STARTEPOCH"), ("yesterday", "cannot read"), ("99999999999999", "plausible"),
    ("1969-12-31T00:00:00Z", "plausible"), (True, "boolean"), ([1], "a list"),
])
def test_bad_times_name_the_field(text, match):
    with pytest.raises(LogicMonitorPayloadError, match=match) as e:
        parse_time("start", text)
    assert e.value.field == "start"


def test_unescaped_token_values_are_read_line_by_line():
    data = body(INSTANCE="C:\\", MESSAGE='disk "C:" is\nfull\tnow', DSNAME='WinVolumeUsage-')
    with pytest.raises(json.JSONDecodeError):
        json.loads(data)
    r = one(data)
    f = r.structured_fields
    assert f["lm_instance"] == "C:\\" and f["lm_message"] == 'disk "C:" is\nfull\tnow'
    assert f["lm_datapoint"] == "CPUBusyPercent" and f["lm_alert_id"] == "LMD4711"


def test_form_data_and_key_value_lines():
    form = one(b"alertid=LMD9&alertstatus=clear&host=sw1&level=warn&dsname=Ping&startepoch=1764489600"
               b"&end=1764490000", "application/x-www-form-urlencoded")
    assert form.structured_fields["lm_alert_status"] == "cleared" and form.host == "sw1"
    assert form.timestamp == datetime.fromtimestamp(1764490000, timezone.utc)
    lines = one(b"ALERTID=LMD9\nALERTSTATUS=active\nHOST=sw1\nLEVEL=error\nSTARTEPOCH=1764489600\n", "text/plain")
    assert lines.severity == "error" and lines.structured_fields["lm_alert_id"] == "LMD9"


def test_other_integrations_spellings_and_unknown_keys_are_kept():
    data = json.dumps({"alertId": "LMD5", "alert_status": "active", "Host": "fw9", "severity": 3,
                       "dataSource": "Ping-", "startEpoch": T0, "customer.site": "Dublin"}).encode()
    r = one(data)
    assert r.structured_fields["lm_level"] == "error" and r.service == "Ping-"
    assert r.structured_fields["lm_extra"] == {"customer.site": "Dublin"}


def test_an_array_of_alerts():
    items = [json.loads(body(ALERTID=f"LMD{i}", MESSAGE="x")) for i in range(3)]
    recs = parse_webhook(json.dumps(items).encode(), "application/json")
    assert [r.structured_fields["lm_alert_id"] for r in recs] == ["LMD0", "LMD1", "LMD2"]


@pytest.mark.parametrize("data, field, match", [
    (b"", "body", "empty"),
    (b"\xff\xfe\x00garbage", "body", "UTF-8"),
    (b"\x00\x01\x02", "body", "binary"),
    (b"just some words", "body", "cannot read"),
    (b"[]", "body", "empty JSON array"),
    (b"42", "body", "a number"),
    (b'{"alert_id": "LMD1", "status": "active", "host": "x"', "body", "not valid JSON"),
    (b'[{"alert_id": "LMD1", "status": "active", "host": "x"}, 7]', "[1]", "JSON object"),
    (b'{"alert_id": "LMD1", "host": "x"}', "status", "missing"),
    (b'{"alert_id": "LMD1", "status": "exploded", "host": "x"}', "status", "not a LogicMonitor alert status"),
    (b'{"alert_id": "LMD1", "status": ["active"], "host": "x"}', "status", "expected text, got a list"),
    (b'{"status": "active", "host": "x"}', "alert_id", "missing"),
    (b'{"alert_id": "LMD1", "status": "active", "host": "##HOST##"}', "host", "missing"),
    (b'{"alert_id": "LMD1", "status": "active", "host": "x", "level": 7}', "level", "not a LogicMonitor level"),
    (b'{"alert_id": "LMD1", "status": "active", "host": "x", "start": "soon"}', "start", "cannot read"),
    (b'{"alert_id": "LMD1", "status": "active", "host": {"name": "x"}}', "host", "expected text, got an object"),
    (b'{"alert_id": "LMD1", "status": "active", "host": "x", "acked": "maybe"}', "acked", "true or false"),
    (b'[{"alert_id": "LMD1", "status": "active", "host": "x", "level": "loud"}]', "[0].level", "level"),
])
def test_bodies_it_cannot_use_name_the_field(data, field, match):
    with pytest.raises(LogicMonitorPayloadError, match=match) as e:
        parse_webhook(data, "application/json" if data[:1] in b"[{4" else None)
    assert e.value.field == field
    assert isinstance(e.value, ValueError)


def test_a_huge_body_is_refused_before_parsing():
    with pytest.raises(LogicMonitorPayloadError, match="more than"):
        parse_webhook(b"{" + b" " * (2 << 20) + b"}", "application/json")


def test_only_whole_values_count_as_unexpanded_tokens():
    r = one(body(MESSAGE="see ##LINK## later", INSTANCE="##INSTANCE##"))
    assert r.structured_fields["lm_message"] == "see ##LINK## later"
    assert r.structured_fields["lm_instance"] is None


def test_template_tokens_are_the_documented_ones():
    tokens = set(re.findall(r"##([A-Za-z.]+)##", WEBHOOK_TEMPLATE))
    assert tokens == set(FILLED)


def _live(tmp_path):
    from brainstem.service.queue import IngestQueue
    from brainstem.service.writer import Writer
    from brainstem.settings import load_settings
    from brainstem.workspace import Workspace
    ws = Workspace(tmp_path / "hook.db", load_settings(env={}, serve_commit_seconds=0.02))
    q = IngestQueue(100)
    w = Writer(ws, q)
    w.start()
    return ws, q, w


def _deliver(q, data: bytes) -> None:
    from brainstem.service.inbound import Inbound
    items = [Inbound("acme", r, "logicmonitor", time.time()) for r in parse_webhook(data, "application/json")]
    q.put_blocking(items).result(10)


def test_webhooks_through_the_writer_into_the_store(tmp_path):
    ws, q, w = _live(tmp_path)
    try:
        _deliver(q, body())
        _deliver(q, body(ALERTSTATUS="clear", END="2025-11-30 08:07:30 UTC", CLEARVALUE="12.5"))
        t = ws.tenant("acme")
        evs = sorted(ws.store.events(t.tenant_id), key=lambda e: e.timestamp)
        assert [e.structured_fields["lm_alert_status"] for e in evs] == ["active", "cleared"]
        assert evs[0].signature_key != evs[1].signature_key
        assert evs[0].asset_id == evs[1].asset_id and evs[0].source_type == "logicmonitor"
    finally:
        w.stop(10)
        ws.close()


def test_a_redelivery_after_a_restart_is_not_stored_again(tmp_path):
    for _ in range(2):
        ws, q, w = _live(tmp_path)
        _deliver(q, body())
        w.stop(10)
        assert ws.stats()["acme"]["event"] == 1
        ws.close()


def test_a_redelivery_to_a_running_writer_is_not_stored_again(tmp_path):
    ws, q, w = _live(tmp_path)
    try:
        _deliver(q, body())
        _deliver(q, body())
        assert ws.stats()["acme"]["event"] == 1
    finally:
        w.stop(10)
        ws.close()


def test_without_any_time_the_arrival_time_tells_deliveries_apart():
    timeless = b'{"alert_id": "LMD1", "status": "active", "host": "db2"}'
    a, b = (parse_webhook(timeless, "application/json", received_at=t)[0] for t in (T0, T0 + 3600))
    assert a.metadata["time_from_arrival"] is True
    assert EventFactory("t").make(a).event_id != EventFactory("t").make(b).event_id
    assert "time_from_arrival" not in one(body()).metadata


# hostile input: whatever arrives, the answer is records or a LogicMonitorPayloadError, never another exception
from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                     lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=5),
                     max_leaves=12)
_KEYS = st.sampled_from(["alert_id", "status", "host", "level", "start_epoch", "start", "end", "groups", "acked",
                         "value", "date", "datasource", "x"])


@hsettings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([None, "application/json", "text/plain",
                                                 "application/x-www-form-urlencoded"]))
def test_any_bytes_give_records_or_a_payload_error(data, ctype):
    try:
        parse_webhook(data, ctype)
    except LogicMonitorPayloadError:
        pass


@hsettings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=8))
def test_any_json_object_gives_records_or_a_payload_error(obj):
    obj.setdefault("status", "active")
    try:
        recs = parse_webhook(json.dumps(obj).encode(), "application/json")
    except LogicMonitorPayloadError:
        return
    for r in recs:
        json.dumps(r.structured_fields)
        assert r.timestamp.tzinfo is not None and r.host


def test_an_unpaired_surrogate_escape_refuses_the_delivery_not_the_writer():
    # stored, the lone surrogate would fail the whole tenant batch it landed in
    with pytest.raises(LogicMonitorPayloadError, match="unpaired surrogate") as e:
        parse_webhook(body(MESSAGE="web01 CPU \\ud800 high"), "application/json")
    assert e.value.field == "body"
    assert one(body(MESSAGE="web01 CPU \\ud83d\\ude00 high")).raw.encode("utf-8")
