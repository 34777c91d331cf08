"""Route planning: best, k best, Pareto."""

from __future__ import annotations

from fastapi import APIRouter

from corridor_twin.api import actions
from corridor_twin.api.deps import ProviderDep
from corridor_twin.api.schemas import (
    CorridorCompareOut,
    CorridorCompareRequest,
    ErrorOut,
    ParetoRequest,
    RouteRequest,
    RouteSetOut,
)

router = APIRouter(
    prefix="/routes",
    tags=["routing"],
    responses={422: {"model": ErrorOut}, 404: {"model": ErrorOut}, 400: {"model": ErrorOut}},
)


# A route takes about a millisecond of CPU on the bundled corridor, less than handing it
# to the threadpool and back costs under load (the load test serves ~1.7x more requests
# per second this way), so it runs on the event loop. Pareto searches can take longer
# and stay plain ``def`` endpoints, run in the threadpool.
@router.post("")
async def plan_routes(req: RouteRequest, provider: ProviderDep) -> RouteSetOut:
    """The best route (``k`` = 1) or the ``k`` best by the objective, with legs and waits."""
    return actions.routes(provider, req)


@router.post("/pareto")
def pareto_routes(req: ParetoRequest, provider: ProviderDep) -> RouteSetOut:
    """Every Pareto-optimal route over time, cost and CO2e."""
    return actions.pareto(provider, req)


@router.post("/corridors")
def compare_corridors(req: CorridorCompareRequest, provider: ProviderDep) -> CorridorCompareOut:
    """The best route via each corridor (Middle, Northern, Southern, Sea), side by side;
    a corridor without a route says why."""
    return actions.compare_corridors(provider, req)
