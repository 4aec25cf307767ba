"""Versioned schema migrations: one numbered, named history for every backend.

``schema_version`` records which migrations ran and when; a backend's
``upgrade()`` applies what is missing, one transaction per migration, under a
lock so that two processes opening a new database at once do not race.

Adding a migration (other areas add tables here too, e.g. ``api_keys``):

1. Append ``Migration(N, "what it adds", (...statements...))`` to
   ``MIGRATIONS`` with the next number. Never edit, renumber or reorder a
   released migration: add a new one.
2. Write portable SQL and nothing else is needed: SQLite runs it as written,
   PostgreSQL runs it through :func:`to_postgresql`, which only retypes
   columns (``INTEGER`` -> ``BIGINT``, ``REAL`` -> ``DOUBLE PRECISION``,
   ``TEXT`` -> ``TEXT COLLATE "C"`` so text sorts by code point as in SQLite,
   ``BLOB`` -> ``BYTEA``). Portable means: ``CREATE TABLE``/``CREATE [UNIQUE]
   INDEX`` (``IF NOT EXISTS`` allowed), ``ALTER TABLE .. ADD COLUMN`` with a
   constant ``DEFAULT``, ``DROP TABLE``/``DROP INDEX``, ``UPDATE``, ``DELETE``,
   ``INSERT .. ON CONFLICT (..) DO NOTHING``/``DO UPDATE SET c = excluded.c``,
   ``COALESCE``, ``CASE`` (an ``INSERT .. SELECT .. ON CONFLICT`` needs
   ``WHERE true`` after the SELECT for SQLite's parser). Ids are TEXT (brainstem makes them), times are ISO
   text, JSON is TEXT, booleans are INTEGER 0/1.
3. Where the dialects really differ, spell that one statement both ways with
   :class:`Dialects` (``None`` skips it on that backend).
4. ``tests/store/test_migrations.py`` fails on SQLite-only or
   PostgreSQL-only words in a plain statement, and the store tests apply the
   whole history to both backends.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DIALECTS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Dialects:
    """One statement spelled per dialect; a dialect given None skips it."""

    sqlite: str | None
    postgresql: str | None


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    steps: tuple[str | Dialects, ...]

    def sql(self, dialect: str) -> tuple[str, ...]:
        """The statements this dialect runs, in order."""
        if dialect not in DIALECTS:
            raise ValueError(f"unknown SQL dialect {dialect!r} (known: {', '.join(DIALECTS)})")
        out = []
        for step in self.steps:
            if isinstance(step, Dialects):
                stmt = getattr(step, dialect)
                if stmt is not None:
                    out.append(stmt)
            else:
                out.append(to_postgresql(step) if dialect == "postgresql" else step)
        return tuple(out)

    @property
    def statements(self) -> tuple[str, ...]:
        """The SQLite spelling (what ``SQLiteStore.upgrade`` runs)."""
        return self.sql("sqlite")


# Outside quoted strings and identifiers, these type names are retyped for PostgreSQL.
_QUOTED = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*")""")
_TYPES = re.compile(r"\b(INTEGER|REAL|BLOB|TEXT)\b(?!\s+COLLATE)")
_PG_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "BLOB": "BYTEA", "TEXT": 'TEXT COLLATE "C"'}


def to_postgresql(stmt: str) -> str:
    """A portable statement as PostgreSQL runs it.

    SQLite's INTEGER is 64-bit and its REAL is a double; PostgreSQL's are
    32-bit and single precision. SQLite compares text byte by byte; the
    "C" collation does the same in PostgreSQL whatever the database's locale,
    so ``ORDER BY`` on ids and keys gives the same order on both.
    """
    parts = _QUOTED.split(stmt)
    for i in range(0, len(parts), 2):       # even parts are outside quotes
        parts[i] = _TYPES.sub(lambda m: _PG_TYPES[m[1]], parts[i])
    return "".join(parts)


