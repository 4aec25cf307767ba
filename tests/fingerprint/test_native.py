"""The compiled miner and detectors (setup.py, mypyc) give exactly what the pure-Python ones give.

Skipped, with the reason, where the install left no compiled modules (no C
compiler, no Python headers, ``make pure``). Compiled and pure run in subprocesses
on the same input: the compiled modules as installed, the pure ones from a copy of
the package's sources alone (no compiled file in it, so nothing can shadow them).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import brainstem
from tests.conftest import SHARED
from brainstem.detect import anomaly, base, burst, chain, precursor, profile, recurrence, self_heal, spread, window
from brainstem.fingerprint import masking, miner, shapes, templates, tokens

MINER = [masking, miner, shapes, templates, tokens]
DETECT = [anomaly, base, burst, chain, precursor, profile, recurrence, self_heal, spread, window]
NATIVE = MINER + DETECT
PACKAGE = Path(brainstem.__file__).resolve().parent
COMPILED = str(miner.__file__).endswith((".so", ".pyd"))
needs_compiled = pytest.mark.skipif(not COMPILED, reason="the miner is pure Python here (no compiled modules: "
                                                         "no C compiler or headers at install, or `make pure`)")

# Learns every message of the file argv[1] (JSON: [message, time] pairs), with two knob
# settings, a small max_templates (evictions) and match() between, and times given as
# ints (kept as given, compiled too), and prints a
# SHA-256 of every Match and of the final state, and where the miner module came from.
RUN = r"""
import hashlib, json, sys
from brainstem.fingerprint import TemplateMiner, miner
stream = json.load(open(sys.argv[1]))
out = {"file": miner.__file__}
for name, knobs, probe, whole in (("default", {}, False, False), ("knobs", {"similarity": 0.7, "evidence": 2}, False, False),
                                  ("small", {"max_templates": 40}, True, False), ("whole seconds", {}, False, True)):
    m = TemplateMiner(**knobs)
    h = hashlib.sha256()
    for i, (msg, t) in enumerate(stream):
        if probe and i % 7 == 0:
            h.update(repr(m.match(msg)).encode())
        h.update(repr(m.learn(msg, int(t) if whole else t)).encode())
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


