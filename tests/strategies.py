"""Test helpers: a builder of small networks and hypothesis strategies.

Networks built here are single-mode (rail, one gauge) so every node with no
transit dwell compiles to one vertex; nodes given a dwell expand into
origin/destination/arrival/departure vertices. Reference answers in the tests
are computed from these *records* (or from plain edge lists for the kernels),
never from the compiled arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from corridor_twin.network.model import (
    Commodity,
    EmissionFactor,
    Link,
    Meta,
    ModeDefaults,
    Network,
    Node,
)

COUNTRIES = ("KZ", "AZ", "GE")
T_PER_TEU = 10.0
WTT_G, TTW_G = 5.0, 20.0  # rail emission factor, g CO2e per t-km
DEFAULT_TARIFF_USD_PER_TEU_KM = 0.5


def node_id(i: int) -> str:
    return f"N{i}"


def make_network(
    n_nodes: int,
    links: Sequence[tuple[int, int, float, float]],
    *,
    dwell: Sequence[float] | None = None,
    countries: Sequence[str] | None = None,
    costs: Sequence[float | None] | None = None,
    bidirectional: bool = False,
) -> Network:
    """A rail network of ``n_nodes`` nodes ``N0..`` and links ``L0..``.

    Parameters
    ----------
    links
        ``(from, to, length_km, speed_kmh)`` per link, nodes by index.
    dwell
        ``transit_dwell_h`` per node (default none).
    countries
        Country per node (default all ``KZ``).
    costs
        ``cost_usd_per_teu`` per link (``None``: the mode default per km).
    bidirectional
        Declare every link two-way.
    """
    nodes = tuple(
        Node(
            id=node_id(i),
            name=f"Node {i}",
            kind="junction",
            country=countries[i] if countries else "KZ",
            lat=40.0 + 0.1 * i,
            lon=50.0 + 0.1 * i,
            transit_dwell_h=float(dwell[i]) if dwell else 0.0,
        )
        for i in range(n_nodes)
    )
    recs = tuple(
        Link(
            id=f"L{j}",
            from_node=node_id(a),
            to_node=node_id(b),
            mode="rail",
            gauge_mm=1520,
            length_km=float(length),
            speed_kmh=float(speed),
            cost_usd_per_teu=None if not costs or costs[j] is None else float(costs[j]),
            bidirectional=bidirectional,
        )
        for j, (a, b, length, speed) in enumerate(links)
    )
    return Network(
        nodes=nodes,
        links=recs,
        commodities=(
            Commodity(
                id="container",
                name="Containers",
                unit="teu",
                modes=("rail",),
                t_per_teu=T_PER_TEU,
                value_of_time_usd_per_unit_h=1.0,
            ),
        ),
        emission_factors=(
            EmissionFactor(
                id="rail", mode="rail", wtt_g_co2e_per_tkm=WTT_G, ttw_g_co2e_per_tkm=TTW_G
            ),
        ),
        modes=(
            ModeDefaults(
                id="rail", speed_kmh=40.0, cost_usd_per_teu_km=DEFAULT_TARIFF_USD_PER_TEU_KM
            ),
        ),
        meta=Meta(name="random"),
    )


@dataclass(frozen=True)
class Case:
    """A random network with an origin and a destination (distinct node ids)."""

    net: Network
    origin: str
    destination: str

    def __repr__(self) -> str:  # short, for hypothesis' falsifying-example report
        links = [(lk.from_node, lk.to_node, lk.length_km, lk.speed_kmh) for lk in self.net.links]
        dwell = [n.transit_dwell_h for n in self.net.nodes]
        return f"Case({self.origin}->{self.destination}, links={links}, dwell={dwell})"


_lengths = st.floats(1.0, 2000.0, allow_nan=False, allow_infinity=False)
_speeds = st.floats(5.0, 120.0, allow_nan=False, allow_infinity=False)


@st.composite
def rail_cases(
    draw: st.DrawFn,
    *,
    min_nodes: int = 2,
    max_nodes: int = 25,
    with_dwell: bool = False,
    with_countries: bool = False,
    with_costs: bool = False,
    max_links_per_node: int = 3,
) -> Case:
    """A random directed rail network (no parallel links, no self-loops) and an OD pair.

    Every node has at least one out-link, so most OD pairs are connected, by
    paths of several links.
    """
    n = draw(st.integers(min_nodes, max_nodes))
    pairs = []
    for a in range(n):  # every node gets 1 to max_links_per_node out-links
        others = st.integers(0, n - 1).filter(lambda b, a=a: b != a)
        heads = draw(st.lists(others, min_size=1, max_size=max_links_per_node, unique=True))
        pairs += [(a, b) for b in heads]
    links = [(a, b, draw(_lengths), draw(_speeds)) for a, b in pairs]
    dwell = None
    if with_dwell:
        dwell = draw(st.lists(st.sampled_from([0.0, 0.0, 2.5, 7.0]), min_size=n, max_size=n))
    countries = None
    if with_countries:
        countries = draw(st.lists(st.sampled_from(COUNTRIES), min_size=n, max_size=n))
    costs = None
    if with_costs:
        costs = [draw(st.one_of(st.none(), st.floats(0.0, 500.0))) for _ in links]
    o = draw(st.integers(0, n - 1))
    d = draw(st.integers(0, n - 1).filter(lambda x: x != o))
    net = make_network(n, links, dwell=dwell, countries=countries, costs=costs)
    return Case(net, node_id(o), node_id(d))


# -- plain CSR graphs for the kernels ------------------------------------------------------


@dataclass(frozen=True)
class Csr:
    """A CSR graph as the kernels take it, and its edge list in CSR order."""

    n: int
    tails: np.ndarray
    heads: np.ndarray
    weights: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    tail: np.ndarray
    rev_indptr: np.ndarray
    rev_edges: np.ndarray

    def __repr__(self) -> str:
        edges = list(
            zip(self.tails.tolist(), self.heads.tolist(), self.weights.tolist(), strict=True)
        )
        return f"Csr(n={self.n}, edges={edges})"


def to_csr(n: int, edges: Sequence[tuple[int, int, float]]) -> Csr:
    """Sort an edge list by tail and build forward and reverse CSR arrays."""
    tails = np.asarray([e[0] for e in edges], dtype=np.int32)
    heads = np.asarray([e[1] for e in edges], dtype=np.int32)
    weights = np.asarray([e[2] for e in edges], dtype=np.float64)
    order = np.argsort(tails, kind="stable")
    tails, heads, weights = tails[order], heads[order], weights[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=n), out=indptr[1:])
    rev_edges = np.argsort(heads, kind="stable").astype(np.int32)
    rev_indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(heads, minlength=n), out=rev_indptr[1:])
    return Csr(n, tails, heads, weights, indptr, heads.copy(), tails.copy(), rev_indptr, rev_edges)


weights_with_zero_and_inf = st.one_of(
    st.just(0.0),
    st.just(np.inf),
    st.floats(0.0, 100.0, allow_nan=False, allow_infinity=False),
    st.floats(0.0, 100.0, allow_nan=False, allow_infinity=False),
)


@st.composite
def csr_graphs(
    draw: st.DrawFn,
    *,
    min_n: int = 1,
    max_n: int = 30,
    max_degree: int = 4,
    parallel: bool = True,
    self_loops: bool = True,
    weights: st.SearchStrategy[float] = weights_with_zero_and_inf,
) -> Csr:
    """A random directed graph with zero-weight and disabled (``inf``) edges."""
    n = draw(st.integers(min_n, max_n))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    if not self_loops:
        pair = pair.filter(lambda p: p[0] != p[1])
    possible = n * n if self_loops else n * (n - 1)
    pairs = draw(
        st.lists(pair, min_size=min(2 * n, possible), max_size=max_degree * n, unique=not parallel)
    )
    return to_csr(n, [(a, b, draw(weights)) for a, b in pairs])


# -- text that YAML can carry ----------------------------------------------------------------

# No surrogates (not encodable) and no NEL (U+0085), which PyYAML does not round-trip
# (see test_io.py::test_round_trip_keeps_next_line_character).
yaml_text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x85"),
    min_size=1,
    max_size=20,
)
