"""Bins of a readable width, timestamp-prefix buckets that fall in one bin each, and the
console's timelines and signature rates on a real ingested database."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from tests.api.conftest import seed, settings  # noqa: F401 (the session's two-tenant database)

from brainstem.models import iso
from brainstem.timeline import (
    NICE_WIDTHS, aligned, bin_width, bucket_time, fold, prefix_for, resolve_alias, top_lines, with_aliases,
)
from brainstem.workspace import Workspace

T = datetime(2026, 3, 2, 1, 59, 30, tzinfo=timezone.utc)


def test_bin_width_is_the_smallest_nice_width_that_fits():
    assert bin_width(60, 60) == 1 and bin_width(61, 60) == 5
    assert bin_width(7 * 86400, 28) == 21600 and bin_width(7 * 86400, 60) == 10800
    assert bin_width(0, 60) == 1
    for span in (3, 700, 9000, 86400 * 3, 86400 * 400):
        w = bin_width(span, 50)
        assert span / w <= 50
        smaller = [x for x in NICE_WIDTHS if x < w]
        assert not smaller or span / smaller[-1] > 50
    with pytest.raises(ValueError):
        bin_width(10, 0)


def test_every_bucket_of_the_chosen_prefix_lies_in_one_bin():
    rng = random.Random(3)
    for width in NICE_WIDTHS:
        n = prefix_for(width)
        start, bins = aligned(T, T + timedelta(seconds=width * 7), width)
        for _ in range(200):
            ts = start + timedelta(seconds=rng.uniform(0, width * bins))
            b = bucket_time(iso(ts)[:n])
            b_end = b + timedelta(seconds={10: 86400, 13: 3600, 15: 600, 16: 60, 18: 10, 19: 1}[n])
            i = int((ts - start).total_seconds() // width)
            # the bucket's start and end fall in the same bin as the timestamp
            assert int((b - start).total_seconds() // width) == i
            assert int(((b_end - start).total_seconds() - 1e-6) // width) == i


def test_aligned_bins_cover_the_span_and_fold_counts_into_them():
    start, n = aligned(T, T + timedelta(hours=2), 3600)
    assert start == datetime(2026, 3, 2, 1, tzinfo=timezone.utc) and n == 3
    rows = [("h1", "2026-03-02T01", 4), ("h1", "2026-03-02T03", 2), ("h2", "2026-03-02T02", 5),
            ("h2", "2026-03-02T07", 9), (None, "2026-03-02T01", 1)]
    assert fold(rows, start, 3600, n) == {"h1": [4, 0, 2], "h2": [0, 5, 0], "": [1, 0, 0]}
    assert top_lines({"a": [1, 1], "b": [5, 0], "c": [0, 1]}, 1, "rest") == [("b", [5, 0]), ("rest", [1, 2])]


def test_aliases_resolve_through_chains():
    aliases = {"old": "mid", "mid": "new", "other": "x"}
    assert resolve_alias(aliases, "old") == "new" and resolve_alias(aliases, "new") == "new"
    assert with_aliases(aliases, ["new"]) == {"new": "new", "old": "new", "mid": "new"}
    assert resolve_alias({"a": "b", "b": "a"}, "a") in ("a", "b")      # a cycle ends


def test_a_candidates_timeline_counts_its_events_per_host_in_the_right_bins(seed):
    with Workspace(seed.db, settings()) as ws:
        spread = ws.store.get(seed.ids["acme"]["spread"])
        tl = ws.candidate_timeline(spread.candidate_id)
        keys = spread.metadata["signature_keys"]
        events = [e for e in ws.store.events(spread.tenant_id, keys[0], limit=100000)
                  if tl.series.start <= e.timestamp < tl.series.end]
        per_host: dict[str, int] = {}
        for e in events:
            per_host[e.host] = per_host.get(e.host, 0) + 1
        ranked = sorted(per_host.items(), key=lambda kv: (-kv[1], kv[0]))
        expect = dict(ranked[:6]) | ({"other hosts": sum(n for _, n in ranked[6:])} if len(ranked) > 6 else {})
        assert {h: sum(c) for h, c in tl.series.lines} == expect and tl.series.total == len(events) > 0
        for h, counts in tl.series.lines[:6]:
            for e in (x for x in events if x.host == h):
                assert counts[int((e.timestamp - tl.series.start).total_seconds() // tl.series.width)] > 0
        # the spread's episode is shaded, and lies inside the chart
        groups = [ws.store.get(g) for g in spread.source_group_ids]
        assert [w[0] for w in tl.windows] == sorted(g.start_at for g in groups)
        assert all(tl.series.start <= a <= b <= tl.series.end for a, b in tl.windows)
        assert tl.series.start <= spread.first_seen_at and spread.last_seen_at <= tl.series.end
        assert tl.series.bins <= 60 and tl.baseline is not None and tl.baseline >= 0


def test_a_daily_recurrences_windows_are_its_hours_of_the_day(seed):
    with Workspace(seed.db, settings()) as ws:
        rec = ws.store.get(seed.ids["acme"]["candidate"])
        assert rec.candidate_type == "recurrence"
        tl = ws.candidate_timeline(rec.candidate_id)
        m = rec.metadata["metrics"]
        assert len(tl.windows) >= m["buckets"]
        assert all(a.hour == m["window_start"] and (b - a) == timedelta(hours=m["window_hours"])
                   for a, b in tl.windows)


def test_signature_rates_end_at_the_tenants_last_event_and_count_each_signature(seed):
    with Workspace(seed.db, settings()) as ws:
        sigs = ws.signature_page("acme", limit=5).items
        axis, rates = ws.signature_rates("acme", [s.signature_key for s in sigs], days=7, bins=28)
        last = max(s.last_seen_at for s in ws.signature_page("acme", limit=1000).items)
        assert axis.start <= last - timedelta(days=7) and last < axis.end <= last + timedelta(seconds=axis.width)
        for s in sigs:
            stored = [e for e in ws.store.events(s.tenant_id, s.signature_key, limit=100000)
                      if axis.start <= e.timestamp < axis.end]
            assert sum(rates[s.signature_key]) == len(stored)
        # another tenant's keys count nothing here
        other = ws.signature_page("globex", text="zanzibar", limit=1).items[0].signature_key
        assert not ws.signature_page("acme", text=other).items
        assert sum(ws.signature_rates("acme", [other])[1][other]) == 0
