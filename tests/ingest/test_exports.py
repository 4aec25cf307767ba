"""The public surface of brainstem.ingest is explicit (cf. httpx's test_exported_members)."""
import pkgutil

import brainstem.ingest as ingest


def test_all_is_complete_and_importable():
    public = {n for n in dir(ingest) if not n.startswith("_")}
    modules = {m.name for m in pkgutil.iter_modules(ingest.__path__)}
    assert set(ingest.__all__) == public - modules
    for name in ingest.__all__:
        obj = getattr(ingest, name)
        assert name == "FORMATS" or obj.__module__.startswith("brainstem.ingest.")
