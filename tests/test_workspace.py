"""Workspace pieces the API leans on: paged lists and the recall miner kept loaded."""
from __future__ import annotations

from tests.pipeline.scenario import scenario_lines, write

import brainstem.workspace as workspace
from brainstem.workspace import Workspace


def test_recall_keeps_the_miner_loaded_and_reloads_it_after_an_ingest(tmp_path, monkeypatch):
    db = tmp_path / "b.db"
    rows = scenario_lines(days=5)
    with Workspace(db) as ws:
        ws.ingest([str(write(tmp_path / "a.log", rows))], tenant="acme")
        top = next(c for c in ws.candidates("acme", limit=50) if c.candidate_type == "recurrence")
        inc = ws.promote(top.candidate_id)
    loads = []
    real = workspace.load_miner
    monkeypatch.setattr(workspace, "load_miner", lambda store, tid: loads.append(tid) or real(store, tid))
    line = "Mar  9 02:01:00 backup01 bacula-dir[2211]: Backup job nightly-db failed: Network error with FD (JobId=77)"
    readers = [Workspace(db) for _ in range(3)]
    try:
        for ws in readers:             # three connections (three API threads): one load
            got = ws.recall(line, tenant="acme")
            assert got[0].incident.incident_memory_id == inc.incident_memory_id
            assert "same signature" in got[0].reasons
        assert len(loads) == 1
        new = "Mar  9 03:00:00 db01 postgres[99]: FATAL: could not write to file pg_wal/000001: No space left on device"
        assert readers[0].recall(new, tenant="acme") == []
        with Workspace(db) as writer:
            writer.ingest([str(write(tmp_path / "b.log", [(None, "db01", new)] * 3, mtime=rows[-1][0]))],
                          tenant="acme")
        readers[1].recall(new, tenant="acme")
        assert len(loads) == 2          # the ingest made the loaded miner stale: loaded again
    finally:
        for ws in readers:
            ws.close()
