"""Arc-restricted column generation for the assignment LP (shortest-path pricing).

The restricted master is the full arc LP of
:func:`~corridor_twin.flow.assign.build_assignment` cut down to the arc
variables of the paths found so far (plus every unmet-demand bypass), the
balance rows those variables touch and the capacity rows that can bind. Unlike
a path master it stays as sparse as the network (two balance entries and a
capacity entry or two per column), and it may combine the arcs of different
paths into new ones, so it needs fewer rounds.

1. **Greedy start** (:func:`corridor_twin.flow._paths.greedy_paths`):
   successive shortest paths on residual capacities give the first arcs and
   the capacity rows that fill.
2. **Master**: one persistent HiGHS model
   (:class:`~corridor_twin.flow._highs.HighsLp`); rows and columns are only
   added. After a round that adds many (violated capacity rows, or new arcs
   beyond ``few_cols`` of the master's columns) it is solved from scratch by
   HiGHS's presolve and interior point with crossover: on these degenerate
   masters a warm simplex would pivot for minutes (at 60 commodities, 20,000
   pivots and more after a round of 4,000 new arcs), while presolve removes
   the chains of path vertices with one arc in and one out. After a small
   round it is re-solved warm: primal simplex after new arcs, dual simplex
   (Devex pricing) after up to ``few_rows`` new rows.
3. **Rows** (row generation): capacity rows the master's flows violate join
   the master; a few of them are added and the master re-solved at once,
   many are added together with the round's new arcs.
4. **Retirement**: an arc column that carried nothing in the last two master
   solves leaves the master (each arc at most once, so the method still ends).
   Most arcs of early paths carry nothing at the optimum, and a master solved
   from scratch each round pays for every column it holds: at 100 commodities
   on the 10,000-node benchmark network the master stays near 50,000 arcs
   instead of growing to 130,000, and the solve takes less than half the CPU
   time, in more rounds.
5. **Pricing** (column generation): for each group (origin), one
   shortest-path tree on the arc costs less the capacity duals,
   ``c - A_ub^T pi``; a destination whose distance is below
   ``y[origin] - y[destination]`` (the balance-row duals) gets the path's
   arcs, and a few detours around its tight rows.

When no path prices out and no capacity is violated, the balance and capacity
duals extended by the shortest-path distances are feasible for the full LP,
so the restricted optimum is the full optimum (same objective, arc flows and
capacity duals).

A master solve that fails (HiGHS sometimes stops a degenerate dual simplex
with status "Unknown") is retried from scratch with other algorithms by the
adapter; if every algorithm fails, the model is solved by path column
generation (:mod:`corridor_twin.flow._paths`) instead. The result's message
says which solves were retried and how; the status is never ``error`` for
want of a retry.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp

import corridor_twin.routing._kernels as _kernels
from corridor_twin._typing import FloatArray, IntArray
from corridor_twin.flow._highs import HighsLp, SolveReport, Start
from corridor_twin.flow._lp import AssignmentModel, AssignmentSolution
from corridor_twin.flow._paths import (
    greedy_paths,
    pairs_of,
    price,
    retried_note,
    solve_by_paths,
)

__all__ = ["solve_by_arcs"]

log = logging.getLogger(__name__)


class _ArcMaster:
    """The restricted arc LP in one HiGHS model.

    Master rows are balance rows (of ``model.A_eq``) and capacity rows (of
    ``model.A_ub``) in the order they were added; master columns are arc or
    bypass variables of the model in the order they were added.
    """

    def __init__(self, model: AssignmentModel) -> None:
        self.lp = HighsLp()
        self.model = model
        self.a_eq_csc = model.A_eq.tocsc()
        self.a_ub = model.A_ub.tocsr()
        self.a_ub_csc = model.A_ub.tocsc()
        self.eq_row = np.full(model.A_eq.shape[0], -1, dtype=np.int64)  # model row -> master row
        self.ub_row = np.full(model.A_ub.shape[0], -1, dtype=np.int64)
        self.col = np.full(model.n_variables, -1, dtype=np.int64)  # model var -> master col
        self.vars: list[int] = []
        self.rows_eq: list[int] = []
        self.rows_ub: list[int] = []
        self.n_rows = 0
        self.solved = False
        self.zero_solves = np.zeros(0, dtype=np.int64)  # per master column: solves at zero
        self.is_arc = np.zeros(0, dtype=bool)  # per master column: an arc, not a bypass
        self.n_retired = 0
        self.was_retired = np.zeros(model.n_variables, dtype=bool)  # model var: retired once

    @property
    def active(self) -> IntArray:
        return np.asarray(self.rows_ub, dtype=np.int64)

    def add_vars(self, new_vars: IntArray) -> int:
        """Add model variables (with the balance rows they touch); return how many were new."""
        new_vars = np.unique(new_vars)
        new_vars = new_vars[self.col[new_vars] < 0]
        if not len(new_vars):
            return 0
        touched = np.unique(self.a_eq_csc[:, new_vars].indices)
        fresh = touched[self.eq_row[touched] < 0]
        if len(fresh):
            b = self.model.b_eq[fresh]
            self.lp.add_rows(b, b, sp.csr_matrix((len(fresh), len(self.vars))))
            self.eq_row[fresh] = self.n_rows + np.arange(len(fresh))
            self.n_rows += len(fresh)
            self.rows_eq.extend(fresh.tolist())
        block = self.a_eq_csc[:, new_vars].tocoo()
        rows = [self.eq_row[block.row]]
        cols = [block.col]
        vals = [block.data]
        if self.rows_ub:
            ub = self.a_ub_csc[:, new_vars].tocoo()
            keep = self.ub_row[ub.row] >= 0
            rows.append(self.ub_row[ub.row[keep]])
            cols.append(ub.col[keep])
            vals.append(ub.data[keep])
        m = len(new_vars)
        mat = sp.csc_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(self.n_rows, m),
        )
        self.lp.add_cols(self.model.c[new_vars], np.zeros(m), np.full(m, np.inf), mat)
        self.col[new_vars] = len(self.vars) + np.arange(m)
        self.vars.extend(new_vars.tolist())
        self.zero_solves = np.concatenate([self.zero_solves, np.zeros(m, dtype=np.int64)])
        self.is_arc = np.concatenate([self.is_arc, self.model.var_edge[new_vars] >= 0])
        return m

    def retire(self, after: int) -> int:
        """Delete the arc columns (never a bypass) that were zero in each of the last
        ``after`` solves, each arc at most once; return how many.

        Most arcs of the paths priced in early rounds carry nothing at the optimum, yet
        every solve from scratch pays for them. An arc retired too early prices out
        again and comes back, for good: retiring each arc once at most bounds the
        retirements, so column generation still ends. Pricing is over all arcs, so the
        optimality proof does not depend on which arcs the master holds."""
        if not after or not self.vars:
            return 0
        old = np.asarray(self.vars, dtype=np.int64)
        gone = np.flatnonzero(self.is_arc & (self.zero_solves >= after) & ~self.was_retired[old])
        if not len(gone):
            return 0
        self.lp.delete_cols(gone)
        keep = np.ones(len(self.vars), dtype=bool)
        keep[gone] = False
        self.was_retired[old[gone]] = True
        self.col[old[gone]] = -1
        kept = old[keep]
        self.col[kept] = np.arange(len(kept))
        self.vars = kept.tolist()
        self.zero_solves = self.zero_solves[keep]
        self.is_arc = self.is_arc[keep]
        self.n_retired += len(gone)
        return len(gone)

    def add_rows(self, rows: IntArray) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        rows = rows[self.ub_row[rows] < 0]
        if not len(rows):
            return
        sub = self.a_ub[rows].tocoo()
        keep = self.col[sub.col] >= 0
        mat = sp.csr_matrix(
            (sub.data[keep], (sub.row[keep], self.col[sub.col[keep]])),
            shape=(len(rows), len(self.vars)),
        )
        self.lp.add_rows(np.full(len(rows), -np.inf), self.model.b_ub[rows], mat)
        self.ub_row[rows] = self.n_rows + np.arange(len(rows))
        self.n_rows += len(rows)
        self.rows_ub.extend(rows.tolist())

    def solve(self, start: Start, pivot_limit: int) -> SolveReport:
        """Solve: ``ipm`` from scratch (presolved interior point), ``primal`` simplex
        from the previous basis after a few new columns, ``dual`` after a few new rows
        (interior point takes over when a warm start needs too many pivots); the
        adapter falls back to other algorithms on failure."""
        return self.lp.solve(start=start, pivot_limit=pivot_limit)

    def solution(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Model-space arc flows, balance-row duals and capacity-row duals of the last
        solve (call once per solve: it also counts the solves each column sat at zero,
        for :meth:`retire`)."""
        colv, dual = self.lp.values()
        at_zero = colv <= 1e-9 * max(1.0, float(np.abs(colv).max(initial=0.0)))
        self.zero_solves = np.where(at_zero, self.zero_solves + 1, 0)
        x = np.zeros(self.model.n_variables)
        x[np.asarray(self.vars, dtype=np.int64)] = colv
        y = np.zeros(self.model.A_eq.shape[0])
        y[np.asarray(self.rows_eq, dtype=np.int64)] = dual[self.eq_row[self.rows_eq]]
        pi = np.zeros(self.model.A_ub.shape[0])
        if self.rows_ub:
            pi[self.active] = dual[self.ub_row[self.active]]
        return x, y, pi

    def objective(self) -> float:
        return self.lp.objective()