# Words that mean a plain statement is not brainstem's portable SQL: spell it
# as Dialects(sqlite=..., postgresql=...) instead (or use the portable form).
NOT_PORTABLE = re.compile(
    r"\bINSERT\s+OR\b|\bREPLACE\s+INTO\b|\bAUTOINCREMENT\b|\bPRAGMA\b|\bROWID\b|\bWITHOUT\s+ROWID\b"
    r"|\b(?:STRFTIME|DATETIME|JULIANDAY|JSON_EXTRACT|IFNULL|NOW|GLOB)\s*\(|\bGLOB\b"
    r"|\b(?:BIG)?SERIAL\b|\bJSONB?\b|::|\bILIKE\b|\bTIMESTAMPTZ\b|\bBOOLEAN\b|\bIDENTITY\b"
    r"|\bVARCHAR\b|\bRETURNING\b|\bCOLLATE\b",
    re.IGNORECASE)


def portability_problems(migrations=None) -> list[str]:
    """Plain statements that use one dialect's words (empty when all is well)."""
    problems = []
    for m in MIGRATIONS if migrations is None else migrations:
        for step in m.steps:
            if isinstance(step, Dialects):
                continue
            found = NOT_PORTABLE.search(_QUOTED.sub("''", step))
            if found:
                problems.append(f"migration {m.version} ({m.name}): {found[0]!r} is not portable SQL; use the "
                                f"portable form or Dialects(sqlite=..., postgresql=...): {' '.join(step.split())[:80]!r}")
    return problems


