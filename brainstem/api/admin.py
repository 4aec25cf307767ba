"""Who am I, tenants and API keys. Listing tenants and managing keys needs an admin key."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from brainstem.models import to_dict

from . import schemas
from .auth import Principal, context, principal, scope_of
from .render import Json

router = APIRouter()


def _key(k, slugs: dict[str, str]) -> dict:
    return k.public() | {"tenant": slugs.get(k.tenant_id)}


@router.get("/me", response_model=schemas.Me, tags=["admin"], summary="The key this request uses, and its tenant")
def me(p: Principal = Depends(principal)):
    return Json({"key": _key(p.key, {p.tenant.tenant_id: p.tenant.slug}), "tenant": to_dict(p.tenant),
                 "admin": p.admin})


@router.get("/tenants", response_model=schemas.TenantList, tags=["admin"], summary="Every tenant (admin)")
def tenants(request: Request, p: Principal = Depends(principal)):
    p.require_admin()
    return Json({"items": [to_dict(t) for t in context(request).reader().store.list_tenants()]})


@router.post("/tenants", response_model=schemas.Tenant, tags=["admin"],
             summary="Create a tenant, or return it when it exists (admin)")
async def create_tenant(body: schemas.TenantIn, request: Request, p: Principal = Depends(principal)):
    p.require_admin()
    t = await context(request).write(lambda ws: ws.tenant(body.name, create=True))
    return Json(to_dict(t))


@router.get("/keys", response_model=schemas.KeyList, tags=["admin"], summary="API keys, never their tokens (admin)")
def keys(request: Request, p: Principal = Depends(principal),
         tenant: str | None = Query(None, description="Only this tenant's keys.")):
    p.require_admin()
    ws = context(request).reader()
    slugs = {t.tenant_id: t.slug for t in ws.store.list_tenants()}
    found = ws.keys(scope_of(ws, p, tenant).tenant_id if tenant else None)
    return Json({"items": [_key(k, slugs) for k in found]})


@router.post("/keys", response_model=schemas.NewKey, tags=["admin"],
             summary="Create a key; its token is in this answer only (admin)")
async def create_key(body: schemas.KeyIn, request: Request, p: Principal = Depends(principal)):
    p.require_admin()
    key, token = await context(request).write(lambda ws: ws.create_key(body.tenant, name=body.name, admin=body.admin))
    return Json(key.public() | {"tenant": body.tenant.lower(), "token": token})


@router.delete("/keys/{key_id}", response_model=schemas.KeyOut, tags=["admin"],
               summary="Revoke a key: requests with it get 401 from now on (admin)")
async def revoke_key(key_id: str, request: Request, p: Principal = Depends(principal)):
    p.require_admin()
    key = await context(request).write(lambda ws: ws.revoke_key(key_id))
    return Json(_key(key, {}))


@router.post("/rules/reload", tags=["admin"],
             summary="Re-read the rule files for every live tenant; a file with an error changes nothing (admin)")
async def reload_rules(request: Request, p: Principal = Depends(principal)):
    p.require_admin()
    ctx = context(request)
    if ctx.reload_rules is None:
        from brainstem.service.context import ServiceUnavailable
        raise ServiceUnavailable("rules are reloaded by `brainstem serve`; this process has no live pipelines")
    return Json({"tenants": await ctx.reload_rules()})
