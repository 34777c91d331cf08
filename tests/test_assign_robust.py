"""The assignment's LP masters never end in ``error`` on a feasible model.

A restricted master always has an answer (the unmet-demand bypass), so a
master solve that fails is the solver's doing: the HiGHS adapter retries with
other algorithms, the arc master falls back to path columns, and the result's
message says what happened. The failures are forced through the adapter's run
seam, so these tests do not depend on HiGHS happening to stumble.
"""

from __future__ import annotations

import dataclasses

import highspy
import numpy as np
import pytest
from tests.strategies import make_network, node_id

from corridor_twin.data import load_corridor
from corridor_twin.flow._highs import HighsLp, status_of
from corridor_twin.flow._restricted import solve_by_arcs
from corridor_twin.flow.assign import AssignmentModel, Demand, build_assignment, solve_assignment


@pytest.fixture(scope="module")
def model() -> AssignmentModel:
    demand = [
        Demand("Xian", "Constanta", "container", 600_000),
        Demand("Almaty", "Istanbul", "container", 400_000),
        Demand("Kostanay", "Yerevan", "grain", 3_000_000),
    ]  # beyond the corridor's capacities: rows bind, so the masters are re-solved
    # (3 Mt of grain since the Aktau - Alat bulk carriers, 636 kt a year, joined the
    # network in December 2026; at 2 Mt the first master was already optimal)
    return build_assignment(load_corridor(), demand)


@pytest.fixture(scope="module")
def arc_optimum(model: AssignmentModel) -> float:
    sol = solve_assignment(model, method="full_lp")
    assert sol.status == "optimal"
    return sol.objective_value


def _fail(lp: HighsLp) -> None:
    """A run that leaves no solution: HiGHS reports the model status "Not Set"."""
    lp.h.clearSolver()


@pytest.mark.parametrize("method", ["restricted_arcs", "paths"])
def test_a_failed_master_solve_is_retried_from_scratch(
    monkeypatch: pytest.MonkeyPatch, model: AssignmentModel, arc_optimum: float, method: str
) -> None:
    runs = {"n": 0}
    real = HighsLp._call_run

    def flaky(self: HighsLp) -> None:
        runs["n"] += 1
        if runs["n"] == 2:  # the first warm re-solve
            _fail(self)
        else:
            real(self)

    monkeypatch.setattr(HighsLp, "_call_run", flaky)
    sol = solve_assignment(model, method=method)
    assert sol.status == "optimal"
    assert "retried: master solve 2:" in sol.message
    assert "'Not Set'" in sol.message
    assert "solved by dual simplex from scratch" in sol.message
    assert sol.objective_value == pytest.approx(arc_optimum, rel=1e-6)
    assert sol.x is not None
    assert np.all(model.A_ub @ sol.x <= model.b_ub * (1 + 1e-9) + 1e-6)


def test_an_arc_master_that_always_fails_falls_back_to_path_columns(
    monkeypatch: pytest.MonkeyPatch, model: AssignmentModel, arc_optimum: float
) -> None:
    made: list[HighsLp] = []
    real_init, real_run = HighsLp.__init__, HighsLp._call_run

    def init(self: HighsLp) -> None:
        real_init(self)
        made.append(self)

    def broken_first(self: HighsLp) -> None:
        (_fail if self is made[0] else real_run)(self)  # the arc master: every run fails

    monkeypatch.setattr(HighsLp, "__init__", init)
    monkeypatch.setattr(HighsLp, "_call_run", broken_first)
    sol = solve_assignment(model, method="restricted_arcs")
    assert sol.status == "optimal"
    assert len(made) == 2  # the arc master, then the path master
    assert "fell back to path column generation" in sol.message
    assert "primal simplex from scratch ended with HiGHS status 'Not Set'" in sol.message
    assert sol.message.startswith("optimal (column generation:")
    assert sol.objective_value == pytest.approx(arc_optimum, rel=1e-6)


def test_status_mapping() -> None:
    ms = highspy.HighsModelStatus
    assert status_of(ms.kOptimal) == "optimal"
    assert status_of(ms.kInfeasible) == "infeasible"
    assert status_of(ms.kUnbounded) == "unbounded"
    assert status_of(ms.kTimeLimit) == status_of(ms.kIterationLimit) == "limit"
    assert status_of(ms.kUnknown) == status_of(ms.kSolveError) == "error"


def test_the_first_solver_prints_no_banner(capfd: pytest.CaptureFixture[str]) -> None:
    lp = HighsLp()
    assert "HiGHS" not in capfd.readouterr().out
    assert repr(lp) == "<HighsLp 0 rows, 0 columns, 0 solves>"


def _grid_model(side: int, n_pairs: int, seed: int) -> AssignmentModel:
    """A congested two-way grid: many paths per pair, so early arcs go idle."""
    rng = np.random.default_rng(seed)
    links = []
    for i in range(side):
        for j in range(side):
            v = i * side + j
            if j + 1 < side:
                links.append((v, v + 1, float(rng.uniform(50, 150)), 60.0))
            if i + 1 < side:
                links.append((v, v + side, float(rng.uniform(50, 150)), 60.0))
    net = make_network(side * side, links, bidirectional=True)
    caps = rng.uniform(200, 800, len(net.links))
    net = net.replace(
        links=tuple(
            dataclasses.replace(lk, capacity_teu_per_year=float(c))
            for lk, c in zip(net.links, caps, strict=True)
        )
    )
    ends = rng.choice(side * side, size=(n_pairs, 2), replace=False)
    demand = [
        Demand(node_id(int(o)), node_id(int(d)), "container", float(rng.uniform(500, 1500)))
        for o, d in ends
    ]
    return build_assignment(net, demand, objective="cost", unmet_penalty_usd_per_unit=1e5)


@pytest.mark.parametrize("retire_after", [0, 1, 2])
def test_retiring_idle_arcs_keeps_the_arc_lp_optimum(retire_after: int) -> None:
    model = _grid_model(9, 12, seed=3)
    arc = solve_assignment(model, method="full_lp")
    sol = solve_by_arcs(model, retire_after=retire_after)
    assert arc.status == sol.status == "optimal"
    assert sol.objective_value == pytest.approx(arc.objective_value, rel=1e-7)
    assert sol.x is not None
    assert np.all(model.A_ub @ sol.x <= model.b_ub * (1 + 1e-9) + 1e-6)
    retired = int(sol.message.split(" arcs retired")[0].rsplit(" ", 1)[1])
    assert (retired > 0) == (retire_after > 0), sol.message
