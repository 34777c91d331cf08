"""Network listings."""

from __future__ import annotations

from pydantic import Field

from corridor_twin.api.schemas.common import ApiModel

__all__ = ["NodeOut", "SeaLaneOut", "SeaLaneVariantOut"]


class NodeOut(ApiModel):
    """A node: id, name, kind, country and position (WGS84)."""

    id: str
    name: str
    kind: str
    country: str
    lon: float
    lat: float
    aliases: list[str]


class SeaLaneVariantOut(ApiModel):
    """Another way ships take between the same ports (not a link of the network)."""

    name: str
    note: str
    coordinates_lonlat: list[tuple[float, float]]


class SeaLaneOut(ApiModel):
    """Where the map draws a sea or ferry link: the ports and the waypoints between."""

    link: str
    coordinates_lonlat: list[tuple[float, float]] = Field(
        description="From the link's from-node to its to-node, ports included, [lon, lat]."
    )
    source: str
    year: int
    estimate: bool
    note: str
    variants: list[SeaLaneVariantOut]
