"""Natural Earth country outlines (the bundled world-atlas TopoJSON) for static maps.

The map page draws the same file (``corridor_twin/web/static/vendor/world-atlas``,
Natural Earth 1:50m, public domain); this module decodes it in Python for the
PNG charts, without a GIS dependency.

Examples
--------
>>> shapes = country_outlines(bbox=(40.0, 35.0, 55.0, 45.0))
>>> "Azerbaijan" in {s.name for s in shapes}
True
>>> ring = next(s for s in shapes if s.name == "Azerbaijan").rings[0]
>>> ring.shape[1]
2
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from corridor_twin._typing import FloatArray

__all__ = ["CountryShape", "country_outlines"]

_ATLAS = ("corridor_twin.web", "static/vendor/world-atlas/countries-50m.json")


@dataclass(frozen=True)
class CountryShape:
    """One country: its name and outer and inner rings as ``(n, 2)`` lon/lat arrays."""

    name: str
    rings: tuple[FloatArray, ...]


@functools.lru_cache(maxsize=1)
def _topology() -> dict[str, Any]:
    text = resources.files(_ATLAS[0]).joinpath(_ATLAS[1]).read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


@functools.lru_cache(maxsize=1)
def _arcs() -> tuple[FloatArray, ...]:
    """Every arc in lon/lat: the quantised deltas summed and scaled (TopoJSON transform)."""
    topo = _topology()
    tr = topo.get("transform")
    out = []
    for arc in topo["arcs"]:
        a = np.asarray(arc, dtype=np.float64)[:, :2]
        if tr:
            a = np.cumsum(a, axis=0) * np.asarray(tr["scale"]) + np.asarray(tr["translate"])
        out.append(a)
    return tuple(out)


def _ring(indices: list[int], arcs: tuple[FloatArray, ...]) -> FloatArray:
    parts: list[FloatArray] = []
    for i in indices:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if not parts else a[1:])
    return np.concatenate(parts) if parts else np.zeros((0, 2))


def country_outlines(
    *, bbox: tuple[float, float, float, float] | None = None
) -> tuple[CountryShape, ...]:
    """Country outlines, optionally only those that touch ``bbox``.

    Parameters
    ----------
    bbox
        ``(lon_min, lat_min, lon_max, lat_max)`` in degrees.

    Returns
    -------
    tuple of CountryShape
    """
    topo = _topology()
    arcs = _arcs()
    out = []
    for geom in topo["objects"]["countries"]["geometries"]:
        kind = geom.get("type")
        if kind == "Polygon":
            polygons = [geom["arcs"]]
        elif kind == "MultiPolygon":
            polygons = geom["arcs"]
        else:
            continue
        rings = tuple(_ring(r, arcs) for poly in polygons for r in poly)
        if bbox is not None:
            lo, la, hi, ha = bbox
            rings = tuple(
                r
                for r in rings
                if len(r)
                and r[:, 0].max() >= lo
                and r[:, 0].min() <= hi
                and r[:, 1].max() >= la
                and r[:, 1].min() <= ha
            )
            if not rings:
                continue
        out.append(CountryShape(str((geom.get("properties") or {}).get("name", "")), rings))
    return tuple(out)
