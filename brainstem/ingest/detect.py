"""Which format a file is in, from a sample of its first non-empty lines."""
from __future__ import annotations

from datetime import datetime, timezone

from .base import BadLine
from .jsonl import JsonParser
from .logfmt import LogfmtParser
from .rfc3164 import Rfc3164Parser
from .rfc5424 import Rfc5424Parser
from .timeforms import TimeContext
from .timestamps import YearResolver

SAMPLE_LINES = 50
# a structured format wins when it parses at least this share of the sample
MIN_SHARE = 0.5


def detect_format(lines: list[str]) -> str:
    """'json', 'rfc5424', 'rfc3164', 'logfmt' or 'app' for a sample of non-empty lines.

    The structured format (tried in that order) parsing the most lines wins if
    it parses at least half of them; otherwise 'app', which accepts anything.
    """
    if not lines:
        return "app"
    ref = datetime(2000, 6, 1, tzinfo=timezone.utc)  # year is irrelevant for detection
    parsers = (JsonParser(), Rfc5424Parser(), Rfc3164Parser(YearResolver(ref)),
               LogfmtParser(TimeContext(YearResolver(ref))))
    best, best_hits = "app", 0
    for p in parsers:
        hits = 0
        for i, line in enumerate(lines):
            try:
                if p.parse(line, "", i + 1) is not None:
                    hits += 1
            except BadLine:  # this format, but not representable: still a vote for it
                hits += 1
            except Exception:  # a defect: the reader reports the line later
                continue
        if hits > best_hits:
            best, best_hits = p.name, hits
    if best_hits >= MIN_SHARE * len(lines):
        return best
    return "app"
