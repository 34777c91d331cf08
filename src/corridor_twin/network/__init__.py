"""The network model: schema, immutable records, validation and compilation."""

from corridor_twin.network.compile import as_compiled, compile_network
from corridor_twin.network.compiled import CompiledNetwork, EdgeArrays
from corridor_twin.network.model import (
    Border,
    Commodity,
    EmissionFactor,
    Link,
    Meta,
    ModeDefaults,
    Network,
    Node,
    Provenance,
    Restriction,
    Service,
    Source,
    Transfer,
)
from corridor_twin.network.records import describe
from corridor_twin.network.validate import Finding, ValidationReport, validate

__all__ = [
    "Border",
    "Commodity",
    "CompiledNetwork",
    "EdgeArrays",
    "EmissionFactor",
    "Finding",
    "Link",
    "Meta",
    "ModeDefaults",
    "Network",
    "Node",
    "Provenance",
    "Restriction",
    "Service",
    "Source",
    "Transfer",
    "ValidationReport",
    "as_compiled",
    "compile_network",
    "describe",
    "validate",
]
