"""The console in-process (httpx.ASGITransport) over the API tests' two-tenant database
(tests/api/conftest.py: acme and globex, every host and message of globex marked
"zanzibar"), with a real writer thread behind it. ``await console(world, "acme")``
signs in through the sign-in form, as a browser does, and keeps the cookies."""
from __future__ import annotations

import contextlib
import re

import httpx
import pytest

from tests.api.conftest import MARK, Seed, World, _world, leaks, seed, settings  # noqa: F401 (fixtures)

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def world(seed, tmp_path):
    # a live-queue stream lasts 0.3 s here (an in-process client reads a response whole)
    wd = _world(seed, tmp_path, writer=True, web_stream_seconds=0.3, web_stream_poll_seconds=0.05)
    yield wd
    wd.writer.stop(30)
    wd.writer.ws.close()
    wd.ctx.close()


def client(world: World, **headers) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://brainstem",
                             headers=headers)


async def sign_in(c: httpx.AsyncClient, token: str, next_: str = "/") -> httpx.Response:
    form = await c.get("/login", params={"next": next_})
    login_token = re.search(r'name="login_token" value="([^"]+)"', form.text).group(1)
    return await c.post("/login", data={"token": token, "login_token": login_token, "next": next_})


@contextlib.asynccontextmanager
async def console(world: World, who: str):
    """A client signed in with the key of ``who`` (acme, globex, admin)."""
    async with client(world) as c:
        r = await sign_in(c, world.seed.tokens[who])
        assert r.status_code == 303, r.text[:300]
        yield c


async def csrf_of(c: httpx.AsyncClient, path: str = "/") -> str:
    r = await c.get(path)
    return CSRF.search(r.text).group(1)
