"""An HTTP body of JSON events, split into elements: a JSON array, one object, or NDJSON.

What is wrong with the body as a whole (not UTF-8 where it must be, not JSON,
too many events) is a :class:`BodyError`; what is wrong with one element is an
:class:`ElementError` naming its index (and line, for NDJSON) and the field,
and the other elements go on. Shared by the events route and the configured
webhooks (``brainstem.sources.events``, ``brainstem.sources.webhook``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from brainstem.ingest.record import Record

NDJSON_TYPES = frozenset(("application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonl",
                          "application/json-lines", "application/jsonlines", "application/json-seq"))
# event time further ahead of the receiving clock than this is a sender's bug, not an event
MAX_AHEAD = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class BodyError(ValueError):
    """The body as a whole cannot be read; nothing of it was stored (HTTP 400)."""


class TooManyEvents(BodyError):
    """More events in one request than ``http_max_events`` allows (HTTP 413)."""


@dataclass(frozen=True)
class ElementError:
    index: int               # 0-based position of the element in the array, or of the line in NDJSON
    field: str | None        # the field at fault, None when the element as a whole is
    message: str
    line: int | None = None  # 1-based line number for NDJSON bodies

    def to_dict(self) -> dict[str, Any]:
        out = {"index": self.index, "field": self.field, "message": self.message}
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass
class Decoded:
    """What a body gave: records to store, the elements refused, messages truncated."""

    records: list[Record] = field(default_factory=list)
    errors: list[ElementError] = field(default_factory=list)
    truncated: int = 0


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def elements(body: bytes, content_type: str | None, max_events: int) -> Iterator[tuple[int, int | None, Any]]:
    """(index, line, element) per element; ``element`` is an :class:`ElementError` for an
    NDJSON line that does not decode. Raises :class:`BodyError` for the body as a whole."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    kind = media_type(content_type)
    if not body.strip():
        raise BodyError("the body is empty: send a JSON array of events, one event object, or NDJSON")
    if kind not in NDJSON_TYPES:
        whole = _whole(body, strict=kind == "application/json" and b"\n" not in body.strip())
        if whole is not None:
            if isinstance(whole, dict):
                whole = [whole]
            elif not isinstance(whole, list):
                raise BodyError(f"the body is a JSON {json_type(whole)}: send an array of event objects, "
                                "one event object, or NDJSON")
            if len(whole) > max_events:
                raise TooManyEvents(f"{len(whole)} events in one request; at most {max_events} (http_max_events)")
            for i, obj in enumerate(whole):
                yield i, None, obj
            return
    yield from _ndjson(body, max_events)


def _whole(body: bytes, strict: bool) -> Any:
    """The body as one JSON value, or None when it should be read as NDJSON instead."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if strict or body.lstrip()[:1] == b"[":
            raise BodyError(f"the body is not valid UTF-8 (byte {exc.start}): send UTF-8 JSON") from None
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        # several lines of objects sent as application/json: read them as NDJSON
        if not strict and _object_line(text.strip().split("\n", 1)[0]):
            return None
        raise BodyError(f"the body is not JSON: {exc}") from None


def _object_line(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _ndjson(body: bytes, max_events: int) -> Iterator[tuple[int, int | None, Any]]:
    lines = body.split(b"\n")
    count = sum(1 for raw in lines if raw.strip())
    if count > max_events:
        raise TooManyEvents(f"{count} events in one request; at most {max_events} (http_max_events)")
    for i, raw in enumerate(lines):
        raw = raw.strip()
        if not raw:
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield i, i + 1, ElementError(i, None, f"not valid UTF-8 (byte {exc.start} of the line)", i + 1)
            continue
        try:
            yield i, i + 1, json.loads(text)
        except ValueError as exc:
            yield i, i + 1, ElementError(i, None, f"not JSON: {exc}", i + 1)


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def check_time(ts: datetime, received: datetime) -> str | None:
    """Why an event time cannot be right, or None."""
    if ts < EPOCH:
        return f"{ts.isoformat()} is before 1970"
    if ts > received + MAX_AHEAD:
        return f"{ts.isoformat()} is more than a day ahead of the server's clock ({received:%Y-%m-%dT%H:%M:%SZ})"
    return None


def cut(text: str, max_bytes: int) -> tuple[str, bool]:
    """``text`` within ``max_bytes`` of UTF-8 (cut on a character boundary), and whether it was cut."""
    if len(text) * 4 <= max_bytes:
        return text, False
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes:
        return text, False
    return data[:max_bytes].decode("utf-8", "ignore"), True


def compact(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)