_M1 = (
    """CREATE TABLE tenants (
        tenant_id TEXT PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,
        environment_type TEXT NOT NULL, tags TEXT NOT NULL, metadata TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    """CREATE TABLE assets (
        asset_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
        hostname TEXT NOT NULL, asset_type TEXT NOT NULL, service_group TEXT,
        ip_addresses TEXT NOT NULL, platform TEXT, tags TEXT NOT NULL, metadata TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (tenant_id, hostname))""",
    """CREATE TABLE events (
        event_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, asset_id TEXT,
        source_type TEXT NOT NULL, source_path TEXT, host TEXT, service TEXT,
        timestamp TEXT NOT NULL, severity TEXT, facility TEXT,
        message_raw TEXT NOT NULL, message_normalized TEXT NOT NULL,
        structured_fields TEXT NOT NULL, correlation_keys TEXT NOT NULL,
        signature_input TEXT NOT NULL, signature_key TEXT, ingest_metadata TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    # PostgreSQL has no rowid: a sequence column gives the event high-water mark
    # (CACHE 1, the default, is required: per-session caches would hand a later
    # batch a smaller number; see PostgresStore.write for why commits follow it).
    Dialects(sqlite=None,
             postgresql="ALTER TABLE events ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY (CACHE 1) NOT NULL"),
    Dialects(sqlite=None, postgresql="CREATE UNIQUE INDEX events_tenant_seq ON events (tenant_id, seq)"),
    "CREATE INDEX events_tenant_time ON events (tenant_id, timestamp)",
    "CREATE INDEX events_signature ON events (tenant_id, signature_key, timestamp)",
    """CREATE TABLE signatures (
        signature_id TEXT PRIMARY KEY, tenant_id TEXT, tenant_scope TEXT NOT NULL,
        signature_key TEXT NOT NULL, signature_version INTEGER NOT NULL,
        event_family TEXT, service TEXT, normalized_pattern TEXT NOT NULL,
        example_message TEXT NOT NULL, first_seen_at TEXT, last_seen_at TEXT,
        occurrence_count INTEGER NOT NULL, metadata TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE UNIQUE INDEX signatures_key ON signatures (tenant_id, signature_key)",
    """CREATE TABLE correlation_groups (
        group_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, group_type TEXT NOT NULL,
        start_at TEXT NOT NULL, end_at TEXT NOT NULL, asset_ids TEXT NOT NULL,
        signature_ids TEXT NOT NULL, event_count INTEGER NOT NULL, metadata TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    """CREATE TABLE candidates (
        candidate_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, candidate_type TEXT NOT NULL,
        source_signature_ids TEXT NOT NULL, source_event_ids TEXT NOT NULL,
        source_group_ids TEXT NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL,
        first_seen_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, score_total REAL NOT NULL,
        score_breakdown TEXT NOT NULL, decision_band TEXT NOT NULL, explanation TEXT NOT NULL,
        confidence REAL NOT NULL, metadata TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE INDEX candidates_tenant_score ON candidates (tenant_id, score_total DESC)",
    """CREATE TABLE incident_memories (
        incident_memory_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, title TEXT NOT NULL,
        summary TEXT NOT NULL, incident_type TEXT NOT NULL, source_candidate_ids TEXT NOT NULL,
        source_signature_ids TEXT NOT NULL, source_event_ids TEXT NOT NULL,
        first_observed_at TEXT, last_observed_at TEXT, recurrence_count INTEGER NOT NULL,
        impact_level TEXT NOT NULL, confidence REAL NOT NULL, status TEXT NOT NULL,
        metadata TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    """CREATE TABLE lessons (
        lesson_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, title TEXT NOT NULL,
        summary TEXT NOT NULL, recommendation TEXT NOT NULL,
        source_incident_memory_ids TEXT NOT NULL, source_candidate_ids TEXT NOT NULL,
        confidence REAL NOT NULL, metadata TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    """CREATE TABLE runbook_hints (
        runbook_hint_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, title TEXT NOT NULL,
        hint_text TEXT NOT NULL, trigger_signature_ids TEXT NOT NULL,
        trigger_incident_ids TEXT NOT NULL, priority INTEGER NOT NULL, confidence REAL NOT NULL,
        metadata TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    """CREATE TABLE review_decisions (
        review_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, subject_type TEXT NOT NULL,
        subject_id TEXT NOT NULL, decision TEXT NOT NULL, notes TEXT NOT NULL,
        reviewer TEXT NOT NULL, reviewed_at TEXT NOT NULL)""",
    "CREATE INDEX reviews_subject ON review_decisions (subject_id)",
    """CREATE TABLE provenance_links (
        link_id TEXT PRIMARY KEY, tenant_id TEXT, source_type TEXT NOT NULL,
        source_id TEXT NOT NULL, target_type TEXT NOT NULL, target_id TEXT NOT NULL,
        link_type TEXT NOT NULL, metadata TEXT NOT NULL, created_at TEXT NOT NULL)""",
    "CREATE INDEX links_source ON provenance_links (source_id)",
    "CREATE INDEX links_target ON provenance_links (target_id)",
)

# 2: stage state as versioned JSON rows (miner templates, detector windows),
# signature key aliases for templates that generalized, and the per-signature
# feedback the review loop accumulates.
_M2 = (
    """CREATE TABLE pipeline_state (
        tenant_id TEXT NOT NULL, component TEXT NOT NULL, format_version INTEGER NOT NULL,
        state TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (tenant_id, component))""",
    """CREATE TABLE signature_aliases (
        tenant_id TEXT NOT NULL, old_key TEXT NOT NULL, new_key TEXT NOT NULL,
        created_at TEXT NOT NULL, PRIMARY KEY (tenant_id, old_key))""",
    "CREATE INDEX reviews_tenant ON review_decisions (tenant_id, reviewed_at)",
)

# 3: API keys (brainstem/keys.py: only a SHA-256 of the token is kept; revoked
# keys stay, with the time they were revoked), and an index for the candidate
# list's band filter and the candidates-by-band metric.
_M3 = (
    """CREATE TABLE api_keys (
        key_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, name TEXT NOT NULL,
        secret_hash TEXT NOT NULL, admin INTEGER NOT NULL,
        created_at TEXT NOT NULL, revoked_at TEXT)""",
    "CREATE INDEX api_keys_tenant ON api_keys (tenant_id)",
    "CREATE INDEX candidates_tenant_band ON candidates (tenant_id, decision_band)",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core objects", _M1),
    Migration(2, "pipeline state and signature aliases", _M2),
    Migration(3, "api keys", _M3),
)

LATEST = MIGRATIONS[-1].version
