"""Write-behind: an ingest's SQLite transactions committed by a second process, with the guarantees of one."""
from __future__ import annotations

import os
import signal
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from brainstem.models import Asset, Event, Tenant
from brainstem.pipeline.ingest import ingest_paths
from brainstem.settings import load_settings
from brainstem.store import SQLiteStore, StoreError, WriteBatch
from brainstem.store.behind import _frame, _read_frame
from brainstem.store.sqlite import usable_cores

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
# write-behind starts only where a second core can run it
two_cores = pytest.mark.skipif(usable_cores() < 2, reason="one usable CPU: write-behind stays off here")


def _events(start: int, n: int, tenant: str = "tn_a") -> list[Event]:
    return [Event(f"ev_{i:06d}", tenant, T0 + timedelta(seconds=i), f"line {i}", message_normalized=f"line {i}",
                  signature_key="k1") for i in range(start, start + n)]


def _stored_ids(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT event_id FROM events ORDER BY rowid")]
    finally:
        conn.close()


@two_cores
def test_writes_go_to_another_process_and_reads_see_them_at_once(tmp_path):
    store = SQLiteStore(tmp_path / "b.db")
    blocker = sqlite3.connect(tmp_path / "b.db", isolation_level=None)
    with store.writing_behind(1) as result:
        blocker.execute("BEGIN IMMEDIATE")      # the writer process waits for this lock
        assert store.write(WriteBatch(events=_events(0, 300))) == 300
        child = store._behind.proc
        assert child.pid != os.getpid() and child.poll() is None
        # the duplicate check answers for the batch in flight as for a committed one
        assert _stored_ids(tmp_path / "b.db") == []
        assert store.existing_event_ids(["ev_000000", "ev_000299", "ev_000300"]) == {"ev_000000", "ev_000299"}
        blocker.execute("COMMIT")
        assert store.write(WriteBatch(events=_events(300, 300))) == 300
        # any other read waits for what was written before it
        assert store.event_high_water("tn_a") == 600
        assert [e.event_id for e in store.events_after("tn_a", 598)] == ["ev_000598", "ev_000599"]
        store.write(WriteBatch(state=[("tn_a", "pipeline", 1, {"high_water": 600})]))
        assert store.load_state("tn_a", "pipeline") == (1, {"high_water": 600})
    assert child.wait(10) == 0 and store._behind is None
    blocker.close()
    assert result.already_stored == 0
    assert _stored_ids(tmp_path / "b.db") == [f"ev_{i:06d}" for i in range(600)]   # in the order written
    store.close()


@two_cores
def test_an_object_no_write_in_flight_holds_is_read_without_waiting(tmp_path):
    store = SQLiteStore(tmp_path / "b.db")
    store.write(WriteBatch(assets=[Asset("as_old", "tn_a", "old-host")]))
    blocker = sqlite3.connect(tmp_path / "b.db", isolation_level=None)
    with store.writing_behind(1):
        blocker.execute("BEGIN IMMEDIATE")      # nothing the writer process is sent can commit
        store.write(WriteBatch(events=_events(0, 10), assets=[Asset("as_new", "tn_a", "new-host")]))
        assert store._behind.holds("as_new") and not store._behind.holds("as_old")
        # read at once: were it waiting for the batch, it would wait for the lock
        assert store.get("as_old").hostname == "old-host"
        assert store.get("as_nothing") is None
        blocker.execute("COMMIT")
        assert store.get("as_new").hostname == "new-host"     # waited for the batch that writes it
    blocker.close()
    store.close()


def test_a_message_carries_plain_data_only_and_shared_values_whole():
    """Without pickle's memo a value held twice is written twice, and read back equal;
    an object of any other type, however deep, is refused (the rows are then finished
    in the ingest's process) rather than pickled for the writer to import."""
    fields = {"user": "ana", "tags": ["a", "b"], "n": 3, "ratio": 0.5, "ok": True, "none": None}
    ops = [("INSERT ...", [("ev_1", "tn_a", fields), ("ev_2", "tn_a", fields)], 2)]
    r, w = os.pipe()
    try:
        view = _frame(ops)
        assert int.from_bytes(view[:8], "little") == len(view) - 8
        os.write(w, view)
        assert _read_frame(r) == ops
    finally:
        os.close(r)
        os.close(w)
    for odd in (T0, Path("/x"), object()):
        with pytest.raises(ValueError):
            _frame([("INSERT ...", [("ev_1", {"deep": [odd]})], 2)])


@two_cores
def test_rows_are_completed_by_the_writer_exactly_as_inline(tmp_path):
    """The JSON columns and the signature input are finished in the writer process; a
    value a message does not carry (a datetime a library caller put in a field) is encoded
    in the ingest's own process instead. Either way the row is the inline row."""
    def batch(start: int) -> WriteBatch:
        evs = _events(start, 4)
        evs[0].structured_fields = {"user": "ana", "n": 3, "ok": True, "ratio": 0.5, "tags": ["a", "b"], "none": None}
        evs[1].service, evs[1].signature_input = "sshd", "sshd: line 1"          # derived: stored as ''
        evs[2].signature_input = "something else"
        evs[2].correlation_keys = {"session": "s-1"}
        evs[3].ingest_metadata = {"format": "rfc3164", "line": 9, "time_inherited": True}
        return WriteBatch(events=evs)
    odd = _events(10, 2)
    odd[1].structured_fields = {"when": T0}

    def rows(path: Path) -> list[tuple]:
        conn = sqlite3.connect(path)
        try:
            return conn.execute("SELECT event_id, structured_fields, correlation_keys, signature_input, ingest_metadata "
                                "FROM events ORDER BY rowid").fetchall()
        finally:
            conn.close()
    for behind in (1, 0):
        store = SQLiteStore(tmp_path / f"b{behind}.db")
        with store.writing_behind(behind):
            store.write(batch(0))
            store.write(WriteBatch(events=odd))
            assert (store._behind is not None) == bool(behind)
        store.close()
    assert rows(tmp_path / "b1.db") == rows(tmp_path / "b0.db")
    got = dict((r[0], r[1:]) for r in rows(tmp_path / "b1.db"))
    assert got["ev_000001"][2] == "" and got["ev_000002"][2] == "something else"
    assert got["ev_000011"][0] == '{"when":"2026-03-01 00:00:00+00:00"}'


def test_small_writes_and_a_database_in_memory_stay_in_process(tmp_path):
    store = SQLiteStore(tmp_path / "b.db")
    with store.writing_behind(1000):
        store.write(WriteBatch(events=_events(0, 999)))
        assert store._behind is None
    with store.writing_behind(0):
        store.write(WriteBatch(events=_events(999, 5000)))
        assert store._behind is None
    store.close()
    mem = SQLiteStore(":memory:")
    with mem.writing_behind(1):
        mem.write(WriteBatch(events=_events(0, 10)))
        assert mem._behind is None and mem.event_high_water("tn_a") == 10
    mem.close()


@two_cores
def test_events_already_stored_by_another_writer_are_settled_as_duplicates(tmp_path):
    store = SQLiteStore(tmp_path / "b.db")
    other = SQLiteStore(tmp_path / "b.db")
    other.write(WriteBatch(events=_events(0, 40)))      # between the duplicate check and the write
    with store.writing_behind(1) as result:
        assert store.write(WriteBatch(events=_events(0, 100))) == 100
    assert result.already_stored == 40
    assert len(_stored_ids(tmp_path / "b.db")) == 100
    other.close()
    store.close()


@two_cores
def test_after_a_failed_transaction_nothing_later_is_committed(tmp_path):
    path = tmp_path / "b.db"
    store = SQLiteStore(path)
    store.conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.event_id = 'ev_000150' "
                       "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END")
    with pytest.raises(sqlite3.Error, match="refused by a test trigger"):
        with store.writing_behind(1):
            store.write(WriteBatch(events=_events(0, 100)))
            store.write(WriteBatch(events=_events(100, 100)))      # fails in the child
            store.write(WriteBatch(events=_events(200, 100)))      # sent before the failure was known
            store.write(WriteBatch(events=_events(300, 100)))
    assert _stored_ids(path) == [f"ev_{i:06d}" for i in range(100)]
    # the store is usable again, inline
    store.write(WriteBatch(events=_events(1000, 5)))
    assert len(_stored_ids(path)) == 105
    store.close()


