"""Service metadata."""

from __future__ import annotations

from pydantic import Field

from corridor_twin.api.schemas.common import ApiModel

__all__ = ["HealthOut", "MetaOut"]


class HealthOut(ApiModel):
    """Liveness."""

    status: str = "ok"


class MetaOut(ApiModel):
    """What this service offers; the page reads it to set itself up."""

    name: str
    version: str
    network: str = Field(description="Name of the base network.")
    n_nodes: int
    n_links: int
    commodities: list[str]
    objectives: list[str]
    modes: list[str]
    scenarios: list[str]
    stored_network: str | None = Field(
        None, description="Name of the stored network under /api/v1/networks (edit it there)."
    )
    features: dict[str, bool] = Field(
        description="Optional capabilities: 'editing' and 'persistence' come with the store."
    )
