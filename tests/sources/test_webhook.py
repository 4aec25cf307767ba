"""Webhook mappings from the serve config, and bodies decoded through them."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from brainstem.settings import SettingsError
from brainstem.sources.body import BodyError
from brainstem.sources.webhook import WebhookMapping, decode_webhook

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
WHERE = "/etc/brainstem.toml: webhook.gh"


@pytest.mark.parametrize("table, key, text", [
    ({}, "webhook.gh.message", "required"),
    ({"message": "m", "colour": "red"}, "webhook.gh.colour", "unknown key"),
    ({"message": 5}, "webhook.gh.message", "must be a path"),
    ({"message": []}, "webhook.gh.message", "must be a path or a list"),
    ({"message": "m", "host": ["a", ""]}, "webhook.gh.host", "must be a path"),
    ({"message": "m", "fields": {"repo": 3}}, "webhook.gh.fields.repo", "must be a path"),
    ({"message": "m", "defaults": "x"}, "webhook.gh.defaults", "must be a table"),
    ({"message": "m", "defaults": {"tenant": "x"}}, "webhook.gh.defaults.tenant", "unknown key"),
    ({"message": "m", "defaults": {"severity": "loud"}}, "webhook.gh.defaults.severity", "not a severity"),
    ({"message": "m", "events": ""}, "webhook.gh.events", "must be a path"),
])
def test_config_errors_name_the_file_and_the_key(table, key, text):
    with pytest.raises(SettingsError) as exc:
        WebhookMapping.from_table("gh", table, WHERE)
    msg = str(exc.value)
    assert msg.startswith("/etc/brainstem.toml: ") and key in msg and text in msg, msg


def test_a_mapping_with_paths_fields_and_defaults():
    m = WebhookMapping.from_table("gh", {
        "message": ["head_commit.message", "zen"], "timestamp": "head_commit.timestamp",
        "host": "repository.full_name", "fields": ["pusher.name", "ref"],
        "defaults": {"service": "github", "severity": "notice"}}, WHERE)
    push = {"ref": "refs/heads/main", "pusher": {"name": "ana"}, "repository": {"full_name": "acme/api"},
            "head_commit": {"message": "fix the build", "timestamp": "2026-12-01T11:59:00+01:00"}}
    ping = {"zen": "Keep it logically awesome.", "hook_id": 1}
    out = decode_webhook(m, json.dumps([push, ping]).encode(), "application/json", source_path="webhook:gh/1",
                         received=NOW)
    assert out.errors == []
    a, b = out.records
    assert (a.message, a.host, a.service, a.severity) == ("fix the build", "acme/api", "github", "notice")
    assert a.timestamp == datetime(2026, 12, 1, 10, 59, tzinfo=timezone.utc)
    assert a.structured_fields == {"pusher.name": "ana", "ref": "refs/heads/main"}
    assert a.metadata["webhook"] == "gh" and a.source_path == "webhook:gh/1"
    # no timestamp in the body: the time received, carried in the raw text (so in the id)
    assert b.timestamp == NOW and b.metadata["time_received"] and NOW.isoformat() in b.raw
    # without `fields`, every key the mapping did not take stays
    m2 = WebhookMapping.from_table("gh", {"message": "zen"}, WHERE)
    (rec,) = decode_webhook(m2, json.dumps(ping).encode(), None, source_path="p", received=NOW).records
    assert rec.structured_fields == {"hook_id": 1}


def test_refused_elements_and_a_body_without_the_events_list():
    m = WebhookMapping.from_table("am", {"events": "alerts", "message": "summary", "timestamp": "at"}, WHERE)
    body = {"alerts": [{"summary": "ok", "at": "2026-12-01T11:00:00Z"}, {"summary": "x", "at": "soon"},
                       {"at": "2026-12-01T11:00:00Z"}, "text", {"summary": "far", "at": "2099-01-01T00:00:00Z"}]}
    out = decode_webhook(m, json.dumps(body).encode(), "application/json", source_path="p", received=NOW)
    assert len(out.records) == 1
    assert [(e.index, e.field) for e in out.errors] == [(1, "timestamp"), (2, "message"), (3, None), (4, "timestamp")]
    with pytest.raises(BodyError, match="'alerts'"):
        decode_webhook(m, b'{"items": []}', "application/json", source_path="p", received=NOW)
    with pytest.raises(BodyError, match="a JSON object"):
        decode_webhook(m, b'{"alerts": {"a": 1}}', "application/json", source_path="p", received=NOW)
