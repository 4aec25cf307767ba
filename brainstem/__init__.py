"""brainstem: an operational memory for MSPs and ops teams."""
from __future__ import annotations

import os

__version__ = "0.1.0"


def stale_compiled_sources(package_dir: str) -> list[str]:
    """The sources, compiled in place by setup.py (docs/native.md), that changed since: their
    compiled copies are what runs until ``make native``. Empty where nothing was compiled in
    place (pure Python, or an installed wheel). A stat per source; a hash only for one whose
    file is newer than the build's record of them."""
    record = os.path.join(package_dir, "_native_sources.json")
    try:
        built = os.stat(record).st_mtime
    except OSError:
        return []
    import hashlib
    import json
    try:
        with open(record, encoding="utf-8") as fh:
            digests = json.load(fh)
    except (OSError, ValueError):
        return []
    stale = []
    root = os.path.dirname(package_dir)
    for rel, digest in digests.items():
        path = os.path.join(root, rel)
        try:
            if os.stat(path).st_mtime <= built:
                continue
            with open(path, "rb") as fh:
                if hashlib.sha256(fh.read()).hexdigest() != digest:
                    stale.append(rel)
        except OSError:
            continue
    return stale


def _warn_if_stale() -> None:
    stale = stale_compiled_sources(os.path.dirname(os.path.abspath(__file__)))
    if stale:
        import warnings
        warnings.warn(f"{', '.join(stale)} changed after it was compiled: the compiled copy is what runs "
                      "until `make native` (or `make pure`)", RuntimeWarning, stacklevel=2)


_warn_if_stale()
