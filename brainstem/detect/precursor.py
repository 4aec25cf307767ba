"""Precursor: signature A on an asset reliably comes shortly before signature B there.

Learned online, per pair of signatures, over all assets of the tenant:

- An **episode** of a signature on an asset starts with its first event after
  ``window_seconds`` of quiet from it on that asset. Chatter is one long
  episode, so it never "begins shortly before" anything; steady background
  for the tenant (the profile's *steady*) is not followed at all.
- A **target** is an episode start of a signature at warning or worse
  (``max_target_rank``) that is not steady background for the tenant, and
  not in a start-up of the tenant (a boot prints its lines in the same order
  every time: that predicts nothing).
- When a target B starts on an asset, every other signature A whose episode
  on that asset began between ``min_lead_seconds`` and ``window_seconds``
  before counts one confirmation of A → B (once per A episode). A recovery
  message is never a precursor, and A must be at most as severe as B (the
  warning comes before the failure, not after it).
- The pair is **learned** when it has ``min_support`` confirmations, its
  confidence (confirmed A episodes / all A episodes) is at least
  ``min_confidence``, and it beats chance by ``min_lift``: the confidence
  over the probability that some B episode would start in the same span
  after any moment on such an asset, from B's own episode rate.

A learned pair is a candidate; each later confirmation updates it, and
**A alone** (a new A episode on any asset) raises it again as a prediction
of B, with the lead times seen so far. If predictions stop coming true, the
confidence falls below the bar and the pair stops predicting.
"""
from __future__ import annotations

import math
from typing import Any

from brainstem.detect.base import Detector, Finding, Observation
from brainstem.detect.profile import ActivityProfile
from brainstem.detect.self_heal import polarity

_MAX_PAIRS = 50_000
_MAX_RECENT = 256
_MAX_RECENT_ASSETS = 5000
_MAX_ASSETS = 64
_MAX_STARTS = 35
_NOTHING: list = []     # shared "no findings" (callers only read it)


