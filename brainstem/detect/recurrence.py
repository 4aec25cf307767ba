"""Recurrence: a signature that comes back every day (or every week) at about the same time.

Definition. Take the hours in which a signature appeared (from the tenant's
:class:`~brainstem.detect.profile.ActivityProfile`), leaving out the hours in
which it appeared only while the tenant was starting up (boot, resume). For
the daily period, find the window of at most ``max_window_hours`` consecutive
hours of the day (wrapping at midnight) that the most days touch. The
signature recurs when, counted from the first day it appeared:

- it fell in that window on at least ``min_buckets`` days;
- those days are at least ``min_coverage`` of the days the tenant logged at all
  ("six days of seven");
- at least ``min_specificity`` of its hours are inside the window (it is
  quiet outside it);
- the window holds at most ``max_activity_share`` of the tenant's own active
  hours on those days (on a laptop that is only on from 14:00 to 18:00,
  "usually around 16:00" says nothing);
- landing in the window that often is unlikely by chance: ``chance`` (below)
  is at most ``max_chance``.

The hour of a job may wander inside its window: a job that runs "some time
between 01:00 and 05:00" is one window of four hours. Steady chatter never
qualifies: it is in most of the tenant's hours, so no narrow window holds it.
When the daily test fails and there are at least three weeks of history, the
same test runs on the 168 hours of the week (a Sunday job).

How unlikely the pattern is by chance is the binomial tail of landing in a
window that holds share ``q`` of the tenant's activity on ``k`` of ``n``
days, times the number of such windows: the ``chance`` metric, which the
scorer turns into regularity.
"""
from __future__ import annotations

import math
from typing import Any

from brainstem.detect.base import Detector, Finding, Observation
from brainstem.detect.profile import ActivityProfile
from brainstem.detect.self_heal import polarity

_MAX_SAMPLES = 35
_NOTHING: list = []     # shared "no findings" (callers only read it)
_MAX_ASSETS = 64
MONDAY = 4          # 1970-01-05, epoch day 4, was a Monday


def binomial_tail(n: int, k: int, q: float) -> float:
    """P(X >= k) for X ~ Binomial(n, q)."""
    if k <= 0:
        return 1.0
    if q <= 0.0:
        return 0.0
    if q >= 1.0:
        return 1.0
    return min(1.0, sum(math.comb(n, i) * q ** i * (1.0 - q) ** (n - i) for i in range(k, n + 1)))


def _rotate(mask: int, by: int, slots: int, full: int) -> int:
    return ((mask >> by) | (mask << (slots - by))) & full


def best_window(sig: dict[int, int], tenant: dict[int, int], first: int, last: int, slots: int,
                width: int) -> dict[str, Any] | None:
    """The window of ``width`` slots (wrapping) that the most periods of ``sig`` touch.

    ``sig`` and ``tenant`` map a period index to a slot mask. Returns the
    window tightened to the slots actually used, with its hits, the observed
    periods (those in ``first..last`` where the tenant was active), the share
    of the signature's slots inside it and the share of the tenant's.
    """
    full = (1 << slots) - 1
    masks = [m for p, m in sig.items() if first <= p <= last and m]
    if not masks:
        return None
    total = sum(m.bit_count() for m in masks)
    base = (1 << width) - 1
    best = None
    for start in range(slots):
        arc = ((base << start) | (base << start >> slots)) & full
        hits = inside = 0
        for m in masks:
            x = m & arc
            if x:
                hits += 1
                inside += x.bit_count()
        if best is None or (hits, inside) > best[:2]:
            best = (hits, inside, start, arc)
    assert best is not None     # masks is not empty, slots at least 1
    hits, inside, start, arc = best
    union = 0
    for m in masks:
        union |= m & arc
    r = _rotate(union, start, slots, full)
    lo = (r & -r).bit_length() - 1
    hi = r.bit_length() - 1
    start = (start + lo) % slots
    width = hi - lo + 1
    tight = (((1 << width) - 1) << start | ((1 << width) - 1) << start >> slots) & full
    observed = mine = active = 0
    for p in range(first, last + 1):
        t = tenant.get(p, 0)
        if t:
            observed += 1
            active += t.bit_count()
            mine += (t & tight).bit_count()
    return {"hits": hits, "observed": observed, "start": start, "width": width,
            "specificity": inside / total, "share": mine / active if active else 1.0}


class _Track:
    __slots__ = ("samples", "sample_day", "assets", "reported_day")

    def __init__(self) -> None:
        self.samples: list[str] = []     # one event id per day it appeared, bounded
        self.sample_day = -1
        self.assets: dict[str, int] = {}
        self.reported_day = -1


