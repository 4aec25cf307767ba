"""Lines without a timestamp of their own: joined to the event before them, or given its time.

A stack trace, a wrapped message or a multi-line SQL statement follows the
line that logged it. With ``continuation="join"`` (the default) such lines
become part of that event (``raw`` and ``message`` gain a line each, up to
``max_lines`` and 64 KiB); with ``"inherit"`` each stays its own event and
takes the previous event's time (the pipeline does that). Lines before a
file's first timestamp take that first time; a file with no timestamp at all
has its events take the file's time, and the report says so.

Only app-log lines join: a syslog line with a PRI but no time (``<13>su: x``)
is an event of its own.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from .record import Record
from .report import IngestReport

MODES = ("join", "inherit")
LEADING_MAX = 1000             # untimed lines held while waiting for a file's first time
MAX_JOINED_CHARS = 64 * 1024   # as files.MAX_MESSAGE_CHARS: a joined event is cut there too

_FRAME = re.compile(r"\s|\.\.\.|at\s|File\s\"")


def signature_text(message: str) -> str:
    """What the fingerprint sees of a joined event: its first line and, when
    the continuation has one, the last line that is not indented (the root
    cause of a Java or Python trace: ``Caused by: ...``, ``ValueError: ...``)."""
    first, _, rest = message.partition("\n")
    cause = None
    for line in rest.split("\n"):
        if line and not _FRAME.match(line):
            cause = line
    return first if cause is None else f"{first} {cause.strip()}"


def head_line(raw: str) -> str:
    """The first physical line of a (possibly joined) raw record: what its event id is made of,
    so a re-read that finds more continuation lines still finds the same event."""
    i = raw.find("\n")
    return raw if i < 0 else raw[:i]


def assign_times(records: Iterator[Record], *, path: str, file_time: datetime, report: IngestReport,
                 mode: str = "join", max_lines: int = 500, counter: list | None = None) -> Iterator[Record]:
    """Records in order, each with its own time, joined, or marked to inherit (see module doc).
    ``counter[0]`` counts the records yielded."""
    join = mode == "join"
    pending: Record | None = None   # the last timestamped app record, open for continuation lines
    pending_lines = 1
    leading: list[Record] = []
    timed = False
    count = joined = 0
    try:
        for rec in records:
            count += 1
            if rec.timestamp is not None:
                if pending is not None:
                    yield pending
                    pending = None
                if leading:
                    for lr in leading:
                        lr.timestamp = rec.timestamp
                        lr.metadata["time_inherited"] = True
                    yield from leading
                    leading = []
                timed = True
                if join and rec.metadata.get("format") == "app":
                    pending, pending_lines = rec, 1
                else:
                    yield rec
                continue
            report.untimed_lines += 1
            if not timed:
                leading.append(rec)
                if len(leading) >= LEADING_MAX:
                    yield from _file_time(leading, file_time)
                    leading = []
                continue
            if (pending is not None and rec.metadata.get("format") == "app" and pending_lines < max_lines
                    and len(pending.raw) + len(rec.raw) < MAX_JOINED_CHARS):
                pending.raw += "\n" + rec.raw
                pending.message += "\n" + rec.raw.rstrip()
                pending_lines += 1
                pending.metadata["lines"] = pending_lines
                joined += 1
                continue
            if pending is not None:
                yield pending
                pending = None
            yield rec   # timestamp None: the pipeline gives it the previous event's time
        if pending is not None:
            last, pending = pending, None
            yield last
        if leading:
            rest, leading = leading, []
            yield from _file_time(rest, file_time)
        if not timed and count:
            report.untimed_files.append(path)
    finally:
        report.joined_lines += joined
        if counter is not None:   # what was yielded: not the joined lines, nor what was still held
            counter[0] += count - joined - len(leading) - (pending is not None)


def _file_time(records: list[Record], file_time: datetime) -> list[Record]:
    for r in records:
        r.timestamp = file_time
        r.metadata["time_inherited"] = True
    return records
