"""Multi-commodity assignment LP: cross-checks against networkx and invariants."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import make_network, node_id

from corridor_twin.data import load_corridor
from corridor_twin.errors import DataError
from corridor_twin.flow.assign import (
    Demand,
    assign,
    build_assignment,
    extract_assignment,
    solve_assignment,
)
from corridor_twin.network.schema import MODES


def _with_caps_and_tariffs(net, caps, tariffs):  # type: ignore[no-untyped-def]
    links = tuple(
        dataclasses.replace(lk, capacity_teu_per_year=float(c), cost_usd_per_teu=float(t))
        for lk, c, t in zip(net.links, caps, tariffs, strict=True)
    )
    return net.replace(links=links)


@st.composite
def flow_cases(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(3, 9))
    m = draw(st.integers(n, 3 * n))
    links = []
    for _ in range(m):
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(0, n - 1).filter(lambda x, a=a: x != a))
        links.append((a, b, 100.0, 50.0))
    caps = draw(st.lists(st.integers(1, 20), min_size=m, max_size=m))
    tariffs = draw(st.lists(st.integers(0, 9), min_size=m, max_size=m))
    sinks = draw(st.lists(st.integers(1, n - 1), min_size=1, max_size=3, unique=True))
    amounts = draw(st.lists(st.integers(1, 10), min_size=len(sinks), max_size=len(sinks)))
    return n, links, caps, tariffs, dict(zip(sinks, amounts, strict=True))


def _nx_reference(n, links, caps, tariffs, sinks):  # type: ignore[no-untyped-def]
    """networkx min-cost flow with a penalised bypass, built from the records."""
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(i, demand=0)
    for (a, b, *_), c, t in zip(links, caps, tariffs, strict=True):
        g.add_edge(a, b, capacity=c, weight=t)
    penalty = 10_000
    for s, amount in sinks.items():
        g.add_edge(0, s, capacity=amount, weight=penalty)  # unmet demand
        g.nodes[s]["demand"] += amount
        g.nodes[0]["demand"] -= amount
    cost, _ = nx.network_simplex(g)
    return cost, penalty


@settings(max_examples=40, deadline=None)
@given(flow_cases())
def test_single_commodity_matches_networkx_min_cost_flow(case) -> None:  # type: ignore[no-untyped-def]
    n, links, caps, tariffs, sinks = case
    net = _with_caps_and_tariffs(make_network(n, links), caps, tariffs)
    demand = [Demand(node_id(0), node_id(s), "container", a) for s, a in sinks.items()]
    ref_cost, penalty = _nx_reference(n, links, caps, tariffs, sinks)
    res = assign(net, demand, objective="cost", unmet_penalty_usd_per_unit=penalty)
    assert res.status == "optimal"
    assert res.objective_value == pytest.approx(ref_cost, rel=1e-6, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(flow_cases())
def test_invariants_capacity_conservation_unmet(case) -> None:  # type: ignore[no-untyped-def]
    n, links, caps, tariffs, sinks = case
    net = _with_caps_and_tariffs(make_network(n, links), caps, tariffs)
    demand = [Demand(node_id(0), node_id(s), "container", a) for s, a in sinks.items()]
    model = build_assignment(net, demand, objective="cost")
    sol = solve_assignment(model)
    assert sol.status == "optimal"
    x = sol.x
    assert x is not None
    assert np.all(x >= -1e-9)
    assert np.allclose(model.A_eq @ x, model.b_eq, atol=1e-6)  # conservation
    assert np.all(model.A_ub @ x <= model.b_ub + 1e-6)  # capacities
    res = extract_assignment(model, sol)
    served = sum(sinks.values()) - res.totals["unmet_per_year"]
    # what is served never exceeds the max flow from the origin to the sinks
    g = nx.DiGraph()
    for (a, b, *_), c in zip(links, caps, strict=True):
        g.add_edge(a, b, capacity=g.get_edge_data(a, b, {"capacity": 0})["capacity"] + c)
    g.add_node("T")
    for s, amount in sinks.items():
        g.add_edge(s, "T", capacity=amount)
    g.add_node(0)
    assert served == pytest.approx(nx.maximum_flow_value(g, 0, "T"), abs=1e-6)


def test_binding_capacity_has_a_shadow_price() -> None:
    # Two parallel routes 0->1: a cheap one with capacity 5 and a dear one.
    net = make_network(2, [(0, 1, 100.0, 50.0), (0, 1, 100.0, 50.0)])
    net = _with_caps_and_tariffs(net, [5, 100], [1, 4])
    res = assign(net, [Demand("N0", "N1", "container", 8)], objective="cost")
    assert res.status == "optimal"
    assert res.totals["cost_usd"] == pytest.approx(5 * 1 + 3 * 4)
    sp = res.shadow_prices
    assert list(sp["id"]) == ["L0"]
    assert sp["shadow_price_usd_per_unit_year"].iloc[0] == pytest.approx(3.0)


def test_over_capacity_demand_is_partly_unmet_not_an_error() -> None:
    net = _with_caps_and_tariffs(make_network(2, [(0, 1, 100.0, 50.0)]), [5], [1])
    res = assign(net, [Demand("N0", "N1", "container", 8)], objective="cost")
    assert res.status == "optimal"
    assert res.totals["unmet_per_year"] == pytest.approx(3.0)
    assert res.totals["unmet_share"] == pytest.approx(3 / 8)


@pytest.mark.parametrize(
    ("row", "match"),
    [
        (Demand("N0", "N1", "container", -1), "non-negative"),
        (Demand("N0", "Nowhere", "container", 1), "unknown node"),
        (Demand("N0", "N1", "gold", 1), "unknown commodity"),
    ],
)
def test_bad_demand_is_a_data_error(row: Demand, match: str) -> None:
    net = make_network(2, [(0, 1, 100.0, 50.0)])
    with pytest.raises(DataError, match=match):
        build_assignment(net, [row])


def test_bundled_corridor_assignment_runs_and_respects_capacity() -> None:
    net = load_corridor()
    demand = [
        Demand("Xian", "Constanta", "container", 20_000),
        Demand("Almaty", "Istanbul", "container", 10_000),
        Demand("Kostanay", "Yerevan", "grain", 200_000),
        Demand("KZ_AKT", "TR_CEY", "crude_oil", 1_000_000),
    ]
    model = build_assignment(net, demand)
    sol = solve_assignment(model)
    assert sol.status == "optimal"
    assert sol.x is not None
    assert np.all(model.A_ub @ sol.x <= model.b_ub + 1e-6)
    res = extract_assignment(model, sol)
    assert res.totals["cost_usd"] > 0
    assert res.totals["co2e_t"] > 0
    assert set(res.link_flows["commodity"]) == {"container", "grain", "crude_oil"}
    crude = res.link_flows[res.link_flows["commodity"] == "crude_oil"]
    assert "AZ_SAN-TR_CEY" in set(crude["link"])  # Baku-Tbilisi-Ceyhan pipeline


@pytest.mark.parametrize("method", ["paths", "restricted_arcs"])
@settings(max_examples=40, deadline=None)
@given(flow_cases(), st.integers(0, 2))
def test_column_generation_matches_the_arc_lp(method, case, extra) -> None:  # type: ignore[no-untyped-def]
    n, links, caps, tariffs, sinks = case
    net = _with_caps_and_tariffs(make_network(n, links), caps, tariffs)
    demand = [Demand(node_id(0), node_id(s), "container", a) for s, a in sinks.items()]
    # a second origin for some cases, so that groups interact through capacities
    demand += [Demand(node_id(1), node_id(s), "container", a) for s, a in sinks.items() if s != 1][
        :extra
    ]
    model = build_assignment(net, demand, objective="cost", unmet_penalty_usd_per_unit=1000)
    arc = solve_assignment(model, method="full_lp")
    paths = solve_assignment(model, method=method)
    assert arc.status == paths.status == "optimal"
    assert paths.objective_value == pytest.approx(arc.objective_value, rel=1e-6, abs=1e-6)
    assert paths.x is not None
    assert np.allclose(model.A_eq @ paths.x, model.b_eq, atol=1e-6)
    assert np.all(model.A_ub @ paths.x <= model.b_ub + 1e-6)


@pytest.mark.parametrize("method", ["paths", "restricted_arcs"])
def test_column_generation_on_the_bundled_corridor_matches_the_arc_lp(method) -> None:  # type: ignore[no-untyped-def]
    from corridor_twin.scenarios import load_bundled_demand

    model = build_assignment(load_corridor(), load_bundled_demand().to_frame())
    arc, paths = solve_assignment(model, method="full_lp"), solve_assignment(model, method=method)
    assert paths.objective_value == pytest.approx(arc.objective_value, rel=1e-6)
    a, p = extract_assignment(model, arc), extract_assignment(model, paths)
    assert p.totals["unmet_per_year"] == pytest.approx(a.totals["unmet_per_year"], abs=1e-3)


# -- the method registry ---------------------------------------------------------------------


def test_methods_come_from_one_registry_with_a_documented_default() -> None:
    import inspect

    from corridor_twin.flow import ASSIGNMENT_METHODS

    assert set(ASSIGNMENT_METHODS) == {"restricted_arcs", "paths", "full_lp", "equilibrium"}
    default = inspect.signature(solve_assignment).parameters["method"].default
    assert default == inspect.signature(assign).parameters["method"].default == "restricted_arcs"
    assert default in ASSIGNMENT_METHODS


def test_unknown_method_error_lists_the_valid_ones() -> None:
    from corridor_twin.errors import OptionError
    from corridor_twin.flow import ASSIGNMENT_METHODS

    model = build_assignment(load_corridor(), [Demand("Almaty", "Istanbul", "container", 10)])
    with pytest.raises(OptionError, match="unknown assignment method 'arcs'") as err:
        solve_assignment(model, method="arcs")
    assert all(name in str(err.value) for name in ASSIGNMENT_METHODS)


def test_a_callable_method_is_used() -> None:
    from corridor_twin.flow import ASSIGNMENT_METHODS, AssignmentModel, AssignmentSolution

    calls: list[AssignmentModel] = []

    def mine(
        model: AssignmentModel, *, time_limit_s: float | None, generalized: object
    ) -> AssignmentSolution:
        calls.append(model)
        return ASSIGNMENT_METHODS["full_lp"](model, time_limit_s=time_limit_s, generalized=None)

    model = build_assignment(load_corridor(), [Demand("Almaty", "Istanbul", "container", 10)])
    sol = solve_assignment(model, method=mine)  # type: ignore[arg-type]
    assert calls == [model]
    assert sol.status == "optimal"


def test_a_seaport_capacity_counts_ships_not_trains_passing_its_node() -> None:
    """Alat is a port and a junction of the Baku - Georgia main line: its berth capacity
    is taken by the cargo ships bring or take, not by trains that only pass the node."""
    comp = load_corridor().compiled()
    demand = [Demand("Almaty", "Istanbul", "container", 1_000)]
    model = build_assignment(comp, demand)
    row = model.ub_names.index(("node", "AZ_ALAT", "teu"))
    entries = model.A_ub.tocsr()[row]
    edges = model.var_edge[entries.indices]
    ed = comp.edge
    water = np.isin(ed.mode[edges], [MODES.index("ferry"), MODES.index("sea")])
    assert water.all()
    assert len(edges) > 0
    alat = comp.node_index("AZ_ALAT")
    assert np.all((ed.node_from[edges] == alat) | (ed.node_to[edges] == alat))
    rail_through = np.flatnonzero(
        (ed.node_to == alat) & (ed.mode == MODES.index("rail")) & (ed.node_from != alat)
    )
    assert len(rail_through)
    assert not np.isin(rail_through, edges).any()
