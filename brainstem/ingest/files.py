"""Files in, records out: path expansion, decompression, format dispatch, bad lines.

The hot loop is :func:`_read`: one ``readline`` per line, a decode, one parser
call. Nothing here stores anything; the pipeline turns records into events.
"""
from __future__ import annotations

import bz2
import codecs
import glob
import gzip
import io
import itertools
import lzma
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

from .applog import AppLogParser
from .base import BadLine
from .continuation import MODES, assign_times
from .detect import SAMPLE_LINES, detect_format
from .jsonl import JsonMapping, JsonParser
from .logfmt import LogfmtParser
from .layoutparser import LayoutParser, app_parser
from .record import Record
from .report import IngestReport
from .rfc3164 import Rfc3164Parser
from .rfc5424 import Rfc5424Parser
from .timeforms import DayResolver, TimeContext, date_in_name
from .timestamps import YearResolver, reference_for

FORMATS = ("auto", "rfc3164", "rfc5424", "app", "json", "logfmt")

MAX_LINE_BYTES = 1 << 20      # a line is read up to this; the rest is skipped
MAX_MESSAGE_CHARS = 64 * 1024  # message and raw are cut to this (metadata truncated=True)
READ_CHUNK = 1 << 16           # bytes per read of a file (or of its decompressed stream)
PROGRESS_EVERY = 4096          # lines between on_progress calls
LEARN_SAMPLE = 200             # first non-empty lines a file's format and layout are learned from
BINARY_SHARE = 0.3             # a line with more non-text chars than this is garbage

_GZIP_MAGIC = b"\x1f\x8b"
_BZ2_MAGIC = b"BZh"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_GLOB_CHARS = frozenset("*?[")
_NON_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


class IngestError(Exception):
    """A user error: a path that matched nothing, an unreadable file, an
    unknown format name. The message names the path or value."""


