"""The miner on the Loghub-2k sample (skipped when ../shared is absent).

Floors a little under the measured figures (bench/loghub.py), so a change
that costs accuracy shows up here.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from brainstem.fingerprint import TemplateMiner, fingerprint_lines
from brainstem.fingerprint.accuracy import grouping_accuracy, parsing_accuracy
from brainstem.fingerprint.tokens import normalize

DATASETS = ["Android", "Apache", "HDFS", "Hadoop", "HealthApp", "Linux", "OpenSSH", "Spark",
            "Windows", "Zookeeper"]


def load(root: Path, name: str) -> tuple[list[str], list[str]]:
    with (root / name / f"{name}_2k.log_structured_corrected.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventTemplate"] for r in rows]


@pytest.fixture(scope="module")
def results(loghub_dir: Path) -> dict[str, tuple[list[str], list[str], list[tuple[str, str]]]]:
    out = {}
    for name in DATASETS:
        contents, truth = load(loghub_dir, name)
        out[name] = (contents, truth, fingerprint_lines(contents))
    return out


def test_accuracy_floors(results):
    gas, pas = [], []
    for name, (contents, truth, pairs) in results.items():
        ga = grouping_accuracy(truth, [k for k, _ in pairs])
        pa = parsing_accuracy(truth, [t for _, t in pairs])
        assert ga >= 0.95, (name, ga)
        gas.append(ga)
        pas.append(pa)
    assert sum(gas) / len(gas) >= 0.98
    assert sum(pas) / len(pas) >= 0.88


def test_every_line_matches_its_template(results):
    for name, (contents, _, pairs) in results.items():
        for line, (_, template) in zip(contents, pairs):
            pattern = ".*?".join(re.escape(p) for p in template.split("<*>"))
            assert re.fullmatch(pattern, normalize(line), re.S), (name, template, line)


def test_templates_stop_growing_on_a_repeated_stream(results):
    miner = TemplateMiner()
    stream = [line for contents, _, _ in results.values() for line in contents]
    for line in stream:
        miner.learn(line)
    count = len(miner)
    for line in stream:
        got = miner.learn(line)
        assert not got.is_new and not got.changed, line
    assert len(miner) == count
