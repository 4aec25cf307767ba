"""RFC 5424 syslog lines.

``<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]``

Structured data goes to ``structured_fields`` as ``{sd_id: {param: value}}``
(a param repeated inside one element becomes a list; a repeated SD-ID merges);
``app_name``, ``procid`` and ``msgid`` are kept there too when not ``-``.
"""
from __future__ import annotations

import re

from .base import BadLine
from .rfc3164 import decode_pri
from .record import Record
from .timestamps import make_dt

_HEADER = re.compile(
    r"<(\d{1,3})>(\d{1,2}) "
    r"(?:-|(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?) "
    r"(\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) ?")
_SD_NAME = re.compile(r"[^= \]\"]{1,32}")
_BOM = "\ufeff"


class SDError(ValueError):
    pass


def parse_sd(text: str, pos: int) -> tuple[dict, int]:
    """Parse STRUCTURED-DATA at ``pos``; returns (elements, index after it)."""
    n = len(text)
    if pos < n and text[pos] == "-":
        return {}, pos + 1
    out: dict = {}
    while pos < n and text[pos] == "[":
        m = _SD_NAME.match(text, pos + 1)
        if m is None:
            raise SDError("bad SD-ID")
        sd_id = m.group()
        params = out.setdefault(sd_id, {})
        pos = m.end()
        while True:
            if pos >= n:
                raise SDError("unterminated SD element")
            c = text[pos]
            if c == "]":
                pos += 1
                break
            if c != " ":
                raise SDError("expected space or ']' in SD element")
            pos += 1
            m = _SD_NAME.match(text, pos)
            if m is None or m.end() + 1 >= n or text[m.end()] != "=" or text[m.end() + 1] != '"':
                raise SDError("bad SD-PARAM")
            name = m.group()
            pos = m.end() + 2
            buf = []
            while True:
                q = text.find('"', pos)
                b = text.find("\\", pos)
                if q < 0:
                    raise SDError("unterminated PARAM-VALUE")
                if 0 <= b < q:
                    buf.append(text[pos:b])
                    nxt = text[b + 1:b + 2]
                    if nxt in ('"', "\\", "]"):
                        buf.append(nxt)
                        pos = b + 2
                    else:  # RFC 5424 6.3.3: a backslash before anything else is kept
                        buf.append("\\")
                        pos = b + 1
                    continue
                buf.append(text[pos:q])
                pos = q + 1
                break
            value = "".join(buf)
            old = params.get(name)
            if old is None:
                params[name] = value
            elif isinstance(old, list):
                old.append(value)
            else:
                params[name] = [old, value]
    if not out:
        raise SDError("expected '-' or '['")
    return out, pos


class Rfc5424Parser:
    name = "rfc5424"
    source_type = "syslog"

    __slots__ = ()

    def parse(self, text: str, path: str, line_no: int) -> Record | None:
        if text[0] != "<":
            return None
        m = _HEADER.match(text)
        if m is None or m[2] == "0":
            return None
        fs = decode_pri(m[1])
        if fs is None:
            return None
        ts = None
        if m[3] is not None:
            ts = make_dt(int(m[3]), int(m[4]), int(m[5]), int(m[6]), int(m[7]), int(m[8]), m[9], m[10])
            if ts is None:  # a well-formed header whose time is not on the calendar
                start = m.end(2) + 1
                raise BadLine(f"timestamp out of range: {text[start:text.find(' ', start)]}")
        try:
            fields, pos = parse_sd(text, m.end())
        except SDError:
            return None
        if pos < len(text):
            if text[pos] != " ":
                return None
            pos += 1
        msg = text[pos:]
        if msg[:1] == _BOM:
            msg = msg[1:]
        host, app, procid, msgid = m[11], m[12], m[13], m[14]
        host = None if host == "-" else host
        app = None if app == "-" else app
        procid = None if procid == "-" else procid
        if app is not None:
            fields["app_name"] = app
        if procid is not None:
            fields["procid"] = procid
        if msgid != "-":
            fields["msgid"] = msgid
        return Record(ts, msg.strip(), text, "syslog", path, line_no, host, app, procid,
                      fs[1], fs[0], fields, {"format": "rfc5424", "version": int(m[2])})
