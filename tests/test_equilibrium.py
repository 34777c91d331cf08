"""User-equilibrium assignment: Wardrop conditions, closed forms and limits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.optimize import brentq
from tests.strategies import make_network

from corridor_twin.data import load_corridor
from corridor_twin.errors import OptionError
from corridor_twin.flow.assign import Demand, assign, build_assignment, extract_assignment
from corridor_twin.flow.equilibrium import Congestion, solve_equilibrium
from corridor_twin.scenarios import load_bundled_demand


def _two_routes(caps, lengths):  # type: ignore[no-untyped-def]
    """Two parallel one-link routes N0 -> N1 at 50 km/h with TEU capacities."""
    net = make_network(2, [(0, 1, float(lengths[0]), 50.0), (0, 1, float(lengths[1]), 50.0)])
    links = tuple(
        dataclasses.replace(lk, capacity_teu_per_year=float(c))
        for lk, c in zip(net.links, caps, strict=True)
    )
    return net.replace(links=links)


@pytest.mark.parametrize(
    ("caps", "lengths", "amount"),
    [((100, 100), (100, 100), 150), ((100, 300), (100, 150), 500), ((50, 400), (100, 400), 120)],
)
def test_two_routes_match_the_closed_form_wardrop_split(caps, lengths, amount) -> None:
    net = _two_routes(caps, lengths)
    cong = Congestion(alpha=0.15, beta=4.0, reference_delay_h=24.0)
    model = build_assignment(net, [Demand("N0", "N1", "container", amount)], objective="time")
    sol = solve_equilibrium(model, congestion=cong, relative_gap=1e-8, max_iterations=5000)
    assert sol.status == "optimal"
    res = extract_assignment(model, sol)
    flows = res.link_flows.groupby("link")["flow_per_year"].sum()
    t0 = np.asarray(lengths, dtype=float) / 50.0

    def time_h(i: int, x: float) -> float:
        return float(t0[i] + cong.delay_h(np.asarray([x]), np.asarray([float(caps[i])]))[0])

    # Wardrop: both routes used at equal time, or all on one route that is no slower.
    if time_h(0, amount) <= time_h(1, 0.0):
        x0 = float(amount)
    elif time_h(1, amount) <= time_h(0, 0.0):
        x0 = 0.0
    else:
        x0 = brentq(lambda x: time_h(0, x) - time_h(1, amount - x), 0.0, float(amount), xtol=1e-12)
    assert flows.get("L0", 0.0) == pytest.approx(x0, rel=1e-3, abs=1e-3)
    assert flows.get("L1", 0.0) == pytest.approx(amount - x0, rel=1e-3, abs=1e-3)


def test_no_congestion_is_all_or_nothing_on_the_shortest_route() -> None:
    net = _two_routes((10, 10), (100, 150))
    model = build_assignment(net, [Demand("N0", "N1", "container", 1000)], objective="time")
    sol = solve_equilibrium(model, congestion=Congestion(alpha=0.0))
    res = extract_assignment(model, sol)
    assert set(res.link_flows["link"]) == {"L0"}
    assert res.totals["delay_unit_h"] == pytest.approx(0.0)


def test_light_demand_equals_the_system_optimum() -> None:
    # Far below every capacity, delays vanish and both models route on the cheapest path.
    net = load_corridor()
    demand = [Demand("Almaty", "Istanbul", "container", 10.0)]
    ue = assign(net, demand, method="equilibrium")
    so = assign(net, demand)
    assert ue.status == so.status == "optimal"
    assert ue.totals["cost_usd"] == pytest.approx(so.totals["cost_usd"], rel=1e-6)
    assert ue.totals["delay_unit_h"] < 1e-3


def test_bundled_demand_equilibrium_congests_the_caspian_ferries() -> None:
    res = assign(load_corridor(), load_bundled_demand().to_frame(), method="equilibrium")
    assert res.status == "optimal"
    assert res.totals["relative_gap"] <= 1e-4
    top = res.capacity_use.iloc[0]
    # a Caspian vessel service is the most used: an ASCO rail ferry or, since December
    # 2026, the Aktau - Alat bulk carriers
    assert top["id"].startswith(("S_ASCO_", "S_DRY_AKT_ALAT"))
    assert top["delay_h"] > 0
    # The system optimum never exceeds a capacity; the equilibrium (soft capacities) may.
    so = assign(load_corridor(), load_bundled_demand().to_frame())
    assert (so.capacity_use["utilisation"] <= 1 + 1e-9).all()
    assert res.capacity_use["utilisation"].max() > 1


def test_bad_options_and_objectives_are_reported() -> None:
    net = _two_routes((10, 10), (100, 150))
    model = build_assignment(net, [Demand("N0", "N1", "container", 5)], objective="cost")
    with pytest.raises(OptionError, match="values time"):
        solve_equilibrium(model)
    with pytest.raises(OptionError, match="alpha"):
        Congestion(alpha=-1.0)
    model = build_assignment(net, [Demand("N0", "N1", "container", 5)], objective="time")
    with pytest.raises(OptionError, match="relative_gap"):
        solve_equilibrium(model, relative_gap=0.0)


def test_iteration_limit_gives_a_status_not_an_exception() -> None:
    net = _two_routes((100, 300), (100, 150))
    model = build_assignment(net, [Demand("N0", "N1", "container", 500)], objective="time")
    sol = solve_equilibrium(model, relative_gap=1e-12, max_iterations=1)
    assert sol.status == "limit"
    assert sol.x is None
    assert "max_iterations" in sol.message


def test_cli_equilibrium_prints_congestion_and_rejects_cost_objective(capsys) -> None:  # type: ignore[no-untyped-def]
    from corridor_twin.cli import main

    assert main(["assign", "--method", "equilibrium", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "user equilibrium" in out
    assert "S_ASCO_" in out or "S_DRY_AKT_ALAT" in out  # the Caspian vessels
    assert main(["assign", "--method", "equilibrium", "--objective", "cost"]) == 2
    assert "needs --objective" in capsys.readouterr().err
