"""The shared store: PostgreSQL through psycopg 3, one transaction per batch.

Open it with a URL, ``postgresql://user@host:5432/dbname``; brainstem's
tables live in the connection's current schema (``public`` unless the URL
says ``?options=-csearch_path%3Dname``, see :func:`with_schema`).

Guarantees, the same as the SQLite store's:

- ``write(batch)`` is one transaction: its events, objects and stage state
  commit together or not at all.
- Events are inserted once: a batch is COPYed into a temporary table and
  moved with ``INSERT … ON CONFLICT (event_id) DO NOTHING``, in batch order;
  the other objects are upserts by their key (SQLite's INSERT OR REPLACE),
  provenance links are inserted once.
- The event high-water mark is the ``seq`` identity column (SQLite uses the
  rowid). Sequence numbers are handed out in call order but committed in
  whatever order transactions finish, so a mark read while two writers of one
  tenant are mid-commit could pass over an uncommitted, lower number. A tenant
  has one writer by design (one pipeline per tenant, one worker per tenant
  partition); ``write`` makes it safe even when that is broken, by taking a
  per-tenant transaction lock before its events draw numbers: the tenant's
  numbers are then drawn and committed in one order, so every committed mark
  has all smaller numbers of that tenant committed before it.
- Migrations run in one transaction under a session advisory lock keyed by
  the schema, so two processes opening a new database at once apply them once
  and nobody sees a half-built schema.
"""
from __future__ import annotations

import functools
import re
from contextlib import contextmanager
from hashlib import blake2b
from typing import Any, Iterable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import conninfo

from brainstem.models import Event, iso, utcnow
from brainstem.store.base import StoreError, WriteBatch
from brainstem.store.codec import EVENT_COLUMNS, TABLES, EventEncoder, Table, dumps
from brainstem.store.migrations import LATEST, MIGRATIONS
from brainstem.store.open import redacted
from brainstem.store.sql import SQLStore


_STAGING = "brainstem_events_in"
_EVENT_COLS = ", ".join(EVENT_COLUMNS)
_CREATE_STAGING = (f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} (n INTEGER NOT NULL, "
                   + ", ".join(f'{c} TEXT COLLATE "C"' for c in EVENT_COLUMNS) + ") ON COMMIT DELETE ROWS")
_COPY = f"COPY {_STAGING} (n, {_EVENT_COLS}) FROM STDIN"
# the staged rows leave the staging table as they move (a group of writes shares one transaction)
_MOVE = (f"WITH moved AS (DELETE FROM {_STAGING} RETURNING n, {_EVENT_COLS}) "
         f"INSERT INTO events ({_EVENT_COLS}) SELECT {_EVENT_COLS} FROM moved ORDER BY n "
         "ON CONFLICT (event_id) DO NOTHING")
_ALIASES = ("INSERT INTO signature_aliases (tenant_id, old_key, new_key, created_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (tenant_id, old_key) DO UPDATE SET new_key = EXCLUDED.new_key, created_at = EXCLUDED.created_at")
_STATE = ("INSERT INTO pipeline_state (tenant_id, component, format_version, state, updated_at) "
          "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (tenant_id, component) DO UPDATE SET "
          "format_version = EXCLUDED.format_version, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at")


@functools.lru_cache(maxsize=512)
def _pg(sql: str) -> str:
    """``?`` placeholders (the shared queries') as psycopg's ``%s``."""
    return sql.replace("%", "%%").replace("?", "%s")


def _upsert(t: Table, *, replace: bool = True) -> str:
    cols = ", ".join(t.columns)
    head = f"INSERT INTO {t.name} ({cols}) VALUES ({', '.join('?' for _ in t.columns)}) ON CONFLICT ({t.key}) "
    if not replace:
        return head + "DO NOTHING"
    return head + "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in t.columns if c != t.key)


