"""A small client of LogicMonitor's REST API v3: authentication, paging, rate limits, errors.

    client = LogicMonitorClient(company="acme", token="…")                     # Bearer token
    client = LogicMonitorClient(company="acme", access_id="…", access_key="…")  # LMv1 (HMAC-SHA256)
    for alert in client.paged("/alert/alerts", {"filter": 'cleared:"*"'}):
        ...

Every request carries ``X-Version: 3``. LMv1 signs ``verb + epoch-ms + body +
resource path`` (the path after ``/santaba/rest``, without the query) with
HMAC-SHA256 under the access key; the header carries the base64 of the
lower-case hex digest, as LogicMonitor's own examples compute it.

Paging walks ``size``/``offset`` until a short page (``total`` is read when it
is sane: LogicMonitor documents that it can be negative). A 429 waits for
``Retry-After`` (seconds or an HTTP date), else for ``X-Rate-Limit-Window``,
and a response announcing ``X-Rate-Limit-Remaining: 0`` makes the next request
wait the window first; 5xx and network errors are retried with backoff. Errors
(:class:`LogicMonitorError` and its subclasses) name the portal, the request
and what to do: 401 is :class:`LogicMonitorAuthError`.

Exceptions::

    LogicMonitorError
    ├── LogicMonitorAuthError      401 / 403: credentials or permissions
    ├── LogicMonitorRateLimited    429 beyond the retries or the longest wait
    └── LogicMonitorNotFound       404
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterator

import httpx

from brainstem import __version__

API_PATH = "/santaba/rest"
MAX_PAGE = 1000          # LogicMonitor's largest ``size``
_MAX_PAGES = 100_000


class LogicMonitorError(RuntimeError):
    """A LogicMonitor API problem; the message names the portal and the request."""


class LogicMonitorAuthError(LogicMonitorError):
    """LogicMonitor refused the credentials (401) or their permissions (403)."""


class LogicMonitorRateLimited(LogicMonitorError):
    """Still rate limited (429) after the allowed retries, or asked to wait too long."""


class LogicMonitorNotFound(LogicMonitorError):
    """404: no such object (an alert LogicMonitor no longer keeps)."""


def lmv1_signature(access_key: str, method: str, epoch_ms: str, resource_path: str, body: str = "") -> str:
    """The signature part of an ``LMv1 id:signature:epoch`` header."""
    digest = hmac.new(access_key.encode("utf-8"), (method.upper() + epoch_ms + body + resource_path).encode("utf-8"),
                      hashlib.sha256).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


class BearerAuth(httpx.Auth):
    def __init__(self, token: str):
        self.token = token

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


class LMv1Auth(httpx.Auth):
    """Signs each request; the resource path is the URL path after the API prefix."""

    requires_request_body = True

    def __init__(self, access_id: str, access_key: str, api_path: str = API_PATH,
                 clock: Callable[[], float] = time.time):
        self.access_id = access_id
        self.access_key = access_key
        self.api_path = api_path.rstrip("/")
        self.clock = clock

    def auth_flow(self, request: httpx.Request):
        path = request.url.path
        if self.api_path and path.startswith(self.api_path):
            path = path[len(self.api_path):]
        epoch = str(int(self.clock() * 1000))
        body = request.content.decode("utf-8") if request.content else ""
        sig = lmv1_signature(self.access_key, request.method, epoch, path, body)
        request.headers["Authorization"] = f"LMv1 {self.access_id}:{sig}:{epoch}"
        yield request


class LogicMonitorClient:
    """GET requests to one portal, with retries and paging; counts what it did in ``stats``."""

    def __init__(self, *, company: str | None = None, base_url: str | None = None, token: str | None = None,
                 access_id: str | None = None, access_key: str | None = None, timeout: float = 30.0,
                 max_retries: int = 5, max_wait: float = 300.0, page_size: int = MAX_PAGE,
                 verify: bool = True, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None):
        if not (company or base_url):
            raise ValueError("LogicMonitor: give the portal's company name (acme for acme.logicmonitor.com) or a URL")
        if base_url is None:
            if not all(c.isalnum() or c in "-_" for c in company):
                raise ValueError(f"LogicMonitor: {company!r} is not a portal name (the part before .logicmonitor.com)")
            base_url = f"https://{company}.logicmonitor.com{API_PATH}"
        base_url = base_url.rstrip("/")
        if token and (access_id or access_key):
            raise ValueError("LogicMonitor: give a bearer token or an LMv1 access id and key, not both")
        if token:
            auth: httpx.Auth = BearerAuth(token)
        elif access_id and access_key:
            auth = LMv1Auth(access_id, access_key, httpx.URL(base_url).path)
        else:
            raise ValueError("LogicMonitor: credentials missing: a bearer token, or an LMv1 access id and access key")
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"LogicMonitor: page size must be 1..{MAX_PAGE}, got {page_size}")
        self.portal = company or httpx.URL(base_url).host
        self.page_size = page_size
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.stats = {"requests": 0, "retries": 0, "rate_limited": 0, "waited_seconds": 0.0}
        self.rate_limit: dict[str, float] = {}
        self._wait_before_next = 0.0
        self.http = httpx.Client(base_url=base_url, auth=auth, timeout=timeout, verify=verify, transport=transport,
                                 headers={"X-Version": "3", "Accept": "application/json",
                                          "User-Agent": f"brainstem/{__version__}"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "LogicMonitorClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- requests ---------------------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One GET; the JSON object of the answer (v1/v2 envelopes unwrapped)."""
        where = f"LogicMonitor {self.portal}: GET {path}"
        attempt = 0
        while True:
            self._pause(self._wait_before_next)
            self._wait_before_next = 0.0
            self.stats["requests"] += 1
            try:
                r = self.http.get(path, params=params)
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as exc:
                problem = f"cannot connect ({exc})"
            else:
                self._note_limits(r)
                if r.status_code == 429:
                    self.stats["rate_limited"] += 1
                    wait = self._retry_after(r, attempt)
                    if attempt >= self.max_retries or wait > self.max_wait:
                        raise LogicMonitorRateLimited(
                            f"{where}: rate limited (HTTP 429) {attempt + 1} times; LogicMonitor asks to wait "
                            f"{wait:.0f}s; poll less often or ask LogicMonitor for a higher limit") from None
                    self._retry(wait)
                    attempt += 1
                    continue
                if r.status_code >= 500:
                    problem = f"HTTP {r.status_code}{_detail(r)}"
                else:
                    return self._answer(where, r)
            if attempt >= self.max_retries:
                raise LogicMonitorError(f"{where}: {problem}, {attempt + 1} attempts; check the portal name and "
                                        "the network") from None
            self._retry(min(60.0, 2.0 ** attempt))
            attempt += 1

    def paged(self, path: str, params: dict[str, Any] | None = None, *, size: int | None = None) -> Iterator[dict]:
        """Every item of a list endpoint, page by page."""
        size = size or self.page_size
        base = dict(params or {})
        offset = 0
        previous_first = None
        for _ in range(_MAX_PAGES):
            page = self.get(path, {**base, "size": size, "offset": offset})
            items = page.get("items")
            if not isinstance(items, list):
                raise LogicMonitorError(f"LogicMonitor {self.portal}: GET {path}: the answer has no list of items")
            if items and offset and items[0] == previous_first:
                raise LogicMonitorError(f"LogicMonitor {self.portal}: GET {path}: offset {offset} returned the "
                                        "previous page again; paging is not working")
            previous_first = items[0] if items else None
            yield from items
            offset += len(items)
            total = page.get("total")
            if len(items) < size or (isinstance(total, int) and 0 <= total <= offset):
                return
        raise LogicMonitorError(f"LogicMonitor {self.portal}: GET {path}: more than {_MAX_PAGES} pages")

    # -- helpers -----------------------------------------------------------------------------------------
    def _answer(self, where: str, r: httpx.Response) -> dict[str, Any]:
        code = r.status_code
        if code == 401:
            raise LogicMonitorAuthError(
                f"{where}: LogicMonitor refused the credentials (HTTP 401{_detail(r)}): check the bearer token, "
                "or the LMv1 access id and key (LMv1 also needs this machine's clock within 30 minutes)")
        if code == 403:
            raise LogicMonitorAuthError(f"{where}: the API token may not read this (HTTP 403{_detail(r)}): give its "
                                        "user a role that can view resources and alerts")
        if code == 404:
            raise LogicMonitorNotFound(f"{where}: not found (HTTP 404{_detail(r)})")
        if code >= 400:
            raise LogicMonitorError(f"{where}: HTTP {code}{_detail(r)}")
        try:
            body = r.json()
        except ValueError:
            raise LogicMonitorError(f"{where}: the answer is not JSON (HTTP {code}, "
                                    f"{r.headers.get('content-type', 'no content type')})") from None
        if not isinstance(body, dict):
            raise LogicMonitorError(f"{where}: expected a JSON object, got {type(body).__name__}")
        if "data" in body and "items" not in body and ("status" in body or "errmsg" in body):   # v1/v2 envelope
            status = body.get("status")
            if status not in (None, 200):
                if status == 1401:
                    raise LogicMonitorAuthError(f"{where}: LogicMonitor refused the credentials ({body.get('errmsg')})")
                raise LogicMonitorError(f"{where}: LogicMonitor status {status}: {body.get('errmsg')}")
            data = body.get("data")
            return data if isinstance(data, dict) else {"items": data}
        if "errorMessage" in body and "items" not in body and "id" not in body:
            raise LogicMonitorError(f"{where}: {body.get('errorMessage')} (error {body.get('errorCode')})")
        return body

    def _note_limits(self, r: httpx.Response) -> None:
        limits = {}
        for name in ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Window"):
            value = _number(r.headers.get(name))
            if value is not None:
                limits[name[len("X-Rate-Limit-"):].lower()] = value
        if limits:
            self.rate_limit = limits
            if limits.get("remaining") == 0 and r.status_code != 429:
                self._wait_before_next = min(self.max_wait, limits.get("window", 60.0))

    def _retry_after(self, r: httpx.Response, attempt: int) -> float:
        header = r.headers.get("Retry-After")
        if header:
            seconds = _number(header)
            if seconds is None:
                try:
                    seconds = parsedate_to_datetime(header).timestamp() - time.time()
                except (TypeError, ValueError):
                    seconds = None
            if seconds is not None:
                return max(0.0, seconds)
        window = self.rate_limit.get("window")
        if window is not None:
            return float(window)
        return min(60.0, 2.0 ** attempt)

    def _retry(self, wait: float) -> None:
        self.stats["retries"] += 1
        self._pause(wait)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.stats["waited_seconds"] += seconds
            self.sleep(seconds)


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None


def _detail(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        msg = body.get("errorMessage") or body.get("errmsg")
        if msg:
            return f": {str(msg)[:200]}"
    return ""


def join_filters(*parts: str | None) -> str:
    """LogicMonitor filter expressions joined with ``,`` (and)."""
    return ",".join(p.strip() for p in parts if p and p.strip())
