"""What an ingest run read, and what it could not."""
from __future__ import annotations

from dataclasses import dataclass, field

MAX_BAD_ENTRIES = 1000


@dataclass
class IngestReport:
    """Accumulates across files. ``bad`` keeps the first ``max_bad`` entries;
    ``bad_lines`` counts all of them."""

    lines_read: int = 0
    bad_lines: int = 0
    bad: list[tuple[str, int, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    bytes_read: int = 0
    records: int = 0
    fallback_lines: int = 0
    truncated_lines: int = 0
    untimed_lines: int = 0          # lines without a timestamp of their own (joined or inheriting)
    joined_lines: int = 0           # ...of which joined to the event before them
    untimed_files: list[str] = field(default_factory=list)  # files with no timestamp at all
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, what was inferred or learned)
    max_bad: int = MAX_BAD_ENTRIES

    def add_bad(self, path: str, line_no: int, reason: str) -> None:
        self.bad_lines += 1
        if len(self.bad) < self.max_bad:
            self.bad.append((str(path), line_no, reason))

    def note(self, path: str, text: str) -> None:
        if len(self.notes) < self.max_bad:
            self.notes.append((str(path), text))