def _lock_key(*parts: str) -> int:
    """A signed 64-bit advisory lock key derived from names."""
    digest = blake2b("\x1f".join(("brainstem",) + parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def with_schema(url: str, schema: str) -> str:
    """``url`` with its connections working in ``schema`` (it must exist)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise ValueError(f"bad schema name {schema!r}: use letters, digits and '_'")
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _strip_nul(row: tuple) -> tuple:
    return tuple(v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in row)


class PostgresStore(SQLStore):
    """A brainstem database in PostgreSQL (one schema of one database)."""

    _seq = "seq"
    #: events per query when streaming events_after / events_since (bounded memory)
    page = 5000

    def __init__(self, url: str, *, upgrade: bool = False, create: bool = True):
        """Connect; an empty schema gets the latest migrations.

        An older schema is refused unless ``upgrade`` is true (``brainstem db
        upgrade``); with ``create`` false an empty schema is refused too,
        unless ``upgrade`` asks for it to be created.
        """
        self.path = redacted(url)
        params: dict[str, Any] = {"autocommit": True}
        try:
            given = conninfo.conninfo_to_dict(url)
        except psycopg.ProgrammingError as exc:
            raise StoreError(f"{self.path}: not a valid PostgreSQL URL ({exc})") from None
        if "connect_timeout" not in given:
            params["connect_timeout"] = 10
        if "application_name" not in given:
            params["application_name"] = "brainstem"
        try:
            self.conn = psycopg.connect(url, **params)
        except psycopg.Error as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise StoreError(f"{self.path}: cannot connect to PostgreSQL ({reason})") from None
        self._events = EventEncoder()
        self._staging = False
        self.applied: list[str] = []
        try:
            self._open(upgrade=upgrade, create=create)
        except psycopg.Error as exc:
            self.conn.close()
            raise StoreError(f"{self.path}: {' '.join(str(exc).split()) or type(exc).__name__}") from exc
        except BaseException:
            self.conn.close()
            raise

    def _open(self, *, upgrade: bool, create: bool) -> None:
        schema = self.conn.execute("SELECT current_schema()").fetchone()[0]
        if schema is None:
            raise StoreError(f"{self.path}: no schema to work in (the search_path names no existing schema; "
                             "create it first)")
        self.schema = schema
        with self._migration_lock():
            tables = {r[0] for r in self.conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
            if tables and "schema_version" not in tables:
                raise StoreError(f"{self.path}: schema {schema!r} holds tables, but not a brainstem database")
            version = self.schema_version()
            if version > LATEST:
                raise StoreError(f"{self.path}: schema version {version} is newer than this brainstem ({LATEST}); "
                                 "upgrade brainstem")
            if version == 0 and not (create or upgrade):
                raise StoreError(f"{self.path}: no brainstem database in schema {schema!r} "
                                 f"(run `brainstem ingest` or `brainstem db upgrade --db {self.path}` first)")
            if version == 0 or upgrade:
                self.applied = self.upgrade()
            elif version < LATEST:
                raise StoreError(f"{self.path}: schema version {version} is older than this brainstem ({LATEST}); "
                                 f"run `brainstem db upgrade --db {self.path}`")

    # -- schema -------------------------------------------------------------
    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """A session lock per schema (re-entrant), held while migrations are checked and applied."""
        key = _lock_key("migrate", self.schema)
        self.conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            if not self.conn.closed:
                self.conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def schema_version(self) -> int:
        if self.conn.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
            return 0
        return self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0

    def upgrade(self) -> list[str]:
        """Apply the missing migrations in one transaction, under the schema's migration lock.

        PostgreSQL's DDL is transactional: a migration that fails leaves the
        database as it was, and no process ever sees a half-built schema.
        """
        applied: list[str] = []
        with self._migration_lock():
            current = self.schema_version()
            m = None
            try:
                with self.conn.transaction():
                    self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, "
                                      'name TEXT COLLATE "C" NOT NULL, applied_at TEXT COLLATE "C" NOT NULL)')
                    for m in MIGRATIONS:
                        if m.version <= current:
                            continue
                        for stmt in m.sql("postgresql"):
                            self.conn.execute(stmt)
                        self.conn.execute("INSERT INTO schema_version VALUES (%s, %s, %s)",
                                          (m.version, m.name, iso(utcnow())))
                        applied.append(f"{m.version}: {m.name}")
            except psycopg.Error as exc:
                what = f"migration {m.version} ({m.name})" if m is not None else "creating schema_version"
                raise StoreError(f"{self.path}: {what} failed; the upgrade was rolled back: "
                                 f"{' '.join(str(exc).split())}") from exc
        return applied

    def close(self) -> None:
        self.conn.close()

    # -- the shared queries' hooks --------------------------------------------------
    def _failed(self, exc: psycopg.OperationalError) -> StoreError:
        """A server or connection failure (server gone, disk full, cancelled) as a store error."""
        return StoreError(f"{self.path}: PostgreSQL failed ({' '.join(str(exc).split()) or type(exc).__name__})")

    def _rows(self, sql: str, params: Iterable[Any] = ()):
        try:
            return self.conn.execute(_pg(sql), tuple(params))
        except psycopg.OperationalError as exc:
            raise self._failed(exc) from exc

    def _fetch(self, sql: str, params: tuple, *, prepare: bool | None = None) -> list[tuple]:
        try:
            return self.conn.execute(sql, params, prepare=prepare).fetchall()
        except psycopg.OperationalError as exc:
            raise self._failed(exc) from exc

    def _tx(self):
        return self.conn.transaction()

    def _upsert_sql(self, kind: str) -> str:
        return _upsert(TABLES[kind])

    # -- the write path -------------------------------------------------------
    def existing_event_ids(self, event_ids: Iterable[str]) -> set[str]:
        ids = list(event_ids)
        if not ids:
            return set()
        # Never prepared: a prepared statement's generic plan sees a parameter, not the array,
        # so PostgreSQL can neither hash it nor weigh its length, and picks a scan that
        # compares every row with every id (30k rows x 500 ids: 150 ms instead of 1 ms).
        return {r[0] for r in self._fetch("SELECT event_id FROM events WHERE event_id = ANY(%s)", (ids,),
                                          prepare=False)}

    def write(self, batch: WriteBatch) -> int:
        rows = self._events.encode_all(batch.events) if batch.events else []
        try:
            try:
                return self._write(batch, rows, clean=False)
            except psycopg.DataError as exc:
                # PostgreSQL text cannot hold NUL; SQLite can. Such a character
                # (from a JSON field, say) is stored as U+FFFD, as undecodable
                # bytes already are; the event id was derived from the original.
                if "0x00" not in str(exc) and "NUL" not in str(exc):
                    raise
                return self._write(batch, rows, clean=True)
        except psycopg.OperationalError as exc:
            raise self._failed(exc) from exc

    @contextmanager
    def group(self) -> Iterator[None]:
        """One transaction around several writes (each a savepoint in it): one commit."""
        try:
            self._ensure_staging()
            with self.conn.transaction():
                yield
        except psycopg.OperationalError as exc:
            raise self._failed(exc) from exc

    def _ensure_staging(self) -> None:
        # outside any transaction: a rolled-back batch or group must not take the table along
        if not self._staging and self.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            self.conn.execute(_CREATE_STAGING)
            self._staging = True

    def _write(self, batch: WriteBatch, rows: list[tuple], *, clean: bool) -> int:
        fix = _strip_nul if clean else None
        stored = 0
        if rows:
            self._ensure_staging()
        with self.conn.transaction(), self.conn.cursor() as cur:
            if rows:
                # One writer per tenant at a time, from here to commit: see the module docstring.
                for tid in sorted({r[1] for r in rows}):
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key("events", self.schema, tid),))
                with cur.copy(_COPY) as copy:
                    for n, row in enumerate(rows):
                        copy.write_row((n, *(fix(row) if fix else row)))
                cur.execute(_MOVE)
                stored = cur.rowcount
            for kind, objs in (("asset", batch.assets), ("signature", batch.signatures), ("group", batch.groups),
                               ("candidate", batch.candidates), ("incident_memory", batch.incidents)):
                if objs:
                    t = TABLES[kind]
                    cur.executemany(_pg(self._upsert_sql(kind)), [self._encode(t, o, fix) for o in objs])
            if batch.links:
                t = TABLES["link"]
                cur.executemany(_pg(_upsert(t, replace=False)), [self._encode(t, o, fix) for o in batch.links])
            if batch.aliases:
                now = iso(utcnow())
                cur.executemany(_ALIASES, [(t, o, n, now) for t, o, n in batch.aliases])
            if batch.state:
                now = iso(utcnow())
                cur.executemany(_STATE, [(t, c, v, dumps(d), now) for t, c, v, d in batch.state])
        return stored

    @staticmethod
    def _encode(t: Table, obj: Any, fix) -> tuple:
        row = t.encode(obj)
        return fix(row) if fix else row

    def event_high_water(self, tenant_id: str) -> int:
        return self._fetch("SELECT COALESCE(MAX(seq), 0) FROM events WHERE tenant_id = %s", (tenant_id,))[0][0]

    def events_after(self, tenant_id: str, mark: int) -> Iterator[Event]:
        t = TABLES["event"]
        sql = (f"SELECT {', '.join(t.columns)}, seq FROM events WHERE tenant_id = %s AND seq > %s "
               f"ORDER BY seq LIMIT {self.page}")
        while True:
            rows = self._fetch(sql, (tenant_id, mark))
            for r in rows:
                yield t.decode(r[:-1])
            if len(rows) < self.page:
                return
            mark = rows[-1][-1]

    def events_since(self, tenant_id: str, since) -> Iterator[Event]:
        t = TABLES["event"]
        cols = ", ".join(t.columns)
        first = (f"SELECT {cols}, seq FROM events WHERE tenant_id = %s AND timestamp >= %s "
                 f"ORDER BY timestamp, seq LIMIT {self.page}")
        rest = (f"SELECT {cols}, seq FROM events WHERE tenant_id = %s AND (timestamp, seq) > (%s, %s) "
                f"ORDER BY timestamp, seq LIMIT {self.page}")
        rows = self._fetch(first, (tenant_id, iso(since)))
        ts_at = t.columns.index("timestamp")
        while True:
            for r in rows:
                yield t.decode(r[:-1])
            if len(rows) < self.page:
                return
            last = rows[-1]
            rows = self._fetch(rest, (tenant_id, last[ts_at], last[-1]))
