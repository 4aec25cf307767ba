"""What every console page and action shares: who is asking, which tenant they look at,
templates, errors as pages, and the headers every answer carries.

A page handler is a plain function ``fn(view, **path_params)`` run on the thread
pool (its reads go through that thread's ``ctx.reader()``, as the API's do); an
action handler is ``async fn(view, form, **path_params)`` that writes through
``await view.write(fn)`` (``ctx.write``: the writer thread, in order with
ingest). Domain errors become pages here, once: not signed in -> the sign-in
page (401 for fragments and actions), another tenant's object -> 403, none ->
404, bad input -> 422 with the sentence that says what is wrong.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool

from brainstem import __version__
from brainstem.api.auth import Forbidden, Principal, scope_of
from brainstem.models import Tenant, iso, object_type_of
from brainstem.service.context import ServiceUnavailable
from brainstem.settings import SettingsError
from brainstem.store import StoreError

from .session import (
    REVIEWER_COOKIE, SESSION_COOKIE, TENANT_COOKIE, THEME_COOKIE, CsrfError, NotSignedIn, Session, check_csrf,
    check_origin, read_session,
)

log = logging.getLogger("brainstem.web")

HERE = Path(__file__).parent
FORM_MAX_BYTES = 64 * 1024

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                                "form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

BAND_LABELS = {"promote_to_incident_memory": "Promote", "urgent_human_review": "Urgent", "review": "Review",
               "watch": "Watch", "ignore": "Ignore"}


def object_url(object_id: str) -> str:
    kind = object_type_of(object_id or "")
    base = {"candidate": "/candidates/", "signature": "/signatures/", "incident_memory": "/incidents/"}.get(kind or "",
                                                                                                         "/objects/")
    return base + quote(object_id, safe="")


def _when(dt) -> str:
    if dt is None:
        return "—"
    return f"{dt:%Y-%m-%d %H:%M:%S} UTC"


def _num(n) -> str:
    return f"{n:,}" if isinstance(n, int) else str(n)


def make_env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters.update(when=_when, iso=iso, num=_num, band=lambda b: BAND_LABELS.get(b, b),
                       kind=lambda i: (object_type_of(i or "") or "object").replace("_", " "),
                       url=object_url, label=lambda s: str(s).replace("_", " "),
                       score=lambda x: f"{float(x):.2f}", pct=lambda x: f"{float(x) * 100:.0f}%",
                       tojson=lambda v: json.dumps(v, ensure_ascii=False, default=str, indent=1))
    env.globals.update(version=__version__, bands=tuple(BAND_LABELS))
    return env


@dataclass
class View:
    """One request to the console: the session, the tenant in view and this thread's reader."""

    request: Request
    session: Session
    tenant: Tenant
    ws: Any = None
    tenants: list[Tenant] = field(default_factory=list)   # for an admin's tenant switcher

    @property
    def principal(self) -> Principal:
        return self.session.principal

    @property
    def admin(self) -> bool:
        return self.principal.admin

    @property
    def ctx(self):
        return self.request.app.state.ctx

    @property
    def settings(self):
        return self.ctx.settings

    @property
    def csrf(self) -> str:
        return self.session.csrf

    @property
    def reviewer(self) -> str:
        return self.request.cookies.get(REVIEWER_COOKIE, "")[:80]

    @property
    def theme(self) -> str:
        t = self.request.cookies.get(THEME_COOKIE, "")
        return t if t in ("light", "dark") else ""

    @property
    def here(self) -> str:
        """This page's path and query (where a form on it comes back to)."""
        url = self.request.url
        return url.path + (f"?{url.query}" if url.query else "")

    def own(self, obj):
        """``obj`` when this key may see it (Forbidden otherwise: another tenant's)."""
        return self.principal.check(obj)

    def q(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default).strip()

    def qs(self, name: str) -> list[str]:
        return [v for v in self.request.query_params.getlist(name) if v.strip()]

    def int_q(self, name: str, default: int, lo: int = 0, hi: int = 10 ** 9) -> int:
        raw = self.q(name)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, got {raw[:20]!r}") from None
        if not lo <= value <= hi:
            raise ValueError(f"{name} must be between {lo} and {hi}, got {value}")
        return value

    def render(self, template: str, status_code: int = 200, **kw) -> HTMLResponse:
        env = self.request.app.state.web_env
        html = env.get_template(template).render(view=self, **kw)
        return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)

    async def read(self, fn: Callable[[Any], Any]) -> Any:
        """``fn(reader)`` on the thread pool with that thread's reader (from an action)."""
        return await run_in_threadpool(lambda: fn(self.ctx.reader()))

    async def write(self, fn: Callable[[Any], Any]) -> Any:
        return await self.ctx.write(fn)


