"""A gateway and workers over real NATS JetStream and PostgreSQL (issue 11).

kill -9 of a worker mid-run, a replacement, and the final store equals what a
single `serve` process stores from the same input; partitions move when a
worker joins and are never held by two workers at once.
"""
from __future__ import annotations

import math
import socket
import threading
import time

import pytest

from tests.conftest import PostgresSchemas
from tests.service.cluster import WorkerProc, cluster_env, count_stored, delete_streams, store_snapshot, tenures
from tests.service.harness import Served, octet, wait_for

TENANTS = ["Acme", "globex", "initech", "umbrella", "hooli", "stark"]


def _config() -> str:
    routes = "".join(f'[[route]]\ntenant = "{t}"\nhostname = ["{t.lower()}-*"]\n' for t in TENANTS)
    # the same tenant spelled otherwise: one tenant, one pipeline, one partition
    routes += '[[route]]\ntenant = "ACME"\nhostname = ["ACMEALT-*"]\n'
    return f"""
[brainstem]
serve_commit_seconds = 0.2
serve_checkpoint_seconds = 1.0
[[listener]]
name = "tcp"
protocol = "tcp"
bind = "127.0.0.1:0"
{routes}"""


def _stream(n: int) -> list[bytes]:
    """n RFC 5424 messages over the tenants: steady jobs, and a burst of errors for some."""
    out = []
    for i in range(n):
        t = TENANTS[i % len(TENANTS)].lower()
        host = f"{t}-{i % 4}" if not (t == "acme" and i % 3 == 0) else f"ACMEALT-{i % 4}"
        sec = i * 2
        ts = f"2026-12-01T{8 + sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}Z"
        if 2400 <= i < 2700:
            msg = f"disk /dev/sd{'ab'[i % 2]} write error sector {i * 13}"
        else:
            msg = f"job {i % 11} finished in {i % 97} ms"
        out.append(octet(f"<11>1 {ts} {host} app - - - {msg}"))
    return out


def _send(port: int, msgs: list[bytes], chunk: int = 100, pause: float = 0.05, progress=None) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
        for k in range(0, len(msgs), chunk):
            c.sendall(b"".join(msgs[k:k + chunk]))
            if progress is not None:
                progress[0] = k + chunk
            time.sleep(pause)


@pytest.fixture
def schemas(postgres_dsn):
    with PostgresSchemas(postgres_dsn) as s:
        yield s


@pytest.fixture
def stream_env(nats_url):
    env = cluster_env(partitions=8)
    yield env
    delete_streams(nats_url, env)


def test_kill_9_of_a_worker_and_a_replacement_store_what_one_process_stores(tmp_path, schemas, nats_url, stream_env):
    msgs = _stream(3000)
    # the single-process reference: `serve` alone, same input, its own schema
    ref_db = schemas.url("reference")
    (tmp_path / "ref").mkdir()
    ref = Served(tmp_path / "ref", _config(), args=("--http", ""), db=ref_db).start()
    _send(ref.ports["tcp"], msgs, chunk=500, pause=0)
    wait_for(lambda: count_stored(ref_db) == len(msgs), timeout=120)
    assert ref.stop() == 0
    expected = store_snapshot(ref_db)
    assert set(expected) == {t.lower() for t in TENANTS}
    assert any(v["candidates"] for v in expected.values()), "the input should raise candidates"

    env = stream_env
    db = schemas.url("cluster")
    (tmp_path / "gw").mkdir()
    gw = Served(tmp_path / "gw", _config(), args=("--http", "", "--mode", "gateway", "--nats", nats_url),
                db=db, env=env).start()
    a = WorkerProc(db, nats_url, env, "wa")
    b = WorkerProc(db, nats_url, env, "wb")
    wait_for(lambda: a.held() and b.held(), timeout=60)
    progress = [0]
    sender = threading.Thread(target=_send, args=(gw.ports["tcp"], msgs), kwargs={"progress": progress,
                                                                                "pause": 0.15})
    sender.start()
    # kill a mid-run: once it committed batches and the sender is not yet half way through
    wait_for(lambda: len(a.events("batch_committed")) >= 2, timeout=60)
    assert progress[0] < len(msgs) / 2, "the sender finished before the kill: slow it down"
    a.sigkill()
    c = WorkerProc(db, nats_url, env, "wc")
    sender.join()
    wait_for(lambda: count_stored(db) >= len(msgs), timeout=120)
    time.sleep(1.0)          # anything stored twice would show now
    for w in (b, c):
        assert w.stop() == 0, w.log_text()
    assert gw.stop() == 0
    got = store_snapshot(db)
    assert set(got) == set(expected)
    for slug in expected:
        for part in ("events", "signatures", "candidates"):
            assert got[slug][part] == expected[slug][part], f"{slug} {part} differ"
    # what the killed worker held was taken over, by the replacement or the other worker
    # (whichever found the expired lease first): each such partition acquired again after it
    killed = {x["partition"]: x["revision"] for x in a.events("lease_acquired") if x["partition"] in a.held()}
    assert killed
    for part, rev in killed.items():
        assert any(x["partition"] == part and x["revision"] > rev
                   for w in (b, c) for x in w.events("lease_acquired")), f"partition {part} was not taken over"


def test_a_joining_worker_takes_partitions_and_no_partition_is_ever_held_twice(tmp_path, schemas, nats_url,
                                                                              stream_env):
    parts = 8
    env = stream_env
    db = schemas.url("leases")
    gw = Served(tmp_path, _config(), args=("--http", "", "--mode", "gateway", "--nats", nats_url),
                db=db, env=env).start()
    msgs = _stream(4000)
    sender = threading.Thread(target=_send, args=(gw.ports["tcp"], msgs), kwargs={"pause": 0.1})
    sender.start()
    a = WorkerProc(db, nats_url, env, "wa")
    wait_for(lambda: len(a.held()) == parts, timeout=60)
    b = WorkerProc(db, nats_url, env, "wb")
    wait_for(lambda: len(b.held()) == math.ceil(parts / 2) and len(a.held()) == parts // 2, timeout=60)
    w3 = WorkerProc(db, nats_url, env, "wd")
    wait_for(lambda: all(len(w.held()) <= math.ceil(parts / 3) for w in (a, b, w3))
             and sum(len(w.held()) for w in (a, b, w3)) == parts, timeout=60)
    sender.join()
    wait_for(lambda: count_stored(db) >= len(msgs), timeout=120)
    for w in (a, b, w3):
        assert w.stop() == 0, w.log_text()
    assert gw.stop() == 0
    held = tenures([a, b, w3])
    moved = {p for p, ts in held.items() if len({w for _, _, w in ts}) > 1}
    assert moved, "no partition moved when workers joined"
    for p, ts in held.items():
        ts.sort()
        for (f1, l1, w1), (f2, l2, w2) in zip(ts, ts[1:]):
            assert f2 > l1, f"partition {p}: {w2} acquired at revision {f2} while {w1} held it until {l1}"
    # every batch was committed under a lease revision of its own worker's tenure
    for w in (a, b, w3):
        for x in w.events("batch_committed"):
            mine = [(f, l) for f, l, who in held[x["partition"]] if who == w.id]
            assert any(f <= x["revision"] <= l for f, l in mine)
    assert count_stored(db) == len(msgs)