@two_cores
def test_a_writer_process_that_dies_is_a_clear_error_and_loses_nothing_committed(tmp_path):
    path = tmp_path / "b.db"
    store = SQLiteStore(path)
    with pytest.raises(StoreError, match=r"database writer process \(pid \d+\) ended"):
        with store.writing_behind(1):
            store.write(WriteBatch(events=_events(0, 100)))
            store.existing_event_ids(["x"])
            assert store.event_high_water("tn_a") == 100      # committed
            store._behind.proc.send_signal(signal.SIGKILL)
            store._behind.proc.wait(10)
            store.write(WriteBatch(events=_events(100, 100)))
            store.event_high_water("tn_a")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert _stored_ids(path) == [f"ev_{i:06d}" for i in range(100)]
    store.close()


def _logs(root: Path) -> list[Path]:
    """Three interleaved files and a copy of one, with repeated lines and a few that are not syslog (kept as events)."""
    files = []
    for f in range(3):
        p = root / f"host{f}.log"
        with open(p, "w") as fh:
            for i in range(2500):
                t = i * 7 + f * 3
                if i % 400 == 17:
                    fh.write("<<< not a log line >>>\n")
                    continue
                if f == 0 and 1500 <= i < 1600:
                    msg = "app[7]: database connection refused"     # a burst
                elif i % 5:
                    msg = f"sshd[{i % 90}]: Failed password for user{i % 13} from 10.{f}.{i % 7}.{i % 250} port {2000 + i}"
                else:
                    msg = f"kernel: eth{i % 3}: link down" if i % 10 else "cron[42]: job done"
                fh.write(f"Mar  2 {t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d} h{f}-{i % 4} {msg}\n")
        files.append(p)
    copy = root / "host1-again.log"     # the same lines through another path: all duplicates
    copy.write_bytes(files[1].read_bytes())
    return files + [copy]


