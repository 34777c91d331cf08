"""Path-based column generation for the assignment LP (shortest-path pricing).

Solves the same LP as the arc form built by
:func:`~corridor_twin.flow.assign.build_assignment`, to the same optimum, but
only ever hands HiGHS a small *restricted master*: one column per path found
so far (plus the unmet-demand bypass of every origin–destination pair) and
only the capacity rows that can bind.

1. **Greedy start.** Each pair is routed by successive shortest paths on the
   residual capacities (the largest demand first): send what the path's
   tightest capacity row allows, block the rows that fill, repeat until the
   demand is served or only paths dearer than leaving it unmet remain. Every
   path becomes a column and every filled row an active row, so the first
   master is already close to the optimum.
2. **Master.** One persistent HiGHS model (:class:`~corridor_twin.flow._highs.HighsLp`):
   new columns and rows are added to it and each re-solve starts from the
   previous basis (primal simplex after new columns, dual simplex after new
   rows) instead of from scratch; a failed solve falls back to other
   algorithms from scratch, and the result's message says so.
3. **Pricing.** One shortest-path tree per group (origin) on edge weights
   equal to the arc variables' reduced costs ``c - A_ub^T pi`` (non-negative,
   since capacity duals are non-positive); every path cheaper than its pair's
   demand dual enters.
4. **Rows.** After each master solve, capacity rows the implied arc flows
   violate are added and the master re-solved.

It stops when no path prices out and no capacity is violated; the arc flows,
objective and capacity duals are then those of the full LP.

References
----------
Ford and Fulkerson (1958), "A suggested computation for maximal
multi-commodity network flows"; Desaulniers, Desrosiers and Solomon (eds.),
*Column Generation* (2005).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

import corridor_twin.routing._kernels as _kernels
from corridor_twin._typing import FloatArray, IntArray
from corridor_twin.flow._highs import HighsLp, SolveReport
from corridor_twin.flow._lp import AssignmentModel, AssignmentSolution

__all__ = ["solve_by_paths"]

# (group, destination vertex, demand, bypass variable) of one origin–destination pair.
Pair = tuple[int, int, float, int]
# (pair index, arc variables of the path in order, cost of one unit on it).
_Column = tuple[int, IntArray, float]
_EPS = 1e-9

log = logging.getLogger(__name__)


class _Master:
    """The restricted master LP, kept in one HiGHS model between solves.

    Rows: the demand rows of the pairs (``= demand``), then the active
    capacity rows (``<= b_ub``) in the order they were added. Columns: the
    bypass of each pair, then the paths in the order they were added.
    """

    PRIMAL_PIVOTS = 3000  # pivots a warm primal re-solve may take before IPM takes over

    def __init__(self, model: AssignmentModel, pairs: list[Pair]) -> None:
        self.lp = HighsLp()
        self.model = model
        self.a_ub = model.A_ub.tocsr()
        n_k = len(pairs)
        self.n_k = n_k
        dem = np.asarray([p[2] for p in pairs], dtype=np.float64)
        self.lp.add_rows(dem, dem, sp.csr_matrix((n_k, 0)))
        byp = np.asarray([p[3] for p in pairs], dtype=np.int64)
        self.lp.add_cols(
            model.c[byp], np.zeros(n_k), np.full(n_k, np.inf), sp.identity(n_k, format="csc")
        )
        self.active = np.zeros(0, dtype=np.int64)
        self.cols: list[_Column] = []
        self._incidence: sp.csc_matrix | None = None

    def incidence(self) -> sp.csc_matrix:
        """Path→arc-variable incidence matrix (n_variables × n_paths)."""
        if self._incidence is None or self._incidence.shape[1] != len(self.cols):
            n_var = self.model.n_variables
            if self.cols:
                rows = np.concatenate([c[1] for c in self.cols])
                lens = np.fromiter((len(c[1]) for c in self.cols), np.int64, len(self.cols))
            else:
                rows, lens = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
            indptr = np.zeros(len(self.cols) + 1, dtype=np.int64)
            np.cumsum(lens, out=indptr[1:])
            self._incidence = sp.csc_matrix(
                (np.ones(len(rows)), rows, indptr), shape=(n_var, len(self.cols))
            )
            self._incidence.sum_duplicates()
        return self._incidence

    def add_columns(self, cols: list[_Column]) -> None:
        if not cols:
            return
        m = len(cols)
        n_var = self.model.n_variables
        rows = np.concatenate([c[1] for c in cols])
        indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum([len(c[1]) for c in cols], out=indptr[1:])
        new = sp.csc_matrix((np.ones(len(rows)), rows, indptr), shape=(n_var, m))
        dem = sp.csc_matrix(
            (np.ones(m), (np.asarray([c[0] for c in cols]), np.arange(m))), shape=(self.n_k, m)
        )
        if len(self.active):
            block = sp.vstack([dem, self.a_ub[self.active] @ new], format="csc")
        else:
            block = dem
        self.lp.add_cols(np.asarray([c[2] for c in cols]), np.zeros(m), np.full(m, np.inf), block)
        self.cols.extend(cols)

    def add_rows(self, rows: IntArray) -> None:
        if not len(rows):
            return
        paths = (self.a_ub[rows] @ self.incidence()).tocsr()
        # Bypass columns come first and take no capacity.
        block = sp.hstack([sp.csr_matrix((len(rows), self.n_k)), paths], format="csr")
        self.lp.add_rows(np.full(len(rows), -np.inf), self.model.b_ub[rows], block)
        self.active = np.concatenate([self.active, rows])

    def solve(self, *, primal: bool) -> SolveReport:
        """Re-solve; the adapter falls back to other algorithms on failure.

        ``primal``: after new columns the previous basis stays primal feasible,
        so primal simplex carries on from it (interior point takes over when it
        needs too many pivots, in heavily degenerate rounds); after new rows it
        stays dual feasible, so dual simplex does. The first solve has no basis
        and runs interior point with crossover, which leaves one.
        """
        if primal:
            return self.lp.solve(start="primal", pivot_limit=self.PRIMAL_PIVOTS)
        return self.lp.solve(start="dual")

    def values(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Column values, demand-row duals and active capacity-row duals."""
        x, y = self.lp.values()
        return x, y[: self.n_k], y[self.n_k :]

    def objective(self) -> float:
        return self.lp.objective()

    def arc_flows(self, pairs: list[Pair]) -> FloatArray:
        """Arc-variable flows of the current master solution."""
        f, _, _ = self.values()
        x: FloatArray = np.asarray(self.incidence() @ f[self.n_k :], dtype=np.float64)
        x[[p[3] for p in pairs]] = f[: self.n_k]
        return x


