"""The embedded store: one SQLite file, WAL journal, one transaction per batch."""
from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable

from brainstem.models import iso, object_type_of, utcnow
from brainstem.store.base import StoreError, WriteBatch, WriteBehindResult
from brainstem.store.behind import EVENTS, OTHER, UNFINISHED_EVENTS, WriteBehind, run_statements
from brainstem.store.codec import EVENT_INSERT, TABLES, EventEncoder, dumps
from brainstem.store.migrations import LATEST, MIGRATIONS
from brainstem.store.sql import SQLStore

# sqlite3 binds str, int and float as they are, but sends every other value, None
# included, through its adapter protocol: two failed attribute look-ups, each making
# and dropping an AttributeError, for every NULL column of every row (an event row has
# two or three). An adapter registered for None is found in one dict look-up; {}.get
# returns None for None without a Python frame. What is bound is the same NULL.
sqlite3.register_adapter(type(None), {}.get)

# The page size of a new database file (an existing file keeps its own). SQLite's
# default, 4 KiB, made an ingest write its 110 MB of events as over 27,000 WAL frames
# and copy them back at each checkpoint, a system call per frame; 16 KiB pages
# write a quarter as many and cost 0.7% fewer instructions (callgrind, 40k lines
# of the week; 8 KiB -0.45%, 32 KiB -0.47%). The system time fell too, but by
# how much stayed within the machine's noise. Fewer overflow pages for the long
# rows a JSON log makes, too.
PAGE_SIZE = 16384


