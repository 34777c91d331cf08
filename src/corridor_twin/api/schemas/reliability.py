"""Monte Carlo transit-time reliability."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from corridor_twin.api.schemas.common import ApiModel, Country, Name, RequestModel
from corridor_twin.api.schemas.routing import Cargo, CorridorName, Objective, RouteOut
from corridor_twin.network.schema import Mode

__all__ = ["HistogramOut", "ReliabilityOut", "ReliabilityRequest", "TransitStatsOut"]


class ReliabilityRequest(RequestModel):
    """Simulate the transit time of the best (or k best) routes."""

    origin: Name = Field(examples=["Almaty"])
    destination: Name = Field(examples=["Istanbul"])
    cargo: Cargo = "container"
    k: int = Field(1, ge=1, le=10, description="The k best routes by the objective.")
    rank: int | None = Field(
        None,
        ge=1,
        le=10,
        description="Simulate only the route of this rank (1 = best; of the k best, or of "
        "the Pareto set), as the page does for the route selected in its table.",
    )
    objective: Objective | Literal["pareto"] = Field(
        "time", description="How the routes are chosen; pareto: the Pareto set, by time."
    )
    draws: int = Field(20_000, ge=100, le=200_000, description="Replications per route.")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="For reproducible draws.")
    deadline_days: float | None = Field(None, gt=0, le=3650, allow_inf_nan=False)
    bins: int = Field(40, ge=5, le=200, description="Histogram bins.")
    scenario: Annotated[str, Field(max_length=200)] | None = None
    avoid_countries: list[Country] = Field(
        default_factory=list, max_length=50, description="ISO codes of countries to avoid."
    )
    modes: list[Mode] | None = Field(None, max_length=5, description="Allowed modes (all: null).")
    corridor: CorridorName | None = Field(
        None, description="Keep the simulated routes to a corridor preset (e.g. middle)."
    )

    @model_validator(mode="after")
    def _rank_within_k(self) -> ReliabilityRequest:
        if self.rank is not None and self.objective != "pareto" and self.rank > self.k:
            raise ValueError(f"rank {self.rank} is beyond the k={self.k} routes asked for")
        return self


class HistogramOut(ApiModel):
    """Transit-time histogram: ``counts[i]`` draws in ``[edges_h[i], edges_h[i+1])``."""

    edges_h: list[float]
    counts: list[int]


class TransitStatsOut(ApiModel):
    """Transit-time statistics (hours) with confidence intervals.

    The fields of :class:`~corridor_twin.simulate.reliability.TransitStats`
    (a test holds the two in step).
    """

    draws: int
    mean_h: float
    mean_lo_h: float
    mean_hi_h: float
    std_h: float
    p50_h: float
    p50_lo_h: float
    p50_hi_h: float
    p90_h: float
    p90_lo_h: float
    p90_hi_h: float
    p95_h: float
    p95_lo_h: float
    p95_hi_h: float
    deadline_h: float | None
    on_time_probability: float | None
    on_time_lo: float | None
    on_time_hi: float | None


class RouteReliabilityOut(ApiModel):
    """One route, its statistics and its histogram."""

    route: RouteOut
    stats: TransitStatsOut
    histogram: HistogramOut


class ReliabilityOut(ApiModel):
    """Results per route, best first."""

    seed: int | None
    confidence: float
    results: list[RouteReliabilityOut]