def retried_note(retried: list[str]) -> str:
    """The message's note on master solves that needed a fallback ('' when none did)."""
    return f"; retried: {' | '.join(retried)}" if retried else ""


def price(
    model: AssignmentModel,
    pairs: list[Pair],
    by_group: dict[int, list[int]],
    group_vars: dict[int, IntArray],
    rc: FloatArray,
    limit: FloatArray,
    tight: Any,
    a_ub_csc: sp.csc_matrix,
    n_detours: int,
    ws: Any,
) -> list[tuple[int, IntArray]]:
    """Improving paths: (pair, arc variables) for every pair whose shortest path on the
    reduced costs ``rc`` is below its ``limit``, with up to ``n_detours`` detours each."""
    comp = model.comp
    n_e = comp.n_edges
    found: list[tuple[int, IntArray]] = []
    for g, ks in by_group.items():
        vars_g = group_vars[g]
        edges_g = model.var_edge[vars_g]
        w = np.full(n_e, np.inf)
        w[edges_g] = np.maximum(rc[vars_g], 0.0)
        emap = np.full(n_e, -1, dtype=np.int64)
        emap[edges_g] = vars_g
        origin = int(model.group_origin_vertex[g])
        target = pairs[ks[0]][1] if len(ks) == 1 else -1
        dist, pred = _kernels.sssp(comp.indptr, comp.indices, w, origin, target)
        for k in ks:
            dv = pairs[k][1]
            if not np.isfinite(dist[dv]) or dist[dv] >= limit[k]:
                continue
            vp = path_vars(comp, pred, origin, dv, emap)
            found.append((k, vp))
            if len(ks) == 1 and n_detours:
                found += [
                    (k, d)
                    for d in detours(
                        model,
                        comp,
                        w,
                        emap,
                        vp,
                        tight,
                        a_ub_csc,
                        origin,
                        dv,
                        float(limit[k]),
                        n_detours,
                        ws,
                    )
                ]
    return found


def path_vars(comp: Any, pred: Any, origin: int, dest: int, emap: IntArray) -> IntArray:
    edges = []
    v = dest
    while v != origin:
        e = int(pred[v])
        edges.append(e)
        v = int(comp.tail[e])
    return emap[np.asarray(edges[::-1], dtype=np.int64)]


