"""Scenarios and comparisons."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from corridor_twin.api.schemas.common import ApiModel, RequestModel

__all__ = ["CompareOut", "CompareRequest", "ScenarioOut"]

Analysis = Literal["throughput", "bottlenecks", "assignment", "routes"]


class ScenarioOut(ApiModel):
    """A scenario: name, description, citation and its changes."""

    name: str
    description: str
    n_changes: int
    n_demand_changes: int


class CompareRequest(RequestModel):
    """Compare scenarios with the baseline."""

    scenarios: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=20, description="Scenario names."
    )
    analyses: list[Analysis] = Field(
        default_factory=lambda: ["throughput", "routes"],  # type: ignore[arg-type]
        min_length=1,
        max_length=4,
        description="Analyses to run on every case (assignment solves an LP per case).",
    )


class CompareOut(ApiModel):
    """Tidy tables: per analysis, rows keyed by scenario with value, baseline and delta."""

    baseline: str
    scenarios: list[str]
    changes: list[dict[str, Any]]
    results: dict[str, list[dict[str, Any]]]
