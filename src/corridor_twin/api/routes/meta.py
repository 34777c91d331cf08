"""Service metadata and health."""

from __future__ import annotations

from fastapi import APIRouter, Request

from corridor_twin.api import actions
from corridor_twin.api.deps import ProviderDep
from corridor_twin.api.schemas import HealthOut, MetaOut

health_router = APIRouter(tags=["meta"])
router = APIRouter(tags=["meta"])


@health_router.get("/health")
def health() -> HealthOut:
    """Liveness check (needs no token)."""
    return HealthOut()


@router.get("/meta")
def meta(provider: ProviderDep, request: Request) -> MetaOut:
    """Network, commodities, objectives, scenarios and optional features."""
    return actions.meta(
        provider, editing=True, stored_network=request.app.state.settings.network_name
    )
