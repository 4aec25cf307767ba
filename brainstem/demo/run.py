"""The demo: generate a week of logs for two tenants, ingest them, show the top candidates.

Running it again on the same database is harmless: the files come out
byte-identical and the pipeline skips events it already stored.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from brainstem.demo.generator import Planted, generate

RULES_DIR = Path(__file__).parent / "rules"

# how deep to look for a planted pattern when reporting where it ranked
PLANTED_SEARCH_DEPTH = 50


def run_demo(ws, root: Path, *, seed: int = 7, top: int = 5) -> dict[str, dict[str, Any]]:
    """Generate (deterministically) and ingest the demo data; return per tenant its run stats and top candidates.

    Each tenant's entry also has ``planted``: the patterns hidden in its logs, each
    with the 1-based rank of the candidate that found it (None when not among the
    first ``PLANTED_SEARCH_DEPTH``).
    """
    data = generate(root, seed=seed)
    rules = str(RULES_DIR) if any(RULES_DIR.glob("*.nb")) else None
    out: dict[str, dict[str, Any]] = {}
    for slug, files in sorted(data.files.items()):
        stats = ws.ingest([str(f) for f in files], tenant=slug, rules_dir=rules)
        cands = ws.candidates(slug, limit=max(top, PLANTED_SEARCH_DEPTH))
        out[slug] = {
            "stats": stats,
            "top": cands[:top],
            "planted": [{"planted": p, "rank": rank_of(ws.store, p, cands)}
                        for p in data.planted if p.tenant == slug],
        }
    return out


def rank_of(store, planted: Planted, candidates: list) -> int | None:
    """1-based rank of the first candidate of the planted kind whose signature covers its sample message."""
    for i, c in enumerate(candidates, 1):
        if c.candidate_type != planted.kind:
            continue
        for sid in c.source_signature_ids:
            sig = store.get(sid)
            if sig is not None and matches(sig.normalized_pattern, sig.service, planted.sample_message):
                return i
    return None


def matches(pattern: str, service: str | None, message: str) -> bool:
    """Does a signature template (``<*>`` wildcards, maybe prefixed ``service: ``) cover ``message``?"""
    if service and pattern.startswith(service + ": "):
        pattern = pattern[len(service) + 2:]
    parts = [re.escape(" ".join(p.split())) for p in pattern.split("<*>")]
    return re.fullmatch(r"\s*.*?\s*".join(parts), " ".join(message.split())) is not None
