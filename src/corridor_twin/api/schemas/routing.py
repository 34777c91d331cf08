"""Route planning requests and results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from corridor_twin.api.schemas.common import ApiModel, Country, Name, RequestModel, finite
from corridor_twin.network.model import Network
from corridor_twin.network.schema import Mode
from corridor_twin.routing import Route, RouteSet

__all__ = [
    "ALL_CORRIDORS",
    "CorridorCompareOut",
    "CorridorCompareRequest",
    "CorridorName",
    "CorridorRowOut",
    "LegOut",
    "ParetoRequest",
    "RouteOut",
    "RouteRequest",
    "RouteSetOut",
]

Objective = Literal["time", "cost", "co2", "distance", "generalized"]
CorridorName = Literal["middle", "northern", "southern", "road", "sea", "sea_suez"]
ALL_CORRIDORS: tuple[CorridorName, ...] = ("middle", "northern", "southern", "sea")
"""The corridors compared side by side by default."""
Cargo = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_\-]+$")]


class _OdRequest(RequestModel):
    origin: Name = Field(description="Origin node id, name or alias.", examples=["Almaty"])
    destination: Name = Field(description="Destination node.", examples=["Istanbul"])
    cargo: Cargo = Field("container", description="Commodity id, e.g. container, grain.")
    avoid_countries: list[Country] = Field(
        default_factory=list, max_length=50, description="ISO codes of countries to avoid."
    )
    modes: list[Mode] | None = Field(None, max_length=5, description="Allowed modes (all: null).")
    corridor: CorridorName | None = Field(
        None,
        description="Keep to a corridor preset: middle (across the Caspian, never Russia, "
        "Belarus or Iran), northern, southern, road, sea (= sea_suez); null: any route.",
    )
    scenario: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Scenario applied to the network; null: baseline."
    )


class RouteRequest(_OdRequest):
    """The best route, or the ``k`` best (Yen), by one objective."""

    objective: Objective = "time"
    k: int = Field(1, ge=1, le=10, description="How many routes, best first.")
    value_of_time_usd_per_unit_h: float | None = Field(
        None,
        ge=0,
        le=1e6,
        allow_inf_nan=False,
        description="For objective=generalized: USD per unit (t or TEU) per hour.",
    )
    co2_price_usd_per_t: float = Field(
        0.0, ge=0, le=1e6, allow_inf_nan=False, description="For objective=generalized."
    )

    @model_validator(mode="after")
    def _generalized_needs_weights(self) -> RouteRequest:
        if self.objective != "generalized" and (
            self.value_of_time_usd_per_unit_h is not None or self.co2_price_usd_per_t
        ):
            raise ValueError(
                "value_of_time_usd_per_unit_h and co2_price_usd_per_t go with "
                "objective='generalized'"
            )
        return self


class ParetoRequest(_OdRequest):
    """Every Pareto-optimal route over time, cost and CO2e."""


class LegOut(ApiModel):
    """One leg: a link or a service ride, with the waits before it.

    The fields of :class:`~corridor_twin.routing.Leg` and its ``wait_h`` and
    ``time_h`` (a test holds the two in step).
    """

    from_node: str
    to_node: str
    from_name: str
    to_name: str
    mode: str
    link: str
    service: str | None
    length_km: float
    travel_h: float
    wait_service_h: float
    wait_border_h: float
    wait_transfer_h: float
    wait_gauge_h: float
    wait_dwell_h: float
    wait_h: float
    time_h: float
    cost_usd: float
    co2e_kg: float
    wtt_kg: float
    ttw_kg: float
    operations: list[str]
    departure: datetime | None = Field(None, description="Timetable routing only (UTC).")
    arrival: datetime | None = Field(None, description="Timetable routing only (UTC).")


class RouteOut(ApiModel):
    """A route with totals per unit of cargo (t or TEU), its legs and its line on the map."""

    origin: str
    destination: str
    commodity: str
    unit: str
    objective: str
    objective_value: float | None
    length_km: float
    time_h: float
    time_days: float
    travel_h: float
    wait_h: float
    wait_service_h: float
    wait_border_h: float
    wait_transfer_h: float
    wait_gauge_h: float
    wait_dwell_h: float
    cost_usd: float
    co2e_kg: float
    wtt_kg: float
    ttw_kg: float
    nodes: list[str]
    key_nodes: list[str] = Field(
        default_factory=list,
        description="Node ids of the key places (borders crossed, ports, mode and gauge "
        "changes), in order.",
    )
    via: str = Field("", description='The route named by its key places, "via Kuryk, Alat, ...".')
    modes: list[str]
    legs: list[LegOut]
    coordinates_lonlat: list[tuple[float, float]] = Field(
        description="The route's nodes as [lon, lat] (WGS84), in order."
    )

    @classmethod
    def from_route(cls, r: Route, net: Network) -> RouteOut:
        """Convert a domain :class:`~corridor_twin.routing.Route`."""
        waits = r.waits_h
        legs = [LegOut.model_validate(leg, from_attributes=True) for leg in r.legs]
        coords = [(net.node(n).lon, net.node(n).lat) for n in r.nodes]
        return cls(
            origin=r.origin,
            destination=r.destination,
            commodity=r.commodity,
            unit=r.unit,
            objective=r.objective,
            objective_value=finite(r.objective_value),
            length_km=r.length_km,
            time_h=r.time_h,
            time_days=r.time_days,
            travel_h=r.travel_h,
            wait_h=r.wait_h,
            wait_service_h=waits["service"],
            wait_border_h=waits["border"],
            wait_transfer_h=waits["transfer"],
            wait_gauge_h=waits["gauge"],
            wait_dwell_h=waits["dwell"],
            cost_usd=r.cost_usd,
            co2e_kg=r.co2e_kg,
            wtt_kg=r.wtt_kg,
            ttw_kg=r.ttw_kg,
            nodes=list(r.nodes),
            modes=list(r.modes),
            key_nodes=list(r.key_nodes),
            via=r.via,
            legs=legs,
            coordinates_lonlat=coords,
        )


class RouteSetOut(ApiModel):
    """Routes, best first (for Pareto: by time)."""

    kind: str
    complete: bool = Field(True, description="False if a search limit cut the list short.")
    routes: list[RouteOut]

    @classmethod
    def from_routes(cls, routes: RouteSet | list[Route], net: Network, kind: str) -> RouteSetOut:
        """Convert domain routes."""
        complete = routes.complete if isinstance(routes, RouteSet) else True
        return cls(
            kind=kind, complete=complete, routes=[RouteOut.from_route(r, net) for r in routes]
        )


class CorridorCompareRequest(RequestModel):
    """The best route of one origin and destination via each corridor, side by side."""

    origin: Name = Field(examples=["Almaty"])
    destination: Name = Field(examples=["Istanbul"])
    cargo: Cargo = "container"
    objective: Objective = "time"
    corridors: list[CorridorName] = Field(
        default_factory=lambda: list(ALL_CORRIDORS),
        min_length=1,
        max_length=6,
    )
    avoid_countries: list[Country] = Field(default_factory=list, max_length=50)
    scenario: Annotated[str, Field(max_length=200)] | None = None


class CorridorRowOut(ApiModel):
    """One corridor: its best route, or why it has none."""

    corridor: str
    label: str
    description: str
    route: RouteOut | None
    error: str | None = Field(None, description="Why there is no route via this corridor.")


class CorridorCompareOut(ApiModel):
    """One row per corridor, in the order asked."""

    origin: str
    destination: str
    objective: str
    rows: list[CorridorRowOut]
