"""Spread: one signature on many distinct assets within a short window.

A sliding window (``window_seconds``) keeps, per signature, how many of its
events each asset produced. A spread starts when the window holds at least
``min_assets`` distinct assets and more than ``ratio`` times the number the
signature usually reaches in a window (an EWMA over past tumbling windows),
counted over the windows where it appeared at all, once it has appeared in
``ROUTINE_WINDOWS`` of them. So fleet-wide chatter (an hourly cron job on
every host) is not a spread, but the same auth failure suddenly on 40 hosts
is, and so is its return a week later. Same warm-up rule as the burst
detector. Findings carry the profile's facts and ``fleet``, the number of
the tenant's assets that logged in the last day, so the scorer can say "10
of 12 hosts".
"""
from __future__ import annotations

from typing import Any

from brainstem.detect.base import Detector, Finding, Observation
from brainstem.detect.profile import ActivityProfile
from brainstem.detect.window import Episode, TumblingBaseline, episode_step, recent_spans, whole, whole_bar

# A signature's usual reach counts once it has shown up in this many windows;
# before that it is not routine, and reaching many assets is news.
ROUTINE_WINDOWS = 2
_NOTHING: list = []     # shared "no findings" (callers only read it)


class _Reach:
    __slots__ = ("times", "hosts", "head", "counts", "baseline", "seen", "episode", "spreads", "max_assets", "spans",
                 "bar")

    def __init__(self, width: float, span: int):
        # the sliding window is times[head:] and hosts[head:], its events' times and assets (two lists
        # and a start: no tuple per event, and no deque)
        self.times: list[float | int] = []
        self.hosts: list[str] = []
        self.head = 0
        self.counts: dict[str, int] = {}        # asset -> its events in the window
        self.baseline = TumblingBaseline(width, span, skip_empty=True)
        self.seen: set[str] = set()          # assets in the current tumbling window
        self.episode: Episode | None = None
        self.spreads = 0
        self.max_assets = 0
        self.spans: list[list[float]] = []
        # the asset count that opens a spread in the current tumbling window (a function of
        # the baseline, which only a roll changes; not saved)
        self.bar: int | float = 0


