"""The bridge end to end: events in, rule firings out as candidates with provenance."""
from __future__ import annotations

import random

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
    # the engine's state is checkpointed: no replay is needed to keep the window
    cold = Workspace(tmp_path / "cold.db", load_settings(env={}, rules_replay_seconds=0))
    cold.ingest([str(write(tmp_path / "a2.log", rows[:cut]))], tenant="acme", rules_dir=str(rules))
    cold.ingest([str(write(tmp_path / "b2.log", rows[cut:]))], tenant="acme", rules_dir=str(rules))
    assert rule_cands(cold) == rule_cands(one)
    # rules changed between the runs: the saved state does not fit, the replay rebuilds
    # the window, and without the replay it is lost
    other = rules.parent / "other"
    other.mkdir()
    (other / "ops.nb").write_text((rules / "ops.nb").read_text() + "define extra cell 1;\n")
    for replay, expected in ((86400, rule_cands(one)), (0, [("backup_failed", 5)])):
        ws = Workspace(tmp_path / f"changed{replay}.db", load_settings(env={}, rules_replay_seconds=replay))
        ws.ingest([str(write(tmp_path / "a3.log", rows[:cut]))], tenant="acme", rules_dir=str(rules))
        ws.ingest([str(write(tmp_path / "b3.log", rows[cut:]))], tenant="acme", rules_dir=str(other))
        assert rule_cands(ws) == expected


WINDOW_RULES = """\
# users failing on a host within 8 hours (longer than the replay horizon below)
define fails node cache:(!~(8h):host[3],message(2));
# brainstem: evidence type=spread
fails. define wide if(host__kidState);
# brainstem: evidence
fails. define again if(message__hitState);
# brainstem: evidence
fails. define gone if(_action="expire");
define feed if(service="sshd") fails(host,message);
# brainstem: evidence
define morning on(~(h(8)));
"""


def _window_rows(seed: int) -> list:
    """Failed logins of 6 users on 3 hosts, one every 40-140 minutes over 3 days, so a
    host's 8-hour window always holds events more than an hour old."""
    from datetime import timedelta
    from tests.pipeline.scenario import START, line
    rng = random.Random(seed)
    rows, t = [], START
    for _ in range(60):
        t += timedelta(minutes=rng.randrange(40, 140))
        host, user = f"db{rng.randrange(3)}", rng.randrange(6)
        rows.append((t, host, line(t, host, "sshd[77]", f"Failed password for user{user} from 10.1.1.{user}")))
    return rows


@pytest.mark.parametrize("seed", [1, 2])
def test_eight_hour_window_survives_a_restart(tmp_path, seed):
    """Caches are checkpointed with the pipeline state: an 8-hour window, longer than
    rules_replay_seconds (1 h here), gives the same firings across a restart as in one run."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "w.nb").write_text(WINDOW_RULES)
    rows = _window_rows(seed)
    settings = load_settings(env={}, rules_replay_seconds=3600)

    def firings(ws):
        return sorted((c.metadata["metrics"]["rule"], c.metadata["metrics"]["row"], c.metadata["event_count"])
                      for c in ws.candidates("acme", limit=500) if "rule" in c.metadata.get("metrics", {}))

    one = Workspace(tmp_path / "one.db", settings)
    one.ingest([str(write(tmp_path / "all.log", rows))], tenant="acme", rules_dir=str(rules))
    expected = firings(one)
    assert {r for r, _, _ in expected} >= {"fails.wide", "fails.again", "fails.gone", "morning"}
    for cut in (15, 31, 44):
        ws = Workspace(tmp_path / f"split{cut}.db", settings)
        ws.ingest([str(write(tmp_path / f"a{cut}.log", rows[:cut]))], tenant="acme", rules_dir=str(rules))
        ws.close()
        ws = Workspace(tmp_path / f"split{cut}.db", settings)     # a new process would open it again
        ws.ingest([str(write(tmp_path / f"b{cut}.log", rows[cut:]))], tenant="acme", rules_dir=str(rules))
        assert firings(ws) == expected, cut


def test_replay_alone_loses_an_eight_hour_window(tmp_path):
    """The check above can fail: without the saved state (here: a rule file changed
    between the runs, so the state is not used) a 1-hour replay loses part of the window."""
    rules, changed = tmp_path / "rules", tmp_path / "changed"
    rules.mkdir(), changed.mkdir()
    (rules / "w.nb").write_text(WINDOW_RULES)
    (changed / "w.nb").write_text(WINDOW_RULES + "define unused cell 1;\n")
    rows = _window_rows(1)
    settings = load_settings(env={}, rules_replay_seconds=3600)

    def firings(ws):
        return sorted((c.metadata["metrics"]["rule"], c.metadata["metrics"]["row"], c.metadata["event_count"])
                      for c in ws.candidates("acme", limit=500) if "rule" in c.metadata.get("metrics", {}))
    one = Workspace(tmp_path / "one.db", settings)
    one.ingest([str(write(tmp_path / "all.log", rows))], tenant="acme", rules_dir=str(changed))
    two = Workspace(tmp_path / "two.db", settings)
    two.ingest([str(write(tmp_path / "a.log", rows[:31]))], tenant="acme", rules_dir=str(rules))
    two.ingest([str(write(tmp_path / "b.log", rows[31:]))], tenant="acme", rules_dir=str(changed))
    assert firings(two) != firings(one)


SSH_NBX = r"""# failed logins from an sshd line (the whole syslog line)
(sshd\[\d+\]: ){
  (^Failed password for (\w+) from (\S+)):alert type="fail",user="$[1]",addr="$[2]";
  (^Accepted):alert type="ok";
  }