class PrecursorDetector(Detector):
    name = "precursor"
    state_version = 1

    def __init__(self, profile: ActivityProfile | None = None, *, window_seconds: float = 1800,
                 min_lead_seconds: float = 60, min_support: int = 3, min_confidence: float = 0.6,
                 min_lift: float = 3.0, max_target_rank: int = 4, max_background: float = 0.5):
        self.profile = profile
        self.window = float(window_seconds)
        self.min_lead = float(min_lead_seconds)
        self.min_support = min_support
        self.min_confidence = min_confidence
        self.min_lift = min_lift
        self.max_rank = max_target_rank
        self.max_background = max_background
        # asset -> signature -> [episode start, last seen, targets credited (list) or None, severity,
        #                        not a precursor (a recovery, or begun in a start-up)]
        self.recent: dict[str, dict[str, list[Any]]] = {}
        self.episodes: dict[str, int] = {}                  # signature -> episodes (all assets)
        self.targets: dict[str, list[Any]] = {}             # B -> [episodes, first ts, {asset: n}, latest starts]
        # "A>B" -> [confirmations, {asset: n}, lead min, lead max, lead sum, learned, B severity, A severity]
        self.pairs: dict[str, list[Any]] = {}
        self.learned: dict[str, list[str]] = {}             # A -> [B, ...] learned
        self._recovery: dict[str, bool] = {}
        self._assets_cap = _MAX_RECENT_ASSETS

    def learn_one(self, obs: Observation) -> list[Finding]:
        prof = self.profile
        if prof is not None and prof.steady:
            return _NOTHING     # steady background begins before nothing and is no failure to predict
        ts = obs.ts
        key = obs.signature_key
        rec = self.recent.get(obs.asset)
        if rec is None:
            rec = self.recent[obs.asset] = {}
        e = rec.get(key)
        if e is not None and ts - e[1] <= self.window:
            if ts > e[1]:
                e[1] = ts
            return _NOTHING
        # a new episode of this signature on this asset
        recovery = self._recovery.get(obs.template)
        if recovery is None:
            pol = polarity(obs.template)
            recovery = self._recovery[obs.template] = pol is not None and not pol[1]
        # a recovery, or what a host prints while it starts up, is no warning of anything
        starting = self.profile is not None and self.profile.startup
        rec[key] = [ts, ts, None, obs.severity, recovery or starting]
        self.episodes[key] = self.episodes.get(key, 0) + 1
        if len(rec) > _MAX_RECENT:
            self._prune(rec, ts)
        if len(self.recent) > self._assets_cap:
            # stale entries change nothing (the next event starts a new episode anyway): drop them
            for asset in [x for x, r in self.recent.items() if all(ts - e[1] > self.window for e in r.values())]:
                del self.recent[asset]
            self._assets_cap = max(_MAX_RECENT_ASSETS, 2 * len(self.recent))
        out: list[Finding] = _NOTHING
        if key in self.learned:
            out = self._predict(obs)
        if obs.severity <= self.max_rank and not recovery and not starting:
            found = self._target(obs, rec)
            if found:
                out = out + found
        return out

    def _prune(self, rec: dict[str, list[Any]], ts: float) -> None:
        for k in [k for k, e in rec.items() if ts - e[1] > self.window]:
            del rec[k]

    def _target(self, obs: Observation, rec: dict[str, list[Any]]) -> list[Finding]:
        ts, key = obs.ts, obs.signature_key
        t = self.targets.get(key)
        if t is None:
            t = self.targets[key] = [0, ts, {}, []]
        t[0] += 1
        if len(t[2]) < _MAX_ASSETS or obs.asset in t[2]:
            t[2][obs.asset] = t[2].get(obs.asset, 0) + 1
        t[3].append(ts)
        del t[3][:-_MAX_STARTS]
        out: list[Finding] = []
        stale = []
        steady = None
        for a, ea in rec.items():
            if a == key:
                continue
            if ts - ea[1] > self.window:
                stale.append(a)
                continue
            lead = ts - ea[0]
            if lead < self.min_lead or lead > self.window or ea[4] or ea[3] < obs.severity:
                continue
            if ea[2] is not None and key in ea[2]:
                continue
            if steady is None:      # asked once, and only when some signature could be its precursor
                steady = self.profile is not None and self.profile.background(key, ts) > self.max_background
            if steady:
                break               # background is not an event to predict
            ea[2] = (ea[2] or []) + [key]
            pk = a + ">" + key
            p = self.pairs.get(pk)
            if p is None:
                if len(self.pairs) >= _MAX_PAIRS:
                    self._shrink()
                p = self.pairs[pk] = [0, {}, lead, lead, 0.0, False, obs.severity, ea[3]]
            p[0] += 1
            if len(p[1]) < _MAX_ASSETS or obs.asset in p[1]:
                p[1][obs.asset] = p[1].get(obs.asset, 0) + 1
            p[2], p[3], p[4] = min(p[2], lead), max(p[3], lead), p[4] + lead
            p[6] = min(p[6], obs.severity)
            if p[0] < self.min_support or p[0] < self.min_confidence * self.episodes.get(a, 1):
                continue            # cheap tests first: most pairs are coincidences that never get there
            stats = self._stats(a, key, p, ts, ea[0])
            if stats["confidence"] < self.min_confidence or stats["lift"] < self.min_lift:
                continue
            if not p[5]:
                p[5] = True
                self.learned.setdefault(a, []).append(key)
            out.append(self._finding(a, key, p, stats, obs, "confirmed", ea[0]))
        for a in stale:
            del rec[a]
        return out

    def _stats(self, a: str, b: str, p: list[Any], ts: float, began: float, pending: int = 0) -> dict[str, Any]:
        """Confidence of A -> B, and its lift over the chance that B starts in the same span after ``began``.

        ``pending`` A episodes are still inside their window and left out of the confidence.

        The chance is the larger of B's flat episode rate and its rate at that
        time of day: a nightly failure at 02:00 follows everything that
        happens at 01:45, so a nightly job at 01:45 predicts nothing.
        """
        t = self.targets[b]
        span = max(ts - t[1], self.window)
        rate = t[0] / (len(t[2]) * span)       # B episodes per second on an asset that has them
        chance = 1.0 - math.exp(-rate * (self.window - self.min_lead))
        lo = (began + self.min_lead) % 86400
        hi = (began + self.window) % 86400
        same_time = sum(1 for x in t[3] if x != ts and (lo <= x % 86400 <= hi if lo <= hi
                                                          else (x % 86400 >= lo or x % 86400 <= hi)))
        days = max(math.ceil((ts - t[1]) / 86400), 1)
        chance = max(chance, min(same_time / days, 1.0))
        confidence = p[0] / max(self.episodes.get(a, 1) - pending, p[0])
        return {"confidence": round(confidence, 4), "lift": round(confidence / max(chance, 1e-9), 1),
                "chance": round(chance, 4)}

    def _predict(self, obs: Observation) -> list[Finding]:
        out = []
        a = obs.signature_key
        for b in self.learned[a]:
            p = self.pairs.get(a + ">" + b)
            if p is None or b not in self.targets:
                continue
            # the episode being predicted has had no time to come true yet: it does not count against
            stats = self._stats(a, b, p, obs.ts, obs.ts, pending=1)
            if stats["confidence"] < self.min_confidence:
                continue        # it stopped coming true: no prediction until it does again
            out.append(self._finding(a, b, p, stats, obs, "prediction", obs.ts))
        return out

    def _finding(self, a: str, b: str, p: list[Any], stats: dict[str, Any], obs: Observation, kind: str,
                 began: float | int) -> Finding:
        episodes = self.episodes.get(a, p[0]) - (1 if kind == "prediction" else 0)   # not the one predicting now
        metrics = {"kind": kind, "support": p[0], "episodes": max(episodes, p[0]),
                   "assets": len(p[1]), "lead_min": round(p[2], 1), "lead_max": round(p[3], 1),
                   "lead_mean": round(p[4] / p[0], 1), "target_episodes": self.targets[b][0],
                   "window_seconds": self.window, **stats}
        if self.profile is not None:
            metrics.update(self.profile.facts(a, obs.ts, p[6]))
        else:
            metrics["severity"] = p[6]
        metrics["precursor_severity"] = p[7]
        if kind == "prediction":
            metrics["predicted_asset"] = obs.asset
            metrics["predicted_at"] = obs.ts
        pk = a + ">" + b
        return Finding(
            candidate_type="precursor", key=pk, signature_keys=(a, b), ts=obs.ts,
            event_ids=(obs.event_id,), assets=(obs.asset,), metrics=metrics,
            episode=f"{pk}@{obs.asset}@{began:.0f}", episode_start=began, episode_end=obs.ts, episode_events=1,
        )

    def explains(self, signature_key: str) -> bool:
        """Is this signature one side of a learned pair (a precursor, or the failure it predicts)?"""
        if signature_key in self.learned:
            return True
        return any(signature_key in bs for bs in self.learned.values())

    def _shrink(self) -> None:
        """Keep the pair table bounded: drop unconfirmed one-offs first, then the weakest."""
        keep = {k: p for k, p in self.pairs.items() if p[5] or p[0] > 1}
        if len(keep) >= _MAX_PAIRS // 2:
            ranked = sorted(keep.items(), key=lambda kv: (not kv[1][5], -kv[1][0], kv[0]))
            keep = dict(ranked[:_MAX_PAIRS // 2])
        self.pairs = keep

    def to_state(self) -> dict[str, Any]:
        return {"recent": self.recent, "episodes": self.episodes, "targets": self.targets,
                "pairs": self.pairs, "learned": self.learned}

    def load_state(self, state: dict[str, Any]) -> None:
        self.recent = {a: dict(r) for a, r in state.get("recent", {}).items()}
        self.episodes = dict(state.get("episodes", {}))
        self.targets = dict(state.get("targets", {}))
        self.pairs = dict(state.get("pairs", {}))
        self.learned = {a: list(bs) for a, bs in state.get("learned", {}).items()}

    def tracked(self) -> list[str]:
        return list(self.episodes)

    def forget(self, signature_key: str) -> None:
        # pairs and recent episodes that mention it are bounded on their own and harmless; not scanned here
        self.episodes.pop(signature_key, None)
        self.targets.pop(signature_key, None)
        self.learned.pop(signature_key, None)
