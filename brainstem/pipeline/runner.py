"""The pipeline for one tenant: events -> signatures -> detectors -> candidates -> store.

``TenantPipeline.process`` is the hot loop. Per batch of records it makes
events, drops the ones already stored (one query per batch), fingerprints and
detects the new ones in event-time order, rescores the candidates they
touched, and writes everything in one transaction.

Crash safety: stage state (miner templates, detector windows) is checkpointed
with the batch that ends each run and every ``CHECKPOINT_EVERY`` events, with
the store's event high-water mark. A run that starts after a crash replays the
events stored after the last checkpoint through the miner and detectors
(without writing anything again), so nothing acknowledged is lost and nothing
is counted twice.
"""
from __future__ import annotations

from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import Any, Iterable

from brainstem.detect import SEVERITY_RANK, Observation, alert_of, build_detectors
from brainstem.fingerprint import TemplateMiner
from brainstem.ingest.record import Record
from brainstem.memory.promote import promote
from brainstem.models import DECISION_BANDS, Asset, Event, Signature, Tenant, stable_id, utcnow
from brainstem.pipeline.candidates import CandidateBook
from brainstem.pipeline.events import EventFactory, template_severity
from brainstem.score.feedback import load_feedback
from brainstem.pipeline.incidents import IncidentTracker
from brainstem.score.rescore import Rescorer
from brainstem.store.base import Store, WriteBatch

STATE_VERSION = 1
CHECKPOINT_EVERY = 200_000


@dataclass
class RunStats:
    """What one ingest did, for the summary line."""

    lines_read: int = 0
    events_stored: int = 0
    duplicates: int = 0
    bad_lines: int = 0
    new_signatures: int = 0
    rule_firings: int = 0
    elapsed: float = 0.0
    bad: list[tuple[str, int, str]] = field(default_factory=list)
    recurred: dict[str, int] = field(default_factory=dict)   # known incident memories that came back
    untimed_lines: int = 0          # lines without a timestamp of their own (joined, or given the one before)
    joined_lines: int = 0           # ...of which joined to the event before them
    untimed_files: list[str] = field(default_factory=list)   # no timestamp found: events took the file's time
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, layout learned / year or date inferred)

    @property
    def rate(self) -> float:
        return self.events_stored / self.elapsed if self.elapsed > 0 else 0.0


