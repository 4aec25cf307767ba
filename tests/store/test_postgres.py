"""What only the PostgreSQL backend does: URLs, schemas, locks, its upgrade path.

The Store contract itself runs on PostgreSQL in test_base.py.
"""
import threading
import time
from datetime import datetime, timezone

import pytest

psycopg = pytest.importorskip("psycopg")

from brainstem.models import Event, Tenant  # noqa: E402
from brainstem.store import StoreError, WriteBatch, open_store  # noqa: E402
from brainstem.store.migrations import LATEST, MIGRATIONS  # noqa: E402
from brainstem.store.postgres import PostgresStore, with_schema  # noqa: E402
from tests.conftest import PostgresSchemas  # noqa: E402
from tests.store.test_base import _event, _sig, _tenant  # noqa: E402

T = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def schemas(postgres_dsn):
    with PostgresSchemas(postgres_dsn) as s:
        yield s


def _raw(url):
    return psycopg.connect(url, autocommit=True)


def first_migration_db(url):
    """A PostgreSQL database as brainstem left it at migration 1, with a tenant and two events."""
    with _raw(url) as conn:
        conn.execute('CREATE TABLE schema_version (version BIGINT PRIMARY KEY, name TEXT COLLATE "C" NOT NULL, '
                     'applied_at TEXT COLLATE "C" NOT NULL)')
        for stmt in MIGRATIONS[0].sql("postgresql"):
            conn.execute(stmt)
        conn.execute("INSERT INTO schema_version VALUES (1, 'core objects', '2026-01-01T00:00:00Z')")
        conn.execute("INSERT INTO tenants VALUES ('tn_old', 'Old', 'old', 'lab', '[]', '{}', "
                     "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
        for i in (1, 2):
            conn.execute("INSERT INTO events (event_id, tenant_id, source_type, timestamp, message_raw, "
                         "message_normalized, structured_fields, correlation_keys, signature_input, ingest_metadata, "
                         "created_at) VALUES (%s, 'tn_old', 'syslog', '2026-01-01T00:00:00.000000Z', 'x', 'x', '{}', "
                         "'{}', '', '{}', '2026-01-01T00:00:00.000000Z')", (f"ev_old{i}",))


def test_upgrade_from_the_first_migration_keeps_data(schemas):
    url = schemas.url("old")
    first_migration_db(url)
    with pytest.raises(StoreError, match="db upgrade"):
        open_store(url)
    s = open_store(url, create=False, upgrade=True)
    assert s.applied == [f"{m.version}: {m.name}" for m in MIGRATIONS[1:]]
    assert s.schema_version() == LATEST
    assert s.get_tenant("old").name == "Old"
    mark = s.event_high_water("tn_old")
    assert [e.event_id for e in s.events_after("tn_old", 0)] == ["ev_old1", "ev_old2"]
    s.write(WriteBatch(events=[_event("tn_old", 3)], state=[("tn_old", "miner", 1, {})], aliases=[("tn_old", "a", "b")]))
    assert s.event_high_water("tn_old") > mark
    assert [e.event_id for e in s.events_after("tn_old", mark)] == ["ev_tn_old_3"]
    assert s.aliases("tn_old") == {"a": "b"}
    assert s.upgrade() == []
    s.close()
    assert open_store(url).schema_version() == LATEST


def test_clear_errors_for_what_a_user_can_get_wrong(schemas, postgres_dsn):
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL") as exc:
        open_store("postgresql://brainstem:s3cret@127.0.0.1:1/nowhere?connect_timeout=2")
    assert "s3cret" not in str(exc.value) and "brainstem:***@127.0.0.1:1" in str(exc.value)
    with pytest.raises(StoreError, match="no schema to work in"):
        open_store(with_schema(postgres_dsn, "t_no_such_schema_here"))
    other = schemas.url("other")
    with _raw(other) as conn:
        conn.execute("CREATE TABLE t (x integer)")
    with pytest.raises(StoreError, match="not a brainstem database"):
        open_store(other)
    empty = schemas.url("empty")
    with pytest.raises(StoreError, match="no brainstem database"):
        open_store(empty, create=False)
    s = open_store(empty, create=False, upgrade=True)     # `brainstem db upgrade` creates the schema
    assert s.schema_version() == LATEST
    s.close()
    with _raw(empty) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'future', 'x')")
    with pytest.raises(StoreError, match="newer"):
        open_store(empty)


