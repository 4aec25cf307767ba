"""Loghub-2k benchmark: brainstem's miner against Drain3, accuracy and speed.

    .venv/bin/python bench/loghub.py [LOGHUB_DIR] [--repeat N] [--only DATASET]
    .venv/bin/python bench/loghub.py --loo [--no-speed]
    .venv/bin/python bench/loghub.py --heldout [--seeds N] [--no-speed]

LOGHUB_DIR defaults to ../shared/data/loghub2k (relative to the repo root).
Prints per-dataset grouping accuracy (GA) and parsing accuracy (PA) for both
miners with the miner's default knobs, then throughput on a long stream
(every dataset's Content column, repeated) and on distinct messages, by the
wall clock and per CPU-second (the ratios to Drain3 are per CPU-second), and
peak RSS.

``--loo``: leave-one-dataset-out. The miner's knobs (``similarity``,
``evidence``) are chosen from a grid on nine datasets (highest mean GA + PA),
and the tenth is scored with them; all ten held-out scores and their mean are
printed, with the knobs each fold chose and the ones all ten would choose.

``--heldout``: the labelled synthetic logs of tests/fingerprint/heldout (in
the styles of systems outside Loghub), ``dev`` and ``holdout`` sets apart,
each system generated with several seeds, brainstem (default knobs) beside
Drain3.
"""
from __future__ import annotations

import argparse
import csv
import gc
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from brainstem.fingerprint import TemplateMiner, fingerprint_lines  # noqa: E402
from brainstem.fingerprint.accuracy import grouping_accuracy, parsing_accuracy  # noqa: E402
from brainstem.fingerprint.templates import EVIDENCE, SIMILARITY  # noqa: E402

def discover(root: Path) -> list[str]:
    """Every dataset folder under ``root`` that has a corrected structured CSV."""
    return sorted(d.name for d in root.iterdir()
                  if d.is_dir() and (d / f"{d.name}_2k.log_structured_corrected.csv").is_file())


def load(root: Path, name: str) -> tuple[list[str], list[str]]:
    path = root / name / f"{name}_2k.log_structured_corrected.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventTemplate"] for r in rows]


def drain3_miner(*, uuid: bool = False):
    """Drain3 with the generic masks (IP, hex, number; ``uuid``: UUIDs too, as the
    hand-made peer of bench/ingest.py masks them)."""
    import logging

    from drain3 import TemplateMiner as DrainMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    logging.getLogger("drain3").setLevel(logging.ERROR)
    cfg = TemplateMinerConfig()
    cfg.drain_sim_th = 0.4
    cfg.drain_depth = 4
    cfg.profiling_enabled = False
    edge_l, edge_r = r"((?<=[^A-Za-z0-9])|^)", r"((?=[^A-Za-z0-9])|$)"
    masks = [(r"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})", "IP"), (r"(0x[a-fA-F0-9]+)", "HEX"), (r"([\-\+]?\d+)", "NUM")]
    if uuid:
        masks.insert(1, (r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})", "UUID"))
    cfg.masking_instructions = [MaskingInstruction(edge_l + rx + edge_r, name) for rx, name in masks]
    return DrainMiner(config=cfg)


def drain3_templates(contents: list[str]) -> tuple[list[int], list[str]]:
    import re

    miner = drain3_miner()
    ids = [miner.add_log_message(c)["cluster_id"] for c in contents]
    mask = re.compile(r"<(?:IP|HEX|NUM)>")
    by_id = {c.cluster_id: mask.sub("<*>", c.get_template()) for c in miner.drain.clusters}
    return ids, [by_id[i] for i in ids]


def brainstem_templates(contents: list[str], **knobs) -> tuple[list[str], list[str]]:
    pairs = fingerprint_lines(contents, **knobs)
    return [k for k, _ in pairs], [t for _, t in pairs]


# The knobs --loo chooses from; the miner's defaults are among them.
GRID = [{"similarity": s, "evidence": e} for s in (0.4, 0.5, 0.6, 0.7) for e in (2, 3, 4, 6)]


def knob_text(knobs: dict) -> str:
    return f"similarity {knobs['similarity']:.1f}, evidence {knobs['evidence']}"


