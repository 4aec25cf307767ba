from __future__ import annotations

from hypothesis import given, strategies as st

from brainstem.ingest.rfc5424 import Rfc5424Parser, parse_sd

from .conftest import utc

EXAMPLE = ('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
           '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] '
           '\ufeffAn application event log entry...')


def test_rfc_example(lines_file):
    (r,), rep = lines_file(EXAMPLE)
    assert r.metadata == {"format": "rfc5424", "version": 1}
    assert r.timestamp == utc(2003, 10, 11, 22, 14, 15, 3000)
    assert (r.host, r.service, r.pid) == ("mymachine.example.com", "evntslog", None)
    assert (r.facility, r.severity) == ("local4", "notice")
    assert r.message == "An application event log entry..."  # BOM stripped
    assert r.structured_fields == {
        "exampleSDID@32473": {"iut": "3", "eventSource": "Application", "eventID": "1011"},
        "app_name": "evntslog", "msgid": "ID47"}
    assert r.source_type == "syslog" and rep.bad_lines == 0


def test_multiple_elements_and_escapes(lines_file):
    line = (r'<34>1 2026-03-01T10:00:00+02:00 h app 1234 - '
            r'[a@1 q="say \"hi\"" b="back\\slash" c="br\]acket" d="keep\n"][origin ip="10.0.0.1" ip="10.0.0.2"] m')
    (r,), _ = lines_file(line)
    assert r.timestamp == utc(2026, 3, 1, 8)
    assert r.pid == "1234" and r.structured_fields["procid"] == "1234"
    assert "msgid" not in r.structured_fields
    assert r.structured_fields["a@1"] == {"q": 'say "hi"', "b": "back\\slash", "c": "br]acket", "d": "keep\\n"}
    assert r.structured_fields["origin"] == {"ip": ["10.0.0.1", "10.0.0.2"]}
    assert r.message == "m"


def test_nil_values_and_no_message(lines_file):
    (r,), _ = lines_file("<14>1 - - - - - -")
    assert r.metadata["time_inherited"] and r.host is None and r.service is None and r.pid is None
    assert r.structured_fields == {} and r.message == ""
    assert (r.facility, r.severity) == ("user", "info")


def test_sd_nil_then_message(lines_file):
    (r,), _ = lines_file("<13>1 2026-01-01T00:00:00Z h a - - - hello [not sd]")
    assert r.message == "hello [not sd]" and r.structured_fields == {"app_name": "a"}


def test_malformed_sd_falls_back(lines_file):
    recs, rep = lines_file('<13>1 2026-01-01T00:00:00Z h a - - [x@1 k="unterminated] msg',
                           '<13>1 2026-01-01T00:00:00Z h a - - [x@1 k=noquote] msg', fmt="rfc5424")
    assert all(r.metadata.get("fallback") == "app_log" for r in recs)
    assert rep.fallback_lines == 2 and rep.bad_lines == 0


def test_mixed_syslog_flavours_in_one_file(lines_file):
    recs, _ = lines_file(EXAMPLE, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed", EXAMPLE)
    assert [r.metadata["format"] for r in recs] == ["rfc5424", "rfc3164", "rfc5424"]
    assert all("fallback" not in r.metadata for r in recs)


def test_invalid_version_and_pri(lines_file):
    recs, _ = lines_file("<13>0 2026-01-01T00:00:00Z h a - - - x", "<200>1 2026-01-01T00:00:00Z h a - - - x",
                         fmt="rfc5424")
    assert all(r.metadata.get("fallback") == "app_log" for r in recs)


_name = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters='= ]"'),
                min_size=1, max_size=10)


@given(st.lists(st.tuples(_name, st.dictionaries(_name, st.text(max_size=20), max_size=4)),
                min_size=1, max_size=3, unique_by=lambda t: t[0]))
def test_sd_escape_roundtrip(elements):
    text = ""
    for sd_id, params in elements:
        text += "[" + sd_id
        for k, v in params.items():
            esc = v.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")
            text += f' {k}="{esc}"'
        text += "]"
    parsed, end = parse_sd(text + " tail", 0)
    assert end == len(text)
    assert parsed == {sd_id: params for sd_id, params in elements}


def test_parser_is_stateless():
    p = Rfc5424Parser()
    a = p.parse(EXAMPLE, "f", 1)
    b = p.parse(EXAMPLE, "f", 2)
    assert a.structured_fields == b.structured_fields and a.structured_fields is not b.structured_fields


def test_timestamp_without_zone_is_utc(lines_file):
    (r,), _ = lines_file("<13>1 2026-01-01T10:00:00.5 h a - - - x")
    assert r.timestamp == utc(2026, 1, 1, 10, 0, 0, 500000) and r.metadata["format"] == "rfc5424"


def test_timestamp_at_the_calendar_edge_is_a_bad_line_not_an_abort(lines_file):
    # issue 7: the zone offset pushed these past datetime's range (OverflowError ended the ingest)
    recs, rep = lines_file("<34>1 2026-01-01T00:00:00Z h app - - - before",
                           "<34>1 9999-12-31T23:59:59-12:00 h app - - - past the end",
                           "<34>1 0001-01-01T00:00:00+12:00 h app - - - before the start",
                           "<34>1 2026-02-30T00:00:00Z h app - - - no such day",
                           "<34>1 2026-01-01T00:00:01Z h app - - - after", name="edge.log")
    assert [r.message for r in recs] == ["before", "after"]
    assert [(p.rsplit("/", 1)[-1], n) for p, n, _ in rep.bad] == [("edge.log", 2), ("edge.log", 3), ("edge.log", 4)]
    assert rep.bad_lines == 3 and all("timestamp out of range" in why for _, _, why in rep.bad)


def test_calendar_edge_single_line_raises_the_documented_error():
    import pytest
    from brainstem.ingest import BadLine
    with pytest.raises(BadLine, match="timestamp out of range"):
        Rfc5424Parser().parse("<34>1 9999-12-31T23:59:59-12:00 h app - - - x", "peer", 1)
    # the last representable instants still parse
    r = Rfc5424Parser().parse("<34>1 9999-12-31T23:59:59Z h app - - - x", "peer", 1)
    assert r.timestamp == utc(9999, 12, 31, 23, 59, 59)
