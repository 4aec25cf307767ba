from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from brainstem.ingest import FORMATS, IngestError, IngestReport, expand_paths, iter_records, read_records
from brainstem.ingest.files import MAX_LINE_BYTES, MAX_MESSAGE_CHARS, PROGRESS_EVERY

from .conftest import REF, read, utc, write

SYSLOG = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8\n"
RFC5424 = '<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 [a@1 b="c"] msg\n'
APP = "2015-10-18 18:01:47,978 INFO [main] org.x.Y: hello\n"
JSONL = '{"ts": 1445144423, "msg": "hi"}\n'


# ---- paths ------------------------------------------------------------------

def test_expand_files_dirs_and_globs(tmp_path, monkeypatch):
    write(tmp_path / "d" / "b.log", "x\n")
    write(tmp_path / "d" / "a.log", "x\n")
    write(tmp_path / "d" / "sub" / "c.log.gz", gzip.compress(b"x\n"))
    write(tmp_path / "d" / ".hidden.log", "x\n")
    write(tmp_path / "d" / ".git" / "x.log", "x\n")
    write(tmp_path / "e" / "z.txt", "x\n")
    d = tmp_path / "d"
    assert expand_paths([str(d)]) == [d / "a.log", d / "b.log", d / "sub" / "c.log.gz"]
    assert expand_paths([str(tmp_path / "**" / "*.log")]) == [d / "a.log", d / "b.log"]
    assert expand_paths([str(tmp_path / "*" / "z.txt"), str(d / "b.log"), str(d)]) == [
        tmp_path / "e" / "z.txt", d / "b.log", d / "a.log", d / "sub" / "c.log.gz"]
    monkeypatch.chdir(tmp_path)
    assert expand_paths(["e"]) == [Path("e/z.txt")]
    assert expand_paths("e/z.txt") == [Path("e/z.txt")]


def test_expand_errors_name_the_path(tmp_path):
    with pytest.raises(IngestError, match="nope.log: no such file"):
        expand_paths([str(tmp_path / "nope.log")])
    with pytest.raises(IngestError, match=r"\*.missing: the pattern matched no files"):
        expand_paths([str(tmp_path / "*.missing")])
    with pytest.raises(IngestError, match="nope"):
        iter_records([str(tmp_path / "nope")], report=IngestReport())  # raised at the call


def test_unknown_format(tmp_path):
    p = write(tmp_path / "a.log", "x\n")
    with pytest.raises(IngestError, match="unknown format 'xml'"):
        read_records(p, fmt="xml", report=IngestReport())
    with pytest.raises(IngestError, match="unknown format"):
        iter_records([str(p)], fmt="xml", report=IngestReport())
    assert FORMATS == ("auto", "rfc3164", "rfc5424", "app", "json", "logfmt")


def test_read_records_missing_and_directory(tmp_path):
    with pytest.raises(IngestError, match="gone.log: cannot open"):
        read_records(tmp_path / "gone.log", report=IngestReport())
    with pytest.raises(IngestError, match="is a directory"):
        read_records(tmp_path, report=IngestReport())


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    p = write(tmp_path / "secret.log", "x\n")
    p.chmod(0)
    with pytest.raises(IngestError, match="secret.log: cannot open"):
        read_records(p, report=IngestReport())


def test_file_vanishing_before_its_turn_is_reported(tmp_path):
    a = write(tmp_path / "a.log", APP)
    b = write(tmp_path / "b.log", APP)
    report = IngestReport()
    it = iter_records([str(tmp_path)], report=report)
    first = next(it)
    b.unlink()
    rest = list(it)
    assert first.source_path == str(a) and rest == []
    assert report.bad == [(str(b), 0, f"{b}: cannot open: No such file or directory")]


# ---- gzip, detection, per-file state --------------------------------------

def test_gzip_by_magic_and_source_path(tmp_path):
    p = write(tmp_path / "syslog.2.gz", gzip.compress((SYSLOG * 3).encode()))
    q = write(tmp_path / "misnamed.log", gzip.compress(APP.encode()))
    recs, rep = read(p)
    assert len(recs) == 3 and all(r.source_path == str(p) for r in recs)
    assert [r.line_no for r in recs] == [1, 2, 3] and recs[0].service == "su"
    assert rep.bytes_read == p.stat().st_size and rep.lines_read == 3
    (r,), _ = read(q)
    assert r.service == "org.x.Y"


