"""The one interface every format parser implements."""
from __future__ import annotations

from typing import Protocol

from .record import Record


class LineParser(Protocol):
    """Decodes one line (no line ending, not empty) of its format.

    ``parse`` returns None when the line is not in this format; it never
    raises on bad input. A parser may keep per-file state (the RFC 3164 year),
    so make one per file. ``AppLogParser.parse`` accepts every line.
    """

    name: str          # "rfc3164" | "rfc5424" | "app" | "json"; Record.metadata["format"]
    source_type: str   # Record.source_type it produces

    def parse(self, text: str, path: str, line_no: int) -> Record | None: ...
