"""Capacity and flow analysis: annual capacities, max-flow / min-cut.

:mod:`.capacity` gives the annual capacity of every link, service, transfer,
border and node (t or TEU); :mod:`.maxflow` finds the maximum flow between
two node sets and names the minimum cut, in three public steps
(:func:`flow_problem` -> :func:`solve_flow_problem` -> :func:`extract_max_flow`)
that :func:`max_flow` runs together. :mod:`.traffic` finds the user
equilibrium of road-style link networks with BPR delays
(:class:`LinkNetwork`, :class:`TripTable`; :func:`build_traffic` ->
:func:`solve_traffic` -> :func:`extract_traffic`, or
:func:`traffic_equilibrium`), the model of the field's TNTP test networks.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.flow import max_flow
>>> res = max_flow(load_corridor(), "Almaty", "Alat", cargo="container")
>>> res.cut[0].kind in {"link", "service", "transfer", "border", "node"}
True
"""

from corridor_twin.flow.assign import (
    ASSIGNMENT_METHODS,
    AssignmentMethod,
    AssignmentModel,
    AssignmentResult,
    AssignmentSolution,
    Demand,
    assign,
    build_assignment,
    extract_assignment,
    solve_assignment,
)
from corridor_twin.flow.capacity import (
    CapacityEntry,
    CapacityTable,
    capacity_table,
    edge_capacity,
    node_capacity,
)
from corridor_twin.flow.linknet import LinkNetwork, TripTable
from corridor_twin.flow.maxflow import (
    FLOW_METHODS,
    CutItem,
    FlowProblem,
    FlowSolution,
    MaxFlowResult,
    extract_max_flow,
    flow_problem,
    max_flow,
    solve_flow_problem,
)
from corridor_twin.flow.traffic import (
    UE_METHODS,
    FlowComparison,
    TrafficModel,
    TrafficResult,
    TrafficSolution,
    build_traffic,
    compare_link_flows,
    extract_traffic,
    solve_traffic,
    traffic_equilibrium,
)

__all__ = [
    "ASSIGNMENT_METHODS",
    "FLOW_METHODS",
    "UE_METHODS",
    "AssignmentMethod",
    "AssignmentModel",
    "AssignmentResult",
    "AssignmentSolution",
    "CapacityEntry",
    "CapacityTable",
    "CutItem",
    "Demand",
    "FlowComparison",
    "FlowProblem",
    "FlowSolution",
    "LinkNetwork",
    "MaxFlowResult",
    "TrafficModel",
    "TrafficResult",
    "TrafficSolution",
    "TripTable",
    "assign",
    "build_assignment",
    "build_traffic",
    "capacity_table",
    "compare_link_flows",
    "edge_capacity",
    "extract_assignment",
    "extract_max_flow",
    "extract_traffic",
    "flow_problem",
    "max_flow",
    "node_capacity",
    "solve_assignment",
    "solve_flow_problem",
    "solve_traffic",
    "traffic_equilibrium",
]
