"""The API in-process (httpx.ASGITransport) over a real SQLite database with two tenants,
and a real Writer thread and IngestQueue behind it.

acme (tenant A) and globex (tenant B) both ingested the test scenario; every host and
message of globex carries the word "zanzibar", so anything of B that leaks into an
answer to A is easy to see. Each has an incident memory with a lesson and a hint.
Every 2xx answer is checked against the response model its route declares.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from pydantic import BaseModel

from tests.pipeline.scenario import scenario_lines, write

from brainstem.api import create_app
from brainstem.models import object_type_of
from brainstem.service.context import ServiceContext
from brainstem.service.metrics import Metrics
from brainstem.service.queue import IngestQueue
from brainstem.service.writer import Writer
from brainstem.settings import load_settings
from brainstem.sources.webhook import WebhookMapping
from brainstem.workspace import Workspace

MARK = "zanzibar"


@pytest.fixture
def anyio_backend():
    return "asyncio"


def settings(**kw):
    base = dict(serve_commit_seconds=0.02, serve_batch_max=500)
    base.update(kw)
    return load_settings(env={}, **base)


def _b_rows(rows):
    out = []
    for ts, host, line in rows:
        out.append((ts, f"{MARK}-{host}", line.replace(f" {host} ", f" {MARK}-{host} ", 1)
                    .replace("nightly-db", f"{MARK}-db").replace("Interface", f"{MARK} Interface")))
    return out


@dataclass
class Seed:
    db: Path
    tokens: dict[str, str]          # acme, globex, admin
    ids: dict[str, dict[str, str]]  # tenant slug -> kind -> one id of that kind


@pytest.fixture(scope="session")
def seed(tmp_path_factory) -> Seed:
    d = tmp_path_factory.mktemp("api-seed")
    db = d / "seed.db"
    ws = Workspace(db, settings())
    rows = scenario_lines(days=5)
    ws.ingest([str(write(d / "a.log", rows))], tenant="acme")
    ws.ingest([str(write(d / "b.log", _b_rows(scenario_lines(days=5, seed=2))))], tenant="globex")
    ids: dict[str, dict[str, str]] = {}
    for slug in ("acme", "globex"):
        t = ws.tenant(slug)
        cands = ws.candidates(slug, limit=100)
        spread = next(c for c in cands if c.source_group_ids)
        recurring = next(c for c in cands if c.candidate_type == "recurrence")
        inc = ws.promote(recurring.candidate_id, lesson=f"{slug} lesson", hint=f"{slug} hint")
        rev, _ = ws.review(spread.candidate_id, "useful", notes="seen", reviewer="seed")
        ev = ws.store.events(t.tenant_id, limit=1)[0]
        sig = ws.signatures(slug, limit=1)[0]
        les = ws.lessons(slug)[0]
        hint = ws.hints(slug)[0]
        asset = ws.store.get(ev.asset_id)
        ids[slug] = {"tenant": t.tenant_id, "candidate": recurring.candidate_id, "spread": spread.candidate_id,
                     "event": ev.event_id, "signature": sig.signature_id, "signature_key": sig.signature_key,
                     "incident": inc.incident_memory_id, "lesson": les.lesson_id, "hint": hint.runbook_hint_id,
                     "group": spread.source_group_ids[0], "asset": asset.asset_id, "review": rev.review_id}
        link = ws.store.links(spread.candidate_id)[1][0]
        ids[slug]["link"] = link.link_id
    tokens = {}
    for slug in ("acme", "globex"):
        key, tokens[slug] = ws.create_key(slug, name=f"{slug}-key")
        ids[slug]["key"] = key.key_id
    _, tokens["admin"] = ws.create_key("ops", name="root", admin=True)
    ws.close()
    return Seed(db, tokens, ids)


WEBHOOKS = {"alertmanager": {"events": "alerts", "message": ["annotations.summary", "labels.alertname"],
                             "timestamp": "startsAt", "host": "labels.instance", "severity": "labels.severity",
                             "fields": {"alertname": "labels.alertname", "status": "status"},
                             "defaults": {"service": "alertmanager"}}}


def config():
    return SimpleNamespace(webhooks={n: WebhookMapping.from_table(n, t, f"test.toml: webhook.{n}") for n, t in WEBHOOKS.items()})


@dataclass
class World:
    db: Path
    ctx: ServiceContext
    app: object
    writer: Writer | None
    seed: Seed

    def client(self, who: str | None = "acme", **headers) -> httpx.AsyncClient:
        """A client with the key of ``who`` (acme, globex, admin; None: no key)."""
        if who is not None:
            headers.setdefault("Authorization", f"Bearer {self.seed.tokens[who]}")
        app = self.app

        async def check(response: httpx.Response) -> None:
            await response.aread()
            if 200 <= response.status_code < 300:
                validate(app, response)

        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://brainstem",
                                 headers=headers, event_hooks={"response": [check]})

    def id(self, slug: str, kind: str) -> str:
        return self.seed.ids[slug][kind]


def validate(app, response: httpx.Response) -> None:
    """A 2xx JSON answer has the shape its route declares in the OpenAPI document."""
    scope = {"type": "http", "path": response.request.url.path, "method": response.request.method,
             "root_path": "", "query_string": b"", "headers": []}
    from starlette.routing import Match
    for route in app.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            model = getattr(route, "response_model", None)
            if isinstance(model, type) and issubclass(model, BaseModel):
                model.model_validate(response.json())
            return
    raise AssertionError(f"no route answered {scope['method']} {scope['path']}")


def _world(seed: Seed, tmp_path: Path, writer: bool, **kw) -> World:
    db = tmp_path / "api.db"
    shutil.copy(seed.db, db)
    s = settings(**kw)
    metrics = Metrics()
    queue = w = None
    if writer:
        queue = IngestQueue(capacity=s.serve_queue_capacity)
        w = Writer(Workspace(db, s), queue, metrics)
        w.start()
    ctx = ServiceContext(db, s, queue=queue, metrics=metrics, config=config())
    if writer:
        ctx.ready.set()
    return World(db, ctx, create_app(ctx), w, seed)


@pytest.fixture
def world(seed, tmp_path):
    """The API with a live writer (as inside `brainstem serve`)."""
    wd = _world(seed, tmp_path, writer=True)
    yield wd
    wd.writer.stop(30)
    wd.writer.ws.close()
    wd.ctx.close()


@pytest.fixture
def reader_world(seed, tmp_path):
    """The API alone: no writer (ingest routes answer 503; reviews write directly)."""
    wd = _world(seed, tmp_path, writer=False)
    yield wd
    wd.ctx.close()


def leaks(text: str, seed: Seed, slug: str = "globex") -> list[str]:
    """The marks of tenant ``slug`` found in ``text``."""
    marks = {v for k, v in seed.ids[slug].items() if k not in ("signature_key",)} | {MARK, slug}
    return sorted(m for m in marks if m in text)


def kind_of(object_id: str) -> str | None:
    return object_type_of(object_id)


def dumps(obj) -> str:
    return json.dumps(obj)
