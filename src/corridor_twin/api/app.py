"""The application factory: ``create_app(settings) -> FastAPI``.

Nothing is created at import time; every app owns its settings, its store
(opened in the app's lifespan, never at import), its network provider
(compiled networks cached per app), its job runner and its dependency
overrides. On an empty store the lifespan bootstraps it
(:func:`~corridor_twin.store.bootstrap.bootstrap_store`) and leaves the admin's
token in ``app.state.initial_token``.

Examples
--------
>>> import tempfile
>>> from fastapi.testclient import TestClient
>>> app = create_app(ApiSettings(web=False, data_dir=tempfile.mkdtemp()))
>>> with TestClient(app) as client:
...     anonymous = client.get("/api/v1/networks").status_code
...     client.headers["Authorization"] = f"Bearer {app.state.initial_token}"
...     r = client.post("/api/v1/routes", json={"origin": "Almaty", "destination": "Istanbul"})
>>> anonymous, r.status_code, r.json()["routes"][0]["destination"]
(401, 200, 'TR_IST')
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from corridor_twin._version import __version__
from corridor_twin.api._openapi import install_openapi_statuses
from corridor_twin.api.auth import TokenCache
from corridor_twin.api.deps import get_principal
from corridor_twin.api.errors import install_error_handlers
from corridor_twin.api.jobs import JobRunner
from corridor_twin.api.middleware import InputBoundary
from corridor_twin.api.provider import NetworkProvider
from corridor_twin.api.routes import API_ROUTERS, PUBLIC_ROUTERS
from corridor_twin.api.settings import ApiSettings
from corridor_twin.api.store_provider import StoreProvider
from corridor_twin.errors import CorridorError
from corridor_twin.store import Store, open_store
from corridor_twin.web import mount_web

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"

log = logging.getLogger(__name__)


def _stale_checks(store: Store, every_s: float, stop: threading.Event) -> None:
    while not stop.wait(every_s):
        try:
            store.fail_stale_runs(orphaned_queued=True)
        except CorridorError as exc:
            log.warning("stale-run check failed: %s", exc)


def _warm_start(provider: NetworkProvider) -> None:
    """Load what requests need, then keep the collector's full passes off it.

    A server's parsed networks, caches and modules live as long as it does;
    frozen, they are no longer traversed by the cyclic collector, whose full
    passes otherwise stall the event loop (measured: up to 280 ms under the
    mixed load test, the whole p99 budget).
    """
    provider.network(None)
    for name in provider.scenario_names():
        provider.scenario(name)
    provider.demand(None)
    gc.collect()
    gc.freeze()


def _lifespan(
    settings: ApiSettings, store: Store | None, provider: NetworkProvider | None
) -> object:

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        if store is None:
            st, token = open_store(settings)
        else:
            st, token = store, None
        # runs left running or queued by a dead server process (queues are in memory); the
        # queues of other live server processes on the store are left alone
        st.fail_stale_runs(orphaned_queued=True, startup=True)
        stop = threading.Event()
        checker = threading.Thread(
            target=_stale_checks, args=(st, settings.stale_check_s, stop), daemon=True
        )
        prov = provider or StoreProvider(
            st,
            settings.network_name,
            cache_size=settings.scenario_cache_size,
            ttl_s=settings.latest_cache_s,
        )
        app.state.store = st
        app.state.initial_token = token
        app.state.provider = prov
        app.state.tokens = TokenCache(st, settings.token_cache_s)
        app.state.runner = JobRunner(st, prov, workers=settings.job_workers)
        if settings.warm_start:
            _warm_start(prov)
        checker.start()
        try:
            yield
        finally:
            if settings.warm_start:
                gc.unfreeze()
            stop.set()
            app.state.runner.shutdown()
            if own:
                st.close()

    return lifespan


def create_app(
    settings: ApiSettings | None = None,
    *,
    store: Store | None = None,
    provider: NetworkProvider | None = None,
) -> FastAPI:
    """Build the web service.

    Parameters
    ----------
    settings
        Configuration (default: ``ApiSettings.from_env()``, read when called).
    store
        An open store to use (default: open ``settings.database_url`` or the
        SQLite file in the user's data directory when the app starts, and
        close it when it stops).
    provider
        Where the compute endpoints get networks (default: a
        :class:`~corridor_twin.api.store_provider.StoreProvider` on
        ``settings.network_name`` in the store).

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
        lifespan=_lifespan(settings, store, provider),  # type: ignore[arg-type]
    )
    app.state.settings = settings
    # Each router straight on the app (no intermediate /api/v1 router): FastAPI matches a
    # request level by level through included routers, so every level of nesting costs a
    # scan of the routes below it (a third of a request's CPU under the load test).
    for router in PUBLIC_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(get_principal)])
    install_error_handlers(app)
    install_openapi_statuses(app)
    if settings.web:
        mount_web(app)
    app.add_middleware(InputBoundary, max_bytes=settings.max_body_bytes)
    return app
