from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from brainstem.ingest.rfc3164 import Rfc3164Parser, decode_pri
from brainstem.ingest.timestamps import YearResolver

from .conftest import REF, read, utc, write


@pytest.mark.parametrize("pri,facility,severity", [
    ("0", "kern", "emergency"), ("34", "auth", "critical"), ("165", "local4", "notice"),
    ("13", "user", "notice"), ("86", "authpriv", "info"), ("191", "local7", "debug"),
    ("78", "cron", "info"), ("22", "mail", "info"),
])
def test_decode_pri(pri, facility, severity):
    assert decode_pri(pri) == (facility, severity)


@pytest.mark.parametrize("pri", ["192", "999", "034"])
def test_decode_pri_rejects_out_of_range(pri):
    assert decode_pri(pri) is None


def test_rfc3164_example_with_pri(lines_file):
    (r,), rep = lines_file("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
                           fmt="rfc3164")
    assert r.timestamp == utc(2025, 10, 11, 22, 14, 15)  # Oct 2026 is > a month after REF (Jun 2026)
    assert (r.host, r.service, r.pid) == ("mymachine", "su", None)
    assert (r.facility, r.severity) == ("auth", "critical")
    assert r.message == "'su root' failed for lonvick on /dev/pts/8"
    assert r.source_type == "syslog" and r.metadata["format"] == "rfc3164"
    assert r.line_no == 1 and r.raw.startswith("<34>Oct")
    assert rep.bad_lines == 0 and rep.lines_read == 1


def test_pam_style_tag_and_pid(lines_file):
    (r,), _ = lines_file("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 ")
    assert r.timestamp == utc(2026, 6, 14, 15, 16, 1)
    assert (r.host, r.service, r.pid) == ("combo", "sshd", "19939")
    assert r.structured_fields == {"module": "pam_unix"}
    assert r.message == "authentication failure; logname= uid=0"
    assert r.facility is None and r.severity is None


def test_iso_timestamp_variant_converts_to_utc(lines_file):
    (r,), _ = lines_file("2026-11-21T10:00:00.250+01:00 host prog[1]: msg here")
    assert r.timestamp == utc(2026, 11, 21, 9, 0, 0, 250000)
    assert (r.host, r.service, r.pid, r.message) == ("host", "prog", "1", "msg here")
    assert r.metadata["format"] == "rfc3164"


def test_iso_app_line_is_not_syslog(lines_file):
    (r,), _ = lines_file("2026-01-01T10:00:00Z INFO worker: started", fmt="rfc3164")
    assert r.metadata == {"format": "app", "fallback": "app_log"}
    assert r.severity == "info" and r.service == "worker" and r.message == "started"


def test_missing_host(lines_file):
    (r,), _ = lines_file("Oct 11 22:14:15 su: msg text", fmt="rfc3164")
    assert r.host is None and r.service == "su" and r.message == "msg text"
    (r,), _ = lines_file("<13>Oct 11 22:14:15 CRON[42]: (root) CMD (true)", fmt="rfc3164")
    assert r.host is None and r.service == "CRON" and r.pid == "42"


def test_host_without_tag(lines_file):
    (r,), _ = lines_file("Oct 11 22:14:15 gw1 link down on eth0", fmt="rfc3164")
    assert (r.host, r.service, r.message) == ("gw1", None, "link down on eth0")


def test_kernel_uptime(lines_file):
    (r,), _ = lines_file("Oct 11 22:14:15 box kernel: [   12.345678] usb 1-1: new device")
    assert r.service == "kernel" and r.structured_fields == {"uptime": 12.345678}
    assert r.message == "usb 1-1: new device"


def test_program_with_version_and_login_ident(lines_file):
    recs, _ = lines_file("Jun 19 04:09:11 combo syslogd 1.4.1: restart.",
                         "Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2")
    assert (recs[0].service, recs[0].structured_fields, recs[0].message) == ("syslogd", {"version": "1.4.1"}, "restart.")
    assert (recs[1].host, recs[1].service, recs[1].pid, recs[1].message) == ("combo", "-- root", "2421", "ROOT LOGIN ON tty2")
    assert recs[1].timestamp == utc(2025, 7, 7, 8, 6, 15)  # July is after the June reference: last year


def test_year_in_header_and_fraction(lines_file):
    (r,), _ = lines_file("Oct 11 2019 22:14:15.5 host app: x")
    assert r.timestamp == utc(2019, 10, 11, 22, 14, 15, 500000)


