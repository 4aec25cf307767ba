"""Timestamp primitives: year inference, datetime construction, epoch and ISO 8601 strings.

The forms found in log lines are in timeforms.py.

Everything returned is tz-aware UTC. A timestamp without a zone is taken as UTC.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

UTC = timezone.utc

MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
MONTHS.update({k.upper(): v for k, v in list(MONTHS.items())})
MONTHS.update({k.lower(): v for k, v in list(MONTHS.items())})

# A yearless timestamp more than this after the reference belongs to the previous year.
# Two days: a line cannot be written after its file's mtime, but a local time read
# as UTC can run up to 14 hours ahead of it, and clocks on a fleet drift.
FUTURE_TOLERANCE = timedelta(days=2)
# Consecutive yearless timestamps whose month jumps by at least this much wrap the year.
WRAP_MONTHS = 6


def reference_for(mtime: float, now: datetime | None = None) -> datetime:
    """The reference of a file's yearless timestamps: its mtime, or now when the
    mtime is in the future (a skewed clock, an archive from another machine).

    Right for a file being written (mtime = its last line = now) and for an old
    rotated one (mtime = when it was rotated, after its last line); wrong only
    for a copy whose mtime was not kept, for which pass ``reference_time``.
    """
    now = now or datetime.now(UTC)
    ref = datetime.fromtimestamp(mtime, UTC)
    return ref if ref <= now else now


class YearResolver:
    """Assigns years to yearless timestamps (RFC 3164, logcat, BSD-style app
    lines), one per file or stream.

    Rule (docs/ingest.md): the first yearless date gets the latest year that
    does not put it more than ``FUTURE_TOLERANCE`` (2 days) after the
    reference (the file's mtime, see ``reference_for``; the arrival time for a
    live line). After that the year is carried line to line: when the month
    goes backwards by 6 or more (Dec -> Jan) the year increments; when it jumps
    forward by 6 or more (a Dec straggler after Jan lines) the year decrements.
    With ``carry=False`` (interleaved senders on a network stream) every date is
    placed on its own. Deterministic for a given reference.
    """

    __slots__ = ("reference", "year", "last_month", "carry", "used", "low", "high")

    def __init__(self, reference: datetime, *, carry: bool = True) -> None:
        if reference.tzinfo is None:
            reference = reference.replace(tzinfo=UTC)
        self.reference = reference.astimezone(UTC)
        self.year: int | None = None
        self.last_month = 0
        self.carry = carry
        self.used = False   # a year was inferred (for the report: which ones)
        self.low = self.high = 0

    def nearest_year(self, month: int, day: int) -> int:
        """The latest year that puts (month, day) no later than the reference plus the tolerance."""
        limit = self.reference + FUTURE_TOLERANCE
        year = self.reference.year + 1
        for _ in range(9):  # Feb 29 may need to go back to the last leap year
            try:
                if datetime(year, month, day, tzinfo=UTC) <= limit:
                    return year
            except (ValueError, OverflowError):
                pass
            year -= 1
        return self.reference.year

    def year_for(self, month: int, day: int) -> int:
        self.used = True
        year = self.year
        if year is None or not self.carry:
            year = self.nearest_year(month, day)
        else:
            delta = month - self.last_month
            if delta <= -WRAP_MONTHS:
                year += 1
            elif delta >= WRAP_MONTHS:
                year -= 1
        self.year = year
        self.last_month = month
        if year < self.low or not self.low:
            self.low = year
        if year > self.high:
            self.high = year
        return year


def make_dt(year: int, month: int, day: int, hh: int, mm: int, ss: int,
            frac: str | None = None, tz: str | None = None) -> datetime | None:
    """Build a UTC datetime; ``frac`` is the digits after the decimal mark,
    ``tz`` is ``Z`` / ``+hh:mm`` / ``+hhmm`` / None. None when out of range."""
    us = 0
    if frac:
        us = int((frac + "000000")[:6])
    try:
        if ss == 60:  # leap second: clamp rather than reject
            ss = 59
        dt = datetime(year, month, day, hh, mm, ss, us, tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
    if tz and tz != "Z" and tz != "z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        if len(digits) == 2:
            digits += "00"
        if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
            return None
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            return None
        try:  # 9999-12-31T23:59:59-12:00 is past datetime.max in UTC
            dt -= sign * timedelta(hours=hours, minutes=minutes)
        except OverflowError:
            return None
    return dt


def from_epoch(value: float) -> datetime | None:
    """Seconds, millis, micros or nanos since the epoch, told apart by size.
    Values below 1e8 (before 1973) are taken for something else (a duration)."""
    v = float(value)
    if v != v or v < 1e8:
        return None
    if v >= 1e17:
        v /= 1e9
    elif v >= 1e14:
        v /= 1e6
    elif v >= 1e11:
        v /= 1e3
    try:
        return datetime.fromtimestamp(v, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_iso(text: str) -> datetime | None:
    """A whole string as ISO 8601 (``Z``, offsets, space or T, comma decimal)."""
    m = _ISO.match(text)
    if m is None or m.end() != len(text.rstrip()):
        return None
    return make_dt(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]),
                   int(m[6] or 0), m[7], m[8])


_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?+(?:[.,](\d{1,9}))?+"
    r"(?: ?(Z|z|[+-]\d\d(?::?\d\d)?(?![\d:])))?(?![\w])")


def __getattr__(name: str):
    # LeadingTimestamp moved to timeforms.py (it reads every form there); still importable here
    if name == "LeadingTimestamp":
        from .timeforms import LeadingTimestamp
        return LeadingTimestamp
    raise AttributeError(name)
