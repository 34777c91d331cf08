"""Request and response models of the API (separate from the domain models).

Field names carry their units (``_km``, ``_h``, ``_usd``, ``_kg``, ``_per_year``).
Infinite or undefined numbers are sent as ``null``.
"""

from corridor_twin.api.schemas.common import ApiModel, ErrorOut, FieldErrorOut
from corridor_twin.api.schemas.flow import (
    AssignmentOut,
    AssignmentRequest,
    CapacityOut,
    CapacityRequest,
    UtilisationOut,
)
from corridor_twin.api.schemas.meta import HealthOut, MetaOut
from corridor_twin.api.schemas.network import NodeOut
from corridor_twin.api.schemas.reliability import ReliabilityOut, ReliabilityRequest
from corridor_twin.api.schemas.routing import (
    CorridorCompareOut,
    CorridorCompareRequest,
    LegOut,
    ParetoRequest,
    RouteOut,
    RouteRequest,
    RouteSetOut,
)
from corridor_twin.api.schemas.scenarios import CompareOut, CompareRequest, ScenarioOut

__all__ = [
    "ApiModel",
    "AssignmentOut",
    "AssignmentRequest",
    "CapacityOut",
    "CapacityRequest",
    "CompareOut",
    "CompareRequest",
    "CorridorCompareOut",
    "CorridorCompareRequest",
    "ErrorOut",
    "FieldErrorOut",
    "HealthOut",
    "LegOut",
    "MetaOut",
    "NodeOut",
    "ParetoRequest",
    "ReliabilityOut",
    "ReliabilityRequest",
    "RouteOut",
    "RouteRequest",
    "RouteSetOut",
    "ScenarioOut",
    "UtilisationOut",
]
