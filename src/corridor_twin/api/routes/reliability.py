"""Simulation: transit-time reliability."""

from __future__ import annotations

from fastapi import APIRouter

from corridor_twin.api import actions
from corridor_twin.api.deps import ProviderDep
from corridor_twin.api.schemas import ErrorOut, ReliabilityOut, ReliabilityRequest

router = APIRouter(
    prefix="/reliability",
    tags=["simulation"],
    responses={422: {"model": ErrorOut}, 404: {"model": ErrorOut}, 400: {"model": ErrorOut}},
)


@router.post("")
def simulate(req: ReliabilityRequest, provider: ProviderDep) -> ReliabilityOut:
    """Monte Carlo transit time of the best (or k best) routes: P50/P90, histogram."""
    return actions.reliability(provider, req)
