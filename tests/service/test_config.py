"""The serve config: the shipped example loads, and mistakes name the file and the key."""
from __future__ import annotations

from pathlib import Path

import pytest

from brainstem.service.config import ConfigError, ListenerSpec, load_service_config
from brainstem.service.routing import Router

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "brainstem.toml"


def test_the_shipped_example_config_loads(tmp_path, monkeypatch):
    text = EXAMPLE.read_text()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("x")
    key.write_text("x")
    text = text.replace("/etc/brainstem/tls/cert.pem", str(cert)).replace("/etc/brainstem/tls/key.pem", str(key))
    p = tmp_path / "brainstem.toml"
    p.write_text(text)
    cfg = load_service_config(str(p), env={})
    assert [x.name for x in cfg.listeners] == ["syslog-udp", "syslog-tcp", "acme-tls"]
    assert cfg.settings.serve_http == "0.0.0.0:8080"
    assert [r.tenant for r in cfg.routes] == ["globex", "initech"]
    assert cfg.follows[0].tenant == "acme"
    assert "alertmanager" in cfg.webhooks
    router = Router(cfg.routes, default_tenant=cfg.settings.default_tenant, unrouted=cfg.settings.serve_unrouted)
    assert router.route("syslog-udp", None, "10.20.3.4", "x") == "globex"
    assert router.route("syslog-udp", None, "172.16.0.1", "ini-fw2") == "initech"
    assert router.route("syslog-udp", None, "172.16.0.1", "other") == "unrouted"
    assert router.route("acme-tls", "acme", "10.20.3.4", "x") == "acme"


@pytest.mark.parametrize("body, needle", [
    ('[[listener]]\nprotocol = "sctp"\nbind = ":1"\n', "listener[0].protocol"),
    ('[[listener]]\nprotocol = "udp"\nbind = "nowhere"\n', "listener[0].bind"),
    ('[[listener]]\nprotocol = "tls"\nbind = ":6514"\n', "tls_cert and tls_key"),
    ('[[listener]]\nprotocol = "udp"\nbind = ":1"\nport = 3\n', "unknown key(s) port"),
    ('[[route]]\ntenant = "a"\ncidr = ["10.0.0.0/33"]\n', "route[0].cidr"),
    ('[[route]]\ntenant = "a"\n', "at least one of listener, cidr, hostname"),
    ('[[follow]]\ntenant = "a"\n', "needs path"),
    ('[brainstem]\nserve_commit_seconds = "soon"\n', "serve_commit_seconds must be float"),
    ('[[listener]]\nprotocol = "udp"\nbind = ":1"\n[[listener]]\nprotocol = "udp"\nbind = ":1"\n', "two listeners"),
])
def test_config_errors_name_the_file_and_the_key(tmp_path, body, needle):
    p = tmp_path / "bad.toml"
    p.write_text(body)
    with pytest.raises(Exception) as info:
        load_service_config(str(p), env={})
    assert needle in str(info.value) and str(p) in str(info.value)
    assert isinstance(info.value, (ConfigError, ValueError))


def test_listener_urls():
    s = ListenerSpec.from_url("tcp://:6514?tenant=acme&name=edge")
    assert (s.protocol, s.host, s.port, s.tenant, s.name) == ("tcp", "0.0.0.0", 6514, "acme", "edge")
    with pytest.raises(ConfigError):
        ListenerSpec.from_url("http://:80")
