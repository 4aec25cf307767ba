#!/usr/bin/env python3
"""Does `brainstem serve` hold its memory over a long run? A soak.

    .venv/bin/python bench/serve_soak.py [--rate 3000] [--seconds 900] [--every 60]

UDP syslog paced at ``--rate`` messages/s (below what the writer takes, so nothing
queues up) for ``--seconds``; every ``--every`` seconds it prints the service's RSS
and the messages stored so far, then the growth over the second half of the run
beside the growth over the first (the page cache and the detectors' windows fill
first; a leak goes on growing). Prints its figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_syslog import Service  # noqa: E402

STORED = 'brainstem_messages_stored_total{source="udp"}'


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=3000)
    ap.add_argument("--seconds", type=float, default=900)
    ap.add_argument("--every", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="brainstem-soak-") as tmp:
        work = Path(tmp)
        svc = Service(work)
        try:
            sender = subprocess.Popen([sys.executable, str(Path(__file__).with_name("serve_syslog.py")),
                                       "--udp-sender", str(svc.ports["udp"]), str(a.rate), str(a.seconds),
                                       str(a.seed), str(work / "sent.json")])
            t0 = time.monotonic()
            samples = []
            while sender.poll() is None:
                samples.append((time.monotonic() - t0, svc.rss(), svc.metrics().get(STORED, 0)))
                print(f"{samples[-1][0]:6.0f} s  RSS {samples[-1][1]:6.0f} MB  stored {samples[-1][2]:>11,.0f}", flush=True)
                time.sleep(a.every)
            if len(samples) >= 3:
                mid = samples[len(samples) // 2]
                first, last = samples[1], samples[-1]
                print(f"RSS growth: {mid[1] - first[1]:+.0f} MB over the first half "
                      f"({mid[2] - first[2]:,.0f} messages), {last[1] - mid[1]:+.0f} MB over the second "
                      f"({last[2] - mid[2]:,.0f} messages)")
        finally:
            svc.stop()


if __name__ == "__main__":
    main()
