"""Signing in with an API key: the session cookie, its flags and its end; CSRF and Origin
checks on every state-changing request."""
from __future__ import annotations

import re
import time

import pytest

from tests.web.conftest import client, console, csrf_of, sign_in

from brainstem.api.auth import Principal
from brainstem.web.session import SESSION_COOKIE, session_value
from brainstem.workspace import Workspace

pytestmark = pytest.mark.anyio


async def test_pages_send_a_stranger_to_the_sign_in_page_and_fragments_answer_401(world):
    async with client(world) as c:
        r = await c.get("/signatures?q=x")
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fsignatures%3Fq%3Dx"
        for path in ("/queue/rows", "/queue/counts", "/queue/stream",
                     f"/candidates/{world.id('acme', 'candidate')}/events"):
            r = await c.get(path)
            assert r.status_code == 401, path
        r = await c.get("/login")
        assert r.status_code == 200 and 'type="password"' in r.text and 'for="token"' in r.text


async def test_signing_in_sets_an_httponly_strict_session_cookie_not_holding_the_key(world):
    async with client(world) as c:
        r = await sign_in(c, world.seed.tokens["acme"], next_="/signatures")
        assert r.status_code == 303 and r.headers["location"] == "/signatures"
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert world.seed.tokens["acme"] not in cookie and "Secure" not in cookie     # plain http here
        page = await c.get("/")
        assert page.status_code == 200 and "Tenant <strong>acme</strong>" in page.text
        # the session is no API key: the API refuses it
        value = c.cookies[SESSION_COOKIE]
        assert (await c.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"})).status_code == 401
        # an already signed-in visitor of /login goes on
        assert (await c.get("/login", params={"next": "/incidents"})).headers["location"] == "/incidents"


async def test_a_bad_key_a_stale_form_and_a_foreign_next_are_refused(world):
    async with client(world) as c:
        r = await sign_in(c, "bsk_000000000000_" + "A" * 43)
        assert r.status_code == 401 and "unknown or revoked" in r.text and SESSION_COOKIE not in c.cookies
        r = await c.post("/login", data={"token": world.seed.tokens["acme"], "login_token": "forged"})
        assert r.status_code == 403 and "stale" in r.text and SESSION_COOKIE not in c.cookies
        r = await sign_in(c, world.seed.tokens["acme"], next_="//evil.example/x")
        assert r.status_code == 303 and r.headers["location"] == "/"
    async with client(world) as c:
        form = await c.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text).group(1)
        r = await c.post("/login", data={"token": world.seed.tokens["acme"], "login_token": token},
                         headers={"Origin": "http://evil.example"})
        assert r.status_code == 400 and SESSION_COOKIE not in c.cookies


async def test_revoking_the_key_ends_its_sessions_and_an_old_session_expires(world):
    with Workspace(world.db) as ws:
        key, token = ws.create_key("acme", name="short-lived")
    async with client(world) as c:
        assert (await sign_in(c, token)).status_code == 303
        assert (await c.get("/")).status_code == 200
        with Workspace(world.db) as ws:
            ws.revoke_key(key.key_id)
        r = await c.get("/")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with Workspace(world.db) as ws:
        key = ws.authenticate(world.seed.tokens["acme"])
        tenant = ws.store.get_tenant(key.tenant_id)
    old = session_value(Principal(key, tenant), issued=int(time.time() - 13 * 3600))     # web_session_hours = 12
    async with client(world) as c:
        c.cookies.set(SESSION_COOKIE, old)
        assert (await c.get("/")).status_code == 303
        c.cookies.set(SESSION_COOKIE, old[:-1] + ("0" if old[-1] != "0" else "1"))
        assert (await c.get("/")).status_code == 303


async def test_state_changes_need_the_csrf_token_and_this_origin(world):
    cand = world.id("acme", "spread")
    async with console(world, "acme") as c:
        token = await csrf_of(c)
        with Workspace(world.db) as ws:
            before = len(ws.reviews_of(cand))
        r = await c.post(f"/candidates/{cand}/review", data={"decision": "noise"})
        assert r.status_code == 403 and "CSRF" in r.text
        r = await c.post(f"/candidates/{cand}/review", data={"decision": "noise", "csrf": "0" * 32})
        assert r.status_code == 403
        r = await c.post(f"/candidates/{cand}/review", data={"decision": "noise", "csrf": token},
                         headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and "evil.example" in r.text
        with Workspace(world.db) as ws:
            assert len(ws.reviews_of(cand)) == before
        r = await c.post(f"/candidates/{cand}/review", data={"decision": "noise", "csrf": token},
                         headers={"Origin": "http://brainstem"})
        assert r.status_code == 303
        with Workspace(world.db) as ws:
            assert len(ws.reviews_of(cand)) == before + 1
        # signing out needs the token too, and ends the session
        assert (await c.post("/logout")).status_code == 403
        r = await c.post("/logout", data={"csrf": token})
        assert r.status_code == 303 and SESSION_COOKIE not in c.cookies
        assert (await c.get("/")).status_code == 303


async def test_every_answer_carries_the_security_headers(world):
    async with console(world, "acme") as c:
        for path in ("/", "/signatures", "/incidents", "/nope-such-candidate"):
            r = await c.get(path)
            if r.status_code == 404 and "application/json" in r.headers.get("content-type", ""):
                continue    # not a console path: the API's own 404
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
            assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"
