"""The embedded store: one SQLite file, WAL journal, one transaction per batch."""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable

from brainstem.models import (
    DECISION_BANDS, Candidate, IncidentMemory, Lesson, ProvenanceLink, ReviewDecision,
    RunbookHint, Signature, Tenant, iso, make_link, object_type_of, parse_iso, utcnow,
)
from brainstem.keys import ApiKey
from brainstem.store.base import CandidateQuery, Store, StoreError, WriteBatch
from brainstem.store.codec import EVENT_INSERT, TABLES, EventEncoder, dumps
from brainstem.store.migrations import LATEST, MIGRATIONS

_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit


class SQLiteStore(Store):
    """A brainstem database in one SQLite file (``:memory:`` works for tests)."""

    def __init__(self, path: str | Path, *, upgrade: bool = False, create: bool = True):
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
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            # first, so that everything below waits for another process instead of failing
            self.conn.execute("PRAGMA busy_timeout=30000")
            _set_wal(self.conn)
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=OFF")
            # Ingest touches three event indexes per row: keep their pages in
            # memory (64 MiB) and let the WAL grow to ~40 MiB between checkpoints.
            self.conn.execute("PRAGMA cache_size=-65536")
            self.conn.execute("PRAGMA wal_autocheckpoint=10000")
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
        self.conn.close()

    def _tx(self):
        return _Transaction(self.conn)

    # -- tenants and assets ---------------------------------------------------
    def put_tenant(self, tenant: Tenant) -> None:
        t = TABLES["tenant"]
        with self._tx():
            self.conn.execute(t.insert_sql, t.encode(tenant))

    def get_tenant(self, ref: str) -> Tenant | None:
        t = TABLES["tenant"]
        row = self.conn.execute(f"{t.select_sql} WHERE tenant_id = ? OR slug = ?", (ref, ref)).fetchone()
        return t.decode(row) if row else None

    def list_tenants(self) -> list[Tenant]:
        t = TABLES["tenant"]
        return [t.decode(r) for r in self.conn.execute(f"{t.select_sql} ORDER BY slug")]

    def asset_ids(self, tenant_id: str) -> dict[str, str]:
        return dict(self.conn.execute("SELECT hostname, asset_id FROM assets WHERE tenant_id = ?", (tenant_id,)))

    # -- the write path -------------------------------------------------------
    def existing_event_ids(self, event_ids: Iterable[str]) -> set[str]:
        ids = list(event_ids)
        found: set[str] = set()
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self.conn.execute(f"SELECT event_id FROM events WHERE event_id IN ({marks})", chunk))
        return found

    def write(self, batch: WriteBatch) -> int:
        rows = self._events.encode_all(batch.events) if batch.events else None
        with self._tx():
            before = self.conn.total_changes
            if rows:
                self.conn.executemany(EVENT_INSERT, rows)
            stored = self.conn.total_changes - before
            for kind, objs in (("asset", batch.assets), ("signature", batch.signatures), ("group", batch.groups),
                               ("candidate", batch.candidates), ("incident_memory", batch.incidents)):
                if objs:
                    t = TABLES[kind]
                    self.conn.executemany(t.insert_sql, map(t.encode, objs))
            if batch.links:
                t = TABLES["link"]
                self.conn.executemany(t.insert_sql.replace("OR REPLACE", "OR IGNORE"), map(t.encode, batch.links))
            if batch.aliases:
                now = iso(utcnow())
                self.conn.executemany("INSERT OR REPLACE INTO signature_aliases VALUES (?, ?, ?, ?)",
                                      [(t, o, n, now) for t, o, n in batch.aliases])
            if batch.state:
                now = iso(utcnow())
                self.conn.executemany("INSERT OR REPLACE INTO pipeline_state VALUES (?, ?, ?, ?, ?)",
                                      [(t, c, v, dumps(d), now) for t, c, v, d in batch.state])
        return stored

    def event_high_water(self, tenant_id: str) -> int:
        row = self.conn.execute("SELECT MAX(rowid) FROM events WHERE tenant_id = ?", (tenant_id,)).fetchone()
        return row[0] or 0

    def events_after(self, tenant_id: str, mark: int):
        t = TABLES["event"]
        cur = self.conn.execute(f"{t.select_sql} WHERE tenant_id = ? AND rowid > ? ORDER BY rowid", (tenant_id, mark))
        for row in cur:
            yield t.decode(row)

    def events_since(self, tenant_id: str, since):
        t = TABLES["event"]
        cur = self.conn.execute(f"{t.select_sql} WHERE tenant_id = ? AND timestamp >= ? ORDER BY timestamp, rowid",
                                (tenant_id, iso(since)))
        for row in cur:
            yield t.decode(row)

    def _put(self, kind: str, obj: Any) -> None:
        t = TABLES[kind]
        with self._tx():
            self.conn.execute(t.insert_sql, t.encode(obj))

    def put_review(self, review: ReviewDecision) -> None:
        self._put("review", review)

    def put_lesson(self, lesson: Lesson) -> None:
        self._put("lesson", lesson)

    def put_hint(self, hint: RunbookHint) -> None:
        self._put("runbook_hint", hint)

    # -- state ----------------------------------------------------------------
    def load_state(self, tenant_id: str, component: str) -> tuple[int, dict[str, Any]] | None:
        row = self.conn.execute("SELECT format_version, state FROM pipeline_state WHERE tenant_id = ? AND component = ?",
                                (tenant_id, component)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def aliases(self, tenant_id: str) -> dict[str, str]:
        return dict(self.conn.execute("SELECT old_key, new_key FROM signature_aliases WHERE tenant_id = ?", (tenant_id,)))

    # -- reads ----------------------------------------------------------------
    def _select(self, kind: str, where: str = "", params: Iterable[Any] = (), tail: str = "") -> list[Any]:
        t = TABLES[kind]
        sql = t.select_sql + (f" WHERE {where}" if where else "") + (f" {tail}" if tail else "")
        return [t.decode(r) for r in self.conn.execute(sql, tuple(params))]

    def get(self, object_id: str) -> Any | None:
        kind = object_type_of(object_id)
        if kind is None or kind not in TABLES:
            return None
        rows = self._select(kind, f"{TABLES[kind].key} = ?", (object_id,))
        return rows[0] if rows else None

    def signatures(self, tenant_id: str, keys: Iterable[str] | None = None, limit: int | None = None) -> list[Signature]:
        tail = "ORDER BY occurrence_count DESC, signature_key" + (f" LIMIT {int(limit)}" if limit else "")
        if keys is None:
            return self._select("signature", "tenant_id = ?", (tenant_id,), tail)
        out: list[Signature] = []
        keys = list(keys)
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            out += self._select("signature", f"tenant_id = ? AND signature_key IN ({','.join('?' * len(chunk))})",
                                (tenant_id, *chunk))
        return out

    def candidates(self, query: CandidateQuery) -> list[Candidate]:
        where, params = _candidate_filters(query)
        if query.after is not None:
            score, last, cid = query.after
            last = iso(last)
            where.append("(score_total < ? OR (score_total = ? AND (last_seen_at < ? OR "
                         "(last_seen_at = ? AND candidate_id > ?))))")
            params += [score, score, last, last, cid]
        tail = f"ORDER BY score_total DESC, last_seen_at DESC, candidate_id LIMIT {int(query.limit)}"
        if query.offset:
            tail += f" OFFSET {int(query.offset)}"
        return self._select("candidate", " AND ".join(where), params, tail)

    def count_candidates(self, query: CandidateQuery) -> int:
        where, params = _candidate_filters(query)
        sql = "SELECT COUNT(*) FROM candidates" + (f" WHERE {' AND '.join(where)}" if where else "")
        return self.conn.execute(sql, params).fetchone()[0]

    def band_counts(self) -> dict[tuple[str, str], int]:
        rows = self.conn.execute("SELECT tenant_id, decision_band, COUNT(*) FROM candidates GROUP BY tenant_id, decision_band")
        return {(t, b): n for t, b, n in rows}

    def find_signatures(self, tenant_id: str, text: str | None = None, limit: int = 50,
                        offset: int = 0) -> tuple[list[Signature], int]:
        where, params = "tenant_id = ?", [tenant_id]
        if text:
            like = f"%{_like_escape(text.lower())}%"
            where += (" AND (signature_key = ? OR LOWER(normalized_pattern) LIKE ? ESCAPE '\\' "
                      "OR LOWER(example_message) LIKE ? ESCAPE '\\')")
            params += [text, like, like]
        total = self.conn.execute(f"SELECT COUNT(*) FROM signatures WHERE {where}", params).fetchone()[0]
        page = self._select("signature", where, params, f"ORDER BY occurrence_count DESC, signature_key "
                                                        f"LIMIT {int(limit)} OFFSET {int(offset)}")
        return page, total

    def candidates_for_signatures(self, tenant_id: str, signature_ids: Iterable[str]) -> list[Candidate]:
        ids = set(signature_ids)
        if not ids:
            return []
        rows = self.conn.execute(
            "SELECT DISTINCT target_id FROM provenance_links WHERE target_type = 'candidate' AND tenant_id = ? "
            f"AND source_id IN ({','.join('?' * len(ids))})", (tenant_id, *ids)).fetchall()
        cands = [self.get(r[0]) for r in rows]
        return [c for c in cands if c is not None]

    def incidents(self, tenant_id: str | None = None, status: str | None = None) -> list[IncidentMemory]:
        where, params = [], []
        if tenant_id:
            where.append("tenant_id = ?")
            params.append(tenant_id)
        if status:
            where.append("status = ?")
            params.append(status)
        return self._select("incident_memory", " AND ".join(where), params,
                            "ORDER BY last_observed_at DESC, incident_memory_id")

    def lessons(self, tenant_id: str) -> list[Lesson]:
        return self._select("lesson", "tenant_id = ?", (tenant_id,), "ORDER BY created_at")

    def hints(self, tenant_id: str) -> list[RunbookHint]:
        return self._select("runbook_hint", "tenant_id = ?", (tenant_id,), "ORDER BY priority, created_at")

    def reviews(self, tenant_id: str, subject_ids: Iterable[str] | None = None) -> list[ReviewDecision]:
        if subject_ids is None:
            return self._select("review", "tenant_id = ?", (tenant_id,), "ORDER BY reviewed_at")
        ids = list(subject_ids)
        if not ids:
            return []
        return self._select("review", f"tenant_id = ? AND subject_id IN ({','.join('?' * len(ids))})",
                            (tenant_id, *ids), "ORDER BY reviewed_at")

    def events(self, tenant_id: str, signature_key: str | None = None, limit: int = 100) -> list:
        if signature_key is None:
            return self._select("event", "tenant_id = ?", (tenant_id,), f"ORDER BY timestamp LIMIT {int(limit)}")
        return self._select("event", "tenant_id = ? AND signature_key = ?", (tenant_id, signature_key),
                            f"ORDER BY timestamp LIMIT {int(limit)}")

    def links(self, object_id: str) -> tuple[list[ProvenanceLink], list[ProvenanceLink]]:
        out = self._select("link", "source_id = ?", (object_id,), "ORDER BY link_type, target_id")
        inc = self._select("link", "target_id = ?", (object_id,), "ORDER BY link_type, source_id LIMIT 200")
        # event -> signature is kept in events.signature_key rather than one link row per event
        kind = object_type_of(object_id)
        if kind == "event":
            ev = self.get(object_id)
            if ev is not None and ev.signature_key:
                sig = self._signature_by_key(ev.tenant_id, ev.signature_key)
                if sig is not None:
                    out.insert(0, make_link("event", ev.event_id, "signature", sig.signature_id, "fingerprinted_as", ev.tenant_id))
        elif kind == "signature":
            sig = self.get(object_id)
            if sig is not None:
                rows = self.conn.execute(
                    "SELECT event_id FROM events WHERE tenant_id = ? AND signature_key = ? ORDER BY timestamp LIMIT 20",
                    (sig.tenant_id, sig.signature_key)).fetchall()
                inc = [make_link("event", r[0], "signature", sig.signature_id, "fingerprinted_as", sig.tenant_id)
                       for r in rows] + inc
        return out, inc

    def _signature_by_key(self, tenant_id: str, key: str) -> Signature | None:
        rows = self._select("signature", "tenant_id = ? AND signature_key = ?", (tenant_id, key))
        return rows[0] if rows else None

    def counts(self) -> dict[str, dict[str, int]]:
        slugs = dict(self.conn.execute("SELECT tenant_id, slug FROM tenants"))
        out: dict[str, dict[str, int]] = {slug: {} for slug in slugs.values()}
        for kind, t in TABLES.items():
            if kind in ("tenant", "link"):
                continue
            for tenant_id, n in self.conn.execute(f"SELECT tenant_id, COUNT(*) FROM {t.name} GROUP BY tenant_id"):
                slug = slugs.get(tenant_id, tenant_id or "(global)")
                out.setdefault(slug, {})[kind] = n
        for tenant_id, n in self.conn.execute("SELECT tenant_id, COUNT(*) FROM provenance_links GROUP BY tenant_id"):
            out.setdefault(slugs.get(tenant_id, tenant_id or "(global)"), {})["link"] = n
        for counts in out.values():
            for kind in TABLES:
                if kind != "tenant":
                    counts.setdefault(kind, 0)
        return out


    # -- API keys ----------------------------------------------------------------
    _KEY_COLUMNS = "key_id, tenant_id, name, secret_hash, admin, created_at, revoked_at"

    def put_api_key(self, key: ApiKey) -> None:
        with self._tx():
            self.conn.execute(f"INSERT OR REPLACE INTO api_keys ({self._KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              (key.key_id, key.tenant_id, key.name, key.secret_hash, int(key.admin),
                               iso(key.created_at), iso(key.revoked_at)))

    def get_api_key(self, key_id: str) -> ApiKey | None:
        row = self.conn.execute(f"SELECT {self._KEY_COLUMNS} FROM api_keys WHERE key_id = ?", (key_id,)).fetchone()
        return _api_key(row) if row else None

    def api_keys(self, tenant_id: str | None = None) -> list[ApiKey]:
        sql = f"SELECT {self._KEY_COLUMNS} FROM api_keys"
        rows = (self.conn.execute(sql + " WHERE tenant_id = ? ORDER BY created_at, key_id", (tenant_id,)) if tenant_id
                else self.conn.execute(sql + " ORDER BY created_at, key_id"))
        return [_api_key(r) for r in rows]


