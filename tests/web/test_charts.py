"""The SVG charts and the breakdown's geometry."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from brainstem.timeline import Series, Timeline
from brainstem.web.charts import breakdown_rows, duration, recurrence_svg, sparkline_svg, timeline_svg

T = datetime(2026, 3, 2, tzinfo=timezone.utc)


def test_breakdown_bars_follow_each_other_and_add_up():
    comps = [{"name": "severity", "raw": .8, "weight": .5, "contribution": .4},
             {"name": "frequency", "raw": .5, "weight": .4, "contribution": .2},
             {"name": "feedback", "raw": -.5, "weight": .3, "contribution": -.15}]
    b = breakdown_rows(comps, .45)
    assert [(r["left"], r["width"], r["negative"]) for r in b["rows"]] == [(0, 40, False), (40, 20, False),
                                                                          (45, 15, True)]
    assert b["sum"] == .45 and not b["clamped"] and b["total_width"] == 45
    # evidence past 1 before a discount: the track stretches to the highest running sum, no bar is cut
    over = breakdown_rows([{"name": "a", "contribution": .9}, {"name": "b", "contribution": .3},
                           {"name": "background", "contribution": -.4}], .8)
    assert over["scale"] == pytest.approx(1.2) and not over["clamped"]
    assert [(r["left"], r["width"]) for r in over["rows"]] == [(0, 75), (75, 25), (66.67, 33.33)]
    assert over["total_width"] == 66.67


def test_the_timeline_draws_each_count_a_window_and_the_baseline():
    s = Series(T, 600, 6, [("web01", [0, 3, 1, 0, 0, 0]), ("other hosts", [0, 1, 0, 0, 2, 0])])
    svg = timeline_svg(Timeline(s, [(T + timedelta(minutes=10), T + timedelta(minutes=30))], 0.5, "a baseline"))
    assert svg.count("<rect") == 1 + 4          # the window and one bar per non-zero count
    assert 'class="sother"' in svg and 'class="s0"' in svg and 'class="baseline"' in svg
    assert "7 events" in svg and "baseline (a baseline) 0.50 per bin" in svg and 'role="img"' in svg
    heights = [float(h) for h in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"><title>web01', svg)]
    assert heights[0] == pytest.approx(3 * heights[1], abs=0.2)     # bar heights follow the counts
    assert "<script" not in svg and timeline_svg(Timeline(Series(T, 60, 3, []), [], None)).count("<rect") == 0


def test_labels_are_escaped():
    s = Series(T, 60, 2, [('<b onmouseover="x">', [1, 0])])
    svg = timeline_svg(Timeline(s, [], None))
    assert '<b onmouseover' not in svg and "&lt;b onmouseover" in svg


def test_sparkline_and_recurrence_strip_and_durations():
    axis = Series(T, 21600, 29)
    spark = sparkline_svg([0, 4, 2] + [0] * 26, axis)
    assert 'aria-label="6 events in the 7 d to Mar 09, peak 4 per 6 h"' in spark and "<polyline" in spark
    strip = recurrence_svg([(T, "promoted"), (T + timedelta(days=1), "recurrence"), (T + timedelta(days=2), "recurrence")])
    assert strip.count("<circle") == 2 and strip.count("<path") == 1 and "2 recurrences and 1 promoted" in strip
    assert recurrence_svg([]) == ""
    assert [duration(x) for x in (30, 60, 600, 3600, 21600, 86400, 5400)] == \
        ["30 s", "1 min", "10 min", "1 h", "6 h", "1 d", "90 min"]
