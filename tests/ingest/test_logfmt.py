from __future__ import annotations

from brainstem.ingest.logfmt import LogfmtParser, looks_like_logfmt, pairs
from brainstem.ingest.timeforms import TimeContext
from brainstem.ingest.timestamps import YearResolver

from .conftest import utc

P = LogfmtParser(TimeContext(YearResolver(utc(2024, 6, 1))))


def test_docker_style_line():
    r = P.parse('time="2024-05-14T10:22:33.123456789Z" level=warning msg="Running \\"rootless\\"" spanID=2f', "f", 1)
    assert (r.timestamp, r.severity, r.message) == (utc(2024, 5, 14, 10, 22, 33, 123456), "warning",
                                                    'Running "rootless"')
    assert r.structured_fields == {"spanID": "2f"} and r.metadata == {"format": "logfmt"}


def test_date_time_and_zone_in_separate_keys():
    r = P.parse('date=2024-05-14 time=10:22:33 devname="fw01" tz="+0200" level="notice" action="accept"', "f", 1)
    assert (r.timestamp, r.host, r.severity) == (utc(2024, 5, 14, 8, 22, 33), "fw01", "notice")
    assert r.message == "action=accept"      # no msg key: the pairs that are left


def test_a_time_inside_a_value():
    r = P.parse("type=SYSCALL msg=audit(1715682153.123:4242): arch=c000003e hostname=? success=no", "f", 1)
    assert r.timestamp == utc(2024, 5, 14, 10, 22, 33, 123000) and r.host is None


def test_not_logfmt():
    assert pairs("2024-05-14 10:22:33 INFO a=b") is None
    assert P.parse("just words here", "f", 1) is None
    assert looks_like_logfmt("ts=2024-05-14T10:22:33Z level=info msg=x") and not looks_like_logfmt("a=1 b=2")
