"""Pieces the windowed detectors share: a baseline over tumbling windows, episodes."""
from __future__ import annotations

from math import ceil, floor
from typing import Any

_INF = float("inf")


class TumblingBaseline:
    """EWMA of a per-window value over tumbling windows, empty windows counted as 0.

    Callers add to ``value`` for the window containing the latest ``roll(ts)``;
    the value is folded in when the window closes. ``level`` is the baseline
    *before* the current window, so a burst does not raise its own bar.

    With ``skip_empty`` the windows where nothing happened are left out, and
    the first window seeds the level: the baseline is then "how big it usually
    is when it happens" (the usual reach of an hourly cron job is every host,
    however quiet the minutes between).
    """

    __slots__ = ("width", "alpha", "keep", "level", "window", "value", "skip_empty", "seeded", "windows", "next",
                 "whole")

    def __init__(self, width: float, span: int, *, skip_empty: bool = False):
        self.width = width
        self.alpha = 2.0 / (span + 1)
        self.keep = 1.0 - self.alpha
        # level and value hold an int or a float, whichever was added or folded in (Any:
        # typed float, mypyc would turn an int into a float, and to_state would show it)
        self.level: Any = 0.0
        self.window = -1
        self.value: Any = 0.0
        self.skip_empty = skip_empty
        self.seeded = False
        self.windows = 0          # windows folded in that had something in them
        # no event before this opens a new window: the hot paths compare with it before
        # they divide (``ts >= next and ts // width > window`` is what roll() tests)
        self.whole = width > 0 and float(width).is_integer()
        self.next = _edge(width, -1)

    def roll(self, ts: float) -> None:
        width = self.width
        window = self.window
        edge = self.next
        if edge <= ts < edge + width:
            k = window + 1          # the next window, as int(ts // width) says (next is exact when finite)
        else:
            k = floor(ts // width)
            if k <= window:
                return
        if window >= 0:
            value = self.value
            if value:
                self.windows += 1
            if self.skip_empty and not self.seeded:
                self.level = value
                self.seeded = True
            else:
                keep = self.keep
                level = self.level * keep + self.alpha * value
                gap = k - window - 1
                if gap and not self.skip_empty:
                    level *= keep ** (gap if gap < 10_000 else 10_000)
                self.level = level
        self.window = k
        edge = (k + 1) * width
        self.next = edge if self.whole and -_EXACT < edge < _EXACT else _NEVER     # _edge(width, k), inline
        self.value = 0.0

    def to_state(self) -> list[Any]:
        return [self.level, self.window, self.value, self.seeded, self.windows]

    def load(self, state: list[Any]) -> None:
        self.level, self.window, self.value, self.seeded, self.windows = state
        self.next = _edge(self.width, self.window)


def _edge(width: float, window: int) -> float:
    """Where window ``window + 1`` begins: the least ``ts`` with ``ts // width > window``.

    Exact when the width is a whole number of seconds (``(window + 1) * width`` is then an
    integer float, and float floor division is exact below 2**53); otherwise -inf, so that
    every event takes the division.
    """
    edge = (window + 1) * width
    if width > 0 and float(width).is_integer() and -_EXACT < edge < _EXACT:
        return float(edge)
    return _NEVER


_EXACT = 2.0 ** 52
_NEVER = float("-inf")


class Episode:
    """One burst or spread: when it began, how big it got, what it touched."""

    __slots__ = ("start", "end", "events", "peak", "baseline", "threshold", "assets", "event_ids")

    def __init__(self, start: float | int, baseline: float | int, threshold: float | int):
        self.start = start
        self.end = start
        self.events = 0
        self.peak = 0
        self.baseline = baseline
        self.threshold = threshold
        self.assets: dict[str, int] = {}
        self.event_ids: list[str] = []

    def add(self, ts: float | int, asset: str, event_id: str, level: int) -> None:
        self.end = max(self.end, ts)
        self.events += 1
        self.peak = max(self.peak, level)
        if len(self.assets) < 500 or asset in self.assets:
            self.assets[asset] = self.assets.get(asset, 0) + 1
        if len(self.event_ids) < 20:
            self.event_ids.append(event_id)

    def to_state(self) -> list[Any]:
        return [self.start, self.end, self.events, self.peak, self.baseline, self.threshold, self.assets, self.event_ids]

    @classmethod
    def from_state(cls, s: list[Any]) -> "Episode":
        e = cls(s[0], s[4], s[5])
        e.end, e.events, e.peak, e.assets, e.event_ids = s[1], s[2], s[3], s[6], s[7]
        return e


def episode_step(holder: Any, level: float | int, ts: float, *, warm_until: float, floor: float | int,
                 ratio: float | int, usual: float | int, start: float | int) -> tuple[Episode | None, bool]:
    """Close, continue or open the episode that ``holder.episode`` tracks.

    ``level`` is what the sliding window measures now (events, assets). An
    open episode ends when the level falls below half the threshold that
    opened it; a new one opens, after the warm-up, when the level reaches
    ``max(floor, ratio * usual)``. Returns (the current episode or None,
    whether it opened on this event).
    """
    ep = holder.episode
    if ep is not None and level < ep.threshold / 2:
        holder.episode = ep = None
    if ep is not None:
        return ep, False
    if ts < warm_until:
        return None, False
    threshold = max(floor, ratio * usual)
    if level < threshold:
        return None, False
    ep = holder.episode = Episode(start, usual, threshold)
    return ep, True


def whole(x: float | int) -> int | float:
    """The least whole number at or above ``x`` (inf and nan stay as they are)."""
    return ceil(x) if -_INF < x < _INF else x


def whole_bar(floor_bar: int | float, threshold: float) -> int | float:
    """The least whole count that reaches ``max(floor, threshold)``, given ``floor_bar = whole(floor)``.

    For a whole ``n``, ``n < whole_bar(...)`` implies ``n < max(floor, threshold)`` (and is the
    same test for finite values), and an int compares with an int faster than with a float. A nan
    anywhere gives nan, which no count is below: the caller then takes its exact path.
    """
    if threshold <= floor_bar:
        return floor_bar
    if floor_bar != floor_bar:
        return floor_bar
    return ceil(threshold) if threshold < _INF else threshold


def recent_spans(spans: list[list[float]], start: float, end: float) -> bool:
    """Does any ``[begin, finish]`` in ``spans`` overlap ``start..end``?"""
    for begin, finish in spans:
        if begin <= end and finish >= start:
            return True
    return False