def test_year_from_file_mtime(tmp_path):
    p = write(tmp_path / "m.log", "Dec 30 23:59:59 h a: x\nJan  1 00:00:01 h a: y\n", mtime=utc(2026, 1, 5))
    recs, _ = read(p, reference_time=None)
    assert [r.timestamp for r in recs] == [utc(2025, 12, 30, 23, 59, 59), utc(2026, 1, 1, 0, 0, 1)]
    write(p, p.read_bytes(), mtime=utc(2021, 1, 5))
    recs, _ = read(p, reference_time=None)
    assert [r.timestamp.year for r in recs] == [2020, 2021]


def test_year_rollover_sequential(lines_file):
    # reference long after the content: the first line takes the reference year; Dec -> Jan increments
    recs, _ = lines_file("Nov 30 10:00:00 h a: 1", "Dec 31 23:59:59 h a: 2", "Jan  1 00:00:00 h a: 3",
                         "Feb  1 00:00:00 h a: 4", reference_time=utc(2031, 12, 31))
    assert [r.timestamp.year for r in recs] == [2031, 2031, 2032, 2032]


def test_future_date_belongs_to_previous_year(lines_file):
    # issue 12: "Dec 10" read on 1 December is last year's, not nine days ahead
    (r,), _ = lines_file("Dec 10 06:55:46 LabSZ sshd[24200]: x", reference_time=utc(2026, 12, 1, 9))
    assert r.timestamp == utc(2025, 12, 10, 6, 55, 46)
    # within the two-day tolerance (a local time read as UTC runs ahead of the mtime): this year
    recs, _ = lines_file("Jul  2 08:00:00 h a: a day and a bit ahead", reference_time=utc(2026, 6, 30, 20))
    assert recs[0].timestamp.year == 2026
    recs, _ = lines_file("Jul  3 10:00:00 h a: beyond the tolerance", reference_time=utc(2026, 6, 30, 20))
    assert recs[0].timestamp.year == 2025


def test_reference_is_the_mtime_unless_it_is_in_the_future(tmp_path):
    from brainstem.ingest.timestamps import reference_for
    now = utc(2026, 12, 1, 9)
    assert reference_for(utc(2026, 11, 30).timestamp(), now) == utc(2026, 11, 30)   # a rotated file
    assert reference_for(utc(2027, 3, 1).timestamp(), now) == now                   # a skewed mtime
    # a file written now ("live") with a December line from last year's rotation-less log
    p = write(tmp_path / "live.log", "Nov 29 23:00:00 h a: x\nDec  1 08:59:00 h a: y\n")
    recs, _ = read(p, reference_time=None)
    this_year = datetime.now(timezone.utc).year
    assert all(r.timestamp <= datetime.now(timezone.utc) + timedelta(days=2) for r in recs)
    assert {r.timestamp.year for r in recs} <= {this_year, this_year - 1}


def test_december_straggler_after_january(lines_file):
    recs, _ = lines_file("Jan  1 00:00:01 h a: 1", "Dec 31 23:59:59 h a: late", "Jan  1 00:00:02 h a: 2",
                         reference_time=utc(2027, 1, 2))
    assert [r.timestamp for r in recs] == [utc(2027, 1, 1, 0, 0, 1), utc(2026, 12, 31, 23, 59, 59),
                                           utc(2027, 1, 1, 0, 0, 2)]


def test_feb_29_yearless(lines_file):
    (r,), _ = lines_file("Feb 29 10:00:00 h a: leap", reference_time=utc(2028, 3, 1))
    assert r.timestamp == utc(2028, 2, 29, 10)
    (r,), _ = lines_file("Feb 29 10:00:00 h a: the last leap year", reference_time=utc(2027, 3, 1))
    assert r.timestamp == utc(2024, 2, 29, 10)


def test_invalid_date_falls_back(lines_file):
    (r,), rep = lines_file("Feb 31 10:00:00 h a: no such day", fmt="rfc3164")
    assert r.metadata.get("fallback") == "app_log" and rep.bad_lines == 0


@pytest.mark.parametrize("stamp", ["Feb 30 10:00:00", "Feb 28 25:00:00", "Feb 28 10:61:00", "Feb 28 10:00:61"])
def test_an_impossible_time_falls_back_every_time_it_appears(lines_file, stamp):
    # the parser remembers the last time it read; a repeat of an impossible one must not be
    # taken for a syslog line without a time (which would inherit the event before it)
    lines = ["Feb 28 09:00:00 h a: before", f"{stamp} h a: x", f"{stamp} h a: y", f"{stamp} h a: x"]
    before, *recs = lines_file(*lines, fmt="rfc3164")[0]
    assert before.metadata == {"format": "rfc3164"}
    first, other, again = recs
    assert first.source_type == "app_log" and first.metadata["fallback"] == "app_log"

    def shape(r):
        return r.timestamp, r.source_type, r.host, r.service, r.message.replace(": y", ": x"), r.metadata
    assert shape(other) == shape(first) and shape(again) == shape(first)


