"""Reading commands while an ingest writes: never "database is locked"."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.test_cli import run


def test_candidates_stats_and_recall_during_an_ingest_never_fail(tmp_path):
    log = tmp_path / "week.log"
    with open(log, "w") as fh:
        for i in range(50_000):
            fh.write(f"Nov {24 + i // 10000} {i // 1250 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} h{i % 60} "
                     f"sshd[{i % 900}]: Failed password for user{i % 13} from 198.51.100.{i % 200} port {1024 + i % 5000}\n")
    db = tmp_path / "busy.db"
    run("ingest", str(log), "--tenant", "acme", db=db, input=None)      # a first run: the tenant exists
    log2 = tmp_path / "more.log"
    log2.write_text(log.read_text().replace("Nov ", "Dec "))
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    env.pop("BRAINSTEM_DB", None)
    writer = subprocess.Popen([sys.executable, "-m", "brainstem", "ingest", str(log2), "--tenant", "acme",
                               "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    reads = 0
    failures = []
    try:
        while writer.poll() is None:
            for args in (("candidates", "--tenant", "acme"), ("stats",), ("signatures", "--limit", "5"),
                         ("recall", "Failed password for user3", "--tenant", "acme")):
                p = run(*args, db=db, check=False)
                reads += 1
                if p.returncode != 0:
                    failures.append((args, p.stderr))
            time.sleep(0.05)
    finally:
        out, err = writer.communicate(timeout=600)
    assert writer.returncode == 0, err
    print(f"{reads} reading commands ran during the ingest")
    assert reads >= 4
    assert not failures, failures[:3]
