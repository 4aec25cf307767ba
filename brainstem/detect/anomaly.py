"""Anomaly: something new or far off its usual rate for this tenant.

Two kinds, one candidate per signature (each occurrence an episode, a group):

- **new**: the first event of a signature the tenant has never shown, once
  the tenant has ``baseline_seconds`` of history. How surprising that is
  depends on the tenant: one that has produced no new error in 20,000 lines
  says more with a new one than a laptop that meets a new error every hour.
  ``surprise_bits`` is ``-log2`` of the tenant's rate, per event over the
  trailing day, of new signatures at least as severe as this one (smoothed:
  (new+1)/(events+2)).
  The finding waits ``hold_seconds`` of event time (it is raised by the
  first event after that, with the count of its first minutes) and is
  dropped when a burst or spread of the same signature began meanwhile (that
  candidate covers the same events and says the signature is new) or the
  problem recovered by itself (the self-heal detector tells if it repeats).
  When the signature later (within a week) becomes a recurrence or one side
  of a learned precursor pair, the anomaly is updated as ``covered_by`` that
  detector and scores nothing: the nightly failure that was news on its
  first night is a recurrence by its third. A new recovery message ("...
  changed state to up") is good news, not an anomaly.
- **rate**: a signature known for at least ``baseline_seconds`` whose count in
  an hour of event time reaches ``rate_min_events`` and ``rate_ratio`` times
  what it usually does then: the larger of its hourly EWMA (empty hours count
  as zero) and its EWMA for that hour of the day (a nightly job is loud at
  02:00 every night; that is its profile, not an anomaly). Consecutive
  anomalous hours are one episode; an hour a burst of the signature overlaps
  is left to the burst.
"""
from __future__ import annotations

import math
from typing import Any

from brainstem.detect.base import Detector, Finding, Observation
from brainstem.detect.profile import ActivityProfile
from brainstem.detect.self_heal import polarity

_HOURLY_ALPHA = 2.0 / (24 + 1)      # hourly EWMA over about a day
_DAILY_BETA = 2.0 / (7 + 1)         # hour-of-day EWMA over about a week
_NEVER = 1 << 62
_MAX_PENDING = 200
_MAX_NOVEL = 5000
_NOVEL_DAYS = 7
_NOTHING: list = []     # shared "no findings" (callers only read it)


def _is_recovery(template: str) -> bool:
    pol = polarity(template)
    return pol is not None and not pol[1]


