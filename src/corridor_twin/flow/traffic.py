"""Deterministic user equilibrium on link networks with BPR delays (static traffic assignment).

Every trip takes a route that is cheapest for itself given the delays all
trips cause together (Wardrop 1952): at the solution, every used route of an
origin–destination pair costs the same and no unused one costs less. Link
cost is the generalized cost of the :class:`~corridor_twin.flow.linknet.LinkNetwork`,
``fft * (1 + b * (v / capacity) ** power) + toll_factor * toll + distance_factor * length``,
in the network's time unit; zones below its first thru node are never passed
through.

Three public steps, like the assignment's: :func:`build_traffic` compiles the
network and trips to CSR arrays (and checks that every trip can be routed),
:func:`solve_traffic` runs a method from :data:`UE_METHODS`, and
:func:`extract_traffic` gives the link table. :func:`traffic_equilibrium`
runs all three.

Convergence is measured as the field does, by the relative gap
``(sum_a v_a c_a - sum_od d_od SP_od) / sum_a v_a c_a``, where ``SP_od`` is the
shortest-path cost at the current costs; it is zero exactly at equilibrium.

Methods
-------
``gradient_projection`` (default)
    Path-based gradient projection (Jayakrishnan, Tsai, Prashker and
    Rajadhyaksha 1994), one origin at a time with costs updated after every
    move (Gauss–Seidel): a shortest-path tree per origin adds each pair's
    current shortest path to its path set, then a Newton step moves flow from
    every costlier path of the pair to its cheapest. Converges to tight gaps
    (1e-8 and below) in tens of sweeps, where Frank–Wolfe needs thousands.
    The exact gap costs one more tree per origin, so it is measured only once
    the sweep's own estimate is within 3x the target; the gap reported is
    always the exact one, on the flows returned.
``conjugate_frank_wolfe``
    Conjugate Frank–Wolfe (Mitradjieva and Lindberg 2013): the reference
    link-based method, close to AequilibraE's ``cfw``.
``frank_wolfe``
    Plain Frank–Wolfe (LeBlanc, Morlok and Pierskalla 1975) with an exact
    line search: the textbook reference, slow at tight gaps.

References
----------
Wardrop (1952); Bureau of Public Roads (1964), *Traffic Assignment Manual*;
Sheffi (1985), *Urban Transportation Networks*; Jayakrishnan et al. (1994),
Transportation Research Record 1443; Mitradjieva and Lindberg (2013),
Transportation Science 47(2); Boyles, Lownes and Unnikrishnan (2023),
*Transportation Network Analysis*, ch. 6.

Examples
--------
Two routes from 1 to 3: a direct link, slow but wide, and a fast but narrow
two-link route. At equilibrium both carry trips at equal cost.

>>> import numpy as np
>>> from corridor_twin.flow.linknet import LinkNetwork, TripTable
>>> net = LinkNetwork(from_node=np.array([1, 1, 2]), to_node=np.array([3, 2, 3]),
...                   capacity=np.array([100.0, 20.0, 20.0]), length=np.ones(3),
...                   free_flow_time=np.array([10.0, 2.0, 2.0]))
>>> trips = TripTable(origin=np.array([1]), destination=np.array([3]), demand=np.array([60.0]))
>>> res = traffic_equilibrium(net, trips, relative_gap=1e-10)
>>> res.relative_gap < 1e-8
True
>>> res.to_frame().round(2)
   from  to  volume   cost
0     1   3   24.43  10.01
1     1   2   35.57   5.00
2     2   3   35.57   5.00
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from corridor_twin._typing import FloatArray, IntArray
from corridor_twin.errors import OptionError
from corridor_twin.flow import _ue_kernels as _k
from corridor_twin.flow._traffic_model import (
    TrafficModel,
    TrafficResult,
    TrafficSolution,
    build_traffic,
    extract_traffic,
)
from corridor_twin.flow.linkflows import FlowComparison, compare_link_flows
from corridor_twin.flow.linknet import LinkNetwork, TripTable

__all__ = [
    "UE_METHODS",
    "FlowComparison",
    "TrafficModel",
    "TrafficResult",
    "TrafficSolution",
    "build_traffic",
    "compare_link_flows",
    "extract_traffic",
    "solve_traffic",
    "traffic_equilibrium",
]


_SMALL_NETWORK_NODES = 5000
"""Up to this many nodes, gradient projection builds two trees per origin per sweep;
above, one tree, with A* for origins with few destinations."""
_ASTAR_MAX_DESTINATIONS = 8

_Run = tuple[FloatArray, FloatArray, FloatArray, IntArray, Any]
"""(CSR-order volume, exact gaps, seconds at each, iteration of each, paths or None)."""


def _gradient_projection(
    model: TrafficModel, gap: float, max_iterations: int, time_limit_s: float, keep_paths: bool
) -> _Run:
    if model.n_pairs == 0:
        empty = (np.zeros(0, np.int64), np.zeros(0), np.zeros(1, np.int64), np.zeros(0, np.int32))
        zero = np.zeros(0)
        return np.zeros(len(model.order)), zero, zero, np.zeros(0, np.int64), empty
    # Two trees per origin per sweep (fresher paths) while trees are cheap; on large
    # networks the tree dominates, so one tree and two Newton rounds per pair, A*
    # towards origins' few destinations, and ten tree-free rounds over all pairs.
    # The exact gap is measured once the sweep's estimate is within 3x the target.
    small = model.network.n_nodes <= _SMALL_NETWORK_NODES
    potentials = None if small else _astar_potentials(model)
    if potentials is not None:
        _k.set_potentials(model.kernel, *potentials)
    try:
        return _run_gp(model, gap, max_iterations, time_limit_s, keep_paths, small)
    finally:
        if potentials is not None:
            _k.set_potentials(model.kernel, None, None)


def _astar_potentials(model: TrafficModel) -> tuple[FloatArray, Any] | None:
    """Free-flow costs to the nearest destination, for origins with few destinations.

    Link costs never fall below free flow, so these are consistent A*
    potentials for every later set of costs.
    """
    counts = np.diff(model.od_indptr)
    few = np.flatnonzero(counts <= _ASTAR_MAX_DESTINATIONS)
    if not len(few):
        return None
    n = len(model.indptr) - 1
    by_head = np.argsort(model.head, kind="stable")
    rev_indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(model.head, minlength=n), out=rev_indptr[1:])
    zeros = np.zeros(len(by_head))
    rev = _k._Arrays(
        rev_indptr,
        np.ascontiguousarray(model.tail[by_head]),
        np.ascontiguousarray(model.head[by_head]),
        np.ones(n, dtype=np.uint8),
        zeros,
        np.ones(len(by_head)),
        zeros,
        zeros,
        zeros,
    )
    free = _k.link_costs(model.kernel, np.zeros(len(model.order)))
    rev_cost = np.ascontiguousarray(free[by_head])
    dests = np.unique(
        np.concatenate([model.od_dest[model.od_indptr[g] : model.od_indptr[g + 1]] for g in few])
    )
    to_dest = {int(d): _k.distances(rev, rev_cost, int(d)) for d in dests}
    rows = np.empty((len(few), n))
    group_row = np.full(len(model.origin), -1, dtype=np.int32)
    for r, g in enumerate(few):
        ds = model.od_dest[model.od_indptr[g] : model.od_indptr[g + 1]]
        rows[r] = np.min([to_dest[int(d)] for d in ds], axis=0)
        group_row[g] = r
    return rows, group_row


def _run_gp(
    model: TrafficModel,
    gap: float,
    max_iterations: int,
    time_limit_s: float,
    keep_paths: bool,
    small: bool,
) -> _Run:
    return _k.gradient_projection(
        model.kernel,
        model.origin,
        model.od_indptr,
        model.od_dest,
        model.od_demand,
        gap,
        max_iterations,
        time_limit_s,
        inner_passes=1 if small else 2,
        keep_paths=keep_paths,
        origin_passes=2 if small else 1,
        estimate_factor=3.0,
        global_rounds=0 if small else 10,
    )


def _line_search(model: TrafficModel, x: FloatArray, d: FloatArray) -> float:
    """Step in [0, 1] where d . c(x + s d) crosses zero (bisection; it increases in s)."""

    def slope(s: float) -> float:
        return float(d @ _k.link_costs(model.kernel, x + s * d))

    if slope(1.0) <= 0:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if slope(mid) > 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def _frank_wolfe_family(
    model: TrafficModel, gap: float, max_iterations: int, time_limit_s: float, conjugate: bool
) -> _Run:
    kern = model.kernel
    t0 = time.perf_counter()

    def aon(cost: FloatArray) -> tuple[FloatArray, float]:
        load, sp, _ = _k.all_or_nothing(
            kern, cost, model.origin, model.od_indptr, model.od_dest, model.od_demand
        )
        assert load is not None
        return load, float(sp)

    x, _ = aon(_k.link_costs(kern, np.zeros(len(model.order))))
    s_prev: FloatArray | None = None
    gaps: list[float] = []
    times: list[float] = []
    for _ in range(max_iterations):
        c = _k.link_costs(kern, x)
        y, sp = aon(c)
        total = float(x @ c)
        g = (total - sp) / total if total > 0 else 0.0
        gaps.append(g)
        times.append(time.perf_counter() - t0)
        if g <= gap or (time_limit_s > 0 and times[-1] > time_limit_s):
            break
        target = y
        if conjugate and s_prev is not None:
            # conjugate direction: s = a s_prev + (1 - a) y, with s - x conjugate to
            # s_prev - x under the Hessian diag(c'(x))
            h = _k.link_derivatives(kern, x)
            num = float(((s_prev - x) * h) @ (y - x))
            den = float(((s_prev - x) * h) @ (y - s_prev))
            a = num / den if den != 0 else 0.0
            a = min(max(a, 0.0), 0.99999)
            target = a * s_prev + (1.0 - a) * y
        d = target - x
        step = _line_search(model, x, d)
        x = x + step * d
        s_prev = target
    return x, np.asarray(gaps), np.asarray(times), np.arange(1, len(gaps) + 1), None


UE_METHODS: dict[str, Callable[[TrafficModel, float, int, float, bool], _Run]] = {
    "gradient_projection": _gradient_projection,
    "conjugate_frank_wolfe": lambda m, g, it, t, _: _frank_wolfe_family(m, g, it, t, True),
    "frank_wolfe": lambda m, g, it, t, _: _frank_wolfe_family(m, g, it, t, False),
}
"""User-equilibrium methods by name; ``gradient_projection`` is the default.

