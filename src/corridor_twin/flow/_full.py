"""The whole arc-based assignment LP handed to HiGHS at once (method ``"full_lp"``).

The reference the column-generation methods are checked against: exact, but
its size grows with groups x edges, so it is slow on large networks.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from corridor_twin.flow._lp import AssignmentModel, AssignmentSolution, no_demand_solution

__all__ = ["solve_full_lp"]


def solve_full_lp(
    model: AssignmentModel, *, time_limit_s: float | None = None
) -> AssignmentSolution:
    """Solve the whole LP with ``scipy.optimize.linprog(method="highs")``.

    ``time_limit_s`` stops HiGHS (status ``limit``); failures are reported in
    the status and message, never raised.
    """
    # scipy.optimize is heavy to import (about 0.4 s) and only this solver needs it.
    from scipy.optimize import linprog

    if model.n_variables == 0:
        return no_demand_solution(model)
    options: dict[str, Any] = {"presolve": True}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    t0 = time.perf_counter()
    try:
        res = linprog(
            model.c,
            A_ub=model.A_ub if model.A_ub.shape[0] else None,
            b_ub=model.b_ub if model.A_ub.shape[0] else None,
            A_eq=model.A_eq,
            b_eq=model.b_eq,
            bounds=(0, None),
            method="highs",
            options=options,
        )
    except (ValueError, MemoryError) as exc:
        return AssignmentSolution(
            "error",
            f"the solver could not run: {exc}",
            np.nan,
            None,
            None,
            time.perf_counter() - t0,
        )
    elapsed = time.perf_counter() - t0
    status = {0: "optimal", 1: "limit", 2: "infeasible", 3: "unbounded"}.get(res.status, "error")
    if status != "optimal":
        hint = {
            "infeasible": "the demand cannot be balanced even with the unmet-demand bypass; "
            "check for negative capacities or inconsistent demand",
            "unbounded": "some flow cost is negative, so cost can fall without limit; check "
            "tariffs and the objective",
            "limit": "the time or iteration limit stopped the solver; raise time_limit_s",
        }.get(status, "the solver reported a numerical failure")
        return AssignmentSolution(
            status, f"{status}: {hint} (HiGHS: {res.message})", np.nan, None, None, elapsed
        )
    duals = np.asarray(res.ineqlin.marginals) if model.A_ub.shape[0] else np.zeros(0)
    return AssignmentSolution(
        "optimal", str(res.message), float(res.fun), np.asarray(res.x), duals, elapsed
    )
