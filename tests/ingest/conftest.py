"""Helpers for ingest tests: write synthetic files into tmp_path and read them back."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from brainstem.ingest import IngestReport, Record, read_records

REF = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def write(path: Path, content: str | bytes, mtime: datetime | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    if mtime is not None:
        ts = mtime.timestamp()
        os.utime(path, (ts, ts))
    return path


def read(path: Path, **kw) -> tuple[list[Record], IngestReport]:
    report = kw.pop("report", None) or IngestReport()
    kw.setdefault("reference_time", REF)
    return list(read_records(path, report=report, **kw)), report


@pytest.fixture
def lines_file(tmp_path):
    """lines_file("a", "b", name=..., **read_kw) -> (records, report) of a file with those lines."""
    def make(*lines: str, name: str = "x.log", **kw):
        p = write(tmp_path / name, "".join(line + "\n" for line in lines))
        return read(p, **kw)
    return make
