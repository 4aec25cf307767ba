"""The tenant wall, in the console: every page, fragment and action, walked with tenant A's
session aimed at tenant B's objects, shows nothing of B and changes nothing of B. A route
added later is walked too (and fails until the walk knows how to aim its parameters)."""
from __future__ import annotations

import re

import pytest

from tests.api.conftest import MARK, leaks
from tests.web.conftest import console, csrf_of

from brainstem.workspace import Workspace

pytestmark = pytest.mark.anyio

OBJECT_KINDS = ("candidate", "spread", "event", "signature", "incident", "lesson", "hint", "group", "asset",
                "review", "link", "tenant")
PATH_FILL = {"object_id": OBJECT_KINDS, "candidate_id": ("candidate", "spread"), "signature_id": ("signature",),
             "incident_id": ("incident",), "lesson_id": ("lesson",), "hint_id": ("hint",)}
QUERY_FILL = {"tenant": lambda b: ["globex", b["tenant"]], "asset": lambda b: [b["asset"], f"{MARK}-web01"],
              "q": lambda b: [MARK, b["signature_key"]], "text": lambda b: [f"Backup job {MARK}-db failed"]}
FORM = {"decision": "useful", "notes": f"{MARK} note", "title": f"{MARK} title", "text": f"{MARK} text",
        "status": "retired", "priority": "1", "lesson": "l", "hint": "h", "tenant": "globex", "summary": "s"}


def web_routes(app):
    """Every console route (brainstem.web's routers, which create_app mounts)."""
    from brainstem.web import routes
    return routes()


def _served(r) -> bool:
    """Not the framework's 404 for a path nothing answers (a console 404 names the object)."""
    return not (r.status_code in (404, 405) and r.json().get("error", {}).get("message") in ("Not Found",
                                                                                             "Method Not Allowed"))


def _paths(path: str, b: dict) -> list[str]:
    paths = [path]
    for name in re.findall(r"{(\w+)}", path):
        assert name in PATH_FILL, f"{path}: teach the console's wall test how to fill {name!r}"
        paths = [p.replace("{" + name + "}", b[k]) for p in paths for k in PATH_FILL[name]]
    return paths


def _visible(text: str, sent: dict) -> str:
    """The answer without what the request itself sent (a search box shows its own query)."""
    for v in sent.values():
        text = text.replace(str(v), "").replace(str(v).replace(" ", "+"), "")
    return text


async def test_every_console_route_with_tenant_a_shows_and_changes_nothing_of_tenant_b(world):
    b = world.seed.ids["globex"]
    with Workspace(world.db) as ws:
        before = ws.stats("globex"), [(r.review_id, r.decision) for r in ws.store.reviews(b["tenant"])], \
            [(i.title, i.status) for i in ws.incidents("globex")], [x.summary for x in ws.lessons("globex")], \
            [(h.hint_text, h.priority) for h in ws.hints("globex")]
    routes = sorted(set(web_routes(world.app)))
    assert len(routes) >= 20, routes
    statuses: dict[int, int] = {}
    async with console(world, "acme") as c:
        token = await csrf_of(c)
        for method, path in routes:
            if path in ("/login", "/logout"):
                continue            # signing in and out: test_session.py
            aimed_path = "{" in path
            for url in _paths(path, b):
                variants = [{}] if aimed_path else [{k: v} for k, f in QUERY_FILL.items() for v in f(b)]
                if aimed_path:
                    variants += [{"tenant": "globex"}]
                for params in variants:
                    if method == "GET":
                        r = await c.get(url, params=params)
                        sent = params
                    else:
                        sent = dict(FORM, csrf=token)
                        r = await c.post(url, data=sent, params=params, headers={"X-Requested-With": "fetch"})
                    where = f"{method} {url} {params}"
                    assert r.status_code < 500, f"{where}: {r.status_code} {r.text[:300]}"
                    assert "json" not in r.headers["content-type"] or _served(r), f"{where}: not mounted"
                    found = leaks(_visible(r.text, sent), world.seed)
                    assert found == [], f"{where} showed tenant B's {found}"
                    if aimed_path or "tenant" in params or method == "POST":
                        assert r.status_code in (403, 404, 422), f"{where}: {r.status_code} {r.text[:200]}"
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    assert statuses.get(403, 0) > 20 and statuses.get(200, 0) > 10, statuses
    with Workspace(world.db) as ws:
        after = ws.stats("globex"), [(r.review_id, r.decision) for r in ws.store.reviews(b["tenant"])], \
            [(i.title, i.status) for i in ws.incidents("globex")], [x.summary for x in ws.lessons("globex")], \
            [(h.hint_text, h.priority) for h in ws.hints("globex")]
    assert after == before, "tenant A's session changed something of tenant B"


async def test_another_tenants_candidate_page_is_refused_without_a_word_of_it(world):
    async with console(world, "acme") as c:
        r = await c.get(f"/candidates/{world.id('globex', 'candidate')}")
        assert r.status_code == 403 and "another tenant" in r.text and "sees tenant acme only" in r.text
        assert leaks(r.text, world.seed) == []
        r = await c.get("/", params={"tenant": "globex"})
        assert r.status_code == 403 and leaks(r.text, world.seed) == []
        # a tenant key's switch to another tenant is refused too
        token = await csrf_of(c)
        r = await c.post("/tenant", data={"tenant": "globex", "csrf": token})
        assert r.status_code == 403
        assert "bs_tenant" not in c.cookies
        page = await c.get("/")
        assert leaks(page.text, world.seed) == [] and 'name="tenant"' not in page.text


async def test_an_admin_key_switches_tenants_and_sees_each_ones_own(world):
    async with console(world, "admin") as c:
        page = await c.get("/")
        assert 'id="tenant-switch"' in page.text and "<option value=\"globex\"" in page.text
        token = await csrf_of(c)
        r = await c.post("/tenant", data={"tenant": "globex", "csrf": token, "back": "/signatures?tenant=acme&q=x"})
        assert r.status_code == 303 and r.headers["location"] == "/signatures?q=x"
        queue = await c.get("/")
        assert MARK in queue.text and world.id("globex", "candidate") in queue.text
        assert world.id("acme", "candidate") not in queue.text
        sigs = await c.get("/signatures")
        assert MARK in sigs.text
        # ?tenant= looks at another without switching
        acme = await c.get("/", params={"tenant": "acme"})
        assert world.id("acme", "candidate") in acme.text and MARK not in acme.text
        # an admin sees any tenant's object, named as that tenant's
        r = await c.get(f"/candidates/{world.id('acme', 'candidate')}")
        assert r.status_code == 200 and "tenant <strong>acme</strong>" in r.text
        r = await c.post("/tenant", data={"tenant": "nobody", "csrf": token})
        assert r.status_code == 404
