"""A corpus of log formats with the timestamp and host each event should get.

Each ``*.log`` file here is one format, written for this project from the
format's public documentation (no third-party log file is copied). A file
starts with ``#`` lines, then a line ``---``, then the log itself::

    # name: nginx-error
    # family: web server
    # split: dev                  (dev: formats the learner was built with; heldout: written after it was frozen)
    # source: where the format is documented
    # file: error.log             (the name the log is read under: some formats put the date there)
    # mtime: 2024-05-14T12:00:00Z (the file's modification time: years and dates without one come from it)
    # 1 | 2024-05-14T10:22:33Z | host | service | severity | message starts with
    ---
    2024/05/14 10:22:33 [error] ...

An expectation line names the physical line an event starts at, its time
(any ISO 8601 form, ``file`` for the file's mtime), and optionally its host,
service, severity and the start of its message; ``-`` means none, ``*`` or
nothing means not checked. Lines not named are expected to be joined to the
event before them. ``bench/timestamps.py`` and ``tests/ingest/test_corpus.py``
read the corpus through this module.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
ANY = object()


@dataclass
class Expected:
    line: int
    time: datetime | str
    host: object = ANY
    service: object = ANY
    severity: object = ANY
    message: object = ANY


@dataclass
class Sample:
    name: str
    family: str
    split: str
    source: str
    file_name: str
    mtime: datetime
    expected: list[Expected]
    text: str
    path: Path
    meta: dict = field(default_factory=dict)


def _value(v: str):
    v = v.strip()
    if v in ("", "*"):
        return ANY
    if v == "-":
        return None
    return v


def _time(v: str, path: Path) -> datetime | str:
    v = v.strip()
    if v == "file":
        return "file"
    dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"{path}: expected time {v!r} needs a zone (Z or an offset)")
    return dt.astimezone(timezone.utc)


def parse_sample(path: Path) -> Sample:
    raw = path.read_text(encoding="utf-8")
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        raise ValueError(f"{path}: no '---' line between the description and the log")
    meta: dict[str, str] = {}
    expected = []
    for n, line in enumerate(head.splitlines(), 1):
        if not line.startswith("#"):
            raise ValueError(f"{path}:{n}: description lines start with '#'")
        text = line[1:].strip()
        if text[:1].isdigit():
            parts = text.split(" | ")
            if len(parts) < 2:
                raise ValueError(f"{path}:{n}: expected 'LINE | TIME [| host | service | severity | message]'")
            vals = [_value(p) for p in parts[2:]] + [ANY] * (6 - len(parts))
            expected.append(Expected(int(parts[0]), _time(parts[1], path), *vals[:4]))
        elif ":" in text:
            k, v = text.split(":", 1)
            meta[k.strip()] = v.strip()
    for key in ("name", "family", "split", "source", "mtime"):
        if key not in meta:
            raise ValueError(f"{path}: missing '# {key}:'")
    if meta["split"] not in ("dev", "heldout"):
        raise ValueError(f"{path}: split must be dev or heldout")
    return Sample(meta["name"], meta["family"], meta["split"], meta["source"], meta.get("file", path.name),
                  _time(meta["mtime"], path), expected, body, path, meta)


def load(split: str | None = None) -> list[Sample]:
    out = [parse_sample(p) for p in sorted(CORPUS_DIR.glob("*.log"))]
    return [s for s in out if split is None or s.split == split]


def materialize(sample: Sample, directory: Path) -> Path:
    """The sample's log written under its file name, with its mtime."""
    directory.mkdir(parents=True, exist_ok=True)
    p = directory / sample.file_name
    p.write_text(sample.text, encoding="utf-8")
    ts = sample.mtime.timestamp()
    os.utime(p, (ts, ts))
    return p


@dataclass
class Score:
    events: int = 0
    time_ok: int = 0
    host_ok: int = 0
    header_checks: int = 0
    header_ok: int = 0
    extra_records: int = 0          # records starting at a line the corpus expects to be joined
    missing: list = field(default_factory=list)
    wrong: list = field(default_factory=list)   # (line, what, expected, got)


def score(sample: Sample, records) -> Score:
    by_line = {r.line_no: r for r in records}
    expected_lines = {e.line for e in sample.expected}
    sc = Score(events=len(sample.expected))
    sc.extra_records = sum(1 for ln in by_line if ln not in expected_lines)
    for e in sample.expected:
        r = by_line.get(e.line)
        if r is None:
            sc.missing.append(e.line)
            continue
        want = sample.mtime if e.time == "file" else e.time
        if r.timestamp == want:
            sc.time_ok += 1
        else:
            sc.wrong.append((e.line, "time", want, r.timestamp))
        if e.host is ANY or r.host == e.host:
            sc.host_ok += 1
        else:
            sc.wrong.append((e.line, "host", e.host, r.host))
        for what, want_v, got in (("service", e.service, r.service), ("severity", e.severity, r.severity)):
            if want_v is ANY:
                continue
            sc.header_checks += 1
            if got == want_v:
                sc.header_ok += 1
            else:
                sc.wrong.append((e.line, what, want_v, got))
        if e.message is not ANY:
            sc.header_checks += 1
            if r.message.startswith(e.message):
                sc.header_ok += 1
            else:
                sc.wrong.append((e.line, "message", e.message, r.message[:len(e.message) + 20]))
    return sc
