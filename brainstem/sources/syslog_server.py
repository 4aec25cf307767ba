"""Syslog listeners on the service's asyncio loop: UDP, TCP and TLS (RFC 5426, 6587, 5425).

Each message is framed (``framing.Framer`` for streams, one datagram each for
UDP), decoded (``syslog_decode.SyslogDecoder``), routed to a tenant
(``service.routing.Router``) and offered to the ingest queue. Limits keep one
sender from hurting the others: message size (longer ones truncated and
flagged), connections per listener, an idle timeout, and back-pressure — when
the queue is full a TCP connection stops being read until there is room
(memory stays bounded; the sender's kernel buffers fill and it slows down),
while a UDP datagram is dropped and counted, since UDP cannot be slowed.
Malformed frames are counted and logged with the peer address; a connection
that sends nothing but malformed frames is closed with the reason logged.
"""
from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from dataclasses import dataclass

from brainstem.service.inbound import Inbound
from brainstem.service.metrics import Metrics
from brainstem.service.queue import IngestQueue, QueueClosed
from brainstem.service.routing import Router

from .framing import Framer
from .syslog_decode import RejectedFrame, SyslogDecoder

log = logging.getLogger("brainstem.sources.syslog")

MAX_BAD_IN_A_ROW = 100        # a connection sending only garbage is closed after this many frames
READ_LIMIT = 256 * 1024
UDP_RECEIVE_BUFFER = 8 << 20       # bytes handed to one data_received call are bounded by the transport


@dataclass
class ListenerLimits:
    max_message_bytes: int = 65536
    max_connections: int = 1000
    idle_timeout: float = 300.0

    @classmethod
    def from_settings(cls, s) -> "ListenerLimits":
        return cls(s.syslog_max_message_bytes, s.syslog_max_connections, s.syslog_idle_timeout_seconds)


class _Warn:
    """Logs a listener's complaints at most once a second, with how many were held back."""

    def __init__(self, name: str):
        self.name = name
        self._last = 0.0
        self._held = 0

    def __call__(self, peer: str, what: str) -> None:
        now = time.monotonic()
        if now - self._last < 1.0:
            self._held += 1
            return
        more = f" (and {self._held} more since the last report)" if self._held else ""
        log.warning("listener %s: peer %s: %s%s", self.name, peer, what, more)
        self._last, self._held = now, 0


