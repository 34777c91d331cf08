"""The network: GeoJSON for maps, node list for pickers, link utilisation."""

from __future__ import annotations

import json
import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from corridor_twin.api import actions
from corridor_twin.api.deps import NetworkDep, ProviderDep, ScenarioQuery
from corridor_twin.api.lanes import sea_lanes
from corridor_twin.api.schemas import ErrorOut, NodeOut, UtilisationOut
from corridor_twin.api.schemas.network import SeaLaneOut
from corridor_twin.io import to_geojson
from corridor_twin.network.model import Network

router = APIRouter(prefix="/network", tags=["network"])


_GEOJSON: dict[int, tuple[Network, bytes]] = {}
_GEOJSON_LOCK = threading.Lock()


def _geojson_bytes(net: Network) -> bytes:
    """The encoded GeoJSON of a network, once per network object (they are immutable).

    FastAPI's generic encoder spends about 50 times longer on this large
    document than :func:`json.dumps`, so the handler sends the bytes itself.
    """
    with _GEOJSON_LOCK:
        hit = _GEOJSON.get(id(net))
    if hit is not None and hit[0] is net:
        return hit[1]
    body = json.dumps(to_geojson(net), ensure_ascii=False, allow_nan=False).encode("utf-8")
    with _GEOJSON_LOCK:
        if len(_GEOJSON) >= 16:
            _GEOJSON.clear()
        _GEOJSON[id(net)] = (net, body)
    return body


@router.get(
    "/geojson",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "A GeoJSON FeatureCollection.",
        }
    },
)
async def geojson(net: NetworkDep) -> Response:
    """The network (of ``scenario``, if given) as a GeoJSON FeatureCollection."""
    return Response(_geojson_bytes(net), media_type="application/json")


@router.get("/nodes")
def nodes(net: NetworkDep) -> list[NodeOut]:
    """Every node: id, name, kind, country and position."""
    return actions.nodes(net)


@router.get("/utilisation", responses={400: {"model": ErrorOut}})
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
