"""The NodeBrain conformance scenarios, run through compare.py against `brainstem nb`.

Every scenario must agree with NodeBrain 0.9.04 except the three that exercise
NodeBrain defects D1-D3 (docs/nodebrain-divergences.md), which must still differ.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# scenarios where brainstem implements the documented semantics, not NodeBrain's bug
DEFECT_SCENARIOS = {
    "02_hit_levels.nb",                 # D1 sticky alert flag
    "07_reset_threshold_expiry.nb",     # D2 reset compared with the last attribute
    "13_quirk_expire_with_counting.nb", # D3 one timer per row with ! and counting
}


def test_conformance(shared_dir: Path) -> None:
    nbdir = shared_dir / "nodebrain"
    brainstem = Path(sys.executable).with_name("brainstem")
    cmd = f"{brainstem} nb --test" if brainstem.exists() else f"{sys.executable} -m brainstem.cli nb --test"
    run = subprocess.run(
        [sys.executable, str(nbdir / "compare.py"), "--dir", str(nbdir / "scenarios"),
         "--cmd", cmd, "--quiet"],
        capture_output=True, text=True, timeout=600)
    failed = set(re.findall(r"^FAIL\s+(\S+)", run.stdout, re.M))
    passed = set(re.findall(r"^ok\s+(\S+)", run.stdout, re.M))
    assert passed, run.stdout + run.stderr
    assert failed == DEFECT_SCENARIOS, run.stdout


# -- brainstem's own scenarios: NodeBrain 0.9.04's transcripts of inputs written here ---------
OWN = Path(__file__).with_name("nodebrain")


def _compare_module(shared_dir: Path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("nb_compare", shared_dir / "nodebrain" / "compare.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _own_scenarios() -> list[str]:
    return sorted(p.stem for p in OWN.glob("*.nb") if p.with_suffix(".out").exists())


@pytest.mark.parametrize("name", _own_scenarios())
def test_own_scenario_matches_nodebrain(name: str, shared_dir: Path, tmp_path: Path) -> None:
    """Each tests/rules/nodebrain/NAME.nb gives NodeBrain's NAME.out. They run in a copy
    of the folder (some write files) with --allow-shell (they append to files they follow);
    a scenario's first lines may set `# brainstem-nb: OPTIONS` (e.g. a start clock)."""
    compare = _compare_module(shared_dir)
    work = tmp_path / "nb"
    shutil.copytree(OWN, work)
    text = (work / f"{name}.nb").read_text()
    opts = [w for line in text.splitlines()[:3] if line.startswith("# brainstem-nb:")
            for w in line.split(":", 1)[1].split()]
    brainstem = Path(sys.executable).with_name("brainstem")
    cmd = [str(brainstem)] if brainstem.exists() else [sys.executable, "-m", "brainstem.cli"]
    run = subprocess.run(cmd + ["nb", "--test", "--allow-shell", *opts, f"{name}.nb"], cwd=work,
                         capture_output=True, text=True, timeout=120)
    ok, diff = compare.compare((OWN / f"{name}.out").read_text(), run.stdout + run.stderr)
    assert ok, diff
