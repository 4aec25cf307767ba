from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from brainstem.fingerprint import Match, TemplateMiner, fingerprint_lines
from brainstem.fingerprint.tokens import normalize

SSH = [
    "sshd: Failed password for root from 1.2.3.4 port 22 ssh2",
    "sshd: Failed password for admin from 10.0.0.7 port 2201 ssh2",
    "sshd: Accepted password for bob from 10.0.0.8 port 51000 ssh2",
    "sshd: Failed password for guest from 10.0.0.9 port 2202 ssh2",
]


def template_matches(template: str, message: str) -> bool:
    """The template covers the message: <*> as a lazy wildcard, the rest literal, on the normalized text."""
    pattern = ".*?".join(re.escape(part) for part in template.split("<*>"))
    return re.fullmatch(pattern, normalize(message), re.S) is not None


def test_learn_creates_then_generalizes_with_stable_key():
    m = TemplateMiner()
    first = m.learn("connection from host-a1 closed")
    assert first.is_new and not first.changed and first.version == 1
    second = m.learn("connection from host-b2 closed")
    assert second.key == first.key
    assert second.changed and not second.is_new
    assert second.version == 2
    assert second.template == "connection from <*> closed"
    assert m.template(first.key) == "connection from <*> closed"
    third = m.learn("connection from host-c3 closed")
    assert (third.key, third.version, third.changed) == (first.key, 2, False)
    assert len(m) == 1


def test_numbers_ips_are_masked_and_params_named():
    m = TemplateMiner()
    got = m.learn(SSH[0])
    assert got.template == "sshd: Failed password for root from <*> port <*> ssh2"
    assert got.params == {"ip": "1.2.3.4", "port": "22"}


def test_plain_words_become_variables_after_three_distinct_values():
    m = TemplateMiner()
    root = m.learn(SSH[0])
    admin = m.learn(SSH[1])
    # two users could be two different messages: kept apart for now
    assert admin.is_new and admin.key != root.key
    assert admin.template == "sshd: Failed password for admin from <*> port <*> ssh2"
    guest = m.learn(SSH[3])
    # a third distinct word proves a variable: the older template generalizes
    # and absorbs its sibling, whose key becomes an alias
    assert guest.key == root.key and guest.changed
    assert guest.template == "sshd: Failed password for <*> from <*> port <*> ssh2"
    assert guest.params == {"var1": "guest", "ip": "10.0.0.9", "port": "2202"}
    assert m.resolve(admin.key) == root.key
    assert m.template(admin.key) == guest.template
    assert m.learn(SSH[1]).key == root.key


def test_values_generalize_at_once():
    m = TemplateMiner()
    a = m.learn("overlap:true mode=fast")
    b = m.learn("overlap:false mode=slow")
    assert a.key == b.key and b.template == "overlap:<*> mode=<*>"
    assert b.params == {"overlap": "false", "mode": "slow"}


def test_key_value_params_take_the_key_name():
    m = TemplateMiner()
    got = m.learn("authentication failure; logname= uid=0 euid=0 tty=ssh rhost=1.2.3.4")
    assert got.params == {"uid": "0", "euid": "0", "rhost": "1.2.3.4"}


def test_match_is_read_only():
    m = TemplateMiner()
    for line in SSH[:2]:
        m.learn(line)
    before = json.dumps(m.to_state(), sort_keys=True)
    got = m.match(SSH[3])
    assert got is not None and got.key == m.learn(SSH[0]).key and not got.changed
    assert m.match("something entirely different happened here") is None
    m2 = TemplateMiner.from_state(json.loads(before))
    m2.match(SSH[3])
    assert json.dumps(m2.to_state(), sort_keys=True) == before