def leave_one_out(root: Path, names: list[str]) -> None:
    """Choose the knobs on all datasets but one, score that one; for every dataset."""
    data = {name: load(root, name) for name in names}
    # score[g][name] = (GA, PA) of grid point g on dataset name
    score = []
    for knobs in GRID:
        row = {}
        for name, (contents, truth) in data.items():
            keys, tpls = brainstem_templates(contents, **knobs)
            row[name] = (grouping_accuracy(truth, keys), parsing_accuracy(truth, tpls))
        score.append(row)

    default = GRID.index({"similarity": SIMILARITY, "evidence": EVIDENCE})

    def best(on: list[str]) -> int:
        # highest mean GA + PA on ``on``; ties to the miner's defaults, then to the earlier point
        return max(range(len(GRID)), key=lambda g: (round(sum(sum(score[g][n]) for n in on), 9),
                                                    g == default, -g))

    print("leave-one-dataset-out: knobs chosen on the other datasets, then this one scored")
    print(f"{'held out':<10} {'GA':>6} {'PA':>6}   knobs chosen on the rest")
    gas, pas = [], []
    for name in names:
        g = best([n for n in names if n != name])
        ga, pa = score[g][name]
        gas.append(ga)
        pas.append(pa)
        print(f"{name:<10} {ga:6.3f} {pa:6.3f}   {knob_text(GRID[g])}")
    print(f"{'mean':<10} {sum(gas) / len(gas):6.3f} {sum(pas) / len(pas):6.3f}   "
          f"lowest GA {min(gas):.3f}")
    g = best(names)
    print(f"chosen on all {len(names)}: {knob_text(GRID[g])} "
          f"(mean GA {sum(score[g][n][0] for n in names) / len(names):.3f}, "
          f"PA {sum(score[g][n][1] for n in names) / len(names):.3f})")


def heldout(seeds: int, with_drain: bool) -> None:
    """GA/PA on the labelled synthetic logs, per system averaged over seeds."""
    from tests.fingerprint.heldout import generate, systems

    for kind in ("dev", "holdout"):
        print(f"\nsynthetic {kind} set, {seeds} seed(s) each: mean (lowest) over seeds")
        print(f"{'system':<14} {'GA':>12} {'PA':>12} | {'D3 GA':>6} {'D3 PA':>6}")
        totals = [0.0, 0.0, 0.0, 0.0]
        names = systems(kind)
        for system in names:
            got: list[tuple[float, float, float, float]] = []
            for seed in range(1, seeds + 1):
                contents, truth = generate(kind, system, seed)
                keys, tpls = brainstem_templates(contents)
                ga, pa = grouping_accuracy(truth, keys), parsing_accuracy(truth, tpls)
                if with_drain:
                    dids, dtpls = drain3_templates(contents)
                    dga, dpa = grouping_accuracy(truth, dids), parsing_accuracy(truth, dtpls)
                else:
                    dga = dpa = float("nan")
                got.append((ga, pa, dga, dpa))
            mean = [sum(x[i] for x in got) / len(got) for i in range(4)]
            low = [min(x[i] for x in got) for i in range(2)]
            totals = [t + m for t, m in zip(totals, mean)]
            print(f"{system:<14} {mean[0]:6.3f} ({low[0]:.3f}) {mean[1]:6.3f} ({low[1]:.3f}) | "
                  f"{mean[2]:6.3f} {mean[3]:6.3f}")
        n = len(names)
        print(f"{'average':<14} {totals[0] / n:6.3f} {'':7} {totals[1] / n:6.3f} {'':7} | "
              f"{totals[2] / n:6.3f} {totals[3] / n:6.3f}")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def accuracy_table(root: Path, names: list[str], with_drain: bool) -> None:
    print(f"{'dataset':<10} {'GA':>6} {'PA':>6} {'tpl':>5} {'true':>5} | {'D3 GA':>6} {'D3 PA':>6}")
    sums = [0.0, 0.0, 0.0, 0.0]
    worst = ("", 2.0)
    for name in names:
        contents, truth = load(root, name)
        keys, tpls = brainstem_templates(contents)
        ga, pa = grouping_accuracy(truth, keys), parsing_accuracy(truth, tpls)
        if with_drain:
            dids, dtpls = drain3_templates(contents)
            dga, dpa = grouping_accuracy(truth, dids), parsing_accuracy(truth, dtpls)
        else:
            dga = dpa = float("nan")
        sums = [sums[0] + ga, sums[1] + pa, sums[2] + dga, sums[3] + dpa]
        if ga < worst[1]:
            worst = (name, ga)
        print(f"{name:<10} {ga:6.3f} {pa:6.3f} {len(set(keys)):5d} {len(set(truth)):5d} | {dga:6.3f} {dpa:6.3f}")
    n = len(names)
    print(f"{'average':<10} {sums[0]/n:6.3f} {sums[1]/n:6.3f} {'':5} {'':5} | {sums[2]/n:6.3f} {sums[3]/n:6.3f}")
    print(f"lowest GA: {worst[0]} {worst[1]:.3f}")


