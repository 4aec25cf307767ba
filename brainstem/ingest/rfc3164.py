"""RFC 3164 (BSD syslog) lines, with or without ``<PRI>``, and the common variants.

Accepted headers (PRI optional everywhere)::

    <34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8
    Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; ...
    Oct 11 2024 22:14:15 host prog: msg               (year in the header)
    2026-11-21T10:00:00.123+01:00 host prog[1]: msg   (rsyslog high-precision)
    Oct 11 22:14:15 su: msg                           (no host: first token is a tag)
    Jun 19 04:09:11 combo syslogd 1.4.1: restart.     (program + version)
    Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2
    Oct 11 22:14:15 host kernel: [  12.345678] msg   (uptime -> structured_fields)
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from .levels import FACILITY_NAMES, SEVERITY_NAMES
from .record import Record
from .timestamps import MONTHS, UTC, YearResolver, make_dt

_BSD = re.compile(
    r"(?:<(\d{1,3})>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (?:(\d{4}) )?(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?:? +")
_ISO = re.compile(
    r"(?:<(\d{1,3})>)?(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?"
    r"(Z|[+-]\d\d:\d\d)? +")
# TAG: program (anything up to space, '[' or ':'), optional " <version>", optional [pid], ':'
_PRI_ONLY = re.compile(r"<(\d{1,3})>(?=[^\d\s])")  # "<13>su: msg" as sent by some devices: no timestamp
_TAG = re.compile(r"((?:-- )?[^\s\[\]:]+(?: v?\d[\w.\-]*)?)(?:\[([^\]\s]{0,32})\])?: ?")
_MAC_TAG = re.compile(r"([^\s\[\]:]+(?: [^\s\[\]:]+){0,3})\[(\d{1,10})\](?: \(((?:[^()]|\([^()]*\)){1,256})\))?: ?")
_PROG_MODULE = re.compile(r"([^()]+)\(([^()]+)\)")  # sshd(pam_unix)
_KERNEL_UPTIME = re.compile(r"\[ *(\d+\.\d+)\] ?")
_HOSTNAME = re.compile(r"[A-Za-z0-9][\w.\-]{0,254}|[0-9A-Fa-f:.]{2,45}")   # a name, IPv4 or IPv6
_LEVEL_TOKENS = frozenset(("INFO", "WARN", "WARNING", "ERROR", "DEBUG", "FATAL", "TRACE", "CRITICAL"))


# Fast path for the common shape "[<PRI>]Mmm dd hh:mm:ss host tag[pid]: msg": one regex.
# host may not end in ':' and tag may not start with a digit, so every line it
# accepts gets the same fields as the general path below.
_FAST = re.compile(
    r"(?:<(\d{1,3})>)?([A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d) (\S*[^\s:]) "
    r"([^\s\[\]:\d][^\s\[\]:]*)(?:\[([^\]\s]{0,32})\])?: ?(.*)", re.S)

_FAST_MATCH = _FAST.match
_new_object = object.__new__
_init_record = Record.__init__

_PRI_TABLE = {str(n): (FACILITY_NAMES[n >> 3], SEVERITY_NAMES[n & 7]) for n in range(192)}

# "00".."60" -> the offset into a minute (a leap second is clamped to :59, as make_dt does);
# anything else (other Unicode digits) goes the long way
_SECOND_DELTAS = tuple(timedelta(seconds=n) for n in range(60))
_SECONDS = {f"{n:02d}": _SECOND_DELTAS[min(n, 59)] for n in range(61)}


def decode_pri(pri: str) -> tuple[str, str] | None:
    """'34' -> ('auth', 'critical'); None when out of range (> 191) or zero-padded."""
    return _PRI_TABLE.get(pri)


class Rfc3164Parser:
    """Stateful per file: carries the year across lines (see YearResolver)."""

    name = "rfc3164"
    source_type = "syslog"

    __slots__ = ("resolver", "_ts_key", "_ts_val", "_day", "_minute_key", "_minute")

    def __init__(self, resolver: YearResolver) -> None:
        self.resolver = resolver
        self._ts_key = None
        self._ts_val = None
        self._day: tuple[str, int, int, int] | None = None   # ('Oct 11', year, month, day) of the last line
        self._minute_key: str | None = None   # 'Oct 11 22:14' of the last line: a minute of self._day
        self._minute: datetime | None = None  # ... and its start

    def parse(self, text: str, path: str, line_no: int) -> Record | None:
        f = _FAST_MATCH(text)
        if f is not None:
            pri, ts_text, host, tag, pid, message = f.groups()
            if pri is None:
                facility = severity = None
            else:
                fs = _PRI_TABLE.get(pri)
                if fs is None:
                    return None
                facility, severity = fs
            if ts_text == self._ts_key:
                ts = self._ts_val
                if ts is None:   # a time past the calendar, seen again: not syslog, as the first time
                    return None
            else:
                # the minute of the line before, with the resolver where that line left it
                # (see _bsd_text_ts): its start plus the seconds
                r = self.resolver
                last = self._day
                second = _SECONDS.get(ts_text[-2:]) if ts_text[:-3] == self._minute_key else None
                if second is not None and r.year == last[1] and r.last_month == last[2]:
                    ts = self._minute + second
                    self._ts_key = ts_text
                    self._ts_val = ts
                else:
                    ts = self._bsd_text_ts(ts_text)
                    if ts is None:
                        return None
            fields = {}
            if tag[-1] == ")":
                pm = _PROG_MODULE.fullmatch(tag)
                if pm is not None:
                    tag = pm[1]
                    fields["module"] = pm[2]
            elif tag == "kernel" and message[:1] == "[":
                k = _KERNEL_UPTIME.match(message)
                if k is not None:
                    fields["uptime"] = float(k[1])
                    message = message[k.end():]
            # Record's __init__ called directly runs in this interpreter loop; calling the class
            # would go through C and start another
            rec = _new_object(Record)
            _init_record(rec, ts, message.strip(), text, "syslog", path, line_no, host, tag, pid or None,
                         severity, facility, fields, {"format": "rfc3164"})
            return rec
        return self.parse_general(text, path, line_no)

    def parse_general(self, text: str, path: str, line_no: int) -> Record | None:
        """Every accepted shape; ``parse`` tries a one-regex fast path first."""
        c = text[0]
        if c == "<" or "A" <= c <= "Z":
            m = _BSD.match(text)
            if m is None:
                if c != "<":
                    return None
                m = _ISO.match(text)
                if m is None:
                    return self._no_timestamp(text, path, line_no)
                ts = self._iso_ts(m)
            else:
                ts = self._bsd_ts(m)
        elif "0" <= c <= "9":
            m = _ISO.match(text)
            if m is None:
                return None
            ts = self._iso_ts(m)
        else:
            return None
        if ts is None:
            return None
        pri = m[1]
        facility = severity = None
        if pri is not None:
            fs = decode_pri(pri)
            if fs is None:
                return None
            facility, severity = fs
        return self._body(text, m.end(), ts, path, line_no, facility, severity,
                          pri is not None, m.re is _ISO)

    def _no_timestamp(self, text, path, line_no):
        m = _PRI_ONLY.match(text)
        if m is None:
            return None
        fs = decode_pri(m[1])
        if fs is None:
            return None
        rec = self._body(text, m.end(), None, path, line_no, fs[0], fs[1], True, False)
        rec.metadata["no_timestamp"] = True
        return rec

    def _bsd_text_ts(self, ts_text: str):
        """'Oct 11 22:14:15' (day may be space-padded) -> datetime, cached for the next line."""
        # The same day as the line before, and the resolver (shared with other parsers)
        # still where that line left it: year_for would answer the same year and change
        # nothing, so it is not asked again.
        day_text = ts_text[:-9]
        r = self.resolver
        last = self._day
        if last is not None and last[0] == day_text and r.year == last[1] and r.last_month == last[2]:
            year, month, day = last[1], last[2], last[3]
        else:
            self._minute_key = None   # a minute belongs to self._day
            month = MONTHS.get(ts_text[:3])
            if month is None:
                return None
            day = int(day_text[4:])
            year = r.year_for(month, day)
            self._day = (day_text, year, month, day)
        ts = None   # a time past the calendar (Feb 30, 25:00, :61) is remembered too
        ss = int(ts_text[-2:])
        if ss <= 60:
            try:
                minute = datetime(year, month, day, int(ts_text[-8:-6]), int(ts_text[-5:-3]), tzinfo=UTC)
            except (ValueError, OverflowError):
                pass
            else:
                self._minute_key = ts_text[:-3]
                self._minute = minute
                ts = minute + _SECOND_DELTAS[min(ss, 59)]   # a leap second is clamped, as make_dt does
        self._ts_key = ts_text
        self._ts_val = ts
        return ts

    def _bsd_ts(self, m):
        # consecutive lines often share a second: reuse the datetime (and the year state)
        key = m.group(2, 3, 4, 5, 6, 7, 8)
        if key == self._ts_key:
            return self._ts_val
        month = MONTHS.get(m[2])
        if month is None:
            return None
        day = int(m[3])
        year = int(m[4]) if m[4] else self.resolver.year_for(month, day)
        ts = make_dt(year, month, day, int(m[5]), int(m[6]), int(m[7]), m[8])
        self._ts_key = key
        self._ts_val = ts
        return ts

    @staticmethod
    def _iso_ts(m):
        return make_dt(int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]), int(m[7]), m[8], m[9])

    def _body(self, text, pos, ts, path, line_no, facility, severity, has_pri, iso) -> Record | None:
        host = None
        t = _TAG.match(text, pos)
        if t is not None and text[t.end() - 1] != " " and t.end() < len(text):
            t = None  # "a:b host ..." : a host with a colon (IPv6), not a tag
        if t is None or (iso and not has_pri):
            # first token is the host (required for ISO lines without PRI, so an
            # app log "2026-01-01T10:00:00Z INFO x: y" is not read as syslog)
            sp = text.find(" ", pos)
            if sp < 0:
                if iso and not has_pri:
                    return None
                host = text[pos:] or None
                pos = len(text)
                t = None
            else:
                host = text[pos:sp]
                pos = sp + 1
                while pos < len(text) and text[pos] == " ":
                    pos += 1
                t = _TAG.match(text, pos)
                if t is None:   # macOS: "Google Chrome Helper[1234]:", "launchd[1] (com.apple.x[42]):"
                    t = _MAC_TAG.match(text, pos)
                if iso and not has_pri and (t is None or host.upper() in _LEVEL_TOKENS
                                            or _HOSTNAME.fullmatch(host) is None):
                    return None
        service = pid = None
        fields = {}
        if t is not None:
            service = t[1]
            pid = t[2] or None
            pos = t.end()
            if t.re is _MAC_TAG:
                if t[3]:
                    fields["detail"] = t[3]
            elif service[-1] == ")":
                pm = _PROG_MODULE.fullmatch(service)
                if pm is not None:
                    service = pm[1]
                    fields["module"] = pm[2]
            elif " " in service and service[:3] != "-- ":
                service, fields["version"] = service.split(" ", 1)
            if service == "kernel" and pos < len(text) and text[pos] == "[":
                k = _KERNEL_UPTIME.match(text, pos)
                if k is not None:
                    fields["uptime"] = float(k[1])
                    pos = k.end()
        message = text[pos:].strip()
        return Record(ts, message, text, "syslog", path, line_no, host, service, pid,
                      severity, facility, fields, {"format": "rfc3164"})
