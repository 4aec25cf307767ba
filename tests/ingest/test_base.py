"""The same contract checks against every format parser (cf. river's check_estimator)."""
from __future__ import annotations

from datetime import timezone

import pytest
from hypothesis import given, settings, strategies as st

from brainstem.ingest.applog import AppLogParser
from brainstem.ingest.base import BadLine
from brainstem.ingest.jsonl import JsonParser
from brainstem.ingest.logfmt import LogfmtParser
from brainstem.ingest.timeforms import TimeContext
from brainstem.ingest.levels import FACILITY_NAMES, SEVERITY_NAMES
from brainstem.ingest.record import SOURCE_TYPES, Record
from brainstem.ingest.rfc3164 import Rfc3164Parser
from brainstem.ingest.rfc5424 import Rfc5424Parser
from brainstem.ingest.timestamps import YearResolver
from brainstem.models import SEVERITIES

from .conftest import REF

FACTORIES = {
    "rfc3164": lambda: Rfc3164Parser(YearResolver(REF)),
    "rfc5424": Rfc5424Parser,
    "app": lambda: AppLogParser(YearResolver(REF)),
    "json": JsonParser,
    "logfmt": lambda: LogfmtParser(TimeContext(YearResolver(REF))),
}

SAMPLES = [
    "<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
    '<165>1 2003-10-11T22:14:15.003Z h app - ID47 [a@1 b="c"] msg',
    "2015-10-18 18:01:47,978 INFO [main] org.x.Y: hello",
    '{"ts": 1445144423, "msg": "hi", "level": "warn"}',
    'time="2024-05-14T10:22:33Z" level=info msg="hi there" k=v',
    "[Sun Dec 04 04:47:44 2005] [notice] ok",
    "plain", "<", "<1", "<13>", "{", "[", "Oct", "2026-", "\ufeff", "\x00\x01",
]

line_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), min_size=1,
                    max_size=200).filter(lambda s: not s.isspace())


def _check_record(rec: Record, name: str, text: str) -> None:
    assert isinstance(rec, Record)
    assert rec.metadata["format"] == name
    assert rec.source_type in SOURCE_TYPES
    assert rec.raw == text and rec.line_no == 7 and rec.source_path == "p"
    assert rec.severity is None or rec.severity in SEVERITIES
    assert rec.facility is None or rec.facility in FACILITY_NAMES
    assert rec.timestamp is None or rec.timestamp.utcoffset() == timezone.utc.utcoffset(None)
    assert rec.message == rec.message.strip()
    assert isinstance(rec.structured_fields, dict)


def test_severity_vocabulary_matches_models():
    assert SEVERITY_NAMES == SEVERITIES


@pytest.mark.parametrize("name", FACTORIES)
def test_parser_contract_on_samples(name):
    parser = FACTORIES[name]()
    assert parser.name == name
    hits = 0
    for text in SAMPLES:
        rec = parser.parse(text, "p", 7)
        if rec is not None:
            hits += 1
            _check_record(rec, name, text)
    assert hits >= 1
    if name == "app":
        assert hits == len(SAMPLES)


@pytest.mark.parametrize("name", FACTORIES)
@settings(max_examples=300, deadline=None)
@given(text=line_text)
def test_parser_never_raises(name, text):
    try:
        rec = FACTORIES[name]().parse(text, "p", 7)
    except BadLine:  # the one documented error: this format, but not representable
        assert name != "app"
        return
    if rec is not None:
        _check_record(rec, name, text)
    elif name == "app":
        pytest.fail("the app parser accepts every line")


@pytest.mark.parametrize("name", ["rfc3164", "rfc5424"])
@settings(max_examples=300, deadline=None)
@given(pri=st.integers(0, 191), tail=line_text)
def test_syslog_prefixes_never_raise(name, pri, tail):
    for text in (f"<{pri}>Oct 11 22:14:15 {tail}", f"<{pri}>1 2026-01-01T00:00:00Z {tail}", f"<{pri}>{tail}",
                 f"<{pri}>1 9999-12-31T23:59:59-{tail[:5]} h a - - - x"):
        try:
            rec = FACTORIES[name]().parse(text, "p", 7)
        except BadLine:
            continue
        if rec is not None:
            _check_record(rec, name, text)


def _layout_parsers():
    from brainstem.ingest.layout import learn_layout

    from .corpus import load
    out = []
    for s in load("dev"):
        lines = [x for x in s.text.splitlines() if x.strip()]
        lay = learn_layout(lines, REF)
        if lay is not None:
            out.append((s.name, lay))
    return out


LAYOUTS = _layout_parsers()


@settings(max_examples=300, deadline=None)
@given(idx=st.integers(0, len(LAYOUTS) - 1), text=line_text, prefix=st.sampled_from(
    ["", "2024-05-14 10:22:33,123 ", "[2024-05-14T10:22:33.123] ", "May 14 10:22:33 ", "14-May-2024 10:22:33.123 ",
     "1715682153.123 ", "2024-02-30 10:22:33 INFO ", "9999-12-31T23:59:59-12:00 "]))
def test_learned_layouts_never_raise(idx, text, prefix):
    from brainstem.ingest.layoutparser import LayoutParser
    from brainstem.ingest.timeforms import TimeContext
    name, lay = LAYOUTS[idx]
    parser = LayoutParser(lay, TimeContext(YearResolver(REF)))
    line = prefix + text
    try:
        rec = parser.parse(line, "p", 7)
    except BadLine:
        return
    _check_record(rec, "app", line)
