"""One syslog message (a UDP datagram or a TCP frame) -> a ``Record``, with the file parsers.

RFC 5424 when the message says so (``<PRI>1 ``), RFC 3164 and its variants
otherwise, any other text as an app-log line: the same parsers, so a line
received over the network and the same line read from a file get the same
fields. What only the network knows is added: the peer address (and the host
when the message names none), the listener, the receipt time (as the event's
time only when the message carries none: ``metadata["time_from_arrival"]``).
Binary or empty frames are rejected with a reason, never stored.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from brainstem.ingest.applog import AppLogParser
from brainstem.ingest.record import Record
from brainstem.ingest.rfc3164 import Rfc3164Parser
from brainstem.ingest.rfc5424 import Rfc5424Parser
from brainstem.ingest.timestamps import YearResolver

_RESOLVER_TTL = 3600.0      # yearless timestamps are judged against a reference at most this old
_NON_TEXT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ufffd]")


class RejectedFrame(ValueError):
    """A frame that is not a syslog message; the reason names what was wrong."""


class SyslogDecoder:
    """Decodes messages of one listener; keeps one RFC 3164 year state per sender."""

    __slots__ = ("listener", "_r5424", "_parsers", "_app", "_made_at", "_max_peers")

    def __init__(self, listener: str, max_peers: int = 4096):
        self.listener = listener
        self._r5424 = Rfc5424Parser()
        self._parsers: dict[str, Rfc3164Parser] = {}
        self._app: AppLogParser | None = None
        self._made_at = 0.0
        self._max_peers = max_peers

    def _refresh(self, now: float) -> None:
        if now - self._made_at > _RESOLVER_TTL:
            self._parsers.clear()
            self._app = AppLogParser(YearResolver(datetime.fromtimestamp(now, timezone.utc)))
            self._made_at = now

    def decode(self, data: bytes, peer: str, received_at: float | None = None, truncated: bool = False) -> Record:
        now = time.time() if received_at is None else received_at
        self._refresh(now)
        text = data.decode("utf-8", "replace").strip("\r\n\x00 ")
        if not text:
            raise RejectedFrame("empty message")
        if not text.isprintable() and ("\x00" in text or _mostly_binary(text)):
            raise RejectedFrame("binary or non-text data")
        try:
            rec = self._parse(text, peer, now)
        except Exception as exc:       # a parser bug or an edge it misses costs this message only
            raise RejectedFrame(f"unparseable ({type(exc).__name__}: {exc})") from None
        meta = rec.metadata
        meta["peer"] = peer
        meta["listener"] = self.listener
        if truncated:
            meta["truncated"] = True
        if "\ufffd" in text:
            meta["invalid_utf8"] = True
        if rec.timestamp is None:
            rec.timestamp = datetime.fromtimestamp(now, timezone.utc)
            meta["time_from_arrival"] = True
        if not rec.host:
            rec.host = peer
            meta["host_from_peer"] = True
        return rec

    def _parse(self, text: str, peer: str, now: float) -> Record:
        source = f"{self.listener}/{peer}"
        rec = None
        if text[0] == "<":
            rec = self._r5424.parse(text, source, 0)
        if rec is None:
            parser = self._parsers.get(peer)
            if parser is None:
                if len(self._parsers) >= self._max_peers:
                    self._parsers.clear()
                parser = self._parsers[peer] = Rfc3164Parser(
                    YearResolver(datetime.fromtimestamp(now, timezone.utc)))
            rec = parser.parse(text, source, 0)
        if rec is None:
            rec = self._app.parse(text, source, 0)
            rec.source_type = "syslog"
            rec.metadata["fallback"] = "app_log"
        return rec


def _mostly_binary(text: str) -> bool:
    return len(_NON_TEXT.findall(text)) > 0.3 * len(text)
