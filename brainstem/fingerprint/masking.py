"""Which tokens are variables before any clustering happens, and what to call them.

A *hard* variable is masked to ``<*>`` the moment it is seen: numbers (with
a unit run together, ``10ms``, ``1.5GiB``), durations in units (``1h2m3s``),
IP and MAC addresses, ``host:port``, URLs, e-mail addresses, hex, UUIDs,
paths, file names with a common extension (``chrome.exe``), timestamps,
booleans, and identifiers with several digits (``blk_-42713``,
``appattempt_1445_0020``). A *soft* variable is a word with a digit or two
(``ssh2``, ``eth0``, ``u0``), a name with a version (``HTTP/1.1``) or a
quoted phrase with digits: it stays literal in a template until the cluster
sees a different value there, but it never counts against a match when the
other side also has digits.

Classification results are memoized per token string in a bounded dict, so the
regexes run once per distinct token, not once per message.
"""
from __future__ import annotations

import re
from typing import cast

from .tokens import DATETIME, EMAIL, IPV6, _HOST, _IPV4, _MAC

VAR = "<*>"

_IP = re.compile(r"(?:(?:" + _HOST + r")?/)?" + _IPV4 + r"(?::\d{1,5})?|\[" + IPV6 + r"\](?::\d{1,5})?|" + IPV6)
_HOSTPORT = re.compile(_HOST + r":\d{1,5}")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S*")
# A number, maybe with a unit run together with it (10ms, 3.5s, 12KB, 1.5GiB, 20MB/s, 99.9%).
_NUM = re.compile(r"[-+]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][-+]?\d+)?(?:(?:[a-zA-Z%]{1,4}|µs)(?:/[a-zA-Z]{1,3})?)?")
# A duration in units (1h2m3s, 2m30.5s, 1d12h).
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:d|h|m|s|ms|us|µs|ns)){2,}")
_HEX = re.compile(r"(?:0[xX][0-9a-fA-F]+|[0-9a-fA-F]{8,}|[0-9a-fA-F]+(?:-[0-9a-fA-F]+){2,})")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_MAC_RE = re.compile(_MAC)
_EMAIL = re.compile(EMAIL)
_DIGIT_RUN = re.compile(r"\d+")
# A name and its version: HTTP/1.1, curl/8.5.0 (soft: literal until it varies).
_VERSIONED = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*/v?\d+(?:\.\d+)*")
_DATETIME = re.compile(DATETIME)
_WINDRIVE = re.compile(r"[A-Za-z]:\\")
# A file's name: a name and one of the common extensions (chrome.exe, app.log, libc.so.6),
# or a systemd unit's; not extensions that are also common member names (self.lock).
_FILE = re.compile(
    r"[\w.+-]*[A-Za-z0-9_]\.(?:exe|dll|sys|so|dylib|jar|war|ear|pyc?|js|rb|go|java|cpp|cc|php|pl|sh|bat|"
    r"ps1|cmd|msi|apk|log|txt|csv|json|xml|ya?ml|ini|conf|cfg|toml|properties|pid|sock|sqlite|dat|"
    r"img|iso|tar|t?gz|zip|bz2|xz|7z|rar|pdf|docx?|xlsx?|png|jpe?g|gif|svg|ico|css|html?|mp[34]|tmp|bak|pem|"
    r"crt|cer|p12)(?:\.\d+)*"
    # a systemd unit: lower case, which keeps Servlet.service() out
    r"|[a-z0-9][a-z0-9@._-]*\.(?:service|socket|timer|mount|slice)")

# Words that are always a value: booleans.
_HARD_WORDS = frozenset(["true", "false", "True", "False", "TRUE", "FALSE"])

_MEMO_MAX = 200_000
_memo: dict[str, str | None] = {}


def _is_path(core: str) -> bool:
    """``/…``, ``\\…\\…`` (not ``\\"x``), ``~/…``, ``./…``, ``../…`` or ``C:\\…``, and not only the leading slash."""
    first = core[0]
    if first == "\\":  # \Windows\x or \\server\share, not an escape (\"x, \ndenied)
        return core.count("\\") >= 2 and (core[1].isalnum() or core[1] == "\\") and core[-1] != "\\"
    if first in "/~":
        return len(core) > 1 and core[-1] not in "/\\"
    if first == ".":
        return core.startswith(("./", "../")) and core[-1] != "/"
    return _WINDRIVE.match(core) is not None


