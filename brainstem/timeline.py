"""Events over time: bins of a readable width, and counts folded into them.

The store counts events per time bucket by a prefix of their ISO timestamps
(``2026-03-02T02`` is an hour, ``2026-03-02T02:1`` ten minutes), which is
portable SQL and uses the (tenant, signature, time) index. Here a span is cut
into at most ``max_bins`` bins of a "nice" width (1 s, 5 s ... 1 h, 6 h, 1 d,
7 d), aligned on multiples of that width since the epoch, and the bucket
prefix is chosen so that every bucket falls inside exactly one bin. Event
time throughout: nothing here looks at the wall clock.

    width = bin_width(span_seconds, 60)
    start, n = aligned(first, last, width)
    rows = store.event_counts(tid, keys, start, start + n * width, prefix_for(width))
    series = fold(rows, start, width, n)       # label -> [count per bin]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

# bin widths a reader takes in at a glance, in seconds
NICE_WIDTHS = (1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)

# ISO timestamp prefix length -> the bucket it names, in seconds (``YYYY-MM-DDTHH:MM:SS``)
_PREFIXES = ((10, 86400), (13, 3600), (15, 600), (16, 60), (18, 10), (19, 1))
_TEMPLATE = "0000-01-01T00:00:00"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def bin_width(span_seconds: float, max_bins: int = 60) -> int:
    """The smallest nice width that covers ``span_seconds`` in at most ``max_bins`` bins."""
    if max_bins < 1:
        raise ValueError(f"max_bins must be at least 1, got {max_bins}")
    span = max(float(span_seconds), 1.0)
    for w in NICE_WIDTHS:
        if span / w <= max_bins:
            return w
    # longer than max_bins weeks: whole weeks
    return NICE_WIDTHS[-1] * int(-(-span // (NICE_WIDTHS[-1] * max_bins)))


def prefix_for(width: int) -> int:
    """The longest-bucket timestamp prefix whose buckets divide ``width`` (so each lies in one bin)."""
    for chars, seconds in _PREFIXES:
        if width % seconds == 0:
            return chars
    raise ValueError(f"bin width {width} s is not a whole number of seconds")


def bucket_time(prefix_text: str) -> datetime:
    """The start of the bucket a timestamp prefix names (``2026-03-02T02`` -> 02:00 UTC)."""
    return datetime.fromisoformat(prefix_text + _TEMPLATE[len(prefix_text):]).replace(tzinfo=timezone.utc)


def aligned(first: datetime, last: datetime, width: int) -> tuple[datetime, int]:
    """(start, number of bins) of the bins of ``width`` seconds that cover [first, last]."""
    if last < first:
        first, last = last, first
    lo = int((first - _EPOCH).total_seconds() // width) * width
    hi = (last - _EPOCH).total_seconds()
    n = max(1, int((hi - lo) // width) + 1)
    return _EPOCH + timedelta(seconds=lo), n


def fold(rows, start: datetime, width: int, n: int) -> dict[str, list[int]]:
    """Rows of (label, bucket prefix, count) as ``label -> [count per bin]`` (buckets outside are dropped)."""
    out: dict[str, list[int]] = {}
    base = (start - _EPOCH).total_seconds()
    for label, prefix, count in rows:
        i = int(((bucket_time(prefix) - _EPOCH).total_seconds() - base) // width)
        if 0 <= i < n:
            out.setdefault(label if label is not None else "", [0] * n)[i] += count
    return out


@dataclass
class Series:
    """Counts per bin for a few labelled lines (hosts, signatures) over one time axis."""

    start: datetime
    width: int                                  # seconds per bin
    bins: int
    lines: list[tuple[str, list[int]]] = field(default_factory=list)   # biggest first

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.width * self.bins)

    def edge(self, i: int) -> datetime:
        return self.start + timedelta(seconds=self.width * i)

    def totals(self) -> list[int]:
        """Counts per bin over all lines."""
        out = [0] * self.bins
        for _, counts in self.lines:
            for i, c in enumerate(counts):
                out[i] += c
        return out

    @property
    def total(self) -> int:
        return sum(sum(c) for _, c in self.lines)


def top_lines(counts: dict[str, list[int]], n: int, rest: str) -> list[tuple[str, list[int]]]:
    """The ``n`` biggest lines by total, then everything else summed as ``rest`` (when any)."""
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    lines = ranked[:n]
    if len(ranked) > n:
        bins = len(ranked[0][1])
        other = [0] * bins
        for _, c in ranked[n:]:
            for i, v in enumerate(c):
                other[i] += v
        lines.append((rest, other))
    return lines


# -- what the console draws -----------------------------------------------------------------

def resolve_alias(aliases: dict[str, str], key: str) -> str:
    """The key a retired signature key was merged into, following chains."""
    seen = 0
    while key in aliases and seen < 32:
        key, seen = aliases[key], seen + 1
    return key


def with_aliases(aliases: dict[str, str], keys) -> dict[str, str]:
    """Every key whose events belong to ``keys`` (the keys and those merged into them) -> its heir."""
    wanted = set(keys)
    out = {k: k for k in wanted}
    for old in aliases:
        heir = resolve_alias(aliases, old)
        if heir in wanted:
            out[old] = heir
    return out


@dataclass
class Timeline:
    """A candidate's evidence over time: events per asset, the detector's windows, a baseline."""

    series: Series
    windows: list[tuple[datetime, datetime]]
    baseline: float | None          # events per bin, or None when nothing says what is usual
    baseline_label: str = ""


def candidate_timeline(store, cand, *, max_bins: int = 60, max_lines: int = 6) -> Timeline:
    """Events of a candidate's signatures (and the keys merged into them) per asset, from a
    little before its first evidence to a little after its last; the windows of its
    episodes (correlation groups), or its own span when it has none; the detector's
    baseline when it keeps one (burst), else its signatures' average rate."""
    tid = cand.tenant_id
    keys = with_aliases(store.aliases(tid), cand.metadata.get("signature_keys", []))
    metrics = cand.metadata.get("metrics", {})
    window = float(metrics.get("window_seconds") or 0)
    first, last = cand.first_seen_at, cand.last_seen_at
    span = (last - first).total_seconds()
    pad = timedelta(seconds=max(span * 0.2, window, 300.0))
    width = bin_width((last - first).total_seconds() + 2 * pad.total_seconds(), max_bins)
    start, n = aligned(first - pad, last + pad, width)
    end = start + timedelta(seconds=width * n)
    rows = store.event_counts(tid, keys, start, end, prefix_for(width), by="host")
    lines = top_lines(fold(rows, start, width, n), max_lines, "other hosts")
    windows = []
    for gid in cand.source_group_ids[:50]:
        g = store.get(gid)
        if g is not None and g.tenant_id == tid:
            windows.append((g.start_at, max(g.end_at, g.start_at + timedelta(seconds=width / 4))))
    if not windows and cand.candidate_type == "recurrence" and metrics.get("window_start") is not None:
        # a recurrence's window is the hours of the day (or of one weekday) it comes back in,
        # on every day (week) of its span
        hours = int(metrics.get("window_hours") or 1)
        weekly = metrics.get("bucket") == "week"
        day = first.replace(hour=0, minute=0, second=0, microsecond=0)
        while day <= last:
            if not weekly or day.weekday() == _weekday_of(metrics):
                at = day + timedelta(hours=int(metrics["window_start"]))
                windows.append((at, at + timedelta(hours=hours)))
            day += timedelta(days=1)
    if not windows:
        windows = [(first, max(last, first + timedelta(seconds=width / 4)))]
    if "baseline" in metrics and window > 0:
        baseline, label = float(metrics["baseline"]) * width / window, "the detector's baseline"
    else:
        baseline, label = _average_rate(store, tid, list(set(keys.values())), width), "its signatures' average rate"
    return Timeline(Series(start, width, n, lines), sorted(windows), baseline, label)


