"""API keys and the tenant wall: 401 without a key, 403 for another tenant's object,
404 for none, and a walk over every route of the OpenAPI document with tenant A's key
against tenant B's objects that finds nothing of B in any answer."""
from __future__ import annotations

import base64

import pytest

from tests.api.conftest import MARK, leaks

from brainstem.workspace import Workspace

pytestmark = pytest.mark.anyio


async def test_no_key_bad_key_and_revoked_key_are_401(world):
    async with world.client(None) as c:
        r = await c.get("/api/v1/candidates")
        assert r.status_code == 401 and "no API key" in r.json()["error"]["message"]
        assert r.headers["www-authenticate"] == "Bearer"
        for bad in ("nonsense", "bsk_000000000000_" + "A" * 43, world.seed.tokens["acme"][:-1] + "x"):
            r = await c.get("/api/v1/candidates", headers={"Authorization": f"Bearer {bad}"})
            assert r.status_code == 401, bad
        # the health endpoints and the documents need no key
        for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
            assert (await c.get(path)).status_code == 200, path
    with Workspace(world.db) as ws:
        key, token = ws.create_key("acme", name="short-lived")
    async with world.client(None, Authorization=f"Bearer {token}") as c:
        assert (await c.get("/api/v1/me")).json()["key"]["name"] == "short-lived"
        async with world.client("admin") as admin:
            r = await admin.delete(f"/api/v1/keys/{key.key_id}")
            assert r.status_code == 200 and r.json()["revoked_at"]
        assert (await c.get("/api/v1/me")).status_code == 401


async def test_the_token_may_come_as_bearer_header_or_basic_password(world):
    token = world.seed.tokens["acme"]
    basic = base64.b64encode(f"lm:{token}".encode()).decode()
    for headers in ({"Authorization": f"Bearer {token}"}, {"X-API-Key": token}, {"Authorization": f"Basic {basic}"}):
        async with world.client(None, **headers) as c:
            r = await c.get("/api/v1/me")
            assert r.status_code == 200 and r.json()["tenant"]["slug"] == "acme", headers


async def test_another_tenants_object_is_403_and_a_missing_one_404(world):
    async with world.client("acme") as c:
        r = await c.get(f"/api/v1/objects/{world.id('globex', 'candidate')}")
        assert r.status_code == 403 and leaks(r.text, world.seed) == []
        r = await c.get("/api/v1/objects/cand_000000000000000000000000")
        assert r.status_code == 404
        r = await c.get(f"/api/v1/objects/{world.id('acme', 'candidate')}")
        assert r.status_code == 200 and r.json()["object"]["tenant_id"] == world.id("acme", "tenant")
        r = await c.get("/api/v1/candidates", params={"tenant": "globex"})
        assert r.status_code == 403 and leaks(r.text, world.seed) == []
        # naming its own tenant, by slug or id, is fine
        assert (await c.get("/api/v1/candidates", params={"tenant": "acme"})).status_code == 200
        assert (await c.get("/api/v1/candidates", params={"tenant": world.id("acme", "tenant")})).status_code == 200
        for path in ("/api/v1/tenants", "/api/v1/keys", "/metrics"):
            r = await c.get(path)
            assert r.status_code == 403 and "admin" in r.json()["error"]["message"], path


async def test_an_admin_key_acts_on_any_tenant(world):
    async with world.client("admin") as c:
        r = await c.get("/api/v1/candidates", params={"tenant": "globex"})
        assert r.status_code == 200 and r.json()["total"] > 0
        assert {x["tenant_id"] for x in r.json()["items"]} == {world.id("globex", "tenant")}
        assert (await c.get(f"/api/v1/objects/{world.id('globex', 'incident')}")).status_code == 200
        assert (await c.get("/api/v1/candidates", params={"tenant": "nobody"})).status_code == 404
        slugs = {t["slug"] for t in (await c.get("/api/v1/tenants")).json()["items"]}
        assert {"acme", "globex", "ops"} <= slugs
        assert set((await c.get("/api/v1/stats")).json()["tenants"]) >= {"acme", "globex"}
        r = await c.post("/api/v1/keys", json={"tenant": "globex", "name": "made-by-api"})
        assert r.status_code == 200 and r.json()["token"].startswith("bsk_")
        listed = (await c.get("/api/v1/keys", params={"tenant": "globex"})).json()["items"]
        assert {k["name"] for k in listed} == {"globex-key", "made-by-api"}
        assert all("token" not in k and "secret_hash" not in k for k in listed)
    async with world.client(None, Authorization=f"Bearer {r.json()['token']}") as c:
        assert (await c.get("/api/v1/me")).json()["tenant"]["slug"] == "globex"


# -- the wall -----------------------------------------------------------------------------------
# How to fill each parameter of a route with tenant B's things. A route added later with a
# parameter not named here fails the walk until it is taught how to aim it at B.
OBJECT_KINDS = ("candidate", "spread", "event", "signature", "incident", "lesson", "hint", "group", "asset",
                "review", "link", "tenant")
