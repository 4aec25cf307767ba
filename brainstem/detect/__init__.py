"""Detectors on event time: recurrence, burst, spread, self-heal."""
from brainstem.detect.base import SEVERITY_RANK, Detector, Finding, Observation
from brainstem.detect.burst import BurstDetector
from brainstem.detect.recurrence import RecurrenceDetector
from brainstem.detect.self_heal import SelfHealDetector
from brainstem.detect.spread import SpreadDetector


def build_detectors(settings) -> list[Detector]:
    """The detector set a tenant runs, configured from the settings table."""
    return [
        RecurrenceDetector(bucket=settings.recurrence_bucket, min_buckets=settings.recurrence_min_buckets,
                           max_hour_slots=settings.recurrence_max_hour_slots),
        BurstDetector(window_seconds=settings.burst_window_seconds, min_events=settings.burst_min_events,
                      ratio=settings.burst_ratio, baseline_windows=settings.burst_baseline_windows),
        SpreadDetector(window_seconds=settings.spread_window_seconds, min_assets=settings.spread_min_assets,
                       ratio=settings.spread_ratio, baseline_windows=settings.burst_baseline_windows),
        SelfHealDetector(window_seconds=settings.self_heal_window_seconds, min_pairs=settings.self_heal_min_pairs),
    ]


__all__ = ["SEVERITY_RANK", "BurstDetector", "Detector", "Finding", "Observation", "RecurrenceDetector",
           "SelfHealDetector", "SpreadDetector", "build_detectors"]
