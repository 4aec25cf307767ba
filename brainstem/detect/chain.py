"""A tenant's detectors as one learner: the profile, then the six detectors, in one call per event.

:class:`DetectorSet` is the list of the seven detectors (the pipeline loads,
checkpoints and prunes them one by one, by name) whose ``learn_one`` runs them
all in that order and returns the findings of the event, in detector order,
as the plain loop ``for d in detectors: found += d.learn_one(obs)`` would.
It leaves out a call only where the detector would have returned nothing and
changed nothing anyway:

- the precursor detector while the event's signature is steady background
  (the profile has just said so; it is the precursor's first test);
- the self-heal detector for an event that is not a monitoring alert and
  whose template has no state word (its own cache says so; it is its first
  test). A template it has not seen yet goes to it, which then remembers.

The order is fixed: a detector may ask the ones before it about this event
(the profile) or about what they held before it (the burst asks the spread).
"""
from __future__ import annotations

from collections.abc import Iterator

from brainstem.detect.anomaly import AnomalyDetector
from brainstem.detect.base import Detector, Finding, Observation
from brainstem.detect.burst import BurstDetector
from brainstem.detect.precursor import PrecursorDetector
from brainstem.detect.profile import ActivityProfile
from brainstem.detect.recurrence import RecurrenceDetector
from brainstem.detect.self_heal import SelfHealDetector
from brainstem.detect.spread import SpreadDetector

_UNSEEN = object()      # a template self-heal has not judged yet


class DetectorSet:
    """The profile and the six detectors, in the order they run; ``learn_one`` runs them all.
    Iterated, indexed and counted as the list of them (not a list subclass, which mypyc
    cannot compile)."""

    def __init__(self, profile: ActivityProfile, recurrence: RecurrenceDetector, burst: BurstDetector,
                 spread: SpreadDetector, self_heal: SelfHealDetector, precursor: PrecursorDetector,
                 anomaly: AnomalyDetector):
        self._all: list[Detector] = [profile, recurrence, burst, spread, self_heal, precursor, anomaly]
        if precursor.profile is not profile:
            raise ValueError("the precursor detector must read the set's profile")
        self.profile = profile
        self.self_heal = self_heal
        # bound once: one attribute look-up per detector and event saved
        self._profile = profile.learn_one
        self._recurrence = recurrence.learn_one
        self._burst = burst.learn_one
        self._spread = spread.learn_one
        self._self_heal = self_heal.learn_one
        self._precursor = precursor.learn_one
        self._anomaly = anomaly.learn_one
        self._polarities = self_heal.polarities

    def __iter__(self) -> Iterator[Detector]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def __getitem__(self, i: int) -> Detector:
        return self._all[i]

    def learn_one(self, obs: Observation) -> list[Finding]:
        """Take one event into account in every detector; the findings it caused (callers only read them)."""
        self._profile(obs)      # the profile never finds anything
        out = self._recurrence(obs)
        found = self._burst(obs)
        if found:
            out = out + found
        found = self._spread(obs)
        if found:
            out = out + found
        if obs.alert is not None or self._polarities.get(obs.template, _UNSEEN) is not None:
            found = self._self_heal(obs)
            if found:
                out = out + found
        if not self.profile.steady:
            found = self._precursor(obs)
            if found:
                out = out + found
        found = self._anomaly(obs)
        if found:
            out = out + found
        return out
