"""Burst: a signature's rate in a short window far above its own baseline.

For each signature a sliding window (``window_seconds`` of event time) counts
its events; the baseline is an EWMA of its counts in past tumbling windows of
the same width (empty windows count as zero). A burst starts when the window
holds at least ``min_events`` and more than ``ratio`` times the baseline, and
ends when the window falls below half of the level that started it. Each burst
is an episode (a correlation group); all bursts of one signature feed one
candidate.

No burst is reported during the warm-up (the first ``baseline_windows``
windows of the stream), because no signature has a baseline yet: without it
every chatty signature would "burst" at the start of the first file.

Every finding carries the tenant profile's facts (how much of the tenant's
time the signature is there anyway, how long the tenant's history is), so
the scorer can tell a rare error storming from chatter that got louder.
``covers`` tells other detectors (anomaly) whether a burst already holds
the events they are looking at; a burst of events that a spread of the same
signature already holds (one line from many hosts) is left to the spread.
"""
from __future__ import annotations

from typing import Any

from brainstem.detect.base import Detector, Finding, Observation
from brainstem.detect.profile import ActivityProfile
from brainstem.detect.spread import SpreadDetector
from brainstem.detect.window import Episode, TumblingBaseline, episode_step, recent_spans, whole, whole_bar

_NOTHING: list = []     # shared "no findings" (callers only read it)


class _Rate:
    __slots__ = ("times", "head", "baseline", "episode", "bursts", "max_peak", "spans", "bar")

    def __init__(self, width: float, span: int):
        # the sliding window is times[head:] (a list and a start, cheaper per event than a deque)
        self.times: list[float | int] = []
        self.head = 0
        self.baseline = TumblingBaseline(width, span)
        self.episode: Episode | None = None
        self.bursts = 0
        self.max_peak = 0
        self.spans: list[list[float]] = []     # [start, end] of the latest episodes
        # the least count that opens a burst in the current tumbling window (a function of
        # the baseline, which only a roll changes; not saved)
        self.bar: int | float = 0


class BurstDetector(Detector):
    name = "burst"
    state_version = 2

    def __init__(self, profile: ActivityProfile | None = None, *, window_seconds: float = 300,
                 min_events: int = 20, ratio: float | int = 8.0, baseline_windows: int = 12):
        self.profile = profile
        self.spread: SpreadDetector | None = None   # whose spreads this detector leaves alone
        self.window = float(window_seconds)
        self.min_events = min_events
        self._floor_bar = whole(min_events)
        self.ratio = ratio
        self.span = baseline_windows
        self.origin: float | None = None
        self.rates: dict[str, _Rate] = {}

    def learn_one(self, obs: Observation) -> list[Finding]:
        ts = obs.ts
        r = self.rates.get(obs.signature_key)
        if r is None:
            r = self._track(obs.signature_key, ts)
        base = r.baseline
        if ts >= base.next and ts // base.width > base.window:     # a new tumbling window (as roll() sees it)
            base.roll(ts)
            r.bar = self._bar(r)
        base.value += 1.0
        times = r.times
        times.append(ts)
        horizon = ts - self.window
        head = r.head
        if times[head] <= horizon:      # the oldest events leave the window, as from the front of a queue
            head += 1
            while times[head] <= horizon:   # stops at ts at the latest
                head += 1
            if head > 64 and 2 * head > len(times):
                del times[:head]
                head = 0
            r.head = head
        if len(times) - head < r.bar and r.episode is None:
            return _NOTHING     # the usual case: below the bar, nothing open (what episode_step would say)
        return self._judge(r, obs)

    def _track(self, key: str, ts: float | int) -> _Rate:
        if self.origin is None:
            self.origin = ts
        r = self.rates[key] = _Rate(self.window, self.span)
        r.bar = self._bar(r)
        return r

    def _judge(self, r: _Rate, obs: Observation) -> list[Finding]:
        """Open, continue or close the episode (the rare events at or above the bar, or in a burst)."""
        ts = obs.ts
        times = r.times
        n = len(times) - r.head
        origin = self.origin
        assert origin is not None   # set by the first event's _track
        ep, opened = episode_step(r, n, ts, warm_until=origin + self.window * self.span,
                                  floor=self.min_events, ratio=self.ratio, usual=r.baseline.level, start=times[r.head])
        if ep is None:
            return []
        if opened:
            # Booked whether or not it is reported: a spread may hold the opening
            # events and not the later ones (it forgot the signature, or they came late).
            ep.events = n - 1   # the window's earlier events belong to the burst too
            r.bursts += 1
            r.spans.append([ep.start, ep.end])
            del r.spans[:-4]
        ep.add(ts, obs.asset, obs.event_id, n)
        r.spans[-1][1] = ep.end
        if self.spread is not None and self.spread.covers(obs.signature_key, ep.start, ts):
            return []   # the same events, on many hosts: the spread says it
        r.max_peak = max(r.max_peak, ep.peak)
        metrics = {"bursts": r.bursts, "peak": r.max_peak, "episode_peak": ep.peak,
                   "baseline": round(ep.baseline, 3), "window_seconds": self.window,
                   "ratio": round(ep.peak / max(ep.baseline, 1.0 / self.ratio), 1),
                   "assets": len(ep.assets)}
        if self.profile is not None:
            metrics.update(self.profile.facts(obs.signature_key, ts, obs.severity, at=ep.start))
        return [Finding(
            candidate_type="burst", key=obs.signature_key, signature_keys=(obs.signature_key,), ts=ts,
            event_ids=(obs.event_id,) if ep.events <= 20 else (), assets=(obs.asset,),
            metrics=metrics,
            episode=f"{obs.signature_key}@{ep.start:.0f}", episode_start=ep.start, episode_end=ep.end,
            episode_events=ep.events,
        )]

    def _bar(self, r: _Rate) -> int | float:
        """The least count that opens a burst (episode_step's threshold) while the baseline stays as it is."""
        return whole_bar(self._floor_bar, self.ratio * r.baseline.level)

    def covers(self, signature_key: str, start: float, end: float) -> bool:
        """Did a burst of this signature overlap ``start..end``?"""
        r = self.rates.get(signature_key)
        return r is not None and recent_spans(r.spans, start, end)

    def to_state(self) -> dict[str, Any]:
        return {"origin": self.origin, "rates": {
            k: [r.times[r.head:], r.baseline.to_state(), r.episode.to_state() if r.episode else None, r.bursts,
                r.max_peak, r.spans]
            for k, r in self.rates.items()}}

    def load_state(self, state: dict[str, Any]) -> None:
        self.origin = state.get("origin")
        self.rates = {}
        for k, (times, base, ep, bursts, peak, spans) in state.get("rates", {}).items():
            r = _Rate(self.window, self.span)
            r.times = list(times)
            r.baseline.load(base)
            r.episode = Episode.from_state(ep) if ep else None
            r.bursts, r.max_peak, r.spans = bursts, peak, spans
            r.bar = self._bar(r)
            self.rates[k] = r

    def tracked(self) -> list[str]:
        return list(self.rates)

    def forget(self, signature_key: str) -> None:
        self.rates.pop(signature_key, None)
