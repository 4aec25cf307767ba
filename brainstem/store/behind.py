"""Write-behind for a file ingest into SQLite: the transactions run in a second process.

A big ingest spends about a quarter of its time inside SQLite (binding, B-tree
inserts into the table and its three indexes, the WAL). sqlite3 releases the
GIL only around each row's step, so a thread cannot take that work off the
interpreter; a process can. The ingest keeps making, fingerprinting and
scoring batch N+1 while the child commits batch N.

What goes to the child is what ``SQLiteStore.write`` would have executed, one
message per transaction: a list of ``(sql, rows, kind)`` whose values are
str, int, float, None and (in events' rows still to finish) dicts and lists of
them, framed as an 8-byte length and pickle data written without pickle's memo
(see ``_frame``). The child
answers each message with ``("ok", stored)``, ``("error", text)`` or, after a
failure, ``("skipped", "")``: once one transaction has failed, it commits
nothing more, so the database never holds a batch written after one that is
missing.

The guarantees stay those of the inline path:
- every transaction is whole (the child commits a message only once it has all
  of it; an interrupted parent leaves at most a complete batch committed, which
  is one the next run finds already stored);
- every read the parent makes waits until the child has committed everything
  submitted before it (``SQLiteStore`` calls :meth:`WriteBehind.drain` first),
  except the duplicate check, which also consults the ids still in flight;
- an error in the child becomes the same ``StoreError`` as inline, raised by the
  next write or read; a child that dies is reported as such.
"""
from __future__ import annotations

import gc
import io
import os
import pickle
import queue
import select
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from brainstem.store.base import StoreError
from brainstem.store.codec import finish_rows

# Submitted but not yet committed: the parent runs ahead of the child by at
# most this many transactions (each holds a batch's rows twice, as tuples and
# pickled).
MAX_IN_FLIGHT = 2
_HEADER = 8
_CHILD = "import sys; from brainstem.store.behind import child_main; sys.exit(child_main(sys.argv[1]))"


class _RowPickler(pickle.Pickler):
    """Pickle without its memo, and only of plain data: anything but None, bool, int,
    float, str, bytes and containers of them is a ValueError (the caller then finishes
    the rows itself), so the child never imports a class to read a message."""

    def reducer_override(self, obj):    # pickle asks this only of other types
        raise ValueError(f"a {type(obj).__name__} in a row")


def _frame(obj) -> memoryview:
    """The message for ``obj``. The memo (and marshal's table of objects already written,
    from its version 3 on) is a lookup for every value that something else also holds, and
    a batch's row values all are: on the 156k week the frames took 0.33-0.36 CPU-s of the
    ingest with marshal version 4, 0.24 with version 2 and 0.14 with this."""
    buf = io.BytesIO()
    buf.write(bytes(_HEADER))
    p = _RowPickler(buf, 5)
    p.fast = True       # no memo: shared values are written again; rows hold no cycles
    p.dump(obj)
    view = buf.getbuffer()
    view[:_HEADER] = (len(view) - _HEADER).to_bytes(_HEADER, "little")
    return view


def _read_exact(fd: int, n: int) -> bytes | None:
    parts, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _read_frame(fd: int):
    head = _read_exact(fd, _HEADER)
    if head is None:
        return None
    data = _read_exact(fd, int.from_bytes(head, "little"))
    return None if data is None else pickle.loads(data)


# What a statement of a write is, its third element: rows of other tables, events' rows,
# events' rows to be completed by finish_rows first.
OTHER, EVENTS, UNFINISHED_EVENTS = 0, 1, 2


def run_statements(conn: sqlite3.Connection, ops: list) -> int:
    """Execute one write's statements in the open transaction; the events it stored."""
    stored = 0
    for sql, rows, kind in ops:
        if kind == UNFINISHED_EVENTS:
            rows = finish_rows(rows)
        before = conn.total_changes
        conn.executemany(sql, rows)
        if kind != OTHER:
            stored += conn.total_changes - before
    return stored


