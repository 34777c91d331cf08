"""Traffic user equilibrium on link networks: Wardrop conditions, metamorphic laws, cross-checks."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import make_network

from corridor_twin.errors import DataError, OptionError
from corridor_twin.flow.assign import Demand, build_assignment, extract_assignment
from corridor_twin.flow.equilibrium import Congestion, solve_equilibrium
from corridor_twin.flow.linknet import LinkNetwork, TripTable
from corridor_twin.flow.traffic import (
    UE_METHODS,
    build_traffic,
    extract_traffic,
    solve_traffic,
    traffic_equilibrium,
)

TIGHT = 1e-10


def _net(links: list[tuple[int, int, float, float]], **kw: object) -> LinkNetwork:
    """Links as (from, to, free-flow time, capacity), BPR 0.15 / 4, length 1."""
    arr = np.asarray(links, dtype=float)
    return LinkNetwork(
        from_node=arr[:, 0].astype(np.int64),
        to_node=arr[:, 1].astype(np.int64),
        capacity=arr[:, 3],
        length=np.ones(len(arr)),
        free_flow_time=arr[:, 2],
        **kw,
    )  # type: ignore[arg-type]


def _trips(pairs: list[tuple[int, int, float]]) -> TripTable:
    arr = np.asarray(pairs, dtype=float)
    return TripTable(
        origin=arr[:, 0].astype(np.int64), destination=arr[:, 1].astype(np.int64), demand=arr[:, 2]
    )


# Three routes from 1 to 5: via 2, via 3, via 4 (two links each).
ROUTES = [
    (1, 2, 4.0, 300.0),
    (2, 5, 4.0, 300.0),
    (1, 3, 5.0, 500.0),
    (3, 5, 5.0, 500.0),
    (1, 4, 6.0, 800.0),
    (4, 5, 6.0, 800.0),
]
DEMAND = _trips([(1, 5, 1500.0)])


def _route_flows(net: LinkNetwork, trips: TripTable = DEMAND) -> dict[int, float]:
    res = traffic_equilibrium(net, trips, relative_gap=TIGHT)
    assert res.status == "converged"
    frame = res.to_frame()
    first = frame[frame["from"] == 1]
    return dict(zip(first["to"].astype(int), first["volume"], strict=True))


def test_three_routes_are_used_at_equal_cost() -> None:
    res = traffic_equilibrium(_net(ROUTES), DEMAND, relative_gap=TIGHT)
    cost = dict(
        zip(zip(res.network.from_node, res.network.to_node, strict=True), res.cost, strict=True)
    )
    route_cost = [cost[(1, k)] + cost[(k, 5)] for k in (2, 3, 4)]
    assert res.volume.min() > 0
    assert max(route_cost) - min(route_cost) < 1e-6 * min(route_cost)
    assert res.total_cost == pytest.approx(1500.0 * route_cost[0], rel=1e-8)


def test_a_faster_route_gains_volume() -> None:
    base = _route_flows(_net(ROUTES))
    faster = [(a, b, t * 0.8 if a == 1 and b == 3 else t, c) for a, b, t, c in ROUTES]
    after = _route_flows(_net(faster))
    assert after[3] > base[3] + 1.0
    assert after[2] < base[2]
    assert after[4] < base[4]


def test_a_dearer_route_loses_volume() -> None:
    toll = np.array([0.0, 0.0, 0.0, 0.0, 50.0, 0.0])
    base = _route_flows(_net(ROUTES))
    net = dataclasses.replace(_net(ROUTES), toll=toll, toll_factor=0.02)
    after = _route_flows(net)
    assert after[4] < base[4] - 1.0
    assert after[2] > base[2]
    assert after[3] > base[3]
    # the same network with its toll weight switched off at build time
    model = build_traffic(net, DEMAND, toll_factor=0.0)
    res = extract_traffic(model, solve_traffic(model, relative_gap=TIGHT))
    assert res.volume[4] == pytest.approx(base[4], rel=1e-6)


@pytest.mark.parametrize("factor", [0.5, 3.0])
def test_scaling_capacity_and_demand_scales_flows_and_keeps_costs(factor: float) -> None:
    net = _net(ROUTES)
    trips = _trips([(1, 5, 1500.0), (2, 5, 200.0), (1, 3, 100.0)])
    base = traffic_equilibrium(net, trips, relative_gap=TIGHT)
    scaled = traffic_equilibrium(
        net.scaled(capacity=factor), trips.scaled(factor), relative_gap=TIGHT
    )
    np.testing.assert_allclose(scaled.volume, factor * base.volume, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(scaled.cost, base.cost, rtol=1e-7)


def test_removing_a_route_never_lowers_the_others() -> None:
    base = _route_flows(_net(ROUTES))
    without = _route_flows(_net([r for r in ROUTES if 4 not in r[:2]]))
    assert without[2] >= base[2] - 1e-6
    assert without[3] >= base[3] - 1e-6
    assert without[2] + without[3] == pytest.approx(1500.0)


def test_zones_below_the_first_thru_node_carry_no_through_traffic() -> None:
    # 1 -> 2 -> 3 is short, 1 -> 4 -> 3 long; node 2 is a zone when thru nodes start at 3
    links = [(1, 2, 1.0, 1e6), (2, 3, 1.0, 1e6), (1, 4, 5.0, 1e6), (4, 3, 5.0, 1e6)]
    trips = _trips([(1, 3, 10.0)])
    open_ = traffic_equilibrium(_net(links), trips).to_frame()
    zoned = traffic_equilibrium(_net(links, first_thru_node=3), trips).to_frame()
    assert open_["volume"].tolist() == pytest.approx([10.0, 10.0, 0.0, 0.0])
    assert zoned["volume"].tolist() == pytest.approx([0.0, 0.0, 10.0, 10.0])
    # a zone is still a destination and an origin
    to_zone = traffic_equilibrium(_net(links, first_thru_node=3), _trips([(1, 2, 4.0)]))
    assert to_zone.volume.tolist() == pytest.approx([4.0, 0.0, 0.0, 0.0])


def test_no_route_is_one_clear_error() -> None:
    links = [(1, 2, 1.0, 10.0), (2, 3, 1.0, 10.0), (3, 1, 1.0, 10.0)]
    with pytest.raises(DataError, match="first thru node 3"):
        build_traffic(_net(links, first_thru_node=3), _trips([(1, 3, 5.0)]))
    with pytest.raises(DataError, match="node 9"):
        build_traffic(_net(links), _trips([(1, 9, 5.0)]))


def test_zero_free_flow_times_are_handled() -> None:
    # connectors with zero time (Chicago Sketch has them) and a length weight
    links = [(1, 2, 0.0, 100.0), (2, 3, 2.0, 50.0), (2, 4, 3.0, 80.0), (4, 3, 0.0, 100.0)]
    net = dataclasses.replace(_net(links), distance_factor=0.5)
    res = traffic_equilibrium(net, _trips([(1, 3, 120.0)]), relative_gap=TIGHT)
    assert res.status == "converged"
    assert res.cost[0] == pytest.approx(0.5)  # 0 time + 0.5 x length 1
    c = res.cost
    assert c[1] + 0 == pytest.approx(c[2] + c[3], rel=1e-6) or res.volume[2] == 0


@pytest.mark.parametrize("method", sorted(UE_METHODS))
def test_every_method_reaches_the_same_equilibrium(method: str) -> None:
    net = _net(ROUTES)
    trips = _trips([(1, 5, 1500.0), (2, 5, 200.0)])
    ref = traffic_equilibrium(net, trips, relative_gap=TIGHT)
    gap = 1e-5 if method == "frank_wolfe" else 1e-7
    res = traffic_equilibrium(net, trips, method=method, relative_gap=gap)
    assert res.relative_gap <= gap
    np.testing.assert_allclose(res.volume, ref.volume, rtol=0, atol=2e-2 * ref.volume.max())


def test_bad_options_are_one_line_errors() -> None:
    model = build_traffic(_net(ROUTES), DEMAND)
    with pytest.raises(OptionError, match="unknown equilibrium method 'bogus'"):
        solve_traffic(model, method="bogus")
    with pytest.raises(OptionError, match="relative_gap"):
        solve_traffic(model, relative_gap=0.0)
    with pytest.raises(OptionError, match="toll_factor"):
        build_traffic(_net(ROUTES), DEMAND, toll_factor=-1.0)
    with pytest.raises(DataError, match="capacity"):
        _net([(1, 2, 1.0, 0.0)])


def test_an_iteration_limit_is_reported() -> None:
    model = build_traffic(_net(ROUTES), DEMAND)
    sol = solve_traffic(model, relative_gap=1e-14, max_iterations=2)
    assert sol.status == "limit"
    assert "2 iterations" in sol.message
    assert sol.relative_gap == sol.gaps[-1] > 1e-14


def test_same_equilibrium_as_the_corridor_frank_wolfe() -> None:
    """The corridor's own user equilibrium (flow/equilibrium.py) on a case both can express.

    Links N0->N1 (direct) and N0->N2->N1, each with a TEU capacity; the corridor
    model's delay ``24 h x 0.15 x (v / C) ** 4`` on top of the travel time
    ``t0`` is BPR with ``fft = t0``, ``b = 3.6 / t0``, power 4.
    """
    spec = [(0, 1, 300.0, 50.0, 120.0), (0, 2, 100.0, 50.0, 90.0), (2, 1, 150.0, 50.0, 70.0)]
    net = make_network(3, [(a, b, length, v) for a, b, length, v, _ in spec])
    links = tuple(
        dataclasses.replace(lk, capacity_teu_per_year=s[4])
        for lk, s in zip(net.links, spec, strict=True)
    )
    net = net.replace(links=links)
    amount = 400.0
    cong = Congestion(alpha=0.15, beta=4.0, reference_delay_h=24.0)
    model = build_assignment(net, [Demand("N0", "N1", "container", amount)], objective="time")
    sol = solve_equilibrium(model, congestion=cong, relative_gap=1e-9, max_iterations=20000)
    assert sol.status == "optimal"
    theirs = extract_assignment(model, sol).link_flows.groupby("link")["flow_per_year"].sum()

    t0 = np.array([s[2] / s[3] for s in spec])
    ours = traffic_equilibrium(
        LinkNetwork(
            from_node=np.array([1, 1, 3]),
            to_node=np.array([2, 3, 2]),
            capacity=np.array([s[4] for s in spec]),
            length=np.zeros(3),
            free_flow_time=t0,
            b=3.6 / t0,
            power=np.full(3, 4.0),
        ),
        _trips([(1, 2, amount)]),
        relative_gap=TIGHT,
    )
    for i in range(3):
        assert ours.volume[i] == pytest.approx(theirs.get(f"L{i}", 0.0), rel=1e-3, abs=1e-2)


# -- Wardrop conditions on random small networks -------------------------------------
@st.composite
def small_problems(draw: st.DrawFn) -> tuple[LinkNetwork, TripTable]:
    n = draw(st.integers(3, 8))
    pairs = {(i, i % n + 1) for i in range(1, n + 1)}  # a ring keeps everything reachable
    extra = draw(st.lists(st.tuples(st.integers(1, n), st.integers(1, n)), max_size=3 * n))
    pairs |= {(a, b) for a, b in extra if a != b}
    links = sorted(pairs)
    fft = draw(st.lists(st.floats(0.0, 10.0), min_size=len(links), max_size=len(links)))
    cap = draw(st.lists(st.floats(1.0, 100.0), min_size=len(links), max_size=len(links)))
    net = _net([(a, b, t, c) for (a, b), t, c in zip(links, fft, cap, strict=True)])
    ods = draw(
        st.lists(
            st.tuples(st.integers(1, n), st.integers(1, n), st.floats(1.0, 200.0)),
            min_size=1,
            max_size=6,
        )
    )
    return net, _trips(ods)


@settings(max_examples=40, deadline=None)
@given(small_problems())
def test_used_paths_cost_the_same_and_no_path_is_cheaper(problem) -> None:  # type: ignore[no-untyped-def]
    net, trips = problem
    model = build_traffic(net, trips)
    sol = solve_traffic(model, relative_gap=1e-10, keep_paths=True)
    assert sol.status == "converged"
    res = extract_traffic(model, sol)
    # an independent shortest-path oracle on the equilibrium costs
    g = nx.DiGraph()
    for a, b, c in zip(net.from_node, net.to_node, res.cost, strict=True):
        if not g.has_edge(a, b) or g[a][b]["w"] > c:
            g.add_edge(int(a), int(b), w=float(c))
    assert sol.paths is not None
    pair, flow, indptr, plinks = sol.paths
    sp = {
        k: nx.dijkstra_path_length(g, int(o), int(d), weight="w")
        for k, (o, d) in enumerate(zip(model.od_origin_id, model.od_dest_id, strict=True))
    }
    for p in range(len(pair)):
        k = int(pair[p])
        if flow[p] <= 1e-3 * model.od_demand[k]:
            continue
        c_p = float(res.cost[plinks[indptr[p] : indptr[p + 1]]].sum())
        assert c_p <= sp[k] + 1e-5 * max(sp[k], 1.0)
    # path flows add up to each pair's demand and to the link volumes
    np.testing.assert_allclose(
        np.bincount(pair, weights=flow, minlength=model.n_pairs), model.od_demand, rtol=1e-9
    )
    load = np.zeros(net.n_links)
    for p in range(len(pair)):
        load[plinks[indptr[p] : indptr[p + 1]]] += flow[p]
    np.testing.assert_allclose(load, res.volume, rtol=1e-7, atol=1e-7)


def test_large_network_settings_reach_the_same_equilibrium(monkeypatch: pytest.MonkeyPatch) -> None:
    """One tree per origin with A* (used above 5,000 nodes) gives the same flows."""
    import corridor_twin.flow.traffic as traffic

    rng = np.random.default_rng(7)
    side = 8
    ids = np.arange(side * side).reshape(side, side) + 1
    e = np.vstack(
        [
            np.column_stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()]),
            np.column_stack([ids[:-1, :].ravel(), ids[1:, :].ravel()]),
        ]
    )
    a, b = np.concatenate([e[:, 0], e[:, 1]]), np.concatenate([e[:, 1], e[:, 0]])
    net = LinkNetwork(
        from_node=a,
        to_node=b,
        capacity=rng.uniform(50, 150, len(a)),
        length=np.ones(len(a)),
        free_flow_time=rng.uniform(0.5, 2.0, len(a)),
        toll=rng.uniform(0, 10, len(a)),
        toll_factor=0.1,
    )
    trips = _trips([(1, 64, 300.0), (8, 57, 200.0), (30, 5, 150.0), (30, 60, 100.0)])
    small = traffic_equilibrium(net, trips, relative_gap=TIGHT)
    monkeypatch.setattr(traffic, "_SMALL_NETWORK_NODES", 0)
    model = build_traffic(net, trips)
    assert traffic._astar_potentials(model) is not None
    large = extract_traffic(model, solve_traffic(model, relative_gap=TIGHT))
    assert large.relative_gap <= TIGHT
    np.testing.assert_allclose(large.volume, small.volume, rtol=0, atol=1e-3)
