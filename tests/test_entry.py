"""The `brainstem` console script: `nb` runs without the CLI, everything else through it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BRAINSTEM = [sys.executable, "-m", "brainstem.entry"]


def test_nb_runs_without_loading_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "r.nb"
    path.write_text("define r on(a=1);\nassert a=1;\n")
    probe = ("import sys, runpy; sys.argv = ['brainstem', 'nb', '--test', sys.argv[1]];\n"
             "try:\n    runpy.run_module('brainstem.entry', run_name='__main__')\n"
             "except SystemExit as e:\n    print('cli loaded:', 'brainstem.cli' in sys.modules, 'exit', e.code)\n")
    run = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60)
    assert "0000-00-00 00:00:00 NB000I Rule r fired" in run.stdout
    assert "cli loaded: False exit 0" in run.stdout


def test_other_forms_go_to_the_cli(tmp_path: Path) -> None:
    run = subprocess.run(BRAINSTEM + ["nb", "--help"], capture_output=True, text=True, timeout=60)
    assert "Usage: " in run.stdout and "--clock" in run.stdout
    bad = subprocess.run(BRAINSTEM + ["nb", "--clock", "yesterday", "x.nb"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "not an ISO 8601 time" in bad.stderr
    other = subprocess.run(BRAINSTEM + ["--version"], capture_output=True, text=True, timeout=60)
    assert other.returncode == 0 and "version" in other.stdout