Each takes (model, target relative gap, max iterations, time limit in s (0 = none),
keep paths) and returns (CSR-order volume, exact relative gaps, the seconds and the
iteration at which each was measured, paths or None)."""


def solve_traffic(
    model: TrafficModel,
    *,
    method: str = "gradient_projection",
    relative_gap: float = 1e-5,
    max_iterations: int = 10_000,
    time_limit_s: float | None = None,
    keep_paths: bool = False,
) -> TrafficSolution:
    """Find the user equilibrium of a built model.

    Parameters
    ----------
    model
        From :func:`build_traffic`.
    method : {'gradient_projection', 'conjugate_frank_wolfe', 'frank_wolfe'}
        A key of :data:`UE_METHODS`.
    relative_gap
        Stop once the relative gap is at most this (> 0).
    max_iterations
        Stop after this many iterations (sweeps over all origins).
    time_limit_s
        Stop after about this many seconds (checked between iterations).
    keep_paths
        Return the used paths and their flows (path-based methods only).

    Returns
    -------
    TrafficSolution
    """
    if method not in UE_METHODS:
        raise OptionError(
            f"unknown equilibrium method {method!r}; choose one of {', '.join(sorted(UE_METHODS))}"
        )
    if not (math.isfinite(relative_gap) and relative_gap > 0):
        raise OptionError(f"relative_gap must be a positive number, got {relative_gap}")
    if max_iterations < 1:
        raise OptionError(f"max_iterations must be at least 1, got {max_iterations}")
    if time_limit_s is not None and not (math.isfinite(time_limit_s) and time_limit_s > 0):
        raise OptionError(f"time_limit_s must be a positive number, got {time_limit_s}")
    t0 = time.perf_counter()
    vol, gaps, times, iters, paths = UE_METHODS[method](
        model, float(relative_gap), int(max_iterations), time_limit_s or 0.0, keep_paths
    )
    seconds = time.perf_counter() - t0
    volume = np.empty_like(vol)
    volume[model.order] = vol
    reached = float(gaps[-1]) if len(gaps) else 0.0
    its = int(iters[-1]) if len(iters) else 0
    if reached <= relative_gap:
        status, message = (
            "converged",
            (f"user equilibrium ({method}: {its} iterations, relative gap {reached:.2e})"),
        )
    else:
        why = "the time limit" if time_limit_s and seconds >= time_limit_s else f"{its} iterations"
        status, message = (
            "limit",
            (
                f"{method} stopped after {why} at relative gap "
                f"{reached:.2e} (asked {relative_gap:.0e})"
            ),
        )
    if paths is not None:
        p_od, p_flow, p_ip, p_links = paths
        paths = (p_od, p_flow, p_ip, model.order[p_links])
    return TrafficSolution(
        method,
        status,
        message,
        volume,
        reached,
        its,
        seconds,
        np.asarray(gaps, dtype=np.float64),
        np.asarray(times),
        np.asarray(iters, dtype=np.int64),
        paths,
    )


def traffic_equilibrium(
    network: LinkNetwork,
    trips: TripTable,
    *,
    method: str = "gradient_projection",
    relative_gap: float = 1e-5,
    max_iterations: int = 10_000,
    time_limit_s: float | None = None,
    toll_factor: float | None = None,
    distance_factor: float | None = None,
) -> TrafficResult:
    """Build, solve and extract in one call (see :func:`build_traffic`, :func:`solve_traffic`)."""
    model = build_traffic(network, trips, toll_factor=toll_factor, distance_factor=distance_factor)
    sol = solve_traffic(
        model,
        method=method,
        relative_gap=relative_gap,
        max_iterations=max_iterations,
        time_limit_s=time_limit_s,
    )
    return extract_traffic(model, sol)