def _is_hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def _walk(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                p = Path(dirpath) / name
                if p.is_file():
                    out.append(p)
    return out


def expand_paths(paths: Iterable[str]) -> list[Path]:
    """Files as given, directories walked recursively (sorted, hidden entries
    skipped), globs expanded (``**`` recurses). Order follows the arguments;
    a file named twice is read once. Raises IngestError for anything that
    matches nothing."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: list[Path] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)

    for raw in paths:
        spec = os.path.expanduser(str(raw))
        p = Path(spec)
        if p.is_file():
            add(p)
        elif p.is_dir():
            files = _walk(p)
            for f in files:
                add(f)
        elif _GLOB_CHARS & set(spec):
            matched = sorted(glob.glob(spec, recursive=True))
            n = 0
            for m in matched:
                mp = Path(m)
                if mp.is_file():
                    add(mp)
                    n += 1
                elif mp.is_dir():
                    for f in _walk(mp):
                        add(f)
                        n += 1
            if n == 0:
                raise IngestError(f"{raw}: the pattern matched no files")
        elif p.exists():
            raise IngestError(f"{raw}: not a regular file or directory")
        else:
            raise IngestError(f"{raw}: no such file or directory")
    return out


def _check_fmt(fmt: str | None) -> str:
    if fmt is None:
        return "auto"
    if fmt not in FORMATS:
        raise IngestError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return fmt


def read_records(path: Path, *, fmt: str | None = None, json_mapping: JsonMapping | None = None,
                 report: IngestReport, reference_time: datetime | None = None,
                 on_progress: Callable[[int], None] | None = None, continuation: str = "join",
                 continuation_max_lines: int = 500) -> Iterator[Record]:
    """Decode one file (plain or compressed, told by magic bytes) into records.

    Opens the file now, so a missing or unreadable file raises IngestError at
    the call; bad lines are reported into ``report`` while iterating and never
    stop the run. ``reference_time`` (default: the file's mtime, or now if that
    is in the future) anchors the year of yearless timestamps. Lines without
    a timestamp of their own are joined to the event before them
    (``continuation="join"``, at most ``continuation_max_lines`` per event) or
    left to inherit its time (``"inherit"``). ``on_progress(n)`` receives the
    on-disk bytes consumed since its previous call (compressed bytes for
    gzip); the calls for one file sum to its size when it is read to the end.
    """
    fmt = _check_fmt(fmt)
    if continuation not in MODES:
        raise IngestError(f"unknown continuation {continuation!r}: choose one of {', '.join(MODES)}")
    path = Path(path)
    try:
        st = path.stat()
        fh = open(path, "rb")
    except IsADirectoryError:
        raise IngestError(f"{path}: is a directory (use iter_records to read directories)") from None
    except OSError as e:
        raise IngestError(f"{path}: cannot open: {e.strerror or e}") from None
    file_time = reference_for(st.st_mtime)
    if reference_time is None:
        reference_time = file_time
    return _read(fh, str(path), fmt, json_mapping, report, reference_time, on_progress,
                 continuation, continuation_max_lines, file_time)


def iter_records(paths: Iterable[str], *, fmt: str | None = None, json_mapping: JsonMapping | None = None,
                 report: IngestReport, on_progress: Callable[[int], None] | None = None,
                 reference_time: datetime | None = None, continuation: str = "join",
                 continuation_max_lines: int = 500) -> Iterator[Record]:
    """expand_paths + read_records for each file. Path and format errors raise
    IngestError here, before any record is produced; a file that vanishes or
    cannot be opened later is reported as bad (line 0) and skipped."""
    fmt = _check_fmt(fmt)
    if continuation not in MODES:
        raise IngestError(f"unknown continuation {continuation!r}: choose one of {', '.join(MODES)}")
    files = expand_paths(paths)
    return _iter_files(files, report, fmt=fmt, json_mapping=json_mapping, reference_time=reference_time,
                       on_progress=on_progress, continuation=continuation,
                       continuation_max_lines=continuation_max_lines)


def _iter_files(files, report, **options):
    for _, records in open_records(files, report=report, **options):
        yield from records


def open_records(files: Iterable[Path], *, report: IngestReport, **options) -> Iterator[tuple[Path, Iterator[Record]]]:
    """``(path, records)`` for each file that opens (``options`` as for
    read_records); one that cannot is reported as bad (line 0) and skipped."""
    for p in files:
        try:
            yield p, read_records(p, report=report, **options)
        except IngestError as e:
            report.add_bad(str(p), 0, str(e))


def _make_parsers(fmt: str, json_mapping, resolver, ctx=None):
    """(primary, secondary or None) for a detected or forced format."""
    if fmt == "json":
        return JsonParser(json_mapping), None
    if fmt == "logfmt":
        return LogfmtParser(ctx or TimeContext(resolver)), None
    if fmt == "rfc5424":
        return Rfc5424Parser(), Rfc3164Parser(resolver)
    if fmt == "rfc3164":
        return Rfc3164Parser(resolver), Rfc5424Parser()
    return None, None


def _lines(fh, state: list, encoding: str = "utf-8"):
    """(line_no, text, truncated) for each non-empty line. state[0] is set to
    (line_no, reason) when a read error ends the file early; state[1] tracks
    the physical lines read so far. A UTF-8 BOM on the first line is dropped.

    Lines are decoded and split a block at a time (a ``readline`` and a ``decode``
    per line cost a fifth of reading and parsing a syslog line); UTF-8 never has a
    newline byte inside a character, so this decodes exactly as line by line would."""
    line_no = 0
    try:
        for block in _line_blocks(fh.read1):
            texts, flags = _split_block(block, encoding)
            if line_no == 0 and texts[0][:1] == "\ufeff":
                texts[0] = texts[0][1:]
            for text, truncated in zip(texts, flags):
                line_no += 1
                if not text or text.isspace():
                    continue
                state[1] = line_no
                yield line_no, text, truncated
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as e:
        state[0] = (line_no + 1, f"read error after line {line_no}: {e}")
    state[1] = line_no


def _line_blocks(read):
    """The stream as runs of whole lines (bytes, without their last newline), read
    ``READ_CHUNK`` bytes at a time. A line of ``MAX_LINE_BYTES`` or more comes cut to
    that length, alone in its block; the rest of it is skipped, never buffered."""
    tail = b""          # the start of a line the chunks so far did not end
    skipping = False    # inside the rest of an overlong line
    while True:
        chunk = read(READ_CHUNK)
        if not chunk:
            break
        if skipping:
            nl = chunk.find(b"\n")
            if nl < 0:
                continue
            chunk = chunk[nl + 1:]
            skipping = False
        data = tail + chunk if tail else chunk
        end = data.rfind(b"\n")
        if end < 0:
            tail = data
        else:
            yield data[:end]
            tail = data[end + 1:]
        if len(tail) >= MAX_LINE_BYTES:
            yield tail[:MAX_LINE_BYTES]
            tail, skipping = b"", True
    if tail:   # the last line, without a newline
        yield tail


_NEVER_CUT = itertools.repeat(False)


def _split_block(block: bytes, encoding: str) -> tuple[list[str], Iterable[bool]]:
    """The lines of a block (``\\r`` before a newline dropped) and whether each was cut."""
    if len(block) < MAX_LINE_BYTES:   # no line in it is overlong: one decode, one split
        text = block.decode(encoding, "replace")
        texts = text.split("\n")
        if "\r" in text:
            texts = [t.rstrip("\r") for t in texts]
        return texts, _NEVER_CUT
    raw = block.split(b"\n")
    flags = [len(b) >= MAX_LINE_BYTES for b in raw]
    return [b[:MAX_LINE_BYTES].decode(encoding, "replace").rstrip("\r") for b in raw], flags


def _utf16_lines(stream, state: list, encoding: str):
    """Lines of a UTF-16 file (BOM-marked, as Windows tools write), re-encoded
    to UTF-8 so the byte-oriented reader above handles them."""
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline=None)

    class _Utf8View:
        def read1(self, limit):
            return text.read(limit).encode("utf-8", "replace")

    return _lines(_Utf8View(), state)


def _is_garbage(text: str) -> bool:
    if "\x00" in text:
        return True
    bad = len(_NON_TEXT.findall(text))
    return bad > BINARY_SHARE * len(text)


def _open_stream(fh):
    """The decompressed stream of an open binary file, told by magic bytes."""
    head = fh.peek(6)[:6]
    if head[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=fh, mode="rb")
    if head[:3] == _BZ2_MAGIC and head[3:4].isdigit() and head[4:6] in (b"1A", b"\x17r"):
        return bz2.BZ2File(fh, "rb")
    if head == _XZ_MAGIC:
        return lzma.LZMAFile(fh, "rb")
    return fh


def _read(fh, path: str, fmt: str, json_mapping, report: IngestReport, reference_time: datetime,
          on_progress, continuation: str = "join", continuation_max_lines: int = 500,
          file_time: datetime | None = None) -> Iterator[Record]:
    report.files.append(path)
    state: list = [None, 0]
    progress = [0]
    counter = [0]   # records yielded (assign_times counts them)
    ctx = None
    layout_parser = None
    try:
        stream = _open_stream(fh)
        try:
            head = stream.peek(2)[:2]
        except (OSError, EOFError, zlib.error, lzma.LZMAError):
            head = b""  # _lines meets the same error and reports it
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            lines = _utf16_lines(stream, state, "utf-16")
        else:
            lines = _lines(stream, state)

        sample = list(itertools.islice(lines, LEARN_SAMPLE))
        texts = [t for _, t, _ in sample if not _is_garbage(t)]
        if fmt == "auto":
            fmt = detect_format(texts[:SAMPLE_LINES])

        resolver = YearResolver(reference_time)
        ctx = TimeContext(resolver, DayResolver(reference_time, date_in_name(Path(path).name)))
        primary, secondary = _make_parsers(fmt, json_mapping, resolver, ctx)
        app = AppLogParser(ctx) if fmt != "app" else app_parser(texts, ctx)
        app_parse = app.parse
        skip = None
        if isinstance(app, LayoutParser):
            layout_parser = app
            report.note(path, f"layout: {app.layout.describe()}")
            skip = app.layout.header_line
        syslog = (Rfc5424Parser(), Rfc3164Parser(resolver)) if primary is None else None
        parsed = _parse((sample, lines), path, report, primary, secondary, app_parse,
                        fh.tell, on_progress, progress, syslog, skip)
        yield from assign_times(parsed, path=path, file_time=file_time or reference_time, report=report,
                                mode=continuation, max_lines=continuation_max_lines, counter=counter)
    finally:
        # also runs when the consumer stops early (generator closed)
        if state[0] is not None:
            report.add_bad(path, state[0][0], state[0][1])
        report.lines_read += state[1]
        report.records += counter[0]
        if layout_parser is not None:
            for text in layout_parser.notes:
                report.note(path, text)
        if ctx is not None:
            _note_inferred(report, path, ctx, reference_time)
        size_done = progress[0]
        try:
            end = fh.tell()
        except (OSError, ValueError):
            end = size_done
        fh.close()
        report.bytes_read += end
        if on_progress is not None and end > size_done:
            on_progress(end - size_done)


def _note_inferred(report: IngestReport, path: str, ctx: TimeContext, reference: datetime) -> None:
    years = ctx.years
    if years.used:
        placed = str(years.low) if years.low == years.high else f"{years.low}-{years.high}"
        report.note(path, f"timestamps without a year: placed in {placed}, so that none is more than two days "
                          f"after the file's time ({reference:%Y-%m-%d %H:%M} UTC)")
    if ctx.used_day:
        d = ctx.days
        where = {"file name": f"the file name ({d.name_date})",
                 "file time": f"the file's time ({reference:%Y-%m-%d})"}.get(d.source, "the line before")
        report.note(path, f"times without a date: dates taken from {where}")


def _parse(sources, path: str, report: IngestReport, primary, secondary, app_parse, tell, on_progress,
           progress: list, syslog=None, skip: str | None = None) -> Iterator[Record]:
    """One record per line (the hot loop) of each of ``sources`` (the lines a format was
    learned from, then the rest), each (line_no, text, truncated): the file's parser, the
    other syslog flavour, then the app-log parser; a bad line is reported and skipped.
    ``skip``: a CSV header row, read but not an event."""
    primary_parse = primary.parse if primary is not None else None
    secondary_parse = secondary.parse if secondary is not None else None
    n = 0
    for items in sources:   # not itertools.chain: one iterator less per line
        for line_no, text, truncated in items:
            n += 1
            if on_progress is not None and n % PROGRESS_EVERY == 0:
                pos = tell()
                on_progress(pos - progress[0])
                progress[0] = pos
            if skip is not None and text == skip:
                skip = None
                continue
            rec = None
            try:
                if primary_parse is not None:
                    rec = primary_parse(text, path, line_no)
                    if rec is None and secondary_parse is not None:
                        rec = secondary_parse(text, path, line_no)
                if rec is None:
                    if not text.isprintable() and _is_garbage(text):
                        report.add_bad(path, line_no, "binary or non-text data")
                        continue
                    rec = app_parse(text, path, line_no)
                    if primary_parse is not None:
                        rec.metadata["fallback"] = "app_log"
                        report.fallback_lines += 1
                    elif rec.timestamp is None and text[0] == "<" and syslog is not None:
                        # a syslog line among app lines is an event of its own, not a continuation
                        rec = syslog[0].parse(text, path, line_no) or syslog[1].parse(text, path, line_no) or rec
            except BadLine as e:
                report.add_bad(path, line_no, str(e))
                continue
            except Exception as e:  # a parser defect costs its line, never the file
                report.add_bad(path, line_no, f"could not parse ({type(e).__name__}: {e})")
                continue
            if truncated or len(text) > MAX_MESSAGE_CHARS:
                if len(rec.message) > MAX_MESSAGE_CHARS:
                    rec.message = rec.message[:MAX_MESSAGE_CHARS]
                if len(rec.raw) > MAX_MESSAGE_CHARS:
                    rec.raw = rec.raw[:MAX_MESSAGE_CHARS]
                rec.metadata["truncated"] = True
                report.truncated_lines += 1
            yield rec