PATH_FILL = {"object_id": OBJECT_KINDS, "candidate_id": ("candidate", "spread"), "key_id": ("key",)}
QUERY_FILL = {"tenant": lambda b: ["globex", b["tenant"]], "event": lambda b: [b["event"]],
              "candidate": lambda b: [b["candidate"]], "signature": lambda b: [b["signature_key"]],
              "asset": lambda b: [b["asset"], f"{MARK}-web01"], "text": lambda b: [f"Backup job {MARK}-db failed"],
              "q": lambda b: [MARK, b["signature_key"]]}
UNAIMED_QUERY = {"limit", "offset", "cursor", "band", "min_band", "type", "since", "until", "status"}
BODY_FILL = {"subject_id": ("candidate", "incident", "lesson", "spread"), "tenant": ("globex",),
             "name": ("globex",), "decision": ("useful",), "admin": (True,)}


def _variants(op_path: str, op: dict, spec: dict, b: dict) -> list[dict]:
    """Requests (path, params, json/content) aiming one operation at tenant B."""
    paths = [op_path]
    for prm in op.get("parameters", []):
        if prm["in"] != "path":
            continue
        name = prm["name"]
        if name == "name":   # a configured webhook: it exists for every tenant
            paths = [p.replace("{name}", "alertmanager") for p in paths]
            continue
        assert name in PATH_FILL, f"{op_path}: teach the wall test how to fill path parameter {name!r}"
        paths = [p.replace("{" + name + "}", b[k]) for p in paths for k in PATH_FILL[name]]
    queries: list[dict] = [{}]
    for prm in op.get("parameters", []):
        if prm["in"] != "query":
            continue
        name = prm["name"]
        if name in UNAIMED_QUERY:
            continue
        assert name in QUERY_FILL, f"{op_path}: teach the wall test how to fill query parameter {name!r}"
        queries += [{name: v} for v in QUERY_FILL[name](b)]
    bodies: list[dict] = [{}]
    rb = op.get("requestBody")
    if rb:
        content = rb["content"]
        schema = next(iter(content.values())).get("schema", {})
        if "$ref" in schema:
            comp = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            props = comp.get("properties", {})
            base = {k: "x" for k in comp.get("required", [])}
            bodies = []
            for name in props:
                if name in BODY_FILL:
                    for v in BODY_FILL[name]:
                        bodies.append({"json": base | {name: b.get(v, v) if isinstance(v, str) else v}})
            if not bodies:
                bodies = [{"json": base}]
            for prop in props:
                assert prop in BODY_FILL or prop in ("notes", "reviewer", "title", "lesson", "hint"), \
                    f"{op_path}: teach the wall test how to fill body field {prop!r}"
        else:   # an ingest body: events of the caller's own
            bodies = [{"json": [{"message": "wall walk", "host": "acme-box"}]},
                      {"json": {"alerts": [{"annotations": {"summary": "wall walk"}}]}},
                      {"json": {"alert_id": "LMD1", "status": "active", "host": "acme-box"}}]
    return [{"url": p, "params": q, **body} for p in paths for q in queries for body in bodies]


async def test_every_route_with_tenant_a_key_returns_nothing_of_tenant_b(world):
    b = world.seed.ids["globex"]
    spec = world.app.openapi()
    with Workspace(world.db) as ws:
        before = ws.stats("globex"), len(ws.store.reviews(b["tenant"])), len(ws.keys("globex"))
    walked, statuses = set(), {}
    async with world.client("acme") as c:
        for op_path, ops in spec["paths"].items():
            for method, op in ops.items():
                for req in _variants(op_path, op, spec, b):
                    r = await c.request(method.upper(), **req)
                    where = f"{method.upper()} {req}"
                    assert r.status_code < 500, f"{where}: {r.status_code} {r.text[:300]}"
                    assert leaks(r.text, world.seed) == [], f"{where} answered tenant B's {leaks(r.text, world.seed)}"
                    aimed = any(v in str(req) for k, v in b.items() if k not in ("signature_key",))
                    aimed = aimed or "globex" in str(req)
                    if aimed and method != "get" or (aimed and "{" in op_path):
                        assert r.status_code in (403, 404, 422), f"{where}: {r.status_code} {r.text[:200]}"
                    statuses.setdefault(r.status_code, 0)
                    statuses[r.status_code] += 1
                walked.add((method, op_path))
    every = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert walked == every and len(every) >= 20
    assert statuses.get(403, 0) > 30 and statuses.get(200, 0) > 10
    with Workspace(world.db) as ws:
        after = ws.stats("globex"), len(ws.store.reviews(b["tenant"])), len(ws.keys("globex"))
    assert after == before, "tenant A's key changed something of tenant B"