# A fortnight of observations through the detector set (every detector has something to
# find: bursts, spreads, problems that heal, a daily job, a warning before a failure, alerts
# that open and clear), three ways: as the pipeline gives them (float times, the settings'
# knobs); with whole-second int times and int knobs, set up by hand (compiled, a value typed
# ``float`` would turn them into floats: a finding's ts, an episode's threshold, the state);
# and with the set's state sent through JSON and loaded into a fresh set halfway. Prints, per
# way, the number of findings and a SHA-256 of the repr of every finding and of every
# detector's state at the end (repr and JSON tell 20 from 20.0), and where the modules came from.
RUN_DETECT = r"""
import hashlib, json, random
from brainstem.detect import (ActivityProfile, AnomalyDetector, BurstDetector, DetectorSet, Observation,
                              PrecursorDetector, RecurrenceDetector, SelfHealDetector, SpreadDetector,
                              build_detectors, burst)
from brainstem.settings import load_settings
r = random.Random(3)
day = 86400.0
t = 20512 * day
hosts = [f"h{i}" for i in range(30)]
stream = []
def add(ts, key, host, sev=6, template=None, alert=None):
    stream.append(Observation(ts, f"ev{len(stream)}", key, host, sev, template or f"message {key}", alert))
while t < 20526 * day:
    t += r.expovariate(1 / 30)
    add(t, f"chat{r.randrange(5)}", r.choice(hosts))
    x = r.random()
    if x < 0.0004:     # a burst on one host
        for i in range(150):
            add(t + i * 0.3, "burst", "h1", 3, "disk error on <*>")
    elif x < 0.0008:   # a spread over the fleet
        for i, h in enumerate(hosts):
            add(t + i * 0.5, "spread", h, 4, "ntp lost sync to <*>")
    elif x < 0.004:    # a link that goes down and comes back
        h = r.choice(hosts)
        add(t, "down", h, 4, "link <*> changed state to down")
        add(t + r.uniform(5, 1200), "up", h, 6, "link <*> changed state to up")
    elif x < 0.005:    # a warning before a failure
        h = r.choice(hosts)
        add(t, "warn", h, 4, "queue <*> is <*>% full")
        add(t + r.uniform(60, 900), "crit", h, 2, "service <*> failed")
    elif x < 0.0055:   # a monitoring alert, acknowledged or not, then cleared
        a = f"a{len(stream)}"
        add(t, "alert", "h2", 3, "alert", (a, "active", False))
        add(t + 60, "alert", "h2", 3, "alert", (a, "acknowledged", True))
        add(t + r.uniform(100, 3000), "alert", "h2", 6, "alert", (a, "cleared", r.random() < 0.5))
    if t % day < 30:   # a daily job
        add(t - t % day + 3 * 3600 + r.uniform(0, 60), "cron", "h3", 6, "cron job <*> finished")
stream.sort(key=lambda o: o.ts)

def by_hand():
    # the defaults, the whole ones given as ints (what a test or an embedding caller may pass)
    p = ActivityProfile(keep_days=35, background_hours=72, silence_seconds=1800, startup_seconds=900,
                        confirm_seconds=3600)
    b = BurstDetector(p, window_seconds=300, min_events=20, ratio=8, baseline_windows=12)
    s = SpreadDetector(p, window_seconds=600, min_assets=5, ratio=3, baseline_windows=12)
    b.spread = s
    h = SelfHealDetector(p, window_seconds=900, min_pairs=2)
    c = RecurrenceDetector(p, min_buckets=3, min_coverage=0.7, max_window_hours=6, min_specificity=0.75,
                           max_activity_share=0.5, max_chance=0.05)
    q = PrecursorDetector(p, window_seconds=1800, min_lead_seconds=60, min_support=3, min_confidence=0.6,
                          min_lift=3, max_target_rank=4, max_background=0.5)
    a = AnomalyDetector(p, burst=b, spread=s, self_heal=h, recurrence=c, precursor=q, baseline_seconds=86400,
                        hold_seconds=600, rate_ratio=10, rate_min_events=20)
    return DetectorSet(p, c, b, s, h, q, a)

def run(make, events, resume_at=None):
    detectors = make()
    h = hashlib.sha256()
    n = 0
    for i, o in enumerate(events):
        if i == resume_at:
            states = [json.loads(json.dumps(d.to_state())) for d in detectors]
            detectors = make()
            for d, st in zip(detectors, states):
                d.load_state(st)
        for f in detectors.learn_one(o):
            h.update(repr(f).encode())
            n += 1
    for d in detectors:
        h.update(repr(d.to_state()).encode())
        h.update(json.dumps(d.to_state(), sort_keys=True).encode())
    return {"findings": n, "digest": h.hexdigest()}

settings = load_settings(env={})
whole = [Observation(int(o.ts), o.event_id, o.signature_key, o.asset, o.severity, o.template, o.alert)
         for o in stream]
print(json.dumps({"file": burst.__file__, "events": len(stream),
                  "pipeline": run(lambda: build_detectors(settings), stream),
                  "ints": run(by_hand, whole),
                  "resumed": run(lambda: build_detectors(settings), stream, resume_at=len(stream) // 2),
                  "ints resumed": run(by_hand, whole, resume_at=len(stream) // 2)}))
"""


def _run(script: str, env_path: str | None, *args: str, cwd: Path) -> dict[str, str]:
    import os
    env = dict(os.environ)
    if env_path is not None:
        env["PYTHONPATH"] = env_path
    got = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
                         cwd=cwd, timeout=600, check=True)
    return json.loads(got.stdout)


def _pure_copy(tmp_path: Path) -> Path:
    root = tmp_path / "pure"
    shutil.copytree(PACKAGE, root / "brainstem", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    return root


def test_the_modules_setup_py_compiles_type_check():
    """mypyc refuses a module mypy rejects, and the install then falls back to pure Python
    without a word: a type error here would leave every compiled test skipped, not failed."""
    pytest.importorskip("mypy", reason="mypy (a dev dependency) is not installed")
    sources = [m.__name__.replace(".", "/") + ".py" for m in NATIVE]
    setup_py = (PACKAGE.parent / "setup.py").read_text()
    assert all(f'"{src}"' in setup_py for src in sources), "setup.py compiles another list of modules"
    got = subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", "--follow-imports=silent",
                          "--no-incremental", *sources], cwd=PACKAGE.parent, capture_output=True, text=True)
    assert got.returncode == 0, got.stdout + got.stderr