def _api_key(row: tuple) -> ApiKey:
    return ApiKey(key_id=row[0], tenant_id=row[1], name=row[2], secret_hash=row[3], admin=bool(row[4]),
                  created_at=parse_iso(row[5]), revoked_at=parse_iso(row[6]))


def _like_escape(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _candidate_filters(query: CandidateQuery) -> tuple[list[str], list]:
    where, params = [], []
    if query.tenant_id:
        where.append("tenant_id = ?")
        params.append(query.tenant_id)
    if query.min_band:
        bands = DECISION_BANDS[DECISION_BANDS.index(query.min_band):]
        where.append(f"decision_band IN ({','.join('?' * len(bands))})")
        params += bands
    if query.bands:
        where.append(f"decision_band IN ({','.join('?' * len(query.bands))})")
        params += query.bands
    if query.types:
        where.append(f"candidate_type IN ({','.join('?' * len(query.types))})")
        params += query.types
    if query.since is not None:
        where.append("last_seen_at >= ?")
        params.append(iso(query.since))
    if query.until is not None:
        where.append("first_seen_at <= ?")
        params.append(iso(query.until))
    if query.host:
        # the evidence's hosts are a JSON list in metadata: the quoted name, matched literally
        where.append("metadata LIKE ? ESCAPE '\\'")
        params.append(f"%{_like_escape(dumps(query.host))}%")
    return where, params


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
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error (one writer at a time)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        return False


def open_store(path: str | Path, *, create: bool = True, upgrade: bool = False) -> SQLiteStore:
    """Open the store at ``path``; the one place backends are chosen."""
    return SQLiteStore(path, create=create, upgrade=upgrade)
