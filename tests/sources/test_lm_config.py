"""The [logicmonitor] table: what it accepts, and errors that name the file and the key."""
from __future__ import annotations

import tomllib

import pytest

from brainstem.settings import SettingsError, load_settings
from brainstem.sources.lm_config import LogicMonitorConfig

WHERE = "brainstem.toml [logicmonitor]"


def table(text: str) -> dict:
    return tomllib.loads(text)["logicmonitor"]


def test_a_full_table():
    cfg = LogicMonitorConfig.from_table(table('''
        [logicmonitor]
        company = "acme"
        tenant = "acme"
        access_id = "AID"
        access_key_env = "LM_KEY"
        poll_seconds = 30
        devices = false
        alert_filter = 'severity>:3'
        [logicmonitor.tenants]
        "Customers/Globex" = "globex"
        "Customers/Globex/Lab" = "globex-lab"
    '''), WHERE, env={"LM_KEY": "zq-secret-9"})
    assert (cfg.company, cfg.tenant, cfg.access_id, cfg.access_key) == ("acme", "acme", "AID", "zq-secret-9")
    assert cfg.poll_seconds == 30 and cfg.devices is False and cfg.alert_filter == "severity>:3"
    assert cfg.lookback_hours == 24.0 and cfg.page_size == 1000          # from the settings table
    assert cfg.tenants() == ["acme", "globex-lab", "globex"]
    assert cfg.route(["Customers/Globex/Lab/Rack2"]) == "globex-lab"     # the most specific group wins
    assert cfg.route(["customers/globex/DB"]) == "globex"
    assert cfg.route(["Customers/Globexx"]) == "acme"                    # a path prefix, not a string prefix
    assert cfg.route([]) == "acme"
    assert "zq-secret-9" not in repr(cfg) and "***" in repr(cfg)


def test_settings_supply_the_defaults():
    s = load_settings(env={"BRAINSTEM_LM_POLL_SECONDS": "15", "BRAINSTEM_LM_PAGE_SIZE": "200"})
    cfg = LogicMonitorConfig.from_table({"company": "a", "tenant": "t", "token": "x"}, WHERE, s)
    assert cfg.poll_seconds == 15 and cfg.page_size == 200


def test_without_a_default_tenant_unmatched_groups_are_unrouted():
    cfg = LogicMonitorConfig.from_table({"company": "a", "token": "x", "tenants": {"Customers/A": "a"}}, WHERE)
    assert cfg.route(["Lab"]) is None and cfg.route(["Customers/A"]) == "a"


@pytest.mark.parametrize("tbl, match", [
    ({"tenant": "t", "token": "x"}, "company: missing"),
    ({"company": "a", "token": "x"}, "tenant: missing"),
    ({"company": "a", "tenant": "t"}, "token: missing credentials"),
    ({"company": "a", "tenant": "t", "access_id": "i"}, "missing credentials"),
    ({"company": "a", "tenant": "t", "token": "x", "access_id": "i", "access_key": "k"}, "not both"),
    ({"company": "a", "tenant": "t", "token": "x", "token_env": "X"}, "token: give token or token_env"),
    ({"company": "a", "tenant": "t", "token_env": "NOT_SET_ANYWHERE"}, "NOT_SET_ANYWHERE is not set"),
    ({"company": "a", "tenant": "t", "token": "x", "pol_seconds": 5}, "unknown key 'pol_seconds'"),
    ({"company": "a", "tenant": "t", "token": "x", "poll_seconds": "5"}, "poll_seconds: must be a number"),
    ({"company": "a", "tenant": "t", "token": "x", "poll_seconds": 0}, "poll_seconds: must be more than 0"),
    ({"company": "a", "tenant": "t", "token": "x", "page_size": 5000}, "page_size: must be 1..1000"),
    ({"company": "a", "tenant": "t", "token": "x", "page_size": 10.5}, "page_size: must be a whole number"),
    ({"company": "a", "tenant": "t", "token": "x", "devices": "yes"}, "devices: must be true or false"),
    ({"company": 7, "tenant": "t", "token": "x"}, "company: must be text"),
    ({"company": "a", "token": "x", "tenants": ["a"]}, "tenants: must be a table"),
    ({"company": "a", "token": "x", "tenants": {"G": 3}}, "tenants.G: must name a tenant"),
])
def test_errors_name_the_path_and_the_key(tbl, match):
    with pytest.raises(SettingsError, match=match) as e:
        LogicMonitorConfig.from_table(tbl, WHERE, env={})
    assert str(e.value).startswith(WHERE + ": ")


def test_not_a_table():
    with pytest.raises(SettingsError, match="expected a table"):
        LogicMonitorConfig.from_table("acme", WHERE)