def _weekday_of(metrics: dict) -> int:
    """The weekday of a weekly recurrence (the detector's weeks start on Monday, as Python's)."""
    return int(metrics.get("weekday", 0))


def _average_rate(store, tid: str, keys: list[str], width: int) -> float | None:
    sigs = store.signatures(tid, keys)
    spans = [(s.first_seen_at, s.last_seen_at) for s in sigs if s.first_seen_at and s.last_seen_at]
    if not spans:
        return None
    lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
    seconds = max((hi - lo).total_seconds(), float(width))
    return sum(s.occurrence_count for s in sigs) * width / seconds


def signature_rates(store, tenant_id: str, keys, *, until: datetime | None = None, days: float = 7.0,
                    bins: int = 28) -> tuple[Series, dict[str, list[int]]]:
    """Each signature's events per bin over the ``days`` before ``until`` (default: the
    tenant's latest event), counting the keys merged into it: ``(axis, key -> counts)``."""
    keys = list(keys)
    if until is None:
        meta = store.load_state(tenant_id, "pipeline")
        last = (meta[1] if meta else {}).get("last_ts")
        until = datetime.fromtimestamp(last, timezone.utc) if last else None
    if until is None:
        seen = [s.last_seen_at for s in store.signatures(tenant_id, keys) if s.last_seen_at]
        until = max(seen) if seen else _EPOCH
    span = days * 86400
    width = bin_width(span, bins)
    start, n = aligned(until - timedelta(seconds=span), until, width)
    heirs = with_aliases(store.aliases(tenant_id), keys)
    rows = store.event_counts(tenant_id, heirs, start, start + timedelta(seconds=width * n), prefix_for(width),
                              by="signature_key")
    counts = {k: [0] * n for k in keys}
    for key, c in fold(rows, start, width, n).items():
        heir = heirs.get(key, key)
        if heir in counts:
            counts[heir] = [a + b for a, b in zip(counts[heir], c)]
    return Series(start, width, n), counts


__all__ = ["NICE_WIDTHS", "Series", "Timeline", "aligned", "bin_width", "bucket_time", "candidate_timeline", "fold",
           "prefix_for", "resolve_alias", "signature_rates", "top_lines", "with_aliases"]