@pytest.mark.parametrize("content,fmt", [
    (SYSLOG, "rfc3164"), (RFC5424, "rfc5424"), (APP, "app"), (JSONL, "json"),
    ("Jun 14 15:16:01 combo sshd[1]: x\n", "rfc3164"),
])
def test_detection_per_file(tmp_path, content, fmt):
    p = write(tmp_path / "f.log", content * 5)
    recs, _ = read(p)
    assert {r.metadata["format"] for r in recs} == {fmt}


def test_detection_majority_and_override(tmp_path):
    # one syslog line among app lines: the file is an app log (no fallback flags); the syslog
    # line, which has no app timestamp, is an event of its own rather than a continuation
    p = write(tmp_path / "f.log", APP * 4 + SYSLOG)
    recs, rep = read(p)
    assert [r.metadata["format"] for r in recs] == ["app"] * 4 + ["rfc3164"] and rep.fallback_lines == 0
    recs, rep = read(p, fmt="rfc3164")
    assert [r.metadata.get("fallback") for r in recs] == ["app_log"] * 4 + [None]
    assert rep.fallback_lines == 4


def test_detection_sample_lines_are_all_yielded(tmp_path):
    p = write(tmp_path / "f.log", "".join(f"Oct 11 22:14:{i % 60:02d} h a: {i}\n" for i in range(200)))
    recs, rep = read(p)
    assert [r.message for r in recs] == [str(i) for i in range(200)]
    assert rep.lines_read == rep.records == 200


def test_iter_records_accumulates_and_detects_each_file(tmp_path):
    write(tmp_path / "a.log", SYSLOG * 2)
    write(tmp_path / "b.jsonl", JSONL * 3)
    write(tmp_path / "c.log.gz", gzip.compress(RFC5424.encode()))
    report = IngestReport()
    recs = list(iter_records([str(tmp_path)], report=report, reference_time=REF))
    assert [r.metadata["format"] for r in recs] == ["rfc3164"] * 2 + ["json"] * 3 + ["rfc5424"]
    assert report.files == [str(tmp_path / n) for n in ("a.log", "b.jsonl", "c.log.gz")]
    assert report.lines_read == 6 and report.records == 6 and report.bad_lines == 0
    assert report.bytes_read == sum(p.stat().st_size for p in tmp_path.iterdir())


def test_year_state_is_per_file(tmp_path):
    write(tmp_path / "a.log", "Dec 31 23:59:59 h a: x\nJan  1 00:00:01 h a: y\n")
    write(tmp_path / "b.log", "Dec 31 23:59:59 h a: x\n")
    recs = list(iter_records([str(tmp_path)], report=IngestReport(), reference_time=utc(2027, 1, 2)))
    assert [r.timestamp.year for r in recs] == [2026, 2027, 2026]


# ---- bad input ------------------------------------------------------------------

def test_empty_lines_crlf_and_line_numbers(tmp_path):
    p = write(tmp_path / "f.log", b"\r\n" + SYSLOG.replace("\n", "\r\n").encode() + b"\n   \n" + SYSLOG.encode())
    recs, rep = read(p)
    assert [r.line_no for r in recs] == [2, 5]
    assert not recs[0].raw.endswith("\r") and recs[0].message.endswith("/dev/pts/8")
    assert rep.lines_read == 5 and rep.bad_lines == 0


def test_invalid_utf8_keeps_the_rest(tmp_path):
    p = write(tmp_path / "f.log", b"Oct 11 22:14:15 h app: caf\xe9 ol\xff\xfe ok\n")
    (r,), rep = read(p)
    assert r.message == "caf\ufffd ol\ufffd\ufffd ok" and r.service == "app" and rep.bad_lines == 0


def test_binary_garbage_reported_with_position(tmp_path):
    garbage = bytes(b for b in range(256) if b != 10) * 2
    p = write(tmp_path / "f.log", SYSLOG.encode() + garbage + b"\n" + SYSLOG.encode()
              + b"\x00\x00\x00\x01\n" + APP.encode())
    recs, rep = read(p)
    assert [r.line_no for r in recs] == [1, 3, 5]
    assert rep.bad == [(str(p), 2, "binary or non-text data"), (str(p), 4, "binary or non-text data")]
    assert recs[-1].service == "org.x.Y" and recs[-1].metadata.get("fallback") == "app_log"
    assert rep.bad_lines == 2 and rep.lines_read == 5