def _classify(core: str) -> str | None:
    """Hard-variable kind of a token (without its leading space), or ``""`` for soft, or None."""
    # cheap character tests first: most tokens here are numbers and ids
    colon = ":" in core
    if core[0] in "/\\~." or core[1:3] == ":\\":
        if _is_path(core):
            if _IP.fullmatch(core):
                return "ip"
            if any(c.isalnum() for c in core):
                return "path"
    if colon and "://" in core and _URL.fullmatch(core):
        return "url"
    dot = "." in core
    if dot and _FILE.fullmatch(core):
        return "file"
    if "@" in core and _EMAIL.fullmatch(core):
        return "email"
    if not any(map(str.isdigit, core)):
        return "bool" if core in _HARD_WORDS else None
    if " " in core:
        # a quoted phrase (see tokens.QUOTED), unless it is a timestamp: literal until it varies
        return "time" if _DATETIME.fullmatch(core) else ""
    if (dot or colon) and _IP.fullmatch(core):
        return "ip"
    if (colon and _DATETIME.fullmatch(core)) or (core[-1] in "smhd" and _DURATION.fullmatch(core)):
        return "time"
    if _NUM.fullmatch(core):
        return "num"
    if colon:
        if _MAC_RE.fullmatch(core):
            return "mac"
        if _HOSTPORT.fullmatch(core):
            return "host"
    if "-" in core and _UUID.fullmatch(core):
        return "uuid"
    if _HEX.fullmatch(core):
        return "hex"
    if "/" in core and _VERSIONED.fullmatch(core):
        return ""
    runs = _DIGIT_RUN.findall(core)
    if len(runs) >= 2 or sum(len(r) for r in runs) >= 3:
        return "id"
    return ""


_HEX_DIGITS = "0123456789abcdefABCDEF"


def _quick_kind(core: str) -> str | None:
    """``_classify(core)`` for a number of ASCII digits (ports, sizes, pids) or for 8 or more
    hex digits, a decimal one among them (ids, hashes); else None.

    Cheaper than :func:`_classify`, and needs no memo: none of the tests
    before ``_NUM`` and ``_HEX`` but the duration and the number can hold for
    such a core (it holds no ``/ \\ ~ . : @ -`` or space), ``_NUM`` holds for
    digits and ``_HEX`` for the hex digits.
    """
    if core.isdigit() and core.isascii():
        return "num"
    if len(core) < 8 or core.strip(_HEX_DIGITS) or core.isalpha():  # isalpha: no decimal digit
        return None
    if core[-1] == "d" and _DURATION.fullmatch(core):
        return "time"
    if _NUM.fullmatch(core):
        return "num"
    return "hex"


_ALL_DIGITS = bytes.maketrans(b"0123456789", b"1111111111")
_NONZERO_DIGITS = bytes.maketrans(b"123456789", b"111111111")


def signature(text: str) -> bytes:
    """``text`` with its digits blurred as far as tokenizing and masking cannot tell.

    Its UTF-8 bytes with every ASCII digit replaced by ``1``, or, when it
    holds ``0x``/``0X`` (the one place a particular digit matters), with 1-9
    replaced by ``1`` and ``0`` kept. The two kinds never collide: the first
    holds no ``0``, the second always does. See :mod:`.shapes`.
    """
    raw = text.encode("utf-8", "surrogatepass")
    # tested on the text, the same answer as on its bytes (UTF-8 writes an ASCII
    # character as itself and no other as ASCII bytes), and much cheaper: ``bytes in
    # bytes`` first tries its operand as an int and formats an error message for it
    if "0x" in text or "0X" in text:
        return raw.translate(_NONZERO_DIGITS)
    return raw.translate(_ALL_DIGITS)


_sig_memo: dict[bytes, str | None] = {}
_UNKNOWN = object()


def kind(core: str) -> str | None:
    """``None`` for a plain word, ``""`` for a soft variable, else the hard variable's kind.

    Kinds: ``path``, ``file``, ``url``, ``email``, ``time``, ``ip``, ``mac``, ``host`` (``host:port``), ``num``, ``bool``,
    ``uuid``, ``hex``, ``id``.
    Memoized per string, and per :func:`signature` (the kind does not depend
    on which digit is where), so a new IP of a known shape costs no regex;
    numbers and long hex ids are answered by :func:`_quick_kind` instead.
    """
    known = _memo.get(core, _UNKNOWN)
    if known is not _UNKNOWN:
        return known  # type: ignore[return-value]
    k = _quick_kind(core)
    if k is not None:  # a new number, id or hash, most likely never seen again: not memoized
        return k
    if core:
        sig = signature(core)
        known = _sig_memo.get(sig, _UNKNOWN)
        if known is _UNKNOWN:
            k = _classify(core)
            if len(_sig_memo) >= _MEMO_MAX:
                _sig_memo.clear()
            _sig_memo[sig] = k
        else:
            k = cast("str | None", known)
    if len(_memo) >= _MEMO_MAX:
        _memo.clear()
    _memo[core] = k
    return k


