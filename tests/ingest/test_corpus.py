"""Every format in the corpus (tests/ingest/corpus) gets its expected event times, hosts and headers."""
from __future__ import annotations

import pytest

from brainstem.ingest import IngestReport, read_records

from .corpus import load, materialize, score

SAMPLES = load()


def _read(sample, tmp_path):
    path = materialize(sample, tmp_path)
    report = IngestReport()
    return list(read_records(path, report=report)), report


def test_the_corpus_covers_many_families():
    assert len(SAMPLES) >= 30
    assert len({s.family for s in SAMPLES}) >= 10
    assert {s.split for s in SAMPLES} <= {"dev", "heldout"}


def _params():
    for s in SAMPLES:
        # a "# known:" line names a miss the learner still makes; strict, so a fix is noticed
        marks = [pytest.mark.xfail(reason=s.meta["known"], strict=True)] if "known" in s.meta else []
        yield pytest.param(s, id=s.name, marks=marks)


@pytest.mark.parametrize("sample", list(_params()))
def test_format(sample, tmp_path):
    records, report = _read(sample, tmp_path)
    sc = score(sample, records)
    assert report.bad_lines == 0, report.bad
    assert not sc.missing, f"no event starts at lines {sc.missing}"
    assert not sc.wrong, "\n".join(f"line {ln}: {what}: expected {want!r}, got {got!r}" for ln, what, want, got in sc.wrong)
    assert sc.extra_records == 0, [r.line_no for r in records]