class AnomalyDetector(Detector):
    name = "anomaly"
    state_version = 2

    def __init__(self, profile: ActivityProfile, *, burst=None, spread=None, self_heal=None, recurrence=None,
                 precursor=None, baseline_seconds: float = 86400,
                 hold_seconds: float = 600, rate_ratio: float = 10.0, rate_min_events: int = 20):
        self.profile = profile
        self.burst = burst
        self.spread = spread
        self.self_heal = self_heal
        self.recurrence = recurrence
        self.precursor = precursor
        self.novel: dict[str, list[Any]] = {}     # new signatures not yet explained by another candidate
        self.baseline = float(baseline_seconds)
        self.hold = float(hold_seconds)
        self.ratio = rate_ratio
        self.min_events = rate_min_events
        # the trailing 24 hours: [hour, events, new signatures at each severity rank 0..7]
        self.ring: list[list[Any]] = []
        self._top: list[Any] | None = None      # ring[-1]
        # new signatures in their hold: [due, key, ts, event id, asset, severity, bits, new, events, count]
        self.pending: list[list[Any]] = []
        # key -> [hour, count, hourly level, hour-of-day levels, threshold, last anomalous hour,
        #         episode start, hour judged, peak ratio, severity, usual count for the current hour]
        self.rates: dict[str, list[Any]] = {}

    def learn_one(self, obs: Observation) -> list[Finding]:
        ts = obs.ts
        key = obs.signature_key
        prof = self.profile
        hour = prof.hour        # int(ts // 3600), which the profile has just worked out
        top = self._top
        if top is not None and hour <= top[0]:
            top[1] += 1
        else:
            ring = self.ring
            top = self._top = [hour, 1, [0] * 8]
            ring.append(top)
            while ring[0][0] <= hour - 24:
                del ring[0]
        out: list[Finding] = _NOTHING
        if self.pending:
            out = self._watch(obs)
        if prof.created:
            first_ts = prof.first_ts
            assert first_ts is not None     # the profile took this event first
            if ts - first_ts >= self.baseline and not _is_recovery(obs.template):
                # as surprising as new signatures this severe are rare here
                events = sum(r[1] for r in self.ring) - 1
                new = sum(sum(r[2][:obs.severity + 1]) for r in self.ring)
                bits = -math.log2((new + 1) / (events + 2))
                p = [ts + self.hold, key, ts, obs.event_id, obs.asset, obs.severity, round(bits, 2), new, events, 1]
                if len(self.pending) < _MAX_PENDING:    # a flood of new signatures is not followed one by one
                    self.pending.append(p)
            top[2][min(max(obs.severity, 0), 7)] += 1
        elif self.novel and key in self.novel:
            out = self._superseded(key, ts, out)
        r = self.rates.get(key)
        if r is None:
            r = self.rates[key] = [hour, 0, 0.0, [0.0] * 24, _NEVER, -2, 0.0, -1, 0.0, 6, 0.0]
        elif hour > r[0]:
            folded = self._fold(r, key, hour, ts)
            if folded:
                out = out + folded
        r[1] += 1
        if r[1] == r[4] and r[7] != r[0]:
            out = out + self._rate(r, key, obs)
        return out

    # -- new signatures --------------------------------------------------------------
    def _watch(self, obs: Observation) -> list[Finding]:
        """Follow the new signatures still in their hold: count them, see whether something covers them."""
        out = _NOTHING
        ts, key = obs.ts, obs.signature_key
        keep = []
        for p in self.pending:
            if p[1] == key and ts >= p[2]:
                p[9] += 1
                p[5] = min(p[5], obs.severity)
            if self._covered(p[1], p[2], min(ts, p[0])) is not None:
                continue                                    # another candidate holds these events: no anomaly
            if ts >= p[0]:
                out = out + [self._new_finding(p, None)]    # the hold is over: raised, with its first minutes
                self.novel[p[1]] = p
                if len(self.novel) > _MAX_NOVEL:
                    del self.novel[next(iter(self.novel))]
            else:
                keep.append(p)
        self.pending = keep
        return out

    def _superseded(self, key: str, ts: float, out: list[Finding]) -> list[Finding]:
        """A new signature that has since become a recurrence or a learned precursor pair: that says it better."""
        p = self.novel[key]
        if ts - p[2] > _NOVEL_DAYS * 86400:
            del self.novel[key]                  # long known by now; nothing will supersede it
            return out
        for d in (self.recurrence, self.precursor):
            if d is not None and d.explains(key):
                del self.novel[key]
                return out + [self._new_finding(p, d.name)]
        return out

    def _new_finding(self, p: list[Any], covered_by: str | None) -> Finding:
        due, key, t0, event_id, asset, severity, bits, new, events, count = p
        metrics = {"kind": "new", "surprise_bits": bits, "new_signatures_24h": new, "events_24h": events,
                   "count": count, "hold_seconds": self.hold}
        if covered_by is not None:
            metrics["covered_by"] = covered_by
        metrics.update(self.profile.facts(key, t0, severity, at=t0))
        return Finding(
            candidate_type="anomaly", key=key, signature_keys=(key,), ts=t0, event_ids=(event_id,),
            assets=(asset,), metrics=metrics,
            episode=f"{key}@new", episode_start=t0, episode_end=t0, episode_events=count,
        )

    def _covered(self, key: str, start: float, end: float) -> str | None:
        for d in (self.burst, self.spread, self.self_heal):
            if d is not None and d.covers(key, start, end):
                return d.name
        return None

    # -- rates ------------------------------------------------------------------------
    def _fold(self, r: list[Any], key: str, hour: int, ts: float | int) -> list[Finding]:
        """Close the signature's last hour into its levels and set the bar for ``hour``."""
        out = []
        prev, count = r[0], r[1]
        if r[5] == prev:        # the closed hour was anomalous: report its final count
            out.append(self._rate_finding(r, key, min(ts, (prev + 1) * 3600 - 1), prev, count, (), "-"))
        keep = 1.0 - _HOURLY_ALPHA
        level = r[2] * keep + _HOURLY_ALPHA * count
        level *= keep ** min(hour - prev - 1, 10_000)
        hod = r[3]
        h = prev % 24
        hod[h] = hod[h] * (1.0 - _DAILY_BETA) + _DAILY_BETA * count
        r[0], r[1], r[2] = hour, 0, level
        s = self.profile.signature(key)
        first_ts = self.profile.first_ts
        assert first_ts is not None     # the profile has seen events
        mature = s is not None and ts - s.first >= self.baseline and ts - first_ts >= self.baseline
        usual = r[10] = max(level, hod[hour % 24])
        r[4] = max(self.min_events, math.ceil(self.ratio * usual)) if mature else _NEVER
        return out

    def _rate(self, r: list[Any], key: str, obs: Observation) -> list[Finding]:
        hour = r[0]
        r[7] = hour
        if self._covered(key, hour * 3600.0, obs.ts):
            return []
        if r[5] != hour - 1:
            r[6] = hour * 3600.0       # a new episode
        r[5] = hour
        r[9] = obs.severity
        return [self._rate_finding(r, key, obs.ts, hour, r[1], (obs.event_id,), obs.asset)]

    def _rate_finding(self, r: list[Any], key: str, ts: float | int, hour: int, count: int,
                      event_ids: tuple[str, ...], asset: str) -> Finding:
        usual = r[10]
        metrics = {"kind": "rate", "count": count, "usual": round(usual, 2), "hour": hour % 24,
                   "ratio": round(count / max(usual, 1.0 / self.ratio), 1)}
        r[8] = max(r[8], metrics["ratio"])
        metrics["peak_ratio"] = r[8]
        metrics.update(self.profile.facts(key, ts, r[9], at=r[6]))
        return Finding(
            candidate_type="anomaly", key=key, signature_keys=(key,), ts=ts, event_ids=event_ids,
            assets=(asset,) if asset != "-" else (), metrics=metrics,
            episode=f"{key}@rate@{r[6]:.0f}", episode_start=r[6], episode_end=ts, episode_events=count,
        )

    # -- state --------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        return {"ring": self.ring, "pending": self.pending, "rates": self.rates, "novel": self.novel}

    def load_state(self, state: dict[str, Any]) -> None:
        self.ring = [list(x) for x in state.get("ring", [])]
        self._top = self.ring[-1] if self.ring else None
        self.pending = [list(x) for x in state.get("pending", [])]
        self.novel = {k: list(p) for k, p in state.get("novel", {}).items()}
        self.rates = {k: list(v) for k, v in state.get("rates", {}).items()}

    def tracked(self) -> list[str]:
        return list(self.rates)

    def forget(self, signature_key: str) -> None:
        self.rates.pop(signature_key, None)
        self.novel.pop(signature_key, None)
