"""Assignment of the demand: the calibrated market model or the system-optimal LP."""

from __future__ import annotations

from fastapi import APIRouter

from corridor_twin.api import actions
from corridor_twin.api.deps import ProviderDep
from corridor_twin.api.schemas import AssignmentOut, AssignmentRequest, ErrorOut

router = APIRouter(
    prefix="/assignment",
    tags=["assignment"],
    # 400: an option that does not apply to the method (e.g. objective with method market)
    responses={422: {"model": ErrorOut}, 404: {"model": ErrorOut}, 400: {"model": ErrorOut}},
)


@router.post("")
def assign(req: AssignmentRequest, provider: ProviderDep) -> AssignmentOut:
    """Assignment of the demand (calibrated market model by default, or the system-optimal
    LP): totals, flows, unmet demand, shadow prices (LP only)."""
    return actions.assignment(provider, req)
