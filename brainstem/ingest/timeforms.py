"""The timestamp forms brainstem recognizes, one regex each, and how each becomes a datetime.

A form is matched at a known position (``form.regex.match(text, pos)``); the
layout learner (layout.py) finds which form sits where in a file, and the
compiled layout embeds the form's regex in one per-file regex. Every builder
returns a tz-aware UTC datetime or None (not on the calendar).

Named groups shared by all forms: ``Y`` four-digit year, ``y`` two-digit year,
``M`` month number, ``b`` month name, ``D`` day, ``h`` ``m`` ``s`` time,
``f`` fraction digits, ``p`` AM/PM, ``z`` numeric zone or Z, ``Z`` zone
abbreviation, ``e``/``ef`` epoch digits and fraction, ``t`` TAI64N label,
``L`` a klog level letter. A form without a year takes one from the
``YearResolver``; a form without a date takes one from the ``DayResolver``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

from .timestamps import MONTHS, UTC, YearResolver

# Zone abbreviations as logs print them (PostgreSQL %m, date(1), Cisco). Ambiguous ones
# take their most common meaning in logs: CST is US Central, IST India, BST British summer.
ZONE_ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "UT": 0, "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120, "MET": 60,
    "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "IST": 330, "SGT": 480, "HKT": 480, "AWST": 480,
    "CST": -360, "CDT": -300, "EST": -300, "EDT": -240, "MST": -420, "MDT": -360, "PST": -480,
    "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600, "JST": 540, "KST": 540, "ACST": 570,
    "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
}
_ZONE_NAMES = "|".join(sorted(ZONE_ABBREVIATIONS, key=len, reverse=True))

# Epoch values are taken for times only between these (1990 .. 2100).
EPOCH_MIN, EPOCH_MAX = 631152000, 4102444800

_H = r"(?P<h>[01]?\d|2[0-3])"
_MI = r"(?P<m>[0-5]\d)"
_S = r"(?P<s>[0-5]\d|60)"
_F = r"(?:[.,:](?P<f>\d{1,9}))?+"
_TIME = _H + ":" + _MI + r"(?::" + _S + _F + r")?+"        # seconds optional: "2026-01-02 03:04 message"
_TIME_S = _H + ":" + _MI + ":" + _S + _F                    # seconds required (time-only forms)
_AMPM = r"(?:\s?(?P<p>[AaPp]\.?[Mm]\.?)(?!\w))?+"
_ZONE = (r"(?:\s?(?P<z>[Zz](?!\w)|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?+(?![\d:]))"
         r"|\s(?P<Z>" + _ZONE_NAMES + r")(?!\w))?+")
_END = r"(?!\w)"
_SEP = r"(?:[T_:-]|,\s?|\s{1,2})"                           # between date and time
_Y = r"(?P<Y>(?:19|2\d)\d\d)"
_YY = r"(?P<y>\d\d)"
_M = r"(?P<M>1[0-2]|0?[1-9])"
_MM = r"(?P<M>0[1-9]|1[0-2])"
_D = r"(?P<D>3[01]|[12]\d|0?[1-9])"
_DD = r"(?P<D>0[1-9]|[12]\d|3[01])"
_B = (r"(?P<b>(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
      r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?))(?![a-z])")
_WEEKDAY = r"(?:(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?\s)?"
_TAIL = _AMPM + _ZONE + _END


@dataclass(eq=False)
class TimeForm:
    """One way of writing a timestamp. ``first`` says which characters it can start with."""

    name: str
    pattern: str
    first: str                       # "digit", "alpha", "both" or "@"
    example: str
    regex: re.Pattern = field(init=False, repr=False)
    groups: frozenset = field(init=False, repr=False)
    has_year: bool = field(init=False)
    has_date: bool = field(init=False)
    epoch: bool = field(init=False)

    def __post_init__(self) -> None:
        self.regex = re.compile(self.pattern)
        self.groups = frozenset(self.regex.groupindex)
        self.epoch = "e" in self.groups or "t" in self.groups
        self.has_date = self.epoch or "D" in self.groups
        self.has_year = self.epoch or "Y" in self.groups or "y" in self.groups


def _f(name, pattern, first, example):
    return TimeForm(name, pattern, first, example)


# Order matters only for ties between forms that parse a sample equally well:
# earlier wins (M/D/Y before D/M/Y with '/', D.M.Y first with '.').
FORMS: tuple[TimeForm, ...] = (
    _f("iso", _Y + "-" + _MM + "-" + _DD + _SEP + _TIME + _TAIL, "digit", "2024-05-14 10:22:33,123+02:00"),
    _f("iso-dotted-time", _Y + "-" + _MM + "-" + _DD + r"[-T ]" + r"(?P<h>[01]\d|2[0-3])\.(?P<m>[0-5]\d)\.(?P<s>[0-5]\d)"
       r"(?:\.(?P<f>\d{1,9}))?+" + _END, "digit", "2005-06-03-15.42.50.675872"),
    _f("iso-basic", _Y + _MM + _DD + r"T(?P<h>[01]\d|2[0-3])(?P<m>[0-5]\d)(?P<s>[0-5]\d)" + _F + _ZONE + _END,
       "digit", "20240514T102233Z"),
    _f("ymd-slash", _Y + "/" + _M + "/" + _D + _SEP + _TIME + _TAIL, "digit", "2024/05/14 10:22:33.123456"),
    _f("ymd-dot", _Y + r"\." + _MM + r"\." + _DD + _SEP + _TIME + _TAIL, "digit", "2024.05.14 10:22:33"),
    _f("mdy-slash", _M + "/" + _D + "/" + _Y + _SEP + _TIME + _TAIL, "digit", "5/14/2024 10:22:33 AM"),
    _f("dmy-slash", _D + "/" + _M + "/" + _Y + _SEP + _TIME + _TAIL, "digit", "14/05/2024 10:22:33"),
    _f("dmy-dot", _D + r"\." + _M + r"\." + _Y + _SEP + _TIME + _TAIL, "digit", "14.05.2024 10:22:33"),
    _f("dmy-dash", _DD + "-" + _MM + "-" + _Y + _SEP + _TIME + _TAIL, "digit", "14-05-2024 10:22:33"),
    _f("mdy-dash", _MM + "-" + _DD + "-" + _Y + _SEP + _TIME + _TAIL, "digit", "05-14-2024 10:22:33"),
    _f("yymd-slash", _YY + "/" + _MM + "/" + _DD + _SEP + _TIME + _TAIL, "digit", "24/05/14 10:22:33"),
    _f("mdyy-slash", _MM + "/" + _DD + "/" + _YY + _SEP + _TIME + _TAIL, "digit", "05/14/24,10:22:33"),
    _f("dmyy-slash", _DD + "/" + _MM + "/" + _YY + _SEP + _TIME + _TAIL, "digit", "14/05/24 10:22:33"),
    _f("dmyy-dot", _DD + r"\." + _MM + r"\." + _YY + _SEP + _TIME + _TAIL, "digit", "14.05.24 10:22:33"),
    _f("compact", r"(?:" + _Y + "|" + _YY + ")" + _MM + _DD + r"(?:[ T-]{1,2}|:)(?P<h>[01]\d|2[0-3]):?(?P<m>[0-5]\d):?(?P<s>[0-5]\d)"
       + _F + _ZONE + _END, "digit", "081109 203615"),
    _f("compact-colon", r"(?:" + _Y + "|" + _YY + ")" + _MM + _DD + r"\s{1,2}" + _TIME_S + _END, "digit", "240514  9:02:33"),
    _f("compact-dash", _Y + _MM + _DD + r"-(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]?\d):(?P<s>[0-5]?\d)(?::(?P<f>\d{1,3}))?+" + _END,
       "digit", "20171223-22:15:29:606"),
    _f("bsd", _WEEKDAY + _B + r"\s{1,2}" + _D + r"(?:,?\s" + _Y + r")?+" + r"\s{1,2}" + _TIME + _TAIL, "alpha",
       "May 14 10:22:33"),
    _f("asctime", _WEEKDAY + _B + r"\s{1,2}" + _D + r"\s" + _TIME + r"(?:\s(?P<Z>" + _ZONE_NAMES + r"))?\s" + _Y + _END,
       "alpha", "Tue May 14 10:22:33 2024"),
    _f("dby", _WEEKDAY + _D + r"[ /-]" + _B + r"[ /-](?:" + _Y + "|" + _YY + r")" + r"[ :]" + _TIME + _TAIL, "both",
       "14-May-2024 10:22:33.123"),
    _f("ybd", _Y + r"[ -]" + _B + r"[ -]" + _D + _SEP + _TIME + _TAIL, "digit", "2024-May-14 10:22:33"),
    _f("db", _D + r"\s" + _B + r"\s" + _TIME_S + _TAIL, "digit", "14 May 10:22:33.123"),
    _f("md-dash", _MM + "-" + _DD + r"\s" + _TIME_S + _TAIL, "digit", "05-14 10:22:33.123"),
    _f("md-slash", _MM + "/" + _DD + r"\s" + _TIME_S + _TAIL, "digit", "05/14 10:22:33"),
    _f("dm-slash", _DD + "/" + _MM + r"\s" + _TIME_S + _TAIL, "digit", "14/05 10:22:33"),
    _f("md-dot", _MM + r"\." + _DD + r"\s" + _TIME_S + _TAIL, "digit", "05.14 10:22:33"),
    _f("dm-dot", _DD + r"\." + _MM + r"\s" + _TIME_S + _TAIL, "digit", "14.05 10:22:33"),
    _f("klog", r"(?P<L>[IWEFD])" + _MM + _DD + r"\s" + _TIME_S + _END, "alpha", "I0514 10:22:33.123456"),
    _f("time", _TIME_S + _TAIL, "digit", "10:22:33.123"),
    _f("epoch", r"(?P<e>\d{9,10}|\d{12,13}|\d{15,16}|\d{18,19})(?:\.(?P<ef>\d{1,9}))?+(?![\w.])", "digit",
       "1715682153.123"),
    _f("tai64n", r"@(?P<t>4000000[0-9a-f]{9})(?P<tn>[0-9a-f]{8})(?![\w])", "@", "@4000000066433c3a1d2a3b4c"),
)

BY_NAME = {f.name: f for f in FORMS}
DIGIT_FORMS = tuple(f for f in FORMS if f.first in ("digit", "both"))
ALPHA_FORMS = tuple(f for f in FORMS if f.first in ("alpha", "both"))   # "both": an optional weekday first
AT_FORMS = tuple(f for f in FORMS if f.first == "@")

KLOG_LEVELS = {"I": "info", "W": "warning", "E": "error", "F": "critical", "D": "debug"}


def forms_for(c: str) -> tuple[TimeForm, ...]:
    if "0" <= c <= "9":
        return DIGIT_FORMS
    if c.isalpha() and c.isascii():
        return ALPHA_FORMS
    if c == "@":
        return AT_FORMS
    return ()


class DayResolver:
    """Dates for times printed without one (logback's ``HH:mm:ss.SSS``, routers).

    The date comes from, in this order: the last full date seen in the same
    file (a line that had one), the date in the file's name
    (``app-2024-05-14.log``, ``access.log-20240514``), or the reference (the
    file's mtime; a first time later in the day than the mtime is the day
    before). A time going backwards by more than an hour is the next day.
    ``source`` says which was used, for the record and the report.
    """

    __slots__ = ("current", "last_secs", "source", "reference", "name_date")

    def __init__(self, reference: datetime, name_date: date | None = None) -> None:
        self.reference = reference.astimezone(UTC)
        self.name_date = name_date
        self.current: date | None = None
        self.last_secs = -1
        self.source = ""

    def seen_date(self, d: date) -> None:
        """A line with a full date: later time-only lines continue from it."""
        self.current = d
        self.source = "previous line"
        self.last_secs = -1

    def date_for(self, h: int, m: int, s: int) -> date:
        secs = h * 3600 + m * 60 + s
        cur = self.current
        if cur is None:
            if self.name_date is not None:
                cur, self.source = self.name_date, "file name"
            else:
                ref = self.reference
                cur, self.source = ref.date(), "file time"
                if secs > ref.hour * 3600 + ref.minute * 60 + ref.second + 3600:
                    cur -= timedelta(days=1)
        elif 0 <= secs < self.last_secs - 3600:
            cur += timedelta(days=1)
        self.current = cur
        self.last_secs = secs
        return cur


_NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


def date_in_name(name: str) -> date | None:
    """The date a file's name carries (``catalina.2024-05-14.log``, ``messages-20240514``), if any."""
    m = _NAME_DATE.search(name)
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


class TimeContext:
    """Per-file state a form's builder needs: the year and day resolvers and small caches."""

    __slots__ = ("years", "days", "_zones", "used_day")

    def __init__(self, years: YearResolver, days: DayResolver | None = None) -> None:
        self.years = years
        self.days = days or DayResolver(years.reference)
        self._zones: dict[str, timedelta | None] = {}
        self.used_day = False     # a dateless form was resolved

    def zone(self, z: str | None, name: str | None) -> timedelta | None:
        """Offset east of UTC; None for an unknown value."""
        key = z or name
        if key is None or key in "Zz":
            return timedelta(0)
        off = self._zones.get(key, False)
        if off is False:
            if name is not None:
                off = timedelta(minutes=ZONE_ABBREVIATIONS[name])
            else:
                digits = z[1:].replace(":", "")
                off = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
                if z[0] == "-":
                    off = -off
            self._zones[key] = off
        return off


def make_builder(form: TimeForm) -> Callable:
    """``build(match, ctx) -> datetime | None`` for ``form``'s groups."""
    if form.name == "epoch":
        return _epoch_builder()
    if form.name == "tai64n":
        return _tai_builder()
    g = form.groups
    has_year, has_date = form.has_year, form.has_date
    has_p = "p" in g
    has_zone = "z" in g or "Z" in g
    has_s = "s" in g
    # the group names this form has (None: it has not that part)
    gY, gy, gM, gb, gD = (k if k in g else None for k in ("Y", "y", "M", "b", "D"))
    gh, gm, gs, gf, gp, gz, gZ = (k if k in g else None for k in ("h", "m", "s", "f", "p", "z", "Z"))

    def build(m, ctx: TimeContext) -> datetime | None:
        h = int(m[gh])
        if has_p:
            p = m[gp]
            if p is not None:
                if h > 12 or h == 0:
                    return None
                if p[0] in "Pp":
                    if h != 12:
                        h += 12
                elif h == 12:
                    h = 0
        mi = int(m[gm])
        s = 0
        if has_s:
            sv = m[gs]
            if sv is not None:
                s = int(sv)
                if s == 60:  # leap second: clamp rather than reject
                    s = 59
        us = 0
        if gf is not None:
            fv = m[gf]
            if fv is not None:
                us = int((fv + "00000")[:6]) if len(fv) < 6 else int(fv[:6])
        if has_date:
            if gb is not None:
                month = MONTHS.get(m[gb][:3].capitalize())
                if month is None:
                    return None
            else:
                month = int(m[gM])
            day = int(m[gD])
            if has_year:
                yv = m[gY] if gY is not None else None
                if yv is not None:
                    year = int(yv)
                elif gy is not None and m[gy] is not None:
                    n = int(m[gy])
                    year = 2000 + n if n < 70 else 1900 + n
                else:  # bsd with an optional year that is absent
                    year = ctx.years.year_for(month, day)
            else:
                year = ctx.years.year_for(month, day)
            try:
                dt = datetime(year, month, day, h, mi, s, us, tzinfo=UTC)
            except ValueError:
                return None
        else:
            d = ctx.days.date_for(h, mi, s)
            ctx.used_day = True
            try:
                dt = datetime(d.year, d.month, d.day, h, mi, s, us, tzinfo=UTC)
            except ValueError:
                return None
        if has_zone:
            zv = m[gz] if gz is not None else None
            zn = m[gZ] if gZ is not None else None
            if zv is not None or zn is not None:
                try:
                    dt -= ctx.zone(zv, zn)
                except (OverflowError, ValueError):
                    return None
        return dt

    return build


def _epoch_builder() -> Callable:
    ge, gef = "e", "ef"

    def build(m, ctx) -> datetime | None:
        digits = m[ge]
        n = len(digits)
        v = int(digits)
        if n >= 18:
            secs, us = divmod(v, 1_000_000_000)
            us //= 1000
        elif n >= 15:
            secs, us = divmod(v, 1_000_000)
        elif n >= 12:
            secs, ms = divmod(v, 1000)
            us = ms * 1000
        else:
            secs, us = v, 0
            fv = m[gef]
            if fv is not None:
                us = int((fv + "00000")[:6])
        if not EPOCH_MIN <= secs <= EPOCH_MAX:
            return None
        return datetime.fromtimestamp(secs, UTC).replace(microsecond=us)

    return build


def _tai_builder() -> Callable:
    gt, gn = "t", "tn"

    def build(m, ctx) -> datetime | None:
        secs = int(m[gt], 16) - (1 << 62) - 10   # TAI64 label; TAI is 10 s ahead of UTC at 1970 (leap seconds ignored)
        if not EPOCH_MIN <= secs <= EPOCH_MAX:
            return None
        return datetime.fromtimestamp(secs, UTC).replace(microsecond=int(m[gn], 16) // 1000)

    return build


BUILDERS = {f.name: make_builder(f) for f in FORMS}


def parse_at(text: str, pos: int, ctx: TimeContext, forms=None) -> tuple[TimeForm, datetime, int] | None:
    """The form (in ``forms`` or all that can start with ``text[pos]``) reading the longest
    valid time at ``pos`` (``Tue May 14 10:22:33 2024`` over its yearless prefix):
    (form, datetime, end) or None."""
    if pos >= len(text):
        return None
    best = None
    for form in forms if forms is not None else forms_for(text[pos]):
        mt = form.regex.match(text, pos)
        if mt is not None and (best is None or mt.end() > best[2].end()):
            dt = BUILDERS[form.name](mt, ctx)
            if dt is not None:
                best = (form, dt, mt)
    return None if best is None else (best[0], best[1], best[2].end())


class LeadingTimestamp:
    """Finds a timestamp at the start of a line (optionally in ``[...]``), in any form.

    Remembers the form that matched last, so a file in one format costs one
    regex match per line. Used for lines outside a file's learned layout.
    """

    __slots__ = ("ctx", "_last")

    def __init__(self, ctx: TimeContext | YearResolver) -> None:
        self.ctx = ctx if isinstance(ctx, TimeContext) else TimeContext(ctx)
        self._last: TimeForm | None = None

    def parse(self, text: str, pos: int = 0) -> tuple[datetime | None, int]:
        """(timestamp, index just after it) or (None, pos)."""
        n = len(text)
        if pos >= n:
            return None, pos
        bracket = text[pos] == "["
        start = pos + 1 if bracket else pos
        if start >= n:
            return None, pos
        last = self._last
        if last is not None:
            got = self._try(last, text, start, bracket)
            if got is not None:
                return got
        best = None
        for form in forms_for(text[start]):
            if form is last:
                continue
            got = self._try(form, text, start, bracket)
            if got is not None and (best is None or got[1] > best[1][1]):
                best = (form, got)
        if best is not None:
            self._last = best[0]
            return best[1]
        return None, pos

    def _try(self, form: TimeForm, text: str, start: int, bracket: bool):
        m = form.regex.match(text, start)
        if m is None:
            return None
        end = m.end()
        if bracket:
            if end >= len(text) or text[end] != "]":
                return None
            end += 1
        dt = BUILDERS[form.name](m, self.ctx)
        if dt is None:
            return None
        return dt, end
