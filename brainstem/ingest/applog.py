"""Line-oriented application logs: leading timestamp, level word, component, message.

Recognized shapes (each part optional, in this order)::

    TIMESTAMP  [sep]  [PID [TID]]  LEVEL  [[context]]  [-]  [Component[pid]: ]  MESSAGE
    TIMESTAMP|Component|PID|MESSAGE                                    (pipe-separated)
    TIMESTAMP, Level      Component    MESSAGE                          (CBS/Windows style)

Any line parses: without a timestamp the record has ``timestamp=None``.
"""
from __future__ import annotations

import re

from .levels import LETTER_LEVELS, LEVEL_WORDS
from .record import Record
from .timeforms import LeadingTimestamp, TimeContext
from .timestamps import MONTHS, YearResolver, make_dt

_SEP = re.compile(r"\s*[,|]\s*|\s+-\s+|\s+|:\s+")
_PIDS = re.compile(r"(\d{1,10})\s+(?:(\d{1,10})\s+)?")
_LEVEL = re.compile(
    r"\[?(EMERG(?:ENCY)?|PANIC|ALERT|CRIT(?:ICAL)?|FATAL|SEVERE|ERR(?:OR)?|WARN(?:ING)?"
    r"|NOTICE|INFO(?:RMATION(?:AL)?)?|DEBUG|TRACE|VERBOSE|FINE(?:R|ST)?)\]?(?![\w.(\[])[:,]?",
    re.IGNORECASE)
_LETTER = re.compile(r"([VDIWEFA]) ")
_CONTEXT = re.compile(r"\s*\[((?:[^\[\]]|\[[^\[\]]*\]){0,256})\]")
_DASH = re.compile(r"\s+-\s+|\s*")
_COMPONENT = re.compile(r"([A-Za-z_$][\w.$\-/#]{0,127})(?:\[(\d{1,10})\])?: ")
_WIDE_COMPONENT = re.compile(r" {2,}(\S{1,64}) {2,}")
_CONTEXT_COMPONENT = re.compile(r"(?:^|[:/])([A-Za-z_$][\w$.]{0,127})@\d+$")  # log4j %C@%L
# access logs (common/combined log format): the time is inside the line
_CLF_TIME = re.compile(r"\[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]")
_PIPE = re.compile(r"([^|\s]{1,128})\|(\d{1,10})\|")


class AppLogParser:
    name = "app"
    source_type = "app_log"

    __slots__ = ("timestamps",)

    def __init__(self, resolver: YearResolver | TimeContext) -> None:
        self.timestamps = LeadingTimestamp(resolver)

    def parse(self, text: str, path: str, line_no: int) -> Record:
        ts, pos = self.timestamps.parse(text)
        return self.parse_after(text, ts, pos, path, line_no)

    def parse_after(self, text: str, ts, pos: int, path: str, line_no: int) -> Record:
        """The header and message after a timestamp ``ts`` found ending at ``pos``
        (``ts`` None and ``pos`` 0: the line has none at its start)."""
        fields = {}
        service = pid = severity = None
        n = len(text)
        if ts is not None and pos < n:
            if text[pos] == "|":
                p = _PIPE.match(text, pos + 1)
                if p is not None:
                    return Record(ts, text[p.end():].strip(), text, "app_log", path, line_no,
                                  None, p[1], p[2], None, None, fields, {"format": "app"})
            s = _SEP.match(text, pos)
            if s is not None:
                pos = s.end()
        # PID [TID] before a level (HDFS "148 INFO", logcat "1702  2395 D")
        if pos < n and "0" <= text[pos] <= "9":
            p = _PIDS.match(text, pos)
            if p is not None:
                lv = _LEVEL.match(text, p.end())
                if lv is not None:
                    pid = p[1]
                    if p[2]:
                        fields["tid"] = p[2]
                    severity = LEVEL_WORDS[lv[1].upper()]
                    pos = lv.end()
                else:
                    lt = _LETTER.match(text, p.end())
                    if lt is not None:
                        pid = p[1]
                        if p[2]:
                            fields["tid"] = p[2]
                        severity = LETTER_LEVELS[lt[1]]
                        pos = lt.end() - 1
        if severity is None and pos < n:
            lv = _LEVEL.match(text, pos)
            # without a timestamp only "[error]" or "ERROR" is a header, not "Error connecting"
            if lv is not None and (ts is not None or text[pos] == "[" or lv[1].isupper()):
                severity = LEVEL_WORDS[lv[1].upper()]
                pos = lv.end()
        if severity is not None:
            w = _WIDE_COMPONENT.match(text, pos)
            if w is not None:
                service = w[1]
                pos = w.end()
            else:
                c = _CONTEXT.match(text, pos)
                if c is not None:
                    fields["context"] = c[1]
                    pos = c.end()
                    cc = _CONTEXT_COMPONENT.search(c[1])
                    if cc is not None:
                        service = cc[1]
                d = _DASH.match(text, pos)
                pos = d.end()
                comp = _COMPONENT.match(text, pos)
                if comp is not None and service is None:
                    service = comp[1]
                    if comp[2]:
                        pid = pid or comp[2]
                    pos = comp.end()
        if ts is None and "/" in text:
            a = _CLF_TIME.search(text, 0, 160)
            if a is not None:
                month = MONTHS.get(a[2])
                if month is not None:
                    ts = make_dt(int(a[3]), month, int(a[1]), int(a[4]), int(a[5]), int(a[6]), None, a[7])
                    if ts is not None:
                        fields["client"] = text[:text.find(" ")] if " " in text else text
        message = text[pos:].strip()
        return Record(ts, message, text, "app_log", path, line_no, None, service, pid,
                      severity, None, fields, {"format": "app"})
