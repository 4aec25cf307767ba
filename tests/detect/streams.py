"""Synthetic observation streams for detector tests (built here, in the tests, never shipped)."""
from __future__ import annotations

import random

from brainstem.detect.base import Observation
from brainstem.detect.profile import ActivityProfile

DAY = 86400.0
HOUR = 3600.0
T0 = 20512 * DAY          # 2026-02-28 00:00 UTC, a Saturday; any midnight would do


def obs(ts: float, key: str, *, asset: str = "h1", severity: int = 3, template: str | None = None,
        alert: tuple[str, str, bool] | None = None) -> Observation:
    return Observation(ts=ts, event_id=f"ev-{key}-{asset}-{ts:.3f}", signature_key=key, asset=asset,
                       severity=severity, template=template if template is not None else f"message {key}",
                       alert=alert)


def chatter(days: float, *, every: float = 600.0, key: str = "chatter", hosts: int = 3, start: float = T0,
            severity: int = 6, seed: int = 1) -> list[Observation]:
    """A line every ``every`` seconds (jittered) from each of ``hosts`` hosts, all day long."""
    rng = random.Random(seed)
    out = []
    t = start
    while t < start + days * DAY:
        for h in range(hosts):
            out.append(obs(t + rng.uniform(0, every / 2), key, asset=f"host{h}", severity=severity,
                           template=f"{key} chatter line"))
        t += every
    return out


def merged(*streams: list[Observation]) -> list[Observation]:
    return sorted((o for s in streams for o in s), key=lambda o: (o.ts, o.signature_key, o.asset))


def run(detector, stream: list[Observation], profile: ActivityProfile | None = None) -> list:
    """Feed ``stream`` through the profile, then the detector; the detector's findings."""
    profile = profile if profile is not None else detector.profile
    out = []
    for o in stream:
        profile.learn_one(o)
        out += detector.learn_one(o)
    return out