class SpreadDetector(Detector):
    name = "spread"
    state_version = 2

    def __init__(self, profile: ActivityProfile | None = None, *, window_seconds: float = 600,
                 min_assets: int = 5, ratio: float | int = 3.0, baseline_windows: int = 12):
        self.profile = profile
        self.width = float(window_seconds)
        self.min_assets = min_assets
        self._floor_bar = whole(min_assets)
        self.ratio = ratio
        self.span = baseline_windows
        self.origin: float | None = None
        self.reach: dict[str, _Reach] = {}

    def learn_one(self, obs: Observation) -> list[Finding]:
        ts = obs.ts
        r = self.reach.get(obs.signature_key)
        if r is None:
            if self.origin is None:
                self.origin = ts
            r = self.reach[obs.signature_key] = _Reach(self.width, self.span)
            r.bar = self._bar(r)
        base = r.baseline
        if ts >= base.next and ts // base.width > base.window:     # a new tumbling window (as roll() sees it)
            base.roll(ts)
            r.seen.clear()
            r.bar = self._bar(r)
        asset = obs.asset
        seen = r.seen
        seen.add(asset)
        base.value = len(seen)
        times = r.times
        times.append(ts)
        hosts = r.hosts
        hosts.append(asset)
        counts = r.counts
        counts[asset] = counts.get(asset, 0) + 1
        horizon = ts - self.width
        head = r.head
        if times[head] <= horizon:      # the oldest events leave the window, as from the front of a queue
            size = len(times)
            while head < size and times[head] <= horizon:
                old = hosts[head]
                head += 1
                left = counts[old] - 1
                if left:
                    counts[old] = left
                else:
                    del counts[old]
            if head > 64 and 2 * head > size:
                del times[:head]
                del hosts[:head]
                head = 0
            r.head = head
        n = len(counts)
        if n < r.bar and r.episode is None:
            return _NOTHING     # the usual case: below the bar, nothing open (what episode_step would say)
        return self._judge(r, obs, n)

    def _judge(self, r: _Reach, obs: Observation, n: int) -> list[Finding]:
        """Open, continue or close the episode (the rare events at or above the bar, or in a spread)."""
        ts = obs.ts
        base = r.baseline
        head = r.head
        usual = base.level if base.windows >= ROUTINE_WINDOWS else 0.0
        origin = self.origin
        assert origin is not None   # set by the first event
        ep, opened = episode_step(r, n, ts, warm_until=origin + self.width * self.span,
                                  floor=self.min_assets, ratio=self.ratio, usual=usual, start=r.times[head])
        if ep is None:
            return []
        if opened:
            r.spreads += 1
            earlier = r.hosts[head:-1]    # the window's earlier events belong to the spread too
            ep.events = len(earlier)
            for asset in earlier:
                ep.assets[asset] = ep.assets.get(asset, 0) + 1
            r.spans.append([ep.start, ep.end])
            del r.spans[:-4]
        ep.add(ts, obs.asset, obs.event_id, n)
        r.spans[-1][1] = ep.end
        r.max_assets = max(r.max_assets, len(ep.assets))
        metrics = {"spreads": r.spreads, "max_assets": r.max_assets, "episode_assets": len(ep.assets),
                   "baseline_assets": round(ep.baseline, 3), "window_seconds": self.width,
                   "minutes": round((ep.end - ep.start) / 60, 1)}
        if self.profile is not None:
            metrics.update(self.profile.facts(obs.signature_key, ts, obs.severity, at=ep.start))
            metrics["fleet"] = max(self.profile.active_assets(), r.max_assets)
        return [Finding(
            candidate_type="spread", key=obs.signature_key, signature_keys=(obs.signature_key,), ts=ts,
            event_ids=(obs.event_id,) if ep.events <= 20 else (), assets=tuple(ep.assets),
            metrics=metrics,
            episode=f"{obs.signature_key}@{ep.start:.0f}", episode_start=ep.start, episode_end=ep.end,
            episode_events=ep.events,
        )]

    def _bar(self, r: _Reach) -> int | float:
        """The least asset count that opens a spread (episode_step's threshold) while the baseline stays as it is."""
        base = r.baseline
        return whole_bar(self._floor_bar, self.ratio * (base.level if base.windows >= ROUTINE_WINDOWS else 0.0))

    def covers(self, signature_key: str, start: float, end: float) -> bool:
        """Did a spread of this signature overlap ``start..end``?"""
        r = self.reach.get(signature_key)
        return r is not None and recent_spans(r.spans, start, end)

    def to_state(self) -> dict[str, Any]:
        return {"origin": self.origin, "reach": {
            k: [[[t, a] for t, a in zip(r.times[r.head:], r.hosts[r.head:])], r.baseline.to_state(), sorted(r.seen),
                r.episode.to_state() if r.episode else None, r.spreads, r.max_assets, r.spans]
            for k, r in self.reach.items()}}

    def load_state(self, state: dict[str, Any]) -> None:
        self.origin = state.get("origin")
        self.reach = {}
        for k, (window, base, seen, ep, spreads, max_assets, spans) in state.get("reach", {}).items():
            r = _Reach(self.width, self.span)
            for ts, asset in window:
                r.times.append(ts)
                r.hosts.append(asset)
                r.counts[asset] = r.counts.get(asset, 0) + 1
            r.baseline.load(base)
            r.seen = set(seen)
            r.episode = Episode.from_state(ep) if ep else None
            r.spreads, r.max_assets, r.spans = spreads, max_assets, spans
            r.bar = self._bar(r)
            self.reach[k] = r

    def tracked(self) -> list[str]:
        return list(self.reach)

    def forget(self, signature_key: str) -> None:
        self.reach.pop(signature_key, None)
