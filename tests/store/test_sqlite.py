"""What only the SQLite backend does: files, WAL, its own upgrade path."""
import sqlite3

import pytest

from brainstem.store import SQLiteStore, StoreError, WriteBatch, open_store
from brainstem.store.migrations import LATEST, MIGRATIONS


def test_a_new_file_uses_wal_and_large_pages(tmp_path):
    from brainstem.store.sqlite import PAGE_SIZE

    store = open_store(tmp_path / "b.db")
    assert isinstance(store, SQLiteStore)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    raw = sqlite3.connect(tmp_path / "b.db")      # read from the file, not from the store's own setting
    assert raw.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE > 4096
    raw.close()


def test_bad_paths_are_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "nope" / "b.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a brainstem database"):
        open_store(junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError, match="not a brainstem database"):
        open_store(other)


def _first_migration_db(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    for stmt in MIGRATIONS[0].statements:
        conn.execute(stmt)
    conn.execute("INSERT INTO schema_version VALUES (1, 'core objects', '2026-01-01T00:00:00Z')")
    conn.execute("INSERT INTO tenants VALUES ('tn_old', 'Old', 'old', 'lab', '[]', '{}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
    conn.commit()
    conn.close()


def test_upgrade_from_the_first_migration_keeps_data(tmp_path):
    path = tmp_path / "old.db"
    _first_migration_db(path)
    with pytest.raises(StoreError, match="db upgrade"):
        open_store(path)
    s = SQLiteStore(path, upgrade=True)
    assert s.applied == [f"{m.version}: {m.name}" for m in MIGRATIONS[1:]]
    assert s.schema_version() == LATEST
    assert s.get_tenant("old").name == "Old"
    s.write(WriteBatch(state=[("tn_old", "miner", 1, {})], aliases=[("tn_old", "a", "b")]))
    assert s.aliases("tn_old") == {"a": "b"}
    s.close()
    assert open_store(path).schema_version() == LATEST
    # a file made with SQLite's default pages keeps them (and its data) when opened again
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert raw.execute("SELECT name FROM tenants").fetchall() == [("Old",)]
    raw.close()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (99, 'future', 'x')")
    conn.commit()
    with pytest.raises(StoreError, match="newer"):
        open_store(path)




def test_the_duplicate_check_reads_a_batch_as_json_and_falls_back_to_in_lists(tmp_path):
    """Both ways of asking which ids are stored (one JSON array; IN lists of 500 where
    SQLite has no JSON functions) give the same answer, duplicates and odd ids included."""
    from datetime import datetime, timezone

    from brainstem.models import Event, Tenant

    store = open_store(tmp_path / "b.db")
    store.put_tenant(Tenant(tenant_id="tn_a", name="A", slug="a"))
    t = datetime(2026, 3, 2, tzinfo=timezone.utc)
    evs = [Event(event_id=f"ev_{i:04x}", tenant_id="tn_a", timestamp=t, message_raw=f"m{i}") for i in range(1200)]
    store.write(WriteBatch(events=evs[::3]))
    asked = [e.event_id for e in evs] + ['ev_"q"', "ev_é", evs[0].event_id]
    want = {e.event_id for e in evs[::3]}
    assert store.existing_event_ids(iter(asked)) == want
    store._json_each = False
    assert store.existing_event_ids(iter(asked)) == want
    store.close()