class SQLiteStore(SQLStore):
    """A brainstem database in one SQLite file (``:memory:`` works for tests)."""

    def __init__(self, path: str | Path, *, upgrade: bool = False, create: bool = True, reader: bool = False):
        """Open a database; a new file gets the latest schema.

        An existing file with an older schema is refused unless ``upgrade`` is
        true (``brainstem db upgrade``), so that a shared database is never
        migrated behind its operator's back.
        """
        self.path = str(path)
        if self.path != ":memory:":
            p = Path(self.path)
            if p.is_dir():
                raise StoreError(f"{p}: is a directory, not a database file")
            if not p.parent.exists():
                raise StoreError(f"{p}: directory {p.parent} does not exist")
            if not create and not p.exists():
                raise StoreError(f"{p}: no such database (run `brainstem ingest` first)")
        try:
            self.conn = connect(self.path, reader=reader)
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a brainstem database ({exc})") from None
        if tables and "schema_version" not in tables:
            raise StoreError(f"{self.path}: an SQLite file, but not a brainstem database")
        version = self.schema_version()
        if version > LATEST:
            raise StoreError(f"{self.path}: schema version {version} is newer than this brainstem ({LATEST}); upgrade brainstem")
        self._events = EventEncoder()
        self.applied: list[str] = []
        if version == 0 or upgrade:
            self.applied = self.upgrade()
        elif version < LATEST:
            raise StoreError(f"{self.path}: schema version {version} is older than this brainstem ({LATEST}); "
                             f"run `brainstem db upgrade --db {self.path}`")
        if reader:
            self.conn.execute("PRAGMA query_only=1")   # a write through a reader is a bug: make it fail

    # -- schema -------------------------------------------------------------
    def schema_version(self) -> int:
        try:
            row = self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        except sqlite3.OperationalError:
            return 0
        return row[0] or 0

    def upgrade(self) -> list[str]:
        """Apply the missing migrations in one ``BEGIN IMMEDIATE`` transaction.

        The version is read again inside the transaction, so two processes that
        open a new database at the same moment apply each migration once: the
        second waits for the first's lock, then finds nothing left to do. One
        transaction for all of them, so no process ever sees a half-built schema.
        """
        applied = []
        with self._tx():
            self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version "
                              "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            current = self.schema_version()
            for m in MIGRATIONS:
                if m.version <= current:
                    continue
                for stmt in m.statements:
                    self.conn.execute(stmt)
                self.conn.execute("INSERT INTO schema_version VALUES (?, ?, ?)", (m.version, m.name, iso(utcnow())))
                applied.append(f"{m.version}: {m.name}")
        return applied

    def close(self) -> None:
        if self._behind is not None:
            self._stop_behind()
        self.conn.close()

    def _tx(self):
        if self._behind is not None:
            self._behind.drain()
        return _Transaction(self.conn, self.path)

    def _rows(self, sql: str, params: Iterable[Any] = ()):
        if self._behind is not None:
            self._behind.drain()
        return self.conn.execute(sql, params)

    def _upsert_sql(self, kind: str) -> str:
        return TABLES[kind].insert_sql

    # -- the write path -------------------------------------------------------
    _json_each = True
    _behind: WriteBehind | None = None
    _behind_from = 0            # events in one write that start the write-behind process (0: never)

    def existing_event_ids(self, event_ids: Iterable[str]) -> set[str]:
        """One statement and one parameter for the whole batch: binding 10,000 ids
        500 at a time cost a third more than SQLite reading them as one JSON array.
        Under write-behind, the ids of batches not yet committed count as stored."""
        ids = list(event_ids)
        found = self._committed_ids(ids)
        if self._behind is not None:
            found |= self._behind.pending_ids(ids)
        return found

    def _committed_ids(self, ids: list[str]) -> set[str]:
        if self._json_each:
            try:
                return {r[0] for r in self.conn.execute("SELECT e.event_id FROM json_each(?) AS j "
                                                        "JOIN events AS e ON e.event_id = j.value", (json.dumps(ids),))}
            except sqlite3.OperationalError as exc:
                if "json_each" not in str(exc):
                    raise
                self._json_each = False     # an SQLite built without its JSON functions
        return super().existing_event_ids(ids)

    def _statements(self, batch: WriteBatch, *, finish: bool = True) -> tuple[list[tuple[str, list, int]],
                                                                               list[list[tuple]]]:
        """What ``write`` executes for ``batch``: (sql, rows, what they are: behind.EVENTS...);
        and those row lists whose first column is an object's id. Without ``finish``,
        the events' rows are left for ``finish_rows`` (in the writer process)."""
        ops: list[tuple[str, list, int]] = []
        if batch.events:
            if finish:
                ops.append((EVENT_INSERT, self._events.encode_all(batch.events), EVENTS))
            else:
                ops.append((EVENT_INSERT, self._events.encode_unfinished(batch.events), UNFINISHED_EVENTS))
        for kind, objs in (("asset", batch.assets), ("signature", batch.signatures), ("group", batch.groups),
                           ("candidate", batch.candidates), ("incident_memory", batch.incidents)):
            if objs:
                t = TABLES[kind]
                ops.append((t.insert_sql, list(map(t.encode, objs)), OTHER))
        if batch.links:
            t = TABLES["link"]
            ops.append((t.insert_sql.replace("OR REPLACE", "OR IGNORE"), list(map(t.encode, batch.links)), OTHER))
        keyed = [rows for _, rows, _ in ops]
        if batch.aliases:
            now = iso(utcnow())
            ops.append(("INSERT OR REPLACE INTO signature_aliases VALUES (?, ?, ?, ?)",
                        [(t, o, n, now) for t, o, n in batch.aliases], OTHER))
        if batch.state:
            now = iso(utcnow())
            ops.append(("INSERT OR REPLACE INTO pipeline_state VALUES (?, ?, ?, ?, ?)",
                        [(t, c, v, dumps(d), now) for t, c, v, d in batch.state], OTHER))
        return ops, keyed

    def write(self, batch: WriteBatch) -> int:
        if self._behind is None and self._behind_from and len(batch.events) >= self._behind_from:
            try:
                self._behind = WriteBehind(self.path)
            except OSError:             # no second process to be had: write as ever
                self._behind_from = 0
        if self._behind is None:
            ops, _ = self._statements(batch)
            with self._tx():
                return run_statements(self.conn, ops)
        ops, keyed = self._statements(batch, finish=False)
        held = {r[0] for rows in keyed for r in rows}
        # counted as stored now; what the child finds already there is settled at the end
        submitted = len(batch.events)
        try:
            self._behind.submit(ops, held, submitted)
        except ValueError:      # a field value a message does not carry (none a log gives): rows made here
            self._behind.submit(self._statements(batch)[0], held, submitted)
        return submitted

    def get(self, object_id: str) -> Any | None:
        """Under write-behind, an object that no write in flight holds is read at once:
        its row is already what those writes will leave (the candidate book reads
        candidates and groups it has not seen yet, a dozen times a big ingest)."""
        behind = self._behind
        if behind is None or behind.holds(object_id):
            return super().get(object_id)      # waits for the writes in flight
        kind = object_type_of(object_id)
        if kind is None or kind not in TABLES:
            return None
        t = TABLES[kind]
        row = self.conn.execute(f"{t.select_sql} WHERE {t.key} = ?", (object_id,)).fetchone()
        return t.decode(row) if row else None

    @contextmanager
    def writing_behind(self, min_events: int):
        """Within the block, a write of at least ``min_events`` events (0: none) hands this
        and every later write to a second process (:mod:`brainstem.store.behind`); the
        block waits for all of them to commit before it ends. A database in memory
        cannot be shared with another process, and a second process gains nothing on
        one core: there the block changes nothing."""
        result = WriteBehindResult()
        if self.path == ":memory:" or min_events <= 0 or usable_cores() < 2:
            yield result
            return
        self._behind_from = min_events
        try:
            yield result
            if self._behind is not None:
                self._behind.drain()
                result.already_stored = self._behind.shortfall
        finally:
            self._behind_from = 0
            if self._behind is not None:
                self._stop_behind()

    def _stop_behind(self) -> None:
        behind, self._behind = self._behind, None
        behind.close()

    def event_high_water(self, tenant_id: str) -> int:
        row = self._rows("SELECT MAX(rowid) FROM events WHERE tenant_id = ?", (tenant_id,)).fetchone()
        return row[0] or 0

    def events_after(self, tenant_id: str, mark: int):
        t = TABLES["event"]
        cur = self._rows(f"{t.select_sql} WHERE tenant_id = ? AND rowid > ? ORDER BY rowid", (tenant_id, mark))
        for row in cur:
            yield t.decode(row)

    def events_since(self, tenant_id: str, since):
        t = TABLES["event"]
        cur = self._rows(f"{t.select_sql} WHERE tenant_id = ? AND timestamp >= ? ORDER BY timestamp, rowid",
                         (tenant_id, iso(since)))
        for row in cur:
            yield t.decode(row)


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity: taskset, a container's cpuset)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):    # not on Linux
        return os.cpu_count() or 1


