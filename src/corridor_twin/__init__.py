"""corridor-twin: a digital twin of multimodal freight corridors.

Built first for the Trans-Caspian International Transport Route (the Middle
Corridor), whose network ships with the package.

Examples
--------
>>> import corridor_twin as ct
>>> net = ct.load_corridor()
>>> best = ct.route(net, "Almaty", "Istanbul", cargo="container", optimize="cost")
>>> best.unit, best.cost_usd > 0
('teu', True)
"""

from corridor_twin._version import __version__
from corridor_twin.data import load_corridor
from corridor_twin.errors import (
    CorridorError,
    DataError,
    DemandError,
    NetworkFileError,
    NoRouteError,
    NotFoundError,
    OptionError,
    RoutingError,
    ScenarioError,
    UnknownNodeError,
    ValidationError,
)
from corridor_twin.flow import capacity_table, max_flow
from corridor_twin.flow.assign import Demand, assign
from corridor_twin.io import read_network, to_geojson, write_geojson, write_network
from corridor_twin.network import (
    CompiledNetwork,
    Network,
    ValidationReport,
    compile_network,
    validate,
)
from corridor_twin.routing import (
    GeneralizedCost,
    Route,
    RouteSet,
    Skim,
    earliest_arrival,
    k_routes,
    pareto_routes,
    route,
    skim,
)
from corridor_twin.scenarios import (
    Scenario,
    apply_scenario,
    compare,
    load_scenario,
    network_diff,
)
from corridor_twin.simulate import ReliabilityModel, reliability

__all__ = [
    "CompiledNetwork",
    "CorridorError",
    "DataError",
    "Demand",
    "DemandError",
    "GeneralizedCost",
    "Network",
    "NetworkFileError",
    "NoRouteError",
    "NotFoundError",
    "OptionError",
    "ReliabilityModel",
    "Route",
    "RouteSet",
    "RoutingError",
    "Scenario",
    "ScenarioError",
    "Skim",
    "UnknownNodeError",
    "ValidationError",
    "ValidationReport",
    "__version__",
    "apply_scenario",
    "assign",
    "capacity_table",
    "compare",
    "compile_network",
    "earliest_arrival",
    "k_routes",
    "load_corridor",
    "load_scenario",
    "max_flow",
    "network_diff",
    "pareto_routes",
    "read_network",
    "reliability",
    "route",
    "skim",
    "to_geojson",
    "validate",
    "write_geojson",
    "write_network",
]
