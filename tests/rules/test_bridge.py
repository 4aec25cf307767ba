"""The bridge end to end: events in, rule firings out as candidates with provenance."""
from __future__ import annotations

import pytest

from brainstem.rules.bridge import RuleBridge, RuleLoadError, _directives
from brainstem.settings import load_settings
from brainstem.workspace import Workspace

from tests.pipeline.scenario import scenario_lines, write

RULES = """\
# ntpd losing its servers on three or more hosts within ten minutes
define ntp node cache:(~(10m):service[3],host);
# brainstem: evidence type=spread title="NTP lost on 3+ hosts"
ntp. define many if(service__kidState);
define ntp_feed if(service="ntpd" and message~"no servers") ntp(service,host);
# brainstem: evidence
define backup_failed if(service="bacula-dir" and pattern~"failed");
# brainstem: quiet
define cron_seen if(service="CRON");
"""


def test_directives_attach_to_the_next_define():
    d = _directives(RULES)
    assert d["ntp.many"] == {"mode": "evidence", "type": "spread", "title": "NTP lost on 3+ hosts"}
    assert d["backup_failed"] == {"mode": "evidence"}
    assert d["cron_seen"] == {"mode": "quiet"}
    assert "ntp_feed" not in d


def test_rule_firings_become_candidates_with_provenance(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ops.nb").write_text(RULES)
    log = write(tmp_path / "s.log", scenario_lines(days=5))
    ws = Workspace(tmp_path / "b.db", load_settings(env={}))
    ws.ingest([str(log)], tenant="acme", rules_dir=str(rules))
    by_rule = {c.metadata["metrics"]["rule"]: c for c in ws.candidates("acme", limit=200)
               if "rule" in c.metadata.get("metrics", {})}
    assert set(by_rule) == {"ntp.many", "backup_failed"}   # the feed and the quiet rule are not evidence
    ntp = by_rule["ntp.many"]
    assert ntp.candidate_type == "spread" and ntp.title == "NTP lost on 3+ hosts"
    assert ntp.metadata["metrics"]["row"] == "service=ntpd"
    assert ntp.metadata["event_count"] == 1             # once per threshold episode
    assert ntp.source_group_ids and ntp.source_event_ids
    assert "rule ntp.many fired 1 time for service=ntpd" in ntp.explanation
    backup = by_rule["backup_failed"]
    assert backup.candidate_type == "rule" and backup.metadata["event_count"] == 5
    obj, out, inc = ws.show(ntp.candidate_id)
    sources = {link.source_type for link in inc}
    assert {"event", "group", "signature"} <= sources


def test_engine_clock_is_event_time(tmp_path):
    """Thresholds inside a 10-minute window must not fire for events days apart."""
    rows = scenario_lines(days=3)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.nb").write_text(
        "define b node cache:(~(10m):service[2],host);\n"
        "# brainstem: evidence\nb. define two if(service__kidState);\n"
        "define feed if(service=\"bacula-dir\") b(service,host);\n"
        "define feed2 if(service=\"bacula-dir\") b(service,\"other\");\n")
    ws = Workspace(tmp_path / "b.db", load_settings(env={}))
    ws.ingest([str(write(tmp_path / "s.log", rows))], tenant="acme", rules_dir=str(rules))
    c = [c for c in ws.candidates("acme", limit=100) if "rule" in c.metadata.get("metrics", {})]
    # each night's failure reaches two "hosts" (its own and "other") within the window,
    # and the window has expired by the next night: one firing per night
    assert len(c) == 1 and c[0].metadata["event_count"] == 3


def test_bad_rule_file_names_file_line_and_column(tmp_path):
    d = tmp_path / "rules"
    d.mkdir()
    (d / "bad.nb").write_text("define ok cell 1;\ndefine broken if(a = ) ;\n")
    with pytest.raises(RuleLoadError, match=r"bad\.nb:2:"):
        RuleBridge.from_dir(d)
    with pytest.raises(RuleLoadError, match="not found"):
        RuleBridge.from_dir(tmp_path / "nope")


def test_windows_span_two_ingest_runs(tmp_path):
    """The last hosts of a spread arriving in the next run's file still complete it."""
    rows = scenario_lines(days=5)
    ntp = [i for i, r in enumerate(rows) if "ntpd" in r[2]]
    cut = ntp[1] + 1                      # two ntpd hosts in the first file, the rest in the second
    rules = tmp_path / "rules"
    rules.mkdir()
    # all eight ntpd hosts are needed: two arrive in the first run, six in the second
    (rules / "ops.nb").write_text(RULES.replace("service[3],host", "service[8],host"))

    def rule_cands(ws):
        return sorted((c.metadata["metrics"]["rule"], c.metadata["event_count"]) for c in ws.candidates("acme", limit=200)
                      if "rule" in c.metadata.get("metrics", {}))

    one = Workspace(tmp_path / "one.db", load_settings(env={}))
    one.ingest([str(write(tmp_path / "all.log", rows))], tenant="acme", rules_dir=str(rules))
    two = Workspace(tmp_path / "two.db", load_settings(env={}))
    two.ingest([str(write(tmp_path / "a.log", rows[:cut]))], tenant="acme", rules_dir=str(rules))
    assert ("ntp.many", 1) not in rule_cands(two)
    two.ingest([str(write(tmp_path / "b.log", rows[cut:]))], tenant="acme", rules_dir=str(rules))
    assert rule_cands(two) == rule_cands(one) == [("backup_failed", 5), ("ntp.many", 1)]
    cold = Workspace(tmp_path / "cold.db", load_settings(env={}, rules_replay_seconds=0))
    cold.ingest([str(write(tmp_path / "a2.log", rows[:cut]))], tenant="acme", rules_dir=str(rules))
    cold.ingest([str(write(tmp_path / "b2.log", rows[cut:]))], tenant="acme", rules_dir=str(rules))
    assert ("ntp.many", 1) not in rule_cands(cold)      # without the replay the window is lost
