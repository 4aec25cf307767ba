"""brainstem.fingerprint: messages to signatures (log templates with stable keys).

See docs/signatures.md.
"""
from __future__ import annotations

from collections.abc import Iterable

from .miner import Match, TemplateMiner

__all__ = ["Match", "TemplateMiner", "fingerprint_lines"]


def fingerprint_lines(lines: Iterable[str], **knobs: float) -> list[tuple[str, str]]:
    """Learn every line, then give each line's ``(signature_key, template)`` as of the end.

    Keys are resolved through merge aliases, so lines that ended up in the same
    template share a key and a template, whatever order they came in.
    ``knobs``: ``similarity`` and ``evidence`` for the miner (see TemplateMiner).
    """
    messages = [line.rstrip("\r\n") for line in lines]
    # No eviction here: every line's template must still exist at the end.
    miner = TemplateMiner(max_templates=max(50000, len(messages)), **knobs)  # type: ignore[arg-type]
    keys = [miner.learn(m).key for m in messages]
    out = []
    memo: dict[str, tuple[str, str]] = {}
    for key in keys:
        got = memo.get(key)
        if got is None:
            current = miner.resolve(key)
            got = memo[key] = (current, miner.template(current))
        out.append(got)
    return out
