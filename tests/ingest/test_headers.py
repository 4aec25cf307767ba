from __future__ import annotations

import pytest

from brainstem.ingest.headers import learn_columns, next_token, shape


@pytest.mark.parametrize("tok,expected", [
    ("INFO", "level"), ("[error]", "level"), ("[core:error]", "level"), ("[INFO ]", "level"), ("LOG:", "level"),
    ("NOTICE[1234]", "level"), ("information/cli:", "level"), ("Informational", "level"),
    ("[1234]", "bracket_pid"), ("[pid 12:tid 34]", "bracket_pid"), ("#4242]", "bracket_pid"),
    ("[main]", "bracket"), ("<0.230.0>", "bracket"), ("[o.e.n.Node   ]", "bracket_logger"),
    ("sshd[12]:", "tag"), ("server::http:", "tag"), ("heroku[router]:", "tag"), ("AH00128:", "other"),
    ("main.go:42:", "fileline"), ("Api.java:42", "fileline"), ("%LINK-3-UPDOWN:", "mnemonic"),
    ("org.apache.Foo", "dotted"), ("web01", "host"), ("10.0.0.5", "host"), ("root", "word"),
    ("1234", "int"), ("0x1a2b", "hex"), ("1234:M", "pid_role"), ("12#12:", "pid_role"), ("2005.06.03", "date"),
    ("-", "sep"), ("---", "sep"), ("stdout", "stream"), ("D", "letter"), ("k=v", "kv"),
])
def test_shapes(tok, expected):
    assert shape(tok) == expected


def test_tokens_keep_brackets_whole():
    text = "x [           main] [pid 1:tid 2]: rest"
    s, e, gap = next_token(text, 1)
    assert text[s:e] == "[           main]" and gap == 1
    s, e, _ = next_token(text, e)
    assert text[s:e] == "[pid 1:tid 2]:"


def _roles(lines, marker=" | "):
    starts = [line.index(marker) + len(marker) for line in lines]
    return [c.describe() for c in learn_columns(lines, starts)]


def test_columns_of_common_headers():
    hadoop = [f"t | INFO [main] org.apache.hadoop.X{i}: Created {i}" for i in range(5)]
    assert _roles(hadoop) == ["level", "context", "tag"]
    syslog_like = [f"t | web0{i % 2} sshd[{100 + i}]: Accepted key {i}" for i in range(6)]
    assert _roles(syslog_like) == ["host", "tag"]
    spring = [f"t |  INFO 12345 --- [main] o.s.b.App{i % 2}   : Started {i}" for i in range(5)]
    assert _roles(spring) == ["level", "pid", "sep", "context", "logger", "sep"]
    logcat = [f"t | 1702  2395 D Window{i % 2}: x {i}" for i in range(5)]
    assert _roles(logcat) == ["pid", "tid", "letter", "tag"]


def test_message_words_are_not_header():
    # a first message word of low variety is not a component unless something marks it as one
    lines = [f"t | Connection {('opened', 'closed')[i % 2]} from 10.0.0.{i}" for i in range(8)]
    assert _roles(lines) == []
    # a level word in half the lines is an optional level column (Slurm's "error: ..." among "sched: ...")
    lines = [f"t | error: disk {i} full" for i in range(3)] + [f"t | sched: job {i}" for i in range(3)]
    assert _roles(lines) == ["level?"]
    lines = [f"t | error: disk {i} full" for i in range(2)] + [f"t | sched: job {i}" for i in range(4)]
    assert _roles(lines) == []