def test_restart_gives_the_same_assignments():
    lines = [f"job {i % 7} finished in {i} ms on node n{i % 3}" for i in range(50)]
    lines += [f"user u{i % 5} logged {'in' if i % 2 else 'out'} from 10.0.0.{i}" for i in range(50)]
    lines += ["disk full", "disk almost full", "restarting service foo", "restarting service bar"] * 5
    whole = TemplateMiner()
    expected = [whole.learn(x) for x in lines]
    for cut in (1, 13, 57, 101, len(lines) - 1):
        part = TemplateMiner()
        got = [part.learn(x) for x in lines[:cut]]
        state = json.loads(json.dumps(part.to_state()))
        part = TemplateMiner.from_state(state)
        got += [part.learn(x) for x in lines[cut:]]
        assert got == expected
    assert whole.to_state() == part.to_state()


def test_from_state_rejects_unknown_format_and_version():
    state = TemplateMiner().to_state()
    with pytest.raises(ValueError):
        TemplateMiner.from_state({**state, "format": "drain3"})
    with pytest.raises(ValueError):
        TemplateMiner.from_state({**state, "version": 99})
    with pytest.raises(ValueError):
        TemplateMiner.from_state({"format": "brainstem.miner", "version": 1})


def test_keys_are_the_same_in_another_process():
    code = (
        "from brainstem.fingerprint import fingerprint_lines;"
        f"print([k for k, _ in fingerprint_lines({SSH!r})])"
    )
    out = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={"PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2)}
    assert len(out) == 1
    assert out.pop().strip() == str([k for k, _ in fingerprint_lines(SSH)])


def test_resolve_unknown_key_is_identity():
    m = TemplateMiner()
    c = m.learn("totally other words x")
    assert m.resolve(c.key) == c.key
    assert m.resolve("no-such-key") == "no-such-key"
    with pytest.raises(KeyError):
        m.template("no-such-key")


def test_fingerprint_lines_reports_final_templates():
    out = fingerprint_lines(SSH)
    assert len(out) == 4
    keys = {k for k, _ in out}
    assert len(keys) == 2
    failed = {t for k, t in out if "Failed" in t}
    assert failed == {"sshd: Failed password for <*> from <*> port <*> ssh2"}
    for (key, template), line in zip(out, SSH):
        assert template_matches(template, line)


def test_eviction_drops_least_recently_seen():
    m = TemplateMiner(max_templates=3)
    words = ["alpha", "bravo", "charlie", "delta", "echo"]
    keys = {}
    for t, w in enumerate(words[:3]):
        keys[w] = m.learn(f"{w} one two three", time=float(t)).key
    m.learn("alpha one two three", time=10.0)  # alpha is fresh again
    keys["delta"] = m.learn("delta one two three", time=11.0).key
    assert len(m) <= 3
    with pytest.raises(KeyError):
        m.template(keys["bravo"])
    assert m.template(keys["alpha"]) == "alpha one two three"
    assert m.template(keys["delta"]) == "delta one two three"


def test_empty_and_whitespace_messages():
    m = TemplateMiner()
    assert m.learn("").template == ""
    got = m.learn("   a    b   ")
    assert got.template == "a b"
    assert isinstance(got, Match)


def one_template(lines: list[str]) -> str:
    """The single template all ``lines`` end up in (fails if they end up in several)."""
    out = {t for _, t in fingerprint_lines(lines)}
    assert len(out) == 1, out
    return out.pop()


def test_addresses_of_every_kind_are_one_variable():
    template = one_template([
        "connect to 10.0.0.1:5432 failed",
        "connect to db01.prod.example.com:5432 failed",
        "connect to [2001:db8::1]:5432 failed",
        "connect to cache-7:6379 failed",
        "connect to localhost:5432 failed",
    ])
    assert template == "connect to <*> failed"


def test_urls_and_request_paths_that_differ_in_ids_are_one_variable():
    assert one_template([
        '"GET /api/v1/users/42/orders?limit=10 HTTP/1.1" 200',
        '"GET /api/v1/users/8f14e45f-ceea-467f-a0e6-a5b1c4f7f3a1/orders HTTP/1.1" 404',
        '"GET /healthz HTTP/1.1" 200',
    ]) == '"GET <*> HTTP/1.1" <*>'
    assert one_template([
        "upstream https://api.example.com/v1/items/7 timed out",
        "upstream http://10.1.2.3:8080/v2/items/9?x=1 timed out",
    ]) == "upstream <*> timed out"


def test_http_methods_stay_apart_however_many_there_are():
    lines = [f'"{m} /api/v1/items/{i} HTTP/1.1" 200' for i, m in enumerate(["GET", "POST", "PUT", "DELETE", "PATCH"] * 3)]
    templates = {t for _, t in fingerprint_lines(lines)}
    assert templates == {f'"{m} <*> HTTP/1.1" <*>' for m in ["GET", "POST", "PUT", "DELETE", "PATCH"]}


def test_numbers_with_units_are_one_value_and_a_fixed_unit_stays():
    assert one_template(["stored block (size 12 KB, free 3.5 MB)", "stored block (size 900 B, free 1.2 GB)"]) == \
        "stored block (size <*> <*>, free <*> <*>)"
    assert one_template(["flushed in 5 ms", "flushed in 120 ms", "flushed in 7 ms"]) == "flushed in <*> ms"
    assert one_template(["took 3.5s", "took 100ms", "took 1m30s", "took 250µs"]) == "took <*>"


def test_durations_and_times_in_common_notations():
    assert one_template(["session lifetime 02:25", "session lifetime 1:02:03.5", "session lifetime 00:00:01"]) == \
        "session lifetime <*>"
    assert one_template(["[10/Oct/2000:13:55:36 -0700] hit", "[11/Oct/2000:01:02:03 +0000] hit"]) == "[<*>] hit"


def test_quoted_values_vary_but_quoted_messages_do_not_merge():
    assert one_template(['lock tag="View Lock" held', 'lock tag="*launch*" held', 'lock tag="AudioMix" held']) == \
        'lock tag="<*>" held'
    # the value of msg= is the message: its words are tokenized, not one value
    assert one_template(['level=info msg="container 1a2b3c exited after 5s" id=1',
                         'level=info msg="container 9f8e7d exited after 12ms" id=2']) == \
        'level=info msg="container <*> exited after <*>" id=<*>'
    lines = ['level=info msg="shim disconnected" id=1', 'level=info msg="cleaning up after shim disconnected" id=2',
             'level=info msg="daemon has completed initialization" id=3']
    assert len({t for _, t in fingerprint_lines(lines)}) == 3


def test_key_value_values_generalize_at_once():
    assert one_template(["job state=running user=alice", "job state=stopped user=bob"]) == "job state=<*> user=<*>"


def test_one_slot_in_several_notations_is_one_variable():
    # a program that prints durations by size: "5 ms", "1.2s", "2m3s", "<1 sec", "01:02:03"
    assert one_template(["request done in 5 ms", "request done in 1.2s", "request done in 2m3s",
                         "request done in 15 ms"]) == "request done in <*>"
    assert one_template([
        "proxy.example.com:443 close, 1190 bytes sent, 4096 bytes received, lifetime <1 sec",
        "www.example.org:80 close, 20 bytes sent, 120 bytes received, lifetime 00:02",
        "api.example.net:443 close, 1200 bytes sent, 31232 bytes received, lifetime 01:02:03",
    ]) == "<*> close, <*> bytes sent, <*> bytes received, lifetime <*>"


def test_numbers_with_thousands_separators_and_json_keys():
    assert one_template(["copied 1,234,567 rows", "copied 500 rows", "copied 12,000 rows"]) == "copied <*> rows"
    # a quoted key is structure, a quoted value is a value
    out = fingerprint_lines(['{"level":"info","msg":"started"}', '{"status":"ok","msg":"started"}'])
    assert out[0][0] != out[1][0]
    assert one_template(['{"level":"info","msg":"started"}', '{"level":"warn","msg":"started"}']) == \
        '{"level":"<*>","msg":"started"}'


def test_file_names_are_variables_even_as_the_first_word():
    # the first words index templates: a program's name there must be a variable
    assert one_template(["chrome.exe - api.example.com:443 open through proxy proxy.example.net:8080 HTTPS",
                         "svchost.exe - 10.0.0.5:80 open through proxy proxy.example.net:8080 HTTPS",
                         "outlook.exe - mail.example.org:993 open through proxy proxy.example.net:8080 HTTPS"]) == \
        "<*> - <*> open through proxy <*> HTTPS"


# A state written by version 1 of the state format (before the knobs were recorded and before
# host:port with a DNS name was one token), as that version wrote it for four lines.
V1_STATE = {
    "format": "brainstem.miner", "version": 1, "max_templates": 100, "next_cid": 3, "seq": 4,
    "templates": [
        {"id": 0, "key": "0eaa7d7cf8c4a4fb", "tokens": ["sshd", ":", " Failed", " password", " for", " root", " from",
                                                        " <*>", " port", " <*>", " ssh2"],
         "version": 1, "count": 1, "last_time": 0.0, "last_seq": 1, "seen": [[5, [" root", " admin"]]], "flex": -1},
        {"id": 1, "key": "a3d2dd7758a76370", "tokens": ["sshd", ":", " Failed", " password", " for", " admin", " from",
                                                        " <*>", " port", " <*>", " ssh2"],
         "version": 1, "count": 1, "last_time": 0.0, "last_seq": 2, "seen": [[5, [" root", " admin"]]], "flex": -1},
        {"id": 2, "key": "39e123e019a048e7", "tokens": ["connect", " to", " <*>", ":", "<*>", " failed", " after", " <*>",
                                                        " ms"],
         "version": 2, "count": 2, "last_time": 0.0, "last_seq": 4, "seen": [], "flex": -1},
    ],
    "aliases": [],
}


def test_a_version_1_state_loads_and_keeps_its_keys():
    m = TemplateMiner.from_state(json.loads(json.dumps(V1_STATE)))
    assert (m.similarity, m.evidence) == (0.5, 3)
    # the evidence it gathered still counts: a third user generalizes the older template
    got = m.learn("sshd: Failed password for guest from 10.0.0.9 port 2202 ssh2")
    assert got.key == "0eaa7d7cf8c4a4fb" and got.template == "sshd: Failed password for <*> from <*> port <*> ssh2"
    assert m.resolve("a3d2dd7758a76370") == "0eaa7d7cf8c4a4fb"
    # a host:port is one token now; the template cut from three tokens takes it under its old key
    got = m.learn("connect to db03.example.com:5432 failed after 7 ms")
    assert got.key == "39e123e019a048e7" and not got.is_new
    assert template_matches(got.template, "connect to db03.example.com:5432 failed after 7 ms")
    assert m.to_state()["version"] == 2 and m.to_state()["evidence"] == 3


def test_knobs_are_kept_in_the_state_and_checked():
    m = TemplateMiner(similarity=0.7, evidence=4)
    for line in SSH:
        m.learn(line)
    again = TemplateMiner.from_state(json.loads(json.dumps(m.to_state())))
    assert (again.similarity, again.evidence) == (0.7, 4)
    with pytest.raises(ValueError):
        TemplateMiner(similarity=0)
    with pytest.raises(ValueError):
        TemplateMiner(evidence=1)
    with pytest.raises(ValueError):
        TemplateMiner.from_state({**m.to_state(), "evidence": 1})


def test_evidence_is_a_knob():
    lines = [f"job finished for user {u} in queue main" for u in ("ana", "bob", "chen", "dmitri")]
    assert len({k for k, _ in fingerprint_lines(lines[:3], evidence=3)}) == 1
    assert len({k for k, _ in fingerprint_lines(lines[:3], evidence=4)}) == 3
    assert len({k for k, _ in fingerprint_lines(lines, evidence=4)}) == 1
