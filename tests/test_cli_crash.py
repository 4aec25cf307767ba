"""`kill -9` of an ingest at any moment, then the same command again: the store a clean run makes."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.test_cli import run

LINES = 80_000


def _log(path):
    with open(path, "w") as fh:
        for i in range(LINES):
            host = f"h{i % 30}"
            if i % 997 == 0:
                msg = f"%LINK-3-UPDOWN: Interface Gi0/{i % 8}, changed state to down"
            elif i % 997 == 5:
                msg = f"%LINK-3-UPDOWN: Interface Gi0/{(i - 5) % 8}, changed state to up"
            else:
                msg = f"sshd[{i % 700}]: Accepted publickey for user{i % 17} from 10.0.{i % 9}.{i % 250} port {1024 + i}"
            fh.write(f"Nov {20 + i // 20000} {i // 900 % 24:02d}:{i // 15 % 60:02d}:{i % 60:02d} {host} {msg}\n")
    return path


def _snapshot(db):
    conn = sqlite3.connect(db)
    try:
        return {
            "events": sorted(conn.execute("SELECT event_id, signature_key FROM events")),
            "signatures": sorted(conn.execute("SELECT signature_key, occurrence_count, normalized_pattern FROM signatures")),
            "candidates": sorted(conn.execute("SELECT candidate_id, candidate_type, round(score_total, 6), decision_band "
                                              "FROM candidates")),
            "groups": sorted(conn.execute("SELECT group_id, event_count FROM correlation_groups")),
            "links": conn.execute("SELECT COUNT(*) FROM provenance_links").fetchone()[0],
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
        }
    finally:
        conn.close()


@pytest.mark.parametrize("behind", ["5000", "0"], ids=["write-behind", "inline"])
def test_kill_9_at_several_points_then_a_rerun_equals_a_clean_run(tmp_path, monkeypatch, behind):
    """With write-behind, the kill reaches the ingest and leaves its writer process
    to commit what it had been sent whole, and nothing after it."""
    log = _log(tmp_path / "week.log")
    clean = tmp_path / "clean.db"
    monkeypatch.setenv("BRAINSTEM_WRITE_BEHIND_MIN_EVENTS", "0")
    run("ingest", str(log), "--tenant", "acme", db=clean)
    want = _snapshot(clean)
    monkeypatch.setenv("BRAINSTEM_WRITE_BEHIND_MIN_EVENTS", behind)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    env.pop("BRAINSTEM_DB", None)
    db = tmp_path / "killed.db"
    killed_at = []
    for delay in (1.0, 2.5, 4.0):
        p = subprocess.Popen([sys.executable, "-m", "brainstem", "ingest", str(log), "--tenant", "acme", "--db", str(db)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait(60)
        killed_at.append(len(_snapshot(db)["events"]) if db.exists() else 0)
    print(f"events stored when killed: {killed_at} of {LINES}")
    assert any(0 < k < LINES for k in killed_at), "no kill landed inside an ingest"
    run("ingest", str(log), "--tenant", "acme", db=db)
    got = _snapshot(db)
    assert got["integrity"] == "ok"
    assert got == want, f"killed with {killed_at} events stored"
