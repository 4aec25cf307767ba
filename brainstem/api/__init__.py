"""brainstem.api: the REST API (FastAPI) over a ServiceContext.

    from brainstem.api import create_app
    app = create_app(ctx)        # served by `brainstem serve` (uvicorn), tested through httpx.ASGITransport

Routes under ``/api/v1`` need an API key (``brainstem keys create``); see docs/api.md.
"""
from .app import create_app

__all__ = ["create_app"]
