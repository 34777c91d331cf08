"""The discrete-event simulation as a run (job): inputs and the summary it stores."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from corridor_twin.api.schemas.common import ApiModel, RequestModel

__all__ = ["FlowTransitOut", "SimulationOut", "SimulationRequest"]


class SimulationRequest(RequestModel):
    """Replications of the discrete-event simulation of the stored demand on the network."""

    scenario: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Stored scenario (its windowed changes act in their window)."
    )
    days: float = Field(365.0, ge=1, le=730, allow_inf_nan=False, description="Simulated days.")
    drain_days: float = Field(
        0.0, ge=0, le=365, allow_inf_nan=False,
        description="Days run on after the last release so late shipments arrive.",
    )
    replications: int = Field(5, ge=1, le=50)
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="For reproducible runs.")


class FlowTransitOut(ApiModel):
    """One flow's transit time over the replications: mean P50 and P90 with a 95 % CI."""

    origin: str
    destination: str
    commodity: str
    replications: int
    p50_days: float | None
    p50_days_lo: float | None
    p50_days_hi: float | None
    p90_days: float | None
    p90_days_lo: float | None
    p90_days_hi: float | None


class SimulationOut(ApiModel):
    """What a simulation run stores: per-flow transit times and totals."""

    replications: int
    days: float
    seed: int | None
    events: int
    released: int
    delivered: int
    backlog_mean: float = Field(description="Shipments not delivered at the end, mean.")
    flows: list[FlowTransitOut]
