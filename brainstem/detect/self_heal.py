"""Self-heal: a problem followed by its own recovery, on the same asset.

Problem and recovery signatures are paired by their templates: two templates
that are the same apart from one state word of opposite polarity ("changed
state to down" / "changed state to up", "link lost" / "link restored",
"service stopped" / "service started"). When a recovery follows an open
problem of its pair on the same asset within ``window_seconds``, that is one
self-heal; ``min_pairs`` of them make a candidate, and many of them are
flapping.

Monitoring alerts pair by their own identity instead of by words: an event
whose Observation carries ``alert`` (a LogicMonitor alert: id, status,
acknowledged) opens the alert when "active" and closes it when "cleared".
A clear within ``window_seconds`` of its activation, with no acknowledgement
in between (no "acknowledged" event, no acknowledged flag on either), is a
self-heal of the active event's signature; an alert a human acknowledged
before it cleared is not, and is counted as handled.
"""
from __future__ import annotations

import re
from typing import Any, cast

from brainstem.detect.base import Detector, Finding, Observation
from brainstem.detect.profile import ActivityProfile

# problem word -> recovery word; a template containing one is paired with the
# template that has the other in the same place.
POLARITY = {
    "down": "up", "lost": "restored", "disconnected": "connected", "unreachable": "reachable",
    "offline": "online", "stopped": "started", "failed": "recovered", "degraded": "recovered",
    "unhealthy": "healthy", "inactive": "active", "alarm": "cleared", "critical": "cleared",
    "failure": "recovery", "disabled": "enabled", "detached": "attached", "expired": "renewed",
}
_RECOVERY: dict[str, str] = {}
for _p, _r in POLARITY.items():
    _RECOVERY.setdefault(_r, _p)
_WORD = re.compile(r"[A-Za-z]+")
_TRUE = (True, 1, "true", "True", "TRUE", "1", "yes")
_MAX_OPEN_ALERTS = 50_000
# A template whose polarity is not worked out yet (no real answer is this object). Not a
# tuple: compiled (mypyc), a tuple[str, bool] is unboxed and boxed anew where it is
# compared, so that ``is`` would never find it.
_UNSEEN: object = object()
_NOTHING: list = []     # shared "no findings" (callers only read it)


