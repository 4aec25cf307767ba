"""Versioned schema migrations, named and applied in order.

Each migration is a list of SQL statements. ``schema_version`` records which
ran and when; ``SQLiteStore.upgrade()`` applies what is missing in one
transaction per migration. Never edit a released migration: add a new one.
The PostgreSQL backend will carry its own list with the same names.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


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
