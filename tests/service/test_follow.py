"""brainstem follow: real files growing, rotated both ways, the follower killed and restarted."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import threading
import time

from tests.service.harness import Served, count_events, wait_for

CONFIG = """
[brainstem]
serve_commit_seconds = 0.2
follow_poll_seconds = 0.05
"""


def line(i: int) -> str:
    return f"Dec  1 {10 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d} web1 app[42]: request {i} done\n"


def seqs(db) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return [int(m.split()[1]) for (m,) in conn.execute("SELECT message_normalized FROM events")]
    finally:
        conn.close()


class Writer(threading.Thread):
    """Appends numbered lines to a log at a steady pace, rotating it as told."""

    def __init__(self, path, n, rotate_every, how):
        super().__init__(daemon=True)
        self.path, self.n, self.rotate_every, self.how = path, n, rotate_every, how

    def run(self):
        fh = open(self.path, "a")
        for i in range(self.n):
            if i and i % self.rotate_every == 0:
                # a rotation is rare next to the poll interval (logrotate: daily); a file
                # rotated twice between two polls would lose its middle generation
                time.sleep(0.5)
                fh.close()
                k = i // self.rotate_every
                if self.how == "rename":
                    os.rename(self.path, f"{self.path}.{k}")
                else:                                  # copytruncate
                    shutil.copyfile(self.path, f"{self.path}.{k}")
                    with open(self.path, "r+") as t:
                        t.truncate(0)
                fh = open(self.path, "a")
            fh.write(line(i))
            fh.flush()
            if i % 50 == 0:
                time.sleep(0.01)
        fh.close()


def follow(tmp_path, log, db=None):
    return Served(tmp_path, CONFIG, command="follow", args=(str(log), "--tenant", "acme"), db=db).start()


def test_rename_and_create_rotation_while_writing_loses_and_repeats_nothing(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    s = follow(tmp_path, log)
    w = Writer(log, 3000, 700, "rename")
    w.start()
    w.join()
    wait_for(lambda: count_events(s.db) >= 3000, timeout=60)
    assert s.stop() == 0
    assert sorted(seqs(s.db)) == list(range(3000))


def test_copytruncate_rotation_while_writing_loses_and_repeats_nothing(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    s = follow(tmp_path, log)
    w = Writer(log, 3000, 700, "copytruncate")
    w.start()
    w.join()
    wait_for(lambda: count_events(s.db) >= 3000, timeout=60)
    assert s.stop() == 0
    got = seqs(s.db)
    assert len(got) == len(set(got))
    assert sorted(got) == list(range(3000))


def test_restart_resumes_after_the_last_stored_line_even_after_kill_9_and_a_rotation(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("".join(line(i) for i in range(1000)))
    s = follow(tmp_path, log)
    wait_for(lambda: count_events(s.db) >= 1000)
    with open(log, "a") as fh:
        fh.write("".join(line(i) for i in range(1000, 1500)))
    time.sleep(0.05)
    s.proc.send_signal(signal.SIGKILL)          # maybe mid-batch
    s.proc.wait(10)
    # while it is down: more lines, then a rotation, then lines in the new file
    with open(log, "a") as fh:
        fh.write("".join(line(i) for i in range(1500, 1800)))
    os.rename(log, f"{log}.1")
    log.write_text("".join(line(i) for i in range(1800, 2000)))
    s2 = follow(tmp_path, log, db=s.db)
    wait_for(lambda: count_events(s.db) >= 2000, timeout=60)
    assert s2.stop() == 0
    got = seqs(s.db)
    assert len(got) == len(set(got)), "a line was stored twice"
    assert sorted(got) == list(range(2000))


def test_an_incomplete_last_line_waits_for_its_newline(tmp_path):
    log = tmp_path / "app.log"
    log.write_text(line(0) + line(1)[:20])
    s = follow(tmp_path, log)
    wait_for(lambda: count_events(s.db) >= 1)
    time.sleep(0.5)
    assert count_events(s.db) == 1
    with open(log, "a") as fh:
        fh.write(line(1)[20:])
    wait_for(lambda: count_events(s.db) >= 2)
    assert s.stop() == 0
    assert sorted(seqs(s.db)) == [0, 1]
