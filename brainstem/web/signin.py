"""Sign in with an API key, sign out, and (admin keys) choose the tenant in view."""
from __future__ import annotations

import hmac
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from .base import SECURITY_HEADERS, View, action, back_to, read_form, redirect
from .session import (
    LOGIN_COOKIE, SESSION_COOKIE, TENANT_COOKIE, NotSignedIn, check_origin, new_login_token, read_session,
    session_value, sign_in,
)

router = APIRouter()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(request: Request, status: int = 200, error: str = "", next_: str = "/") -> Response:
    token = new_login_token()
    html = request.app.state.web_env.get_template("login.html").render(view=None, error=error, login_token=token,
                                                                          next=next_)
    resp = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    resp.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", secure=_secure(request),
                    path="/login")
    return resp


def _next(target: str) -> str:
    return back_to({"back": target}, "/")


@router.get("/login", include_in_schema=False, name="web.login")
async def login_form(request: Request) -> Response:
    nxt = _next(request.query_params.get("next", "/"))

    def signed_in() -> bool:
        try:
            read_session(request.app.state.ctx.reader(), request.cookies.get(SESSION_COOKIE),
                         request.app.state.ctx.settings.web_session_hours * 3600)
            return True
        except NotSignedIn:
            return False

    if request.cookies.get(SESSION_COOKIE) and await run_in_threadpool(signed_in):
        return redirect(nxt)
    return _login_page(request, next_=nxt)


@router.post("/login", include_in_schema=False, name="web.login_post")
async def login(request: Request) -> Response:
    try:
        form = await read_form(request)
        check_origin(request.headers.get("origin"), f"{request.url.scheme}://{request.headers.get('host', '')}")
    except Exception as exc:     # a form that cannot be read, or from elsewhere: the form again, with why
        return _login_page(request, 400, str(exc))
    nxt = _next(form.get("next", "/"))
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, form.get("login_token", "")):
        return _login_page(request, 403, "This sign-in form is stale or came from elsewhere: try again.", nxt)
    token = form.get("token", "").strip()
    if not token:
        return _login_page(request, 422, "Paste an API key (it starts with bsk_).", nxt)
    try:
        principal = await run_in_threadpool(lambda: sign_in(request.app.state.ctx.reader(), token))
    except NotSignedIn as exc:
        return _login_page(request, 401, str(exc), nxt)
    resp = redirect(nxt)
    hours = request.app.state.ctx.settings.web_session_hours
    resp.set_cookie(SESSION_COOKIE, session_value(principal), max_age=int(hours * 3600), httponly=True,
                    samesite="strict", secure=_secure(request), path="/")
    resp.delete_cookie(LOGIN_COOKIE, path="/login")
    resp.delete_cookie(TENANT_COOKIE, path="/")
    return resp


@action(router, "/logout")
async def logout(view: View, form: dict) -> Response:
    resp = redirect("/login")
    resp.delete_cookie(SESSION_COOKIE, path="/")
    resp.delete_cookie(TENANT_COOKIE, path="/")
    return resp


@action(router, "/tenant")
async def switch_tenant(view: View, form: dict) -> Response:
    """An admin key chooses the tenant its pages show (a tenant key has only its own)."""
    from brainstem.api.auth import scope_of
    chosen = await view.read(lambda ws: scope_of(ws, view.principal, form.get("tenant", "").strip() or None))
    resp = redirect(_strip_tenant(back_to(form, "/")))
    resp.set_cookie(TENANT_COOKIE, chosen.slug, max_age=30 * 86400, httponly=True, samesite="strict",
                    secure=_secure(view.request), path="/")
    return resp


def _strip_tenant(target: str) -> str:
    """The page to go back to after a switch: its list page (an object page belongs to the old
    tenant), without a ?tenant= that would override the choice just made."""
    from urllib.parse import parse_qsl, urlsplit
    parts = urlsplit(target)
    section = parts.path.strip("/").split("/")[0]
    path = f"/{section}" if section in ("signatures", "incidents", "recall") else "/"
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "tenant"]
    return path + (f"?{urlencode(query)}" if query else "")
