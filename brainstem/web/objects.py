"""Any object by id, with its provenance both ways (events, groups, assets, reviews, lessons,
hints); candidates, signatures and incident memories have pages of their own."""
from __future__ import annotations

import dataclasses

from fastapi import APIRouter
from fastapi.responses import Response

from brainstem.models import iso, object_type_of

from .base import View, object_url, page, redirect

router = APIRouter()


def _fields(obj) -> list[tuple[str, object]]:
    out = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if hasattr(value, "isoformat"):
            value = iso(value)
        out.append((f.name, value))
    return out


@page(router, "/objects/{object_id}")
def show(view: View, object_id: str) -> Response:
    kind = object_type_of(object_id)
    if kind in ("candidate", "signature", "incident_memory"):
        obj = view.ws.store.get(object_id)
        if obj is None:
            raise LookupError(f"{object_id}: no object with this id")
        view.own(obj)
        return redirect(object_url(object_id))
    if kind == "tenant":
        raise LookupError("tenants have no page; the header switches between them")
    obj, out, inc = view.ws.show(object_id)
    view.own(obj)
    tid = getattr(obj, "tenant_id", None)
    out = [x for x in out if x.tenant_id == tid]
    inc = [x for x in inc if x.tenant_id == tid]
    return view.render("object.html", obj=obj, object_id=object_id, kind=(kind or "object").replace("_", " "),
                       fields=_fields(obj), links_out=out, links_in=inc, owner=view.ws.store.get_tenant(tid))
