"""One router per resource; :data:`API_ROUTERS` are mounted under ``/api/v1`` behind the
token check, :data:`PUBLIC_ROUTERS` (health) without it."""

from fastapi import APIRouter

from corridor_twin.api.routes import (
    accounts,
    assignment,
    capacity,
    documents,
    meta,
    network,
    networks,
    reliability,
    routing,
    runs,
    scenarios,
)

PUBLIC_ROUTERS: tuple[APIRouter, ...] = (meta.health_router,)

API_ROUTERS: tuple[APIRouter, ...] = (
    meta.router,
    accounts.router,
    networks.router,
    documents.router,
    runs.router,
    network.router,
    routing.router,
    capacity.router,
    assignment.router,
    scenarios.router,
    reliability.router,
)

__all__ = ["API_ROUTERS", "PUBLIC_ROUTERS"]
