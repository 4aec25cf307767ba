"""Event time and host recovered from the format corpus, per format, learned-on vs held-out.

    .venv/bin/python bench/timestamps.py [--only NAME] [--repeat N]

Reads every format of tests/ingest/corpus (each written from its public
documentation, with the time and host each event must get), ingests it
through ``read_records`` exactly as ``brainstem ingest`` does, and prints:

- per format: events, the share whose time is right, whose host is right,
  whose checked header fields (service, severity, message start) are right,
  and records that should have been joined to the event before them;
- per split: ``dev`` are formats the layout learner was built with,
  ``heldout`` were written after it was frozen and never tuned on;
- a peer in the same run: dateutil's fuzzy parser on each line (the usual
  "find a date anywhere" fallback), its share of right times, and the cost per
  line of both (brainstem's compiled layout vs dateutil), as a ratio.
"""
from __future__ import annotations

import argparse
import sys
import warnings
import tempfile
import time
from collections import defaultdict
from datetime import timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from brainstem.ingest import IngestReport, read_records  # noqa: E402
from tests.ingest.corpus import load, materialize, score  # noqa: E402


def _dateutil_times(sample, path):
    """dateutil.parser.parse(line, fuzzy=True) per expected event line (None when it raises)."""
    try:
        from dateutil import parser as du
    except ImportError:
        return None, 0.0
    lines = sample.text.splitlines()
    default = sample.mtime.replace(tzinfo=None)
    out = {}
    t = time.perf_counter()
    for e in sample.expected:
        text = lines[e.line - 1]
        try:
            dt = du.parse(text[:120], fuzzy=True, default=default)
            out[e.line] = dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
        except (ValueError, OverflowError, TypeError):
            out[e.line] = None
    return out, time.perf_counter() - t


def main() -> None:
    warnings.simplefilter("ignore")   # dateutil warns about every zone name it does not know
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None, help="one format by name")
    ap.add_argument("--repeat", type=int, default=200, help="passes over each file for the timing figure")
    args = ap.parse_args()
    samples = [s for s in load() if args.only is None or s.name == args.only]
    totals = defaultdict(lambda: defaultdict(int))
    rows = []
    ours_secs = peer_secs = 0.0
    ours_lines = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, s in enumerate(samples):
            path = materialize(s, Path(tmp) / str(i))
            report = IngestReport()
            recs = list(read_records(path, report=report))
            sc = score(s, recs)
            t = time.perf_counter()
            for _ in range(args.repeat):
                for _ in read_records(path, report=IngestReport()):
                    pass
            ours_secs += time.perf_counter() - t
            ours_lines += args.repeat * report.lines_read
            du, du_secs = _dateutil_times(s, path)
            peer_secs += du_secs
            du_ok = None
            if du is not None:   # to the second: dateutil is not asked for fractions
                du_ok = sum(1 for e in s.expected if du.get(e.line) is not None
                            and abs((du[e.line] - (s.mtime if e.time == "file" else e.time)).total_seconds()) < 1)
            rows.append((s, sc, du_ok, report))
            tot = totals[s.split]
            tot["formats"] += 1
            tot["events"] += sc.events
            tot["time"] += sc.time_ok
            tot["host"] += sc.host_ok
            tot["both"] += sum(1 for e in s.expected if not any(w[0] == e.line and w[1] in ("time", "host")
                                                               for w in sc.wrong) and e.line not in sc.missing)
            tot["checks"] += sc.header_checks
            tot["header"] += sc.header_ok
            tot["extra"] += sc.extra_records
            tot["perfect"] += int(not sc.wrong and not sc.missing and not sc.extra_records)
            if du_ok is not None:
                tot["peer"] += du_ok
                tot["peer_events"] += sc.events

    print(f"{'format':<32} {'split':<8} {'family':<11} {'events':>6} {'time':>6} {'host':>6} {'header':>7} "
          f"{'unjoined':>8} {'dateutil':>9}")
    for s, sc, du_ok, _ in sorted(rows, key=lambda r: (r[0].split, r[0].family, r[0].name)):
        header = f"{sc.header_ok / sc.header_checks:.0%}" if sc.header_checks else "-"
        peer = f"{du_ok / sc.events:.0%}" if du_ok is not None else "n/a"
        print(f"{s.name:<32} {s.split:<8} {s.family:<11} {sc.events:>6} {sc.time_ok / sc.events:>6.0%} "
              f"{sc.host_ok / sc.events:>6.0%} {header:>7} {sc.extra_records:>8} {peer:>9}")
        for ln, what, want, got in sc.wrong[:6]:
            print(f"    line {ln}: {what}: expected {want!r}, got {got!r}")
    print()
    for split in ("dev", "heldout"):
        t = totals.get(split)
        if not t:
            continue
        peer = f"; dateutil fuzzy, same lines: time {t['peer'] / t['peer_events']:.1%}" if t["peer_events"] else ""
        print(f"{split:<8} {t['formats']:>3} formats, {t['events']:>4} events: time {t['time'] / t['events']:.1%}, "
              f"host {t['host'] / t['events']:.1%}, both {t['both'] / t['events']:.1%}, "
              f"header fields {t['header'] / max(1, t['checks']):.1%} of {t['checks']}, "
              f"formats fully right {t['perfect']}/{t['formats']}, unjoined continuation records {t['extra']}{peer}")
    if ours_lines:
        per_line = ours_secs / ours_lines
        print(f"\nread_records over the corpus: {ours_lines / ours_secs:,.0f} lines/s ({per_line * 1e6:.1f} µs/line, "
              f"learning each file's layout included, files of 3-12 lines)")
        n_peer = sum(sc.events for _, sc, du_ok, _ in rows if du_ok is not None)
        if peer_secs and n_peer:
            print(f"dateutil fuzzy parse, one call per event line: {peer_secs / n_peer * 1e6:.1f} µs/line "
                  f"({peer_secs / n_peer / per_line:.1f}x brainstem's whole read per line)")


if __name__ == "__main__":
    main()
