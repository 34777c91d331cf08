"""Capacity: max-flow and min-cut."""

from __future__ import annotations

from fastapi import APIRouter

from corridor_twin.api import actions
from corridor_twin.api.deps import ProviderDep
from corridor_twin.api.schemas import CapacityOut, CapacityRequest, ErrorOut

router = APIRouter(
    prefix="/capacity",
    tags=["capacity"],
    responses={422: {"model": ErrorOut}, 404: {"model": ErrorOut}, 400: {"model": ErrorOut}},
)


@router.post("")
def max_flow(req: CapacityRequest, provider: ProviderDep) -> CapacityOut:
    """Maximum annual flow between node sets and its minimum cut (the bottlenecks)."""
    return actions.capacity(provider, req)
