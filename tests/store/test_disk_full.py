"""A full filesystem: one clear line, a consistent database, and a re-run that completes it exactly."""
from __future__ import annotations

import sqlite3
import subprocess

import pytest

from tests.test_cli import run


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {p.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _log(path, n):
    with open(path, "w") as fh:
        for i in range(n):
            fh.write(f"Dec  1 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} host{i % 40} app[{i % 999}]: "
                     f"request {i} for /api/v1/items/{i * 7919 % 100003} took {i % 500} ms status {200 + i % 5}\n")
    return path


def _event_ids(db):
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT event_id FROM events")}
    finally:
        conn.close()


@pytest.mark.parametrize("behind", ["1", "0"], ids=["write-behind", "inline"])
def test_disk_full_stops_with_one_line_and_a_rerun_after_freeing_space_is_exact(tmp_path, small_fs, monkeypatch, behind):
    monkeypatch.setenv("BRAINSTEM_BATCH_SIZE", "2000")   # several batches commit before the 6 MB fill up
    monkeypatch.setenv("BRAINSTEM_WRITE_BEHIND_MIN_EVENTS", behind)
    log = _log(tmp_path / "big.log", 60_000)
    clean = tmp_path / "clean.db"
    run("ingest", str(log), "--tenant", "acme", db=clean)

    db = small_fs / "full.db"
    p = run("ingest", str(log), "--tenant", "acme", db=db, check=False)
    assert p.returncode == 1
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: database disk is full:"), p.stderr
    assert "Traceback" not in p.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    partial = _event_ids(db)
    assert 0 < len(partial) < len(_event_ids(clean))

    subprocess.run(["mount", "-o", "remount,size=300m", str(small_fs)], check=True)
    run("ingest", str(log), "--tenant", "acme", db=db)
    assert _event_ids(db) == _event_ids(clean)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    (occ,) = conn.execute("SELECT SUM(occurrence_count) FROM signatures").fetchone()
    conn.close()
    assert occ == 60_000
