"""Capacity (max-flow / min-cut), assignment and utilisation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from corridor_twin.api.schemas.common import ApiModel, Country, Name, RequestModel
from corridor_twin.api.schemas.routing import Cargo

__all__ = [
    "AssignmentOut",
    "AssignmentRequest",
    "CapacityOut",
    "CapacityRequest",
    "CutItemOut",
    "LinkUtilisationOut",
    "NodeUtilisationOut",
    "UtilisationOut",
]

AssignObjective = Literal["generalized", "cost", "time", "co2"]
ScenarioName = Annotated[str, Field(max_length=200)]


class CapacityRequest(RequestModel):
    """Maximum annual flow between node sets; defaults: the Middle Corridor question."""

    sources: list[Name] | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="Source nodes (default: the China-Kazakhstan crossings, Middle Corridor "
        "only, avoiding RU, BY and IR).",
    )
    sinks: list[Name] | None = Field(None, min_length=1, max_length=50)
    unit: Literal["t", "teu"] | None = Field(None, description="Default: the cargo's unit.")
    cargo: Cargo = "container"
    avoid_countries: list[Country] | None = Field(None, max_length=50)
    scenario: ScenarioName | None = None


class CutItemOut(ApiModel):
    """One bottleneck of the minimum cut."""

    kind: str
    id: str
    name: str
    from_node: str
    to_node: str
    capacity_per_year: float | None


class CapacityOut(ApiModel):
    """Max flow (``null`` if unbounded) and the minimum cut, in ``unit`` per year."""

    value_per_year: float | None
    unit: str
    bounded: bool
    sources: list[str]
    sinks: list[str]
    cut: list[CutItemOut]
    unlimited_path: list[str]


class AssignmentRequest(RequestModel):
    """The calibrated market model (default) or the system-optimal assignment of the
    bundled demand (with the scenario's demand changes)."""

    method: Literal["market", "lp"] = Field(
        "market",
        description="market: route choice among the competing corridors in capacity "
        "equilibrium, calibrated on 2024; lp: the system optimum with shadow prices.",
    )
    objective: AssignObjective = "generalized"
    scenario: ScenarioName | None = None
    top: int = Field(50, ge=1, le=1000, description="How many busiest link rows to return.")


class AssignmentOut(ApiModel):
    """Totals, busiest link flows, unmet demand and shadow prices of binding capacities."""

    status: str
    message: str
    totals: dict[str, float | None]
    link_flows: list[dict[str, Any]]
    unmet: list[dict[str, Any]]
    shadow_prices: list[dict[str, Any]]


class LinkUtilisationOut(ApiModel):
    """Assigned flow on a link (both directions) against its capacity."""

    link: str
    flow_t_per_year: float
    utilisation: float | None = Field(description="Highest flow / capacity over directions.")


class NodeUtilisationOut(ApiModel):
    """Assigned throughput of a node (a port, a terminal) against its capacity."""

    node: str
    flow_t_per_year: float = Field(description="Tonnes a year through the node, all cargo.")
    capacity_t_per_year: float | None = Field(description="null: capacity not known.")
    utilisation: float | None = Field(
        description="Highest flow / capacity over the node's capacities (t and TEU); null: "
        "no known capacity."
    )
    unit: str | None = Field(None, description="Unit of the capacity that binds most.")


class UtilisationOut(ApiModel):
    """Per link and per node utilisation in a scenario, from the assignment of its demand.

    A link or node whose ``utilisation`` is null carries flow but has no known
    capacity; one missing from the lists carries no assigned flow.
    """

    scenario: str | None
    objective: str
    status: str
    links: list[LinkUtilisationOut]
    nodes: list[NodeUtilisationOut] = Field(default_factory=list)