class TenantPipeline:
    """All per-tenant stage state, loaded from the store and saved back to it."""

    def __init__(self, store: Store, settings, tenant: Tenant, *, rules=None):
        self.store = store
        self.settings = settings
        self.tenant = tenant
        tid = self.tid = tenant.tenant_id
        self.rules = rules
        self.assets = store.asset_ids(tid)
        self._asset_ids = set(self.assets.values())
        self.miner_scope = tid if settings.miner_scope == "tenant" else "*"
        saved = store.load_state(self.miner_scope, "miner")
        self.miner = TemplateMiner.from_state(saved[1]) if saved else TemplateMiner(settings.max_signatures_per_tenant)
        self.sigs: dict[str, Signature] = {s.signature_key: s for s in store.signatures(tid)}
        self.detectors = build_detectors(settings)
        meta = store.load_state(tid, "pipeline")
        self.meta: dict[str, Any] = meta[1] if meta else {"first_ts": None, "last_ts": None, "high_water": 0}
        for d in self.detectors:
            st = store.load_state(tid, f"detector:{d.name}")
            if st and st[0] == d.state_version:
                d.load_state(st[1])
        self.book = CandidateBook(tid, store.get, store.get, self.signature_id, self.pattern, self.assets.get)
        self.incidents = IncidentTracker(store, tid, settings.incident_recurrence_gap_seconds)
        self.rescorer = Rescorer(self, load_feedback(store, tid, self.sigs))
        self.dirty_sigs: set[str] = set()
        self.new_assets: list[Asset] = []
        self.aliases: list[tuple[str, str, str]] = []
        self._since_checkpoint = 0
        self._aliases_seen = self.miner.alias_count
        self._replay_after_crash()
        if rules is not None:
            self._warm_rules()

    # -- lookups the candidate book uses --------------------------------------
    def signature_id(self, key: str) -> str:
        return stable_id("sig_", self.tid, key)

    def pattern(self, key: str) -> str:
        s = self.sigs.get(key)
        return s.normalized_pattern if s else key

    # -- the hot loop -------------------------------------------------------------
    def process(self, records: Iterable[Record], stats: RunStats, factory: EventFactory) -> None:
        batch_size = self.settings.batch_size
        pending: list[Event] = []
        for rec in records:
            pending.append(factory.make(rec))
            if len(pending) >= batch_size:
                self._flush(pending, stats)
                pending = []
        if pending:
            self._flush(pending, stats)

    def process_batch(self, records: Iterable[Record], stats: RunStats, factory: EventFactory,
                      state: list[tuple[str, int, dict[str, Any]]] | None = None) -> None:
        """All ``records`` in one transaction, with ``state`` rows (component, version, data)
        committed in it: the live service's unit of work (a followed file's position is
        stored exactly when the lines before it are)."""
        self.process_events([factory.make(r) for r in records], stats, state)

    def process_events(self, events: list[Event], stats: RunStats,
                       state: list[tuple[str, int, dict[str, Any]]] | None = None) -> None:
        """``process_batch`` of events already made (a worker saves its event factory's
        state, as it is after making them, in the same transaction)."""
        self._flush(events, stats, [(self.tid, c, v, d) for c, v, d in state or ()])

    def _flush(self, events: list[Event], stats: RunStats, state: list | None = None) -> None:
        seen = self.store.existing_event_ids(e.event_id for e in events)
        fresh: list[Event] = []
        for e in events:
            if e.event_id in seen:
                stats.duplicates += 1
                continue
            seen.add(e.event_id)
            self._learn(e, stats)
            fresh.append(e)
        self._since_checkpoint += len(fresh)
        batch = self._drain(fresh)
        if state:
            batch.state.extend(state)
        stats.events_stored += self.store.write(batch)
        self._auto_promote(batch.candidates)
        if self._since_checkpoint >= CHECKPOINT_EVERY:
            self._checkpoint()

    def _learn(self, e: Event, stats: RunStats) -> None:
        """Fingerprint one new event, detect, and apply what it showed to candidates."""
        ts = e.timestamp.timestamp()
        m = self.miner.learn(e.signature_input, ts)
        key = m.key
        e.signature_key = key
        params = m.params
        if params:
            sf = e.structured_fields
            if not sf:
                e.structured_fields = params     # a fresh dict per Match
            else:
                for k, v in params.items():
                    sf.setdefault(k, v)
        sig = self.sigs.get(key)
        if sig is None:
            sig = self._new_signature(e, m)
            stats.new_signatures += 1
        elif m.changed:
            sig.normalized_pattern = m.template
            sig.signature_version = m.version
            self._note_aliases()
        sig.occurrence_count += 1
        when = e.timestamp
        last = sig.last_seen_at
        if last is None or when > last:
            sig.last_seen_at = when
        if when < sig.first_seen_at:
            sig.first_seen_at = when
        smeta = sig.metadata
        rank = smeta["severity_rank"]       # the signature's worst, this event's with it
        own = SEVERITY_RANK.get(e.severity, 6)      # 6 (info) for None and "" too
        if own < rank:
            smeta["severity_rank"] = rank = own
        self.dirty_sigs.add(key)
        host = e.host
        if host:
            aid = self.assets.get(host)
            if aid is None:
                aid = self._new_asset(host)
            e.asset_id = aid
        meta = self.meta            # self._clock(ts), inline: once per event
        first = meta["first_ts"]
        if first is None or ts < first:
            meta["first_ts"] = ts
        last_ts = meta["last_ts"]
        if last_ts is None or ts > last_ts:
            meta["last_ts"] = ts
        alert = alert_of(e.structured_fields) if e.source_type == "logicmonitor" else None
        found = self.detectors.learn_one(Observation(ts, e.event_id, key, host or "-", rank, sig.normalized_pattern,
                                                     alert))
        if found:
            apply = self.book.apply
            for f in found:
                apply(f)
        if self.incidents.by_key:
            self.incidents.observe(e, key, ts)
        if self.rules is not None:
            for f in self.rules.observe(e, sig):
                stats.rule_firings += 1
                self.book.apply(f)

    def _clock(self, ts: float) -> None:
        """The tenant's timeline so far (novelty is judged against it)."""
        meta = self.meta
        if meta["first_ts"] is None or ts < meta["first_ts"]:
            meta["first_ts"] = ts
        if meta["last_ts"] is None or ts > meta["last_ts"]:
            meta["last_ts"] = ts

    def _new_signature(self, e: Event, m) -> Signature:
        key = m.key
        sig = Signature(
            signature_id=self.signature_id(key), signature_key=key, tenant_id=self.tid,
            tenant_scope="tenant" if self.miner_scope != "*" else "global",
            signature_version=m.version, event_family=e.source_type, service=e.service,
            normalized_pattern=m.template, example_message=e.message_normalized[:2000],
            first_seen_at=e.timestamp, last_seen_at=e.timestamp, occurrence_count=0,
            metadata={"severity_rank": template_severity(m.template)},
        )
        self.sigs[key] = sig
        return sig

    def _new_asset(self, host: str) -> str:
        aid = stable_id("as_", self.tid, host.lower())
        self.assets[host] = aid
        if aid in self._asset_ids:
            return aid          # the same asset spelled otherwise ('FW1' and 'fw1'): never rewrite it
        self._asset_ids.add(aid)
        self.new_assets.append(Asset(asset_id=aid, tenant_id=self.tid, hostname=host,
                                     metadata={"created_by": "ingest"}))
        return aid

    def _note_aliases(self) -> None:
        """Record keys that a template merge retired (old key -> surviving key)."""
        if self.miner.alias_count == self._aliases_seen:
            return
        self._aliases_seen = self.miner.alias_count
        for key, sig in self.sigs.items():
            if "alias_of" in sig.metadata:
                continue
            current = self.miner.resolve(key)
            if current != key:
                sig.metadata["alias_of"] = current
                self.aliases.append((self.tid, key, current))
                self.dirty_sigs.add(key)
                heir = self.sigs.get(current)
                if heir is not None:    # the surviving signature carries the merged history
                    heir.occurrence_count += sig.occurrence_count
                    heir.first_seen_at = min(heir.first_seen_at, sig.first_seen_at)
                    heir.last_seen_at = max(heir.last_seen_at, sig.last_seen_at)
                    heir.metadata["severity_rank"] = min(heir.metadata["severity_rank"], sig.metadata["severity_rank"])
                    self.dirty_sigs.add(current)

    def _drain(self, events: list[Event]) -> WriteBatch:
        cands, groups, links = self.book.drain()
        self.rescorer.rescore(cands)
        incidents, inc_links = self.incidents.drain()
        now = utcnow()
        for changed in (cands, groups, incidents):
            for obj in changed:
                obj.updated_at = now
        for key in self.dirty_sigs:
            self.sigs[key].updated_at = now
        batch = WriteBatch(
            events=events, assets=self.new_assets, candidates=cands, groups=groups,
            links=links + inc_links, incidents=incidents, aliases=self.aliases,
            signatures=[self.sigs[k] for k in sorted(self.dirty_sigs) if k in self.sigs],
        )
        self.new_assets, self.aliases = [], []
        self.dirty_sigs.clear()
        return batch

    # -- checkpoints ---------------------------------------------------------------
    def _prune_detectors(self) -> None:
        """Detector state follows the miner's cap: a template it evicted is forgotten."""
        for d in self.detectors:
            for key in d.tracked():
                try:
                    self.miner.template(key)
                except KeyError:
                    d.forget(key)

    def checkpoint(self) -> None:
        """Write what is pending and save stage state (the live service calls this periodically)."""
        batch = self._drain([])
        if batch:
            self.store.write(batch)
            self._auto_promote(batch.candidates)
        self._checkpoint()
        # everything is written: cached candidates and groups can be reloaded when touched again
        self.book.candidates.clear()
        self.book.groups.clear()

    def replace_rules(self, rules) -> None:
        """Swap in a rebuilt rule engine (rules reloaded while serving): what is pending is
        checkpointed first, then the new engine is warmed like a fresh run's (its own saved
        state when the rules did not change, else a replay of the recent events)."""
        self.checkpoint()
        self.rules = rules
        if rules is not None:
            self._warm_rules()

    def resync(self) -> None:
        """Reload what a human changed behind the pipeline's back (a review, a promotion):
        candidates are re-read when next touched, feedback and incident memories at once."""
        self.book.candidates.clear()
        self.book.groups.clear()
        self.rescorer.feedback = load_feedback(self.store, self.tid, self.sigs)
        self.assets.update(self.store.asset_ids(self.tid))   # assets written by a sync (LogicMonitor devices)
        self._asset_ids.update(self.assets.values())
        for inc in self.store.incidents(self.tid, status="active"):
            self.incidents.track(inc)

    def _checkpoint(self) -> None:
        self._prune_detectors()
        # Written after the events it covers have committed: a crash in between
        # leaves an older checkpoint, and the replay covers the difference.
        self.meta["high_water"] = self.store.event_high_water(self.tid)
        batch = WriteBatch(state=[(self.miner_scope, "miner", STATE_VERSION, self.miner.to_state()),
                                  (self.tid, "pipeline", STATE_VERSION, self.meta)])
        for d in self.detectors:
            batch.state.append((self.tid, f"detector:{d.name}", d.state_version, d.to_state()))
        if self.rules is not None:   # the rule engine's windows (brainstem/rules/state.py)
            batch.state.append((self.tid, "rules", self.rules.STATE_VERSION, self.rules.to_state()))
        self.store.write(batch)
        self._since_checkpoint = 0

    def finish(self, stats: RunStats) -> None:
        """Write what is pending and checkpoint stage state at the end of a run."""
        batch = self._drain([])
        self.store.write(batch)
        self._auto_promote(batch.candidates)
        self._checkpoint()
        stats.recurred = dict(self.incidents.recurred)

    def _auto_promote(self, cands: list) -> None:
        """With ``auto_promote`` on, top-band candidates become incident memories without a human."""
        if not self.settings.auto_promote:
            return
        for c in cands:
            if c.decision_band == DECISION_BANDS[-1] and "incident_memory_id" not in c.metadata:
                inc = promote(self.store, c.candidate_id, auto=True)
                c.metadata["incident_memory_id"] = inc.incident_memory_id
                self.incidents.track(inc)

    def _warm_rules(self) -> None:
        """Give the rule engine the windows it had at the end of the last run.

        Its state is checkpointed with the pipeline's (same rules: same
        fingerprint); events stored after that checkpoint (a crash) are replayed
        into it with their firings discarded (the run that stored them recorded
        them). Without a usable state (first run with these rules), the events of
        the last ``rules_replay_seconds`` before the newest stored one are replayed.
        """
        saved = self.store.load_state(self.tid, "rules")
        if saved and saved[0] == self.rules.STATE_VERSION and self.rules.load_state(saved[1]):
            for e in self.store.events_after(self.tid, self.meta.get("high_water", 0)):
                sig = self.sigs.get(e.signature_key)
                if sig is not None:
                    self.rules.observe(e, sig)
            return
        last = self.meta.get("last_ts")
        horizon = self.settings.rules_replay_seconds
        if last is None or horizon <= 0:
            return
        since = datetime.fromtimestamp(last - horizon, timezone.utc)
        for e in self.store.events_since(self.tid, since):
            sig = self.sigs.get(e.signature_key)
            if sig is not None:
                self.rules.observe(e, sig)

    def _replay_after_crash(self) -> None:
        """Feed events stored after the last checkpoint back through miner and detectors."""
        high = self.meta.get("high_water", 0)
        for e in self.store.events_after(self.tid, high):
            ts = e.timestamp.timestamp()
            self._clock(ts)
            m = self.miner.learn(e.signature_input, ts)
            sig = self.sigs.get(m.key)
            rank = sig.metadata.get("severity_rank", 6) if sig else 6
            alert = alert_of(e.structured_fields) if e.source_type == "logicmonitor" else None
            obs = Observation(ts, e.event_id, m.key, e.host or "-", rank, sig.normalized_pattern if sig else "", alert)
            self.detectors.learn_one(obs)