def column_entries(a_csc: sp.csc_matrix, cols: IntArray) -> tuple[IntArray, FloatArray]:
    """Row indices and values of the entries of columns ``cols`` of ``a_csc``, column by
    column (a gather on the CSC arrays: no sparse slicing in the hot loops)."""
    starts = a_csc.indptr[cols]
    lens = a_csc.indptr[np.asarray(cols) + 1] - starts
    n = int(lens.sum())
    idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(n)
    return a_csc.indices[idx], a_csc.data[idx]


def greedy_paths(
    model: AssignmentModel,
    pairs: list[Pair],
    group_vars: dict[int, IntArray],
    a_ub_csc: sp.csc_matrix,
) -> tuple[list[_Column], IntArray]:
    """Successive shortest paths on residual capacities: start columns and filled rows."""
    comp = model.comp
    a_ub = model.A_ub
    resid = model.b_ub.astype(np.float64).copy()
    w_var = model.c.astype(np.float64).copy()
    ws = _kernels.Workspace(comp.n_vertices)
    cols: list[_Column] = []
    filled: list[int] = []
    order = sorted(range(len(pairs)), key=lambda k: -pairs[k][2])
    for k in order:
        g, dv, remaining, byp = pairs[k]
        origin = int(model.group_origin_vertex[g])
        vars_g = group_vars[g]
        edges_g = model.var_edge[vars_g]
        emap = np.full(comp.n_edges, -1, dtype=np.int64)
        emap[edges_g] = vars_g
        penalty = float(model.c[byp])
        for _ in range(10_000):
            if remaining <= _EPS * max(1.0, pairs[k][2]):
                break
            w = np.full(comp.n_edges, np.inf)
            w[edges_g] = w_var[vars_g]
            d, path = _kernels.bidirectional(
                comp.indptr,
                comp.indices,
                comp.rev_indptr,
                comp.rev_edges,
                comp.tail,
                w,
                origin,
                dv,
                ws,
            )
            if not np.isfinite(d) or d >= penalty:
                break
            vars_p = emap[np.asarray(path, dtype=np.int64)]
            rows, vals = column_entries(a_ub_csc, vars_p)
            rows, inv = np.unique(rows, return_inverse=True)
            use = np.bincount(inv, weights=vals, minlength=len(rows))
            rows, use = rows[use > 0], use[use > 0]
            amount = min(remaining, float(np.min(resid[rows] / use))) if len(rows) else remaining
            cols.append((k, vars_p, float(model.c[vars_p].sum())))
            if amount <= 0:
                break
            resid[rows] -= amount * use
            remaining -= amount
            for r in rows[resid[rows] <= _EPS * np.maximum(model.b_ub[rows], 1.0)].tolist():
                filled.append(r)
                w_var[a_ub.indices[a_ub.indptr[r] : a_ub.indptr[r + 1]]] = np.inf
    return cols, np.unique(np.asarray(filled, dtype=np.int64))


def detours(
    model: AssignmentModel,
    comp: Any,
    w: FloatArray,
    emap: IntArray,
    vars_p: IntArray,
    tight: Any,
    a_ub_csc: sp.csc_matrix,
    origin: int,
    dest: int,
    limit: float,
    n: int,
    ws: Any,
) -> list[IntArray]:
    """Up to ``n`` more improving paths, each avoiding the tight rows of the last one.

    The optimum splits a pair's demand over many paths, one per combination of
    bottlenecks; pricing finds one per round. Blocking the arcs of the tight
    capacity rows the best path crosses and searching again finds the next
    bottleneck's path in the same round, which cuts the number of rounds.
    """
    out: list[IntArray] = []
    if not tight.any():
        return out
    w = w.copy()
    for _ in range(n):
        rows = column_entries(a_ub_csc, vars_p)[0]
        rows = rows[tight[rows]]
        if not len(rows):
            break
        a_ub = model.A_ub
        for r in np.unique(rows).tolist():
            blocked = model.var_edge[a_ub.indices[a_ub.indptr[r] : a_ub.indptr[r + 1]]]
            w[blocked[blocked >= 0]] = np.inf
        d, path = _kernels.bidirectional(
            comp.indptr,
            comp.indices,
            comp.rev_indptr,
            comp.rev_edges,
            comp.tail,
            w,
            origin,
            dest,
            ws,
        )
        if not np.isfinite(d) or d >= limit:
            break
        vars_p = emap[np.asarray(path, dtype=np.int64)]
        out.append(vars_p)
    return out


