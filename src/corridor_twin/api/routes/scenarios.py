"""Scenarios: list and compare."""

from __future__ import annotations

from fastapi import APIRouter

from corridor_twin.api import actions
from corridor_twin.api.deps import ProviderDep
from corridor_twin.api.schemas import CompareOut, CompareRequest, ErrorOut, ScenarioOut

router = APIRouter(
    prefix="/scenarios",
    tags=["scenarios"],
    responses={422: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)


@router.get("")
async def list_scenarios(provider: ProviderDep) -> list[ScenarioOut]:
    """The scenarios, with their descriptions."""
    return actions.scenarios(provider)


@router.post("/compare")
def compare(req: CompareRequest, provider: ProviderDep) -> CompareOut:
    """Compare scenarios with the baseline: changes and tidy result tables with deltas."""
    return actions.compare_scenarios(provider, req)
