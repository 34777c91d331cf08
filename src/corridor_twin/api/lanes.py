"""Sea lanes: the waypoints the map draws sea and ferry links along.

The bundled ``data/sea_lanes.yaml`` holds, per link id, the waypoints
between the two ports (every lane an estimate, flagged so in the file).
Only the drawing follows them; link lengths and times come from the network.

Examples
--------
>>> from corridor_twin import load_corridor
>>> lanes = sea_lanes(load_corridor())
>>> suez = next(x for x in lanes if x.link == "CN_SHA-NL_RTM")
>>> suez.coordinates_lonlat[0], suez.estimate, [v.name for v in suez.variants]
((121.47, 31.23), True, ['Cape of Good Hope'])
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

from corridor_twin.api.schemas.network import SeaLaneOut, SeaLaneVariantOut
from corridor_twin.errors import DataError
from corridor_twin.network.model import Network

__all__ = ["LANES_FILE", "sea_lanes"]

LANES_FILE = "sea_lanes.yaml"


@functools.cache
def _bundled() -> dict[str, Any]:
    text = resources.files("corridor_twin.data").joinpath(LANES_FILE).read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _points(raw: Any, where: str) -> list[tuple[float, float]]:
    try:
        pts = [(float(x), float(y)) for x, y in raw]
    except (TypeError, ValueError) as exc:
        raise DataError(f"{LANES_FILE}: {where}: waypoints must be [lon, lat] pairs") from exc
    for lon, lat in pts:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise DataError(f"{LANES_FILE}: {where}: waypoint {[lon, lat]} is off the globe")
    return pts


def sea_lanes(net: Network) -> list[SeaLaneOut]:
    """The lanes of the network's sea and ferry links (those the file knows)."""
    data = _bundled()
    meta = data.get("meta", {})
    by_id = {link.id: link for link in net.links}
    out = []
    for lane in data.get("lanes", []):
        link = by_id.get(lane["link"])
        if link is None:
            continue  # an edited or other network without this link
        a, b = net.node(link.from_node), net.node(link.to_node)
        ends = [(a.lon, a.lat)], [(b.lon, b.lat)]
        where = f"lane {link.id}"
        out.append(
            SeaLaneOut(
                link=link.id,
                coordinates_lonlat=ends[0] + _points(lane["waypoints"], where) + ends[1],
                source=str(lane.get("source", meta.get("source"))),
                year=int(lane.get("year", meta.get("year"))),
                estimate=bool(lane.get("estimate", meta.get("estimate", True))),
                note=" ".join(str(lane.get("note", "")).split()),
                variants=[
                    SeaLaneVariantOut(
                        name=v["name"],
                        note=" ".join(str(v.get("note", "")).split()),
                        coordinates_lonlat=ends[0]
                        + _points(v["waypoints"], f"{where}, variant {v['name']}")
                        + ends[1],
                    )
                    for v in lane.get("variants", [])
                ],
            )
        )
    return out
