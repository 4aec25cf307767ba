"""What kind of variable a token is (masking.kind) and what its value is called."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brainstem.fingerprint import masking
from brainstem.fingerprint.masking import _classify, _quick_kind, kind, value_name


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


# Hex-looking cores and their neighbours: digits, hex letters (d for days, e for
# exponents), other letters and the characters that lead elsewhere in _classify.
_hexish = st.one_of(
    st.text(alphabet="0123456789abcdefABCDEF", min_size=1, max_size=20),
    st.text(alphabet="0123456789de", min_size=1, max_size=12),
    st.text(alphabet="0123456789", min_size=1, max_size=12),
    st.text(alphabet="0123456789abcdefxXghsmGZ.:-_/@ µ٣", min_size=1, max_size=14),
    st.sampled_from(["1d2d3d4d", "12345678d", "1234e5678", "1234E567kB", "0123456789", "deadbeef",
                     "deadbeef1", "f5e008d6af57", "0F51431193", "12345678", "1234567d", "1d1d1d1d1d"]),
)


@settings(max_examples=3000, deadline=None)
@given(_hexish)
def test_the_number_and_hex_shortcut_agrees_with_the_classifier(core):
    got = _quick_kind(core)
    if got is not None:
        assert got == _classify(core)
    if len(core) >= 8 and not core.strip("0123456789abcdefABCDEF") and any(c.isdigit() for c in core):
        assert got in ("hex", "num", "time")
    if core and not core.strip("0123456789"):
        assert got == "num"
    masking._memo.clear()
    masking._sig_memo.clear()
    masking._value_names.clear()
    masking._value_sig_names.clear()
    assert kind(core) == _classify(core)
    name = value_name(core)
    assert name == value_name(core)  # again, from the memo if memoized
    assert name == (_classify(core) or ("host" if _classify(core) is None and masking._HOST_RE.fullmatch(core)
                                        else None))