def _timed(learn, stream: list[str], first: int, count) -> tuple[float, float, int, int]:
    """lines/s over the stream, by the wall clock and per CPU-second of this process, and the
    template count after the first ``first`` lines and at the end."""
    t0, c0 = time.perf_counter(), time.process_time()
    for m in stream[:first]:
        learn(m)
    after_first = count()
    for m in stream[first:]:
        learn(m)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return len(stream) / wall, len(stream) / cpu, after_first, count()


def throughput(root: Path, names: list[str], repeat: int, with_drain: bool) -> None:
    """Lines/s of both miners on a repeated stream and on distinct messages.

    The ratios are per CPU-second: the machine is shared, and another
    process's load moves the wall clock far more than this process's CPU time.
    """
    base: list[str] = []
    for name in names:
        base.extend(load(root, name)[0])
    stream = base * repeat
    # Cold path: every message distinct (a serial number appended), so no exact-message cache hits.
    cold = [f"{m} #{i}" for i, m in enumerate(base)]
    print(f"\nstream: {len(stream):,} messages ({len(base):,} lines x {repeat}); "
          f"templates counted after the first {len(base):,} and at the end")
    print(f"{'':22} {'lines/s wall':>12} {'per CPU-s':>10}")

    gc.collect()
    miner = TemplateMiner()
    bw, bs, first, end = _timed(miner.learn, stream, len(base), lambda: len(miner))
    print(f"brainstem learn        {bw:12,.0f} {bs:10,.0f}   templates {first:,} -> {end:,}   "
          f"peak RSS so far {rss_mb():.0f} MB")
    miner = TemplateMiner()
    cw, cs, _, _ = _timed(miner.learn, cold, len(cold), lambda: len(miner))
    print(f"brainstem cold         {cw:12,.0f} {cs:10,.0f}   ({len(cold):,} distinct messages)")

    if with_drain:
        gc.collect()
        d = drain3_miner()
        dw, ds, first, end = _timed(d.add_log_message, stream, len(base), lambda: len(d.drain.clusters))
        print(f"drain3 add_log_message {dw:12,.0f} {ds:10,.0f}   clusters  {first:,} -> {end:,}   "
              f"peak RSS so far {rss_mb():.0f} MB")
        d = drain3_miner()
        dcw, dcs, _, _ = _timed(d.add_log_message, cold, len(cold), lambda: len(d.drain.clusters))
        print(f"drain3 cold            {dcw:12,.0f} {dcs:10,.0f}")
        print(f"ratio brainstem/drain3 per CPU-second: stream {bs / ds:.1f}x, cold {cs / dcs:.1f}x "
              f"(wall clock: {bw / dw:.1f}x, {cw / dcw:.1f}x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", nargs="?", default=str(REPO.parent / "shared" / "data" / "loghub2k"))
    ap.add_argument("--repeat", type=int, default=15, help="times the 20k lines are repeated in the stream")
    ap.add_argument("--only", action="append", help="dataset(s) to run (default: every dataset folder in root)")
    ap.add_argument("--no-drain", action="store_true", help="skip Drain3")
    ap.add_argument("--no-speed", action="store_true", help="skip the throughput run")
    ap.add_argument("--loo", action="store_true",
                    help="leave-one-dataset-out: knobs chosen on the others, each dataset scored")
    ap.add_argument("--heldout", action="store_true",
                    help="the labelled synthetic logs of tests/fingerprint/heldout instead of Loghub")
    ap.add_argument("--seeds", type=int, default=3, help="seeds per synthetic system (--heldout)")
    args = ap.parse_args()
    if args.heldout:
        heldout(args.seeds, not args.no_drain)
        return
    root = Path(args.root)
    if not root.is_dir():
        sys.exit(f"loghub directory {root} not found (pass it as the first argument)")
    names = args.only or discover(root)
    if not names:
        sys.exit(f"no <Dataset>/<Dataset>_2k.log_structured_corrected.csv under {root}")
    if args.loo:
        leave_one_out(root, names)
    else:
        accuracy_table(root, names, not args.no_drain)
    if not args.no_speed:
        throughput(root, names, args.repeat, not args.no_drain)


if __name__ == "__main__":
    main()