def connect(path: str, *, reader: bool = False) -> sqlite3.Connection:
    """A connection with the settings every brainstem connection to a file uses."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # first, so that everything below waits for another process instead of failing
    conn.execute("PRAGMA busy_timeout=30000")
    # before anything is written (switching to WAL writes the header); a no-op on an existing file
    conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
    _set_wal(conn)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    # Ingest touches three event indexes per row: keep their pages in
    # memory (64 MiB) and let the WAL grow to ~40 MiB between checkpoints.
    conn.execute("PRAGMA cache_size=-8192" if reader else "PRAGMA cache_size=-65536")
    conn.execute("PRAGMA wal_autocheckpoint=10000")
    return conn


def _set_wal(conn: sqlite3.Connection, patience: float = 30.0) -> None:
    """WAL journal; switching to it needs a moment alone with the file, which SQLite
    does not wait for (no busy handler), so another process creating the same new
    database is waited for here."""
    deadline = time.monotonic() + patience
    delay = 0.005
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error (one writer at a time).

    A full disk is the one storage error a user meets in normal life: it becomes a
    ``StoreError`` saying so, after the rollback, so the database stays as it was
    after the last committed batch and the same command can simply be run again.
    """

    def __init__(self, conn: sqlite3.Connection, path: str = ""):
        self.conn = conn
        self.path = path

    def __enter__(self):
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _translated(exc, self.path) from None
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return False
            except sqlite3.OperationalError as commit_exc:
                exc = commit_exc
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.OperationalError:
                pass            # SQLite already rolled back (as it may on SQLITE_FULL)
        if isinstance(exc, sqlite3.OperationalError):
            raise _translated(exc, self.path) from None
        return False


def _translated(exc: sqlite3.OperationalError, path: str) -> Exception:
    text = str(exc)
    if "full" in text:
        return StoreError(f"database disk is full: {path}: {text}; free some space and run the same command "
                          "again (everything up to the last committed batch is stored, nothing twice)")
    if "locked" in text or "busy" in text:
        return StoreError(f"{path}: the database stayed locked by another process for 30 s ({text})")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"{path}: cannot write to the database ({text})")
    return exc

