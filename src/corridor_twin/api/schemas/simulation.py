"""The discrete-event simulation as a run (job): inputs and the summary it stores."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from corridor_twin.api.schemas.common import ApiModel, RequestModel

__all__ = [
    "FlowTransitOut",
    "PlaceSeriesOut",
    "PlaceWaitOut",
    "SimulationOut",
    "SimulationRequest",
    "SimulationTimelineOut",
]


class SimulationRequest(RequestModel):
    """Replications of the discrete-event simulation of the stored demand on the network."""

    scenario: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Stored scenario (its windowed changes act in their window)."
    )
    days: float = Field(365.0, ge=1, le=730, allow_inf_nan=False, description="Simulated days.")
    drain_days: float = Field(
        0.0,
        ge=0,
        le=365,
        allow_inf_nan=False,
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


class PlaceWaitOut(ApiModel):
    """Where shipments wait: the mean wait per shipment there, with a 95 % CI over
    replications, and the total (shipment-hours per replication)."""

    kind: str = Field(description="{sailing, consolidation, transfer, border, ...}")
    place: str = Field(description="The simulation's id of the place, e.g. vessel:KZ_KUR>AZ_ALAT.")
    node: str | None = Field(description="The node where shipments wait.")
    label: str = Field(description="The place in words, e.g. 'Kuryk: waiting for a ship to Alat'.")
    mean_wait_h: float
    mean_wait_lo_h: float | None
    mean_wait_hi_h: float | None
    total_wait_h: float
    shipments: float = Field(description="Shipments passing per replication (mean).")


class PlaceSeriesOut(ApiModel):
    """Shipments (or vehicles) waiting at a place, daily peak, mean over replications."""

    place: str
    node: str | None
    label: str
    waiting: list[float] = Field(description="One value per day of SimulationTimelineOut.day.")


class SimulationTimelineOut(ApiModel):
    """Daily series: shipments in the system (released, not delivered) and queues."""

    day: list[float] = Field(description="Days since the start (0, 1, ...).")
    in_system: list[float]
    in_system_lo: list[float | None]
    in_system_hi: list[float | None]
    queues: list[PlaceSeriesOut] = Field(description="The places with the highest queues.")


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
    waits: list[PlaceWaitOut] = Field(
        default_factory=list, description="The places where shipments wait longest in total."
    )
    timeline: SimulationTimelineOut | None = Field(
        None, description="Backlog and queues over time (runs made since it was added)."
    )
