"""Lines without a timestamp of their own: joined, inherited, leading, or a whole file without time."""
from __future__ import annotations

import pytest

from brainstem.ingest import IngestError
from brainstem.ingest.continuation import head_line, signature_text

from .conftest import read, utc, write

TRACE = [
    "2024-05-14 10:22:33,123 ERROR [main] com.example.Api: Request failed",
    "java.lang.IllegalStateException: boom",
    "\tat com.example.Api.handle(Api.java:42)",
    "Caused by: java.io.IOException: disk full",
    "\t... 3 more",
    "2024-05-14 10:22:34,000 INFO [main] com.example.Api: next request",
]


def test_a_stack_trace_joins_the_event_that_logged_it(lines_file):
    recs, rep = lines_file(*TRACE, reference_time=utc(2024, 6, 1))
    assert len(recs) == 2
    first, second = recs
    assert first.raw == "\n".join(TRACE[:5]) and first.line_no == 1 and first.metadata["lines"] == 5
    assert first.message.split("\n")[0] == "Request failed" and "\tat com.example.Api.handle" in first.message
    assert (first.service, first.severity) == ("com.example.Api", "error")
    assert second.timestamp == utc(2024, 5, 14, 10, 22, 34) and second.message == "next request"
    assert rep.untimed_lines == 4 and rep.joined_lines == 4 and rep.records == 2 and rep.lines_read == 6


def test_the_fingerprint_sees_the_first_line_and_the_root_cause():
    message = "Request failed\n" + "\n".join(TRACE[1:5])
    assert signature_text(message) == "Request failed Caused by: java.io.IOException: disk full"
    py = "Unhandled error\nTraceback (most recent call last):\n  File \"a.py\", line 3, in <module>\nValueError: bad"
    assert signature_text(py) == "Unhandled error ValueError: bad"
    assert signature_text("one line") == "one line"
    assert head_line("a\nb") == "a" and head_line("a") == "a"


def test_inherit_keeps_each_line_an_event(lines_file):
    recs, rep = lines_file(*TRACE, continuation="inherit", reference_time=utc(2024, 6, 1))
    assert len(recs) == 6 and [r.timestamp is None for r in recs] == [False, True, True, True, True, False]
    assert rep.untimed_lines == 4 and rep.joined_lines == 0


def test_joining_stops_at_the_cap(lines_file):
    recs, rep = lines_file(*TRACE, continuation_max_lines=2, reference_time=utc(2024, 6, 1))
    assert [r.raw.count("\n") + 1 for r in recs] == [2, 1, 1, 1, 1]
    assert rep.joined_lines == 1 and rep.untimed_lines == 4


def test_unknown_continuation_mode_is_an_error(tmp_path):
    p = write(tmp_path / "a.log", "x\n")
    with pytest.raises(IngestError, match="continuation"):
        read(p, continuation="glue")


def test_lines_before_the_first_time_take_it(lines_file):
    recs, rep = lines_file("#Software: Example Server 1.0", "#Fields: date time message",
                           "2024-05-14 10:22:33 started", "2024-05-14 10:22:35 ready")
    assert [r.timestamp for r in recs] == [utc(2024, 5, 14, 10, 22, 33)] * 3 + [utc(2024, 5, 14, 10, 22, 35)]
    assert [bool(r.metadata.get("time_inherited")) for r in recs] == [True, True, False, False]
    assert rep.untimed_files == [] and rep.untimed_lines == 2


def test_a_file_without_timestamps_takes_the_files_time_and_says_so(tmp_path):
    p = write(tmp_path / "plain.log", "WARNING:root:disk almost full\nINFO:app:started\n", mtime=utc(2026, 3, 1, 8))
    recs, rep = read(p)
    assert [r.timestamp for r in recs] == [utc(2026, 3, 1, 8)] * 2
    assert all(r.metadata["time_inherited"] for r in recs)
    assert rep.untimed_files == [str(p)] and rep.untimed_lines == 2 and rep.joined_lines == 0


def test_a_syslog_line_without_time_is_its_own_event(lines_file):
    recs, rep = lines_file("<34>Oct 11 22:14:15 h su: first", "<13>su: no time of its own", fmt="rfc3164")
    assert len(recs) == 2 and recs[1].timestamp is None and rep.joined_lines == 0 and rep.untimed_lines == 1
