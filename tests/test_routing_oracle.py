"""Routing against independent references: networkx and scipy as test-only oracles.

The reference graphs are built from the network *records* (lengths, speeds,
dwell, tariffs), never from the compiled arrays, so a compilation mistake
shows up as a disagreement. The kernels are also checked directly on random
CSR graphs with zero-weight and disabled (``inf``) edges.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from corridor_twin.errors import NoRouteError
from corridor_twin.network.model import Link, Network
from corridor_twin.routing import _kernels, k_routes, pareto_routes, route
from strategies import (
    DEFAULT_TARIFF_USD_PER_TEU_KM,
    T_PER_TEU,
    TTW_G,
    WTT_G,
    Case,
    Csr,
    csr_graphs,
    make_network,
    rail_cases,
)

# -- references from the records ------------------------------------------------------------


def _time(lk: Link) -> float:
    assert lk.speed_kmh is not None
    return lk.length_km / lk.speed_kmh


def _cost(lk: Link) -> float:
    if lk.cost_usd_per_teu is not None:
        return lk.cost_usd_per_teu
    return DEFAULT_TARIFF_USD_PER_TEU_KM * lk.length_km


def _co2(lk: Link) -> float:
    return (WTT_G + TTW_G) * lk.length_km / 1000 * T_PER_TEU


def _distance(lk: Link) -> float:
    return lk.length_km


CRITERIA: dict[str, Callable[[Link], float]] = {
    "time": _time,
    "cost": _cost,
    "co2": _co2,
    "distance": _distance,
}


def reference_graph(net: Network, objective: str = "time") -> nx.DiGraph:
    """Physical graph; a link's weight includes the transit dwell at its end node.

    A route's time is its links' running time plus the dwell of the nodes it
    passes through, so a path's weight here exceeds it by the destination's dwell.
    """
    dwell = {n.id: n.transit_dwell_h for n in net.nodes} if objective == "time" else {}
    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in net.nodes)
    for lk in net.links:
        ends = [(lk.from_node, lk.to_node)]
        if lk.bidirectional:
            ends.append((lk.to_node, lk.from_node))
        for a, b in ends:
            w = CRITERIA[objective](lk) + dwell.get(b, 0.0)
            if not g.has_edge(a, b) or g[a][b]["weight"] > w:
                g.add_edge(a, b, weight=w)
    return g


def _dest_dwell(net: Network, node_id: str, objective: str = "time") -> float:
    return net.node(node_id).transit_dwell_h if objective == "time" else 0.0


def check_best_route(case: Case, objective: str = "time") -> None:
    net, o, d = case.net, case.origin, case.destination
    g = reference_graph(net, objective)
    if not nx.has_path(g, o, d):
        with pytest.raises(NoRouteError, match=f"no route from {o} to {d}"):
            route(net, o, d, optimize=objective)
        return
    expected = nx.dijkstra_path_length(g, o, d) - _dest_dwell(net, d, objective)
    r = route(net, o, d, optimize=objective)
    assert r.objective_value == pytest.approx(expected, rel=1e-9, abs=1e-9)
    # the route found is a real path of the same weight
    assert nx.is_path(g, list(r.nodes))
    weight = nx.path_weight(g, list(r.nodes), "weight") - _dest_dwell(net, d, objective)
    assert weight == pytest.approx(expected, rel=1e-9, abs=1e-9)
    if objective == "time":
        assert r.time_h == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(case=rail_cases())
def test_best_time_equals_networkx(case: Case) -> None:
    check_best_route(case)


@given(case=rail_cases(with_dwell=True))
def test_best_time_with_transit_dwell_equals_networkx(case: Case) -> None:
    check_best_route(case)


@pytest.mark.parametrize("objective", ["cost", "co2", "distance"])
@given(case=rail_cases(max_nodes=12, with_costs=True, with_dwell=True))
def test_best_route_by_other_objectives_equals_networkx(objective: str, case: Case) -> None:
    check_best_route(case, objective)


@given(case=rail_cases(max_nodes=15), k=st.integers(1, 6))
def test_k_routes_equal_networkx_shortest_simple_paths(case: Case, k: int) -> None:
    _check_k_routes(case, k)


@given(case=rail_cases(max_nodes=12, with_dwell=True), k=st.integers(1, 6))
def test_k_routes_with_dwell_equal_networkx_shortest_simple_paths(case: Case, k: int) -> None:
    _check_k_routes(case, k)


def _check_k_routes(case: Case, k: int) -> None:
    net, o, d = case.net, case.origin, case.destination
    g = reference_graph(net)
    if not nx.has_path(g, o, d):
        with pytest.raises(NoRouteError):
            k_routes(net, o, d, k=k, distinct_links=False)
        return
    shift = _dest_dwell(net, d)
    paths = list(itertools.islice(nx.shortest_simple_paths(g, o, d, weight="weight"), k))
    expected = sorted(nx.path_weight(g, p, "weight") - shift for p in paths)
    routes = k_routes(net, o, d, k=k, distinct_links=False)
    got = [r.objective_value for r in routes]
    assert got == sorted(got)  # best first
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert len({r.nodes for r in routes}) == len(routes)  # all different
    for r in routes:
        assert len(set(r.nodes)) == len(r.nodes)  # loopless
        assert r.nodes[0] == o
        assert r.nodes[-1] == d
    assert routes[0].objective_value == pytest.approx(route(net, o, d).objective_value)


def test_unreachable_destination_raises() -> None:
    net = make_network(4, [(0, 1, 100.0, 50.0), (2, 3, 100.0, 50.0), (1, 0, 10.0, 10.0)])
    for fn in (route, k_routes, pareto_routes):
        with pytest.raises(NoRouteError, match="no route from N0 to N3 for container"):
            fn(net, "N0", "N3")
    # links are directed: N1 -> N2 does not exist either way
    with pytest.raises(NoRouteError):
        route(net, "N3", "N2")


@given(case=rail_cases(max_nodes=7, with_costs=True, with_dwell=True))
def test_pareto_routes_equal_brute_force_over_simple_paths(case: Case) -> None:
    net, o, d = case.net, case.origin, case.destination
    g = nx.DiGraph()
    dwell = {n.id: n.transit_dwell_h for n in net.nodes}
    for lk in net.links:
        g.add_edge(
            lk.from_node, lk.to_node, crit=(_time(lk) + dwell[lk.to_node], _cost(lk), _co2(lk))
        )
    if o not in g or d not in g or not nx.has_path(g, o, d):
        with pytest.raises(NoRouteError):
            pareto_routes(net, o, d)
        return
    vectors = []
    for p in nx.all_simple_paths(g, o, d):
        crit = [g[a][b]["crit"] for a, b in itertools.pairwise(p)]
        vectors.append(
            (sum(c[0] for c in crit) - dwell[d], sum(c[1] for c in crit), sum(c[2] for c in crit))
        )
    front = _pareto_front(vectors)
    rs = pareto_routes(net, o, d)
    assert rs.complete
    got = sorted((r.time_h, r.cost_usd, r.co2e_kg) for r in rs)
    assert len(got) == len(front)
    for a, b in zip(got, front, strict=True):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9)


def _pareto_front(vectors: list[tuple[float, ...]], tol: float = 1e-9) -> list[tuple[float, ...]]:
    """Non-dominated vectors, one per distinct value, sorted."""

    def close(x: float, y: float) -> bool:
        return math.isclose(x, y, rel_tol=tol, abs_tol=tol)

    def leq(x: float, y: float) -> bool:
        return x <= y or close(x, y)

    out: list[tuple[float, ...]] = []
    for v in sorted(vectors):
        dominated = any(
            all(leq(a, b) for a, b in zip(w, v, strict=True))
            for w in vectors
            if w is not v and not all(close(a, b) for a, b in zip(w, v, strict=True))
        )
        duplicate = any(all(close(a, b) for a, b in zip(w, v, strict=True)) for w in out)
        if not dominated and not duplicate:
            out.append(v)
    return out


# -- kernels on raw CSR graphs --------------------------------------------------------------


def scipy_distances(csr: Csr) -> np.ndarray:
    """All-pairs distances by scipy, on the finite edges (parallel edges: the lightest)."""
    best: dict[tuple[int, int], float] = {}
    for a, b, w in zip(csr.tails.tolist(), csr.heads.tolist(), csr.weights.tolist(), strict=True):
        if math.isfinite(w) and w < best.get((a, b), math.inf):
            best[(a, b)] = w
    keys = sorted(best)
    indptr = np.zeros(csr.n + 1, dtype=np.int64)
    np.cumsum(np.bincount([a for a, _ in keys], minlength=csr.n), out=indptr[1:])
    # built from (data, indices, indptr) so explicit zero weights stay edges
    graph = sp.csr_array(
        (
            np.asarray([best[k] for k in keys], dtype=float),
            np.asarray([b for _, b in keys], dtype=np.int32),
            indptr,
        ),
        shape=(csr.n, csr.n),
    )
    return np.asarray(dijkstra(graph, directed=True))


def nx_graph(csr: Csr) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(csr.n))
    for a, b, w in zip(csr.tails.tolist(), csr.heads.tolist(), csr.weights.tolist(), strict=True):
        if math.isfinite(w):
            assert not g.has_edge(a, b)
            g.add_edge(a, b, weight=w)
    return g


def assert_valid_path(csr: Csr, path: np.ndarray, s: int, t: int) -> float:
    """The path's edges chain from s to t; returns its length."""
    v = s
    for e in path.tolist():
        assert csr.tail[e] == v
        assert math.isfinite(csr.weights[e])
        v = int(csr.indices[e])
    assert v == t
    return float(sum(csr.weights[path.tolist()]))


