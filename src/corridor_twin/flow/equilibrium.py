"""User-equilibrium assignment: shippers pick their own cheapest routes under congestion.

The system-optimal LP (:func:`~corridor_twin.flow.assign.solve_assignment`)
treats capacities as hard limits and spreads flow so that the *total* cost is
least. Shippers do not coordinate: each sends its cargo on the route that is
cheapest for itself, given the delays everybody else causes. This module
finds that Wardrop user equilibrium on the same built model
(:func:`~corridor_twin.flow.assign.build_assignment`): no shipper can lower
its own generalized cost by switching route, and every used route of an
origin–destination pair costs the same.

Congestion. Capacities become soft: every capacity row of the model (a link,
ferry service, border crossing, port or transfer, in t or TEU per year) adds a
queueing delay to each unit that passes it, growing with its utilisation
``rho = flow / capacity`` in the Bureau of Public Roads form
``delay_h = reference_delay_h * alpha * rho ** beta`` (see
:class:`Congestion`). The delay is valued at the group's value of time, so
the objective must value time: ``generalized`` (value of time per unit-hour)
or ``time`` (hours).

Algorithm. Frank–Wolfe: all-or-nothing loading on current costs (one
shortest-path tree per origin with the compiled kernels), a step towards it
chosen by bisection on the directional derivative, repeated until the relative
gap ``(sum x c(x) - sum y c(x)) / sum x c(x)`` is below the tolerance. Demand
whose cheapest route costs more than the unmet-demand penalty stays unmet.

References
----------
Wardrop (1952), "Some theoretical aspects of road traffic research";
Bureau of Public Roads (1964), *Traffic Assignment Manual*; Sheffi (1985),
*Urban Transportation Networks*, ch. 5.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.flow.assign import Demand, build_assignment, extract_assignment
>>> from corridor_twin.flow.equilibrium import solve_equilibrium
>>> model = build_assignment(load_corridor(), [Demand("Almaty", "Istanbul", "container", 5_000)])
>>> sol = solve_equilibrium(model)
>>> sol.status, sol.totals["relative_gap"] < 1e-4
('optimal', True)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

import corridor_twin.routing._kernels as _kernels
from corridor_twin._typing import FloatArray
from corridor_twin.errors import OptionError
from corridor_twin.flow._lp import AssignmentModel, AssignmentSolution
from corridor_twin.routing.costs import GeneralizedCost

__all__ = ["Congestion", "solve_equilibrium"]


@dataclass(frozen=True)
class Congestion:
    """Delay at a capacity as its utilisation grows (BPR form).

    ``delay_h = reference_delay_h * alpha * (flow / capacity) ** beta`` per
    unit passing the capacity, on top of the network's own times.

    Parameters
    ----------
    alpha, beta
        BPR parameters; defaults 0.15 and 4 (Bureau of Public Roads 1964,
        the field's standard for links).
    reference_delay_h
        Scale of the delay: at full utilisation a unit waits
        ``alpha * reference_delay_h`` extra hours (3.6 h by default), at twice
        the capacity 16 times that (58 h). Default 24 h: our assumption, a
        day's queue as the scale for ports, ferries and borders, not a
        calibrated figure.
    """

    alpha: float = 0.15
    beta: float = 4.0
    reference_delay_h: float = 24.0

    def __post_init__(self) -> None:
        for name in ("alpha", "beta", "reference_delay_h"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise OptionError(f"Congestion.{name} must be a finite number >= 0, got {value}")

    def delay_h(self, flow: FloatArray, capacity: FloatArray) -> FloatArray:
        """Delay per unit (hours) at each capacity for the given annual flows."""
        flow = np.asarray(flow, dtype=np.float64)
        capacity = np.asarray(capacity, dtype=np.float64)
        rho = np.divide(flow, capacity, out=np.zeros_like(flow), where=capacity > 0)
        return np.asarray(
            self.reference_delay_h * self.alpha * np.power(rho, self.beta), dtype=np.float64
        )


def _group_value_of_time(model: AssignmentModel, generalized: GeneralizedCost | None) -> FloatArray:
    """Objective units per unit-hour of delay, per group."""
    if model.objective == "time":
        return np.ones(len(model.groups))
    if model.objective != "generalized":
        raise OptionError(
            f"an equilibrium needs an objective that values time (generalized or time); the "
            f"model was built with objective={model.objective!r}"
        )
    g = generalized or GeneralizedCost()
    net = model.comp.network
    out = []
    for com, _, _ in model.groups:
        vot = g.value_of_time_usd_per_unit_h
        if vot is None:
            vot = net.commodity(com).value_of_time_usd_per_unit_h
        out.append(float(vot or 0.0))
    return np.asarray(out, dtype=np.float64)


class _Loader:
    """All-or-nothing loading of every pair on given variable costs."""

    def __init__(self, model: AssignmentModel) -> None:
        comp = model.comp
        self.model = model
        real = model.var_edge >= 0
        self.groups: dict[int, tuple[Any, Any, list[tuple[int, int, float, int]]]] = {}
        for j in np.flatnonzero(~real).tolist():
            g = int(model.var_group[j])
            if g not in self.groups:
                vars_g = np.flatnonzero(real & (model.var_group == g))
                emap = np.full(comp.n_edges, -1, dtype=np.int64)
                emap[model.var_edge[vars_g]] = vars_g
                self.groups[g] = (vars_g, emap, [])
            dv = int(comp.destination_vertex[int(model.var_dest[j])])
            self.groups[g][2].append((j, dv, float(model.bypass_demand[j]), g))

    def load(self, cost: FloatArray) -> FloatArray:
        model, comp = self.model, self.model.comp
        y = np.zeros(model.n_variables)
        for g, (vars_g, emap, pairs) in self.groups.items():
            w = np.full(comp.n_edges, np.inf)
            w[model.var_edge[vars_g]] = cost[vars_g]
            origin = int(model.group_origin_vertex[g])
            target = pairs[0][1] if len(pairs) == 1 else -1
            dist, pred = _kernels.sssp(comp.indptr, comp.indices, w, origin, target)
            for byp, dv, amount, _ in pairs:
                if not np.isfinite(dist[dv]) or dist[dv] >= cost[byp]:
                    y[byp] += amount
                    continue
                v = dv
                edges = []
                while v != origin:
                    e = int(pred[v])
                    edges.append(e)
                    v = int(comp.tail[e])
                np.add.at(y, emap[np.asarray(edges, dtype=np.int64)], amount)
        return y


def solve_equilibrium(
    model: AssignmentModel,
    *,
    congestion: Congestion | None = None,
    generalized: GeneralizedCost | None = None,
    relative_gap: float = 1e-4,
    max_iterations: int = 500,
) -> AssignmentSolution:
    """Find the user equilibrium of a built assignment model (Frank–Wolfe).

    Parameters
    ----------
    model
        From :func:`~corridor_twin.flow.assign.build_assignment`, built with
        ``objective="generalized"`` or ``"time"``.
    congestion
        Delay at capacities (default :class:`Congestion` ()).
    generalized
        The :class:`~corridor_twin.routing.costs.GeneralizedCost` the model was
        built with, for its value of time (default: each commodity's own).
    relative_gap
        Stop when the relative gap falls below this.
    max_iterations
        Stop after this many iterations; the status is then ``limit``.

    Returns
    -------
    AssignmentSolution
        ``x`` the equilibrium flows (to pass to
        :func:`~corridor_twin.flow.assign.extract_assignment`), no shadow
        prices (an equilibrium has none), and ``totals`` with the congestion
        delay (``delay_unit_h``: unit-hours per year), the relative gap and the
        iterations.
    """
    if not (relative_gap > 0 and math.isfinite(relative_gap)):
        raise OptionError(f"relative_gap must be a positive number, got {relative_gap}")
    if max_iterations < 1:
        raise OptionError(f"max_iterations must be at least 1, got {max_iterations}")
    cong = congestion or Congestion()
    t0 = time.perf_counter()
    vot = _group_value_of_time(model, generalized)
    real = model.var_edge >= 0
    vot_var = np.where(real, vot[model.var_group], 0.0)
    crosses = sp.csr_matrix(model.A_ub, copy=True)
    crosses.data = (crosses.data != 0).astype(np.float64)
    crosses_t = crosses.T.tocsr()
    a_ub, b_ub = model.A_ub, model.b_ub

    def delays(x: FloatArray) -> FloatArray:
        """Delay hours per unit on each variable."""
        if not a_ub.shape[0]:
            return np.zeros(model.n_variables)
        return np.asarray(crosses_t @ cong.delay_h(a_ub @ x, b_ub), dtype=np.float64)

    def costs(x: FloatArray) -> FloatArray:
        return np.asarray(model.c + vot_var * delays(x), dtype=np.float64)

    loader = _Loader(model)
    x = loader.load(model.c)
    gap = math.inf
    it = 0
    while it < max_iterations:
        it += 1
        cx = costs(x)
        y = loader.load(cx)
        total = float(x @ cx)
        gap = (total - float(y @ cx)) / total if total > 0 else 0.0
        if gap <= relative_gap:
            break
        d = y - x
        # Bisection on the directional derivative d . c(x + s d), increasing in s.
        lo, hi = 0.0, 1.0
        if float(d @ costs(x + d)) <= 0:
            lo = 1.0
        else:
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if float(d @ costs(x + mid * d)) > 0:
                    hi = mid
                else:
                    lo = mid
        x = x + lo * d
    dh = delays(x)
    cx = model.c + vot_var * dh
    converged = gap <= relative_gap
    totals = {
        "delay_unit_h": float(dh[real] @ x[real]),
        "relative_gap": float(gap),
        "iterations": float(it),
    }
    status = "optimal" if converged else "limit"
    message = (
        f"user equilibrium (Frank-Wolfe: {it} iterations, relative gap {gap:.2e})"
        if converged
        else f"limit: Frank-Wolfe stopped after {it} iterations at relative gap {gap:.2e} "
        f"(asked {relative_gap:.0e}); raise max_iterations"
    )
    return AssignmentSolution(
        status,
        message,
        float(x @ cx) if converged else np.nan,
        x if converged else None,
        np.zeros(model.A_ub.shape[0]) if converged else None,
        time.perf_counter() - t0,
        totals=totals,
        capacity_delay_h=cong.delay_h(a_ub @ x, b_ub) if converged else None,
    )