@needs_compiled
def test_every_listed_module_is_compiled():
    """All fifteen or none: a mixed set (a stale or half-built install) is not what was measured."""
    assert [str(m.__file__).endswith((".so", ".pyd")) for m in NATIVE] == [True] * len(NATIVE)


@needs_compiled
def test_compiled_modules_are_the_current_sources():
    """A compiled module shadows its source: an edit since the build would be silently ignored.

    setup.py records the SHA-256 of every source it compiled (brainstem/_native_sources.json).
    """
    from brainstem import stale_compiled_sources
    record = PACKAGE / "_native_sources.json"
    assert record.exists(), "compiled modules without setup.py's record of their sources: run `make native`"
    assert sorted(json.loads(record.read_text())) == sorted(m.__name__.replace(".", "/") + ".py" for m in NATIVE)
    stale = stale_compiled_sources(str(PACKAGE))
    assert not stale, f"{', '.join(stale)} changed after it was compiled: run `make native` (or `make pure`)"


@needs_compiled
def test_compiled_and_pure_miner_assign_alike(tmp_path):
    stream = tmp_path / "stream.json"
    stream.write_text(json.dumps(_messages(SHARED / "data" / "loghub2k")))   # without ../shared: the generated lines
    pure_root = _pure_copy(tmp_path)
    compiled = _run(RUN, None, str(stream), cwd=tmp_path)
    pure = _run(RUN, str(pure_root), str(stream), cwd=tmp_path)
    assert compiled.pop("file").endswith((".so", ".pyd"))
    assert pure.pop("file") == str(pure_root / "brainstem" / "fingerprint" / "miner.py")
    assert compiled == pure


@needs_compiled
def test_compiled_and_pure_detectors_find_alike(tmp_path):
    pure_root = _pure_copy(tmp_path)
    compiled = _run(RUN_DETECT, None, cwd=tmp_path)
    pure = _run(RUN_DETECT, str(pure_root), cwd=tmp_path)
    assert compiled.pop("file").endswith((".so", ".pyd"))
    assert pure.pop("file") == str(pure_root / "brainstem" / "detect" / "burst.py")
    for way in ("pipeline", "ints", "resumed", "ints resumed"):
        assert compiled[way]["findings"] > 20, way      # the stream gives every detector something
    assert compiled == pure


def test_a_source_changed_after_its_compile_is_named_at_import(tmp_path):
    """Outside the tests too: importing brainstem warns when a source setup.py compiled in
    place changed since (its compiled copy is what runs); a file only touched is not changed."""
    from brainstem import stale_compiled_sources
    pkg = tmp_path / "brainstem"
    (pkg / "detect").mkdir(parents=True)
    src = pkg / "detect" / "window.py"
    src.write_text("X = 1\n")
    assert stale_compiled_sources(str(pkg)) == []          # nothing compiled here: no record
    (pkg / "_native_sources.json").write_text(json.dumps(
        {"brainstem/detect/window.py": hashlib.sha256(b"X = 1\n").hexdigest()}))
    assert stale_compiled_sources(str(pkg)) == []
    later = (pkg / "_native_sources.json").stat().st_mtime + 5
    os.utime(src, (later, later))                          # touched, the same text
    assert stale_compiled_sources(str(pkg)) == []
    src.write_text("X = 2\n")
    os.utime(src, (later, later))
    assert stale_compiled_sources(str(pkg)) == ["brainstem/detect/window.py"]
    # the package's own __init__, run from that tree, says so as it is imported
    shutil.copy(PACKAGE / "__init__.py", pkg / "__init__.py")
    got = subprocess.run([sys.executable, "-c", f"import runpy; runpy.run_path({str(pkg / '__init__.py')!r})"],
                         capture_output=True, text=True)
    assert got.returncode == 0 and "brainstem/detect/window.py changed after it was compiled" in got.stderr
