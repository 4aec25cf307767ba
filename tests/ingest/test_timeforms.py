from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from brainstem.ingest.timeforms import (
    BUILDERS, BY_NAME, FORMS, DayResolver, TimeContext, date_in_name, parse_at,
)
from brainstem.ingest.timestamps import YearResolver

from .conftest import utc

REF = utc(2026, 6, 1, 12)


def ctx(ref=REF, name_date=None):
    return TimeContext(YearResolver(ref), DayResolver(ref, name_date))


EXPECTED = {
    "iso": utc(2024, 5, 14, 8, 22, 33, 123000),
    "iso-dotted-time": utc(2005, 6, 3, 15, 42, 50, 675872),
    "iso-basic": utc(2024, 5, 14, 10, 22, 33),
    "ymd-slash": utc(2024, 5, 14, 10, 22, 33, 123456),
    "ymd-dot": utc(2024, 5, 14, 10, 22, 33),
    "mdy-slash": utc(2024, 5, 14, 10, 22, 33),
    "dmy-slash": utc(2024, 5, 14, 10, 22, 33),
    "dmy-dot": utc(2024, 5, 14, 10, 22, 33),
    "dmy-dash": utc(2024, 5, 14, 10, 22, 33),
    "mdy-dash": utc(2024, 5, 14, 10, 22, 33),
    "yymd-slash": utc(2024, 5, 14, 10, 22, 33),
    "mdyy-slash": utc(2024, 5, 14, 10, 22, 33),
    "dmyy-slash": utc(2024, 5, 14, 10, 22, 33),
    "dmyy-dot": utc(2024, 5, 14, 10, 22, 33),
    "compact": utc(2008, 11, 9, 20, 36, 15),
    "compact-colon": utc(2024, 5, 14, 9, 2, 33),
    "compact-dash": utc(2017, 12, 23, 22, 15, 29, 606000),
    "bsd": utc(2026, 5, 14, 10, 22, 33),
    "asctime": utc(2024, 5, 14, 10, 22, 33),
    "dby": utc(2024, 5, 14, 10, 22, 33, 123000),
    "ybd": utc(2024, 5, 14, 10, 22, 33),
    "db": utc(2026, 5, 14, 10, 22, 33, 123000),
    "md-dash": utc(2026, 5, 14, 10, 22, 33, 123000),
    "md-slash": utc(2026, 5, 14, 10, 22, 33),
    "dm-slash": utc(2026, 5, 14, 10, 22, 33),
    "md-dot": utc(2026, 5, 14, 10, 22, 33),
    "dm-dot": utc(2026, 5, 14, 10, 22, 33),
    "klog": utc(2026, 5, 14, 10, 22, 33, 123456),
    "time": utc(2026, 6, 1, 10, 22, 33, 123000),
    "epoch": utc(2024, 5, 14, 10, 22, 33, 123000),
    "tai64n": datetime.fromtimestamp(0x66433c3a - 10, timezone.utc).replace(microsecond=0x1d2a3b4c // 1000),
}


def test_every_form_has_an_expectation():
    assert set(EXPECTED) == {f.name for f in FORMS}


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_each_form_reads_its_example(form):
    m = form.regex.match(form.example)
    assert m is not None and m.end() == len(form.example)
    assert BUILDERS[form.name](m, ctx()) == EXPECTED[form.name]


@pytest.mark.parametrize("text,expected", [
    ("5/14/2024 12:05:00 AM x", utc(2024, 5, 14, 0, 5)),
    ("5/14/2024 12:05:00 PM x", utc(2024, 5, 14, 12, 5)),
    ("5/14/2024 1:05:12 p.m. x", utc(2024, 5, 14, 13, 5, 12)),
    ("5/14/2024 13:05:00 PM x", None),                                 # no 13 PM
    ("2024-05-14 10:22:33.123 CEST [1]", utc(2024, 5, 14, 8, 22, 33, 123000)),
    ("2024-05-14 10:22:33 PST x", utc(2024, 5, 14, 18, 22, 33)),
    ("2024-05-14 10:22:33-07 host", utc(2024, 5, 14, 17, 22, 33)),
    ("2024-05-14 10:22:33.123456-0700 0x1", utc(2024, 5, 14, 17, 22, 33, 123456)),
    ("Tue May 14 10:22:33 UTC 2024", utc(2024, 5, 14, 10, 22, 33)),
    ("May 14, 2024 10:22:33 PM org.x", utc(2024, 5, 14, 22, 22, 33)),
    ("14/May/2024:10:22:33 +0200]", utc(2024, 5, 14, 8, 22, 33)),
    ("Tue, 14 May 2024 10:22:33 +0000", utc(2024, 5, 14, 10, 22, 33)),
    ("1715682153123 x", utc(2024, 5, 14, 10, 22, 33, 123000)),          # milliseconds
    ("1715682153123456 x", utc(2024, 5, 14, 10, 22, 33, 123456)),       # microseconds
    ("1715682153123456789 x", utc(2024, 5, 14, 10, 22, 33, 123456)),    # nanoseconds
    ("123456789 bytes", None),                                          # 1973: not a clock
    ("9999999999 x", None),                                             # 2286: not a clock
    ("2024-02-30 10:00:00 x", None),
    ("2024-05-14 10:22:33zookeeper", None),                             # no boundary
    ("2024-05-14 10:22:33 zookeeper", utc(2024, 5, 14, 10, 22, 33)),    # "z" is not a zone here
])
def test_forms_at_the_start_of_a_line(text, expected):
    got = parse_at(text, 0, ctx())
    assert (got[1] if got else None) == expected


def test_digits_in_other_scripts_are_not_times():
    assert parse_at("٢٠٢٤-٠٥-١٤ ١٠:٢٢:٣٣", 0, ctx()) is None


def test_day_resolver_from_the_file_name_and_midnight():
    days = DayResolver(REF, date(2024, 5, 14))
    assert days.date_for(23, 59, 58) == date(2024, 5, 14) and days.source == "file name"
    assert days.date_for(0, 0, 1) == date(2024, 5, 15)          # back by more than an hour: next day
    assert days.date_for(0, 0, 0) == date(2024, 5, 15)          # a little disorder is not a day


def test_day_resolver_from_the_file_time():
    days = DayResolver(utc(2024, 5, 14, 9, 30))
    assert days.date_for(8, 0, 0) == date(2024, 5, 14) and days.source == "file time"
    later = DayResolver(utc(2024, 5, 14, 9, 30))
    assert later.date_for(22, 0, 0) == date(2024, 5, 13)        # later in the day than the mtime: the day before


def test_day_resolver_continues_from_a_full_date():
    days = DayResolver(REF)
    days.seen_date(date(2024, 1, 2))
    assert days.date_for(10, 0, 0) == date(2024, 1, 2) and days.source == "previous line"


@pytest.mark.parametrize("name,expected", [
    ("catalina.2024-05-14.log", date(2024, 5, 14)), ("messages-20240514", date(2024, 5, 14)),
    ("app_2024_05_14.log.gz", date(2024, 5, 14)), ("u_ex240514.log", None), ("build-123456789.log", None),
    ("app-2024-13-01.log", None), ("syslog", None),
])
def test_date_in_name(name, expected):
    assert date_in_name(name) == expected


def test_zone_cache_and_unknown_zones():
    c = ctx()
    assert c.zone("+05:30", None) == timedelta(hours=5, minutes=30) and c.zone("-07", None) == timedelta(hours=-7)
    assert c.zone(None, "IST") == timedelta(hours=5, minutes=30) and c.zone("Z", None) == timedelta(0)
    assert BY_NAME["iso"].regex.match("2024-05-14 10:22:33 +25:00") is not None   # no zone taken: +25 is not one
