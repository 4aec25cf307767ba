"""Ingest files for one tenant: the library call behind `brainstem ingest`.

Several files are read as one stream merged by event time (each file is
assumed mostly time-ordered, as logs are), so detectors see one host's
"02:00" next to another's, exactly as if the fleet had been watched live.
At most ``MERGE_FANOUT`` files are open at once; beyond that, files are
merged in consecutive groups.
"""
from __future__ import annotations

import heapq
import itertools
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from brainstem.gcpause import INGEST_GEN0, collect_less
from brainstem.ingest import IngestReport, JsonMapping, Record, expand_paths, open_records
from brainstem.models import Tenant
from brainstem.pipeline.events import EventFactory
from brainstem.pipeline.runner import RunStats, TenantPipeline
from brainstem.store.base import Store

MERGE_FANOUT = 64


def _keyed(records: Iterator[Record], idx: int, fallback: float) -> Iterator[tuple[float, int, int, Record]]:
    last = fallback
    for seq, rec in enumerate(records):
        ts = rec.timestamp
        if ts is not None:
            last = ts.timestamp()
        yield last, idx, seq, rec


def merged_records(files: list[Path], *, fmt: str | None, json_mapping: JsonMapping | None,
                   report: IngestReport, on_progress: Callable[[int], None] | None,
                   reference_time: datetime | None = None, **options) -> Iterator[Record]:
    """Records of all ``files`` in event-time order (a k-way merge); ``options``
    go to read_records (continuation handling). Up to ``MERGE_FANOUT`` files are
    opened now; beyond that, each group when the one before it is done."""
    def group_records(group: list[Path]) -> Iterator[Record]:
        opened = list(open_records(group, report=report, fmt=fmt, json_mapping=json_mapping,
                                   reference_time=reference_time, on_progress=on_progress, **options))
        if len(opened) == 1:
            return opened[0][1]      # one file: nothing to merge, and no generator between it and the pipeline
        streams = [_keyed(recs, i, p.stat().st_mtime) for i, (p, recs) in enumerate(opened)]
        return (item[3] for item in heapq.merge(*streams))

    if len(files) <= MERGE_FANOUT:
        return group_records(files)
    groups = (files[start:start + MERGE_FANOUT] for start in range(0, len(files), MERGE_FANOUT))
    return itertools.chain.from_iterable(group_records(g) for g in groups)


def ingest_paths(store: Store, settings, tenant: Tenant, files: list[Path], *, fmt: str | None = None,
                 json_mapping: JsonMapping | None = None, on_progress: Callable[[int], None] | None = None,
                 rules=None, reference_time: datetime | None = None) -> RunStats:
    """Read ``files`` (as ``expand_paths`` gives them), fingerprint, detect, score and store.

    Bad lines are counted in the returned stats, never raised.
    """
    started = time.perf_counter()
    report = IngestReport()
    stats = RunStats()
    pipeline = TenantPipeline(store, settings, tenant, rules=rules)
    fallback = max((p.stat().st_mtime for p in files), default=0.0)
    factory = EventFactory(tenant.tenant_id, datetime.fromtimestamp(fallback, timezone.utc))
    records = merged_records(files, fmt=fmt, json_mapping=json_mapping, report=report,
                             on_progress=on_progress, reference_time=reference_time,
                             continuation=settings.continuation,
                             continuation_max_lines=settings.continuation_max_lines)
    with collect_less(INGEST_GEN0), store.writing_behind(settings.write_behind_min_events) as behind:
        pipeline.process(records, stats, factory)
        pipeline.finish(stats)
    # events another writer stored between the duplicate check and the write
    stats.events_stored -= behind.already_stored
    stats.duplicates += behind.already_stored
    stats.lines_read = report.lines_read
    stats.bad_lines = report.bad_lines
    stats.bad = list(report.bad)
    stats.untimed_lines = report.untimed_lines
    stats.joined_lines = report.joined_lines
    stats.untimed_files = list(report.untimed_files)
    stats.notes = list(report.notes)
    stats.elapsed = time.perf_counter() - started
    return stats


def total_bytes(paths: Iterable[str]) -> int:
    """Sum of the sizes of the files ``paths`` expand to (for a progress bar)."""
    return sum(p.stat().st_size for p in expand_paths(paths))
