"""The library's front door: one object per database, one method per thing a user does.

    from brainstem.workspace import Workspace
    ws = Workspace("brainstem.db")
    stats = ws.ingest(["/var/log/syslog"], tenant="acme")
    for c in ws.candidates("acme", min_band="review"):
        print(c.score_total, c.explanation)

Each method is a thin composition of the stage modules; the CLI, the REST API
and the web console call these and nothing deeper.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterable

from brainstem.fingerprint import fingerprint_lines
from brainstem.ingest import JsonMapping, expand_paths
from brainstem.memory.promote import promote as _promote
from brainstem.memory.recall import Recalled, recall as _recall
from brainstem.memory.review import review as _review
from brainstem.models import (
    Candidate, IncidentMemory, Lesson, ProvenanceLink, ReviewDecision, RunbookHint, Signature, Tenant, stable_id,
)
from brainstem.pipeline.ingest import ingest_paths
from brainstem.pipeline.runner import RunStats
from brainstem.settings import Settings, load_settings
from brainstem.store import CandidateQuery, StoreError, open_store

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,62}$")


def tenant_slug(name: str) -> str:
    """The one normalization of tenant names, for creation and look-up alike."""
    return name.strip().lower()


class Workspace:
    """A brainstem database and its settings."""

    def __init__(self, db: str | Path, settings: Settings | None = None, *, create: bool = True,
                 upgrade: bool = False):
        self.settings = settings or load_settings()
        self.store = open_store(db, create=create, upgrade=upgrade)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- tenants ------------------------------------------------------------------
    def tenant(self, ref: str | None = None, *, create: bool = False) -> Tenant:
        """A tenant by id or name; the default tenant when ``ref`` is None.

        Names are case-insensitive: ``Mac`` and ``mac`` are one tenant, stored as
        the slug ``mac``, and found by either (creation and look-up fold alike).
        """
        ref = (ref or self.settings.default_tenant).strip()
        slug = tenant_slug(ref)
        t = self.store.get_tenant(ref) or self.store.get_tenant(slug)
        if t is not None:
            return t
        if not create:
            known = ", ".join(x.slug for x in self.store.list_tenants()) or "none yet"
            raise LookupError(f"no tenant {ref!r} in {self.store.path} (known: {known})")
        if not _SLUG.match(slug):
            raise ValueError(f"bad tenant name {ref!r}: use letters, digits, '-', '_' or '.'")
        t = Tenant(tenant_id=stable_id("tn_", slug), name=ref, slug=slug)
        self.store.put_tenant(t)
        return t

    # -- the pipeline ---------------------------------------------------------------
    def ingest(self, paths: Iterable[str], *, tenant: str | None = None, fmt: str | None = None,
               json_mapping: JsonMapping | None = None, on_progress: Callable[[int], None] | None = None,
               rules_dir: str | None = None, translators: str | None = None) -> RunStats:
        files = expand_paths(paths)  # path errors before the tenant is created
        t = self.tenant(tenant, create=True)
        from brainstem.rules.bridge import tenant_rules
        rules = tenant_rules(self.settings, t.slug, rules_dir=rules_dir, translators=translators)
        return ingest_paths(self.store, self.settings, t, files, fmt=fmt, json_mapping=json_mapping,
                            on_progress=on_progress, rules=rules)

    @staticmethod
    def fingerprint(lines: Iterable[str]) -> list[tuple[str, str]]:
        return fingerprint_lines(lines)

    # -- reading ------------------------------------------------------------------------
    # Listing methods take a tenant, or None for every tenant of the database (the
    # operator who runs the CLI on the file owns them all); each object names its tenant.
    def tenants(self, ref: str | None = None) -> list[Tenant]:
        """The named tenant, or every tenant when ``ref`` is None."""
        return [self.tenant(ref)] if ref else self.store.list_tenants()

    def signatures(self, tenant: str | None = None, limit: int = 50) -> list[Signature]:
        out: list[Signature] = []
        for t in self.tenants(tenant):
            out += self.store.signatures(t.tenant_id, limit=limit)
        out.sort(key=lambda s: (-s.occurrence_count, s.signature_key))
        return out[:limit]

    def candidates(self, tenant: str | None = None, *, min_band: str | None = None,
                   types: tuple[str, ...] = (), limit: int = 20, all_tenants: bool = False) -> list[Candidate]:
        tid = None if all_tenants or tenant is None else self.tenant(tenant).tenant_id
        return self.store.candidates(CandidateQuery(tenant_id=tid, min_band=min_band, types=types, limit=limit))

    def incidents(self, tenant: str | None = None) -> list[IncidentMemory]:
        return self.store.incidents(self.tenant(tenant).tenant_id if tenant else None)

    def lessons(self, tenant: str | None = None) -> list[Lesson]:
        return [x for t in self.tenants(tenant) for x in self.store.lessons(t.tenant_id)]

    def hints(self, tenant: str | None = None) -> list[RunbookHint]:
        return [x for t in self.tenants(tenant) for x in self.store.hints(t.tenant_id)]

    def tenant_slugs(self) -> dict[str, str]:
        """tenant id -> slug, for showing which tenant an object belongs to."""
        return {t.tenant_id: t.slug for t in self.store.list_tenants()}

    def one_tenant(self, ref: str | None) -> Tenant:
        """For what truly needs one tenant: the named one, or the only one there is."""
        if ref:
            return self.tenant(ref)
        tenants = self.store.list_tenants()
        if len(tenants) == 1:
            return tenants[0]
        known = ", ".join(t.slug for t in tenants) or "none yet"
        raise LookupError(f"choose a tenant with --tenant (known in {self.store.path}: {known})")

    def show(self, object_id: str) -> tuple[Any, list[ProvenanceLink], list[ProvenanceLink]]:
        """An object and its provenance links (outgoing, incoming)."""
        obj = self.store.get(object_id)
        if obj is None:
            raise LookupError(f"{object_id}: no object with this id in {self.store.path}")
        out, inc = self.store.links(object_id)
        return obj, out, inc

    def stats(self) -> dict[str, dict[str, int]]:
        return self.store.counts()

    # -- the human loop ---------------------------------------------------------------------
    def review(self, subject_id: str, decision: str, *, notes: str = "",
               reviewer: str = "") -> tuple[ReviewDecision, list[Candidate]]:
        rev, rescored = _review(self.store, self.settings, subject_id, decision, notes=notes, reviewer=reviewer)
        if decision == "promote" and subject_id.startswith("cand_"):
            _promote(self.store, subject_id)
        return rev, rescored

    def promote(self, candidate_id: str, *, title: str | None = None, lesson: str | None = None,
                hint: str | None = None, reviewer: str = "") -> IncidentMemory:
        inc = _promote(self.store, candidate_id, title=title, lesson=lesson, hint=hint)
        _review(self.store, self.settings, candidate_id, "promote", notes="promoted to incident memory",
                reviewer=reviewer)
        return inc

    def recall(self, text: str | None = None, *, tenant: str | None = None, event_id: str | None = None,
               signature_key: str | None = None, candidate_id: str | None = None, limit: int = 10) -> list[Recalled]:
        if not (text or event_id or signature_key or candidate_id):
            raise ValueError("give a message, --event ID, --signature KEY or --candidate ID")
        t = self.one_tenant(tenant)
        return _recall(self.store, t.tenant_id, text=text, event_id=event_id, signature_key=signature_key,
                       candidate_id=candidate_id, limit=limit)

    # -- schema ------------------------------------------------------------------------------
    def upgrade(self) -> list[str]:
        return self.store.upgrade()


__all__ = ["StoreError", "Workspace"]
