"""A small adapter over highspy's public API for the assignment's restricted masters.

Both column generations (:mod:`corridor_twin.flow._paths` and
:mod:`corridor_twin.flow._restricted`) keep one LP in HiGHS between solves,
add rows and columns to it and re-solve it, warm from the previous basis or
from scratch with presolve (:meth:`HighsLp.solve`). This module is the only
place in the masters that talks to ``highspy``: :class:`HighsLp` holds the
model, :func:`status_of` maps a HiGHS model status to the package's
assignment statuses {optimal, infeasible, unbounded, limit, error}.

A solve never gives up on the first failure. A restricted master always has
a feasible, bounded answer (every pair keeps its unmet-demand bypass and no
cost is negative), so anything but "optimal" is the solver losing its way
(HiGHS sometimes stops a degenerate dual simplex with status "Unknown").
:meth:`HighsLp.solve` then starts again from scratch with another
algorithm: dual simplex, interior point with crossover, primal simplex, in
that order, and says in its :class:`SolveReport` what it retried and why.

Notes
-----
Warm dual simplex re-solves use Devex pricing, not HiGHS's default dual
steepest edge: after new rows the steepest-edge weights are recomputed from
scratch, one backward solve per row, which on masters of 30,000 rows cost
seconds even when the re-solve needs a handful of pivots.

Examples
--------
>>> import numpy as np
>>> import scipy.sparse as sp
>>> lp = HighsLp()
>>> lp.add_rows(np.array([1.0]), np.array([1.0]), sp.csr_matrix((1, 0)))
>>> lp.add_cols(np.array([2.0, 3.0]), np.zeros(2), np.full(2, np.inf),
...             sp.csc_matrix(np.ones((1, 2))))
>>> report = lp.solve(start="auto")
>>> report.status, lp.objective()
('optimal', 2.0)
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from typing import Any, Literal

import highspy
import numpy as np
import scipy.sparse as sp

from corridor_twin._typing import FloatArray

__all__ = ["HighsLp", "SolveReport", "Start", "status_of"]

Start = Literal["auto", "primal", "dual", "ipm"]

_MS = highspy.HighsModelStatus
_STATUS = {
    _MS.kOptimal: "optimal",
    _MS.kInfeasible: "infeasible",
    _MS.kUnbounded: "unbounded",
    _MS.kUnboundedOrInfeasible: "infeasible",
    _MS.kTimeLimit: "limit",
    _MS.kIterationLimit: "limit",
}
_NO_PIVOT_LIMIT = 2**31 - 1
_DEVEX = 1  # HiGHS simplex_dual_edge_weight_strategy: Devex
_banner_lock = threading.Lock()
_banner_done = False


def status_of(model_status: Any) -> str:
    """The assignment status of a HiGHS model status: {optimal, infeasible, unbounded,
    limit, error}.

    Examples
    --------
    >>> import highspy
    >>> status_of(highspy.HighsModelStatus.kOptimal), status_of(highspy.HighsModelStatus.kUnknown)
    ('optimal', 'error')
    """
    return _STATUS.get(model_status, "error")


def _new_highs() -> highspy.Highs:
    """A silent ``highspy.Highs``.

    HiGHS prints its banner to the C-level standard output once per process,
    when the first ``Highs`` object is made, before any option can be set; a
    command writing JSON to stdout must not get it, so the first construction
    runs with file descriptor 1 pointed at the null device.
    """
    global _banner_done
    with _banner_lock:
        if _banner_done:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "wb") as null:
                    os.dup2(null.fileno(), 1)
                    h = highspy.Highs()  # type: ignore[no-untyped-call]
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_done = True
    h.setOptionValue("output_flag", False)
    return h


@dataclass(frozen=True)
class SolveReport:
    """Outcome of :meth:`HighsLp.solve`.

    ``status`` is one of {optimal, infeasible, unbounded, limit, error};
    ``message`` says why when it is not optimal; ``fallbacks`` lists, in
    order, each attempt that failed and the one that then succeeded (empty
    when the first attempt did).
    """

    status: str
    message: str
    fallbacks: tuple[str, ...] = ()


class HighsLp:
    """One LP ``min c x`` s.t. ``lower <= A x <= upper``, column bounds, kept in HiGHS.

    Rows and columns are only ever appended; every re-solve starts from the
    previous basis.
    """

    def __init__(self) -> None:
        self.h = _new_highs()
        self.n_rows = 0
        self.n_cols = 0
        self.solved = False
        self.n_solves = 0

    def __repr__(self) -> str:
        return f"<HighsLp {self.n_rows} rows, {self.n_cols} columns, {self.n_solves} solves>"

    def add_rows(self, lower: FloatArray, upper: FloatArray, matrix: sp.csr_matrix) -> None:
        """Append rows ``lower <= matrix @ x <= upper`` (``matrix``: rows x current columns;
        ``inf`` bounds allowed)."""
        m = len(lower)
        if not m:
            return
        mat = sp.csr_matrix(matrix)
        mat.sort_indices()
        self.h.addRows(
            m,
            _finite(lower),
            _finite(upper),
            mat.nnz,
            mat.indptr[:-1].astype(np.int32),
            mat.indices.astype(np.int32),
            mat.data.astype(np.float64),
        )
        self.n_rows += m

    def add_cols(
        self, cost: FloatArray, lower: FloatArray, upper: FloatArray, matrix: sp.csc_matrix
    ) -> None:
        """Append columns with costs, bounds and coefficients (``matrix``: current rows x
        new columns)."""
        m = len(cost)
        if not m:
            return
        mat = sp.csc_matrix(matrix)
        mat.sort_indices()
        self.h.addCols(
            m,
            np.asarray(cost, dtype=np.float64),
            _finite(lower),
            _finite(upper),
            mat.nnz,
            mat.indptr[:-1].astype(np.int32),
            mat.indices.astype(np.int32),
            mat.data.astype(np.float64),
        )
        self.n_cols += m

    def delete_cols(self, cols: Any) -> None:
        """Delete columns (indices into the current columns); the others keep their
        order and move up to close the gaps."""
        cols = np.unique(np.asarray(cols, dtype=np.int32))
        if not len(cols):
            return
        self.h.deleteCols(len(cols), cols)
        self.n_cols -= len(cols)

    def solve(self, *, start: Start = "auto", pivot_limit: int | None = None) -> SolveReport:
        """Solve, warm from the previous basis where that pays, falling back on failure.

        Parameters
        ----------
        start
            ``primal``: primal simplex from the previous basis (after new
            columns it stays primal feasible); ``dual``: dual simplex from it
            (after new rows it stays dual feasible); ``auto``: HiGHS's choice of
            simplex from it; ``ipm``: interior point from scratch. The first
            solve is always interior point from scratch.
        pivot_limit
            Pivots a warm simplex may take before an interior point solve from
            scratch takes over (degenerate rounds); None for no limit.

        Notes
        -----
        A cold solve runs HiGHS's presolve (which on an arc master removes the
        many chains of path vertices with one arc in and one out) and interior
        point with crossover, which leaves a basis for the next warm start;
        without presolve the interior point method takes 4 to 15 times as long
        on these masters.
        """
        self.n_solves += 1
        if not self.solved or start == "ipm":
            first = "interior point from scratch"
            status = self._run("interior point", warm=False, pivot_limit=None)
        else:
            first = {"auto": "simplex", "primal": "primal simplex", "dual": "dual simplex"}[start]
            status = self._run(first, warm=True, pivot_limit=pivot_limit)
            first += " from the previous basis"
            if status == "limit" and pivot_limit is not None:
                first += f" to {pivot_limit} pivots, then interior point from scratch"
                status = self._run("interior point", warm=False, pivot_limit=None)
        failed: list[str] = []
        if status != "optimal":
            failed.append(f"{first} ended with HiGHS status {self._ms()!r}")
            for algorithm in ("dual simplex", "interior point", "primal simplex"):
                status = self._run(algorithm, warm=False, pivot_limit=None)
                if status == "optimal":
                    failed.append(f"solved by {algorithm} from scratch")
                    break
                failed.append(f"{algorithm} from scratch ended with HiGHS status {self._ms()!r}")
        self.solved = self.solved or status == "optimal"
        if status == "optimal":
            return SolveReport("optimal", "", tuple(failed))
        return SolveReport(
            status, f"{status}: the LP solver failed ({'; '.join(failed)})", tuple(failed)
        )

    def _ms(self) -> str:
        return str(self.h.modelStatusToString(self.h.getModelStatus()))

    def _run(self, algorithm: str, *, warm: bool, pivot_limit: int | None) -> str:
        """One HiGHS run of ``algorithm``, from the previous basis (``warm``) or from
        scratch with presolve; the assignment status of its outcome."""
        h = self.h
        if not warm:
            h.clearSolver()  # drops the basis: HiGHS presolves only without one
        h.setOptionValue("presolve", "off" if warm else "on")
        if algorithm == "interior point":
            h.setOptionValue("solver", "ipm")
            h.setOptionValue("run_crossover", "on")
        else:
            h.setOptionValue("solver", "simplex")
            h.setOptionValue(
                "simplex_strategy",
                {"simplex": 0, "dual simplex": 1, "primal simplex": 4}[algorithm],
            )
            # Devex from a basis (see the module notes); from scratch HiGHS's choice.
            h.setOptionValue("simplex_dual_edge_weight_strategy", _DEVEX if warm else -1)
        h.setOptionValue(
            "simplex_iteration_limit", _NO_PIVOT_LIMIT if pivot_limit is None else int(pivot_limit)
        )
        try:
            self._call_run()
        finally:
            h.setOptionValue("simplex_iteration_limit", _NO_PIVOT_LIMIT)
        return status_of(h.getModelStatus())

    def _call_run(self) -> None:
        """The HiGHS run itself (a seam: tests replace it to make a solve fail)."""
        self.h.run()

    def values(self) -> tuple[FloatArray, FloatArray]:
        """Column values and row duals of the last solution."""
        sol = self.h.getSolution()
        return (
            np.asarray(sol.col_value, dtype=np.float64),
            np.asarray(sol.row_dual, dtype=np.float64),
        )

    def objective(self) -> float:
        """Objective value of the last solution."""
        return float(self.h.getInfo().objective_function_value)


def _finite(a: Any) -> FloatArray:
    """Bounds for HiGHS: +-inf as HiGHS's infinity."""
    out = np.asarray(a, dtype=np.float64).copy()
    out[np.isposinf(out)] = highspy.kHighsInf
    out[np.isneginf(out)] = -highspy.kHighsInf
    return out
