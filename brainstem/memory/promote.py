"""Promotion: a candidate becomes (or joins) a durable incident memory."""
from __future__ import annotations

from brainstem.memory.review import ReviewError
from brainstem.models import (
    Candidate, IncidentMemory, Lesson, RunbookHint, make_link, stable_id, utcnow,
)
from brainstem.store.base import Store, WriteBatch

_IMPACT = {0: "critical", 1: "critical", 2: "critical", 3: "high", 4: "medium", 5: "low", 6: "low", 7: "low"}


def _occurrences(c: Candidate) -> int:
    m = c.metadata.get("metrics", {})
    for name in ("buckets", "bursts", "spreads", "pairs"):
        if m.get(name):
            return int(m[name])
    return 1


def promote(store: Store, candidate_id: str, *, title: str | None = None, summary: str | None = None,
            lesson: str | None = None, hint: str | None = None, auto: bool = False) -> IncidentMemory:
    """Create or update the incident memory for a candidate, with provenance.

    When an active incident memory of the tenant already covers one of the
    candidate's signatures, the candidate joins it instead of making a second
    memory of the same pattern. ``lesson`` and ``hint`` attach what was
    learned and the next step to take when the pattern comes back. ``auto``
    marks a promotion made by policy (``auto_promote``) rather than a person.
    """
    cand = store.get(candidate_id)
    if cand is None or not candidate_id.startswith("cand_"):
        raise ReviewError(f"{candidate_id}: no candidate with this id")
    tid = cand.tenant_id
    keys = list(cand.metadata.get("signature_keys", []))
    inc = None
    for existing in store.incidents(tid, status="active"):
        if set(existing.metadata.get("signature_keys", [])) & set(keys):
            inc = existing
            break
    if inc is None:
        inc = IncidentMemory(
            incident_memory_id=stable_id("inc_", tid, candidate_id), tenant_id=tid,
            title=title or cand.title, summary=summary or cand.explanation,
            incident_type=cand.candidate_type, first_observed_at=cand.first_seen_at,
            last_observed_at=cand.last_seen_at, recurrence_count=_occurrences(cand),
            confidence=cand.confidence, metadata={"signature_keys": []},
        )
    else:
        if title:
            inc.title = title
        if summary:
            inc.summary = summary
        inc.first_observed_at = min(inc.first_observed_at or cand.first_seen_at, cand.first_seen_at)
        inc.last_observed_at = max(inc.last_observed_at or cand.last_seen_at, cand.last_seen_at)
    if candidate_id not in inc.source_candidate_ids:
        inc.source_candidate_ids.append(candidate_id)
    for s in cand.source_signature_ids:
        if s not in inc.source_signature_ids:
            inc.source_signature_ids.append(s)
    for e in cand.source_event_ids:
        if e not in inc.source_event_ids and len(inc.source_event_ids) < 100:
            inc.source_event_ids.append(e)
    sig_keys = inc.metadata.setdefault("signature_keys", [])
    for k in keys:
        if k not in sig_keys:
            sig_keys.append(k)
    sigs = store.signatures(tid, keys)
    rank = min((s.metadata.get("severity_rank", 6) for s in sigs), default=6)
    inc.impact_level = _IMPACT.get(rank, "medium")
    inc.updated_at = utcnow()
    iid = inc.incident_memory_id
    if auto:
        inc.metadata["auto_promoted"] = True
    links = [make_link("candidate", candidate_id, "incident_memory", iid,
                       "auto_promoted_to" if auto else "promoted_to", tid)]
    links += [make_link("signature", s, "incident_memory", iid, "pattern_of", tid) for s in cand.source_signature_ids]
    links += [make_link("event", e, "incident_memory", iid, "evidence_for", tid) for e in cand.source_event_ids[:20]]
    cand.metadata["incident_memory_id"] = iid
    store.write(WriteBatch(incidents=[inc], candidates=[cand], links=links))
    if lesson:
        add_lesson(store, inc, lesson, candidate_id)
    if hint:
        add_hint(store, inc, hint)
    return inc


def add_lesson(store: Store, inc: IncidentMemory, text: str, candidate_id: str | None = None) -> Lesson:
    tid = inc.tenant_id
    les = Lesson(lesson_id=stable_id("les_", inc.incident_memory_id, text), tenant_id=tid,
                 title=f"Lesson: {inc.title}"[:200], summary=text, recommendation=text,
                 source_incident_memory_ids=[inc.incident_memory_id],
                 source_candidate_ids=[candidate_id] if candidate_id else [])
    store.put_lesson(les)
    store.write(WriteBatch(links=[make_link("incident_memory", inc.incident_memory_id, "lesson",
                                            les.lesson_id, "taught", tid)]))
    return les


def add_hint(store: Store, inc: IncidentMemory, text: str) -> RunbookHint:
    tid = inc.tenant_id
    h = RunbookHint(runbook_hint_id=stable_id("hint_", inc.incident_memory_id, text), tenant_id=tid,
                    title=f"When it recurs: {inc.title}"[:200], hint_text=text,
                    trigger_signature_ids=list(inc.source_signature_ids),
                    trigger_incident_ids=[inc.incident_memory_id])
    store.put_hint(h)
    store.write(WriteBatch(links=[make_link("incident_memory", inc.incident_memory_id, "runbook_hint",
                                            h.runbook_hint_id, "hinted_by", tid)]))
    return h
