"""What the SQL backends share: the read queries and single-row writes, written once.

Statements here use ``?`` placeholders and SQL that SQLite and PostgreSQL both
run; a backend's ``_rows`` adapts the placeholders to its driver. The batch
write path, the event high-water mark and schema upgrades are each backend's
own (``sqlite.py``, ``postgres.py``), because that is where they differ.
"""
from __future__ import annotations

import json
from typing import Any, ContextManager, Iterable

from brainstem.keys import ApiKey
from brainstem.models import (
    DECISION_BANDS, Candidate, IncidentMemory, Lesson, ProvenanceLink, ReviewDecision,
    RunbookHint, Signature, Tenant, iso, make_link, object_type_of, parse_iso,
)
from brainstem.store.base import CandidateQuery, Store
from brainstem.store.codec import TABLES, dumps

CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit


def marks(n: int) -> str:
    return ",".join("?" * n)


class SQLStore(Store):
    """The part of a SQL backend that is the same SQL on every dialect."""

    path: str
    #: the column that orders events as they were stored (breaks timestamp ties)
    _seq = "rowid"

    # -- what a backend provides ------------------------------------------------
    def _rows(self, sql: str, params: Iterable[Any] = ()) -> Iterable[tuple]:
        """Run a query (``?`` placeholders) and iterate its rows."""
        raise NotImplementedError

    def _tx(self) -> ContextManager:
        """A write transaction: committed on exit, rolled back on error."""
        raise NotImplementedError

    def _upsert_sql(self, kind: str) -> str:
        """Insert-or-replace one row of a table, by its key (``?`` placeholders)."""
        raise NotImplementedError

    def _one(self, sql: str, params: Iterable[Any] = ()) -> tuple | None:
        return next(iter(self._rows(sql, params)), None)

    # -- single-row writes ------------------------------------------------------
    def _put(self, kind: str, obj: Any) -> None:
        with self._tx():
            self._rows(self._upsert_sql(kind), TABLES[kind].encode(obj))

    def put_tenant(self, tenant: Tenant) -> None:
        self._put("tenant", tenant)

    def put_review(self, review: ReviewDecision) -> None:
        self._put("review", review)

    def put_lesson(self, lesson: Lesson) -> None:
        self._put("lesson", lesson)

    def put_hint(self, hint: RunbookHint) -> None:
        self._put("runbook_hint", hint)

    # -- tenants, assets, state ---------------------------------------------------
    def get_tenant(self, ref: str) -> Tenant | None:
        t = TABLES["tenant"]
        row = self._one(f"{t.select_sql} WHERE tenant_id = ? OR slug = ?", (ref, ref))
        return t.decode(row) if row else None

    def list_tenants(self) -> list[Tenant]:
        t = TABLES["tenant"]
        return [t.decode(r) for r in self._rows(f"{t.select_sql} ORDER BY slug")]

    def asset_ids(self, tenant_id: str) -> dict[str, str]:
        return dict(self._rows("SELECT hostname, asset_id FROM assets WHERE tenant_id = ?", (tenant_id,)))

    def existing_event_ids(self, event_ids: Iterable[str]) -> set[str]:
        ids = list(event_ids)
        found: set[str] = set()
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            found.update(r[0] for r in self._rows(f"SELECT event_id FROM events WHERE event_id IN ({marks(len(chunk))})",
                                                  chunk))
        return found

    def load_state(self, tenant_id: str, component: str) -> tuple[int, dict[str, Any]] | None:
        row = self._one("SELECT format_version, state FROM pipeline_state WHERE tenant_id = ? AND component = ?",
                        (tenant_id, component))
        return (row[0], json.loads(row[1])) if row else None

    def aliases(self, tenant_id: str) -> dict[str, str]:
        return dict(self._rows("SELECT old_key, new_key FROM signature_aliases WHERE tenant_id = ?", (tenant_id,)))

    # -- reads ----------------------------------------------------------------
    def _select(self, kind: str, where: str = "", params: Iterable[Any] = (), tail: str = "") -> list[Any]:
        t = TABLES[kind]
        sql = t.select_sql + (f" WHERE {where}" if where else "") + (f" {tail}" if tail else "")
        return [t.decode(r) for r in self._rows(sql, tuple(params))]

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
        for i in range(0, len(keys), CHUNK):
            chunk = keys[i:i + CHUNK]
            out += self._select("signature", f"tenant_id = ? AND signature_key IN ({marks(len(chunk))})",
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
        return self._one(sql, params)[0]

    def band_counts(self) -> dict[tuple[str, str], int]:
        rows = self._rows("SELECT tenant_id, decision_band, COUNT(*) FROM candidates GROUP BY tenant_id, decision_band")
        return {(t, b): n for t, b, n in rows}

    def find_signatures(self, tenant_id: str, text: str | None = None, limit: int = 50,
                        offset: int = 0) -> tuple[list[Signature], int]:
        where, params = "tenant_id = ?", [tenant_id]
        if text:
            like = f"%{_like_escape(text.lower())}%"
            where += (" AND (signature_key = ? OR LOWER(normalized_pattern) LIKE ? ESCAPE '\\' "
                      "OR LOWER(example_message) LIKE ? ESCAPE '\\')")
            params += [text, like, like]
        total = self._one(f"SELECT COUNT(*) FROM signatures WHERE {where}", params)[0]
        page = self._select("signature", where, params, f"ORDER BY occurrence_count DESC, signature_key "
                                                        f"LIMIT {int(limit)} OFFSET {int(offset)}")
        return page, total

    def candidates_for_signatures(self, tenant_id: str, signature_ids: Iterable[str]) -> list[Candidate]:
        ids = sorted(set(signature_ids))
        if not ids:
            return []
        rows = list(self._rows(
            "SELECT DISTINCT target_id FROM provenance_links WHERE target_type = 'candidate' AND tenant_id = ? "
            f"AND source_id IN ({marks(len(ids))}) ORDER BY target_id", (tenant_id, *ids)))
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
        return self._select("lesson", "tenant_id = ?", (tenant_id,), "ORDER BY created_at, lesson_id")

    def hints(self, tenant_id: str) -> list[RunbookHint]:
        return self._select("runbook_hint", "tenant_id = ?", (tenant_id,), "ORDER BY priority, created_at, runbook_hint_id")

    def reviews(self, tenant_id: str, subject_ids: Iterable[str] | None = None) -> list[ReviewDecision]:
        if subject_ids is None:
            return self._select("review", "tenant_id = ?", (tenant_id,), "ORDER BY reviewed_at, review_id")
        ids = list(subject_ids)
        if not ids:
            return []
        return self._select("review", f"tenant_id = ? AND subject_id IN ({marks(len(ids))})",
                            (tenant_id, *ids), "ORDER BY reviewed_at, review_id")

    def events(self, tenant_id: str, signature_key: str | None = None, limit: int = 100) -> list:
        if signature_key is None:
            return self._select("event", "tenant_id = ?", (tenant_id,),
                                f"ORDER BY timestamp, {self._seq} LIMIT {int(limit)}")
        return self._select("event", "tenant_id = ? AND signature_key = ?", (tenant_id, signature_key),
                            f"ORDER BY timestamp, {self._seq} LIMIT {int(limit)}")

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
                rows = self._rows(
                    "SELECT event_id FROM events WHERE tenant_id = ? AND signature_key = ? "
                    f"ORDER BY timestamp, {self._seq} LIMIT 20", (sig.tenant_id, sig.signature_key))
                inc = [make_link("event", r[0], "signature", sig.signature_id, "fingerprinted_as", sig.tenant_id)
                       for r in rows] + inc
        return out, inc

    def _signature_by_key(self, tenant_id: str, key: str) -> Signature | None:
        rows = self._select("signature", "tenant_id = ? AND signature_key = ?", (tenant_id, key))
        return rows[0] if rows else None

    def counts(self) -> dict[str, dict[str, int]]:
        slugs = dict(self._rows("SELECT tenant_id, slug FROM tenants"))
        out: dict[str, dict[str, int]] = {slug: {} for slug in slugs.values()}
        for kind, t in TABLES.items():
            if kind == "tenant":
                continue
            for tenant_id, n in self._rows(f"SELECT tenant_id, COUNT(*) FROM {t.name} GROUP BY tenant_id"):
                slug = slugs.get(tenant_id, tenant_id or "(global)")
                out.setdefault(slug, {})[kind] = n
        for counts in out.values():
            for kind in TABLES:
                if kind != "tenant":
                    counts.setdefault(kind, 0)
        return out

    # -- API keys ----------------------------------------------------------------
    _KEY_COLUMNS = "key_id, tenant_id, name, secret_hash, admin, created_at, revoked_at"

    def put_api_key(self, key: ApiKey) -> None:
        with self._tx():
            self._rows(f"INSERT INTO api_keys ({self._KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (key_id) DO UPDATE SET tenant_id = excluded.tenant_id, name = excluded.name, "
                       "secret_hash = excluded.secret_hash, admin = excluded.admin, created_at = excluded.created_at, "
                       "revoked_at = excluded.revoked_at",
                       (key.key_id, key.tenant_id, key.name, key.secret_hash, int(key.admin),
                        iso(key.created_at), iso(key.revoked_at)))

    def get_api_key(self, key_id: str) -> ApiKey | None:
        row = self._one(f"SELECT {self._KEY_COLUMNS} FROM api_keys WHERE key_id = ?", (key_id,))
        return _api_key(row) if row else None

    def api_keys(self, tenant_id: str | None = None) -> list[ApiKey]:
        sql = f"SELECT {self._KEY_COLUMNS} FROM api_keys"
        rows = (self._rows(sql + " WHERE tenant_id = ? ORDER BY created_at, key_id", (tenant_id,)) if tenant_id
                else self._rows(sql + " ORDER BY created_at, key_id"))
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
        where.append(f"decision_band IN ({marks(len(bands))})")
        params += bands
    if query.bands:
        where.append(f"decision_band IN ({marks(len(query.bands))})")
        params += query.bands
    if query.types:
        where.append(f"candidate_type IN ({marks(len(query.types))})")
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
