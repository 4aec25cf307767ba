"""The signature explorer: search, sort by count or last seen, each signature's rate as a
sparkline, and a signature's page with its example lines, variables, versions and aliases."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from . import charts
from .base import View, page

router = APIRouter()

SORTS = {"count": "most frequent", "last_seen": "last seen"}


@page(router, "/signatures")
def signatures(view: View) -> Response:
    ws, tid = view.ws, view.tenant.tenant_id
    q = view.q("q")[:500]
    sort = view.q("sort", "count") or "count"
    if sort not in SORTS:
        raise ValueError(f"sort: {sort[:40]!r} is not one of {', '.join(SORTS)}")
    size = view.settings.web_page_size
    offset = view.int_q("offset", 0)
    p = ws.signature_page(tid, text=q or None, limit=size, offset=offset, order=sort)
    axis, rates = ws.signature_rates(tid, [s.signature_key for s in p.items])
    sparks = {s.signature_key: charts.sparkline_svg(rates.get(s.signature_key, []), axis) for s in p.items}
    merged = ws.merged_keys(tid)
    return view.render("signatures.html", page=p, q=q, sort=sort, sorts=SORTS, offset=offset, size=size,
                       sparks=sparks, merged=merged, axis=axis, bin=charts.duration(axis.width))


@page(router, "/signatures/{signature_id}")
def signature(view: View, signature_id: str) -> Response:
    ws = view.ws
    if not signature_id.startswith("sig_"):
        raise LookupError(f"{signature_id}: no signature with this id")
    obj, out, inc = ws.show(signature_id)
    view.own(obj)
    sv = ws.signature_view(signature_id)
    tid = obj.tenant_id
    axis, rates = ws.signature_rates(tid, [obj.signature_key], bins=56)
    spark = charts.sparkline_svg(rates.get(obj.signature_key, []), axis, w=720, h=90, label="Rate: ")
    return view.render("signature.html", sv=sv, s=obj, spark=spark, axis=axis, bin=charts.duration(axis.width),
                       links_out=[x for x in out if x.tenant_id == tid], links_in=[x for x in inc if x.tenant_id == tid],
                       owner=ws.store.get_tenant(tid))
