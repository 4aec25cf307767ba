"""Recall: "have we seen this before, and what did we do?"

Given a message, an event, a signature or a candidate, find the tenant's incident
memories that match, ranked. A match on the signature itself (the message
fingerprints to a template the incident was promoted from) ranks above a
match on words alone; words count by the share of the query's words found in
the incident's title, summary and patterns. Read-only: the template miner
is only asked to ``match``, never to learn.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from brainstem.fingerprint import TemplateMiner
from brainstem.ingest.rfc3164 import Rfc3164Parser
from brainstem.ingest.timestamps import YearResolver
from brainstem.models import IncidentMemory, Lesson, RunbookHint, utcnow
from brainstem.pipeline.events import normalize_message
from brainstem.store.base import Store

_WORD = re.compile(r"[a-z][a-z0-9_\-]{2,}")
_STOP = frozenset("the and for from with this that was were has have not are but into via port".split())


@dataclass
class Recalled:
    incident: IncidentMemory
    score: float
    reasons: list[str]
    lessons: list[Lesson] = field(default_factory=list)
    hints: list[RunbookHint] = field(default_factory=list)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and "<*>" not in w}


def recall(store: Store, tenant_id: str, *, text: str | None = None, event_id: str | None = None,
           signature_key: str | None = None, candidate_id: str | None = None, limit: int = 10,
           miner: TemplateMiner | None = None) -> list[Recalled]:
    """``miner``: the tenant's template miner when the caller keeps one loaded (the API
    does: rebuilding it from its saved state costs more than the rest of a recall)."""
    keys: set[str] = set()
    query_text = text or ""
    if candidate_id:
        cand = store.get(candidate_id)
        if cand is None or cand.tenant_id != tenant_id or not candidate_id.startswith("cand_"):
            raise LookupError(f"{candidate_id}: no candidate with this id at this tenant")
        keys.update(cand.metadata.get("signature_keys", []))
        query_text = cand.title
    if event_id:
        ev = store.get(event_id)
        if ev is None or ev.tenant_id != tenant_id:
            raise LookupError(f"{event_id}: no event with this id at this tenant")
        if ev.signature_key:
            keys.add(ev.signature_key)
        query_text = ev.message_normalized
    if signature_key:
        keys.add(signature_key)
        sigs = store.signatures(tenant_id, [signature_key])
        if not sigs:
            raise LookupError(f"{signature_key}: no signature with this key at this tenant")
        query_text = query_text or sigs[0].normalized_pattern
    aliases = store.aliases(tenant_id)
    keys |= {aliases[k] for k in keys if k in aliases}
    if text:
        keys |= _match_text(store, tenant_id, text, miner)
    words = _words(query_text)
    out: list[Recalled] = []
    incidents = store.incidents(tenant_id)
    patterns: dict[str, str] = {}
    if words:   # every incident's signature patterns in one query, not one per incident
        wanted = {k for inc in incidents for k in inc.metadata.get("signature_keys", [])}
        patterns = {s.signature_key: s.normalized_pattern for s in store.signatures(tenant_id, wanted)}
    for inc in incidents:
        inc_keys = set(inc.metadata.get("signature_keys", []))
        reasons, score = [], 0.0
        if keys & inc_keys:
            score += 1.0
            reasons.append("same signature")
        if words:
            pats = " ".join(patterns[k] for k in inc.metadata.get("signature_keys", []) if k in patterns)
            iw = _words(f"{inc.title} {inc.summary} {pats}")
            # containment, not Jaccard: a short query should find a long memory
            overlap = len(words & iw) / len(words)
            if overlap >= 0.3:
                score += 0.8 * overlap
                reasons.append(f"{len(words & iw)} of {len(words)} words match")
        if score <= 0:
            continue
        if inc.status != "active":
            score *= 0.8
        out.append(Recalled(incident=inc, score=round(score, 4), reasons=reasons))
    out.sort(key=lambda r: (-r.score, -(r.incident.recurrence_count), r.incident.incident_memory_id))
    out = out[:limit]
    if out:
        lessons, hints = store.lessons(tenant_id), store.hints(tenant_id)
        for r in out:
            iid = r.incident.incident_memory_id
            r.lessons = [les for les in lessons if iid in les.source_incident_memory_ids]
            r.hints = [h for h in hints if iid in h.trigger_incident_ids]
    return out


def load_miner(store: Store, tenant_id: str) -> TemplateMiner | None:
    """The tenant's template miner as last checkpointed (or the global one), for matching only."""
    saved = store.load_state(tenant_id, "miner") or store.load_state("*", "miner")
    return TemplateMiner.from_state(saved[1]) if saved else None


def _match_text(store: Store, tenant_id: str, text: str, miner: TemplateMiner | None = None) -> set[str]:
    """Signature keys the text fingerprints to, with and without a 'service: ' prefix."""
    if miner is None:
        miner = load_miner(store, tenant_id)
    if miner is None:
        return set()
    msg = normalize_message(text)
    tries = [msg, msg.split(": ", 1)[-1]]
    # a pasted syslog line: fingerprint its program and message, as ingest would
    rec = Rfc3164Parser(YearResolver(utcnow())).parse(text.strip(), "<recall>", 1)
    if rec is not None and rec.service:
        tries.insert(0, f"{rec.service}: {normalize_message(rec.message)}")
    keys = set()
    for candidate in tries:
        m = miner.match(candidate)
        if m is not None:
            keys.add(m.key)
    return keys
