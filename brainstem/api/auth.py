"""Who is asking, and which tenant they may see.

Every ``/api/v1`` route takes a :class:`Principal` (from the API key) and,
when it acts on a tenant, a scope (:func:`tenant_scope`): a tenant key acts on
its own tenant only (``?tenant=`` naming another is 403), an admin key on the
tenant ``?tenant=`` names (default: its own). Routes that take an object id
check it with :meth:`Principal.check` before returning or changing it: another
tenant's object is 403, no object is 404.

The token comes as ``Authorization: Bearer <token>``, ``X-API-Key: <token>``,
or HTTP basic auth with the token as the password (for webhook senders that can
only put credentials in the URL).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer

from brainstem.keys import ApiKey
from brainstem.models import Tenant


class Unauthorized(Exception):
    """No key, or a key that is unknown or revoked (HTTP 401)."""


class Forbidden(Exception):
    """A valid key asking for what it may not see or do (HTTP 403)."""


@dataclass(frozen=True)
class Principal:
    key: ApiKey
    tenant: Tenant          # the key's own tenant

    @property
    def admin(self) -> bool:
        return self.key.admin

    def check(self, obj: Any) -> Any:
        """``obj`` when this key may see it; Forbidden when it is another tenant's."""
        if not self.admin and getattr(obj, "tenant_id", None) != self.tenant.tenant_id:
            # the id is not echoed: an answer to this key says nothing of the other tenant
            raise Forbidden(f"this {_kind(obj)} belongs to another tenant; this key sees tenant {self.tenant.slug} only")
        return obj

    def require_admin(self) -> None:
        if not self.admin:
            raise Forbidden("this route needs an admin key (brainstem keys create --admin)")


def _kind(obj: Any) -> str:
    from brainstem.models import object_type_of
    for name in ("candidate_id", "event_id", "signature_id", "incident_memory_id", "lesson_id", "runbook_hint_id",
                 "group_id", "asset_id", "review_id", "link_id", "tenant_id"):
        if hasattr(obj, name):
            return (object_type_of(getattr(obj, name)) or "object").replace("_", " ")
    return "object"


_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer bsk_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: bsk_...`")
_basic = HTTPBasic(auto_error=False, description="The token as the password (any user name), for webhook senders.")


def context(request: Request):
    """The ServiceContext the app was created with."""
    return request.app.state.ctx


def principal(request: Request, bearer: HTTPAuthorizationCredentials | None = Depends(_bearer),
              header: str | None = Depends(_header), basic: HTTPBasicCredentials | None = Depends(_basic)) -> Principal:
    token = (bearer.credentials if bearer else None) or header or (basic.password if basic else None)
    if not token:
        raise Unauthorized("no API key: send Authorization: Bearer <token> (create one with `brainstem keys create`)")
    ws = context(request).reader()
    key = ws.authenticate(token.strip())
    if key is None:
        raise Unauthorized("the API key is unknown or revoked")
    tenant = ws.store.get_tenant(key.tenant_id)
    if tenant is None:
        raise Unauthorized("the API key's tenant no longer exists")
    return Principal(key, tenant)


async def tenant_scope(request: Request, p: Principal = Depends(principal),
                       tenant: str | None = Query(None, description="Tenant slug or id; only admin keys may name a "
                                                                    "tenant other than their own.")) -> Tenant:
    """The tenant this request acts on (on the event loop: only an admin naming
    another tenant needs the store, and goes to the thread pool for it)."""
    if tenant is None or tenant in (p.tenant.slug, p.tenant.tenant_id):
        return p.tenant
    return await run_in_threadpool(lambda: scope_of(context(request).reader(), p, tenant))


def scope_of(ws, p: Principal, tenant: str | None) -> Tenant:
    """The tenant ``?tenant=`` names for this key: its own, or any for an admin key."""
    if tenant is None or tenant in (p.tenant.slug, p.tenant.tenant_id):
        return p.tenant
    if not p.admin:
        raise Forbidden(f"this key sees tenant {p.tenant.slug} only")
    return ws.tenant(tenant)   # LookupError (404) when there is none


def owned(ws, p: Principal, object_id: str, what: str = "object") -> Any:
    """The object ``object_id`` names, when this key may see it (404 / 403 otherwise)."""
    obj = ws.store.get(object_id)
    if obj is None:
        raise LookupError(f"{object_id}: no {what} with this id")
    return p.check(obj)
