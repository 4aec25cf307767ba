"""Follow files as they grow: survive rotation, resume after a restart, lose and repeat nothing.

Each followed file is read line by line from a position ``(device, inode,
offset)`` that commits with the lines before it (``Inbound.state``, written by
the writer in the same transaction), so after a restart or ``kill -9`` reading
resumes exactly after the last stored line. An incomplete last line waits until
its newline arrives.

Rotation, checked every ``follow_poll_seconds``:

- rename and create (logrotate's default): the path names a new inode; the old
  file is read to its end through the handle still open, then the new one from
  its start. After a restart, a rotated-away file is found again in the same
  directory by its inode and its remainder read first.
- copytruncate: the same inode shrinks below the position; if the copy (a file
  of the directory whose first bytes match) still holds lines past the position,
  they are read from it, then the truncated file from its start.
"""
from __future__ import annotations

import glob
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from brainstem.ingest.detect import SAMPLE_LINES, detect_format
from brainstem.ingest.files import _make_parsers
from brainstem.ingest.layoutparser import app_parser
from brainstem.ingest.record import Record
from brainstem.ingest.timeforms import TimeContext
from brainstem.ingest.timestamps import YearResolver
from brainstem.models import stable_id
from brainstem.service.inbound import Inbound
from brainstem.service.queue import QueueClosed

log = logging.getLogger("brainstem.sources.follow")

STATE_VERSION = 1
HEAD_BYTES = 256            # the first bytes of a file identify it across copytruncate
READ_CHUNK = 1 << 20
MAX_LINE = 1 << 20


@dataclass
class Position:
    dev: int
    inode: int
    offset: int
    head: str          # hash of the file's first HEAD_BYTES (or fewer) bytes
    line_no: int = 0

    def to_state(self) -> dict:
        return {"dev": self.dev, "inode": self.inode, "offset": self.offset, "head": self.head,
                "line_no": self.line_no}


def _head(fh, offset: int) -> str:
    """Identity of a file read up to ``offset``: a hash of its first min(HEAD_BYTES, offset) bytes."""
    here = fh.tell()
    fh.seek(0)
    data = fh.read(min(HEAD_BYTES, offset))
    fh.seek(here)
    return hashlib.blake2b(data, digest_size=8).hexdigest()


class LineDecoder:
    """Lines of one followed file -> records, with the file-ingest parsers (format detected on its first lines)."""

    def __init__(self, path: str, fmt: str | None):
        self.path = path
        self.fmt = fmt
        self.primary = self.secondary = None
        self.app = None
        self._ready = False

    def _setup(self, sample: list[str]) -> None:
        """The same choice file ingest makes: a detected format, and for app logs a layout
        (where the time and the header columns sit) learned from the first lines."""
        fmt = self.fmt or detect_format(sample[:SAMPLE_LINES])
        resolver = YearResolver(datetime.now(timezone.utc))
        ctx = TimeContext(resolver)
        self.primary, self.secondary = _make_parsers(fmt, None, resolver, ctx)
        self.app = app_parser(sample[:SAMPLE_LINES], ctx)
        self._ready = True

    def decode(self, lines: list[tuple[int, str]]) -> list[Record]:
        if not self._ready:
            self._setup([t for _, t in lines])
        out = []
        for line_no, text in lines:
            rec = None
            try:
                if self.primary is not None:
                    rec = self.primary.parse(text, self.path, line_no)
                    if rec is None and self.secondary is not None:
                        rec = self.secondary.parse(text, self.path, line_no)
                if rec is None:
                    rec = self.app.parse(text, self.path, line_no)
            except Exception as exc:       # one bad line costs that line only
                log.warning("follow %s:%d: bad line: %s", self.path, line_no, exc)
                continue
            out.append(rec)
        return out


