"""brainstem.web: the operator's web console, served by the API's app at ``/``.

    from brainstem.web import mount
    mount(app)          # brainstem.api.create_app does this

Server-rendered pages (Jinja2 templates in ``templates/``), one small script and
one stylesheet of our own in ``static/`` (no build step, nothing fetched from
elsewhere, nothing vendored: both are brainstem's, under its licence), charts drawn as SVG on the server (``charts.py``). Every page calls
Workspace methods through ``ctx.reader()`` and every action writes through
``ctx.write``, exactly as the API's routes do. Sign-in is with an API key
(``session.py``); see docs/user-guide.md, "Web console".
"""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .base import HERE, make_env


def routers() -> list:
    """The console's routers: every page, fragment and action it has."""
    from . import candidate, memory, objects, queue, signatures, signin
    return [m.router for m in (signin, queue, candidate, signatures, memory, objects)]


def routes() -> list[tuple[str, str]]:
    """(method, path) of every page, fragment and action (the wall test walks them all)."""
    return sorted({(m, r.path) for router in routers() for r in router.routes for m in r.methods - {"HEAD"}})


def mount(app: FastAPI) -> None:
    """Add the console's pages, actions and static files to ``app`` (none in its OpenAPI document)."""
    app.state.web_env = make_env()
    for router in routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")


__all__ = ["mount", "routers", "routes"]
