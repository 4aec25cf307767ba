"""What kind of variable a token is (masking.kind) and what its value is called."""
from __future__ import annotations

import pytest

from brainstem.fingerprint.masking import kind, value_name


@pytest.mark.parametrize("token, expected", [
    ("10.0.0.1", "ip"), ("10.0.0.1:80", "ip"), ("/10.0.0.1:50010", "ip"), ("host-1/10.1.2.3:80", "ip"),
    ("[::1]:443", "ip"), ("fe80::1", "ip"), ("2001:db8::8a2e:370:7334", "ip"),
    ("00:1a:2b:3c:4d:5e", "mac"),
    ("db.example.com:5432", "host"), ("localhost:80", "host"), ("mesos-slave-07:55904", "host"),
    ("https://x.example.com/a/b", "url"), ("hdfs://10.1.1.1:9000/a", "url"),
    ("alice@example.com", "email"),
    ("/var/log/syslog", "path"), ("./conf/app.yaml", "path"), ("C:\\Windows\\x.dll", "path"), ("~/x", "path"), ("\\Windows\\x", "path"), ("\\\\srv\\share", "path"),
    ("\\ndenied", None), ('\\"abc', None),
    ("chrome.exe", "file"), ("libc.so.6", "file"), ("app.log", "file"), ("Main.java", "file"),
    ("Servlet.service", None), ("nginx.service", "file"), ("getty@tty1.service", "file"), ("com.example.Main", None),
    ("12:30", "time"), ("18:01:47,978", "time"), ("10/Oct/2000:13:55:36 -0700", "time"), ("1h2m3s", "time"),
    ("2024-01-02 03:04:05 UTC", "time"),
    ("42", "num"), ("-3.5e4", "num"), ("12KB", "num"), ("3.5s", "num"), ("1.5GiB", "num"), ("20MB/s", "num"),
    ("99.9%", "num"), ("250µs", "num"),
    ("8f14e45f-ceea-467f-a0e6-a5b1c4f7f3a1", "uuid"), ("0x7f3a", "hex"), ("deadbeef01", "hex"),
    ("blk_-4213", "id"), ("appattempt_1445_0020", "id"),
    # soft: literal until the value varies
    ("ssh2", ""), ("eth0", ""), ("HTTP/1.1", ""), ("curl/8.5.0", ""), ("Mozilla/5.0 (X11; Linux)", ""),
    ("true", "bool"), ("False", "bool"),
    # plain words and phrases
    ("password", None), ("null", None), ("View Lock", None), ("x.y", None), ("/", None),
])
def test_kind(token, expected):
    assert kind(token) == expected


def test_value_names():
    assert value_name("db.example.com:5432") == "host"
    assert value_name("mail.example.org") == "host"
    assert value_name("https://x.example.com/") == "url"
    assert value_name("a@example.com") == "email"
    assert value_name("word") is None