# Words right before a variable that name it better than its shape does.
_CONTEXT_NAMES = {
    "port": "port",
    "user": "user",
    "users": "user",
    "username": "user",
    "host": "host",
    "hostname": "host",
    "pid": "pid",
    "uid": "uid",
}
_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
_HOST_RE = re.compile(
    r"(?!(?:com|org|net|java|javax|android)\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.(?:com|net|org|edu|gov|mil|int|io|local|lan|corp|internal|localdomain|[a-z]{2})"
)


def context_names(template: list[str], wild: list[bool]) -> tuple[str | None, ...]:
    """For each variable of a template, in order, the name its context gives it, or None.

    The key of ``key=value`` / ``key: value`` (lowercased), else the word
    before it when that word names it (:data:`_CONTEXT_NAMES`).
    """
    out: list[str | None] = []
    for i, w in enumerate(wild):
        if not w:
            continue
        name = None
        if i >= 2 and template[i - 1].strip() in ("=", ":") and not wild[i - 2]:
            key = template[i - 2].strip()
            if _KEY_RE.fullmatch(key):
                name = key.lower()
        if name is None and i >= 1 and not wild[i - 1]:
            name = _CONTEXT_NAMES.get(template[i - 1].strip().lower())
        out.append(name)
    return tuple(out)


_value_names: dict[str, str | None] = {}
_value_sig_names: dict[bytes, str | None] = {}


def value_name(value: str) -> str | None:
    """The name a variable's value gives it by its shape (a kind or ``host``), or None (memoized)."""
    known = _value_names.get(value, _UNKNOWN)
    if known is not _UNKNOWN:
        return known  # type: ignore[return-value]
    name = _quick_kind(value)
    if name is not None:  # its kind (not memoized, see kind())
        return name
    # the name does not depend on which digit is where either: a new value of a known
    # shape (a new IP address, port, id) is answered by its signature
    sig = signature(value)
    known = _value_sig_names.get(sig, _UNKNOWN)
    if known is _UNKNOWN:
        k = kind(value) if value else None
        name = k if k else ("host" if k is None and _HOST_RE.fullmatch(value) else None)
        if len(_value_sig_names) >= _MEMO_MAX:
            _value_sig_names.clear()
        _value_sig_names[sig] = name
    else:
        name = cast("str | None", known)
    if len(_value_names) >= _MEMO_MAX:
        _value_names.clear()
    _value_names[value] = name
    return name


_unique: dict[tuple[str | None, ...], tuple[str, ...]] = {}


def unique_names(names: tuple[str | None, ...]) -> tuple[str, ...]:
    """Names made unique: None becomes ``var1``, ``var2``…; repeats get ``_2``, ``_3``… (memoized)."""
    try:
        return _unique[names]
    except KeyError:
        pass
    out: list[str] = []
    seen: dict[str, int] = {}
    taken: set[str] = set()
    unnamed = 0
    for name in names:
        if name is None:
            unnamed += 1
            name = f"var{unnamed}"
        n = seen.get(name, 0) + 1
        seen[name] = n
        unique = name if n == 1 else f"{name}_{n}"
        while unique in taken:  # a key literally called "ip_2" or "var1"
            n += 1
            unique = f"{name}_{n}"
        taken.add(unique)
        out.append(unique)
    got = tuple(out)
    if len(_unique) >= _MEMO_MAX:
        _unique.clear()
    _unique[names] = got
    return got


def param_names(template: list[str], wild: list[bool], values: list[str]) -> list[str]:
    """Names for the variables of one match, in order; see :class:`Match.params`.

    ``template`` are the template tokens, ``wild`` marks the variable positions
    and ``values`` are the message's tokens at those positions (same order).
    """
    ctx = context_names(template, wild)
    return list(unique_names(tuple([c or value_name(v) for c, v in zip(ctx, values)])))
