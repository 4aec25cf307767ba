"""The CLI at the edges a new user meets: tenant names, lists across tenants, closed pipes."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys

from tests.test_cli import run

LINES = [
    "Nov 30 02:00:0{} backup01 bacula-dir[4]: Backup job nightly-db failed: network error",
    "Nov 30 03:10:0{} fw01 kernel: Interface ge-0/0/1 changed state to down",
]


def _two_tenants(tmp_path):
    db = tmp_path / "t.db"
    for name, line in (("Mac", LINES[0]), ("Globex", LINES[1])):
        f = tmp_path / f"{name}.log"
        f.write_text("".join(line.format(i) + "\n" for i in range(5)))
        run("ingest", str(f), "--tenant", name, db=db)
    return db


def test_a_tenant_is_found_by_the_name_it_was_created_with(tmp_path):
    db = _two_tenants(tmp_path)
    stats = json.loads(run("stats", "--json", db=db).stdout)
    assert set(stats) == {"mac", "globex"}            # stored folded
    for name in ("Mac", "mac", "MAC"):
        sigs = json.loads(run("signatures", "--tenant", name, "--json", db=db).stdout)
        assert sigs and all("bacula" in s["normalized_pattern"] for s in sigs)
    bad = run("candidates", "--tenant", "Initech", db=db, check=False)
    assert bad.returncode == 1 and "no tenant 'Initech'" in bad.stderr and "globex, mac" in bad.stderr


def test_lists_without_a_tenant_cover_every_tenant_with_a_tenant_column(tmp_path):
    db = _two_tenants(tmp_path)
    out = run("signatures", db=db).stdout
    assert out.splitlines()[0].startswith("TENANT")
    rows = out.splitlines()[1:]
    assert {r.split()[0] for r in rows} == {"mac", "globex"}
    for cmd in ("candidates", "incidents", "lessons", "hints"):
        p = run(cmd, db=db)
        assert "no tenant" not in p.stderr
    one = run("signatures", "--tenant", "globex", db=db).stdout
    assert not one.startswith("TENANT") and "bacula" not in one


def test_recall_without_a_tenant_names_the_tenants_to_choose_from(tmp_path):
    db = _two_tenants(tmp_path)
    p = run("recall", "Backup job nightly-db failed", db=db, check=False)
    assert p.returncode == 1
    assert "--tenant" in p.stderr and "globex, mac" in p.stderr and "Traceback" not in p.stderr


def test_closing_the_pipe_early_is_quiet(tmp_path):
    r = random.Random(1)
    words = ["alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma", "theta", "zeta", "iota"]
    log = tmp_path / "many.log"
    with log.open("w") as fh:
        for i in range(6000):
            msg = " ".join(r.choice(words) + r.choice(words) for _ in range(6))
            fh.write(f"Dec  1 10:{i // 60 % 60:02d}:{i % 60:02d} h1 app[1]: {msg}\n")
    db = tmp_path / "p.db"
    run("ingest", str(log), db=db)
    env = dict(os.environ)
    env.pop("BRAINSTEM_DB", None)
    for args in (["signatures", "--db", str(db), "--limit", "10000"], ["fingerprint", str(log)]):
        cmd = " ".join([sys.executable, "-m", "brainstem", *args]) + " | head -1"
        p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=env, timeout=120)
        assert p.stdout.count("\n") == 1
        assert p.stderr == "", p.stderr
