"""Route planning on the compiled network: best, k shortest, Pareto, timetables, skims."""

from corridor_twin.routing.costs import (
    OBJECTIVES,
    EdgeCosts,
    GeneralizedCost,
    edge_costs,
    objective_weights,
)
from corridor_twin.routing.paths import earliest_arrival, k_routes, pareto_routes, route
from corridor_twin.routing.result import WAIT_KINDS, Leg, Route, RouteSet
from corridor_twin.routing.skims import Skim, skim

__all__ = [
    "OBJECTIVES",
    "WAIT_KINDS",
    "EdgeCosts",
    "GeneralizedCost",
    "Leg",
    "Route",
    "RouteSet",
    "Skim",
    "earliest_arrival",
    "edge_costs",
    "k_routes",
    "objective_weights",
    "pareto_routes",
    "route",
    "skim",
]
