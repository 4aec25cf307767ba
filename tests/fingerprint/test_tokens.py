"""Which runs of a message are one token: the generic value classes of tokens.py."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brainstem.fingerprint.tokens import (
    _PLAIN_TOKEN_RE, _SIMPLE_TOKEN_RE, is_normalized, is_simple, normalize, tokenize, tokenize_plain,
)


def cores(message: str) -> list[str]:
    return [t.lstrip(" ") for t in tokenize(message)]


@pytest.mark.parametrize("message, token", [
    # timestamps and clocks
    ("at 10/Oct/2000:13:55:36 -0700 done", "10/Oct/2000:13:55:36 -0700"),
    ("at 2024-03-05T12:34:56.789+02:00 done", "2024-03-05T12:34:56.789+02:00"),
    ("at 2024-03-05 12:34:56,789 done", "2024-03-05 12:34:56,789"),
    ("at 2024/03/05 12:34:56 done", "2024/03/05 12:34:56"),
    ("at Mon, 02 Jan 2006 15:04:05 -0700", "Mon, 02 Jan 2006 15:04:05"),
    ("at Jun 20 03:40:59 2005 done", "Jun 20 03:40:59 2005"),
    ("lifetime 02:25 left", "02:25"),
    ("took 1:02:03.456 total", "1:02:03.456"),
    # addresses
    ("from 10.0.0.1:50010 ok", "10.0.0.1:50010"),
    ("from /10.0.0.1:50010 ok", "/10.0.0.1:50010"),
    ("from msra-sa-41/10.190.173.170:8030 ok", "msra-sa-41/10.190.173.170:8030"),
    ("to db01.prod.example.com:5432 ok", "db01.prod.example.com:5432"),
    ("to MSRA-SA-39.fareast.corp.microsoft.com:28345 ok", "MSRA-SA-39.fareast.corp.microsoft.com:28345"),
    ("to mesos-slave-07:55904 ok", "mesos-slave-07:55904"),
    ("to localhost:8080 ok", "localhost:8080"),
    ("from [2001:db8::1]:443 ok", "[2001:db8::1]:443"),
    ("from fe80::1%eth0 ok", "fe80::1%eth0"),
    ("from ::1 ok", "::1"),
    ("from 2001:db8:85a3:0:0:8a2e:370:7334 ok", "2001:db8:85a3:0:0:8a2e:370:7334"),
    ("from ::ffff:10.1.2.3 ok", "::ffff:10.1.2.3"),
    ("mac 00:1a:2b:3c:4d:5e up", "00:1a:2b:3c:4d:5e"),
    ("to=<alice@example.com>, relay", "alice@example.com"),
    # URLs and paths
    ("get https://api.example.com:8443/v1/users/42?expand=true ok", "https://api.example.com:8443/v1/users/42?expand=true"),
    ("url hdfs://10.10.34.11:9000/pjhe/logs/2kSOSP.log:0+7, done", "hdfs://10.10.34.11:9000/pjhe/logs/2kSOSP.log:0+7"),
    ("remote akka.tcp://sparkDriver@10.10.34.11:48069 up", "akka.tcp://sparkDriver@10.10.34.11:48069"),
    ('"GET /search?q=vpn&page=9 HTTP/1.1" 200', "/search?q=vpn&page=9"),
    ("see ./conf/app.yaml now", "./conf/app.yaml"),
    ("load C:\\Windows\\System32\\x.dll now", "C:\\Windows\\System32\\x.dll"),
    # quoted strings that hold a value
    ('tag="View Lock", name=x', "View Lock"),
    ("user 'svc backup' denied", "svc backup"),
    ('ua "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101" end', "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101"),
])
def test_one_token(message, token):
    assert token in cores(message)
    assert "".join(tokenize(message)) == normalize(message)


@pytest.mark.parametrize("message, expected", [
    # key:value, source positions and plain words keep their parts
    ("Floor:240 state.clipTopAmount:180", ["Floor", ":", "240", "state.clipTopAmount", ":", "180"]),
    ("at com.x.Y.z(Y.java:123)", ["at", "com.x.Y.z", "(", "Y.java", ":", "123", ")"]),
    ("overlap:false mode=slow", ["overlap", ":", "false", "mode", "=", "slow"]),
    # a message in quotes is tokenized word by word: the value of a message key,
    # a quoted string opening the message, an HTTP request line
    ('level=info msg="shim disconnected" id=7', ["level", "=", "info", "msg", "=", '"', "shim", "disconnected", '"',
                                                 "id", "=", "7"]),
    ('{"msg": "request done"}', ["{", '"', "msg", '"', ":", '"', "request", "done", '"', "}"]),
    ('"SyncLoop (PLEG): event" pod="a b"', ['"', "SyncLoop", "(", "PLEG", ")", ":", "event", '"', "pod", "=", '"',
                                           "a b", '"']),
    ('request: "GET /x HTTP/1.1", host', ["request", ":", '"', "GET", "/x", "HTTP/1.1", '"', ",", "host"]),
    # an apostrophe is not a quote; a quote with spaces inside its ends is not joined
    ("it's 'a' ok", ["it", "'", "s", "'", "a", "'", "ok"]),
    ('x=" a " y', ["x", "=", '"', "a", '"', "y"]),
])
def test_tokens(message, expected):
    assert cores(message) == expected


def test_whitespace_inside_a_joined_token_is_folded():
    assert tokenize('t="2024-01-02  03:04:05" tag="a \t b"') == [
        "t", "=", '"', "2024-01-02 03:04:05", '"', " tag", "=", '"', "a b", '"']


# Pieces of messages that come close to every special token the simple tokenizer
# must not miss (see tokens._SIMPLE_TOKEN_RE): clocks, dates, month and day names,
# thousands, paths, IPv6, host:port, e-mail, quotes, hex, dots, unicode.
_NEAR = st.sampled_from([
    "Jun", "Dec", "Mon,", "Mon", "20", "2005", "03", "40", "59", "03:40", "03:40:59", "12:", "12,", "1,234",
    "1, 234", "2024-01-02", "2024-01-02T03", "10/Oct/2000", "Oct", "UTC", "-0700", "+02", "Z", "T",
    "..", ".", "...", "./a", "~", "~x", "\\x\\y", "C:", "C:\\x", "[", "]", "[::1]", "::", "fe80", "a:b", "x:1",
    "db.example.com", "db.example.com:", "host-1", "localhost", "a@b.com", "@", '"', "'", "msg=", "=", "(", ")",
    "{", "}", "|", "<", ">", ";", "0x1f", "deadbeef", "f5e008d6af57", "10.0.0.1", "10.0.0.1:", "ssh2",
    "Main.java", "é", "ü1", "٣", "µs", "%", "+", "-", "_", "a.", "a..", ".a", "a.b.", "x1.2.3",
])
_near_message = st.lists(st.one_of(_NEAR, st.text(alphabet="aZ09.:,-_[]~\\\"'@/ é٣", max_size=5)),
                         max_size=16).map(" ".join)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(_near_message, st.text(max_size=40)))
def test_the_simple_tokenizer_finds_what_the_full_one_finds(text):
    message = normalize(text)
    if not is_normalized(message):  # a control character: tokenize_plain is not for it
        return
    assert tokenize_plain(message) == _PLAIN_TOKEN_RE.findall(message)
    if is_simple(message):
        assert _SIMPLE_TOKEN_RE.findall(message) == _PLAIN_TOKEN_RE.findall(message)


def test_simple_messages_are_recognized():
    assert is_simple("kernel: [UFW BLOCK] IN=eth0 OUT= SRC=10.1.2.3 LEN=60 TOS=0x00 PROTO=TCP")
    assert is_simple("systemd: Starting ssh.service...")
    assert is_simple("a, b: c, d:")
    for not_simple in ("at 12:30:01 ok", "x,1", "a:b", 'say "hi"', "it's", "u@h", "/var/log", "::1"):
        assert not is_simple(not_simple), not_simple
