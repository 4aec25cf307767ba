"""Fuzz every parser of untrusted input at scale: inputs tried, crashes found, slowest input.

    .venv/bin/python bench/fuzz.py                      # 1,000,000 inputs per target
    .venv/bin/python bench/fuzz.py --inputs 20000 --targets rfc5424,syslog_frames
    .venv/bin/python bench/fuzz.py --state fuzz.json    # resumable: run again to go on

The targets and what each may raise are in tests/fuzz/targets.py (the same ones
the property tests in `make test` use). Input number i of a target is a pure
function of (seed, target, i): a mutation of one of the target's valid seed
inputs (cuts, splices, junk bytes, huge numbers, calendar edges, long runs), so
a crash is reproduced from its number alone and an interrupted run resumes
where it stopped. Crashing inputs are written to --crash-dir.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz.targets import targets  # noqa: E402

TOKENS = ["<", ">", "[", "]", "\"", "\\", "=", " ", ":", "-", "T", "Z", "+", "9999-12-31T23:59:59-12:00",
          "0001-01-01T00:00:00+12:00", "1e999", "-0", "NaN", "\x00", "\ufffd", "\u202e", "\U0001f4a9", "\n", "\r",
          "2026-02-30", "Feb 29", "24:00:00", "99999999999999999999", "${x}", "((((", "))))", "~(", "@", "#"]


def _rng(seed: int, name: str, i: int) -> random.Random:
    h = hashlib.blake2b(f"{seed}:{name}:{i}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(h, "big"))


def mutate(r: random.Random, seeds: list[str]) -> str:
    s = r.choice(seeds)
    for _ in range(r.randint(1, 4)):
        op = r.randrange(8)
        n = r.randint(0, len(s))
        if op == 0:
            s = s[:n]
        elif op == 1:
            s = s[:n] + r.choice(TOKENS) + s[n:]
        elif op == 2:
            s = s[:n] + "".join(chr(r.randint(0, 0x2FFF)) for _ in range(r.randint(1, 12))) + s[n:]
        elif op == 3:
            s = s[:n] + str(r.randint(-10**20, 10**20)) + s[n + r.randint(0, 4):]
        elif op == 4 and s:
            a = r.randint(0, len(s) - 1)
            s = s[:n] + s[a:a + r.randint(1, 30)] * r.randint(1, 50) + s[n:]      # repetition
        elif op == 5:
            other = r.choice(seeds)
            s = s[:n] + other[r.randint(0, len(other)):]                         # splice
        elif op == 6 and s:
            a = r.randint(0, len(s) - 1)
            s = s[:a] + chr(r.randint(32, 126)) + s[a + 1:]
        else:
            s = s[:n] + r.choice(TOKENS) * r.randint(1, 2000) + s[n:]            # a long run
    return s


def to_binary(r: random.Random, text: str) -> bytes:
    b = text.encode("utf-8", "surrogatepass")
    if r.random() < 0.3:
        b = bytearray(b)
        for _ in range(r.randint(1, 8)):
            if b:
                b[r.randrange(len(b))] = r.randrange(256)
        b = bytes(b)
    return b


def run_target(t, start: int, count: int, seed: int, crash_dir: Path, report: dict) -> None:
    seeds = [s.decode("utf-8", "replace") if isinstance(s, bytes) else s for s in t.seeds + t.edges]
    slow_t, slow_i = report.get("slowest_ms", 0.0) / 1000, report.get("slowest_input")
    crashes = report.setdefault("crashes", [])
    perf = time.perf_counter
    began = perf()
    for i in range(start, start + count):
        r = _rng(seed, t.name, i)
        value = mutate(r, seeds)
        if t.binary:
            value = to_binary(r, value)
        t0 = perf()
        try:
            t.run(value)
        except t.allowed:
            pass
        except Exception as exc:            # a crash: keep the input, go on
            crash_dir.mkdir(parents=True, exist_ok=True)
            path = crash_dir / f"{t.name}-{seed}-{i}.bin"
            path.write_bytes(value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass"))
            crashes.append({"input": i, "error": f"{type(exc).__name__}: {exc}"[:300], "file": str(path)})
        dt = perf() - t0
        if dt > slow_t:
            slow_t, slow_i = dt, i
    report["done"] = start + count
    report["slowest_ms"] = round(slow_t * 1000, 3)
    report["slowest_input"] = slow_i
    if slow_i is not None:      # timed again, best of five: a pause of the machine is not the input's cost
        r = _rng(seed, t.name, slow_i)
        value = mutate(r, seeds)
        if t.binary:
            value = to_binary(r, value)
        best = float("inf")
        for _ in range(5):
            t0 = perf()
            try:
                t.run(value)
            except Exception:
                pass
            best = min(best, perf() - t0)
        report["slowest_again_ms"] = round(best * 1000, 3)
    report["seconds"] = report.get("seconds", 0.0) + perf() - began


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inputs", type=int, default=1_000_000, help="inputs per target (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--targets", default="", help="comma-separated target names (default: all)")
    ap.add_argument("--state", default="", help="JSON file to resume from and save progress to")
    ap.add_argument("--crash-dir", default="fuzz-crashes")
    ap.add_argument("--chunk", type=int, default=20_000, help="inputs between progress saves")
    args = ap.parse_args()
    chosen = [t for t in targets() if not args.targets or t.name in args.targets.split(",")]
    if not chosen:
        sys.exit(f"no such target; known: {', '.join(t.name for t in targets())}")
    state_path = Path(args.state) if args.state else None
    state = json.loads(state_path.read_text()) if state_path and state_path.exists() else {}
    if state and state.get("seed") != args.seed:
        sys.exit(f"{state_path} was made with seed {state.get('seed')}; use it or another --state file")
    state["seed"] = args.seed
    reports = state.setdefault("targets", {})
    print(f"fuzzing {len(chosen)} targets, {args.inputs:,} inputs each, seed {args.seed}")
    for t in chosen:
        rep = reports.setdefault(t.name, {"done": 0})
        while rep["done"] < args.inputs:
            n = min(args.chunk, args.inputs - rep["done"])
            run_target(t, rep["done"], n, args.seed, Path(args.crash_dir), rep)
            if state_path:
                state_path.write_text(json.dumps(state, indent=1))
        rate = rep["done"] / rep["seconds"] if rep.get("seconds") else 0.0
        print(f"{t.name:<16} {rep['done']:>10,} inputs  {len(rep['crashes']):>3} crashes  "
              f"slowest {rep['slowest_ms']:8.3f} ms (input {rep['slowest_input']}, {rep.get('slowest_again_ms', 0):.3f} ms "
              f"timed again)  {rate:>9,.0f} inputs/s")
        for c in rep["crashes"][:5]:
            print(f"    crash at input {c['input']}: {c['error']}  ({c['file']})")
    total = sum(len(r.get("crashes", [])) for r in reports.values())
    print(f"crashes found: {total}")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
