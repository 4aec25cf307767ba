"""`brainstem lm-sync` as a user runs it: a real process against a local LogicMonitor portal."""
from __future__ import annotations

import json
import time

import pytest

from brainstem.workspace import Workspace
from tests.sources.lm_portal import FakePortal, rest_alert, rest_device
from tests.test_cli import run


@pytest.fixture
def portal():
    p = FakePortal(token=None, access_id="AID42", access_key="s3cret").start()
    yield p
    p.stop()


def sync(portal, db, *extra, key="s3cret", check=True):
    return run("lm-sync", "--tenant", "acme", "--url", portal.url, "--access-id", "AID42", "--access-key", key,
               *extra, db=db, check=check)


def test_lm_sync_twice_stores_each_change_once(tmp_path, portal):
    now = int(time.time())
    db = tmp_path / "cli.db"
    portal.devices = [rest_device(17, "web01")]
    portal.alerts = [rest_alert(1, start=now - 900, end=now - 300, cleared=True), rest_alert(2, start=now - 120)]
    first = sync(portal, db)
    assert "3 new state changes stored (acme 3), 1 devices, 1 assets written" in first.stdout
    assert all(r["auth"] == "LMv1" for r in portal.requests)
    second = json.loads(sync(portal, db, "--json").stdout)
    assert second["changes"] == 0 and second["alerts_fetched"] == 1     # the window moved past LMD1
    with Workspace(db, create=False) as ws:
        counts = ws.stats()["acme"]
        assert counts["event"] == 3 and counts["asset"] == 1


def test_lm_sync_reads_the_serve_config_table(tmp_path, portal, monkeypatch):
    cfg = tmp_path / "brainstem.toml"
    cfg.write_text(f'[brainstem]\nbatch_size = 500\n\n[logicmonitor]\nurl = "{portal.url}"\ntenant = "acme"\n'
                   'access_id = "AID42"\naccess_key_env = "LM_TEST_KEY"\ndevices = false\n')
    portal.alerts = [rest_alert(3, start=int(time.time()) - 60)]
    monkeypatch.setenv("LM_TEST_KEY", "s3cret")
    p = run("lm-sync", "--config", str(cfg), db=tmp_path / "c.db")
    assert "1 new state changes stored" in p.stdout and "0 devices" in p.stdout


def test_lm_sync_errors_are_one_line(tmp_path, portal):
    p = sync(portal, tmp_path / "e.db", key="wrong", check=False)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "401" in p.stderr and "access id and key" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[brainstem]\n\n[logicmonitor]\ncompany = "acme"\ntenant = "acme"\ntoken = "t"\npoll_seconds = "often"\n')
    p = run("lm-sync", "--config", str(cfg), db=tmp_path / "e.db", check=False)
    assert p.returncode == 1 and f"{cfg} [logicmonitor]: poll_seconds: must be a number" in p.stderr
