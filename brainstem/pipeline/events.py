"""Records -> events: event time, deterministic ids, normalization, severity.

The event id is derived from the tenant, the raw line and its ordinal among
identical lines at the same timestamp in one file, so ingesting the same input
twice (even through another path, or inside a concatenated file) stores
nothing twice, while two genuinely repeated lines in one second both count.
"""
from __future__ import annotations

import re
from time import monotonic as _monotonic
from hashlib import blake2b
from datetime import datetime, timezone

from brainstem.ingest.continuation import head_line, signature_text
from brainstem.ingest.record import Record
from brainstem.models import Event, utcnow

# words that say how bad a message is when the source did not say it
_SEVERITY_WORDS = (
    (2, re.compile(r"\b(panic|fatal|emerg\w*|critical|crit|kernel bug|segfault|out of memory|oom-killer)\b", re.I)),
    (3, re.compile(r"\b(err|error|errors|fail|failed|failure|failing|denied|refused|timed? ?out|timeout|"
                   r"unreachable|exceeded|corrupt\w*|invalid|abort\w*|cannot|can't|unable|exception)\b", re.I)),
    (4, re.compile(r"\b(warn|warning|retry\w*|down|degraded|lost|dropp\w*|block\w*|unsynchroni[sz]ed|"
                   r"deprecated|slow|full)\b", re.I)),
)


def template_severity(template: str) -> int:
    """A severity rank guessed from a template's words (6, info, when none says otherwise)."""
    for rank, rx in _SEVERITY_WORDS:
        if rx.search(template):
            return rank
    return 6


def normalize_message(message: str) -> str:
    """Whitespace folded, ends trimmed: what the template miner learns from."""
    if "  " in message or "\t" in message or "\n" in message or "\r" in message:
        # split() cuts at exactly the characters regex \s matches; 5x cheaper than re.sub
        return " ".join(message.split())
    return message.strip()


_new_object = object.__new__
_init_event = Event.__init__

# Event ids are stable_id("ev_", tenant, line, inherited time or "", ordinal), hashed from a
# state that has read the tenant (tests/pipeline/test_events.py checks the two agree).
# The end of that text for a line's first occurrence at a time it carries:
_FIRST_OWN_TIME = b"\x1f\x1f0"


class _FileState:
    __slots__ = ("last_ts", "ordinal_ts", "ordinals")

    def __init__(self) -> None:
        self.last_ts: datetime | None = None
        self.ordinal_ts: datetime | None = None
        self.ordinals: dict[str, int] = {}


class EventFactory:
    """Turns records into events for one tenant.

    Keeps a little state per source file (records of several files arrive
    interleaved): the last timestamp, which a line without one inherits, and
    the ordinals of identical lines at the current timestamp.
    """

    def __init__(self, tenant_id: str, fallback: datetime | None = None, max_sources: int = 256):
        self.tenant_id = tenant_id
        self.max_sources = max_sources
        self.fallback = fallback or datetime.fromtimestamp(0, timezone.utc)
        self._files: dict[str, _FileState] = {}
        self._now_s = float("-inf")   # so the first event reads the clock
        self._now = None
        # the hash state of the id's text up to the raw line: copied once per event
        self._id_prefix = blake2b(f"{tenant_id}\x1f".encode("utf-8", "surrogatepass"), digest_size=12)

    # the factory's memory as data, for a worker that takes a tenant over mid-stream: the
    # same lines then get the same ids as in one uninterrupted run
    def to_state(self) -> dict:
        iso = lambda t: t.isoformat() if t is not None else None   # noqa: E731
        return {"fallback": self.fallback.isoformat(),
                "files": {p: [iso(st.last_ts), iso(st.ordinal_ts), st.ordinals] for p, st in self._files.items()}}

    def load_state(self, data: dict) -> None:
        dt = lambda t: datetime.fromisoformat(t) if t is not None else None   # noqa: E731
        self.fallback = dt(data["fallback"])
        self._files.clear()
        for path, (last, ordinal_ts, ordinals) in data["files"].items():
            st = self._files[path] = _FileState()
            st.last_ts, st.ordinal_ts, st.ordinals = dt(last), dt(ordinal_ts), dict(ordinals)

    def make(self, rec: Record) -> Event:
        path = rec.source_path
        st = self._files.get(path)
        if st is None:
            if len(self._files) > self.max_sources:
                self._files.clear()
            st = self._files[path] = _FileState()
        ts = rec.timestamp
        meta = rec.metadata
        inherited = ts is None or "time_inherited" in meta   # the reader may have given it a time
        if ts is None:
            ts = st.last_ts or self.fallback
        elif not inherited:
            st.last_ts = ts
        ordinals = st.ordinals
        if ts != st.ordinal_ts:
            ordinals.clear()
            st.ordinal_ts = ts
        raw = rec.raw
        # a joined event (a line and its continuation) is identified by its first line, so
        # re-reading a file whose last trace has grown still finds the event it stored
        key = raw if "\n" not in raw else head_line(raw)
        n = ordinals.get(key, 0)
        ordinals[key] = n + 1
        # the id's text after the tenant;
        # a time the line does not carry (inherited, or the arrival time of a live message) is
        # part of the id, so the same text at another time is another event
        h = self._id_prefix.copy()
        h.update(key.encode("utf-8", "surrogatepass"))
        if inherited or "time_from_arrival" in meta:
            h.update(f"\x1f{ts.timestamp()}\x1f{n}".encode())
        else:
            h.update(_FIRST_OWN_TIME if n == 0 else f"\x1f\x1f{n}".encode())
        message = normalize_message(rec.message)
        sig_message = message if "\n" not in rec.message else normalize_message(signature_text(rec.message))
        service = rec.service
        if inherited:
            meta["time_inherited"] = True
        meta["line"] = rec.line_no
        # created_at: now, read again when a tenth of a second has passed (a clock read with a
        # time zone per event cost ~4% of ingest, and the store keeps one created_at per batch)
        t = _monotonic()
        if t - self._now_s >= 0.1:
            self._now_s, self._now = t, utcnow()
        # positional, in Event's field order (half the cost of keywords, once per line); its
        # __init__ called directly runs in this interpreter loop, where calling the class
        # would go through C and start another (a seventh of the call's cost)
        e = _new_object(Event)
        _init_event(
            e, "ev_" + h.hexdigest(), self.tenant_id, ts, raw, rec.source_type, path, None, rec.host, service,
            rec.severity, rec.facility, message, rec.structured_fields, {},
            f"{service}: {sig_message}" if service else sig_message, None, meta, self._now,
        )
        return e
