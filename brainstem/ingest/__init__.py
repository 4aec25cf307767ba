"""brainstem.ingest: decode log files into :class:`Record` objects.

    report = IngestReport()
    for rec in iter_records(["/var/log/syslog*"], report=report):
        ...

Formats: RFC 3164 and RFC 5424 syslog, line-oriented app logs, JSON lines;
plain or gzip; files, directories and globs. See docs/ingest.md.
"""
from .base import BadLine
from .files import FORMATS, IngestError, expand_paths, iter_records, open_records, read_records
from .jsonl import JsonMapping
from .record import Record
from .report import IngestReport

__all__ = [
    "BadLine",
    "FORMATS",
    "IngestError",
    "IngestReport",
    "JsonMapping",
    "Record",
    "expand_paths",
    "iter_records",
    "open_records",
    "read_records",
]
