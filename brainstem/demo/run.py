"""The demo: generate a week of logs for two tenants, ingest them, show the top candidates."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from brainstem.demo.generator import generate

RULES_DIR = Path(__file__).parent / "rules"


def run_demo(ws, root: Path, *, seed: int = 7, top: int = 5) -> dict[str, dict[str, Any]]:
    """Generate (deterministically) and ingest the demo data; return per tenant its run stats and top candidates."""
    data = generate(root, seed=seed)
    rules = str(RULES_DIR) if any(RULES_DIR.glob("*.nb")) else None
    out: dict[str, dict[str, Any]] = {}
    for slug, files in sorted(data.files.items()):
        stats = ws.ingest([str(f) for f in files], tenant=slug, rules_dir=rules)
        out[slug] = {"stats": stats, "top": ws.candidates(slug, limit=top)}
    return out
