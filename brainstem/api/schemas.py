"""The JSON shapes of the API, for the OpenAPI document and for request bodies.

Object models are derived from the dataclasses in ``brainstem.models`` (the
same fields ``brainstem ... --json`` prints; timestamps as ISO 8601 UTC text),
so a field added to a model shows in the document without a second list to
keep in step. Routes return these shapes as plain JSON without validating
them on the way out (``tests/api`` validates every response against them).
"""
from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from brainstem import models as m
from brainstem.models import CANDIDATE_TYPES, DECISION_BANDS, INCIDENT_STATUSES, REVIEW_DECISIONS

Band = Literal[DECISION_BANDS]  # type: ignore[valid-type]
CandidateType = Literal[CANDIDATE_TYPES]  # type: ignore[valid-type]
Decision = Literal[REVIEW_DECISIONS]  # type: ignore[valid-type]
IncidentStatus = Literal[INCIDENT_STATUSES]  # type: ignore[valid-type]


def _text_times(t: Any) -> Any:
    """datetime -> str (ISO 8601 UTC, ``...Z``) inside a field's type."""
    if t is datetime:
        return str
    if typing.get_origin(t) in (typing.Union, types.UnionType):
        args = tuple(_text_times(a) for a in typing.get_args(t))
        return typing.Union[args]
    return t


def _model(dc: type, doc: str) -> type[BaseModel]:
    hints = typing.get_type_hints(dc)
    fields = {f.name: (_text_times(hints[f.name]), ...) for f in dataclasses.fields(dc)}
    return create_model(dc.__name__, __doc__=doc, **fields)


Tenant = _model(m.Tenant, "A customer (or team): the wall every object lives behind.")
Asset = _model(m.Asset, "A host or device events are about.")
Event = _model(m.Event, "One stored log line or message.")
Signature = _model(m.Signature, "A log template: what a family of messages has in common.")
Group = _model(m.CorrelationGroup, "Events that belong together (one burst, one spread, one firing).")
Candidate = _model(m.Candidate, "Something that may matter, scored, with its one-breath explanation.")
Incident = _model(m.IncidentMemory, "A durable memory of a pattern that proved meaningful.")
Lesson = _model(m.Lesson, "What was learned from an incident memory.")
Hint = _model(m.RunbookHint, "The next step to take when an incident's pattern recurs.")
Review = _model(m.ReviewDecision, "A human decision on a candidate, incident memory or lesson.")
Link = _model(m.ProvenanceLink, "A provenance link: where an object came from, or what it became.")


def _page(name: str, item: type[BaseModel], cursor: bool = False) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "items": (list[item], ...),
        "total": (int, Field(description="How many match the filters in all.")),
        "limit": (int, ...),
        "offset": (int, ...),
    }
    if cursor:
        fields["next_cursor"] = (str | None, Field(description="Pass as ?cursor= for the next page; null on the last."))
    return create_model(name, **fields)


CandidatePage = _page("CandidatePage", Candidate, cursor=True)
SignaturePage = _page("SignaturePage", Signature)
IncidentPage = _page("IncidentPage", Incident)
LessonPage = _page("LessonPage", Lesson)
HintPage = _page("HintPage", Hint)


class ObjectView(BaseModel):
    """Any object by id, with its provenance links both ways."""

    type: str = Field(description="tenant, asset, event, signature, group, candidate, incident_memory, lesson, "
                                  "runbook_hint, review or link")
    object: dict[str, Any] = Field(description="The object, shaped as its type's schema.")
    links_out: list[Link]
    links_in: list[Link]


class RecallHit(BaseModel):
    incident: Incident
    score: float
    reasons: list[str]
    lessons: list[Lesson]
    hints: list[Hint]


class RecallResult(BaseModel):
    items: list[RecallHit]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_id: str = Field(description="A candidate (cand_), incident memory (inc_) or lesson (les_) id.")
    decision: Decision
    notes: str = ""
    reviewer: str = Field("", description="Who decided; the API key's name when empty.")


class ReviewResult(BaseModel):
    review: Review
    rescored: list[Candidate]


class PromoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, description="Title of the incident memory (default: the candidate's).")
    lesson: str | None = Field(None, description="What was learned (creates a Lesson).")
    hint: str | None = Field(None, description="What to do when it recurs (creates a Runbook Hint).")
    reviewer: str = ""


class PromoteResult(BaseModel):
    incident: Incident


class ElementError(BaseModel):
    index: int = Field(description="0-based position of the element (array) or line (NDJSON).")
    field: str | None = Field(description="The field at fault; null when the element as a whole is.")
    message: str
    line: int | None = Field(None, description="1-based line number, for NDJSON bodies.")


class IngestResult(BaseModel):
    accepted: int = Field(description="Events committed to the store (new, or already there from an earlier send).")
    rejected: int = Field(description="Elements refused; see errors.")
    truncated: int = Field(description="Accepted events whose message was cut to http_max_message_bytes.")
    errors: list[ElementError]


class Stats(BaseModel):
    tenants: dict[str, dict[str, int]] = Field(description="tenant slug -> object type -> count")


class KeyOut(BaseModel):
    key_id: str
    prefix: str = Field(description="The visible start of the token (bsk_ + key id).")
    tenant_id: str
    tenant: str | None
    name: str
    admin: bool
    created_at: str
    revoked_at: str | None


class NewKey(KeyOut):
    token: str = Field(description="The key's token: shown this once, store it now.")


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tenant: str
    name: str = ""
    admin: bool = False


class KeyList(BaseModel):
    items: list[KeyOut]


class TenantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Tenant name; its slug is the name in lower case.")


class TenantList(BaseModel):
    items: list[Tenant]


class Me(BaseModel):
    key: KeyOut
    tenant: Tenant
    admin: bool


class Health(BaseModel):
    status: str
    problems: list[str] = []


class ErrorBody(BaseModel):
    status: int
    message: str
    details: list[dict[str, Any]] = []


class Error(BaseModel):
    """Every error: a status, one sentence naming what and where, and details when there are several."""

    error: ErrorBody