@given(csr=csr_graphs(), data=st.data())
def test_sssp_equals_scipy(csr: Csr, data: st.DataObject) -> None:
    s = data.draw(st.integers(0, csr.n - 1))
    dist, pred = _kernels.sssp(csr.indptr, csr.indices, csr.weights, s)
    np.testing.assert_allclose(dist, scipy_distances(csr)[s], rtol=1e-12, atol=1e-12)
    assert pred[s] == -1
    for v in range(csr.n):
        if v != s and np.isfinite(dist[v]):
            e = pred[v]
            assert csr.indices[e] == v
            assert dist[csr.tail[e]] + csr.weights[e] == dist[v]
        elif not np.isfinite(dist[v]):
            assert pred[v] == -1
    t = data.draw(st.integers(0, csr.n - 1))
    dist_t, _ = _kernels.sssp(csr.indptr, csr.indices, csr.weights, s, t)
    assert dist_t[t] == dist[t]


@given(csr=csr_graphs(), data=st.data())
def test_reverse_sssp_equals_scipy(csr: Csr, data: st.DataObject) -> None:
    t = data.draw(st.integers(0, csr.n - 1))
    dist, nxt = _kernels.reverse_sssp(csr.rev_indptr, csr.rev_edges, csr.tail, csr.weights, t)
    np.testing.assert_allclose(dist, scipy_distances(csr)[:, t], rtol=1e-12, atol=1e-12)
    for v in range(csr.n):
        if v != t and np.isfinite(dist[v]):
            assert csr.tail[nxt[v]] == v


