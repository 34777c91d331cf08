"""The assignment LP's shared types: demand rows, the built model, a solver's answer.

They sit below both the front module (:mod:`corridor_twin.flow.assign`) and the
solvers (:mod:`._paths`, :mod:`._restricted`, :mod:`.equilibrium`), so every
import points down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from corridor_twin._typing import FloatArray, IntArray
from corridor_twin.network.compiled import CompiledNetwork

__all__ = ["AssignmentModel", "AssignmentSolution", "Demand", "no_demand_solution"]


@dataclass(frozen=True)
class Demand:
    """Annual demand between two nodes, in the commodity's unit (TEU or t) per year."""

    origin: str
    destination: str
    commodity: str
    amount_per_year: float


@dataclass(frozen=True, eq=False)
class AssignmentModel:
    """The built LP: ``min c x`` s.t. ``A_eq x = b_eq``, ``A_ub x <= b_ub``, ``x >= 0``.

    Variables are the flows ``x[g, e]`` of each group on its usable edges
    (``var_group``, ``var_edge``; ``var_edge == -1`` marks an unmet-demand
    bypass for destination ``var_dest``), then nothing else. ``ub_names``
    names each capacity row as (kind, id, unit).
    """

    comp: CompiledNetwork
    demand: tuple[Demand, ...]
    groups: tuple[tuple[str, str, str], ...]  # (commodity, origin node, destination country)
    group_unit: tuple[str, ...]
    group_t_per_unit: FloatArray
    c: FloatArray
    A_eq: sp.csr_matrix
    b_eq: FloatArray
    A_ub: sp.csr_matrix
    b_ub: FloatArray
    ub_names: tuple[tuple[str, str, str], ...]
    var_group: IntArray
    var_edge: IntArray
    var_dest: IntArray
    var_time_h: FloatArray
    var_cost_usd: FloatArray
    var_co2e_kg: FloatArray
    group_origin_vertex: IntArray
    bypass_demand: FloatArray
    objective: str
    unmet_penalty_usd_per_unit: float

    @property
    def n_variables(self) -> int:
        """Number of LP variables."""
        return int(self.c.shape[0])

    def __repr__(self) -> str:
        return (
            f"<AssignmentModel {len(self.groups)} groups, {self.n_variables} variables, "
            f"{self.A_eq.shape[0]} balance rows, {self.A_ub.shape[0]} capacity rows>"
        )


@dataclass(frozen=True, eq=False)
class AssignmentSolution:
    """What the solver returned.

    ``status`` is one of {optimal, infeasible, unbounded, limit, error}; for
    anything but ``optimal`` the ``message`` explains it and ``x`` is None.
    """

    status: str
    message: str
    objective_value: float
    x: FloatArray | None
    capacity_duals: FloatArray | None
    solve_s: float = 0.0
    totals: dict[str, float] = field(default_factory=dict)
    capacity_delay_h: FloatArray | None = None


def no_demand_solution(model: AssignmentModel) -> AssignmentSolution:
    """The (optimal, empty) answer of a model with no variable: nothing to assign."""
    return AssignmentSolution(
        "optimal", "no demand to assign", 0.0, np.zeros(0), np.zeros(model.A_ub.shape[0])
    )
