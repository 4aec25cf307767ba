"""The unit the file-ingest stage produces: one decoded log line."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SOURCE_TYPES = ("syslog", "app_log", "json")


@dataclass(slots=True)
class Record:
    """One log line, decoded but not yet normalized into an ``Event``.

    ``timestamp`` is tz-aware UTC, or ``None`` when the line carries none (the
    pipeline then inherits the previous record's time from the same file, or the
    file's mtime). ``message`` is the content after the header; ``raw`` the
    whole line. See docs/ingest.md for every field's meaning per format.
    """

    timestamp: datetime | None
    message: str
    raw: str
    source_type: str
    source_path: str
    line_no: int
    host: str | None = None
    service: str | None = None
    pid: str | None = None
    severity: str | None = None
    facility: str | None = None
    structured_fields: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