def _dump(path: Path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    out = {}
    try:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'schema_version'"):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                    if r[1] not in ("created_at", "updated_at", "applied_at")]
            order = "rowid" if table == "events" else ", ".join(cols)
            out[table] = conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}").fetchall()
    finally:
        conn.close()
    return out


def test_an_ingest_stores_exactly_what_it_stores_inline(tmp_path):
    files = _logs(tmp_path)
    got = {}
    for behind in (0, 1):
        settings = load_settings(env={"BRAINSTEM_BATCH_SIZE": "700", "BRAINSTEM_WRITE_BEHIND_MIN_EVENTS": str(behind)})
        db = tmp_path / f"b{behind}.db"
        store = SQLiteStore(db)
        tenant = Tenant(tenant_id="tn_acme", name="acme", slug="acme")
        store.put_tenant(tenant)
        first = ingest_paths(store, settings, tenant, files)
        again = ingest_paths(store, settings, tenant, files)
        store.close()
        got[behind] = (first.events_stored, first.duplicates, first.bad_lines, again.events_stored, again.duplicates,
                       _dump(db))
    assert got[0][:5] == got[1][:5] == (7500, 2500, 0, 0, 10000)
    assert got[0][5] == got[1][5]
    assert len(got[1][5]["candidates"]) > 0


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this platform")
def test_one_usable_core_writes_in_the_ingest_process(tmp_path):
    """On one core a second process only adds its marshalling: the writes stay inline."""
    before = os.sched_getaffinity(0)
    store = SQLiteStore(tmp_path / "b.db")
    try:
        os.sched_setaffinity(0, {min(before)})
        with store.writing_behind(1):
            assert store.write(WriteBatch(events=_events(0, 50))) == 50
            assert store._behind is None
        assert _stored_ids(tmp_path / "b.db") == [f"ev_{i:06d}" for i in range(50)]
    finally:
        os.sched_setaffinity(0, before)
        store.close()
    if len(before) >= 2:    # and with the cores back, the same block hands the writes over
        store = SQLiteStore(tmp_path / "c.db")
        with store.writing_behind(1):
            store.write(WriteBatch(events=_events(0, 50)))
            assert store._behind is not None
        store.close()
