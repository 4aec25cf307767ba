"""The compiled miner (setup.py, mypyc) assigns exactly as the pure-Python one.

Skipped, with the reason, where the install left no compiled modules (no C
compiler, no Python headers, ``make pure``). Both miners run in subprocesses on
the same messages: the compiled one as installed, the pure one from a copy of
the package's sources alone (no compiled file in it, so nothing can shadow them).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import brainstem
from tests.conftest import SHARED
from brainstem.fingerprint import masking, miner, shapes, templates, tokens

NATIVE = [masking, miner, shapes, templates, tokens]
PACKAGE = Path(brainstem.__file__).resolve().parent
COMPILED = str(miner.__file__).endswith((".so", ".pyd"))
needs_compiled = pytest.mark.skipif(not COMPILED, reason="the miner is pure Python here (no compiled modules: "
                                                         "no C compiler or headers at install, or `make pure`)")

# Learns every message of the file argv[1] (JSON: [message, time] pairs), with two knob
# settings and a small max_templates (evictions) and match() between, and prints a
# SHA-256 of every Match and of the final state, and where the miner module came from.
RUN = r"""
import hashlib, json, sys
from brainstem.fingerprint import TemplateMiner, miner
stream = json.load(open(sys.argv[1]))
out = {"file": miner.__file__}
for name, knobs, probe in (("default", {}, False), ("knobs", {"similarity": 0.7, "evidence": 2}, False),
                           ("small", {"max_templates": 40}, True)):
    m = TemplateMiner(**knobs)
    h = hashlib.sha256()
    for i, (msg, t) in enumerate(stream):
        if probe and i % 7 == 0:
            h.update(repr(m.match(msg)).encode())
        h.update(repr(m.learn(msg, t)).encode())
    h.update(json.dumps(m.to_state(), sort_keys=True).encode())
    out[name] = h.hexdigest()
print(json.dumps(out))
"""


def _messages(loghub: Path) -> list[tuple[str, float]]:
    """Syslog-like lines with all the masking's kinds, and the Loghub-2k contents when ../shared has them."""
    import random
    r = random.Random(7)
    lines = []
    for i in range(6000):
        n = r.randrange(1, 60000)
        lines.append(r.choice([
            f"sshd[{n}]: Failed password for user{n % 17} from 10.{n % 256}.{i % 256}.{n % 7} port {n} ssh2",
            f"kernel: eth{n % 3}: link up, {n % 1000} Mbps, full duplex, lpa 0x{n:04x}",
            f"cron: job backup-{n % 9} took {n / 1000:.3f} s at 2026-03-02T{n % 24:02d}:00:01Z",
            f"app: GET /api/v1/items/{n}?q={n % 5} HTTP/1.1 200 {n * 3} bytes in {n % 90} ms",
            f'svc: msg="disk {n % 4} at {n % 100}%" host=web-{n % 12}.example.com:{8000 + n % 10} ok={n % 2 == 0}',
            f"db: deadlock on table t{n % 6} txn {n:08x}-{n % 97:04x}-aaaa-bbbb-{n:012x} user='admin{n % 3}'",
            f"  nginx:   upstream {n % 5} timed out\t({n % 110}: Connection timed out) while reading",
            f"java: at com.example.Main{n % 4}.run(Main.java:{n % 300}) caused by {['IOError', 'Timeout'][n % 2]}",
            f"svc{n % 3} started after {n % 60}m{n % 60}s with mac 00:1a:2b:{n % 99:02d}:4d:5e",
        ]))
    if loghub.is_dir():
        import csv
        for d in sorted(p for p in loghub.iterdir() if p.is_dir()):
            for f in d.glob("*_structured*.csv"):
                with f.open(newline="", encoding="utf-8") as fh:
                    lines += [row["Content"] for row in csv.DictReader(fh)]
    return [(m, 1.7e9 + i) for i, m in enumerate(lines)]


def _run(stream: Path, env_path: str | None) -> dict[str, str]:
    import os
    env = dict(os.environ)
    if env_path is not None:
        env["PYTHONPATH"] = env_path
    got = subprocess.run([sys.executable, "-c", RUN, str(stream)], capture_output=True, text=True, env=env,
                         cwd=stream.parent, timeout=600, check=True)
    return json.loads(got.stdout)


@needs_compiled
def test_every_listed_module_is_compiled():
    """All five or none: a mixed set (a stale or half-built install) is not what was measured."""
    assert [str(m.__file__).endswith((".so", ".pyd")) for m in NATIVE] == [True] * len(NATIVE)


@needs_compiled
def test_compiled_modules_are_the_current_sources():
    """A compiled module shadows its source: an edit since the build would be silently ignored.

    setup.py records the SHA-256 of every source it compiled (brainstem/_native_sources.json).
    """
    record = PACKAGE / "_native_sources.json"
    assert record.exists(), "compiled modules without setup.py's record of their sources: run `make native`"
    built = json.loads(record.read_text())
    for m in NATIVE:
        rel = f"brainstem/fingerprint/{m.__name__.rsplit('.', 1)[1]}.py"
        now = hashlib.sha256((PACKAGE.parent / rel).read_bytes()).hexdigest()
        assert built.get(rel) == now, f"{rel} changed after it was compiled: run `make native` (or `make pure`)"


@needs_compiled
def test_compiled_and_pure_miner_assign_alike(tmp_path):
    stream = tmp_path / "stream.json"
    stream.write_text(json.dumps(_messages(SHARED / "data" / "loghub2k")))   # without ../shared: the generated lines
    pure_root = tmp_path / "pure"
    shutil.copytree(PACKAGE, pure_root / "brainstem", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    compiled = _run(stream, None)
    pure = _run(stream, str(pure_root))
    assert compiled.pop("file").endswith((".so", ".pyd"))
    assert pure.pop("file") == str(pure_root / "brainstem" / "fingerprint" / "miner.py")
    assert compiled == pure
