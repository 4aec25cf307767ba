"""Every module imports on its own (no import cycles hiding behind import order)."""
import pkgutil
import subprocess
import sys

import brainstem

MODULES = sorted(m.name for m in pkgutil.walk_packages(brainstem.__path__, "brainstem.")
                 if not m.name.endswith("__main__"))


def test_every_module_imports_alone():
    code = ";".join(
        f"import subprocess,sys; r=subprocess.run([sys.executable,'-c','import {m}'],capture_output=True,text=True); "
        f"print('{m}', r.returncode, r.stderr.strip().splitlines()[-1:] )" for m in MODULES)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300).stdout
    failed = [line for line in out.splitlines() if " 0 " not in line]
    assert len(out.splitlines()) == len(MODULES) > 30
    assert not failed, failed