def alert_of(fields: dict[str, Any]) -> tuple[str, str, bool] | None:
    """(alert id, status, acknowledged) of a LogicMonitor event's structured fields, or None.

    The id is ``lm_alert_id``, with ``lm_alert_session`` when the source gives it: the same
    alert (datapoint on a resource) can open and clear many times, each time a session of its own.
    """
    aid = fields.get("lm_alert_id")
    if aid is None:
        return None
    session = fields.get("lm_alert_session")
    if session is not None:
        aid = f"{aid}\x1f{session}"
    return str(aid), str(fields.get("lm_alert_status") or "").lower(), fields.get("lm_acknowledged") in _TRUE


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
    state_version = 2

    def __init__(self, profile: ActivityProfile | None = None, *, window_seconds: float = 900, min_pairs: int = 2):
        self.profile = profile
        self.window = float(window_seconds)
        self.min_pairs = min_pairs
        # template -> polarity(template), remembered (a pure function; never saved). The detector
        # set reads it too: a template known to have no state word needs no call here.
        self.polarities: dict[str, tuple[str, bool] | None] = {}
        self.open: dict[str, list[Any]] = {}            # asset \x1f pair key -> [ts, problem sig, event id, severity]
        self.pairs: dict[str, list[Any]] = {}           # problem+recovery sig -> [count, total secs, assets{}, first]
        self.alerts: dict[str, list[Any]] = {}          # alert id -> [ts, sig, event id, acknowledged, severity]
        self.handled: dict[str, int] = {}               # active sig -> alerts a human acknowledged before the clear
        self.healed: dict[str, list[float]] = {}        # problem sig -> times of its latest problems that healed

    def learn_one(self, obs: Observation) -> list[Finding]:
        if obs.alert is not None:
            return self._alert(obs)
        got = self.polarities.get(obs.template, _UNSEEN)
        if got is None:
            return _NOTHING         # no state word: most templates
        if got is _UNSEEN:
            pol = self.polarities[obs.template] = polarity(obs.template)
            if pol is None:
                return _NOTHING
        else:
            pol = cast("tuple[str, bool]", got)
        key, is_problem = pol
        slot = obs.asset + "\x1f" + key
        if is_problem:
            self.open[slot] = [obs.ts, obs.signature_key, obs.event_id, obs.severity]
            return []
        opened = self.open.pop(slot, None)
        if opened is None or obs.ts - opened[0] > self.window or obs.ts < opened[0]:
            return []
        return self._healed(obs, opened[0], opened[1], opened[2], opened[3], {})

    def _alert(self, obs: Observation) -> list[Finding]:
        alert = obs.alert
        assert alert is not None    # learn_one sends only alerts here
        alert_id, status, acknowledged = alert
        a = self.alerts.get(alert_id)
        if status == "active":
            if a is None:
                if len(self.alerts) >= _MAX_OPEN_ALERTS:
                    self._expire(obs.ts)
                self.alerts[alert_id] = [obs.ts, obs.signature_key, obs.event_id, acknowledged, obs.severity]
            elif acknowledged:
                a[3] = True
            return []
        if status != "cleared":       # "acknowledged", or an update of an open alert
            if a is not None and (acknowledged or status == "acknowledged"):
                a[3] = True
            return []
        if a is None:
            return []
        del self.alerts[alert_id]
        if a[3] or acknowledged:
            self.handled[a[1]] = self.handled.get(a[1], 0) + 1
            return []
        if obs.ts - a[0] > self.window or obs.ts < a[0]:
            return []
        return self._healed(obs, a[0], a[1], a[2], a[4], {"source": "alert", "handled": self.handled.get(a[1], 0)})

    def _expire(self, ts: float) -> None:
        """Forget open alerts older than the window (they can no longer heal by themselves)."""
        horizon = ts - self.window
        self.alerts = {k: a for k, a in self.alerts.items() if a[0] >= horizon}

    def _healed(self, obs: Observation, began: float | int, problem: str, problem_event: str, severity: int,
                extra: dict[str, Any]) -> list[Finding]:
        times = self.healed.setdefault(problem, [])
        times.append(began)
        del times[:-4]
        pair_key = problem + "+" + obs.signature_key
        p = self.pairs.get(pair_key)
        if p is None:
            p = self.pairs[pair_key] = [0, 0.0, {}, began]
        p[0] += 1
        p[1] += obs.ts - began
        p[2][obs.asset] = p[2].get(obs.asset, 0) + 1
        if p[0] < self.min_pairs:
            return []
        metrics = {"pairs": p[0], "mean_recovery_seconds": round(p[1] / p[0], 1), "assets": len(p[2]),
                   "flapping": p[0] >= 5, **extra}
        if self.profile is not None:
            metrics.update(self.profile.facts(problem, obs.ts, severity, at=p[3]))
        return [Finding(
            candidate_type="self_heal", key=pair_key, signature_keys=(problem, obs.signature_key), ts=obs.ts,
            event_ids=(problem_event, obs.event_id) if p[0] <= self.min_pairs + 10 else (),
            assets=(obs.asset,), metrics=metrics,
        )]

    def covers(self, signature_key: str, start: float, end: float) -> bool:
        """Did a problem of this signature between ``start`` and ``end`` recover by itself?"""
        return any(start <= t <= end for t in self.healed.get(signature_key, ()))

    def to_state(self) -> dict[str, Any]:
        return {"open": self.open, "pairs": self.pairs, "alerts": self.alerts, "handled": self.handled,
                "healed": self.healed}

    def load_state(self, state: dict[str, Any]) -> None:
        self.open = dict(state.get("open", {}))
        self.pairs = dict(state.get("pairs", {}))
        self.alerts = dict(state.get("alerts", {}))
        self.handled = dict(state.get("handled", {}))
        self.healed = dict(state.get("healed", {}))