def solve_by_arcs(
    model: AssignmentModel,
    *,
    tol: float = 1e-9,
    max_rounds: int = 1000,
    n_detours: int = 4,
    few_rows: int = 50,
    few_cols: float = 0.02,
    warm_pivots: int = 0,
    retire_after: int = 2,
) -> AssignmentSolution:
    """Solve an assignment model by arc-restricted column generation (module docstring).

    ``tol``: relative reduced-cost tolerance of pricing; ``max_rounds``: rounds before
    status ``limit``; ``n_detours``: extra paths per pair and round around its tight
    rows; ``few_rows``: at most this many new violated rows are added and the master
    re-solved warm before pricing; ``few_cols``: a round adding more new arcs than
    this share of the master's columns (or any rows) is followed by a solve from
    scratch instead of a warm one; ``warm_pivots``: pivots a warm simplex may take
    before a solve from scratch takes over (0: always from scratch); ``retire_after``:
    an arc column at zero in this many consecutive master solves leaves the master
    (0: never).
    """
    t0 = time.perf_counter()
    comp = model.comp
    pairs, by_group, group_vars = pairs_of(model)
    a_ub_csc = model.A_ub.tocsc()
    a_ub_t = model.A_ub.T.tocsr()
    a_eq_csc = model.A_eq.tocsc()
    # Balance rows of each pair's origin and destination (from its bypass column).
    o_row = np.empty(len(pairs), dtype=np.int64)
    d_row = np.empty(len(pairs), dtype=np.int64)
    for k, p in enumerate(pairs):
        lo, hi = a_eq_csc.indptr[p[3]], a_eq_csc.indptr[p[3] + 1]
        rows, vals = a_eq_csc.indices[lo:hi], a_eq_csc.data[lo:hi]
        o_row[k], d_row[k] = rows[vals > 0][0], rows[vals < 0][0]
    master = _ArcMaster(model)
    start, filled = greedy_paths(model, pairs, group_vars, a_ub_csc)
    master.add_vars(np.asarray([p[3] for p in pairs], dtype=np.int64))
    if start:
        master.add_vars(np.concatenate([c[1] for c in start]))
    master.add_rows(filled)
    ws = _kernels.Workspace(comp.n_vertices)
    n_solves = 0
    rounds = 0
    how: Start = "ipm"
    retried: list[str] = []
    pi = np.zeros(model.A_ub.shape[0])
    c0 = time.process_time()
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
        report = master.solve(how, warm_pivots)
        n_solves += 1
        if report.fallbacks:
            retried.append(f"master solve {n_solves}: {'; '.join(report.fallbacks)}")
            log.info("assignment master solve %d: %s", n_solves, "; ".join(report.fallbacks))
        if report.status != "optimal":
            return _fall_back(model, report, retried, t0)
        x, y, pi = master.solution()
        objective = master.objective()
        viol = np.zeros(0, dtype=np.int64)
        if model.A_ub.shape[0]:
            viol = np.flatnonzero(model.A_ub @ x > model.b_ub * (1 + 1e-9) + 1e-7)
            viol = viol[master.ub_row[viol] < 0]
        if 0 < len(viol) <= few_rows and warm_pivots:
            # A few violated rows: add them and re-solve warm before pricing again.
            master.add_rows(viol)
            how = "dual"
            continue
        rc = model.c - a_ub_t @ pi if len(master.rows_ub) else model.c
        limit = y[o_row] - y[d_row]
        limit = limit - tol * np.maximum(1.0, np.abs(limit))
        tight = np.zeros(model.A_ub.shape[0], dtype=bool)
        if len(tight):
            tight[pi < -tol] = True
        new = [
            vp
            for _, vp in price(
                model, pairs, by_group, group_vars, rc, limit, tight, a_ub_csc, n_detours, ws
            )
        ]
        retired = master.retire(retire_after)
        n_cols = len(master.vars)
        added = master.add_vars(np.concatenate(new)) if new else 0
        master.add_rows(viol)
        log.debug(
            "round %d: %d master solves, objective %.6g, %d arc variables (+%d, -%d), "
            "%d capacity rows (+%d), %.1f s (%.1f s CPU)",
            rounds,
            n_solves,
            objective,
            len(master.vars),
            added,
            retired,
            len(master.rows_ub),
            len(viol),
            time.perf_counter() - t0,
            time.process_time() - c0,
        )
        if not added and not len(viol):
            break
        # Many new rows or columns: a warm simplex would pivot for long through the
        # degenerate master, a presolved interior point solve from scratch is faster.
        small = not len(viol) and added <= few_cols * n_cols
        how = "primal" if small and warm_pivots else "ipm"
    return AssignmentSolution(
        "optimal",
        f"optimal (arc-restricted column generation: "
        f"{len(start)} greedy paths, {rounds} rounds, {n_solves} master "
        f"solves, {len(master.vars)} of {model.n_variables} arc variables, "
        f"{len(master.rows_ub)} capacity rows, {master.n_retired} arcs retired)"
        + retried_note(retried),
        objective,
        x,
        pi,
        time.perf_counter() - t0,
    )


def _fall_back(
    model: AssignmentModel, report: SolveReport, retried: list[str], t0: float
) -> AssignmentSolution:
    """Every algorithm failed on the arc master: solve with path columns instead."""
    why = f"arc-restricted master failed ({report.message}){retried_note(retried[:-1])}"
    log.warning("assignment: %s; falling back to path column generation", why)
    sol = solve_by_paths(model)
    return AssignmentSolution(
        sol.status,
        f"{sol.message}; fell back to path column generation: {why}",
        sol.objective_value,
        sol.x,
        sol.capacity_duals,
        time.perf_counter() - t0,
        sol.totals,
        sol.capacity_delay_h,
    )
