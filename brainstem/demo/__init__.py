"""Demo data: a seeded week of realistic syslog for two tenants with planted patterns.

The names below are loaded on first use, so ``python -m brainstem.demo.generator``
does not import the module twice.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["DemoDataset", "Planted", "describe", "generate"]

if TYPE_CHECKING:
    from brainstem.demo.generator import DemoDataset, Planted, describe, generate


def __getattr__(name: str) -> Any:
    if name in __all__:
        from brainstem.demo import generator
        return getattr(generator, name)
    raise AttributeError(f"module 'brainstem.demo' has no attribute {name!r}")
