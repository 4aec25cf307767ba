"""The store interface every backend implements (SQLite and PostgreSQL).

The pipeline talks to a ``Store`` only. Writes arrive as a ``WriteBatch`` that
the backend commits in one transaction; reads return model objects. A backend
must pass the tests in ``tests/store/test_base.py`` (written against the
interface and run on every backend).

Errors: ``StoreError`` for anything the user can act on (bad path, a file that
is not a brainstem database, a schema newer than this code).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ContextManager, Iterable, Iterator

from brainstem.keys import ApiKey
from brainstem.models import (
    Asset, Candidate, CorrelationGroup, Event, IncidentMemory, Lesson, ProvenanceLink,
    ReviewDecision, RunbookHint, Signature, Tenant,
)


class StoreError(Exception):
    """A store problem a user can act on; the message names the database."""


@dataclass
class WriteBatch:
    """Everything one pipeline batch changes, committed atomically."""

    events: list[Event] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    groups: list[CorrelationGroup] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    incidents: list[IncidentMemory] = field(default_factory=list)
    links: list[ProvenanceLink] = field(default_factory=list)
    aliases: list[tuple[str, str, str]] = field(default_factory=list)  # (tenant_id, old_key, new_key)
    state: list[tuple[str, str, int, dict[str, Any]]] = field(default_factory=list)  # (tenant, component, version, data)

    def __bool__(self) -> bool:
        return any((self.events, self.assets, self.signatures, self.groups, self.candidates,
                    self.incidents, self.links, self.aliases, self.state))


@dataclass
class WriteBehindResult:
    """What ``Store.writing_behind`` yields: filled in when its block ends."""

    already_stored: int = 0     # events ``write`` counted as stored that the database already held


@dataclass
class CandidateQuery:
    """Which candidates, in the one order every list uses: best score first, then
    most recently seen, then id. ``bands`` are exact bands, ``min_band`` this band
    or above; ``since``/``until`` keep candidates whose span [first_seen_at,
    last_seen_at] meets that range; ``host`` keeps those whose evidence names the
    host. Paging: ``offset`` rows skipped, or ``after`` = (score_total, last_seen_at,
    candidate_id) of the last row of the previous page (a keyset cursor, stable
    while new candidates arrive)."""

    tenant_id: str | None = None
    min_band: str | None = None
    types: tuple[str, ...] = ()
    limit: int = 50
    bands: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    host: str | None = None
    offset: int = 0
    after: tuple[float, datetime, str] | None = None


class Store(ABC):
    """Persistence for the eleven objects plus stage state."""

    # -- schema -------------------------------------------------------------
    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def upgrade(self) -> list[str]:
        """Apply missing migrations; return the names applied."""

    @abstractmethod
    def close(self) -> None: ...

    # -- tenants and assets ---------------------------------------------------
    @abstractmethod
    def put_tenant(self, tenant: Tenant) -> None: ...

    @abstractmethod
    def get_tenant(self, ref: str) -> Tenant | None:
        """A tenant by id or slug."""

    @abstractmethod
    def list_tenants(self) -> list[Tenant]: ...

    @abstractmethod
    def asset_ids(self, tenant_id: str) -> dict[str, str]:
        """hostname -> asset_id for one tenant."""

    # -- the write path -------------------------------------------------------
    @abstractmethod
    def existing_event_ids(self, event_ids: Iterable[str]) -> set[str]:
        """Which of these ids are already stored (one query per call)."""

    @abstractmethod
    def write(self, batch: WriteBatch) -> int:
        """Commit a batch in one transaction; return the number of new events stored."""

    def group(self) -> ContextManager[None]:
        """Several ``write`` calls that commit together when the block ends, or none of them
        (an error rolls the whole group back; the caller redoes it). A backend that cannot
        group commits each write as it comes, which is as correct: every write is whole.
        A worker uses it to store many tenants' batches with one commit (one WAL flush)."""
        return nullcontext()

    @contextmanager
    def writing_behind(self, min_events: int) -> Iterator[WriteBehindResult]:
        """A block in which ``write`` may return before its batch is committed, for a
        one-shot bulk ingest: a write of at least ``min_events`` events starts it (0:
        never). Reads inside the block still see every write made before them, and the
        block ends when all of them are committed. A backend that cannot do it writes
        as ever. What the block yields says, after it, how many events ``write`` counted
        as stored that the database turned out to hold already."""
        yield WriteBehindResult()

    @abstractmethod
    def event_high_water(self, tenant_id: str) -> int:
        """A mark that grows with every stored event of the tenant (for checkpoints)."""

    @abstractmethod
    def events_after(self, tenant_id: str, mark: int) -> Iterator[Event]:
        """The tenant's events stored after ``mark``, in the order they were stored."""

    @abstractmethod
    def events_since(self, tenant_id: str, since: datetime) -> Iterator[Event]:
        """The tenant's events with ``timestamp >= since``, in time order."""

    @abstractmethod
    def put_review(self, review: ReviewDecision) -> None: ...

    @abstractmethod
    def put_lesson(self, lesson: Lesson) -> None: ...

    @abstractmethod
    def put_hint(self, hint: RunbookHint) -> None: ...

    # -- state ----------------------------------------------------------------
    @abstractmethod
    def load_state(self, tenant_id: str, component: str) -> tuple[int, dict[str, Any]] | None: ...

    @abstractmethod
    def aliases(self, tenant_id: str) -> dict[str, str]: ...

    # -- reads ----------------------------------------------------------------
    @abstractmethod
    def get(self, object_id: str) -> Any | None:
        """Any object by id (the id prefix names its type)."""

    @abstractmethod
    def signatures(self, tenant_id: str, keys: Iterable[str] | None = None,
                   limit: int | None = None) -> list[Signature]:
        """Signatures of a tenant, most frequent first; only ``keys`` when given."""

    @abstractmethod
    def candidates(self, query: CandidateQuery) -> list[Candidate]: ...

    @abstractmethod
    def count_candidates(self, query: CandidateQuery) -> int:
        """How many candidates the query's filters keep (its paging ignored)."""

    @abstractmethod
    def band_counts(self) -> dict[tuple[str, str], int]:
        """(tenant_id, decision_band) -> number of candidates, every tenant (one cheap query)."""

    @abstractmethod
    def find_signatures(self, tenant_id: str, text: str | None = None, limit: int = 50,
                        offset: int = 0, order: str = "count") -> tuple[list[Signature], int]:
        """A page of a tenant's signatures, most frequent first (``order="last_seen"``:
        most recently seen first), and how many match in all. ``text`` keeps those whose
        key is it, or whose pattern or example contains it (case-insensitive)."""

    @abstractmethod
    def count_by_band(self, query: CandidateQuery) -> dict[str, int]:
        """decision_band -> how many candidates the query's filters keep (its paging ignored)."""

    @abstractmethod
    def candidates_changed(self, tenant_id: str) -> tuple[int, str | None]:
        """(how many candidates, the latest updated_at as ISO text) of a tenant: a cheap
        mark that moves when candidates are added or rewritten (the console's live queue)."""

    @abstractmethod
    def event_counts(self, tenant_id: str, signature_keys: Iterable[str], since: datetime, until: datetime,
                     prefix: int, by: str = "host") -> list[tuple[str | None, str, int]]:
        """Events of these signatures with ``since <= timestamp < until``, counted per
        ``by`` (``host`` or ``signature_key``) and per time bucket: rows of (host or key,
        the first ``prefix`` characters of the ISO timestamp, count). ``prefix`` 13 counts
        per hour, 16 per minute (brainstem/timeline.py chooses it)."""

    @abstractmethod
    def find_events(self, tenant_id: str, signature_keys: Iterable[str], since: datetime | None = None,
                    until: datetime | None = None, limit: int = 50, offset: int = 0,
                    newest_first: bool = False) -> tuple[list[Event], int]:
        """A page of the events of these signatures (``since <= timestamp <= until`` when
        given), in time order (or newest first), and how many match in all."""

    @abstractmethod
    def candidates_for_signatures(self, tenant_id: str, signature_ids: Iterable[str]) -> list[Candidate]: ...

    @abstractmethod
    def incidents(self, tenant_id: str | None = None, status: str | None = None) -> list[IncidentMemory]: ...

    @abstractmethod
    def lessons(self, tenant_id: str) -> list[Lesson]: ...

    @abstractmethod
    def hints(self, tenant_id: str) -> list[RunbookHint]: ...

    @abstractmethod
    def reviews(self, tenant_id: str, subject_ids: Iterable[str] | None = None) -> list[ReviewDecision]: ...

    @abstractmethod
    def events(self, tenant_id: str, signature_key: str | None = None, limit: int = 100) -> list[Event]: ...

    @abstractmethod
    def links(self, object_id: str) -> tuple[list[ProvenanceLink], list[ProvenanceLink]]:
        """(outgoing, incoming) provenance links of an object."""

    @abstractmethod
    def counts(self) -> dict[str, dict[str, int]]:
        """tenant slug -> object type -> count."""

    # -- API keys (brainstem/keys.py) --------------------------------------------
    @abstractmethod
    def put_api_key(self, key: ApiKey) -> None:
        """Insert or replace a key (revoking is a put with ``revoked_at`` set)."""

    @abstractmethod
    def get_api_key(self, key_id: str) -> ApiKey | None: ...

    @abstractmethod
    def api_keys(self, tenant_id: str | None = None) -> list[ApiKey]:
        """Keys, oldest first; one tenant's when ``tenant_id`` is given."""
