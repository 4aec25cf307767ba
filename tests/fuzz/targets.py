"""Fuzz targets: every parser of untrusted text, with what it may raise and good seed inputs.

Shared by the property tests (``tests/fuzz/test_fuzz.py``, small example counts
in ``make test``) and ``bench/fuzz.py`` (a million inputs per target). A target
takes one input (``str`` or ``bytes``) and either returns or raises one of its
documented error types; anything else is a crash.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

REF = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[Any], Any]
    allowed: tuple[type[BaseException], ...]
    seeds: tuple
    binary: bool = False
    edges: tuple = ()        # inputs at known edges: they may raise the documented error, nothing else


def _rfc3164(text: str):
    from brainstem.ingest.rfc3164 import Rfc3164Parser
    from brainstem.ingest.timestamps import YearResolver
    return Rfc3164Parser(YearResolver(REF)).parse(text, "fuzz", 1) if text else None


def _rfc5424(text: str):
    from brainstem.ingest.rfc5424 import Rfc5424Parser
    return Rfc5424Parser().parse(text, "fuzz", 1) if text else None


def _applog(text: str):
    from brainstem.ingest.applog import AppLogParser
    from brainstem.ingest.timestamps import YearResolver
    return AppLogParser(YearResolver(REF)).parse(text, "fuzz", 1) if text else None


def _timestamps(text: str):
    from brainstem.ingest.timestamps import LeadingTimestamp, YearResolver
    return LeadingTimestamp(YearResolver(REF)).parse(text, 0)


def _bad_line():
    from brainstem.ingest.base import BadLine   # RFC 5424 with a time past the calendar's edge
    return (BadLine,)


def _jsonl(text: str):
    from brainstem.ingest.jsonl import JsonParser
    return JsonParser().parse(text, "fuzz", 1) if text else None


def _frames(data: bytes):
    from brainstem.sources.framing import Framer
    f = Framer(max_bytes=4096)
    out = []
    for i in range(0, len(data), 61):
        out += f.feed(data[i:i + 61])
        assert f.buffered <= 2 * 4096 + 400
    return out + f.flush()


def _syslog_message(data: bytes):
    from brainstem.sources.syslog_decode import SyslogDecoder
    return SyslogDecoder("fuzz").decode(data, "192.0.2.1", REF.timestamp())


def _syslog_errors():
    from brainstem.sources.syslog_decode import RejectedFrame
    return (RejectedFrame,)


def _nodebrain(text: str):
    from brainstem.rules import check
    return check(text, "fuzz.nb")


def _nodebrain_errors():
    from brainstem.rules import RuleError
    return (RuleError,)


def _translator(text: str):
    """A translator (.nbx) given as untrusted text, run over a few log lines."""
    from brainstem.rules import check_translator
    return check_translator(text, ["Dec  1 10:00:00 fw1 sshd[1]: Failed password for root from 203.0.113.7 port 22",
                                   "user=bob action=login result=failure"], "fuzz.nbx")


def _translator_errors():
    from brainstem.rules import RuleError, TranslatorError
    return (TranslatorError, RuleError)


def _nodebrain_available() -> bool:
    try:
        from brainstem.rules import check  # noqa: F401
    except ImportError:
        return False
    return True


def targets() -> list[Target]:
    out = [
        Target("rfc3164", _rfc3164, (), (
            "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0",
            "2026-11-21T10:00:00.123+01:00 host prog[1]: msg",
            "Oct 11 22:14:15 host kernel: [  12.345678] usb 1-1: new device",
        )),
        Target("rfc5424", _rfc5424, _bad_line(), (
            '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
            '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event',
            "<34>1 2026-12-01T10:00:00+01:00 fw1 sshd 12 - - Failed password for root",
            "<13>1 - - - - - -",
        ), edges=("<13>1 9999-12-31T23:59:59-12:00 fw1 app - - - at the calendar's edge",
                  "<13>1 0001-01-01T00:00:00+12:00 fw1 app - - - before its start",
                  "<13>1 2024-02-30T10:00:00Z fw1 app - - - no such day")),
        Target("applog", _applog, (), (
            "2026-11-30 10:00:00,123 ERROR [main] com.example.Service - connection refused to db:5432",
            "[2026-11-30T10:00:00.123Z] WARN worker-3 queue depth 1200 above 1000",
            "1701341234.123 INFO tick",
            "I1130 10:00:00.123456   42 controller.go:117] synced",
        )),
        Target("timestamps", _timestamps, (), (
            "2026-11-30T10:00:00.123456+05:30 rest", "30/Nov/2026:10:00:00 +0000 x", "Nov 30 10:00:00 h",
            "20261130-10:00:00:123 x", "1701341234567 ms",
        )),
        Target("jsonl", _jsonl, (), (
            '{"timestamp": "2026-11-30T10:00:00Z", "host": "web1", "level": "error", "message": "boom"}',
            '{"@timestamp": 1701341234, "log": {"level": "warn"}, "msg": "slow", "host": {"name": "db1"}}',
            "[1, 2, 3]",
        )),
        Target("syslog_frames", _frames, (), (
            b"52 <34>1 2026-12-01T10:00:00Z fw1 sshd 12 - - Failed x\n<13>Dec  1 10:00:01 sw1 k: y\n",
            b"5 hello10 0123456789",
        ), binary=True),
        Target("syslog_message", _syslog_message, _syslog_errors(), (
            b"<34>1 2026-12-01T10:00:00Z fw1 sshd 12 - - Failed password for root",
            b"<13>Dec  1 10:00:01 sw1 kernel: link down", b"<13>su: no time", b"plain words",
        ), binary=True),
    ]
    if _nodebrain_available():
        out.append(Target("nodebrain", _nodebrain, _nodebrain_errors(), (
            "define sessions node cache:(~(10m):host[5],user);\n"
            "sessions. define many if(host__kidState);\n"
            "define feed if(service=\"sshd\" and message~\"Failed\") sessions(host,user);\n",
            "define a cell 1+2*(3-4);\ndefine r1 on(a>0 and ?b);\nassert b=2;\nshow a;\n",
            "define t on(~(h)):show x;\n",
        )))
        out.append(Target("translator", _translator, _translator_errors(), (
            "(Failed password for (\\S+) from (\\S+)):alert user=\"$[1]\",ip=\"$[2]\";\n",
            "(^(\\w+) (?'kind'ERROR|WARN) ){\n  (^disk (\\w+) full):alert dev=\"$[1]\",level=\"$[kind]\";\n"
            "  :alert text=\"$[=]\";\n  }\n",
            "(^link (\\w+) (\\w+))[$[2]]\"up\":assert state=\"up\",who=\"$[1]\";\n@(user=(\\w+)):assert u=\"$[1]\";\n",
        )))
    return out