class SyslogListener:
    """One listener; ``await start()`` binds it (``port`` then holds the real port)."""

    def __init__(self, name: str, protocol: str, host: str, port: int, *, queue: IngestQueue, router: Router,
                 metrics: Metrics, limits: ListenerLimits, tenant: str | None = None,
                 ssl_context: ssl.SSLContext | None = None):
        if protocol not in ("udp", "tcp", "tls"):
            raise ValueError(f"unknown protocol {protocol!r}")
        self.name, self.protocol, self.host, self.port = name, protocol, host, port
        self.queue, self.router, self.metrics, self.limits = queue, router, metrics, limits
        self.tenant = tenant
        self.ssl_context = ssl_context
        self.decoder = SyslogDecoder(name)
        self.warn = _Warn(name)
        self.connections: set["_StreamProtocol"] = set()
        self._server = None
        self._transport = None
        m = metrics
        self.c_received = m.received.labels(name)
        self.c_bad = m.bad.labels(name)
        self.c_truncated = m.truncated.labels(name)
        self.c_dropped = m.dropped.labels(name, "queue_full")
        self.c_unrouted = m.refused.labels(name, "unrouted")
        self.c_refused_conn = m.refused.labels(name, "max_connections")
        self.g_connections = m.connections.labels(name)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.protocol == "udp":
            self._transport, _ = await loop.create_datagram_endpoint(
                lambda: _DatagramProtocol(self), local_addr=(self.host, self.port))
            sock = self._transport.get_extra_info("socket")
            # room in the kernel for bursts while the loop is busy: beyond net.core.rmem_max
            # when privileged (SO_RCVBUFFORCE), else as much as it allows
            for opt in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
                try:
                    if opt is not None:
                        sock.setsockopt(socket.SOL_SOCKET, opt, UDP_RECEIVE_BUFFER)
                        break
                except OSError:
                    continue
            self.port = self._transport.get_extra_info("sockname")[1]
        else:
            self._server = await loop.create_server(
                lambda: _StreamProtocol(self), self.host, self.port, ssl=self.ssl_context,
                ssl_handshake_timeout=30.0 if self.ssl_context else None, backlog=1024)
            self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop accepting, close every connection (their last frames are still taken)."""
        if self._transport is not None:
            self._transport.close()
        if self._server is not None:
            self._server.close()
            for c in list(self.connections):
                c.close("service stopping")
            await self._server.wait_closed()

    # -- shared by both protocols -----------------------------------------------------------
    def message(self, data: bytes, peer: str, now: float, truncated: bool) -> Inbound | bool:
        """A routed message; False for a bad one, True for one refused by routing (both counted here)."""
        try:
            rec = self.decoder.decode(data, peer, now, truncated)
        except RejectedFrame as exc:
            self.c_bad.inc()
            self.warn(peer, f"rejected message: {exc}")
            return False
        if truncated:
            self.c_truncated.inc()
        tenant = self.router.route(self.name, self.tenant, peer, rec.host)
        if tenant is None:
            self.c_unrouted.inc()
            return True
        return Inbound(tenant, rec, self.name, now)


class _DatagramProtocol(asyncio.DatagramProtocol):
    def __init__(self, listener: SyslogListener):
        self.l = listener

    def datagram_received(self, data: bytes, addr) -> None:
        lst = self.l
        lst.c_received.inc()
        maxb = lst.limits.max_message_bytes
        truncated = len(data) > maxb
        if truncated:
            data = data[:maxb]
        item = lst.message(data, addr[0], time.time(), truncated)
        if item is True or item is False:
            return
        try:
            if lst.queue.offer([item]) is None:
                lst.c_dropped.inc()
        except QueueClosed:
            lst.c_dropped.inc()

    def error_received(self, exc) -> None:
        log.warning("listener %s: %s", self.l.name, exc)


class _StreamProtocol(asyncio.Protocol):
    def __init__(self, listener: SyslogListener):
        self.l = listener
        self.framer = Framer(listener.limits.max_message_bytes)
        self.transport = None
        self.peer = "?"
        self.bad_in_a_row = 0
        self.last_data = time.monotonic()
        self._idle = None
        self._paused = False
        self._pending: list[Inbound] = []
        self._closed = False

    # -- life ----------------------------------------------------------------------------------
    def connection_made(self, transport) -> None:
        lst = self.l
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if peer else "?"
        if len(lst.connections) >= lst.limits.max_connections:
            lst.c_refused_conn.inc()
            lst.warn(self.peer, f"connection refused: {lst.limits.max_connections} connections already open")
            self._closed = True
            transport.abort()
            return
        lst.connections.add(self)
        lst.g_connections.set(len(lst.connections))
        self._arm_idle()

    def connection_lost(self, exc) -> None:
        lst = self.l
        if self in lst.connections:
            lst.connections.discard(self)
            lst.g_connections.set(len(lst.connections))
            self._frames(self.framer.flush())
            if self._pending:
                self._offer_or_wait()
        if self._idle is not None:
            self._idle.cancel()
        self._closed = True

    def close(self, why: str) -> None:
        if not self._closed:
            self._closed = True
            log.info("listener %s: closing connection from %s: %s", self.l.name, self.peer, why)
            self.transport.close()

    def _arm_idle(self) -> None:
        loop = asyncio.get_running_loop()
        self._idle = loop.call_later(self.l.limits.idle_timeout, self._check_idle)

    def _check_idle(self) -> None:
        if self._closed:
            return
        idle = time.monotonic() - self.last_data
        if idle >= self.l.limits.idle_timeout and not self._paused:
            self.close(f"idle for {idle:.0f} s")
            return
        self._arm_idle()

    # -- data ----------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self.last_data = time.monotonic()
        try:
            self._frames(self.framer.feed(data))
        except Exception:              # a bug here must cost this connection, never the listener
            log.exception("listener %s: connection from %s failed", self.l.name, self.peer)
            self.close("internal error (logged)")
        if self._pending:
            self._offer_or_wait()

    def _frames(self, frames) -> None:
        if not frames:
            return
        lst = self.l
        lst.c_received.inc(len(frames))
        now = time.time()
        pending = self._pending
        for f in frames:
            if f.error is not None:
                lst.c_bad.inc()
                lst.warn(self.peer, f"malformed frame: {f.error}")
                self.bad_in_a_row += 1
                if self.bad_in_a_row >= MAX_BAD_IN_A_ROW:
                    self.close(f"{MAX_BAD_IN_A_ROW} malformed frames in a row")
                    return
                continue
            item = lst.message(f.data, self.peer, now, f.truncated)
            if item is False:
                self.bad_in_a_row += 1
                if self.bad_in_a_row >= MAX_BAD_IN_A_ROW:
                    self.close(f"{MAX_BAD_IN_A_ROW} malformed messages in a row")
                    return
                continue
            self.bad_in_a_row = 0
            if item is not True:
                pending.append(item)

    def _offer_or_wait(self) -> None:
        try:
            fut = self.l.queue.offer(self._pending)
        except QueueClosed:
            self.l.c_dropped.inc(len(self._pending))
            self._pending = []
            return
        if fut is not None:
            self._pending = []
            return
        # the queue is full: stop reading this connection until the writer makes room
        if not self._paused and not self._closed:
            self._paused = True
            self.transport.pause_reading()
            asyncio.get_running_loop().create_task(self._resume_when_room())

    async def _resume_when_room(self) -> None:
        q = self.l.queue
        while self._pending:
            await q.wait_room(len(self._pending))
            try:
                fut = q.offer(self._pending)
            except QueueClosed:
                self.l.c_dropped.inc(len(self._pending))
                self._pending = []
                break
            if fut is not None:
                self._pending = []
        self._paused = False
        if not self._closed:
            try:
                self.transport.resume_reading()
            except (RuntimeError, AttributeError):
                pass


def server_ssl_context(cert: str, key: str, ca: str | None = None) -> ssl.SSLContext:
    """TLS for RFC 5425: the listener's certificate; client certificates required when ``ca`` is given."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # No TLS 1.3 session tickets: a sender that writes its messages and closes without
    # reading them would leave them unread, and its kernel would then answer with a
    # reset that makes ours discard the messages not yet read (seen with a simple client).
    ctx.num_tickets = 0
    ctx.load_cert_chain(cert, key)
    if ca:
        ctx.load_verify_locations(ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
