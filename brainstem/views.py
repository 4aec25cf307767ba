"""Composite reads: one object with what a person looking at it wants beside it.

The web console shows these (through ``Workspace``); each is a few store
queries, read-only, and scoped to the object's own tenant: nothing of another
tenant is ever gathered into a view.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from brainstem.models import Candidate, Event, IncidentMemory, Lesson, RunbookHint, Signature
from brainstem.timeline import resolve_alias, with_aliases

VARIABLE_VALUES = 5     # most common values shown per variable


@dataclass
class SignatureView:
    signature: Signature
    heir: Signature | None                      # the signature this one was merged into, if retired
    aliases: list[Signature]                    # retired signatures merged into this one
    examples: list[Event]                       # the latest events, newest first
    variables: dict[str, list[tuple[str, int]]] # field name -> most common values in ``examples``
    candidates: list[Candidate]
    incidents: list[IncidentMemory]
    sampled: int = 0                            # how many events the variables were read from


def signature_view(store, sig: Signature, *, sample: int = 200, examples: int = 5) -> SignatureView:
    tid = sig.tenant_id
    aliases = store.aliases(tid)
    heir_key = resolve_alias(aliases, sig.signature_key)
    heir = None
    if heir_key != sig.signature_key:
        found = store.signatures(tid, [heir_key])
        heir = found[0] if found else None
    merged = [k for k in with_aliases(aliases, [sig.signature_key]) if k != sig.signature_key]
    merged_sigs = store.signatures(tid, merged) if merged else []
    events, _ = store.find_events(tid, [sig.signature_key, *merged], limit=sample, newest_first=True)
    variables: dict[str, Counter] = {}
    for e in events:
        for name, value in e.structured_fields.items():
            if isinstance(value, (str, int, float, bool)):
                variables.setdefault(name, Counter())[str(value)[:200]] += 1
    ids = {sig.signature_id, *(s.signature_id for s in merged_sigs)}
    cands = store.candidates_for_signatures(tid, ids)
    cands.sort(key=lambda c: (-c.score_total, c.candidate_id))
    keys = {sig.signature_key, *merged}
    incs = [i for i in store.incidents(tid) if keys & set(i.metadata.get("signature_keys", []))]
    return SignatureView(sig, heir, sorted(merged_sigs, key=lambda s: s.signature_key), events[:examples],
                         {n: c.most_common(VARIABLE_VALUES) for n, c in sorted(variables.items())},
                         cands, incs, len(events))


@dataclass
class Recurrence:
    """One time an incident's pattern came back (or the evidence it was promoted from)."""

    at: Any                 # datetime
    kind: str               # "recurrence" (an event after quiet) or "promoted" (a source candidate)
    object_id: str
    text: str
    host: str | None = None


@dataclass
class IncidentView:
    incident: IncidentMemory
    recurrences: list[Recurrence]               # oldest first
    candidates: list[Candidate]
    signatures: list[Signature]
    lessons: list[Lesson]
    hints: list[RunbookHint]
    links_out: list = field(default_factory=list)
    links_in: list = field(default_factory=list)


def incident_view(store, inc: IncidentMemory) -> IncidentView:
    tid, iid = inc.tenant_id, inc.incident_memory_id
    out, inc_links = store.links(iid)
    out = [x for x in out if x.tenant_id == tid]
    inc_links = [x for x in inc_links if x.tenant_id == tid]
    recs: list[Recurrence] = []
    cands = []
    for cid in inc.source_candidate_ids:
        c = store.get(cid)
        if c is not None and c.tenant_id == tid:
            cands.append(c)
            recs.append(Recurrence(c.first_seen_at, "promoted", c.candidate_id, c.title))
    for link in inc_links:
        if link.link_type == "recurrence_of":
            e = store.get(link.source_id)
            if e is not None and e.tenant_id == tid:
                recs.append(Recurrence(e.timestamp, "recurrence", e.event_id, e.message_normalized, e.host))
    recs.sort(key=lambda r: (r.at, r.object_id))
    sigs = store.signatures(tid, inc.metadata.get("signature_keys", []))
    lessons = [x for x in store.lessons(tid) if iid in x.source_incident_memory_ids]
    hints = [x for x in store.hints(tid) if iid in x.trigger_incident_ids]
    return IncidentView(inc, recs, cands, sigs, lessons, hints, out, inc_links)


def find_incidents(store, tenant_id: str, text: str | None = None, status: str | None = None) -> list[IncidentMemory]:
    """A tenant's incident memories, most recently observed first; ``text``: every word of it
    in the title or summary (case-insensitive)."""
    found = store.incidents(tenant_id, status=status)
    words = (text or "").lower().split()
    if not words:
        return found
    return [i for i in found if all(w in f"{i.title} {i.summary}".lower() for w in words)]


__all__ = ["IncidentView", "Recurrence", "SignatureView", "find_incidents", "incident_view", "signature_view"]
