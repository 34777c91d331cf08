"""The application factory: ``create_app(settings) -> FastAPI``.

Nothing is created at import time; every app owns its settings, its network
provider (compiled networks cached per app) and its dependency overrides.

Examples
--------
>>> from fastapi.testclient import TestClient
>>> app = create_app(ApiSettings(web=False))
>>> with TestClient(app) as client:
...     r = client.post("/api/v1/routes", json={"origin": "Almaty", "destination": "Istanbul"})
>>> r.status_code, r.json()["routes"][0]["destination"]
(200, 'TR_IST')
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from corridor_twin import __version__
from corridor_twin.api.deps import get_principal
from corridor_twin.api.errors import install_error_handlers
from corridor_twin.api.middleware import BodySizeLimit
from corridor_twin.api.provider import BundledProvider, NetworkProvider
from corridor_twin.api.routes import API_ROUTERS
from corridor_twin.api.settings import ApiSettings

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"


def _default_provider(settings: ApiSettings) -> NetworkProvider:
    # Parse the network afresh (not the process-wide ``load_corridor()`` object), so each
    # app owns its network and the compiled form cached on it.
    if settings.network_path is not None:
        from corridor_twin.io import read_network

        net = read_network(settings.network_path)
    else:
        from corridor_twin.data import CORRIDOR_FILE, corridor_text
        from corridor_twin.io import loads_network

        net = loads_network(corridor_text(), path=f"<bundled {CORRIDOR_FILE}>")
    return BundledProvider(net, cache_size=settings.scenario_cache_size)


def create_app(
    settings: ApiSettings | None = None,
    *,
    provider: NetworkProvider | None = None,
    editing: bool = False,
) -> FastAPI:
    """Build the web service.

    Parameters
    ----------
    settings
        Configuration (default: ``ApiSettings.from_env()``, read when called).
    provider
        Where networks come from (default: the bundled corridor, or
        ``settings.network_path``); a store passes its own.
    editing
        Whether the provider supports editing (the page shows the editor then).

    Returns
    -------
    FastAPI
        With the API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``,
        docs at ``/api/v1/docs``) and, if ``settings.web``, the map page at ``/``.
    """
    settings = settings or ApiSettings.from_env()
    app = FastAPI(
        title="corridor-twin",
        version=__version__,
        summary="Routes, capacity, assignment, scenarios and reliability on freight corridors.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.provider = provider or _default_provider(settings)
    app.state.editing = editing
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(get_principal)])
    for router in API_ROUTERS:
        api.include_router(router)
    app.include_router(api)
    install_error_handlers(app)
    if settings.web:
        from corridor_twin.web import mount_web

        mount_web(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
