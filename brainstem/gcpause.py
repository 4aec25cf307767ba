"""Fewer cyclic garbage collections while a long stream of events is processed.

An ingest allocates many small objects per event that live as long as a batch
or a detector window; with Python's default gen-0 threshold (700) the
collector walks them again and again, for nothing: what they hold is freed by
reference counting. Raising the threshold for the duration of a run and
restoring it afterwards (also on error) saves that time and changes no result.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

# The gen-0 threshold for a stream of events (the service's writer, a worker, `brainstem
# nb`): on the 156k-line week the collector took 1.1 CPU-s at the default 700, 0.5 at
# 50,000 and 0.3 at this.
STREAM_GEN0 = 200_000
# ...and for a file ingest, which ends: the 156k week then runs without a collection
# (0.14-0.16 CPU-s of four at 200,000). It makes no cyclic garbage to wait for: its peak
# RSS was 193 MB with the collector at 200,000 and with it switched off.
INGEST_GEN0 = 1_000_000


@contextmanager
def collect_less(gen0: int = STREAM_GEN0) -> Iterator[None]:
    """Within the block, a gen-0 collection only every ``gen0`` net allocations
    (never more often than before); the thresholds as they were afterwards."""
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    gc.set_threshold(max(before[0], gen0), *before[1:])
    try:
        yield
    finally:
        if not frozen:
            _promote_survivors()
        gc.set_threshold(*before)


def _promote_survivors() -> None:
    """Move what the block left (up to ``gen0`` objects, the pipeline's state among them)
    to the oldest generation without walking it: with the threshold back at its
    default, the next allocation would otherwise start a young collection over all of
    it (0.19 CPU-s after the 156k-line week, 2.5% of the ingest). Nothing is lost: a
    cycle among them is collected by the next full collection. Skipped when someone
    else froze objects (unfreezing would hand theirs back to the collector too)."""
    gc.freeze()       # every generation into the permanent one, counts reset
    gc.unfreeze()     # the permanent generation into the oldest
