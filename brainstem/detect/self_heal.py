"""Self-heal: a problem followed by its own recovery, on the same asset.

Problem and recovery signatures are paired by their templates: two templates
that are the same apart from one state word of opposite polarity ("changed
state to down" / "changed state to up", "link lost" / "link restored",
"service stopped" / "service started"). When a recovery follows an open
problem of its pair on the same asset within ``window_seconds``, that is one
self-heal; ``min_pairs`` of them make a candidate, and many of them are
flapping.
"""
from __future__ import annotations

import re
from typing import Any

from brainstem.detect.base import Detector, Finding, Observation

# problem word -> recovery word; a template containing one is paired with the
# template that has the other in the same place.
POLARITY = {
    "down": "up", "lost": "restored", "disconnected": "connected", "unreachable": "reachable",
    "offline": "online", "stopped": "started", "failed": "recovered", "degraded": "recovered",
    "unhealthy": "healthy", "inactive": "active", "alarm": "cleared", "critical": "cleared",
    "failure": "recovery", "disabled": "enabled", "detached": "attached", "expired": "renewed",
}
_RECOVERY = {}
for _p, _r in POLARITY.items():
    _RECOVERY.setdefault(_r, _p)
_WORD = re.compile(r"[A-Za-z]+")


def polarity(template: str) -> tuple[str, bool] | None:
    """(pair key, is_problem) for a template with a state word, else None.

    The last state word counts ("Interface Gi0/1 changed state to down").
    """
    found = None
    for m in _WORD.finditer(template):
        w = m.group().lower()
        if w in POLARITY:
            found = (m, w, True)
        elif w in _RECOVERY:
            found = (m, w, False)
    if found is None:
        return None
    m, w, is_problem = found
    pair = f"{w}/{POLARITY[w]}" if is_problem else f"{_RECOVERY[w]}/{w}"
    key = template[:m.start()].lower() + "\x00" + pair + "\x00" + template[m.end():].lower()
    return key, is_problem


class SelfHealDetector(Detector):
    name = "self_heal"

    def __init__(self, *, window_seconds: float = 900, min_pairs: int = 2):
        self.window = float(window_seconds)
        self.min_pairs = min_pairs
        self._polarity: dict[str, tuple[str, bool] | None] = {}
        self.open: dict[str, list[Any]] = {}            # asset \x1f pair key -> [ts, problem sig, event id]
        self.pairs: dict[str, list[Any]] = {}           # problem sig + recovery sig -> [count, total secs, assets{}]

    def learn_one(self, obs: Observation) -> list[Finding]:
        pol = self._polarity.get(obs.template)
        if pol is None:
            if obs.template in self._polarity:
                return []
            pol = self._polarity[obs.template] = polarity(obs.template)
            if pol is None:
                return []
        key, is_problem = pol
        slot = obs.asset + "\x1f" + key
        if is_problem:
            self.open[slot] = [obs.ts, obs.signature_key, obs.event_id]
            return []
        opened = self.open.pop(slot, None)
        if opened is None or obs.ts - opened[0] > self.window or obs.ts < opened[0]:
            return []
        pair_key = opened[1] + "+" + obs.signature_key
        p = self.pairs.get(pair_key)
        if p is None:
            p = self.pairs[pair_key] = [0, 0.0, {}]
        p[0] += 1
        p[1] += obs.ts - opened[0]
        p[2][obs.asset] = p[2].get(obs.asset, 0) + 1
        if p[0] < self.min_pairs:
            return []
        return [Finding(
            candidate_type="self_heal", key=pair_key, signature_keys=(opened[1], obs.signature_key), ts=obs.ts,
            event_ids=(opened[2], obs.event_id) if p[0] <= self.min_pairs + 10 else (),
            assets=(obs.asset,),
            metrics={"pairs": p[0], "mean_recovery_seconds": round(p[1] / p[0], 1), "assets": len(p[2]),
                     "flapping": p[0] >= 5},
        )]

    def to_state(self) -> dict[str, Any]:
        return {"open": self.open, "pairs": self.pairs}

    def load_state(self, state: dict[str, Any]) -> None:
        self.open = dict(state.get("open", {}))
        self.pairs = dict(state.get("pairs", {}))
