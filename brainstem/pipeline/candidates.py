"""Findings -> candidates and correlation groups, updated in place, never duplicated.

A candidate's id is derived from (tenant, type, finding key), so the same
pattern found again, in this run or a later one, updates the same candidate.
Its evidence lists are bounded: the first ``MAX_EVENTS`` source events are
kept on the candidate (all of them stay reachable through the signature).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from brainstem.detect.base import Finding
from brainstem.models import Candidate, CorrelationGroup, ProvenanceLink, make_link, stable_id

MAX_EVENTS = 50
MAX_ASSETS = 200
MAX_GROUPS = 100

_TITLES = {
    "recurrence": "Recurring: {}",
    "burst": "Burst: {}",
    "spread": "Spread: {}",
    "self_heal": "Self-heal: {}",
    "anomaly": "Anomaly: {}",
}


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


class CandidateBook:
    """The candidates and groups of one tenant that this run touched."""

    def __init__(self, tenant_id: str, load_candidate: Callable[[str], Candidate | None],
                 load_group: Callable[[str], CorrelationGroup | None],
                 signature_id: Callable[[str], str], pattern: Callable[[str], str],
                 asset_id: Callable[[str], str | None]):
        self.tenant_id = tenant_id
        self._load_candidate = load_candidate
        self._load_group = load_group
        self._signature_id = signature_id
        self._pattern = pattern
        self._asset_id = asset_id
        self.candidates: dict[str, Candidate] = {}
        self.groups: dict[str, CorrelationGroup] = {}
        self.dirty_candidates: set[str] = set()
        self.dirty_groups: set[str] = set()
        self.links: list[ProvenanceLink] = []

    def candidate(self, cid: str) -> Candidate | None:
        c = self.candidates.get(cid)
        if c is None:
            c = self._load_candidate(cid)
            if c is not None:
                self.candidates[cid] = c
        return c

    def apply(self, f: Finding) -> Candidate:
        tid = self.tenant_id
        cid = stable_id("cand_", tid, f.candidate_type, f.key)
        c = self.candidate(cid)
        sig_ids = [self._signature_id(k) for k in f.signature_keys]
        if c is None:
            pattern = self._pattern(f.signature_keys[0])
            if "rule" in f.metrics:
                title = f.metrics.get("title") or f"Rule {f.metrics['rule']}: {pattern}"
            elif f.candidate_type == "self_heal" and f.metrics.get("flapping"):
                title = f"Flapping: {pattern}"
            elif f.candidate_type == "precursor" and len(f.signature_keys) > 1:
                title = f"Precursor: {pattern} -> {self._pattern(f.signature_keys[1])}"
            else:
                title = _TITLES.get(f.candidate_type, "Rule {}").format(pattern)
            c = Candidate(candidate_id=cid, tenant_id=tid, candidate_type=f.candidate_type, title=title,
                          first_seen_at=_dt(f.ts), last_seen_at=_dt(f.ts), source_signature_ids=sig_ids,
                          metadata={"key": f.key, "signature_keys": list(f.signature_keys), "event_count": 0,
                                    "assets": [], "metrics": {}})
            self.candidates[cid] = c
            for sid in sig_ids:
                self.links.append(make_link("signature", sid, "candidate", cid, "evidence_for", tid))
        elif f.candidate_type == "self_heal" and f.metrics.get("flapping") and c.title.startswith("Self-heal: "):
            c.title = "Flapping: " + c.title[len("Self-heal: "):]
        ts = _dt(f.ts)
        if ts > c.last_seen_at:
            c.last_seen_at = ts
        first = _dt(f.first_ts) if f.first_ts is not None else ts
        if first < c.first_seen_at:
            c.first_seen_at = first
        meta = c.metadata
        meta["event_count"] = meta.get("event_count", 0) + 1
        meta["metrics"] = f.metrics
        assets = meta.setdefault("assets", [])
        for a in f.assets:
            if a not in assets and len(assets) < MAX_ASSETS:
                assets.append(a)
        for eid in f.event_ids:
            if len(c.source_event_ids) < MAX_EVENTS and eid not in c.source_event_ids:
                c.source_event_ids.append(eid)
                self.links.append(make_link("event", eid, "candidate", cid, "evidence_for", tid))
        if f.episode is not None:
            self._group(c, f, sig_ids)
        c.summary = self._summary(c)
        self.dirty_candidates.add(cid)
        return c

    def _group(self, c: Candidate, f: Finding, sig_ids: list[str]) -> None:
        tid = self.tenant_id
        gid = stable_id("grp_", tid, f.candidate_type, f.episode)
        g = self.groups.get(gid) or self._load_group(gid)
        if g is None:
            g = CorrelationGroup(group_id=gid, tenant_id=tid, group_type=f.candidate_type,
                                 start_at=_dt(f.episode_start or f.ts), end_at=_dt(f.episode_end or f.ts),
                                 signature_ids=sig_ids, metadata={"episode": f.episode})
            if len(c.source_group_ids) < MAX_GROUPS:
                c.source_group_ids.append(gid)
            self.links.append(make_link("group", gid, "candidate", c.candidate_id, "evidence_for", tid))
            self.links.extend(make_link("signature", s, "group", gid, "member_of", tid) for s in sig_ids)
        self.groups[gid] = g
        g.end_at = _dt(f.episode_end or f.ts)
        g.event_count = f.episode_events
        for a in f.assets:
            aid = self._asset_id(a)
            if aid and aid not in g.asset_ids and len(g.asset_ids) < MAX_ASSETS:
                g.asset_ids.append(aid)
        for eid in f.event_ids:
            self.links.append(make_link("event", eid, "group", gid, "member_of", tid))
        g.metadata["metrics"] = f.metrics
        self.dirty_groups.add(gid)

    @staticmethod
    def _summary(c: Candidate) -> str:
        m = c.metadata
        return (f"{c.candidate_type} of {len(c.source_signature_ids)} signature(s), {m.get('event_count', 0)} "
                f"finding(s) on {len(m.get('assets', []))} asset(s) between {c.first_seen_at:%Y-%m-%d %H:%M} "
                f"and {c.last_seen_at:%Y-%m-%d %H:%M} UTC")

    def drain(self) -> tuple[list[Candidate], list[CorrelationGroup], list[ProvenanceLink]]:
        """What changed since the last drain, for one write batch."""
        cands = [self.candidates[c] for c in sorted(self.dirty_candidates)]
        groups = [self.groups[g] for g in sorted(self.dirty_groups)]
        links, self.links = self.links, []
        self.dirty_candidates.clear()
        self.dirty_groups.clear()
        # closed episodes need not stay in memory: keep only groups updated recently
        if len(self.groups) > 1000:
            self.groups = {g.group_id: g for g in groups}
        return cands, groups, links
