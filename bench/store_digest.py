#!/usr/bin/env python3
"""Digests of everything an ingest stores, to show a speed change changed nothing.

    .venv/bin/python bench/store_digest.py [--work DIR] [LOGHUB_DIR] > after.txt
    (in the other checkout) .venv/bin/python bench/store_digest.py [--work DIR] [LOGHUB_DIR] > before.txt
    diff before.txt after.txt

Ingests, with the default settings, into one fresh SQLite database in WORK
(default: a fixed directory under the system's temp dir, so file paths stored
in events are the same from one checkout to the other):

- the generated RFC 3164 week of ``bench/ingest.py --peer`` (156,000 lines),
  tenant ``week``, then the same file again (every event a duplicate);
- each Loghub-2k raw log (LOGHUB_DIR, default ../shared/data/loghub2k), one
  tenant per dataset, format detected as a user's ingest would.

Then prints, per table, its row count and a SHA-256 of its rows in a fixed
order, leaving out the columns that hold the wall clock (created_at,
updated_at, applied_at) and nothing else; and the run's stats. Asserts nothing.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from brainstem.settings import load_settings  # noqa: E402
from brainstem.workspace import Workspace  # noqa: E402

WALL_CLOCK = {"created_at", "updated_at", "applied_at"}


def table_digests(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    out = []
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for t in tables:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({t})") if r[1] not in WALL_CLOCK]
        rows = sorted(json.dumps(r, default=repr) for r in conn.execute(f"SELECT {', '.join(cols)} FROM {t}"))
        h = hashlib.sha256("\n".join(rows).encode("utf-8", "surrogatepass")).hexdigest()
        out.append(f"{t}: {len(rows)} rows {h}")
    conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("loghub", nargs="?", type=Path, default=REPO.parent / "shared" / "data" / "loghub2k")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "brainstem-store-digest")
    a = ap.parse_args()
    from ingest import generate  # bench/ingest.py

    a.work.mkdir(parents=True, exist_ok=True)
    log = a.work / "week.log"
    if not log.exists():
        generate(log, 156_000, 200)
    db = a.work / "digest.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    ws = Workspace(db, load_settings(env={}))
    runs = [("week", [log]), ("week", [log])]
    runs += [(d.name.lower(), sorted(d.glob("*_2k.log"))) for d in sorted(a.loghub.iterdir()) if d.is_dir()]
    for tenant, paths in runs:
        if not paths:
            continue
        st = ws.ingest([str(p) for p in paths], tenant=tenant)
        print(f"ingest {tenant}: stored {st.events_stored} duplicates {st.duplicates} bad {st.bad_lines} "
              f"new signatures {st.new_signatures} untimed {st.untimed_lines} joined {st.joined_lines}")
    ws.close()
    for line in table_digests(db):
        print(line)


if __name__ == "__main__":
    main()
