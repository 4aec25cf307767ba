"""`brainstem keys` end to end: a real process, a real database, then the key on the API."""
from __future__ import annotations

import json

from tests.test_cli import run

from brainstem.workspace import Workspace


def test_create_list_revoke(tmp_path):
    db = tmp_path / "b.db"
    p = run("keys", "create", "--tenant", "Acme", "--name", "grafana", db=db)
    token = p.stdout.strip()
    assert token.startswith("bsk_") and len(p.stdout.splitlines()) == 1     # stdout is the token alone
    assert "not shown again" in p.stderr
    admin = json.loads(run("keys", "create", "--tenant", "ops", "--admin", "--json", db=db).stdout)
    assert admin["admin"] is True and admin["token"].startswith(admin["prefix"] + "_")
    listed = json.loads(run("keys", "list", "--json", db=db).stdout)
    assert [(k["tenant"], k["name"], k["admin"]) for k in listed] == [("acme", "grafana", False),
                                                                       ("ops", admin["key_id"], True)]
    assert token not in json.dumps(listed) and all("secret_hash" not in k for k in listed)
    table = run("keys", "list", "--tenant", "acme", db=db).stdout
    assert "grafana" in table and admin["key_id"] not in table
    with Workspace(db) as ws:
        assert ws.authenticate(token).name == "grafana"
    key_id = listed[0]["key_id"]
    assert "revoked key" in run("keys", "revoke", f"bsk_{key_id}", db=db).stdout
    with Workspace(db) as ws:
        assert ws.authenticate(token) is None
        assert ws.authenticate(admin["token"]).admin
    again = json.loads(run("keys", "list", "--json", db=db).stdout)
    assert again[0]["revoked_at"] is not None and again[1]["revoked_at"] is None


def test_errors_are_one_line(tmp_path):
    db = tmp_path / "b.db"
    run("keys", "create", "--tenant", "acme", db=db)
    p = run("keys", "revoke", "0123456789ab", db=db, check=False)
    assert p.returncode == 1 and "no API key" in p.stderr and "Traceback" not in p.stderr
    p = run("keys", "create", "--tenant", "bad name!", db=db, check=False)
    assert p.returncode == 1 and "bad tenant name" in p.stderr
    p = run("keys", "create", db=db, check=False)
    assert p.returncode == 2 and "--tenant" in p.stderr
