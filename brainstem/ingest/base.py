"""The one interface every format parser implements."""
from __future__ import annotations

from typing import Protocol

from .record import Record


class BadLine(ValueError):
    """A line in the parser's format that cannot become a record (a timestamp
    outside the calendar, such as ``9999-12-31T23:59:59-12:00``). The only
    exception ``parse`` raises; the file reader counts it as a bad line
    (``file:line: reason``) and goes on with the next."""


class LineParser(Protocol):
    """Decodes one line (no line ending, not empty) of its format.

    ``parse`` returns None when the line is not in this format and raises
    ``BadLine`` when it is but cannot be represented; nothing else escapes on
    bad input. A parser may keep per-file state (the RFC 3164 year), so make
    one per file. ``AppLogParser.parse`` accepts every line.
    """

    name: str          # "rfc3164" | "rfc5424" | "app" | "json"; Record.metadata["format"]
    source_type: str   # Record.source_type it produces

    def parse(self, text: str, path: str, line_no: int) -> Record | None: ...
