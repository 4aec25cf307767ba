"""Recurrence: a signature that keeps coming back at distinct times.

A signature recurs when it appears in at least ``min_buckets`` distinct time
buckets (days by default) while staying concentrated in a few hour-of-day
slots. That second condition separates "the backup fails every night at 02:00"
from background chatter that is simply always there (which would otherwise
"recur" every day too).

Regularity is the share of a signature's events that fall in its busiest
three adjacent hour-of-day slots: 1.0 for a nightly job, about 0.125 for
something spread evenly over the day.
"""
from __future__ import annotations

from typing import Any

from brainstem.detect.base import Detector, Finding, Observation
from brainstem.detect.self_heal import polarity

_BUCKETS = {"hour": 3600, "day": 86400}
_MAX_BUCKETS_KEPT = 60


class _Track:
    __slots__ = ("buckets", "hours", "slots", "count", "first", "last", "samples", "assets")

    def __init__(self) -> None:
        self.buckets: list[int] = []      # distinct buckets, ascending, last _MAX_BUCKETS_KEPT kept
        self.hours = [0] * 24
        self.slots = 0                    # hour-of-day slots with any event
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self.samples: list[str] = []     # event ids: one per bucket, bounded
        self.assets: dict[str, int] = {}


class RecurrenceDetector(Detector):
    name = "recurrence"

    def __init__(self, *, bucket: str = "day", min_buckets: int = 3, max_hour_slots: int = 6):
        if bucket not in _BUCKETS:
            raise ValueError(f"recurrence bucket must be one of {sorted(_BUCKETS)}, got {bucket!r}")
        self.bucket = bucket
        self.bucket_seconds = _BUCKETS[bucket]
        self.min_buckets = min_buckets
        self.max_hour_slots = max_hour_slots
        self.tracks: dict[str, _Track] = {}
        self._recovery: dict[str, bool] = {}

    def learn_one(self, obs: Observation) -> list[Finding]:
        # A recovery message ("changed state to up", "Started ...") coming back
        # is not a problem coming back; its problem side carries the pattern.
        recovery = self._recovery.get(obs.template)
        if recovery is None:
            pol = polarity(obs.template)
            recovery = self._recovery[obs.template] = pol is not None and not pol[1]
        if recovery:
            return []
        t = self.tracks.get(obs.signature_key)
        if t is None:
            t = self.tracks[obs.signature_key] = _Track()
            t.first = obs.ts
        t.count += 1
        t.last = max(t.last, obs.ts)
        hour = int(obs.ts // 3600) % 24
        if not t.hours[hour]:
            t.slots += 1
        t.hours[hour] += 1
        if len(t.assets) < 64 or obs.asset in t.assets:
            t.assets[obs.asset] = t.assets.get(obs.asset, 0) + 1
        b = int(obs.ts // self.bucket_seconds)
        new_bucket = b not in t.buckets
        if new_bucket:
            t.buckets.append(b)
            t.buckets.sort()
            del t.buckets[:-_MAX_BUCKETS_KEPT]
            t.samples.append(obs.event_id)
            del t.samples[:-_MAX_BUCKETS_KEPT]
        if len(t.buckets) < self.min_buckets:
            return []
        slots = t.slots
        if slots > self.max_hour_slots:
            return []
        # Update the candidate on each new bucket, and on the events inside an
        # already-recurring bucket only every so often (bounded write volume).
        if not new_bucket and t.count % 50:
            return []
        if new_bucket:
            # the first finding carries the sample of every bucket so far
            event_ids = tuple(t.samples) if len(t.buckets) == self.min_buckets else (obs.event_id,)
        else:
            event_ids = ()
        return [Finding(
            candidate_type="recurrence", key=obs.signature_key, signature_keys=(obs.signature_key,),
            ts=obs.ts, event_ids=event_ids, first_ts=t.first,
            assets=tuple(sorted(t.assets)),
            metrics=self._metrics(t, slots),
        )]

    def _metrics(self, t: _Track, slots: int) -> dict[str, Any]:
        best_hour, best = 0, 0
        for h in range(24):
            window = t.hours[h - 1] + t.hours[h] + t.hours[(h + 1) % 24]
            if window > best:
                best_hour, best = h, window
        peak = max(range(24), key=lambda h: t.hours[h])
        return {
            "buckets": len(t.buckets), "bucket": self.bucket, "count": t.count,
            "regularity": round(best / t.count, 4) if t.count else 0.0,
            "hour_slots": slots, "usual_hour": peak if best_hour in (peak - 1, peak, peak + 1) else best_hour,
            "assets": len(t.assets),
        }

    def to_state(self) -> dict[str, Any]:
        return {"tracks": {k: [t.buckets, t.hours, t.count, t.first, t.last, t.samples, t.assets]
                           for k, t in self.tracks.items()}}

    def load_state(self, state: dict[str, Any]) -> None:
        self.tracks = {}
        for k, (buckets, hours, count, first, last, samples, assets) in state.get("tracks", {}).items():
            t = _Track()
            t.buckets, t.hours, t.count, t.first, t.last, t.samples, t.assets = buckets, hours, count, first, last, samples, assets
            t.slots = sum(1 for h in hours if h)
            self.tracks[k] = t

    def tracked(self) -> list[str]:
        return list(self.tracks)

    def forget(self, signature_key: str) -> None:
        self.tracks.pop(signature_key, None)
