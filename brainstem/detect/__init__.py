"""Detectors on event time: recurrence, burst, spread, self-heal, precursor, anomaly.

Every tenant runs one :class:`ActivityProfile` first (what is usual for the
tenant), then the six detectors, which read it; :class:`DetectorSet` runs them
all, in that order, in one call per event.
"""
from brainstem.detect.anomaly import AnomalyDetector
from brainstem.detect.base import SEVERITY_RANK, Detector, Finding, Observation
from brainstem.detect.burst import BurstDetector
from brainstem.detect.chain import DetectorSet
from brainstem.detect.precursor import PrecursorDetector
from brainstem.detect.profile import ActivityProfile
from brainstem.detect.recurrence import RecurrenceDetector
from brainstem.detect.self_heal import SelfHealDetector, alert_of
from brainstem.detect.spread import SpreadDetector


def build_detectors(settings) -> DetectorSet:
    """The detector set a tenant runs, configured from the settings table (the profile first)."""
    s = settings
    profile = ActivityProfile(background_hours=s.profile_background_hours, silence_seconds=s.profile_silence_seconds,
                              startup_seconds=s.profile_startup_seconds, confirm_seconds=s.profile_awake_seconds)
    burst = BurstDetector(profile, window_seconds=s.burst_window_seconds, min_events=s.burst_min_events,
                          ratio=s.burst_ratio, baseline_windows=s.burst_baseline_windows)
    spread = SpreadDetector(profile, window_seconds=s.spread_window_seconds, min_assets=s.spread_min_assets,
                            ratio=s.spread_ratio, baseline_windows=s.burst_baseline_windows)
    burst.spread = spread
    self_heal = SelfHealDetector(profile, window_seconds=s.self_heal_window_seconds, min_pairs=s.self_heal_min_pairs)
    target = SEVERITY_RANK.get(str(s.precursor_target_severity).lower())
    if target is None:
        raise ValueError(f"precursor_target_severity must be one of {', '.join(SEVERITY_RANK)}, "
                         f"got {s.precursor_target_severity!r}")
    recurrence = RecurrenceDetector(profile, min_buckets=s.recurrence_min_buckets, min_coverage=s.recurrence_min_coverage,
                           max_window_hours=s.recurrence_max_window_hours,
                           min_specificity=s.recurrence_min_specificity,
                           max_activity_share=s.recurrence_max_activity_share,
                           max_chance=s.recurrence_max_chance)
    precursor = PrecursorDetector(profile, window_seconds=s.precursor_window_seconds,
                                  min_lead_seconds=s.precursor_min_lead_seconds, min_support=s.precursor_min_support,
                                  min_confidence=s.precursor_min_confidence, min_lift=s.precursor_min_lift,
                                  max_target_rank=target)
    anomaly = AnomalyDetector(profile, burst=burst, spread=spread, self_heal=self_heal, recurrence=recurrence,
                              precursor=precursor, baseline_seconds=s.anomaly_baseline_seconds,
                              hold_seconds=s.anomaly_hold_seconds, rate_ratio=s.anomaly_rate_ratio,
                              rate_min_events=s.anomaly_rate_min_events)
    return DetectorSet(profile, recurrence, burst, spread, self_heal, precursor, anomaly)


__all__ = ["SEVERITY_RANK", "ActivityProfile", "AnomalyDetector", "BurstDetector", "Detector", "DetectorSet",
           "Finding", "Observation", "PrecursorDetector", "RecurrenceDetector", "SelfHealDetector",
           "SpreadDetector", "alert_of", "build_detectors"]