@given(csr=csr_graphs(), data=st.data())
def test_bidirectional_equals_scipy(csr: Csr, data: st.DataObject) -> None:
    s = data.draw(st.integers(0, csr.n - 1))
    t = data.draw(st.integers(0, csr.n - 1))
    length, path = _kernels.bidirectional(
        csr.indptr, csr.indices, csr.rev_indptr, csr.rev_edges, csr.tail, csr.weights, s, t
    )
    expected = scipy_distances(csr)[s, t]
    if not np.isfinite(expected):
        assert length == np.inf
        assert len(path) == 0
        return
    assert length == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert path.dtype == np.int32
    assert assert_valid_path(csr, path, s, t) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    if s == t:
        assert len(path) == 0


@given(csr=csr_graphs(max_n=12, parallel=False), data=st.data())
def test_k_shortest_equals_networkx(csr: Csr, data: st.DataObject) -> None:
    s = data.draw(st.integers(0, csr.n - 1))
    t = data.draw(st.integers(0, csr.n - 1).filter(lambda x: x != s) if csr.n > 1 else st.just(s))
    k = data.draw(st.integers(1, 8))
    found = _kernels.k_shortest(
        csr.indptr, csr.indices, csr.rev_indptr, csr.rev_edges, csr.tail, csr.weights, s, t, k
    )
    g = nx_graph(csr)
    if s == t:
        assert [(c, p.tolist()) for c, p in found] == [(0.0, [])]
        return
    if not nx.has_path(g, s, t):
        assert found == []
        return
    expected = [
        nx.path_weight(g, p, "weight")
        for p in itertools.islice(nx.shortest_simple_paths(g, s, t, weight="weight"), k)
    ]
    lengths = [c for c, _ in found]
    assert lengths == pytest.approx(sorted(expected), rel=1e-9, abs=1e-12)
    seen = set()
    for c, p in found:
        assert assert_valid_path(csr, p, s, t) == pytest.approx(c, rel=1e-9, abs=1e-12)
        verts = [s, *csr.indices[p].tolist()]
        assert len(set(verts)) == len(verts)  # loopless
        seen.add(tuple(p.tolist()))
    assert len(seen) == len(found)