class Follower:
    """One followed path of one tenant."""

    def __init__(self, path: str, tenant: str, fmt: str | None, queue, metrics, saved: dict | None):
        self.path = path
        self.tenant = tenant
        self.queue = queue
        self.component = f"follow:{path}"
        self.source = f"follow:{Path(path).name}"
        self.decoder = LineDecoder(path, fmt)
        self.c_received = metrics.received.labels(self.source)
        self.c_bad = metrics.bad.labels(self.source)
        self.fh = None
        self.pos: Position | None = None
        self._partial = b""
        self._saved = saved

    # -- opening -----------------------------------------------------------------------------
    def _open(self, path: str, offset: int = 0, line_no: int = 0):
        fh = open(path, "rb")
        st = os.fstat(fh.fileno())
        fh.seek(offset)
        return fh, Position(st.st_dev, st.st_ino, offset, _head(fh, offset), line_no)

    def start(self) -> None:
        """Open the file where the saved position says; read a rotated-away remainder first."""
        saved, self._saved = self._saved, None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            st = None
        if saved:
            if st is not None and (st.st_dev, st.st_ino) == (saved["dev"], saved["inode"]) and st.st_size >= saved["offset"]:
                self.fh, self.pos = self._open(self.path, saved["offset"], saved.get("line_no", 0))
                if self.pos.head != saved["head"] and saved["offset"] > 0:
                    log.warning("follow %s: the file changed under the saved position; reading it from the start",
                                self.path)
                    self.fh.close()
                    self.fh, self.pos = self._open(self.path)
                return
            old = self._find_rotated(saved)
            if old is not None:
                log.info("follow %s: reading the rest of its rotated file %s first", self.path, old)
                self.fh, self.pos = self._open(old, saved["offset"], saved.get("line_no", 0))
                self._drain_current()
            else:
                log.warning("follow %s: the file at the saved position is gone; starting on the current file",
                            self.path)
        if st is not None:
            self.fh, self.pos = self._open(self.path)

    def _find_rotated(self, saved: dict) -> str | None:
        d = Path(self.path).parent
        try:
            entries = list(os.scandir(d))
        except OSError:
            return None
        for e in entries:
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) == (saved["dev"], saved["inode"]) and e.is_file() and st.st_size >= saved["offset"]:
                return e.path
        return None

    def _find_copy(self) -> str | None:
        """After copytruncate: the copy holds what was written past our position before the truncation.

        Only files named like rotations of this one (``app.log.1``, ``app.log-20261201``)
        are opened, never any other file of the directory: closing a descriptor of,
        say, this process's own SQLite database would drop its POSIX locks.
        """
        p = Path(self.path)
        want = self.pos.head
        for e in os.scandir(p.parent):
            name = e.name
            if not (name.startswith(p.name) and name[len(p.name):len(p.name) + 1] in (".", "-", "_")):
                continue
            if name.endswith(("-wal", "-shm", "-journal", ".db")):
                continue
            try:
                st = e.stat()
                if not e.is_file() or st.st_size <= self.pos.offset:
                    continue
                with open(e.path, "rb") as fh:
                    if _head(fh, self.pos.offset) == want:
                        return e.path
            except OSError:
                continue
        return None

    # -- reading ------------------------------------------------------------------------------
    def poll(self) -> int:
        """Read what is new (and handle rotation); the number of lines queued.

        Rotation is looked for before reading: reading a truncated-and-rewritten
        file at the old position would take a stranger's lines from its middle.
        """
        if self.fh is None:
            if self._saved is not None or os.path.exists(self.path):
                self.start()
            if self.fh is None:
                return 0
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return self._read_available()     # rotated away, not recreated yet: keep the old handle
        n = 0
        if (st.st_dev, st.st_ino) != (self.pos.dev, self.pos.inode):
            n += self._read_available()       # the last lines written to the old file
            self.fh.close()
            self._partial = b""
            self.fh, self.pos = self._open(self.path)
            log.info("follow %s: rotated, now reading the new file", self.path)
        elif st.st_size < self.pos.offset or self._rewritten():
            copy = self._find_copy()
            if copy is not None:
                self.fh.close()
                self.fh, self.pos = self._open(copy, self.pos.offset, self.pos.line_no)
                n += self._read_available()
            self.fh.close()
            self._partial = b""
            self.fh, self.pos = self._open(self.path)
            log.info("follow %s: truncated (copytruncate), reading it from the start", self.path)
        return n + self._read_available()

    def _rewritten(self) -> bool:
        """Truncated and written again past our position between two polls: the first bytes differ."""
        return self.pos.offset > 0 and _head(self.fh, self.pos.offset) != self.pos.head

    def _drain_current(self) -> None:
        self._read_available()
        self.fh.close()
        self.fh = None
        self._partial = b""

    def _read_available(self) -> int:
        queued = 0
        while True:
            data = self.fh.read(READ_CHUNK)
            if not data:
                return queued
            buf = self._partial + data
            end = buf.rfind(b"\n")
            if end < 0:
                self._partial = buf[-MAX_LINE:] if len(buf) > MAX_LINE else buf
                continue
            self._partial = buf[end + 1:]
            queued += self._queue_lines(buf[:end + 1])

    def _queue_lines(self, block: bytes) -> int:
        pos = self.pos
        start_offset = pos.offset
        lines: list[tuple[int, str]] = []
        ends: list[tuple[int, int]] = []       # (offset after the line, its line number)
        offset = start_offset
        line_no = pos.line_no
        for raw in block.split(b"\n")[:-1]:
            offset += len(raw) + 1
            line_no += 1
            text = raw[:MAX_LINE].decode("utf-8", "replace").rstrip("\r")
            if text and not text.isspace():
                lines.append((line_no, text))
                ends.append((offset, line_no))
        pos.offset = offset
        pos.line_no = line_no
        if start_offset < HEAD_BYTES:
            pos.head = _head(self.fh, pos.offset)
        if not lines:
            return 0
        records = self.decoder.decode(lines)
        self.c_received.inc(len(lines))
        if len(records) < len(lines):
            self.c_bad.inc(len(lines) - len(records))
        now = time.time()
        by_line = {ln: off for off, ln in ends}
        items = []
        for rec in records:
            st = Position(pos.dev, pos.inode, by_line.get(rec.line_no, offset), pos.head, rec.line_no).to_state()
            items.append(Inbound(self.tenant, rec, self.source, now, (self.component, STATE_VERSION, st)))
        if items and len(records) < len(lines):
            # lines that failed still move the position with the last item
            last = items[-1]
            items[-1] = Inbound(last.tenant, last.record, last.source, last.received_at,
                                (self.component, STATE_VERSION, pos.to_state()))
        while True:
            try:
                self.queue.put_blocking(items, timeout=1.0)
                break
            except TimeoutError:
                continue
        return len(items)

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class FollowManager(threading.Thread):
    """Polls every followed path (globs re-expanded) on one thread."""

    def __init__(self, specs, queue, metrics, settings, reader, *, default_tenant: str = "default"):
        super().__init__(name="brainstem-follow", daemon=True)
        self.specs = specs
        self.queue = queue
        self.metrics = metrics
        self.interval = settings.follow_poll_seconds
        self.reader = reader
        self.default_tenant = default_tenant
        self.followers: dict[str, Follower] = {}
        self._halt = threading.Event()
        self.error: BaseException | None = None

    def _saved(self, tenant: str, path: str) -> dict | None:
        from brainstem.workspace import tenant_slug
        tid = stable_id("tn_", tenant_slug(tenant))
        got = self.reader().store.load_state(tid, f"follow:{path}")
        return got[1] if got and got[0] == STATE_VERSION else None

    def _discover(self) -> None:
        for spec in self.specs:
            tenant = spec.tenant or self.default_tenant
            paths = sorted(glob.glob(spec.path)) if any(c in spec.path for c in "*?[") else [spec.path]
            for p in paths:
                p = os.path.abspath(p)
                if p not in self.followers:
                    self.followers[p] = Follower(p, tenant, spec.format, self.queue, self.metrics,
                                                 self._saved(tenant, p))

    def run(self) -> None:
        try:
            last_discover = 0.0
            while not self._halt.is_set():
                if time.monotonic() - last_discover > 10 * self.interval:
                    self._discover()
                    last_discover = time.monotonic()
                for f in list(self.followers.values()):
                    try:
                        f.poll()
                    except QueueClosed:
                        return
                    except OSError as exc:
                        log.warning("follow %s: %s", f.path, exc)
                        f.close()
                self._halt.wait(self.interval)
            for f in list(self.followers.values()):   # what arrived before the stop
                try:
                    f.poll()
                except (QueueClosed, OSError):
                    break
        except BaseException as exc:
            self.error = exc
            log.exception("follow stopped")
        finally:
            for f in self.followers.values():
                f.close()

    def stop(self) -> None:
        self._halt.set()
        self.join()
