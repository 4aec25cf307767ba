"""What every detector is: a streaming learner over fingerprinted events.

A detector sees each event once, in event-time order, through ``learn_one``,
and answers with the findings that event caused (usually none). It keeps only
bounded state (sliding windows, per-signature summaries), which it can turn
into versioned JSON with ``to_state`` and back with ``from_state``, so a
restarted ingest continues where the last one stopped. Detectors never read
the store and never look at the wall clock.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

SEVERITY_RANK = {"emergency": 0, "alert": 1, "critical": 2, "error": 3, "warning": 4,
                 "notice": 5, "info": 6, "debug": 7}


@dataclass(slots=True)
class Observation:
    """The part of an event detectors look at (no datetimes on the hot path)."""

    ts: float | int         # event time, epoch seconds
    event_id: str
    signature_key: str
    asset: str              # hostname (or asset id) the event came from
    severity: int           # SEVERITY_RANK value; 6 (info) when unknown
    template: str = ""
    # A monitoring alert's lifecycle, when the event is one (LogicMonitor):
    # (alert id, status "active" | "acknowledged" | "cleared", acknowledged).
    alert: tuple[str, str, bool] | None = None


@dataclass(slots=True)
class Finding:
    """Evidence a detector reports: create or update one candidate (and maybe a group).

    ``key`` identifies the candidate within its tenant and type; a later finding
    with the same key updates the same candidate. ``episode`` identifies a
    correlation group (a burst, a spread), or is None.
    """

    candidate_type: str
    key: str
    signature_keys: tuple[str, ...]
    ts: float | int         # kept as given, compiled too (an anomaly's hour ends at a whole second)
    event_ids: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()
    metrics: dict[str, Any] = field(default_factory=dict)
    episode: str | None = None
    episode_start: float | None = None
    episode_end: float | None = None
    episode_events: int = 0
    first_ts: float | None = None   # when the pattern's evidence began, if before ``ts``


class Detector(ABC):
    """A streaming detector; subclasses set ``name`` and ``state_version``."""

    name: str = "detector"
    state_version: int = 1

    @abstractmethod
    def learn_one(self, obs: Observation) -> list[Finding]:
        """Take one event into account; return the findings it caused."""

    @abstractmethod
    def to_state(self) -> dict[str, Any]:
        """Bounded state as JSON-ready data."""

    @abstractmethod
    def load_state(self, state: dict[str, Any]) -> None:
        """Restore what ``to_state`` produced."""

    def tracked(self) -> list[str]:
        """The signature keys this detector keeps state for."""
        return []

    def forget(self, signature_key: str) -> None:
        """Drop the state of a signature that no longer exists (evicted template)."""
