"""GeoJSON export of a network: nodes as points, links as lines.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.io import to_geojson
>>> fc = to_geojson(load_corridor())
>>> fc["type"], {f["geometry"]["type"] for f in fc["features"]} == {"Point", "LineString"}
('FeatureCollection', True)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from corridor_twin.network.model import Network
from corridor_twin.network.schema import attributes

__all__ = ["to_geojson", "write_geojson"]


def _props(table: str, rec: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"table": table}
    for a in attributes(type(rec), table):
        value = getattr(rec, a.name)
        out[a.key] = list(value) if isinstance(value, tuple) else value
    prov = rec.provenance
    out["source"], out["year"], out["estimate"] = prov.source, prov.year, prov.estimate
    return out


def to_geojson(net: Network) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the network (WGS84 lon/lat).

    Every feature carries all of its record's attributes as properties, plus
    ``table`` (``nodes`` or ``links``) and the record's source and year.
    """
    features: list[dict[str, Any]] = []
    for n in net.nodes:
        features.append(
            {
                "type": "Feature",
                "id": n.id,
                "geometry": {"type": "Point", "coordinates": [n.lon, n.lat]},
                "properties": _props("nodes", n),
            }
        )
    for link in net.links:
        a, b = net.node(link.from_node), net.node(link.to_node)
        features.append(
            {
                "type": "Feature",
                "id": link.id,
                "geometry": {"type": "LineString", "coordinates": [[a.lon, a.lat], [b.lon, b.lat]]},
                "properties": _props("links", link),
            }
        )
    return {"type": "FeatureCollection", "name": net.meta.name, "features": features}


def write_geojson(net: Network, path: str | os.PathLike[str]) -> None:
    """Write :func:`to_geojson` to a file."""
    Path(path).write_text(
        json.dumps(to_geojson(net), ensure_ascii=False, indent=1), encoding="utf-8"
    )