def pairs_of(
    model: AssignmentModel,
) -> tuple[list[Pair], dict[int, list[int]], dict[int, IntArray]]:
    """The model's origin-destination pairs, their indices by group, and each group's arcs."""
    comp = model.comp
    real = model.var_edge >= 0
    pairs: list[Pair] = []
    for j in np.flatnonzero(~real).tolist():
        node = int(model.var_dest[j])
        pairs.append(
            (
                int(model.var_group[j]),
                int(comp.destination_vertex[node]),
                float(model.bypass_demand[j]),
                j,
            )
        )
    by_group: dict[int, list[int]] = {}
    for k, p in enumerate(pairs):
        by_group.setdefault(p[0], []).append(k)
    group_vars = {g: np.flatnonzero(real & (model.var_group == g)) for g in by_group}
    return pairs, by_group, group_vars


def solve_by_paths(
    model: AssignmentModel, *, tol: float = 1e-9, max_rounds: int = 1000, n_detours: int = 4
) -> AssignmentSolution:
    """Solve an assignment model by column generation (see the module docstring)."""
    t0 = time.perf_counter()
    comp = model.comp
    a_ub_csc = model.A_ub.tocsc()
    a_ub_t = model.A_ub.T.tocsr()
    pairs, by_group, group_vars = pairs_of(model)

    master = _Master(model, pairs)
    ws = _kernels.Workspace(comp.n_vertices)
    start, filled = greedy_paths(model, pairs, group_vars, a_ub_csc)
    seen = {(c[0], *c[1].tolist()) for c in start}
    master.add_rows(filled)
    master.add_columns(start)
    n_solves = 0
    rounds = 0
    retried: list[str] = []
    while True:
        rounds += 1
        if rounds > max_rounds:
            return AssignmentSolution(
                "limit",
                f"limit: column generation did not converge in {max_rounds} rounds",
                np.nan,
                None,
                None,
                time.perf_counter() - t0,
            )
        # Re-solve the master, adding violated capacity rows until none is.
        primal = True
        while True:
            report = master.solve(primal=primal)
            primal = False
            n_solves += 1
            if report.fallbacks:
                retried.append(f"master solve {n_solves}: {'; '.join(report.fallbacks)}")
                log.info("assignment master solve %d: %s", n_solves, "; ".join(report.fallbacks))
            if report.status != "optimal":
                return AssignmentSolution(
                    report.status,
                    f"{report.message}{retried_note(retried[:-1])}",
                    np.nan,
                    None,
                    None,
                    time.perf_counter() - t0,
                )
            x = master.arc_flows(pairs)
            if not model.A_ub.shape[0]:
                break
            usage = model.A_ub @ x
            viol = np.flatnonzero(usage > model.b_ub * (1 + 1e-9) + 1e-7)
            viol = np.setdiff1d(viol, master.active)
            if not len(viol):
                break
            master.add_rows(viol)
        _, dem_dual, cap_dual = master.values()
        pi_full = np.zeros(model.A_ub.shape[0])
        pi_full[master.active] = cap_dual
        # Pricing: a path enters when it is cheaper than its pair's demand dual.
        rc = model.c - a_ub_t @ pi_full if len(master.active) else model.c
        limit = dem_dual * (1 - np.sign(dem_dual) * tol) - tol
        new: list[_Column] = []
        # Rows a path through which should make pricing look for a detour too.
        tight = np.zeros(model.A_ub.shape[0], dtype=bool)
        if len(tight):
            tight[master.active[cap_dual < -tol]] = True
        for k, vp in price(
            model, pairs, by_group, group_vars, rc, limit, tight, a_ub_csc, n_detours, ws
        ):
            key = (k, *vp.tolist())
            if key not in seen:
                seen.add(key)
                new.append((k, vp, float(model.c[vp].sum())))
        if not new:
            break
        master.add_columns(new)
    x = master.arc_flows(pairs)
    return AssignmentSolution(
        "optimal",
        f"optimal (column generation: {len(start)} greedy "
        f"paths, {rounds} rounds, {n_solves} master solves, "
        f"{len(master.cols)} paths, {len(master.active)} capacity rows)" + retried_note(retried),
        master.objective(),
        x,
        pi_full,
        time.perf_counter() - t0,
    )
