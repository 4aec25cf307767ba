#!/usr/bin/env python3
"""CPU cost of TemplateMiner.learn alone on the generated week, best of several rounds.

    .venv/bin/python bench/miner_cost.py [--rounds 5] [--inputs /tmp/week.json]
    valgrind --tool=callgrind .venv/bin/python bench/miner_cost.py --rounds 1 --inputs /tmp/week.json
    valgrind --tool=callgrind .venv/bin/python bench/miner_cost.py --rounds 0 --inputs /tmp/week.json

The inputs are what ``bench/miner_digest.py`` feeds (the 156,000 lines of
``bench/ingest.py --peer``, as ``program: message`` with the event time).
``--inputs FILE`` keeps them in FILE (made once), so that a callgrind run
spends little besides the miner: the instructions of ``--rounds 0`` (loading
only) subtracted from those of ``--rounds 1`` are the miner's. Every round
starts from a fresh miner with the module memos emptied, as a fresh process
would, and runs with the collector's threshold of an ingest (``gcpause.collect_less``). Prints CPU seconds per round and the best; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from brainstem.fingerprint import TemplateMiner, masking, shapes, templates  # noqa: E402
from brainstem.gcpause import collect_less  # noqa: E402


def inputs(path: Path | None) -> list[tuple[str, float]]:
    if path is not None and path.exists():
        return [(m, t) for m, t in json.loads(path.read_text())]
    from miner_digest import week

    got = week()
    if path is not None:
        path.write_text(json.dumps(got))
    return got


# The module-level memos of the fingerprint stage (module, name).
MEMOS = [(masking, "_memo"), (masking, "_sig_memo"), (masking, "_value_names"), (masking, "_value_sig_names"),
         (masking, "_unique"), (shapes, "_shapes"), (templates, "_masked_memo"), (templates, "_class_memo"),
         (templates, "_token_sig_memo"), (templates, "_context_memo")]


def forget() -> None:
    """Empty every module-level memo of the fingerprint stage (a fresh process's state)."""
    for module, name in MEMOS:
        getattr(module, name).clear()       # a memo renamed must fail here, not be left warm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--inputs", type=Path, default=None, help="Keep the week's inputs in this JSON file.")
    a = ap.parse_args()
    stream = inputs(a.inputs)
    best = None
    for _ in range(a.rounds):
        forget()
        miner = TemplateMiner()
        learn = miner.learn
        with collect_less():
            c0 = time.process_time()
            for msg, t in stream:
                learn(msg, t)
            cpu = time.process_time() - c0
        best = cpu if best is None else min(best, cpu)
        print(f"round: {cpu:.3f} CPU-s ({len(miner)} templates)")
    if best is not None:
        print(f"best: {best:.3f} CPU-s for {len(stream):,} messages, {len(stream) / best:,.0f} per CPU-second")


if __name__ == "__main__":
    main()
