"""Signing in to the console: a session cookie derived from an API key, and CSRF tokens.

The console never keeps the API key itself. Signing in checks the key once and
sets ``bs_session`` = ``<key id>.<issued>.<mac>``, the mac an HMAC-SHA256 keyed
by the key's stored hash, so the server needs no session table, every process
of a deployment accepts it, and revoking the key ends its sessions at once
(docs/decisions.md). The cookie is HttpOnly, SameSite=Strict, Secure over HTTPS,
and lasts ``web_session_hours``. Every state-changing request must carry the
session's CSRF token (a second HMAC of the same session) in a form field
``csrf`` or an ``X-CSRF-Token`` header, and an ``Origin``, when the browser
sends one, naming this site.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from brainstem.api.auth import Principal

SESSION_COOKIE = "bs_session"
LOGIN_COOKIE = "bs_login"        # double-submit token of the sign-in form
TENANT_COOKIE = "bs_tenant"      # the tenant an admin key looks at
REVIEWER_COOKIE = "bs_reviewer"  # the reviewer name, remembered
THEME_COOKIE = "bs_theme"        # light / dark, set by the toggle


class NotSignedIn(Exception):
    """No session, or one that expired or whose key was revoked."""


class CsrfError(Exception):
    """A state-changing request without this session's CSRF token, or from another site."""


def _mac(secret_hash: str, *parts: str) -> str:
    return hmac.new(bytes.fromhex(secret_hash), "|".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Session:
    principal: Principal
    issued: int

    @property
    def csrf(self) -> str:
        return _mac(self.principal.key.secret_hash, "csrf", self.principal.key.key_id, str(self.issued))


def session_value(principal: Principal, issued: int | None = None) -> str:
    issued = int(time.time()) if issued is None else issued
    key = principal.key
    return f"{key.key_id}.{issued}.{_mac(key.secret_hash, 'session', key.key_id, str(issued))}"


def read_session(ws, value: str | None, max_age: float) -> Session:
    """The session a cookie value names, checked against the store (NotSignedIn otherwise)."""
    if not value:
        raise NotSignedIn("not signed in")
    parts = value.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise NotSignedIn("the session cookie is malformed: sign in again")
    key_id, issued, mac = parts[0], int(parts[1]), parts[2]
    key = ws.store.get_api_key(key_id)
    if key is None or not key.active:
        raise NotSignedIn("the API key of this session is unknown or revoked: sign in with another")
    if not hmac.compare_digest(mac, _mac(key.secret_hash, "session", key_id, str(issued))):
        raise NotSignedIn("the session cookie does not verify: sign in again")
    age = time.time() - issued
    if age > max_age or age < -300:
        raise NotSignedIn("the session expired: sign in again")
    tenant = ws.store.get_tenant(key.tenant_id)
    if tenant is None:
        raise NotSignedIn("the API key's tenant no longer exists")
    return Session(Principal(key, tenant), issued)


def sign_in(ws, token: str) -> Principal:
    """The principal an API key token belongs to (NotSignedIn when it is unknown or revoked)."""
    key = ws.authenticate(token.strip())
    if key is None:
        raise NotSignedIn("this API key is unknown or revoked (tokens look like bsk_…; "
                          "create one with `brainstem keys create --tenant NAME`)")
    tenant = ws.store.get_tenant(key.tenant_id)
    if tenant is None:
        raise NotSignedIn("the API key's tenant no longer exists")
    return Principal(key, tenant)


def check_csrf(session: Session, given: str | None) -> None:
    if not given or not hmac.compare_digest(given, session.csrf):
        raise CsrfError("this form is stale or came from elsewhere (no valid CSRF token): reload the page and retry")


def check_origin(origin: str | None, own: str) -> None:
    """A browser's Origin header, when sent, must be this site's own."""
    if origin and origin != "null" and origin.rstrip("/") != own.rstrip("/"):
        raise CsrfError(f"a request from {origin} may not change anything here")
    if origin == "null":
        raise CsrfError("a request from an opaque origin may not change anything here")


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


__all__ = ["CsrfError", "NotSignedIn", "Session", "check_csrf", "check_origin", "new_login_token", "read_session",
           "session_value", "sign_in"]
