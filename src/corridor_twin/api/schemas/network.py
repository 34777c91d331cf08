"""Network listings."""

from __future__ import annotations

from corridor_twin.api.schemas.common import ApiModel

__all__ = ["NodeOut"]


class NodeOut(ApiModel):
    """A node: id, name, kind, country and position (WGS84)."""

    id: str
    name: str
    kind: str
    country: str
    lon: float
    lat: float
    aliases: list[str]
