"""HTTP ingest through a real Writer thread: the events schema, a configured webhook,
LogicMonitor (its real parse_webhook); hostile bodies get a 4xx naming the element and field, and lose nothing else."""
from __future__ import annotations

import gzip
import json
import sqlite3

import pytest

from brainstem.workspace import Workspace

pytestmark = pytest.mark.anyio

URL = "/api/v1/ingest/events"


def events(db, tenant="acme", where="1=1"):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT e.host, e.service, e.severity, e.message_normalized, e.timestamp, e.structured_fields, "
            "e.source_type, e.ingest_metadata FROM events e JOIN tenants t ON t.tenant_id = e.tenant_id "
            f"WHERE t.slug = ? AND e.source_path LIKE 'http:%' AND {where} ORDER BY e.rowid", (tenant,)).fetchall()
    finally:
        conn.close()


GOOD = [{"timestamp": "2026-11-30T08:00:00Z", "host": "fw1", "severity": "err", "service": "kernel",
         "message": "Interface ge-0/0/1 changed state to down", "fields": {"ifindex": 12, "vendor": {"name": "x"}}},
        {"timestamp": 1796025601, "host": "fw1", "message": "Interface ge-0/0/2 changed state to down"},
        {"timestamp": 1796025601000, "host": "fw2", "severity": 3, "message": "Interface ge-0/0/2 changed state to down"}]


async def test_a_json_array_is_stored_with_every_field_and_sending_it_again_stores_nothing_twice(world):
    async with world.client() as c:
        r = await c.post(URL, json=GOOD)
        assert r.status_code == 200, r.text
        assert r.json() == {"accepted": 3, "rejected": 0, "truncated": 0, "errors": []}
        rows = events(world.db)
        assert len(rows) == 3
        host, service, severity, message, ts, fields, source_type, meta = rows[0]
        assert (host, service, severity, source_type) == ("fw1", "kernel", "error", "json")
        assert message == "Interface ge-0/0/1 changed state to down" and ts == "2026-11-30T08:00:00.000000Z"
        assert json.loads(fields)["ifindex"] == 12 and json.loads(fields)["vendor"] == {"name": "x"}
        assert json.loads(meta)["format"] == "events"
        assert rows[1][4] == rows[2][4] == "2026-11-30T08:00:01.000000Z" and rows[2][2] == "error"
        again = await c.post(URL, json=GOOD)
        assert again.status_code == 200 and again.json()["accepted"] == 3
        assert len(events(world.db)) == 3                       # the same events: nothing stored twice
        # two identical events in one request are two events
        twin = {"timestamp": "2026-11-30T09:00:00Z", "host": "fw3", "message": "link flap"}
        assert (await c.post(URL, json=[twin, twin])).json()["accepted"] == 2
        assert len(events(world.db, where="e.host = 'fw3'")) == 2
    m = world.ctx.metrics.render().decode()
    assert 'brainstem_messages_received_total{source="http:events"} 8.0' in m
    assert 'brainstem_messages_stored_total{source="http:events"} 8.0' in m


async def test_ndjson_and_a_single_object(world):
    body = "\n".join(json.dumps(x) for x in GOOD) + "\n\n"
    async with world.client() as c:
        r = await c.post(URL, content=body.encode(), headers={"Content-Type": "application/x-ndjson"})
        assert r.status_code == 200 and r.json()["accepted"] == 3
        # NDJSON sent as application/json (many shippers do) is read as NDJSON too
        r = await c.post(URL, content=body.replace("fw", "gw").encode(), headers={"Content-Type": "application/json"})
        assert r.status_code == 200 and r.json()["accepted"] == 3
        r = await c.post(URL, json={"message": "one alone", "host": "solo"})
        assert r.status_code == 200 and r.json()["accepted"] == 1
    assert len(events(world.db)) == 7


async def test_an_event_without_a_time_gets_the_time_received_and_is_new_each_time(world):
    async with world.client() as c:
        for _ in range(2):
            assert (await c.post(URL, json=[{"message": "heartbeat missed", "host": "ups1"}])).json()["accepted"] == 1
    rows = events(world.db, where="e.host = 'ups1'")
    assert len(rows) == 2 and rows[0][4] != rows[1][4]
    assert json.loads(rows[0][7])["time_received"] is True


BAD = [
    ({"message": 42}, "message", "must be a string"),
    ({"host": "x"}, "message", "missing"),
    ({"message": "   "}, "message", "empty"),
    ({"message": "m", "timestamp": True}, "timestamp", "ISO 8601 string or a number"),
    ({"message": "m", "timestamp": "last tuesday"}, "timestamp", "not a timestamp"),
    ({"message": "m", "timestamp": "9999-12-31T00:00:00Z"}, "timestamp", "ahead of the server's clock"),
    ({"message": "m", "timestamp": "1950-01-01T00:00:00Z"}, "timestamp", "before 1970"),
    ({"message": "m", "host": ["a"]}, "host", "must be a string"),
    ({"message": "m", "host": "h" * 300}, "host", "at most 255"),
    ({"message": "m", "severity": "loud"}, "severity", "not a severity"),
    ({"message": "m", "severity": 9}, "severity", "not a severity"),
    ({"message": "m", "fields": [1, 2]}, "fields", "must be an object"),
    ({"message": "m", "hostname": "typo"}, "hostname", "unknown field"),
    ("just a string", None, "JSON object"),
    ({"message": "lone \ud800 surrogate"}, None, "surrogate"),
]


