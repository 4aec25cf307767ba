"""The eleven objects of brainstem's data model (PRODUCT.md §3).

Plain dataclasses: the pipeline builds them, the store persists them, the CLI
and API render them with :func:`to_dict`. Timestamps are timezone-aware UTC
``datetime`` objects in memory and ISO-8601 strings (``...Z``) at rest.
Identifiers are strings with a short type prefix (``ev_``, ``sig_``, ...), so
``brainstem show ID`` can tell what an id names without asking.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

CANDIDATE_TYPES = ("recurrence", "burst", "spread", "self_heal", "precursor", "anomaly", "rule")
DECISION_BANDS = ("ignore", "watch", "review", "urgent_human_review", "promote_to_incident_memory")
REVIEW_DECISIONS = ("noise", "useful", "urgent", "false_positive", "promote", "ignore", "investigate")
INCIDENT_STATUSES = ("active", "historical", "retired")
SEVERITIES = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")

# id prefix -> object type, used by `show ID` and provenance links
ID_PREFIXES = {
    "tn_": "tenant",
    "as_": "asset",
    "ev_": "event",
    "sig_": "signature",
    "grp_": "group",
    "cand_": "candidate",
    "inc_": "incident_memory",
    "les_": "lesson",
    "hint_": "runbook_hint",
    "rev_": "review",
    "lnk_": "link",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def stable_id(prefix: str, *parts: object) -> str:
    """A deterministic id: the same parts give the same id in every process."""
    h = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass"), digest_size=12)
    return prefix + h.hexdigest()


def object_type_of(object_id: str) -> str | None:
    for prefix, kind in ID_PREFIXES.items():
        if object_id.startswith(prefix):
            return kind
    return None


@dataclass(slots=True)
class Tenant:
    tenant_id: str
    name: str
    slug: str
    environment_type: str = "msp-client"
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class Asset:
    asset_id: str
    tenant_id: str
    hostname: str
    asset_type: str = "host"
    service_group: str | None = None
    ip_addresses: list[str] = field(default_factory=list)
    platform: str | None = None
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class Event:
    event_id: str
    tenant_id: str
    timestamp: datetime
    message_raw: str
    source_type: str = "syslog"
    source_path: str | None = None
    asset_id: str | None = None
    host: str | None = None
    service: str | None = None
    severity: str | None = None
    facility: str | None = None
    message_normalized: str = ""
    structured_fields: dict[str, Any] = field(default_factory=dict)
    correlation_keys: dict[str, Any] = field(default_factory=dict)
    signature_input: str = ""
    signature_key: str | None = None
    ingest_metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class Signature:
    signature_id: str
    signature_key: str
    tenant_id: str | None
    normalized_pattern: str
    example_message: str
    tenant_scope: str = "tenant"
    signature_version: int = 1
    event_family: str | None = None
    service: str | None = None
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    occurrence_count: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class CorrelationGroup:
    group_id: str
    tenant_id: str
    group_type: str
    start_at: datetime
    end_at: datetime
    asset_ids: list[str] = field(default_factory=list)
    signature_ids: list[str] = field(default_factory=list)
    event_count: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class Candidate:
    candidate_id: str
    tenant_id: str
    candidate_type: str
    title: str
    first_seen_at: datetime
    last_seen_at: datetime
    source_signature_ids: list[str] = field(default_factory=list)
    source_event_ids: list[str] = field(default_factory=list)
    source_group_ids: list[str] = field(default_factory=list)
    summary: str = ""
    score_total: float = 0.0
    score_breakdown: list[dict[str, Any]] = field(default_factory=list)
    decision_band: str = "ignore"
    explanation: str = ""
    confidence: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class IncidentMemory:
    incident_memory_id: str
    tenant_id: str
    title: str
    summary: str = ""
    incident_type: str = "recurrence"
    source_candidate_ids: list[str] = field(default_factory=list)
    source_signature_ids: list[str] = field(default_factory=list)
    source_event_ids: list[str] = field(default_factory=list)
    first_observed_at: datetime | None = None
    last_observed_at: datetime | None = None
    recurrence_count: int = 0
    impact_level: str = "medium"
    confidence: float = 0.5
    status: str = "active"
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class Lesson:
    lesson_id: str
    tenant_id: str
    title: str
    summary: str = ""
    recommendation: str = ""
    source_incident_memory_ids: list[str] = field(default_factory=list)
    source_candidate_ids: list[str] = field(default_factory=list)
    confidence: float = 0.5
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class RunbookHint:
    runbook_hint_id: str
    tenant_id: str
    title: str
    hint_text: str = ""
    trigger_signature_ids: list[str] = field(default_factory=list)
    trigger_incident_ids: list[str] = field(default_factory=list)
    priority: int = 3
    confidence: float = 0.5
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class ReviewDecision:
    review_id: str
    tenant_id: str
    subject_type: str
    subject_id: str
    decision: str
    notes: str = ""
    reviewer: str = ""
    reviewed_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class ProvenanceLink:
    link_id: str
    source_type: str
    source_id: str
    target_type: str
    target_id: str
    link_type: str
    tenant_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)


def make_link(source_type: str, source_id: str, target_type: str, target_id: str,
              link_type: str, tenant_id: str | None = None) -> ProvenanceLink:
    """A provenance link whose id is derived from its ends, so writing it twice is a no-op."""
    return ProvenanceLink(
        link_id=stable_id("lnk_", source_id, target_id, link_type),
        source_type=source_type, source_id=source_id,
        target_type=target_type, target_id=target_id,
        link_type=link_type, tenant_id=tenant_id,
    )


def iso(dt: datetime | None) -> str | None:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ``: fixed width, so text order is time order."""
    if dt is None:
        return None
    if dt.tzinfo is not timezone.utc:
        dt = dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    return dt.isoformat(timespec="microseconds")[:-6] + "Z"


def parse_iso(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def to_dict(obj: Any) -> dict[str, Any]:
    """A JSON-ready dict of any model object (datetimes as ISO strings)."""
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        out[f.name] = iso(value) if isinstance(value, datetime) else value
    return out
