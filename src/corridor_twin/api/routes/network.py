"""The network: GeoJSON for maps, node list for pickers, link utilisation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from corridor_twin.api import actions
from corridor_twin.api.deps import NetworkDep, ProviderDep, ScenarioQuery
from corridor_twin.api.lanes import sea_lanes
from corridor_twin.api.schemas import NodeOut, UtilisationOut
from corridor_twin.api.schemas.network import SeaLaneOut
from corridor_twin.io import to_geojson

router = APIRouter(prefix="/network", tags=["network"])


@router.get("/geojson")
def geojson(net: NetworkDep) -> dict[str, Any]:
    """The network (of ``scenario``, if given) as a GeoJSON FeatureCollection."""
    return to_geojson(net)


@router.get("/nodes")
def nodes(net: NetworkDep) -> list[NodeOut]:
    """Every node: id, name, kind, country and position."""
    return actions.nodes(net)


@router.get("/utilisation")
def utilisation(
    provider: ProviderDep,
    scenario: ScenarioQuery = None,
    objective: Annotated[Literal["generalized", "cost", "time", "co2"], Query()] = "generalized",
    method: Annotated[Literal["market", "lp"], Query()] = "market",
) -> UtilisationOut:
    """Per link utilisation from the calibrated market model (default) or the system-optimal
    assignment of the scenario's demand (``method=lp``); cached per network."""
    return actions.utilisation(provider, scenario or None, objective, method)

@router.get("/sea-lanes")
def lanes(net: NetworkDep) -> list[SeaLaneOut]:
    """Where the map draws sea and ferry links: waypoints along the shipping lanes
    (estimates, for drawing only; lengths and times come from the network)."""
    return sea_lanes(net)