def test_mostly_text_with_some_control_chars_is_kept(tmp_path):
    p = write(tmp_path / "f.log", b"Oct 11 22:14:15 h app: bell\x07 and esc\x1b[0m colour\n")
    (r,), rep = read(p)
    assert r.service == "app" and "\x07" in r.message and rep.bad_lines == 0


def test_garbage_only_file(tmp_path):
    p = write(tmp_path / "f.bin", os.urandom(0) + bytes([0, 1, 2, 3, 0xFF]) * 200 + b"\n" + b"\x00" * 50)
    recs, rep = read(p)
    assert recs == [] and rep.bad == [(str(p), 1, "binary or non-text data"), (str(p), 2, "binary or non-text data")]


def test_long_line_is_kept_truncated(tmp_path):
    body = "A" * (1024 * 1024)
    p = write(tmp_path / "f.log", SYSLOG + "Oct 11 22:14:15 h app: " + body + "\n" + SYSLOG)
    recs, rep = read(p)
    assert [r.line_no for r in recs] == [1, 2, 3]
    long = recs[1]
    assert long.service == "app" and long.metadata["truncated"] is True
    assert len(long.message) == MAX_MESSAGE_CHARS and len(long.raw) == MAX_MESSAGE_CHARS
    assert "truncated" not in recs[2].metadata and recs[2].service == "su"
    assert rep.truncated_lines == 1 and rep.bad_lines == 0


def test_line_longer_than_read_limit(tmp_path):
    p = write(tmp_path / "f.log", "x" * (MAX_LINE_BYTES * 2 + 10) + "\n" + APP)
    recs, rep = read(p)
    assert [r.line_no for r in recs] == [1, 2]
    assert recs[0].metadata["truncated"] is True and recs[1].message == "hello"


@pytest.mark.parametrize("chunk", [1, 3, 7, 64])
def test_lines_across_read_chunks_decode_as_line_by_line(tmp_path, monkeypatch, chunk):
    # every line straddles reads: a character split between two reads, CRLF split
    # between them, a bad byte, blank lines, a BOM, no newline at the end
    from brainstem.ingest import files
    monkeypatch.setattr(files, "READ_CHUNK", chunk)
    lines = [b"\xef\xbb\xbfOct 11 22:14:15 h a: caf\xc3\xa9 \xe2\x82\xac", b"", b"Oct 11 22:14:16 h a: bad \xff\xc3 byte\r",
             b"   ", b"Oct 11 22:14:17 h a: \xf0\x9f\x98\x80 last\r\r"]
    p = write(tmp_path / "f.log", b"\n".join(lines) + b"\nOct 11 22:14:18 h a: no newline")
    recs, rep = read(p)
    assert [(r.line_no, r.message) for r in recs] == [
        (1, "caf\u00e9 \u20ac"), (3, "bad \ufffd\ufffd byte"), (5, "\U0001f600 last"), (6, "no newline")]
    assert rep.lines_read == 6


