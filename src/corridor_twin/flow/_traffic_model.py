"""The compiled traffic model and the result types of :mod:`corridor_twin.flow.traffic`.

The two ends of build -> solve -> extract: :func:`build_traffic` compiles a
:class:`~corridor_twin.flow.linknet.LinkNetwork` and
:class:`~corridor_twin.flow.linknet.TripTable` to the CSR arrays of the
kernels (:class:`TrafficModel`), and :func:`extract_traffic` turns what a
method returned (:class:`TrafficSolution`) into the link table
(:class:`TrafficResult`). The methods and :func:`~corridor_twin.flow.traffic.solve_traffic`
are in :mod:`corridor_twin.flow.traffic`, which imports this module (never
the other way); import these names from there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from corridor_twin._typing import FloatArray, IntArray
from corridor_twin.errors import DataError, OptionError
from corridor_twin.flow import _ue_kernels as _k
from corridor_twin.flow.linknet import LinkNetwork, TripTable

__all__ = [
    "TrafficModel",
    "TrafficResult",
    "TrafficSolution",
    "build_traffic",
    "extract_traffic",
]


@dataclass(frozen=True, eq=False)
class TrafficModel:
    """A link network and trip table compiled for the equilibrium kernels.

    Links are sorted by tail node into a CSR (``order[i]`` = the original
    index of CSR link ``i``); trips are grouped by origin.
    """

    network: LinkNetwork
    trips: TripTable
    toll_factor: float
    distance_factor: float
    order: IntArray
    indptr: IntArray
    head: Any
    tail: Any
    through: Any
    fixed_cost: FloatArray
    origin: Any
    od_indptr: IntArray
    od_dest: Any
    od_demand: FloatArray
    od_origin_id: IntArray
    od_dest_id: IntArray
    free_flow_od_cost: FloatArray
    kernel: Any

    @property
    def n_pairs(self) -> int:
        """Number of origin–destination pairs with positive demand."""
        return int(self.od_demand.shape[0])

    def link_costs(self, volume: FloatArray) -> FloatArray:
        """Generalized cost per link (original order) at ``volume`` (original order)."""
        v = np.ascontiguousarray(np.asarray(volume, dtype=np.float64)[self.order])
        out = np.empty_like(v)
        out[self.order] = _k.link_costs(self.kernel, v)
        return out

    def __repr__(self) -> str:
        return (
            f"<TrafficModel {self.network.n_nodes} nodes, {self.network.n_links} links, "
            f"{len(self.origin)} origins, {self.n_pairs} pairs, "
            f"toll factor {self.toll_factor:g}, distance factor {self.distance_factor:g}>"
        )


def _index(ids: IntArray, nodes: IntArray, what: str) -> Any:
    pos = np.searchsorted(nodes, ids)
    pos = np.minimum(pos, len(nodes) - 1)
    bad = nodes[pos] != ids
    if bad.any():
        raise DataError(
            f"{what} names node {int(ids[np.flatnonzero(bad)[0]])}, which is not in the network"
        )
    return pos.astype(np.int32)


def build_traffic(
    network: LinkNetwork,
    trips: TripTable,
    *,
    toll_factor: float | None = None,
    distance_factor: float | None = None,
) -> TrafficModel:
    """Compile a network and trip table for :func:`~corridor_twin.flow.traffic.solve_traffic`.

    Parameters
    ----------
    network, trips
        The links and the demand; trips between a node and itself and trips
        of zero are dropped, repeated pairs are summed.
    toll_factor, distance_factor
        Generalized-cost weights (time units per toll unit, per distance
        unit); default the network's own.

    Returns
    -------
    TrafficModel

    Raises
    ------
    DataError
        A trip names a node the network lacks, or has no route (the message
        names the pair).
    OptionError
        A weight is negative or not finite.
    """
    tf = network.toll_factor if toll_factor is None else float(toll_factor)
    df = network.distance_factor if distance_factor is None else float(distance_factor)
    for name, value in (("toll_factor", tf), ("distance_factor", df)):
        if not math.isfinite(value) or value < 0:
            raise OptionError(f"{name} must be a finite number >= 0, got {value}")
    nodes = network.nodes
    n = len(nodes)
    tail_all = _index(network.from_node, nodes, "a link")
    head_all = _index(network.to_node, nodes, "a link")
    order = np.argsort(tail_all, kind="stable").astype(np.int64)
    tail = np.ascontiguousarray(tail_all[order])
    head = np.ascontiguousarray(head_all[order])
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    through = (nodes >= network.first_thru_node).astype(np.uint8)
    fixed = np.ascontiguousarray((tf * network.toll + df * network.length)[order])
    fft = np.ascontiguousarray(network.free_flow_time[order])
    cap = np.ascontiguousarray(network.capacity[order])
    b = np.ascontiguousarray(network.b[order])
    power = np.ascontiguousarray(network.power[order])
    kernel = _k._Arrays(indptr, head, tail, through, fft, cap, b, power, fixed)

    keep = (trips.demand > 0) & (trips.origin != trips.destination)
    o_id, d_id, dem = trips.origin[keep], trips.destination[keep], trips.demand[keep]
    o = _index(o_id, nodes, "the trip table") if len(o_id) else np.zeros(0, np.int32)
    d = _index(d_id, nodes, "the trip table") if len(d_id) else np.zeros(0, np.int32)
    key = o.astype(np.int64) * n + d
    uniq, inverse = np.unique(key, return_inverse=True)
    od_demand = np.bincount(inverse, weights=dem, minlength=len(uniq)).astype(np.float64)
    od_o = (uniq // n).astype(np.int32)
    od_d = np.ascontiguousarray((uniq % n).astype(np.int32))
    origins, starts = np.unique(od_o, return_index=True)
    od_indptr = np.append(starts, len(od_o)).astype(np.int64)
    origin = np.ascontiguousarray(origins.astype(np.int32))
    free_cost = np.ascontiguousarray(_k.link_costs(kernel, np.zeros(len(order))))
    _, _, od_cost = _k.all_or_nothing(
        kernel, free_cost, origin, od_indptr, od_d, od_demand, want_load=False, want_od_cost=True
    )
    assert od_cost is not None
    if len(od_cost) and not np.all(np.isfinite(od_cost)):
        i = int(np.flatnonzero(~np.isfinite(od_cost))[0])
        zones = (
            (
                f"; nodes below the first thru node {network.first_thru_node} are zones that "
                "may not be passed through"
            )
            if network.first_thru_node > 1
            else ""
        )
        raise DataError(
            f"no route from node {int(nodes[od_o[i]])} to node {int(nodes[od_d[i]])}"
            f" for its {od_demand[i]:g} trips{zones}"
        )
    return TrafficModel(
        network,
        trips,
        tf,
        df,
        order,
        indptr,
        head,
        tail,
        through,
        fixed,
        origin,
        od_indptr,
        od_d,
        od_demand,
        nodes[od_o],
        nodes[od_d],
        od_cost,
        kernel,
    )


@dataclass(frozen=True, eq=False)
class TrafficSolution:
    """What a method returned: link volumes (original link order) and its convergence.

    ``status`` is ``converged`` (the relative gap reached the target) or
    ``limit`` (iterations or time ran out; ``message`` says which).
    ``gaps``, ``times_s`` and ``gap_iterations`` hold each exact relative gap
    measured, the elapsed time and the iteration at which it was measured
    (the path-based method measures it only near the target). ``paths``
    (path-based methods, when asked) is ``(pair, flow, indptr, links)``: the
    pair index of each path, its flow, and its links (original link indices)
    in CSR form.
    """

    method: str
    status: str
    message: str
    volume: FloatArray
    relative_gap: float
    iterations: int
    seconds: float
    gaps: FloatArray
    times_s: FloatArray
    gap_iterations: IntArray
    paths: tuple[IntArray, FloatArray, IntArray, IntArray] | None = None

    def __repr__(self) -> str:
        return (
            f"<TrafficSolution {self.method} {self.status}: relative gap "
            f"{self.relative_gap:.2e} after {self.iterations} iterations, "
            f"{self.seconds:.3g} s>"
        )


@dataclass(frozen=True, eq=False)
class TrafficResult:
    """Link volumes and costs at the equilibrium, with its totals.

    ``volume`` and ``cost`` are per link in the network's order; cost is the
    generalized cost in the network's time unit. ``total_cost`` is
    ``sum volume x cost``.
    """

    network: LinkNetwork
    solution: TrafficSolution
    volume: FloatArray
    cost: FloatArray
    total_cost: float

    @property
    def relative_gap(self) -> float:
        """The relative gap the solution reached."""
        return self.solution.relative_gap

    @property
    def status(self) -> str:
        """``converged`` or ``limit``."""
        return self.solution.status

    def to_frame(self) -> Any:
        """One row per link: from, to, volume, cost."""
        import pandas as pd

        return pd.DataFrame(
            {
                "from": self.network.from_node,
                "to": self.network.to_node,
                "volume": self.volume,
                "cost": self.cost,
            }
        )

    def __repr__(self) -> str:
        s = self.solution
        return (
            f"<TrafficResult {s.status}: {self.network.n_links} links, total cost "
            f"{self.total_cost:,.6g}, relative gap {s.relative_gap:.2e} ({s.method}, "
            f"{s.iterations} iterations, {s.seconds:.3g} s)>"
        )


def extract_traffic(model: TrafficModel, solution: TrafficSolution) -> TrafficResult:
    """The link table of a solution: volume and generalized cost per link."""
    cost = model.link_costs(solution.volume)
    return TrafficResult(
        model.network, solution, solution.volume, cost, float(solution.volume @ cost)
    )
