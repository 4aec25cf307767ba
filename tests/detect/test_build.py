"""The whole detector set through the real pipeline: the same candidates whatever the batch size or split."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pytest

from brainstem.demo.generator import generate
from brainstem.detect import build_detectors
from brainstem.settings import load_settings
from brainstem.workspace import Workspace

TYPES = {"recurrence", "burst", "spread", "self_heal", "precursor", "anomaly"}


def _snapshot(ws, tenant="acme", *, samples=True):
    """Everything about every candidate. Lines of the same second in different files have no order
    between them, so which of them is kept as a sample is only compared within one file (``samples``)."""
    return sorted((c.candidate_id, c.candidate_type, c.score_total, c.decision_band, c.explanation,
                   json.dumps(c.metadata["metrics"], sort_keys=True), c.metadata["event_count"],
                   tuple(c.source_event_ids) if samples else len(c.source_event_ids),
                   tuple(sorted(c.metadata["assets"])), tuple(c.source_group_ids))
                  for c in ws.candidates(tenant, limit=10_000))


def _ws(path, **overrides):
    return Workspace(path, load_settings(env={}, **overrides))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    data = generate(root, seed=5, days=6, lines_per_day=1500)
    ws = _ws(root / "whole.db")
    ws.ingest([str(p) for p in data.files["acme"]], tenant="acme")
    yield data, root, _snapshot(ws), _snapshot(ws, samples=False)
    ws.close()


def test_every_type_is_raised_on_the_demo(demo):
    snap = demo[2]
    assert TYPES <= {row[1] for row in snap}


def test_same_candidates_whatever_the_batch_size(demo, tmp_path):
    data, _, whole, _ = demo
    small = _ws(tmp_path / "small.db", batch_size=37)
    small.ingest([str(p) for p in data.files["acme"]], tenant="acme")
    assert _snapshot(small) == whole


def _lines_by(path, key):
    out = {}
    for line in path.read_text().splitlines():
        out.setdefault(key(line), []).append(line)
    return out


def test_same_candidates_from_per_host_files_and_from_two_runs(demo, tmp_path):
    data, _, whole, _ = demo
    end = data.end.timestamp()
    # one file per host (the merge puts them back in event-time order)
    per_host = []
    for path in data.files["acme"]:
        for host, lines in _lines_by(path, lambda ln: ln.split()[3 if not ln.startswith("<") else 3]).items():
            p = tmp_path / "hosts" / f"{path.stem}-{host}.log"
            p.parent.mkdir(exist_ok=True)
            p.write_text("\n".join(lines) + "\n")
            os.utime(p, (end, end))
            per_host.append(str(p))
    split = _ws(tmp_path / "split.db")
    split.ingest(per_host, tenant="acme")
    assert _snapshot(split, samples=False) == demo[3]
    # the first three days, then the rest, in two ingests (state checkpointed between them)
    cut = datetime.fromtimestamp(data.start.timestamp() + 3 * 86400, timezone.utc)
    first, second = [], []
    for path in data.files["acme"]:
        a, b = [], []
        for line in path.read_text().splitlines():
            stamp = line.split(">", 1)[1] if line.startswith("<") else line
            when = datetime.strptime(f"{data.start.year} {stamp[:15]}", "%Y %b %d %H:%M:%S").replace(tzinfo=timezone.utc)
            (a if when < cut else b).append(line)
        for part, lines, bucket in (("a", a, first), ("b", b, second)):
            p = tmp_path / "runs" / f"{path.stem}-{part}.log"
            p.parent.mkdir(exist_ok=True)
            p.write_text("\n".join(lines) + "\n")
            os.utime(p, (end, end))
            bucket.append(str(p))
    runs = _ws(tmp_path / "runs.db")
    runs.ingest(first, tenant="acme")
    runs.ingest(second, tenant="acme")
    assert _snapshot(runs) == whole


def test_state_is_bounded_json_and_versioned(demo):
    root = demo[1]
    ws = Workspace(root / "whole.db", load_settings(env={}))
    tid = ws.tenant("acme").tenant_id
    for d in build_detectors(ws.settings):
        version, state = ws.store.load_state(tid, f"detector:{d.name}")
        assert version == d.state_version
        assert json.loads(json.dumps(state)) == state, d.name
        fresh = build_detectors(ws.settings)[[x.name for x in build_detectors(ws.settings)].index(d.name)]
        fresh.load_state(state)
        assert json.loads(json.dumps(fresh.to_state())) == state, f"{d.name} does not round-trip"
    ws.close()