def test_columns_are_64_bit_double_and_byte_ordered(schemas):
    url = schemas.url()
    open_store(url).close()
    with _raw(url) as conn:
        cols = {(t, c): (d, coll) for t, c, d, coll in conn.execute(
            "SELECT table_name, column_name, data_type, collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()")}
    assert cols[("signatures", "occurrence_count")][0] == "bigint"
    assert cols[("candidates", "score_total")][0] == "double precision"
    assert cols[("events", "seq")][0] == "bigint"
    text = [v for v in cols.values() if v[0] == "text"]
    assert text and all(coll == "C" for _, coll in text)


def test_a_nul_character_is_stored_as_a_replacement_and_the_batch_is_kept(schemas):
    s = open_store(schemas.url())
    t = _tenant(s)
    bad = Event(event_id="ev_nul", tenant_id=t.tenant_id, timestamp=T, message_raw="a\x00b", message_normalized="a\x00b",
                structured_fields={"k": "v\x00"})
    assert s.write(WriteBatch(events=[_event(t.tenant_id, 1), bad], signatures=[_sig(t.tenant_id, "k\x00")])) == 2
    back = s.get("ev_nul")
    assert back.message_raw == "a\ufffdb" and back.structured_fields == {"k": "v\x00"}   # JSON escapes it
    assert [x.signature_key for x in s.signatures(t.tenant_id)] == ["k\ufffd"]
    s.close()


def test_a_group_of_writes_commits_together_or_not_at_all(schemas):
    """A worker stores many tenants' batches in one group: one commit, or nothing."""
    s = open_store(schemas.url())
    a, b = _tenant(s, "acme"), _tenant(s, "globex")
    state = lambda t, n: [(t.tenant_id, "stream", 1, {"seq": n})]   # noqa: E731
    with pytest.raises(RuntimeError):
        with s.group():
            assert s.write(WriteBatch(events=[_event(a.tenant_id, i) for i in range(3)], state=state(a, 3))) == 3
            assert s.write(WriteBatch(events=[_event(b.tenant_id, i) for i in range(2)], state=state(b, 2))) == 2
            raise RuntimeError("the worker failed before the commit")
    assert s.event_high_water(a.tenant_id) == 0 and s.load_state(a.tenant_id, "stream") is None
    other = open_store(schemas.url())             # what another connection sees
    with s.group():
        assert s.write(WriteBatch(events=[_event(a.tenant_id, i) for i in range(3)], state=state(a, 3))) == 3
        # a NUL retries the write inside the group (a savepoint), the first write stays
        bad = Event(event_id="ev_nul", tenant_id=b.tenant_id, timestamp=T, message_raw="a\x00b",
                    message_normalized="a\x00b")
        assert s.write(WriteBatch(events=[_event(b.tenant_id, 0), bad], state=state(b, 2))) == 2
        assert other.existing_event_ids([_event(a.tenant_id, 0).event_id]) == set()   # not yet committed
    ids = [_event(a.tenant_id, i).event_id for i in range(3)] + [_event(b.tenant_id, 0).event_id, "ev_nul"]
    assert other.existing_event_ids(ids) == set(ids)
    assert other.load_state(b.tenant_id, "stream") == (1, {"seq": 2})
    # each write moved only its own rows: the staging table is empty between writes
    assert [e.event_id for e in other.events_after(a.tenant_id, 0)] == ids[:3]
    assert s.write(WriteBatch(events=[_event(a.tenant_id, 9)])) == 1      # and it still works outside a group
    other.close()
    s.close()


