"""Shared fixtures: where ../shared lives, and how to reach the CLI."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRAINSTEM_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared data directory {SHARED} is missing")
        pytest.skip(f"shared data directory {SHARED} is missing (set BRAINSTEM_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def loghub_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "loghub2k"
