"""Command modules beyond the core CLI, one per area; each defines ``register(cli)``.

They use the option helpers of ``brainstem.cli`` and, like it, only parse,
call one library function and render.
"""
from __future__ import annotations

import importlib

MODULES = ("serve", "worker", "keys", "lm")


def register(cli) -> None:
    for name in MODULES:
        importlib.import_module(f"brainstem.commands.{name}").register(cli)