"""
SSH_RULES = """\
define fails node cache:(~(10m):user[3],addr);
# brainstem: evidence type=spread title="one user from 3 addresses"
fails. define many if(user__kidState);
"""


def _ssh_rows():
    from datetime import timedelta
    from tests.pipeline.scenario import START, line
    rows = []
    for i in range(4):
        t = START + timedelta(minutes=i)
        rows.append((t, "gw1", line(t, "gw1", "sshd[9]", f"Failed password for root from 10.0.0.{i}")))
    t = START + timedelta(minutes=5)
    rows.append((t, "gw1", line(t, "gw1", "sshd[9]", "Accepted publickey for ann from 10.0.0.9")))
    return rows


def _rule_cands(ws):
    return [c for c in ws.candidates("acme", limit=100) if "rule" in c.metadata.get("metrics", {})]


def test_translator_setting_binds_a_translator_to_the_tenant(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ssh.nbx").write_text(SSH_NBX)
    (rules / "ssh.nb").write_text(SSH_RULES + 'ssh. define feed if(type="fail") fails(user,addr);\n')
    ws = Workspace(tmp_path / "b.db", load_settings(env={"BRAINSTEM_TRANSLATORS": "ssh.nbx"}))
    ws.ingest([str(write(tmp_path / "auth.log", _ssh_rows()))], tenant="acme", rules_dir=str(rules))
    [c] = _rule_cands(ws)
    assert c.metadata["metrics"]["rule"] == "fails.many" and c.metadata["metrics"]["row"] == "user=root"
    assert c.title == "one user from 3 addresses" and c.candidate_type == "spread"
    assert len(c.source_event_ids) == 1      # the event whose line completed the spread
    # the same through the Workspace.ingest option, with the node named explicitly
    (rules / "ssh.nb").write_text(SSH_RULES + 'login. define feed if(type="fail") fails(user,addr);\n')
    ws2 = Workspace(tmp_path / "c.db", load_settings(env={}))
    ws2.ingest([str(write(tmp_path / "auth.log", _ssh_rows()))], tenant="acme", rules_dir=str(rules),
               translators="login=ssh.nbx")
    assert [c.metadata["metrics"]["row"] for c in _rule_cands(ws2)] == ["user=root"]


def test_audit_nodes_in_the_rules_follow_their_file_in_the_event_stream(tmp_path):
    """A NodeBrain setup unchanged: the audit node names /var/log/auth.log; events from a
    file called auth.log go through its translator, events of other files do not."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ssh.nbx").write_text(SSH_NBX)
    (rules / "ssh.nb").write_text(
        SSH_RULES + 'define au node audit("/var/log/auth.log","ssh.nbx",~(10s));\n'
        'au. define feed if(type="fail") fails(user,addr);\n')
    ws = Workspace(tmp_path / "b.db", load_settings(env={}))
    ws.ingest([str(write(tmp_path / "other.log", _ssh_rows()))], tenant="acme", rules_dir=str(rules))
    assert _rule_cands(ws) == []
    ws.ingest([str(write(tmp_path / "logs" / "auth.log", _ssh_rows()))], tenant="beta", rules_dir=str(rules))
    assert [c.metadata["metrics"]["row"] for c in ws.candidates("beta", limit=100)
            if "rule" in c.metadata.get("metrics", {})] == ["user=root"]


def test_bad_translator_is_a_load_error_naming_file_and_line(tmp_path):
    from brainstem.rules.bridge import tenant_rules
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.nbx").write_text("(ok):assert a;\n(unclosed[:assert b;\n")
    (rules / "r.nb").write_text("define x cell 1;\n")
    with pytest.raises(RuleLoadError, match=r"bad\.nbx:2: unbalanced parentheses"):
        tenant_rules(load_settings(env={}), "acme", rules_dir=str(rules), translators="bad.nbx")
    assert tenant_rules(load_settings(env={}), "acme") is None


def test_a_number_too_big_for_the_engine_is_left_out_not_a_crash(tmp_path):
    """A JSON field holding a 400-digit integer (no float can hold it, as NodeBrain's
    `number out of range`): the event still reaches the rules, without that field."""
    import json
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.nb").write_text('# brainstem: evidence\ndefine seen if(message~"hello" and n>1);\n'
                                '# brainstem: evidence\ndefine any if(message~"hello");\n')
    log = tmp_path / "ev.json"
    log.write_text(json.dumps({"timestamp": "2026-01-05T10:00:00Z", "host": "h1", "message": "hello world",
                               "n": 10 ** 400}) + "\n"
                   + json.dumps({"timestamp": "2026-01-05T10:00:01Z", "host": "h1", "message": "hello again",
                                 "n": 5}) + "\n")
    ws = Workspace(tmp_path / "b.db", load_settings(env={}))
    ws.ingest([str(log)], tenant="acme", rules_dir=str(rules), fmt="json")
    fired = {c.metadata["metrics"]["rule"]: c.metadata["event_count"] for c in ws.candidates("acme", limit=50)
             if "rule" in c.metadata.get("metrics", {})}
    assert fired == {"any": 2, "seen": 1}
