from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from brainstem.ingest.timeforms import LeadingTimestamp
from brainstem.ingest.timestamps import YearResolver, from_epoch, make_dt, parse_iso

from .conftest import utc


def test_year_resolver_rules():
    r = YearResolver(utc(2027, 1, 5))
    assert [r.year_for(m, 1) for m in (11, 12, 1, 2, 12, 1)] == [2026, 2026, 2027, 2027, 2026, 2027]


def test_year_resolver_naive_reference_is_utc():
    r = YearResolver(datetime(2026, 6, 1))
    assert r.reference == utc(2026, 6, 1) and r.year_for(6, 2) == 2026 and YearResolver(utc(2026, 6, 1)).year_for(6, 4) == 2025


def test_year_resolver_other_zone_reference():
    # 2027-01-01 01:00+05:00 is 2026-12-31 20:00 UTC
    r = YearResolver(datetime(2027, 1, 1, 1, tzinfo=timezone(timedelta(hours=5))))
    assert r.year_for(12, 31) == 2026


@pytest.mark.parametrize("args,expected", [
    ((2026, 1, 1, 0, 0, 0, "5", "+01:00"), utc(2025, 12, 31, 23, 0, 0, 500000)),
    ((2026, 1, 1, 0, 0, 0, "123456789", "Z"), utc(2026, 1, 1, 0, 0, 0, 123456)),
    ((2026, 1, 1, 0, 0, 0, None, "-0530"), utc(2026, 1, 1, 5, 30)),
    ((2026, 1, 1, 0, 0, 0, None, "+02"), utc(2025, 12, 31, 22)),
    ((2026, 12, 31, 23, 59, 60, None, None), utc(2026, 12, 31, 23, 59, 59)),
    ((2026, 2, 30, 0, 0, 0, None, None), None),
    ((2026, 1, 1, 24, 0, 0, None, None), None),
])
def test_make_dt(args, expected):
    assert make_dt(*args) == expected


def test_from_epoch_and_iso():
    assert from_epoch(0) is None and from_epoch(-5) is None and from_epoch(float("nan")) is None
    assert from_epoch(1445144423000000000) == utc(2015, 10, 18, 5, 0, 23)
    assert parse_iso("2026-01-01T00:00:00Z") == utc(2026, 1, 1)
    assert parse_iso("2026-01-01T00:00:00Z trailing") is None


def test_leading_timestamp_position_and_brackets():
    lt = LeadingTimestamp(YearResolver(utc(2026, 6, 1)))
    assert lt.parse("[2026-01-01 00:00:00] x") == (utc(2026, 1, 1), 21)
    assert lt.parse("[2026-01-01 00:00:00 x") == (None, 0)
    assert lt.parse("2026-01-01 00:00:00x") == (None, 0)
    assert lt.parse("") == (None, 0) and lt.parse("[") == (None, 0)
    # remembers the last pattern but still finds others
    assert lt.parse("081109 203615 x")[0] == utc(2008, 11, 9, 20, 36, 15)
    assert lt.parse("2026-01-01 00:00:00 x")[0] == utc(2026, 1, 1)


def test_iso_followed_by_colon_or_word():
    lt = LeadingTimestamp(YearResolver(utc(2026, 6, 1)))
    assert lt.parse("2026-01-02 03:04:05: message") == (utc(2026, 1, 2, 3, 4, 5), 19)
    assert lt.parse("2026-01-02 03:04 message") == (utc(2026, 1, 2, 3, 4), 16)
    assert lt.parse("2026-01-02 03:04:05.5x") == (None, 0)


def test_year_resolver_without_carry_places_each_date_on_its_own():
    # interleaved senders on a network stream: a wrong-clock host must not move everyone's year
    r = YearResolver(utc(2026, 7, 15), carry=False)
    assert [r.year_for(m, 1) for m in (7, 1, 12, 7)] == [2026, 2026, 2025, 2026]
    carried = YearResolver(utc(2026, 7, 15))
    assert [carried.year_for(m, 1) for m in (7, 1, 12, 7)] == [2026, 2027, 2026, 2026]
