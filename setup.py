"""Optional native build: mypyc compiles the miner's and the detectors' modules when it can (see docs/native.md).

pyproject.toml holds the project's metadata; this file only adds the compiled
extension modules. Where mypyc or a C compiler (or Python's headers) is
missing, or the compile fails, the install goes on in pure Python, which
behaves the same. ``BRAINSTEM_PURE=1`` skips the compile.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

# The hot modules, compiled together into one shared library inside the package: the
# template miner and the detectors. Compiled, a value annotated ``float`` is a C double:
# an int given for it becomes a float, so wherever an int can arrive and is kept or shown
# the detectors say ``float | int`` (docs/native.md).
NATIVE = [
    "brainstem/fingerprint/masking.py",
    "brainstem/fingerprint/miner.py",
    "brainstem/fingerprint/shapes.py",
    "brainstem/fingerprint/templates.py",
    "brainstem/fingerprint/tokens.py",
    "brainstem/detect/anomaly.py",
    "brainstem/detect/base.py",
    "brainstem/detect/burst.py",
    "brainstem/detect/chain.py",
    "brainstem/detect/precursor.py",
    "brainstem/detect/profile.py",
    "brainstem/detect/recurrence.py",
    "brainstem/detect/self_heal.py",
    "brainstem/detect/spread.py",
    "brainstem/detect/window.py",
]
GROUP = "brainstem._native"   # the shared library: brainstem/_native__mypyc.*.so
RECORD = "brainstem/_native_sources.json"   # SHA-256 of each source as compiled (not committed)


def _say(text: str) -> None:
    print(f"brainstem: {text}", file=sys.stderr)


def _remove_compiled() -> None:
    """Remove every compiled module from the package (the package has no other native code): an
    earlier build's would shadow the sources, or import a shared library that no longer has it."""
    for built in glob.glob("brainstem/**/*.so", recursive=True) + glob.glob("brainstem/**/*.pyd", recursive=True):
        os.remove(built)


class optional_build_ext(build_ext):
    """build_ext whose failure leaves the pure-Python modules in place.

    The compiled modules are copied next to their sources only after all of
    them were built, so a failure leaves none (a shim without its shared
    library would not import).
    """

    def run(self) -> None:
        # Only a build into the source tree (an editable install) replaces what is there;
        # a wheel's build leaves an editable install's compiled modules alone.
        inplace = bool(self.inplace)
        if inplace:
            if os.path.exists(RECORD):
                os.remove(RECORD)
            _remove_compiled()
        if not self.extensions:
            return
        try:
            super().run()
        except Exception as exc:   # no compiler, no headers: CCompilerError, PlatformError, …
            _say(f"native build failed ({exc}); using pure Python")
            if inplace:
                _remove_compiled()
            return
        if inplace:
            # what was compiled, so that a test can tell a compiled module from a stale one
            with open(RECORD, "w") as f:
                json.dump({path: hashlib.sha256(open(path, "rb").read()).hexdigest() for path in NATIVE}, f, indent=1)


def native_extensions() -> list:
    if os.environ.get("BRAINSTEM_PURE"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _say("mypyc not available; using pure Python")
        return []
    try:
        return mypycify(["--ignore-missing-imports", "--follow-imports=silent", *NATIVE], group_name=GROUP)
    except BaseException as exc:  # a type error makes mypyc exit
        _say(f"mypyc could not compile ({exc!r}); using pure Python")
        return []


setup(ext_modules=native_extensions(), cmdclass={"build_ext": optional_build_ext})
