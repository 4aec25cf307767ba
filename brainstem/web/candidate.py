"""A candidate in full: why it scored what it did, its evidence over time, its signatures,
its raw events, where it came from and what it became, and whether we have seen it before."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from . import charts
from .base import View, page

router = APIRouter()

SIGNATURES_SHOWN = 5


def _candidate(view: View, candidate_id: str):
    if not candidate_id.startswith("cand_"):
        raise LookupError(f"{candidate_id}: no candidate with this id")
    obj, out, inc = view.ws.show(candidate_id)
    view.own(obj)
    tid = obj.tenant_id
    return obj, [x for x in out if x.tenant_id == tid], [x for x in inc if x.tenant_id == tid]


def _events(view: View, candidate_id: str) -> dict:
    size = view.settings.web_page_size
    offset = view.int_q("events", 0)
    return {"events": view.ws.candidate_events(candidate_id, limit=size, offset=offset), "events_offset": offset,
            "size": size}


@page(router, "/candidates/{candidate_id}")
def candidate(view: View, candidate_id: str) -> Response:
    ws = view.ws
    c, links_out, links_in = _candidate(view, candidate_id)
    tl = ws.candidate_timeline(candidate_id)
    sig_ids = c.source_signature_ids[:SIGNATURES_SHOWN]
    signatures = [ws.signature_view(s) for s in sig_ids if s.startswith("sig_") and ws.store.get(s) is not None]
    recalled = [r for r in ws.recall(candidate_id=candidate_id, tenant=c.tenant_id)
                if r.incident.tenant_id == c.tenant_id]
    incident = c.metadata.get("incident_memory_id")
    s = tl.series
    table = [(s.edge(i), [counts[i] for _, counts in s.lines]) for i in range(s.bins)
             if any(counts[i] for _, counts in s.lines)]
    return view.render("candidate.html", c=c, owner=ws.store.get_tenant(c.tenant_id), timeline=tl,
                       timeline_svg=charts.timeline_svg(tl), legend=charts.legend(tl.series),
                       bin=charts.duration(tl.series.width), table=table, breakdown=charts.breakdown_rows(c.score_breakdown,
                                                                                            c.score_total),
                       signatures=signatures, more_signatures=max(0, len(c.source_signature_ids) - len(sig_ids)),
                       recalled=recalled, reviews=ws.reviews_of(candidate_id), links_out=links_out,
                       links_in=links_in, incident=incident, **_events(view, candidate_id))


@page(router, "/candidates/{candidate_id}/events", fragment=True)
def candidate_events(view: View, candidate_id: str) -> Response:
    c, _, _ = _candidate(view, candidate_id)
    return view.render("_events.html", c=c, **_events(view, candidate_id))