@given(csr=csr_graphs(), data=st.data())
def test_skim_equals_scipy(csr: Csr, data: st.DataObject) -> None:
    vertex = st.integers(0, csr.n - 1)
    sources = np.asarray(data.draw(st.lists(vertex, min_size=1, max_size=5)), dtype=np.int32)
    targets = np.asarray(data.draw(st.lists(vertex, min_size=1, max_size=5)), dtype=np.int32)
    w = np.where(np.isfinite(csr.weights), csr.weights, 0.0)
    comps = np.ascontiguousarray(np.vstack([w, 2 * w, np.zeros_like(w)]))
    out = _kernels.skim(csr.indptr, csr.indices, csr.tail, csr.weights, sources, targets, comps)
    assert out.shape == (len(sources), len(targets), 4)
    expected = scipy_distances(csr)[np.ix_(sources, targets)]
    np.testing.assert_allclose(out[:, :, 0], expected, rtol=1e-12, atol=1e-12)
    # components are summed along the same tree: a copy of the weights sums to the length
    np.testing.assert_array_equal(out[:, :, 1], out[:, :, 0])
    np.testing.assert_array_equal(out[:, :, 2], 2 * out[:, :, 0])
    reach = np.isfinite(expected)
    np.testing.assert_array_equal(out[:, :, 3][reach], 0.0)
    assert np.all(np.isinf(out[:, :, 3][~reach]))


_crit = st.one_of(st.integers(0, 9).map(float), st.just(math.inf))


@given(
    csr=csr_graphs(
        min_n=2, max_n=8, parallel=False, self_loops=False, weights=st.integers(0, 9).map(float)
    ),
    data=st.data(),
)
def test_pareto_kernel_equals_brute_force(csr: Csr, data: st.DataObject) -> None:
    m = len(csr.weights)
    w0 = csr.weights
    w1 = np.asarray(data.draw(st.lists(st.integers(0, 9).map(float), min_size=m, max_size=m)))
    w2 = np.asarray(data.draw(st.lists(_crit, min_size=m, max_size=m)))
    s = data.draw(st.integers(0, csr.n - 1))
    t = data.draw(st.integers(0, csr.n - 1).filter(lambda x: x != s))
    costs, paths, complete = _kernels.pareto(csr.indptr, csr.indices, csr.tail, w0, w1, w2, s, t)
    assert complete
    g = nx.DiGraph()
    g.add_nodes_from(range(csr.n))
    for e in range(m):
        if np.isfinite(w2[e]):
            g.add_edge(int(csr.tail[e]), int(csr.indices[e]), e=e)
    vectors = set()
    for p in nx.all_simple_paths(g, s, t):
        es = [g[a][b]["e"] for a, b in itertools.pairwise(p)]
        vectors.add((sum(w0[es]), sum(w1[es]), sum(w2[es])))
    front = {
        v
        for v in vectors
        if not any(u != v and all(x <= y for x, y in zip(u, v, strict=True)) for u in vectors)
    }
    assert {tuple(c) for c in costs.tolist()} == front
    assert len(costs) == len(front)  # no vector twice
    for c, p in zip(costs, paths, strict=True):
        assert assert_valid_path(csr, p, s, t) == c[0]
        assert (w1[p].sum(), w2[p].sum()) == (c[1], c[2])
