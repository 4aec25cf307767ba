"""Each stage package says what it exports, and exports what it says."""
import importlib

import pytest

PACKAGES = ["brainstem.detect", "brainstem.fingerprint", "brainstem.ingest", "brainstem.pipeline",
            "brainstem.rules", "brainstem.store"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_exist_and_are_unique(name):
    mod = importlib.import_module(name)
    exported = getattr(mod, "__all__", None)
    assert exported, f"{name} has no __all__"
    assert len(set(exported)) == len(exported)
    for attr in exported:
        assert hasattr(mod, attr), f"{name}.__all__ names {attr}, which it does not define"