class RecurrenceDetector(Detector):
    name = "recurrence"
    state_version = 2

    def __init__(self, profile: ActivityProfile, *, min_buckets: int = 3, min_coverage: float = 0.7,
                 max_window_hours: int = 6, min_specificity: float = 0.75, max_activity_share: float = 0.5,
                 max_chance: float = 0.05):
        if not 1 <= max_window_hours <= 24:
            raise ValueError(f"recurrence window must be 1..24 hours, got {max_window_hours}")
        self.profile = profile
        self.min_buckets = min_buckets
        self.min_coverage = min_coverage
        self.width = max_window_hours
        self.min_specificity = min_specificity
        self.max_share = max_activity_share
        self.max_chance = max_chance
        self.tracks: dict[str, _Track] = {}
        self._recovery: dict[str, bool] = {}

    def learn_one(self, obs: Observation) -> list[Finding]:
        prof = self.profile
        key = obs.signature_key
        t = self.tracks.get(key)
        if t is None:
            t = self.tracks[key] = _Track()
        assets = t.assets       # every event counts, so the hosts do not depend on who logged first
        asset = obs.asset
        seen = assets.get(asset)
        if seen is not None:
            assets[asset] = seen + 1
        elif len(assets) < _MAX_ASSETS:
            assets[asset] = 1
        if not prof.fresh or prof.steady:
            return _NOTHING     # only a new hour can change the picture; steady chatter never recurs
        # A recovery message ("changed state to up", "Started ...") coming back
        # is not a problem coming back; its problem side carries the pattern.
        recovery = self._recovery.get(obs.template)
        if recovery is None:
            pol = polarity(obs.template)
            recovery = self._recovery[obs.template] = pol is not None and not pol[1]
        if recovery:
            return []
        day = int(obs.ts // 86400)
        if day == t.reported_day:
            return []       # one update a day is enough
        if day == t.sample_day:
            # a later hour of a day already judged: worth a look only while the day looks like a job's
            entry = prof.sigs[key].days.get(day)
            if entry is None or (entry[0] & ~entry[1]).bit_count() > self.width:
                return []
        else:
            t.sample_day = day
            t.samples.append(obs.event_id)
            del t.samples[:-_MAX_SAMPLES]
        found = self.check(key, obs.ts)
        if found is None:
            return []
        first_report = t.reported_day < 0
        t.reported_day = day
        found.update(self.profile.facts(key, obs.ts, obs.severity))
        found["assets"] = len(t.assets)
        return [Finding(
            candidate_type="recurrence", key=key, signature_keys=(key,), ts=obs.ts,
            event_ids=tuple(t.samples) if first_report else (obs.event_id,),
            first_ts=prof.sigs[key].first, assets=tuple(sorted(t.assets)), metrics=found,
        )]

    def check(self, key: str, ts: float) -> dict[str, Any] | None:
        """The recurrence metrics of ``key`` as of ``ts``, or None when it does not recur."""
        s = self.profile.signature(key)
        if s is None:
            return None
        clock: dict[int, int] = {}
        total = 0
        # marks of a wake-up still in doubt count as clock hours until it is confirmed as a start-up
        doubt = self.profile.tentative(key) if self.profile.waking else {}
        for d, (m, startup) in s.days.items():
            m &= ~(startup & ~doubt.get(d, 0))
            if m:
                clock[d] = m
                total += m.bit_count()
        # cheap rejections first: too few days, or too many hours for any window to hold
        if len(clock) < self.min_buckets or total * self.min_specificity > self.width * len(clock):
            return None
        today = int(ts // 86400)
        first = min(clock)
        daily = self._judge(best_window(clock, self.profile.days, first, today, 24, self.width), "day", 24)
        if daily is not None or today - first < 14:
            return daily
        weeks: dict[int, int] = {}
        for d, m in clock.items():
            w, offset = divmod(d - MONDAY, 7)
            weeks[w] = weeks.get(w, 0) | m << (24 * offset)
        tenant_weeks: dict[int, int] = {}
        for d, m in self.profile.days.items():
            if d >= first:
                w, offset = divmod(d - MONDAY, 7)
                tenant_weeks[w] = tenant_weeks.get(w, 0) | m << (24 * offset)
        found = best_window(weeks, tenant_weeks, (first - MONDAY) // 7, (today - MONDAY) // 7, 168, self.width)
        return self._judge(found, "week", 168)

    def _judge(self, w: dict[str, Any] | None, period: str, slots: int) -> dict[str, Any] | None:
        if w is None or w["hits"] < self.min_buckets or w["observed"] == 0:
            return None
        coverage = w["hits"] / w["observed"]
        if coverage < self.min_coverage or w["specificity"] < self.min_specificity or w["share"] > self.max_share:
            return None
        chance = min(1.0, binomial_tail(w["observed"], w["hits"], w["share"]) * slots / w["width"])
        if chance > self.max_chance:
            return None
        start = w["start"]
        out = {"bucket": period, "buckets": w["hits"], "observed": w["observed"], "coverage": round(coverage, 4),
               "window_start": start % 24, "window_hours": w["width"], "specificity": round(w["specificity"], 4),
               "activity_share": round(w["share"], 4), "chance": float(f"{chance:.3g}")}
        if period == "week":
            out["weekday"] = start // 24
        return out

    def explains(self, signature_key: str) -> bool:
        """Has this signature been reported as a recurrence?"""
        t = self.tracks.get(signature_key)
        return t is not None and t.reported_day >= 0

    def to_state(self) -> dict[str, Any]:
        return {"tracks": {k: [t.samples, t.sample_day, t.assets, t.reported_day] for k, t in self.tracks.items()}}

    def load_state(self, state: dict[str, Any]) -> None:
        self.tracks = {}
        for k, (samples, sample_day, assets, reported) in state.get("tracks", {}).items():
            t = self.tracks[k] = _Track()
            t.samples, t.sample_day, t.assets, t.reported_day = samples, sample_day, assets, reported

    def tracked(self) -> list[str]:
        return list(self.tracks)

    def forget(self, signature_key: str) -> None:
        self.tracks.pop(signature_key, None)
