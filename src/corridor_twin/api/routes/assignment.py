"""Assignment of the demand (LP)."""

from __future__ import annotations

from fastapi import APIRouter

from corridor_twin.api import actions
from corridor_twin.api.deps import ProviderDep
from corridor_twin.api.schemas import AssignmentOut, AssignmentRequest, ErrorOut

router = APIRouter(
    prefix="/assignment",
    tags=["assignment"],
    responses={422: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)


@router.post("")
def assign(req: AssignmentRequest, provider: ProviderDep) -> AssignmentOut:
    """System-optimal assignment of the demand: totals, flows, unmet demand, shadow prices."""
    return actions.assignment(provider, req)
