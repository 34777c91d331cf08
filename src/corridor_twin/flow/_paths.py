"""Path-based column generation for the assignment LP (shortest-path pricing).

Solves the same LP as the arc form built by
:func:`~corridor_twin.flow.assign.build_assignment`, to the same optimum, but
only ever hands HiGHS a small *restricted master*: one column per path found
so far (plus the unmet-demand bypass of every origin–destination pair) and
only the capacity rows that have been violated. Each round prices new paths
with one shortest-path tree per group (origin), on edge weights equal to the
arc variables' reduced costs ``c - A_ub^T pi`` (non-negative, since capacity
duals are non-positive), and adds every path cheaper than its pair's demand
dual. It stops when no path prices out and no capacity is violated; the arc
flows, objective and capacity duals are then those of the full LP.

References
----------
Ford and Fulkerson (1958), "A suggested computation for maximal
multi-commodity network flows"; Desaulniers, Desrosiers and Solomon (eds.),
*Column Generation* (2005).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

import corridor_twin.routing._kernels as _kernels
from corridor_twin._typing import FloatArray, IntArray

if TYPE_CHECKING:
    from corridor_twin.flow.assign import AssignmentModel, AssignmentSolution

__all__ = ["solve_by_paths"]


def _master(model: AssignmentModel, cols: list[tuple[int, IntArray, float]],
            pairs: list[tuple[int, int, float, int]], active: IntArray,
            a_ub_csc: Any) -> tuple[Any, sp.csc_matrix]:
    """Solve the restricted master; return the HiGHS result and the path→arc matrix."""
    from scipy.optimize import linprog

    n_arc = model.n_variables
    n_p, n_k = len(cols), len(pairs)
    rows = np.concatenate([c[1] for c in cols]) if cols else np.zeros(0, dtype=np.int64)
    colidx = np.repeat(np.arange(n_p), [len(c[1]) for c in cols])
    paths = sp.csc_matrix((np.ones(len(rows)), (rows, colidx)), shape=(n_arc, n_p))
    cost = np.concatenate([[c[2] for c in cols], [model.c[p[3]] for p in pairs]])
    dem_rows = np.concatenate([[c[0] for c in cols], np.arange(n_k)]).astype(np.int64)
    a_eq = sp.csr_matrix((np.ones(n_p + n_k), (dem_rows, np.arange(n_p + n_k))),
                         shape=(n_k, n_p + n_k))
    b_eq = np.asarray([p[2] for p in pairs])
    kwargs: dict[str, Any] = {}
    if len(active):
        cap = a_ub_csc[active, :] @ paths
        kwargs["A_ub"] = sp.hstack([cap, sp.csr_matrix((len(active), n_k))]).tocsr()
        kwargs["b_ub"] = model.b_ub[active]
    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs", **kwargs)
    return res, paths


def solve_by_paths(model: AssignmentModel, *, tol: float = 1e-9,
                   max_rounds: int = 1000) -> AssignmentSolution:
    """Solve an assignment model by column generation (see the module docstring)."""
    from corridor_twin.flow.assign import AssignmentSolution

    t0 = time.perf_counter()
    comp = model.comp
    n_e = comp.n_edges
    real = model.var_edge >= 0
    a_ub_csc = model.A_ub.tocsc()
    a_ub_t = model.A_ub.T.tocsr()
    # Origin-destination pairs: (group, destination vertex, demand, bypass variable).
    pairs: list[tuple[int, int, float, int]] = []
    for j in np.flatnonzero(~real).tolist():
        node = int(model.var_dest[j])
        pairs.append((int(model.var_group[j]), int(comp.destination_vertex[node]),
                      float(model.bypass_demand[j]), j))
    by_group: dict[int, list[int]] = {}
    for k, p in enumerate(pairs):
        by_group.setdefault(p[0], []).append(k)
    group_vars = {g: np.flatnonzero(real & (model.var_group == g)) for g in by_group}
    cols: list[tuple[int, IntArray, float]] = []
    seen: set[tuple[int, ...]] = set()
    active = np.zeros(0, dtype=np.int64)
    pi_full = np.zeros(model.A_ub.shape[0])
    rounds = 0
    res: Any = None
    paths: Any = None
    while True:
        rounds += 1
        if rounds > max_rounds:
            return AssignmentSolution("limit", "limit: column generation did not converge in "
                                      f"{max_rounds} rounds", np.nan, None, None,
                                      time.perf_counter() - t0)
        # Pricing on the current duals (zero before the first master).
        rc = model.c.copy()
        if len(active):
            rc -= a_ub_t @ pi_full
        # A path enters when it is cheaper than its pair's demand dual (any path, first round).
        limit = (np.asarray(res.eqlin.marginals) * (1 - np.sign(res.eqlin.marginals) * tol) - tol
                 if res is not None else np.full(len(pairs), np.inf))
        added = 0
        for g, ks in by_group.items():
            vars_g = group_vars[g]
            w = np.full(n_e, np.inf)
            w[model.var_edge[vars_g]] = np.maximum(rc[vars_g], 0.0)
            emap = np.full(n_e, -1, dtype=np.int64)
            emap[model.var_edge[vars_g]] = vars_g
            origin = int(model.group_origin_vertex[g])
            dist, pred = _kernels.sssp(comp.indptr, comp.indices, w, origin)
            for k in ks:
                dv = pairs[k][1]
                if not np.isfinite(dist[dv]) or dist[dv] >= limit[k]:
                    continue
                edges = []
                v = dv
                while v != origin:
                    e = int(pred[v])
                    edges.append(e)
                    v = int(comp.tail[e])
                vars_p = emap[np.asarray(edges[::-1], dtype=np.int64)]
                key = (k, *vars_p.tolist())
                if key in seen:
                    continue
                seen.add(key)
                cols.append((k, vars_p, float(model.c[vars_p].sum())))
                added += 1
        if res is not None and added == 0:
            break
        # Re-solve the master, adding violated capacity rows until none is.
        while True:
            res, paths = _master(model, cols, pairs, active, a_ub_csc)
            if res.status != 0:
                status = {1: "limit", 2: "infeasible", 3: "unbounded"}.get(res.status, "error")
                return AssignmentSolution(status, f"{status}: restricted master failed "
                                          f"(HiGHS: {res.message})", np.nan, None, None,
                                          time.perf_counter() - t0)
            x = _arc_flows(model, paths, res.x, pairs)
            usage = model.A_ub @ x if model.A_ub.shape[0] else np.zeros(0)
            viol = np.flatnonzero(usage > model.b_ub * (1 + 1e-9) + 1e-7)
            viol = np.setdiff1d(viol, active)
            if not len(viol):
                break
            active = np.union1d(active, viol)
        pi_full = np.zeros(model.A_ub.shape[0])
        if len(active):
            pi_full[active] = np.asarray(res.ineqlin.marginals)
    x = _arc_flows(model, paths, res.x, pairs)
    return AssignmentSolution("optimal", f"optimal (column generation: {rounds} rounds, "
                              f"{len(cols)} paths, {len(active)} capacity rows)",
                              float(res.fun), x, pi_full, time.perf_counter() - t0)


def _arc_flows(model: AssignmentModel, paths: Any, f: FloatArray,
               pairs: list[tuple[int, int, float, int]]) -> FloatArray:
    n_p = paths.shape[1]
    x: FloatArray = np.asarray(paths @ f[:n_p], dtype=np.float64)
    for k, p in enumerate(pairs):
        x[p[3]] = f[n_p + k]
    return x
