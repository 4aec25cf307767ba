from __future__ import annotations

import json

import pytest

from brainstem.ingest import JsonMapping

from .conftest import utc


def j(**kw) -> str:
    return json.dumps(kw)


def test_default_mapping(lines_file):
    (r,), rep = lines_file(j(timestamp="2026-01-02T03:04:05Z", host="web1", message=" hello ",
                             level="WARN", service="api", pid=12, status=500, user={"id": 7}))
    assert r.timestamp == utc(2026, 1, 2, 3, 4, 5)
    assert (r.host, r.service, r.pid, r.severity, r.message) == ("web1", "api", "12", "warning", "hello")
    assert r.structured_fields == {"status": 500, "user": {"id": 7}}
    assert r.source_type == "json" and r.metadata == {"format": "json"}
    assert rep.bad_lines == 0


def test_ecs_nested_and_flat_dotted_keys(lines_file):
    recs, _ = lines_file(
        j(**{"@timestamp": "2026-01-02T03:04:05.5+01:00", "host": {"name": "h1", "ip": "10.0.0.1"},
             "log": {"level": "error"}, "message": "m"}),
        j(**{"@timestamp": "2026-01-02T03:04:05Z", "host.name": "h2", "log.level": "info", "msg": "m2"}))
    a, b = recs
    assert a.timestamp == utc(2026, 1, 2, 2, 4, 5, 500000)
    assert (a.host, a.severity) == ("h1", "error")
    assert a.structured_fields["host"] == {"name": "h1", "ip": "10.0.0.1"}  # nested objects stay whole
    assert (b.host, b.severity, b.message) == ("h2", "info", "m2")
    assert b.structured_fields == {}


@pytest.mark.parametrize("value,expected", [
    (1445144423, utc(2015, 10, 18, 5, 0, 23)),
    (1445144423.5, utc(2015, 10, 18, 5, 0, 23, 500000)),
    (1445144423123, utc(2015, 10, 18, 5, 0, 23, 123000)),
    (1445144423123456, utc(2015, 10, 18, 5, 0, 23, 123456)),
    ("1445144423", utc(2015, 10, 18, 5, 0, 23)),
    ("2015-10-18 05:00:23,5", utc(2015, 10, 18, 5, 0, 23, 500000)),
    ("2015-10-18T05:00:23", utc(2015, 10, 18, 5, 0, 23)),
])
def test_timestamps(lines_file, value, expected):
    (r,), _ = lines_file(j(ts=value, msg="x"))
    assert r.timestamp == expected


def test_unparseable_timestamp_kept(lines_file):
    (r,), _ = lines_file(j(time="yesterday", msg="x"))
    assert r.metadata["time_inherited"] and r.metadata["bad_timestamp"] == "yesterday"
    assert r.structured_fields == {"time": "yesterday"}


@pytest.mark.parametrize("value,severity", [
    (3, "error"), ("6", "info"), (30, "info"), (50, "error"), (60, "critical"), (20, "debug"),
    ("Warning", "warning"), ("crit", "critical"), ("emergency", "emergency"),
])
def test_severity_values(lines_file, value, severity):
    (r,), _ = lines_file(j(level=value, msg="x"))
    assert r.severity == severity


def test_custom_mapping(lines_file):
    mapping = JsonMapping(timestamp="event.time", host=("node",), message=("body",), severity="prio",
                          service="component")
    (r,), _ = lines_file(j(event={"time": 1445144423}, node="n1", body="b", prio="err", component="c",
                           message="not the message"), json_mapping=mapping)
    assert (r.timestamp, r.host, r.message, r.severity, r.service) == (
        utc(2015, 10, 18, 5, 0, 23), "n1", "b", "error", "c")
    assert r.structured_fields == {"event": {"time": 1445144423}, "message": "not the message"}


def test_no_message_field_uses_line(lines_file):
    line = j(a=1, b="two")
    (r,), _ = lines_file(line)
    assert r.message == line and r.metadata["message_field"] is None
    assert r.structured_fields == {"a": 1, "b": "two"}


def test_non_scalar_candidates_skipped(lines_file):
    (r,), _ = lines_file(j(host={"name": "h"}, hostname="second", message=["a"], msg="real"))
    assert (r.host, r.message) == ("second", "real")  # candidates in order: host (a dict), hostname
    (r,), _ = lines_file(j(host={"name": "h"}, msg="real"))
    assert r.host == "h"  # then host.name
    (r,), _ = lines_file(j(host=None, hostname="h2", msg="m", level=True))
    assert r.host == "h2" and r.severity is None


def test_non_object_lines_fall_back(lines_file):
    recs, rep = lines_file(j(msg="ok"), "[1, 2, 3]", '{"broken": ', "plain text line", j(msg="ok2"),
                           fmt="json")
    assert [r.metadata["format"] for r in recs] == ["json", "app", "app", "app", "json"]
    assert [r.metadata.get("fallback") for r in recs] == [None, "app_log", "app_log", "app_log", None]
    assert rep.fallback_lines == 3 and rep.bad_lines == 0


def test_detected(lines_file):
    recs, _ = lines_file(*(j(msg=f"m{i}", level="info") for i in range(10)))
    assert all(r.metadata["format"] == "json" for r in recs)


def test_timestamp_candidates_that_do_not_convert_are_skipped(lines_file):
    (r,), _ = lines_file(j(time=0.25, ts="2026-01-02T03:04:05Z", msg="x"))
    assert r.timestamp == utc(2026, 1, 2, 3, 4, 5)
    assert r.structured_fields == {"time": 0.25} and "bad_timestamp" not in r.metadata
    (r,), _ = lines_file(j(time=12, msg="x"))
    assert r.metadata["time_inherited"] and r.metadata["bad_timestamp"] == 12


@pytest.mark.parametrize("line", [
    '{"ts": "\u00b2", "msg": "superscript digit as a time"}',
    '{"level": "\u00b2", "msg": "superscript digit as a level"}',
    '{"level": "' + "9" * 5000 + '", "msg": "a level number too long for int()"}',
    '{"ts": "0001-01-01T00:00:00+12:00", "msg": "before the calendar"}',
    '{"ts": "9999-12-31 23:59:59-12:00", "msg": "after the calendar"}',
    '{"a": ' * 5000 + '1' + '}' * 5000,
])
def test_hostile_values_never_abort_the_file(lines_file, line):
    recs, rep = lines_file('{"msg": "first"}', line, '{"msg": "last"}', fmt="json")
    assert recs[0].message == "first" and recs[-1].message == "last"
    assert len(recs) + rep.bad_lines == 3


def test_an_unpaired_surrogate_escape_is_a_bad_line_and_a_pair_is_a_character(lines_file):
    # json.loads turns "\ud800" into a lone surrogate that no store can write as UTF-8:
    # that line is counted and named; the emoji written as a pair of escapes is stored
    recs, rep = lines_file('{"msg": "first"}', r'{"msg": "disk \ud800 failed", "n": 1}',
                           r'{"msg": "smile \ud83d\ude00", "path": "C:\\ud800"}', fmt="json")
    assert [r.message for r in recs] == ["first", "smile \U0001F600"]
    assert recs[1].structured_fields == {"path": "C:\\ud800"}      # an escaped backslash, not an escape
    assert rep.bad_lines == 1
    (path, line, why), = rep.bad
    assert path.endswith("x.log") and line == 2 and "unpaired surrogate escape ('\\ud800')" in why
