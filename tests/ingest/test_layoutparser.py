from __future__ import annotations

import pytest

from brainstem.ingest import BadLine
from brainstem.ingest.layout import learn_layout
from brainstem.ingest.layoutparser import LayoutParser
from brainstem.ingest.timeforms import TimeContext
from brainstem.ingest.timestamps import YearResolver

from .conftest import utc

REF = utc(2024, 6, 1)
HADOOP = [f"2024-05-14 10:22:{i:02d},{i:03d} {('INFO', 'WARN')[i % 2]} [main] org.example.Task{i % 3}: step {i}"
          for i in range(40)]


def parser(lines):
    return LayoutParser(learn_layout(lines, REF), TimeContext(YearResolver(REF)))


def test_the_compiled_path_reads_header_fields():
    p = parser(HADOOP)
    r = p.parse(HADOOP[3], "f", 4)
    assert (r.timestamp, r.severity, r.service, r.message) == (utc(2024, 5, 14, 10, 22, 3, 3000), "warning",
                                                               "org.example.Task0", "step 3")
    assert r.structured_fields == {"context": "main"} and r.metadata == {"format": "app"}
    assert "def fast(" in p.source    # one generated function per layout


def test_a_line_the_layout_does_not_read_goes_to_the_general_parser():
    p = parser(HADOOP)
    odd = p.parse("2024-05-14 10:23:00,000 FATAL something else entirely", "f", 50)
    assert (odd.timestamp, odd.severity, odd.message) == (utc(2024, 5, 14, 10, 23), "critical",
                                                          "something else entirely")
    cont = p.parse("\tat org.example.Task.run(Task.java:12)", "f", 51)
    assert cont.timestamp is None and cont.message == "at org.example.Task.run(Task.java:12)"
    # a word where the level column is that is not a level: not this layout's line
    notlevel = p.parse("2024-05-14 10:23:01,000 HELLO [main] org.example.Task1: x", "f", 52)
    assert notlevel.severity is None and notlevel.timestamp == utc(2024, 5, 14, 10, 23, 1)


def test_a_time_the_layout_reads_but_not_on_the_calendar_is_a_bad_line():
    p = parser(HADOOP)
    with pytest.raises(BadLine, match="timestamp out of range"):
        p.parse("2024-02-30 10:22:01,000 INFO [main] org.example.Task1: x", "f", 1)


def test_the_layout_is_learned_again_when_the_file_changes_format():
    p = parser(HADOOP)
    other = [f"[14/May/2024:11:{i // 60:02d}:{i % 60:02d} +0000] GET /x/{i} 200" for i in range(300)]
    recs = [p.parse(line, "f", i) for i, line in enumerate(other)]
    assert all(r.timestamp is not None for r in recs)
    assert p.notes and p.notes[0].startswith("layout changed near line")
    assert p.layout.form.name == "dby"
    assert recs[-1].timestamp == utc(2024, 5, 14, 11, 4, 59)


def test_cached_minutes_do_not_leak_across_days_or_zones():
    lines = [f"2024-05-14T23:59:{s:02d}+02:00 INFO x.Y: a" for s in range(50, 60)]
    p = parser(lines)
    a = p.parse("2024-05-14T23:59:58+02:00 INFO x.Y: a", "f", 1)
    b = p.parse("2024-05-14T23:59:58+00:00 INFO x.Y: a", "f", 2)
    c = p.parse("2024-05-15T23:59:58+02:00 INFO x.Y: a", "f", 3)
    assert (a.timestamp, b.timestamp, c.timestamp) == (utc(2024, 5, 14, 21, 59, 58), utc(2024, 5, 14, 23, 59, 58),
                                                       utc(2024, 5, 15, 21, 59, 58))


def test_time_only_lines_roll_over_midnight_through_the_cache():
    lines = ["23:59:58.100 [main] INFO  a.B - x", "23:59:59.900 [main] INFO  a.B - y"] * 3
    p = LayoutParser(learn_layout(lines, utc(2024, 5, 15, 0, 5)), TimeContext(YearResolver(utc(2024, 5, 15, 0, 5))))
    days = [p.parse(t, "f", i).timestamp.day for i, t in enumerate(
        ["23:59:58.100 [main] INFO  a.B - x", "00:00:01.000 [main] INFO  a.B - y", "00:00:02.000 [main] INFO  a.B - z"])]
    assert days == [14, 15, 15]