async def test_bad_elements_are_named_by_index_and_field_and_the_good_ones_are_stored(world):
    body = [GOOD[0]] + [b for b, _, _ in BAD] + [GOOD[1]]
    async with world.client() as c:
        r = await c.post(URL, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    out = r.json()
    assert out["accepted"] == 2 and out["rejected"] == len(BAD)
    for err, (_, field, text) in zip(out["errors"], BAD):
        assert err["field"] == field and text in err["message"], err
    assert [e["index"] for e in out["errors"]] == list(range(1, len(BAD) + 1))
    assert len(events(world.db)) == 2
    assert f'brainstem_messages_bad_total{{source="http:events"}} {float(len(BAD))}' in \
        world.ctx.metrics.render().decode()


async def test_hostile_bodies(world):
    async with world.client() as c:
        def post(content, ctype="application/json", **headers):
            return c.post(URL, content=content, headers={"Content-Type": ctype, **headers})

        r = await post(b'[{"message": "caf\xe9"}]')
        assert r.status_code == 400 and "UTF-8" in r.json()["error"]["message"] and "byte 17" in r.json()["error"]["message"]
        r = await post(b'{"message": "ok"}\n{"message": "caf\xe9"}\n{oops\n{"message": "fine"}\n', "application/x-ndjson")
        assert r.status_code == 422
        assert [(e["line"], e["field"]) for e in r.json()["errors"]] == [(2, None), (3, None)]
        assert "UTF-8" in r.json()["errors"][0]["message"] and "not JSON" in r.json()["errors"][1]["message"]
        assert r.json()["accepted"] == 2
        r = await post(b'[{"message": "truncated"')
        assert r.status_code == 400 and "not JSON" in r.json()["error"]["message"]
        r = await post(b'"a string"')
        assert r.status_code == 400 and "JSON string" in r.json()["error"]["message"]
        r = await post(b"")
        assert r.status_code == 400 and "empty" in r.json()["error"]["message"]
        r = await post(b"\x00\x01\x02binary\xff" * 100, "application/octet-stream")
        assert r.status_code == 422 and r.json()["accepted"] == 0 and r.json()["rejected"] == 1
        assert "UTF-8" in r.json()["errors"][0]["message"]
        r = await post(b'[{"message": "x"}]', **{"Content-Encoding": "br"})
        assert r.status_code == 422 and "Content-Encoding" in r.json()["error"]["message"]
        # a message longer than http_max_message_bytes is cut and flagged, not refused
        long = {"message": "é" * 40000, "host": "big", "timestamp": "2026-11-30T10:00:00Z"}
        r = await c.post(URL, json=[long])
        assert r.status_code == 200 and r.json()["truncated"] == 1
    row = events(world.db, where="e.host = 'big'")[0]
    assert len(row[3].encode()) <= 65536 and json.loads(row[7])["truncated"] is True
    assert len(events(world.db)) == 3
    assert 'brainstem_messages_truncated_total{source="http:events"} 1.0' in world.ctx.metrics.render().decode()


async def test_size_limits_are_413_whether_or_not_the_sender_gives_a_length(seed, tmp_path):
    from tests.api.conftest import _world
    w = _world(seed, tmp_path, writer=True, http_max_body_bytes=20_000, http_max_events=50)
    try:
        async with w.client() as c:
            big = json.dumps([{"message": "x" * 100}] * 300).encode()
            r = await c.post(URL, content=big, headers={"Content-Type": "application/json"})
            assert r.status_code == 413 and "http_max_body_bytes" in r.json()["error"]["message"]

            async def chunks():                 # no Content-Length: chunked, stopped when over the limit
                for _ in range(100):
                    yield b'{"message": "' + b"y" * 1000 + b'"}\n'
            r = await c.post(URL, content=chunks(), headers={"Content-Type": "application/x-ndjson"})
            assert r.status_code == 413
            bomb = gzip.compress(b"[" + b'{"message": "z"},' * 100_000 + b'{"message": "z"}]')
            assert len(bomb) < 20_000
            r = await c.post(URL, content=bomb, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
            assert r.status_code == 413 and "inflates" in r.json()["error"]["message"]
            many = json.dumps([{"message": f"m{i}"} for i in range(51)]).encode()
            r = await c.post(URL, content=many, headers={"Content-Type": "application/json"})
            assert r.status_code == 413 and "http_max_events" in r.json()["error"]["message"]
            ok = gzip.compress(json.dumps([{"message": "zipped", "host": "gz1"}]).encode())
            r = await c.post(URL, content=ok, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
            assert r.status_code == 200 and r.json()["accepted"] == 1
        assert [x[0] for x in events(w.db)] == ["gz1"]
    finally:
        w.writer.stop(30)
        w.writer.ws.close()
        w.ctx.close()


async def test_the_tenant_is_the_keys_and_an_admin_names_it(world):
    async with world.client("globex") as c:
        assert (await c.post(URL, json=[{"message": "from globex", "host": "g1"}])).status_code == 200
        assert (await c.post(URL, params={"tenant": "acme"}, json=[{"message": "x"}])).status_code == 403
    async with world.client("admin") as c:
        r = await c.post(URL, params={"tenant": "acme"}, json=[{"message": "admin for acme", "host": "a1"}])
        assert r.status_code == 200
        assert (await c.post(URL, params={"tenant": "nobody"}, json=[{"message": "x"}])).status_code == 404
    assert [x[3] for x in events(world.db, "globex")] == ["from globex"]
    assert [x[3] for x in events(world.db, "acme")] == ["admin for acme"]


async def test_no_writer_or_stopping_is_503(reader_world, world):
    async with reader_world.client() as c:
        r = await c.post(URL, json=GOOD)
        assert r.status_code == 503 and "brainstem serve" in r.json()["error"]["message"]
        assert r.headers["retry-after"]
    world.ctx.stopping.set()
    async with world.client() as c:
        r = await c.post(URL, json=GOOD)
        assert r.status_code == 503 and "stopping" in r.json()["error"]["message"]
        assert (await c.get("/readyz")).status_code == 503
    assert events(world.db) == []


ALERTS = {"receiver": "brainstem", "status": "firing", "alerts": [
    {"status": "firing", "labels": {"alertname": "HighCPU", "instance": "db1:9100", "severity": "critical"},
     "annotations": {"summary": "CPU above 90% for 10 minutes"}, "startsAt": "2026-11-30T08:00:00Z"},
    {"status": "firing", "labels": {"instance": "db2:9100"}, "startsAt": "2026-11-30T08:00:00Z"},
    {"status": "resolved", "labels": {"alertname": "DiskFull", "instance": "db3:9100"},
     "startsAt": "2026-11-30T07:00:00Z"}]}


async def test_a_configured_webhook_maps_its_fields(world):
    async with world.client() as c:
        r = await c.post("/api/v1/ingest/webhook/alertmanager", json=ALERTS)
        assert r.status_code == 422
        assert r.json()["accepted"] == 2 and r.json()["errors"] == [
            {"index": 1, "field": "message", "message": "no text at annotations.summary, labels.alertname"}]
        r = await c.post("/api/v1/ingest/webhook/github", json={})
        assert r.status_code == 404 and "alertmanager" in r.json()["error"]["message"]
        r = await c.post("/api/v1/ingest/webhook/alertmanager", json={"receiver": "x"})
        assert r.status_code == 400 and "alerts" in r.json()["error"]["message"]
    conn = sqlite3.connect(world.db)
    rows = conn.execute("SELECT host, service, severity, message_normalized, structured_fields, timestamp "
                        "FROM events WHERE source_path LIKE 'webhook:alertmanager/%' ORDER BY host").fetchall()
    conn.close()
    assert [r[:4] for r in rows] == [("db1:9100", "alertmanager", "critical", "CPU above 90% for 10 minutes"),
                                     ("db3:9100", "alertmanager", None, "DiskFull")]
    # the mapped fields (the pipeline adds the template's variables beside them)
    assert json.loads(rows[0][4]).items() >= {"alertname": "HighCPU", "status": "firing"}.items()
    assert "labels" not in json.loads(rows[0][4])
    assert rows[1][5] == "2026-11-30T07:00:00.000000Z"


LM_BODY = {"alert_id": "LMD8812", "status": "active", "level": "error", "host": "core-sw1",
           "datasource": "SNMP_Network_Interfaces", "instance": "Gi0/1", "datapoint": "Status", "value": "2",
           "start_epoch": "1796025600", "message": "core-sw1 Gi0/1 is down"}


async def test_logicmonitor_webhook_lands_in_the_keys_tenant(world):
    async with world.client("globex") as c:
        r = await c.post("/api/v1/ingest/logicmonitor", json=LM_BODY)
        assert r.status_code == 200, r.text
        assert r.json()["accepted"] >= 1
        again = await c.post("/api/v1/ingest/logicmonitor", json=LM_BODY)     # LogicMonitor retries
        assert again.status_code == 200
        bad = await c.post("/api/v1/ingest/logicmonitor", content=b"{nope", headers={"Content-Type": "application/json"})
        assert bad.status_code == 400 and "LogicMonitor" in bad.json()["error"]["message"]
    with Workspace(world.db) as ws:
        evs = [e for e in ws.store.events(ws.tenant("globex").tenant_id, limit=100_000)
               if (e.source_path or "").startswith("logicmonitor")]
    assert len(evs) == r.json()["accepted"]               # the retry stored nothing twice
    assert {e.host for e in evs} == {"core-sw1"}
    assert 'brainstem_messages_stored_total{source="logicmonitor"}' in world.ctx.metrics.render().decode()
