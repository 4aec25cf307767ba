"""Known incidents coming back: recurrence_count and last_observed_at move."""
from __future__ import annotations

from datetime import datetime

from brainstem.models import Event, IncidentMemory, ProvenanceLink, make_link
from brainstem.store.base import Store


class IncidentTracker:
    """Watches a tenant's stream for the signatures of its active incident memories.

    A signature of an incident seen again after ``gap`` seconds of quiet is a
    new recurrence (one count per episode, not per line); the first event of
    each recurrence is linked to the incident.
    """

    def __init__(self, store: Store, tenant_id: str, gap: float):
        self.tid = tenant_id
        self.gap = gap
        self.by_key: dict[str, list[IncidentMemory]] = {}
        self.dirty: dict[str, IncidentMemory] = {}
        self.links: list[ProvenanceLink] = []
        self.recurred: dict[str, int] = {}      # incident id -> recurrences seen in this run
        for inc in store.incidents(tenant_id, status="active"):
            self.track(inc)

    def track(self, inc: IncidentMemory) -> None:
        """Watch for this incident's signatures (replacing an older copy of it)."""
        iid = inc.incident_memory_id
        for key in inc.metadata.get("signature_keys", []):
            incs = [i for i in self.by_key.get(key, []) if i.incident_memory_id != iid]
            self.by_key[key] = incs + [inc]
        if iid in self.dirty:
            self.dirty[iid] = inc

    def observe(self, e: Event, key: str, ts: float) -> None:
        incs = self.by_key.get(key)
        if not incs:
            return
        when: datetime = e.timestamp
        for inc in incs:
            last = inc.last_observed_at
            if last is None or ts - last.timestamp() > self.gap:
                inc.recurrence_count += 1
                self.recurred[inc.incident_memory_id] = self.recurred.get(inc.incident_memory_id, 0) + 1
                self.links.append(make_link("event", e.event_id, "incident_memory", inc.incident_memory_id,
                                            "recurrence_of", self.tid))
            if last is None or when > last:
                inc.last_observed_at = when
            self.dirty[inc.incident_memory_id] = inc

    def drain(self) -> tuple[list[IncidentMemory], list[ProvenanceLink]]:
        incs, links = list(self.dirty.values()), self.links
        self.dirty, self.links = {}, []
        return incs, links