def _wait_for(pred, what, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_high_water_mark_never_passes_an_uncommitted_event(schemas):
    """Two writers of one tenant (which should not happen, but may while a worker is replaced):
    a batch that drew lower sequence numbers commits after a later one. A mark read in between
    must still cover only what is committed, or the later replay would skip the slow batch."""
    url = schemas.url()
    a, b, reader = open_store(url), open_store(url), open_store(url)
    t = _tenant(reader)
    tid = t.tenant_id
    sig = _sig(tid, "k1")
    reader.write(WriteBatch(signatures=[sig]))
    blocker = _raw(url)
    blocker.execute("BEGIN")
    blocker.execute("SELECT 1 FROM signatures WHERE signature_id = %s FOR UPDATE", (sig.signature_id,))
    slow = threading.Thread(target=a.write, args=(WriteBatch(events=[_event(tid, i) for i in range(5)],
                                                             signatures=[sig]),))
    slow.start()        # its events are in, its signature upsert waits for the blocker

    def waiting(store, kind):
        row = blocker.execute("SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s",
                              (store.conn.info.backend_pid,)).fetchone()
        return row is not None and row[0] == "Lock" and row[1] == kind

    _wait_for(lambda: waiting(a, "tuple") or waiting(a, "transactionid"), "the slow batch to block")
    fast = threading.Thread(target=b.write, args=(WriteBatch(events=[_event(tid, i) for i in range(10, 15)]),))
    fast.start()
    fast.join(timeout=1.0)
    mark = reader.event_high_water(tid)
    seen = {e.event_id for e in reader.events_after(tid, 0)}
    blocker.execute("COMMIT")
    slow.join()
    fast.join()
    after = {e.event_id for e in reader.events_after(tid, mark)}
    everything = {e.event_id for e in reader.events_after(tid, 0)}
    assert len(everything) == 10
    assert seen | after == everything and not seen & after
    blocker.close()
    for s in (a, b, reader):
        s.close()


def test_with_schema_sets_the_search_path(postgres_dsn):
    url = with_schema(postgres_dsn + "?connect_timeout=5", "brainstem_x")
    assert "connect_timeout=5" in url and "options=-csearch_path%3Dbrainstem_x" in url
    assert with_schema(url, "other").count("options=") == 1
    with pytest.raises(ValueError, match="bad schema name"):
        with_schema(postgres_dsn, "x; DROP TABLE events")


def test_a_tenant_can_be_written_by_two_stores_in_turn(schemas):
    """Idempotence across processes: the same events through two connections are stored once."""
    url = schemas.url()
    one, two = open_store(url), open_store(url)
    assert isinstance(one, PostgresStore)
    one.put_tenant(Tenant(tenant_id="tn_a", name="a", slug="a"))
    evs = [_event("tn_a", i) for i in range(30)]
    assert one.write(WriteBatch(events=evs[:20])) == 20
    assert two.write(WriteBatch(events=evs)) == 10
    assert one.counts()["a"]["event"] == 30
    one.close()
    two.close()


def test_a_lost_connection_or_a_failed_migration_is_a_store_error(schemas, postgres_dsn):
    url = schemas.url()
    s = open_store(url)
    t = _tenant(s)
    with _raw(postgres_dsn) as admin:       # end this test's own session, as a server restart would
        admin.execute("SELECT pg_terminate_backend(%s)", (s.conn.info.backend_pid,))
    with pytest.raises(StoreError, match="PostgreSQL failed"):
        s.get_tenant(t.tenant_id)
    with pytest.raises(StoreError, match="PostgreSQL failed"):
        s.write(WriteBatch(events=[_event(t.tenant_id, 1)]))
    s.close()
    old = schemas.url("old")
    first_migration_db(old)
    with _raw(old) as conn:                 # something in the way of migration 2
        conn.execute("CREATE TABLE pipeline_state (x integer)")
    with pytest.raises(StoreError, match=r"migration 2 \(pipeline state and signature aliases\) failed"):
        open_store(old, upgrade=True)
    with _raw(old) as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 1
        assert conn.execute("SELECT to_regclass('signature_aliases')").fetchone()[0] is None   # rolled back whole


def test_streamed_reads_page_through_ties_without_losing_or_repeating(schemas):
    from datetime import timedelta
    s = open_store(schemas.url())
    t = _tenant(s)
    evs = [_event(t.tenant_id, i, ts=T + timedelta(seconds=i // 4)) for i in range(23)]   # four per second
    s.write(WriteBatch(events=evs))
    whole_after, whole_since = list(s.events_after(t.tenant_id, 0)), list(s.events_since(t.tenant_id, T))
    s.page = 3                                   # pages end inside runs of equal timestamps
    assert [e.event_id for e in s.events_after(t.tenant_id, 0)] == [e.event_id for e in whole_after] == \
        [e.event_id for e in evs]
    assert [e.event_id for e in s.events_since(t.tenant_id, T)] == [e.event_id for e in whole_since] == \
        [e.event_id for e in evs]
    assert [e.event_id for e in s.events_since(t.tenant_id, T + timedelta(seconds=2))] == [e.event_id for e in evs[8:]]
    s.close()
