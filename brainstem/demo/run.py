"""The demo: generate a week of logs for two tenants, ingest them, show the top candidates.

Running it again on the same database is harmless: the files come out
byte-identical and the pipeline skips events it already stored.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from brainstem.demo.generator import generate
from brainstem.demo.judge import judge, matches

__all__ = ["matches", "run_demo"]

RULES_DIR = Path(__file__).parent / "rules"

# how deep to look for a planted pattern when reporting where it ranked
PLANTED_SEARCH_DEPTH = 50


def run_demo(ws, root: Path, *, seed: int = 7, top: int = 5) -> dict[str, dict[str, Any]]:
    """Generate (deterministically) and ingest the demo data; return per tenant its run stats and top candidates.

    Each tenant's entry also has ``planted``: the patterns hidden in its logs, each
    with the 1-based rank of the first candidate of its type that covers it (None
    when not among the first ``PLANTED_SEARCH_DEPTH``), and ``decoys``: the decoys
    hidden there, each with whether a candidate at ``review`` or above covers it.
    """
    data = generate(root, seed=seed)
    rules = str(RULES_DIR) if any(RULES_DIR.glob("*.nb")) else None
    out: dict[str, dict[str, Any]] = {}
    for slug, files in sorted(data.files.items()):
        stats = ws.ingest([str(f) for f in files], tenant=slug, rules_dir=rules)
        cands = ws.candidates(slug, limit=max(top, PLANTED_SEARCH_DEPTH))
        verdict = judge(ws.store, cands, [p for p in data.planted if p.tenant == slug],
                        [d for d in data.decoys if d.tenant == slug])
        out[slug] = {
            "stats": stats,
            "top": cands[:top],
            "planted": [{"planted": p["planted"], "rank": p["rank"]} for p in verdict.patterns],
            "decoys": [{"decoy": d["decoy"], "surfaced": d["surfaced"]} for d in verdict.decoys],
        }
    return out
