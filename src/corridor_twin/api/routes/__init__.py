"""One router per resource; :data:`API_ROUTERS` are mounted under ``/api/v1``."""

from fastapi import APIRouter

from corridor_twin.api.routes import (
    assignment,
    capacity,
    meta,
    network,
    reliability,
    routing,
    scenarios,
)

API_ROUTERS: tuple[APIRouter, ...] = (
    meta.router,
    network.router,
    routing.router,
    capacity.router,
    assignment.router,
    scenarios.router,
    reliability.router,
)

__all__ = ["API_ROUTERS"]
