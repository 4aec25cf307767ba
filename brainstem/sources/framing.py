"""Syslog over a stream (RFC 6587): octet counting and newline framing, told apart per frame.

    framer = Framer(max_bytes=65536)
    for frame in framer.feed(chunk):   # bytes as they arrive, any split
        frame.data, frame.truncated, frame.error

Octet counting is ``MSG-LEN SP SYSLOG-MSG``; non-transparent framing ends each
message with LF (CRLF and NUL are accepted too). A frame that starts with a
digit is octet-counted, anything else is newline-framed, as rsyslog and
syslog-ng decide it. Memory is bounded by ``max_bytes``: the part of an
over-long message beyond it is skipped as it streams past, and the frame is
delivered truncated. A malformed count (digits not followed by a space, a
length of zero or more than ``MAX_COUNT``) is reported as an error frame and
the rest of that line is skipped, so the stream goes on at the next newline.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_COUNT = 1 << 30          # a count beyond this is an error, not a message to skip
_MAX_DIGITS = 10


@dataclass(slots=True)
class Frame:
    data: bytes
    truncated: bool = False
    error: str | None = None      # set for a malformed frame (data then holds what was seen of it)


class FramingError(ValueError):
    """The stream can no longer be framed (the connection should close)."""


class Framer:
    __slots__ = ("max_bytes", "_buf", "_need", "_partial", "_mode", "_truncated")

    def __init__(self, max_bytes: int = 65536):
        self.max_bytes = max_bytes
        self._buf = bytearray()
        self._need = 0          # octet mode: bytes of the message still to come
        self._partial = bytearray()
        self._mode = None       # None between frames; "octet", "line", or "discard" (the rest of a bad line)
        self._truncated = False

    @property
    def buffered(self) -> int:
        """Bytes held for an incomplete frame (bounded by about 2 x max_bytes)."""
        return len(self._buf) + len(self._partial)

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        out: list[Frame] = []
        buf = self._buf
        pos = 0
        n = len(buf)
        maxb = self.max_bytes
        while pos < n:
            mode = self._mode
            if mode == "octet":
                if self._need:
                    take = min(self._need, n - pos)
                    room = maxb - len(self._partial)
                    if room > 0:
                        self._partial += buf[pos:pos + min(take, room)]
                    if take > room:
                        self._truncated = True
                    self._need -= take
                    pos += take
                if self._need == 0:
                    out.append(Frame(bytes(self._partial), self._truncated))
                    self._partial.clear()
                    self._truncated = False
                    self._mode = None
                continue
            if mode == "discard":
                end = buf.find(b"\n", pos)
                if end < 0:
                    pos = n
                    break
                pos = end + 1
                self._mode = None
                continue
            if mode == "line":
                end = buf.find(b"\n", pos)
                stop = n if end < 0 else end
                room = maxb - len(self._partial)
                if room > 0:
                    self._partial += buf[pos:min(stop, pos + room)]
                if stop - pos > room:
                    self._truncated = True
                if end < 0:
                    pos = n
                    break
                pos = end + 1
                frame = bytes(self._partial).rstrip(b"\r\x00")
                self._partial.clear()
                if frame:
                    out.append(Frame(frame, self._truncated))
                self._truncated = False
                self._mode = None
                continue
            # between frames
            c = buf[pos]
            if c in b"\n\r\x00 \t":
                pos += 1
                continue
            if 0x30 <= c <= 0x39:          # a digit: octet counting
                sp = buf.find(b" ", pos, pos + _MAX_DIGITS + 1)
                if sp < 0:
                    if n - pos <= _MAX_DIGITS and buf[pos:n].isdigit():
                        break               # the count is still arriving
                    pos = self._bad_count(buf, pos, out, "octet count not followed by a space")
                    continue
                digits = bytes(buf[pos:sp])
                if not digits.isdigit():
                    pos = self._bad_count(buf, pos, out, "octet count is not a number")
                    continue
                count = int(digits)
                if count == 0 or count > MAX_COUNT:
                    pos = self._bad_count(buf, pos, out, f"octet count {count} out of range")
                    continue
                start = sp + 1
                if count <= maxb and start + count <= n:     # the whole frame is here: one slice
                    out.append(Frame(bytes(buf[start:start + count])))
                    pos = start + count
                    continue
                self._mode = "octet"
                self._need = count
                pos = start
                continue
            self._mode = "line"
        del buf[:pos]
        return out

    def _bad_count(self, buf: bytearray, pos: int, out: list[Frame], why: str) -> int:
        """Report a malformed count and resume at the next line (if one is buffered)."""
        end = buf.find(b"\n", pos)
        seen = bytes(buf[pos:(end if end >= 0 else len(buf))][:200])
        out.append(Frame(seen, error=why))
        if end < 0:
            self._mode = "discard"   # skip the rest of this line as it arrives
            return len(buf)
        return end + 1

    def flush(self) -> list[Frame]:
        """At end of stream: a final line without its newline is a frame; a cut counted frame is an error."""
        out: list[Frame] = []
        if self._mode == "line" and self._partial:
            frame = bytes(self._partial).rstrip(b"\r\x00")
            if frame:
                out.append(Frame(frame, self._truncated))
        elif self._mode == "octet":
            out.append(Frame(bytes(self._partial), self._truncated,
                             error=f"connection closed {self._need} bytes short of the octet count"))
        elif self._buf.strip():
            out.append(Frame(bytes(self._buf[:200]), error="connection closed inside an octet count"))
        self._buf.clear()
        self._partial.clear()
        self._mode = None
        self._need = 0
        return out
