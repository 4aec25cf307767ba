"""The application: its OpenAPI document, health, readiness, metrics and the error envelope."""
from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from brainstem.api.app import _health
from brainstem.service.context import ServiceContext
from brainstem.workspace import Workspace

from tests.api.conftest import settings

pytestmark = pytest.mark.anyio


async def test_the_openapi_document_names_every_route_and_each_needs_a_key(world):
    async with world.client(None) as c:
        spec = (await c.get("/openapi.json")).json()
        docs = await c.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert {"HTTPBearer", "APIKeyHeader", "HTTPBasic"} <= set(spec["components"]["securitySchemes"])
    paths = spec["paths"]
    for group in ("/candidates", "/objects/{object_id}", "/signatures", "/incidents", "/lessons", "/hints",
                  "/stats", "/recall", "/reviews", "/candidates/{candidate_id}/promote", "/ingest/events",
                  "/ingest/webhook/{name}", "/ingest/logicmonitor", "/tenants", "/keys", "/me"):
        assert "/api/v1" + group in paths, group
    for path, ops in paths.items():
        for method, op in ops.items():
            needs_key = path.startswith("/api/v1") or path == "/metrics"
            assert bool(op.get("security")) == needs_key, f"{method} {path}: security {op.get('security')}"
            assert op.get("summary"), f"{method} {path} has no summary"
    page = spec["components"]["schemas"]["CandidatePage"]["properties"]
    assert {"items", "total", "limit", "offset", "next_cursor"} <= set(page)


async def test_health_and_readiness(world, tmp_path):
    async with world.client(None) as c:
        assert (await c.get("/healthz")).json() == {"status": "ok", "problems": []}
        assert (await c.get("/readyz")).json()["status"] == "ready"
        world.ctx.ready.clear()
        r = await c.get("/readyz")
        assert r.status_code == 503 and r.json()["problems"] == ["the writer is not running yet"]
        world.ctx.ready.set()
    # a store that cannot be opened (a directory, not a database): alive, not ready, and why
    broken = ServiceContext(str(tmp_path), settings())
    bare = FastAPI()
    _health(bare, broken)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bare), base_url="http://x") as c:
        r = await c.get("/readyz")
        assert r.status_code == 503 and r.json()["problems"][0].startswith("store:")
        assert "is a directory" in r.json()["problems"][0]
        assert (await c.get("/healthz")).status_code == 200


async def test_metrics_count_candidates_by_tenant_and_band(world):
    async with world.client("admin") as c:
        r = await c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    with Workspace(world.db) as ws:
        for slug in ("acme", "globex"):
            for cand in ws.candidates(slug, limit=100):
                n = len([x for x in ws.candidates(slug, limit=100) if x.decision_band == cand.decision_band])
                assert f'brainstem_candidates{{band="{cand.decision_band}",tenant="{slug}"}} {float(n)}' in text
    assert "brainstem_queue_depth 0.0" in text


async def test_errors_share_one_envelope(world):
    async with world.client() as c:
        r = await c.get("/api/v1/nothing-here")
        assert r.status_code == 404 and set(r.json()["error"]) == {"status", "message", "details"}
        r = await c.get("/api/v1/candidates", params={"limit": "many", "offset": -1})
        body = r.json()["error"]
        assert r.status_code == 422 and len(body["details"]) == 2
        assert body["message"].startswith("query.limit:") and "(and 1 more)" in body["message"]
        r = await c.delete("/api/v1/candidates")
        assert r.status_code == 405 and r.json()["error"]["status"] == 405


async def test_reads_run_on_at_most_http_threads_threads(world):
    import anyio.to_thread
    async with world.client() as c:
        assert (await c.get("/api/v1/me")).status_code == 200
    assert anyio.to_thread.current_default_thread_limiter().total_tokens == world.ctx.settings.http_threads == 8
