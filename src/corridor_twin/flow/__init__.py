"""Capacity and flow analysis: annual capacities, max-flow / min-cut.

:mod:`.capacity` gives the annual capacity of every link, service, transfer,
border and node (t or TEU); :mod:`.maxflow` finds the maximum flow between
two node sets and names the minimum cut, in three public steps
(:func:`flow_problem` -> :func:`solve_flow_problem` -> :func:`extract_max_flow`)
that :func:`max_flow` runs together.

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

__all__ = [
    "ASSIGNMENT_METHODS",
    "FLOW_METHODS",
    "AssignmentMethod",
    "AssignmentModel",
    "AssignmentResult",
    "AssignmentSolution",
    "CapacityEntry",
    "CapacityTable",
    "CutItem",
    "Demand",
    "FlowProblem",
    "FlowSolution",
    "MaxFlowResult",
    "assign",
    "build_assignment",
    "capacity_table",
    "edge_capacity",
    "extract_assignment",
    "extract_max_flow",
    "flow_problem",
    "max_flow",
    "node_capacity",
    "solve_assignment",
    "solve_flow_problem",
]