def test_bad_pri_falls_back(lines_file):
    recs, rep = lines_file("<999>Oct 11 22:14:15 h a: x", "<13>Oct 11 22:14:15 h a: y", fmt="rfc3164")
    assert recs[0].metadata["fallback"] == "app_log" and recs[0].message == "<999>Oct 11 22:14:15 h a: x"
    assert recs[1].metadata == {"format": "rfc3164"} and recs[1].severity == "notice"
    assert rep.fallback_lines == 1


@pytest.mark.parametrize("name", ["Linux", "OpenSSH"])
def test_loghub_syslog_files(loghub_dir, name):
    path = loghub_dir / name / f"{name}_2k.log"
    recs, rep = read(path, reference_time=utc(2006, 1, 1) if name == "Linux" else utc(2007, 1, 1))
    assert len(recs) == 2000 and rep.bad_lines == 0 and rep.fallback_lines == 0
    assert all(r.metadata["format"] == "rfc3164" for r in recs)
    assert all(r.host and r.service and r.timestamp for r in recs)
    with open(f"{path}_structured_corrected.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r, row in zip(recs, rows):
        assert " ".join(r.message.split()) == " ".join(row["Content"].split()), r.line_no
        if row.get("PID"):
            assert r.pid == str(int(float(row["PID"])))
    # timestamps never go backwards by more than a day in these files (rollover handled)
    assert all((b.timestamp - a.timestamp).days >= -1 for a, b in zip(recs, recs[1:]))


def test_pri_without_timestamp(lines_file):
    (r, s), _ = lines_file("<13>su: hello", "<86>host sshd[9]: x", fmt="rfc3164")
    assert r.metadata == {"format": "rfc3164", "no_timestamp": True, "time_inherited": True}
    assert (r.host, r.service, r.facility, r.severity, r.message) == (None, "su", "user", "notice", "hello")
    assert (s.host, s.service, s.pid, s.facility, s.severity) == ("host", "sshd", "9", "authpriv", "info")


_host = st.sampled_from(["h", "combo", "10.0.0.1", "my-host.example.com", "::1", "a:b", "su:", "x]"])
_tag = st.sampled_from(["su", "sshd", "sshd(pam_unix)", "CRON", "kernel", "postfix/smtpd", "1x", "-- root",
                        "syslogd 1.4.1", "a(b", "gdm-binary", "rpc.statd", ""])
_pid = st.sampled_from(["", "[1]", "[19939]", "[]", "[a b]"])
_msg = st.sampled_from(["", "x", " two  spaces ", "[  12.5] up", "[12] x", "a: b", "k=v [x]"])


@settings(max_examples=400, deadline=None)
@given(pri=st.sampled_from(["", "<0>", "<34>", "<191>", "<192>", "<034>"]),
       day=st.sampled_from(["Oct 11", "Jun  1", "Feb 29", "Dec 31", "Jan 1"]),
       host=_host, sep=st.sampled_from([" ", "  "]), tag=_tag, pid=_pid, colon=st.sampled_from([": ", ":", " "]),
       msg=_msg)
def test_fast_path_agrees_with_general_path(pri, day, host, sep, tag, pid, colon, msg):
    line = f"{pri}{day} 22:14:15 {host}{sep}{tag}{pid}{colon}{msg}"
    fast = Rfc3164Parser(YearResolver(REF)).parse(line, "p", 1)
    general = Rfc3164Parser(YearResolver(REF)).parse_general(line, "p", 1)
    assert fast == general


def test_a_day_seen_again_after_the_shared_year_resolver_moved_is_resolved_again():
    # the parser skips asking the resolver for the day of the line before, which is only
    # right while nobody else (another parser of the same file) has moved the resolver
    resolver = YearResolver(datetime(2026, 6, 1, tzinfo=timezone.utc))
    parser = Rfc3164Parser(resolver)
    first = parser.parse("Dec 31 23:59:58 h app: before midnight", "f", 1)
    same_day = parser.parse("Dec 31 23:59:59 h app: a second later", "f", 2)
    assert (first.timestamp.year, same_day.timestamp.year) == (2025, 2025)
    assert same_day.timestamp - first.timestamp == timedelta(seconds=1)
    assert resolver.year_for(1, 1) == 2026          # another parser read a January line
    back = parser.parse("Dec 31 23:59:57 h app: late again", "f", 3)
    assert back.timestamp.year == 2025 and resolver.year == 2025 and resolver.last_month == 12
    jan = parser.parse("Jan  1 00:00:01 h app: new year", "f", 4)
    assert jan.timestamp == datetime(2026, 1, 1, 0, 0, 1, tzinfo=timezone.utc)