class WriteBehind:
    """The parent's side: a child process that commits the writes it is sent, in order."""

    def __init__(self, path: str) -> None:
        self.path = path
        env = dict(os.environ)
        # the child imports this package from where the parent did, installed or not
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD, path],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0)
        self._out = self.proc.stdin.fileno()
        self._acks = self.proc.stdout.fileno()
        # A thread feeds the pipe: one os.write per message, which blocks (without the
        # GIL) until the child has read all of it, while the ingest goes on.
        self._sends: queue.Queue[memoryview | None] = queue.Queue()
        self._sender = threading.Thread(target=self._send_loop, name="brainstem-write-behind", daemon=True)
        self._sender.start()
        # (ids of the events and objects it writes, events submitted) per message; the lock
        # lets another thread read the
        # store meanwhile (it waits like the ingest's own reads)
        self.in_flight: list[tuple[set[str], int]] = []
        self._lock = threading.Lock()
        self.failed: str | None = None      # what the child's failed transaction said
        self.died: str | None = None
        self.shortfall = 0      # events submitted that the child found already stored

    def _send_loop(self) -> None:
        while True:
            data = self._sends.get()
            if data is None:
                break
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self._out, view):]
            except OSError:     # the child is gone: reading its next answer says so
                break

    def submit(self, ops: list, held: set[str], submitted: int) -> None:
        """Queue one transaction; waits while MAX_IN_FLIGHT are already queued.
        ValueError, with nothing queued, for a value a message does not carry (see _frame)."""
        data = _frame(ops)
        with self._lock:
            self._check()
            self._collect(block=False)
            while len(self.in_flight) >= MAX_IN_FLIGHT:
                self._collect(block=True)
            self.in_flight.append((held, submitted))
            self._sends.put(data)

    def drain(self) -> None:
        """Return once everything submitted is committed (or raise what went wrong)."""
        with self._lock:
            while self.in_flight:
                self._collect(block=True)
            self._check()

    def pending_ids(self, ids: list[str]) -> set[str]:
        """Those of ``ids`` that a transaction not yet acknowledged writes."""
        out: set[str] = set()
        with self._lock:
            for held, _ in self.in_flight:
                out.update(held.intersection(ids))
        return out

    def holds(self, object_id: str) -> bool:
        """Whether a transaction not yet acknowledged writes ``object_id``."""
        with self._lock:
            return any(object_id in held for held, _ in self.in_flight)

    def _collect(self, block: bool) -> None:
        while self.in_flight:
            if not block and not select.select([self._acks], [], [], 0)[0]:
                return
            ack = _read_frame(self._acks)
            if ack is None:
                code = self.proc.wait()
                self.in_flight.clear()
                self.died = (f"{self.path}: the database writer process (pid {self.proc.pid}) ended with "
                             f"code {code} before committing everything it was sent; what it committed is "
                             "whole, and the same command run again completes it")
                break
            kind, detail = ack
            _, submitted = self.in_flight.pop(0)
            if kind == "ok":
                self.shortfall += submitted - detail
            elif self.failed is None:
                self.failed = detail
            block = False       # one ack was waited for; the rest only if already there
        self._check()

    def _check(self) -> None:
        if self.died is not None:
            raise StoreError(self.died)
        if self.failed is not None:     # as the same error inline would have been
            from brainstem.store.sqlite import _translated
            raise _translated(sqlite3.OperationalError(self.failed), self.path)

    def close(self) -> None:
        """Let the child commit what it has been sent, then end it."""
        self._sends.put(None)
        self._sender.join()
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=600)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def child_main(path: str) -> int:
    """Commit each message read from stdin as one transaction; answer each on stdout."""
    # An interrupt (Ctrl-C reaches the whole process group) is the parent's to handle:
    # this process finishes the message it holds and ends when the parent closes the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # what it reads is tuples of strings, numbers and None, and nothing it holds
    # outlives a message: no cycles for the collector to find
    gc.disable()
    from brainstem.store.sqlite import connect
    conn = connect(path)
    inp, out = sys.stdin.buffer.fileno(), sys.stdout.buffer.fileno()
    failed = False
    while True:
        ops = _read_frame(inp)
        if ops is None:
            break
        if failed:
            ack = ("skipped", "")
        else:
            try:
                conn.execute("BEGIN IMMEDIATE")
                stored = run_statements(conn, ops)
                conn.execute("COMMIT")
                ack = ("ok", stored)
            except sqlite3.Error as exc:
                failed = True
                ack = ("error", str(exc))
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
        os.write(out, _frame(ack))
    conn.close()
    return 0

