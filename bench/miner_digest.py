#!/usr/bin/env python3
"""Digests of every assignment the template miner makes, to show a speed change changed none.

    .venv/bin/python bench/miner_digest.py [LOGHUB_DIR] > after.txt
    (in the other checkout) .venv/bin/python bench/miner_digest.py [LOGHUB_DIR] > before.txt
    diff before.txt after.txt

For each input stream a fresh TemplateMiner learns every message in order and
every Match (key, template, version, params in order, is_new, changed) goes
into a SHA-256, with the miner's final state (``to_state``). Streams: the
generated RFC 3164 week of ``bench/ingest.py --peer`` (156,000 lines, fed as
``program: message`` with the event time, as the pipeline does), also with a
small ``max_templates`` (evictions) and with ``match()`` calls between; and
each Loghub-2k dataset (LOGHUB_DIR, default ../shared/data/loghub2k): its
Content column with the default knobs and with other knobs, its raw lines, and
all datasets' contents in one stream. Prints one line per stream; asserts nothing.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from brainstem.fingerprint import TemplateMiner  # noqa: E402

_LINE = re.compile(r"(\w{3}) +(\d+) (\d\d:\d\d:\d\d) (\S+) ([^\[:]+)(?:\[\d+\])?: (.*)")


def week() -> list[tuple[str, float]]:
    from ingest import generate  # bench/ingest.py

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "week.log"
        generate(log, 156_000, 200)
        out = []
        for line in log.read_text().splitlines():
            mon, day, clock, _host, prog, msg = _LINE.fullmatch(line).groups()
            t = datetime.strptime(f"2026 {mon} {day} {clock}", "%Y %b %d %H:%M:%S").replace(tzinfo=timezone.utc)
            out.append((f"{prog}: {msg}", t.timestamp()))
    return out


def digest(stream, matches: bool = False, **knobs) -> str:
    miner = TemplateMiner(**knobs)
    h = hashlib.sha256()
    for i, (msg, t) in enumerate(stream):
        if matches and i % 3 == 0:
            r = miner.match(msg)
            h.update(repr(r and (r.key, r.template, r.version, list(r.params.items()))).encode("utf-8", "surrogatepass"))
        r = miner.learn(msg, t)
        h.update(repr((r.key, r.template, r.version, list(r.params.items()), r.is_new, r.changed))
                 .encode("utf-8", "surrogatepass"))
    h.update(json.dumps(miner.to_state(), sort_keys=True).encode("utf-8", "surrogatepass"))
    return f"{h.hexdigest()[:32]} {len(miner)} templates"


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data" / "loghub2k"
    w = week()
    print("week", digest(w))
    print("week max_templates=40", digest(w, max_templates=40))
    print("week with match()", digest(w[:40000], matches=True))
    every = []
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        with (d / f"{d.name}_2k.log_structured_corrected.csv").open(newline="", encoding="utf-8") as f:
            content = [(r["Content"], None) for r in csv.DictReader(f)]
        with (d / f"{d.name}_2k.log").open(encoding="utf-8", errors="surrogateescape") as f:
            raw = [(line.rstrip("\n"), None) for line in f]
        every += content
        print(d.name, digest(content))
        print(d.name, "similarity=0.7 evidence=2", digest(content, similarity=0.7, evidence=2))
        print(d.name, "with match()", digest(content, matches=True))
        print(d.name, "raw lines", digest(raw))
    print("all contents", digest(every))
    print("all contents max_templates=100", digest(every, max_templates=100))


if __name__ == "__main__":
    main()
