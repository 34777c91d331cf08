"""The network: GeoJSON for maps, node list for pickers, link utilisation."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response

from corridor_twin.api import actions
from corridor_twin.api.deps import NetworkDep, ProviderDep, ScenarioQuery
from corridor_twin.api.lanes import sea_lanes
from corridor_twin.api.schemas import ErrorOut, NodeOut, UtilisationOut
from corridor_twin.api.schemas.network import SeaLaneOut
from corridor_twin.io import to_geojson
from corridor_twin.network.model import Network

router = APIRouter(prefix="/network", tags=["network"])


_GEOJSON: dict[int, tuple[Network, bytes, str]] = {}
_GEOJSON_LOCK = threading.Lock()


def _geojson_bytes(net: Network) -> tuple[bytes, str]:
    """The encoded GeoJSON of a network and its ``ETag``, once per network object.

    Networks are immutable, so the bytes are made once; FastAPI's generic
    encoder spends about 50 times longer on this large document than
    :func:`json.dumps`, so the handler sends the bytes itself.
    """
    with _GEOJSON_LOCK:
        hit = _GEOJSON.get(id(net))
    if hit is not None and hit[0] is net:
        return hit[1], hit[2]
    body = json.dumps(to_geojson(net), ensure_ascii=False, allow_nan=False).encode("utf-8")
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    with _GEOJSON_LOCK:
        if len(_GEOJSON) >= 16:
            _GEOJSON.clear()
        _GEOJSON[id(net)] = (net, body, etag)
    return body, etag


@router.get(
    "/geojson",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "A GeoJSON FeatureCollection (`ETag`: a hash of the document).",
        },
        304: {"description": "Not modified (`If-None-Match` names the current `ETag`)."},
    },
)
async def geojson(
    net: NetworkDep,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The network (of ``scenario``, if given) as a GeoJSON FeatureCollection."""
    body, etag = _geojson_bytes(net)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match is not None and etag in (t.strip() for t in if_none_match.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


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
