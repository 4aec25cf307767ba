"""Small helpers the routes share: JSON out, pages, bodies in (with their size limit)."""
from __future__ import annotations

import json
import zlib
from typing import Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse

from brainstem.models import to_dict
from brainstem.workspace import Page


class Json(JSONResponse):
    """JSON as ``brainstem ... --json`` prints it (UTF-8, compact, datetimes as text)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


class BodyTooLarge(ValueError):
    """A request body over ``http_max_body_bytes`` (HTTP 413)."""


def page(p: Page, cursor: bool = False) -> dict[str, Any]:
    out = {"items": [to_dict(x) for x in p.items], "total": p.total, "limit": p.limit, "offset": p.offset}
    if cursor:
        out["next_cursor"] = p.next_cursor
    return out


def sliced(items: list, limit: int, offset: int) -> Page:
    """A page of a list that is read whole (incidents, lessons, hints: a tenant has few)."""
    return Page(items[offset:offset + limit], len(items), limit, offset)


class Paging:
    """``limit`` and ``offset`` query parameters, ``limit`` capped by ``http_page_max``."""

    __slots__ = ("limit", "offset")

    def __init__(self, limit: int, offset: int):
        self.limit = limit
        self.offset = offset


async def paging(request: Request,
                 limit: int = Query(50, ge=1, description="Items per page (at most http_page_max, default 1000)."),
                 offset: int = Query(0, ge=0, description="Items skipped.")) -> Paging:
    # async: no I/O here, so no trip to the thread pool
    most = request.app.state.ctx.settings.http_page_max
    if limit > most:
        raise ValueError(f"limit {limit} is over the largest page, {most} (http_page_max)")
    return Paging(limit, offset)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes (before reading it all when the
    sender said its length); gzip and deflate bodies are inflated within the same limit."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise BodyTooLarge(f"the body is {int(length)} bytes; at most {limit} (http_max_body_bytes)")
    chunks, n = [], 0
    async for chunk in request.stream():
        n += len(chunk)
        if n > limit:
            raise BodyTooLarge(f"the body is over {limit} bytes (http_max_body_bytes)")
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise ValueError(f"Content-Encoding {encoding!r} is not supported (gzip, deflate or none)")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32 if encoding != "deflate" else zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise ValueError(f"the {encoding} body does not inflate: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise BodyTooLarge(f"the body inflates to over {limit} bytes (http_max_body_bytes)")
    return out
