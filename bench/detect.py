#!/usr/bin/env python3
"""The detector stage alone: the Observations of the generated week through the detector set.

    .venv/bin/python bench/detect.py [--obs FILE] [--plain] [--repeat 3] [--events N]
    valgrind --tool=callgrind .venv/bin/python bench/detect.py --repeat 1

The first run ingests the week of ``bench/ingest.py --peer`` (156,000 lines)
into a scratch SQLite database and keeps every Observation the pipeline gave
its detectors, in order, in FILE (default: under the system's temp dir);
later runs read them back. Then it feeds them, with the default settings,
through a fresh detector set (``DetectorSet.learn_one``, one call per event,
as the pipeline does) or, with ``--plain``, through each detector in turn,
and prints the CPU-seconds of the best round, the number of findings and a
SHA-256 of the findings and of every detector's state at the end (the same
with and without ``--plain``). ``--load-only`` reads the Observations and
stops: subtract its instruction count to get the detectors' own.

Asserts nothing.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from brainstem.detect import build_detectors  # noqa: E402
from brainstem.settings import load_settings  # noqa: E402


def capture(path: Path) -> None:
    """Ingest the week and keep the Observations the detectors saw."""
    from ingest import generate  # bench/ingest.py

    import brainstem.pipeline.runner as runner
    from brainstem.workspace import Workspace

    work = Path(tempfile.mkdtemp(prefix="brainstem-detect-"))
    log = work / "week.log"
    generate(log, 156_000, 200)
    seen = []
    make = runner.Observation

    def keep(*args):
        o = make(*args)
        seen.append(o)
        return o

    runner.Observation = keep
    try:
        ws = Workspace(work / "week.db", load_settings(env={}))
        ws.ingest([str(log)], tenant="week")
        ws.close()
    finally:
        runner.Observation = make
    with open(path, "wb") as fh:
        pickle.dump([(o.ts, o.event_id, o.signature_key, o.asset, o.severity, o.template, o.alert)
                     for o in seen], fh)


def load(path: Path) -> list:
    from brainstem.detect import Observation
    with open(path, "rb") as fh:
        return [Observation(*row) for row in pickle.load(fh)]


def run(stream: list, plain: bool) -> tuple[list, list]:
    detectors = build_detectors(load_settings(env={}))
    found = []
    if plain:
        for o in stream:
            for d in detectors:     # as the pipeline's loop was
                f = d.learn_one(o)
                if f:
                    found += f
    else:
        learn = detectors.learn_one
        for o in stream:
            f = learn(o)
            if f:
                found += f
    return found, detectors


def digest(found: list, detectors: list) -> str:
    h = hashlib.sha256()
    for f in found:
        h.update(repr(f).encode())
    for d in detectors:
        h.update(json.dumps(d.to_state(), sort_keys=True).encode())
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--obs", type=Path, default=Path(tempfile.gettempdir()) / "brainstem-week-observations.pickle")
    ap.add_argument("--plain", action="store_true", help="Each detector in turn, not the set's learn_one.")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--events", type=int, default=None, help="Only the first N observations.")
    ap.add_argument("--load-only", action="store_true")
    a = ap.parse_args()
    if not a.obs.exists():
        capture(a.obs)
    stream = load(a.obs)[:a.events]
    if a.load_only:
        print(f"{len(stream):,} observations")
        return
    best = None
    for _ in range(max(1, a.repeat)):
        c0 = time.process_time()
        found, detectors = run(stream, a.plain)
        cpu = time.process_time() - c0
        best = cpu if best is None else min(best, cpu)
    how = "plain loop" if a.plain else "detector set"
    print(f"{len(stream):,} observations, {len(found)} findings ({how}): {best:.3f} CPU-s best of {a.repeat}")
    print(f"digest {digest(found, detectors)}")


if __name__ == "__main__":
    main()
