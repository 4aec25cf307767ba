"""parse(format(x)) == x for the syslog formats, and a bad line never costs a good one."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from brainstem.ingest import IngestReport, read_records
from brainstem.ingest.levels import FACILITY_NAMES, SEVERITY_NAMES
from brainstem.ingest.rfc3164 import Rfc3164Parser
from brainstem.ingest.rfc5424 import Rfc5424Parser
from brainstem.ingest.timestamps import YearResolver

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._", min_size=1, max_size=24).filter(
    lambda s: s[0].isalnum() and not s.isdigit())
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=/.,;()", min_size=1,
               max_size=12)
MESSAGE = st.lists(WORD, min_size=1, max_size=12).map(" ".join)
TIMES = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(tzinfo=timezone.utc, microsecond=d.microsecond // 1000 * 1000))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def _sd_value(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


@SETTINGS
@given(TIMES, st.integers(0, 191), NAME, NAME, st.integers(1, 99999), MESSAGE,
       st.dictionaries(st.sampled_from(["iut", "eventSource", "eventID", "zone"]),
                       st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20),
                       max_size=3))
def test_rfc5424_round_trips(ts, pri, host, app, pid, msg, sd):
    sd_text = ("[ex@32473 " + " ".join(f'{k}="{_sd_value(v)}"' for k, v in sd.items()) + "]") if sd else "-"
    line = f"<{pri}>1 {ts.isoformat().replace('+00:00', 'Z')} {host} {app} {pid} ID47 {sd_text} {msg}"
    rec = Rfc5424Parser().parse(line, "x", 1)
    assert rec is not None, line
    assert rec.timestamp == ts
    assert (rec.host, rec.service, rec.pid, rec.message) == (host, app, str(pid), msg)
    assert rec.severity == SEVERITY_NAMES[pri & 7] and rec.facility == FACILITY_NAMES[pri >> 3]
    if sd:
        assert rec.structured_fields["ex@32473"] == sd


@SETTINGS
@given(TIMES, st.integers(0, 191), NAME, NAME.filter(lambda s: not s[0].isdigit()), st.integers(1, 99999), MESSAGE)
def test_rfc3164_round_trips(ts, pri, host, tag, pid, msg):
    ts = ts.replace(microsecond=0)
    line = f"<{pri}>{MONTHS[ts.month - 1]} {ts.day:2d} {ts:%H:%M:%S} {host} {tag}[{pid}]: {msg}"
    rec = Rfc3164Parser(YearResolver(ts + timedelta(hours=1))).parse(line, "x", 1)
    assert rec is not None, line
    assert rec.timestamp == ts
    assert (rec.host, rec.service, rec.pid, rec.message) == (host, tag, str(pid), msg)


MAGIC = (b"\xff\xfe", b"\xfe\xff", b"\x1f\x8b", b"BZ", b"\xfd7")
JUNK = st.one_of(
    st.binary(min_size=1, max_size=200).filter(lambda b: b"\n" not in b),
    st.text(max_size=200).filter(lambda s: "\n" not in s and "\r" not in s).map(lambda s: s.encode("utf-8", "replace")),
    st.sampled_from([b"<13>1 9999-12-31T23:59:59-12:00 h a - - - edge", b"\x00" * 50, b"{\"timestamp\": [1e999]}",
                     b"<999>Oct 11 22:14:15 h p: bad pri", b"\xff\xfe\x00\x00"]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.lists(st.one_of(st.integers(0, 10**6).map(lambda i: ("good", i)), JUNK.map(lambda j: ("junk", j))),
                min_size=1, max_size=40))
def test_a_bad_line_never_costs_a_good_one(tmp_path_factory, lines):
    while lines and lines[0][0] == "junk" and lines[0][1][:2] in MAGIC:
        lines = lines[1:]      # a file that starts with a BOM or a compression magic is read as that, by design
    path = tmp_path_factory.mktemp("fz") / "mixed.log"
    good = []
    with open(path, "wb") as fh:
        for kind, v in lines:
            if kind == "good":
                msg = f"request {v} served"
                good.append(msg)
                fh.write(f"Nov 30 10:{v // 60 % 60:02d}:{v % 60:02d} web1 app[7]: {msg}\n".encode())
            else:
                fh.write(v + b"\n")
    report = IngestReport()
    recs = list(read_records(path, report=report, reference_time=datetime(2026, 12, 1, tzinfo=timezone.utc)))
    # each good line is a record of its own (its fields may differ when junk outnumbers it and
    # the file's format is taken for an app log, but it is never lost or merged)
    raws = [r.raw for r in recs]
    for g in good:
        assert sum(1 for r in raws if g in r) >= good.count(g), (g, raws)
