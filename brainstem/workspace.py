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

import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

from brainstem.fingerprint import fingerprint_lines
from brainstem.ingest import JsonMapping, expand_paths
from brainstem.keys import ApiKey, key_id_of, new_key, token_matches
from brainstem.memory.promote import promote as _promote
from brainstem.memory.recall import Recalled, load_miner, recall as _recall
from brainstem.memory.review import review as _review
from brainstem.models import (
    Candidate, IncidentMemory, Lesson, ProvenanceLink, ReviewDecision, RunbookHint, Signature, Tenant, iso,
    parse_iso, stable_id, utcnow,
)
from brainstem.pipeline.ingest import ingest_paths
from brainstem.pipeline.runner import RunStats
from brainstem.settings import Settings, load_settings
from brainstem.store import CandidateQuery, StoreError, open_store

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,62}$")


@dataclass
class Page:
    """One page of a longer list: ``total`` items match in all; ``next_cursor`` (when
    the list pages by cursor) asks for the page after this one, None on the last."""

    items: list
    total: int
    limit: int
    offset: int = 0
    next_cursor: str | None = None


def _cursor(c: Candidate) -> str:
    raw = json.dumps([c.score_total, iso(c.last_seen_at), c.candidate_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(cursor: str) -> tuple[float, datetime, str]:
    try:
        score, last, cid = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return float(score), parse_iso(last), str(cid)
    except (ValueError, TypeError):
        raise ValueError(f"bad cursor {cursor[:40]!r}: pass back a next_cursor exactly as it was given") from None


def tenant_slug(name: str) -> str:
    """The one normalization of tenant names, for creation and look-up alike."""
    return name.strip().lower()


class _Miners:
    """Template miners loaded for recall, shared by the threads of a process (``match``
    never changes a miner). Rebuilding one from its saved state costs more than the
    rest of a recall, and the saved state itself only changes at a checkpoint, so a
    loaded miner is kept ``TTL`` seconds, for the ``SIZE`` tenants recalled last."""

    TTL = 30.0
    SIZE = 8

    def __init__(self) -> None:
        import threading
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, str], tuple[float, Any]] = {}

    def get(self, store, tenant_id: str):
        import time
        path = store.path if store.path != ":memory:" else f":memory:{id(store)}"
        key, now = (path, tenant_id), time.monotonic()
        with self._lock:
            hit = self._loaded.get(key)
            if hit is not None and now - hit[0] < self.TTL:
                return hit[1]
        miner = load_miner(store, tenant_id)
        with self._lock:
            self._loaded.pop(key, None)
            self._loaded[key] = (now, miner)
            while len(self._loaded) > self.SIZE:
                self._loaded.pop(next(iter(self._loaded)))
        return miner

    def forget(self, path: str) -> None:
        with self._lock:
            for key in [k for k in self._loaded if k[0] == path]:
                del self._loaded[key]


_MINERS = _Miners()


class Workspace:
    """A brainstem database and its settings."""

    def __init__(self, db: str | Path, settings: Settings | None = None, *, create: bool = True,
                 upgrade: bool = False, reader: bool = False):
        """``reader=True``: a read-only connection with a small cache (the API's per-thread readers)."""
        self.settings = settings or load_settings()
        self.store = open_store(db, create=create, upgrade=upgrade, reader=reader)

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
        try:
            return ingest_paths(self.store, self.settings, t, files, fmt=fmt, json_mapping=json_mapping,
                                on_progress=on_progress, rules=rules)
        finally:
            _MINERS.forget(self.store.path)   # the templates changed: recall loads them again

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

    def candidate_page(self, tenant: str, *, bands: tuple[str, ...] = (), min_band: str | None = None,
                       types: tuple[str, ...] = (), since: datetime | None = None, until: datetime | None = None,
                       host: str | None = None, limit: int = 50, offset: int = 0,
                       cursor: str | None = None) -> Page:
        """A page of a tenant's candidates, best first, with the total that match.
        ``host`` is a hostname or an asset id; page with ``cursor`` (from the previous
        page's ``next_cursor``) or with ``offset``."""
        t = self.tenant(tenant)
        if host and host.startswith("as_"):
            asset = self.store.get(host)
            if asset is None or asset.tenant_id != t.tenant_id:
                raise LookupError(f"no asset with this id at tenant {t.slug}")
            host = asset.hostname
        q = CandidateQuery(tenant_id=t.tenant_id, min_band=min_band, types=types, limit=limit + 1, bands=bands,
                           since=since, until=until, host=host, offset=0 if cursor else offset,
                           after=_after(cursor) if cursor else None)
        items = self.store.candidates(q)     # one more than asked: is there a next page?
        more = len(items) > limit
        items = items[:limit]
        return Page(items, self.store.count_candidates(q), limit, q.offset,
                    _cursor(items[-1]) if more and items else None)

    def signature_page(self, tenant: str, *, text: str | None = None, limit: int = 50,
                       offset: int = 0) -> Page:
        """A page of a tenant's signatures, most frequent first; ``text`` searches key, pattern and example."""
        items, total = self.store.find_signatures(self.tenant(tenant).tenant_id, text or None, limit, offset)
        return Page(items, total, limit, offset)

    def band_counts(self) -> dict[tuple[str, str], int]:
        """(tenant slug, band) -> candidates, for the candidates-by-band metric."""
        slugs = {t.tenant_id: t.slug for t in self.store.list_tenants()}
        return {(slugs.get(tid, tid), band): n for (tid, band), n in self.store.band_counts().items()}

    def incidents(self, tenant: str | None = None, status: str | None = None) -> list[IncidentMemory]:
        return self.store.incidents(self.tenant(tenant).tenant_id if tenant else None, status=status)

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

    def stats(self, tenant: str | None = None) -> dict[str, dict[str, int]]:
        """Object counts per tenant slug; only ``tenant``'s when given."""
        counts = self.store.counts()
        if tenant is None:
            return counts
        slug = self.tenant(tenant).slug
        return {slug: counts.get(slug, {})}

    # -- API keys -----------------------------------------------------------------------------
    def create_key(self, tenant: str, *, name: str = "", admin: bool = False) -> tuple[ApiKey, str]:
        """A new API key for ``tenant`` (created when new) and its token, shown this once."""
        t = self.tenant(tenant, create=True)
        key, token = new_key(t.tenant_id, name, admin)
        self.store.put_api_key(key)
        return key, token

    def keys(self, tenant: str | None = None) -> list[ApiKey]:
        return self.store.api_keys(self.tenant(tenant).tenant_id if tenant else None)

    def revoke_key(self, key_id: str) -> ApiKey:
        key_id = key_id.removeprefix("bsk_")
        key = self.store.get_api_key(key_id)
        if key is None:
            raise LookupError(f"{key_id}: no API key with this id (see `brainstem keys list`)")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            self.store.put_api_key(key)
        return key

    def authenticate(self, token: str) -> ApiKey | None:
        """The active key a token belongs to, or None (unknown, malformed or revoked)."""
        key_id = key_id_of(token)
        key = self.store.get_api_key(key_id) if key_id else None
        if key is None or not key.active or not token_matches(key, token):
            return None
        return key

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
        miner = _MINERS.get(self.store, t.tenant_id) if text else None
        return _recall(self.store, t.tenant_id, text=text, event_id=event_id, signature_key=signature_key,
                       candidate_id=candidate_id, limit=limit, miner=miner)

    # -- schema ------------------------------------------------------------------------------
    def upgrade(self) -> list[str]:
        return self.store.upgrade()


__all__ = ["Page", "StoreError", "Workspace"]
