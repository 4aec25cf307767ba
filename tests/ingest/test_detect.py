from __future__ import annotations

from brainstem.ingest.detect import detect_format

SYSLOG = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed"
RFC5424 = '<165>1 2003-10-11T22:14:15.003Z h app - ID47 [a@1 b="c"] msg'
APP = "2015-10-18 18:01:47,978 INFO [main] org.x.Y: hello"
JSON = '{"msg": "x"}'


def test_detect_each_format():
    assert detect_format([SYSLOG] * 3) == "rfc3164"
    assert detect_format([RFC5424] * 3) == "rfc5424"
    assert detect_format([APP] * 3) == "app"
    assert detect_format([JSON] * 3) == "json"
    assert detect_format([]) == "app"


def test_detect_needs_half_the_sample():
    assert detect_format([SYSLOG, SYSLOG, APP, APP]) == "rfc3164"
    assert detect_format([SYSLOG, APP, APP, APP]) == "app"
    assert detect_format([RFC5424, RFC5424, SYSLOG]) == "rfc5424"
