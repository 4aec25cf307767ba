"""Several processes on one SQLite file: a new database is created once, readers never fail."""
from __future__ import annotations

import subprocess
import sys
import time

from brainstem.store.migrations import LATEST

_OPEN = """
import sys, time
from brainstem.store.sqlite import SQLiteStore
start = float(sys.argv[2])
while time.time() < start:
    pass
SQLiteStore(sys.argv[1]).close()
"""


def test_processes_opening_a_new_database_at_once_all_succeed(tmp_path):
    for trial in range(3):
        db = tmp_path / f"new{trial}.db"
        start = time.time() + 1.5
        procs = [subprocess.Popen([sys.executable, "-c", _OPEN, str(db), str(start)], stderr=subprocess.PIPE, text=True)
                 for _ in range(6)]
        errors = [p.communicate()[1] for p in procs if p.wait() != 0]
        assert not errors, errors[0]
        import sqlite3
        rows = sqlite3.connect(db).execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert [r[0] for r in rows] == list(range(1, LATEST + 1))