def test_line_of_exactly_the_read_limit(tmp_path, monkeypatch):
    from brainstem.ingest import files
    monkeypatch.setattr(files, "READ_CHUNK", 1000)
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 4096)
    head = "2015-10-18 18:01:47,978 INFO [main] org.x.Y: "
    fits = head + "a" * (4095 - len(head))         # 4095 bytes and its newline: whole
    limit = head + "b" * (4096 - len(head))        # 4096 bytes: cut (nothing after the limit, but no room for the newline)
    p = write(tmp_path / "f.log", fits + "\n" + limit + "\n" + head + "c" * 9000 + "\n" + APP)
    recs, rep = read(p)
    assert [r.line_no for r in recs] == [1, 2, 3, 4]
    assert [len(r.raw) for r in recs[:3]] == [4095, 4096, 4096]
    assert ["truncated" in r.metadata for r in recs] == [False, True, True, False]
    assert recs[3].message == "hello" and rep.lines_read == 4


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    data = gzip.compress("".join(f"Oct 11 22:14:15 h a: line {i}\n" for i in range(20000)).encode())
    p = write(tmp_path / "cut.log.gz", data[: len(data) // 2])
    write(tmp_path / "next.log", APP)
    report = IngestReport()
    recs = list(iter_records([str(tmp_path)], report=report, reference_time=REF))
    cut = [r for r in recs if r.source_path == str(p)]
    assert len(cut) > 1000 and cut[-1].message.startswith("line ")
    assert [r.line_no for r in cut] == list(range(1, len(cut) + 1))
    assert recs[-1].source_path == str(tmp_path / "next.log")
    assert len(report.bad) == 1
    path, line_no, reason = report.bad[0]
    assert path == str(p) and line_no >= len(cut) and reason.startswith("read error after line")


def test_corrupt_gzip_header(tmp_path):
    p = write(tmp_path / "bad.gz", b"\x1f\x8b" + b"not really gzip" * 10)
    recs, rep = read(p)
    assert recs == [] and rep.bad_lines == 1 and rep.bad[0][:2] == (str(p), 1)


def test_report_caps_entries_but_counts_all(tmp_path):
    p = write(tmp_path / "f.bin", b"\x00\x01\x02\n" * 1500)
    recs, rep = read(p)
    assert recs == [] and rep.bad_lines == 1500 and len(rep.bad) == 1000
    assert rep.bad[-1][1] == 1000


# ---- progress -----------------------------------------------------------------

@pytest.mark.parametrize("compress", [False, True])
def test_progress_deltas_sum_to_file_size(tmp_path, compress):
    text = "".join(f"Oct 11 22:14:15 h a: line {i}\n" for i in range(PROGRESS_EVERY * 3 + 5)).encode()
    p = write(tmp_path / ("f.gz" if compress else "f.log"), gzip.compress(text) if compress else text)
    calls = []
    recs, _ = read(p, on_progress=calls.append)
    assert len(recs) == PROGRESS_EVERY * 3 + 5
    assert len(calls) >= 3 and all(n >= 0 for n in calls)
    assert sum(calls) == p.stat().st_size


@pytest.mark.parametrize("ext,compress", [("bz2", "bz2"), ("xz", "lzma")])
def test_bz2_and_xz(tmp_path, ext, compress):
    import bz2
    import lzma
    mod = {"bz2": bz2, "lzma": lzma}[compress]
    p = write(tmp_path / f"f.{ext}", mod.compress((SYSLOG * 2).encode()))
    recs, rep = read(p)
    assert [r.service for r in recs] == ["su", "su"] and rep.bytes_read == p.stat().st_size


def test_text_starting_like_bz2_is_text(tmp_path):
    # the 6-byte check (BZh + level digit + block magic) keeps ordinary text as text
    (r,), _ = read(write(tmp_path / "f.log", "BZh9 is a line of text\n"))
    assert r.message == "BZh9 is a line of text"
    # a file that looks compressed but is not: a read error at line 1, nothing else breaks
    p = write(tmp_path / "g.log", "BZh91AY&SY is not bzip2\n")
    recs, rep = read(p)
    assert recs == [] and rep.bad_lines == 1 and rep.bad[0][:2] == (str(p), 1)


def test_stopping_early_still_accounts(tmp_path):
    p = write(tmp_path / "f.log", SYSLOG * 100)
    report = IngestReport()
    it = read_records(p, report=report, reference_time=REF)
    first = [next(it) for _ in range(3)]
    it.close()
    assert len(first) == 3 and report.records == 3 and report.files == [str(p)]
    assert report.lines_read >= 3


def test_utf8_bom_first_line(tmp_path):
    p = write(tmp_path / "f.log", "\ufeff" + SYSLOG + SYSLOG)
    recs, rep = read(p)
    assert [r.metadata for r in recs] == [{"format": "rfc3164"}] * 2
    assert recs[0].raw == SYSLOG.rstrip("\n")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_file(tmp_path, encoding):
    text = (SYSLOG + "Oct 11 22:14:16 h app: caf\u00e9\r\n") * 3
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    p = write(tmp_path / "f.log", data)
    recs, rep = read(p)
    assert rep.bad_lines == 0 and len(recs) == 6
    assert [r.service for r in recs] == ["su", "app"] * 3 and recs[1].message == "caf\u00e9"
    assert [r.line_no for r in recs] == [1, 2, 3, 4, 5, 6]