def open_view(request: Request, ws) -> View:
    settings = request.app.state.ctx.settings
    session = read_session(ws, request.cookies.get(SESSION_COOKIE), settings.web_session_hours * 3600)
    p = session.principal
    ref = request.query_params.get("tenant") or None
    if ref is None and p.admin:
        ref = request.cookies.get(TENANT_COOKIE) or None
        try:
            tenant = scope_of(ws, p, ref)
        except LookupError:          # the tenant the cookie remembers is gone
            tenant = p.tenant
    else:
        tenant = scope_of(ws, p, ref)     # Forbidden for a tenant key naming another tenant
    view = View(request, session, tenant, ws)
    if p.admin:
        view.tenants = ws.store.list_tenants()
    return view


def _error_page(request: Request, status: int, title: str, message: str, view: View | None = None) -> Response:
    env = request.app.state.web_env
    html = env.get_template("error.html").render(view=view, status=status, title=title, message=message)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303, headers=SECURITY_HEADERS)


def _failure(request: Request, exc: Exception, *, quiet: bool, view: View | None = None) -> Response:
    """A domain error as a page (or, for fragments and scripts, a short answer)."""
    if isinstance(exc, NotSignedIn):
        status, title = 401, "Sign in"
    elif isinstance(exc, (Forbidden, CsrfError)):
        status, title = 403, "Not yours to see" if isinstance(exc, Forbidden) else "Refused"
    elif isinstance(exc, LookupError):
        status, title = 404, "Not found"
    elif isinstance(exc, (ValueError, SettingsError)):
        status, title = 422, "Cannot do that"
    elif isinstance(exc, (ServiceUnavailable, StoreError)):
        status, title = 503, "Try again shortly"
    else:
        raise exc
    message = str(exc) or title
    if status == 404:
        # never echo an id or the database's path: a 404 for another tenant's id and for none read alike
        message = "There is nothing with this id here (or it was removed)."
    if quiet:
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status,
                            headers=SECURITY_HEADERS)
    if status == 401:
        return _login_redirect(request)
    return _error_page(request, status, title, message, view)


def page(router: APIRouter, path: str, *, fragment: bool = False):
    """Register ``fn(view, **path_params)`` as a GET page (or fragment) of the console."""
    def deco(fn: Callable[..., Response]):
        def run(request: Request) -> Response:
            view = None
            try:
                view = open_view(request, request.app.state.ctx.reader())
                return fn(view, **request.path_params)
            except Exception as exc:    # domain errors become pages; anything else is raised again
                return _failure(request, exc, quiet=fragment, view=view)

        async def endpoint(request: Request) -> Response:
            return await run_in_threadpool(run, request)

        endpoint.__name__ = f"web_{fn.__name__}"
        router.add_api_route(path, endpoint, methods=["GET"], include_in_schema=False, name=f"web.{fn.__name__}")
        return fn
    return deco


def wants_json(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch" or "application/json" in request.headers.get("accept", "")


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form (the console's forms and its script both send one)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_MAX_BYTES:
            raise ValueError(f"the form is over {FORM_MAX_BYTES} bytes")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"the form cannot be read: {exc}") from None
    return {k: v[-1] for k, v in fields.items()}


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


def action(router: APIRouter, path: str):
    """Register ``async fn(view, form, **path_params)`` as a POST action: signed in, with this
    session's CSRF token, from this site."""
    def deco(fn):
        async def endpoint(request: Request) -> Response:
            quiet = wants_json(request)
            view = None
            try:
                form = await read_form(request)
                view = await run_in_threadpool(lambda: open_view(request, request.app.state.ctx.reader()))
                check_origin(request.headers.get("origin"), own_origin(request))
                check_csrf(view.session, form.get("csrf") or request.headers.get("x-csrf-token"))
                return await fn(view, form, **request.path_params)
            except Exception as exc:    # domain errors become pages; anything else is raised again
                if isinstance(exc, NotSignedIn) and not quiet:
                    return RedirectResponse("/login", status_code=303, headers=SECURITY_HEADERS)
                return _failure(request, exc, quiet=quiet, view=view)

        endpoint.__name__ = f"web_{fn.__name__}"
        router.add_api_route(path, endpoint, methods=["POST"], include_in_schema=False, name=f"web.{fn.__name__}")
        return fn
    return deco


def back_to(form: dict[str, str], default: str = "/") -> str:
    """Where a form goes back to: a local path only (never another site)."""
    target = form.get("back", "") or default
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)


def reviewer_name(view: View, given: str) -> str:
    """The name given, else the one this browser remembers, else the key's."""
    return given.strip()[:80] or view.reviewer or f"web:{view.principal.key.name}"


def remember_reviewer(response: Response, view: View, given: str) -> Response:
    given = given.strip()[:80]
    if given and given != view.reviewer:
        response.set_cookie(REVIEWER_COOKIE, given, max_age=365 * 86400, httponly=True, samesite="strict",
                            secure=view.request.url.scheme == "https", path="/")
    return response


__all__ = ["BAND_LABELS", "View", "action", "back_to", "make_env", "object_url", "page", "redirect",
           "remember_reviewer", "reviewer_name", "wants_json"]
