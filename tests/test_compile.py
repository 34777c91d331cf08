"""compile_network: CSR invariants, the virtual network's vertices and edges, purity, edits."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor_twin.errors import NotFoundError, UnknownNodeError, ValidationError
from corridor_twin.io import dumps_network, read_network
from corridor_twin.network import CompiledNetwork, Network, compile_network
from corridor_twin.network.compile import (
    EDGE_KINDS,
    VERTEX_KINDS,
    WEEK_H,
    class_label,
    departures_h,
    expected_wait_h,
)
from corridor_twin.network.model import Restriction, Service
from strategies import Case, rail_cases

KIND = {k: i for i, k in enumerate(EDGE_KINDS)}
VKIND = {k: i for i, k in enumerate(VERTEX_KINDS)}


def assert_csr_consistent(c: CompiledNetwork) -> None:
    """The invariants every kernel relies on."""
    n, m = c.n_vertices, c.n_edges
    assert c.indptr.shape == (n + 1,)
    assert c.indptr[0] == 0
    assert c.indptr[-1] == m
    assert np.all(np.diff(c.indptr) >= 0)
    assert c.indices.shape == c.tail.shape == (m,)
    assert np.array_equal(c.tail, np.repeat(np.arange(n), np.diff(c.indptr)))
    if m:
        assert c.indices.min() >= 0
        assert c.indices.max() < n
    # reverse CSR lists every edge exactly once, under its head
    assert c.rev_indptr.shape == (n + 1,)
    assert c.rev_indptr[0] == 0
    assert c.rev_indptr[-1] == m
    assert np.all(np.diff(c.rev_indptr) >= 0)
    assert np.array_equal(np.sort(c.rev_edges), np.arange(m))
    heads = np.repeat(np.arange(n), np.diff(c.rev_indptr))
    assert np.array_equal(c.indices[c.rev_edges], heads)
    # per-edge and per-vertex arrays line up
    for name, arr in c.edge.items():
        assert arr.shape == (m,), name
        assert not arr.flags.writeable, name
    assert c.edge_commodity_mask.shape == (m,)
    assert c.vertex_node.shape == c.vertex_kind.shape == c.vertex_class.shape == (n,)
    assert not c.indptr.flags.writeable
    assert not c.indices.flags.writeable
    # weights used by routing are non-negative
    for name in (
        "travel_h",
        "wait_service_h",
        "wait_border_h",
        "wait_transfer_h",
        "wait_gauge_h",
        "wait_dwell_h",
        "length_km",
    ):
        assert np.all(c.edge.float_column(name) >= 0), name
    # every open node has an origin and a destination vertex at that node
    for i, node in enumerate(c.network.nodes):
        if node.status != "open":
            continue
        for v in (c.origin_vertex[i], c.destination_vertex[i]):
            assert 0 <= v < n
            assert c.vertex_node[v] == i


def test_mini_csr_is_consistent(mini: Network) -> None:
    assert_csr_consistent(compile_network(mini))


@given(case=rail_cases(with_dwell=True))
def test_random_csr_is_consistent(case: Case) -> None:
    assert_csr_consistent(compile_network(case.net))


@given(case=rail_cases())
def test_single_mode_network_compiles_to_its_own_size(case: Case) -> None:
    c = compile_network(case.net)
    assert c.n_vertices == len(case.net.nodes)
    assert c.n_edges == len(case.net.links)
    assert set(c.vertex_kind.tolist()) == {VKIND["hub"]}
    assert np.array_equal(c.origin_vertex, c.destination_vertex)
    assert set(c.edge.kind.tolist()) <= {KIND["link"]}


def _vertices(c: CompiledNetwork, node_id: str) -> Counter[tuple[str, str]]:
    i = c.node_index(node_id)
    return Counter(
        (
            VERTEX_KINDS[c.vertex_kind[v]],
            class_label(int(c.vertex_class[v])) if c.vertex_class[v] >= 0 else "-",
        )
        for v in np.flatnonzero(c.vertex_node == i)
    )


def test_simple_nodes_collapse_to_one_vertex(mini: Network) -> None:
    c = compile_network(mini)
    for node_id, cls in (("CN_A", "rail:1435"), ("GE_T", "rail:1520")):
        assert _vertices(c, node_id) == Counter({("hub", cls): 1})
        i = c.node_index(node_id)
        assert c.origin_vertex[i] == c.destination_vertex[i]


def test_complex_nodes_expand(mini: Network) -> None:
    c = compile_network(mini)
    per_class = {"arrival", "departure"}
    expected = {
        "KZ_B": ["rail:1435", "rail:1520", "road"],  # several classes and transfers
        "KZ_C": ["rail:1520"],  # one class, but a transit dwell
        "KZ_P": ["rail:1520", "road", "ferry"],
        "AZ_P": ["rail:1520", "ferry"],
    }
    for node_id, classes in expected.items():
        vs = _vertices(c, node_id)
        assert vs[("origin", "-")] == 1
        assert vs[("destination", "-")] == 1
        for cls in classes:
            for kind in per_class:
                assert vs[(kind, cls)] == 1, (node_id, kind, cls)
        i = c.node_index(node_id)
        assert c.vertex_kind[c.origin_vertex[i]] == VKIND["origin"]
        assert c.vertex_kind[c.destination_vertex[i]] == VKIND["destination"]
        # origin loads onto each class, each class unloads to the destination
        e = c.edge
        loads = (e.kind == KIND["load"]) & (c.tail == c.origin_vertex[i])
        unloads = (e.kind == KIND["unload"]) & (c.indices == c.destination_vertex[i])
        assert loads.sum() == unloads.sum() == len(classes)
    # the ferry stops have one aboard vertex per service run (two runs: both ways)
    assert _vertices(c, "KZ_P")[("aboard", "ferry")] == 2
    assert _vertices(c, "AZ_P")[("aboard", "ferry")] == 2


def test_transit_dwell_on_its_edge(mini: Network) -> None:
    c = compile_network(mini)
    i = c.node_index("KZ_C")
    transit = (c.edge.kind == KIND["transit"]) & (c.edge.node_from == i)
    assert transit.sum() == 1
    assert c.edge.wait_dwell_h[transit][0] == 5.0


def _link_edges(c: CompiledNetwork, link_id: str) -> np.ndarray:
    li = c.network.index_of("links", link_id)
    return np.flatnonzero(c.edge.link == li)


def test_bidirectional_links_give_two_directed_edges(mini: Network) -> None:
    c = compile_network(mini)
    for link_id in ("A-B", "B-C", "C-P", "B-P-road", "P-T"):
        edges = _link_edges(c, link_id)
        assert len(edges) == 2
        assert sorted(c.edge.reverse[edges].tolist()) == [0, 1]
        lk = mini.link(link_id)
        fwd = edges[c.edge.reverse[edges] == 0][0]
        assert c.node_ids[c.edge.node_from[fwd]] == lk.from_node
        assert c.node_ids[c.edge.node_to[fwd]] == lk.to_node
    one_way = compile_network(mini.update_link("A-B", bidirectional=False))
    edges = _link_edges(one_way, "A-B")
    assert len(edges) == 1
    assert one_way.edge.reverse[edges[0]] == 0


def test_closed_and_planned_records_are_left_out(mini: Network) -> None:
    base = compile_network(mini)
    for status in ("closed", "planned"):
        c = compile_network(mini.update_link("B-P-road", status=status))
        assert len(_link_edges(c, "B-P-road")) == 0
        assert ("arrival", "road") not in _vertices(c, "KZ_B")
        assert c.n_edges < base.n_edges
        assert_csr_consistent(c)

        c = compile_network(mini.update_node("KZ_C", status=status))
        i = c.node_index("KZ_C")
        assert c.origin_vertex[i] == c.destination_vertex[i] == -1
        assert not np.any(c.vertex_node == i)
        assert len(_link_edges(c, "B-C")) == len(_link_edges(c, "C-P")) == 0
        assert not np.any((c.edge.node_from == i) | (c.edge.node_to == i))
        assert_csr_consistent(c)

        c = compile_network(mini.update_record("transfers", "B-gauge", status=status))
        assert not np.any(c.edge.kind == KIND["gauge"])

        c = compile_network(mini.update_record("services", "ferry", status=status))
        assert not np.any(np.isin(c.edge.kind, [KIND["board"], KIND["ride"]]))
        assert len(c.service_expected_wait_h) == 0


def test_border_waits_are_exit_of_tail_plus_entry_of_head(mini: Network) -> None:
    c = compile_network(mini)
    dwell = {(b.node, b.direction): b.dwell_h for b in mini.borders}
    country = {n.id: n.country for n in mini.nodes}
    moves = np.flatnonzero(np.isin(c.edge.kind, [KIND["link"], KIND["ride"]]))
    assert len(moves) == 12
    for e in moves:
        a = c.node_ids[c.edge.node_from[e]]
        b = c.node_ids[c.edge.node_to[e]]
        expected = 0.0
        if country[a] != country[b]:
            expected = dwell.get((a, "exit"), 0.0) + dwell.get((b, "entry"), 0.0)
        assert c.edge.wait_border_h[e] == expected, (a, b)
    # spelled out: CN->KZ 6 + 10, KZ->CN nothing declared; ferry KZ->AZ 4 + 6, AZ->KZ 3
    by_ends = {
        (c.node_ids[c.edge.node_from[e]], c.node_ids[c.edge.node_to[e]]): c.edge.wait_border_h[e]
        for e in moves
    }
    assert by_ends[("CN_A", "KZ_B")] == 16.0
    assert by_ends[("KZ_B", "CN_A")] == 0.0
    assert by_ends[("KZ_P", "AZ_P")] == 10.0
    assert by_ends[("AZ_P", "KZ_P")] == 3.0
    assert by_ends[("AZ_P", "GE_T")] == 8.0
    assert by_ends[("KZ_B", "KZ_C")] == 0.0


def test_border_costs_add_to_the_tariff(mini: Network) -> None:
    c = compile_network(mini)
    edges = _link_edges(c, "A-B")
    fwd = edges[c.edge.reverse[edges] == 0][0]
    rail_tariff = 0.5 * 100  # mode default USD/(TEU km) * km
    assert c.edge.cost_usd_per_teu[fwd] == rail_tariff + 50 + 60


def test_mode_border_overrides_generic(mini: Network) -> None:
    specific = dataclasses.replace(mini.borders[1], id="B-entry-rail", mode="rail", dwell_h=1.0)
    c = compile_network(mini.add("borders", [specific]))
    edges = _link_edges(c, "A-B")
    fwd = edges[c.edge.reverse[edges] == 0][0]
    assert c.edge.wait_border_h[fwd] == 6.0 + 1.0


def test_gauge_change_edges_at_the_border_station(mini: Network) -> None:
    c = compile_network(mini)
    gauge = np.flatnonzero(c.edge.kind == KIND["gauge"])
    assert len(gauge) == 2  # both ways: transfers are bidirectional by default
    i = c.node_index("KZ_B")
    ti = mini.index_of("transfers", "B-gauge")
    pairs = set()
    for e in gauge:
        assert c.edge.node_from[e] == c.edge.node_to[e] == i
        assert c.edge.transfer[e] == ti
        assert c.edge.wait_gauge_h[e] == 8.0
        assert c.edge.wait_transfer_h[e] == 0.0
        assert c.edge.cost_usd_per_teu[e] == 150.0
        assert c.vertex_kind[c.tail[e]] == VKIND["arrival"]
        assert c.vertex_kind[c.indices[e]] == VKIND["departure"]
        pairs.add(
            (
                class_label(int(c.vertex_class[c.tail[e]])),
                class_label(int(c.vertex_class[c.indices[e]])),
            )
        )
    assert pairs == {("rail:1435", "rail:1520"), ("rail:1520", "rail:1435")}


def test_one_way_transfer(mini: Network) -> None:
    c = compile_network(mini.update_record("transfers", "B-gauge", bidirectional=False))
    gauge = np.flatnonzero(c.edge.kind == KIND["gauge"])
    assert len(gauge) == 1
    assert class_label(int(c.vertex_class[c.tail[gauge[0]]])) == "rail:1435"


# -- service waits ------------------------------------------------------------------------------


def test_frequency_service_wait_is_half_the_headway(mini: Network) -> None:
    c = compile_network(mini)
    assert expected_wait_h(mini.service("ferry")) == 12.0
    assert c.service_expected_wait_h.tolist() == [12.0, 12.0]
    board = c.edge.kind == KIND["board"]
    assert c.edge.wait_service_h[board].tolist() == [12.0, 12.0]


@pytest.mark.parametrize("a", [1.0, 0.9, 0.5, 0.25])
def test_availability_adds_cancelled_headways(mini: Network, a: float) -> None:
    svc = dataclasses.replace(mini.service("ferry"), availability=a)
    headway = WEEK_H / 7
    assert expected_wait_h(svc) == pytest.approx(headway / 2 + headway * (1 - a) / a)
    c = compile_network(mini.replace(services=(svc,)))
    assert c.service_expected_wait_h == pytest.approx([expected_wait_h(svc)] * 2)
    if a == 0.5:  # 12 h + one more 24 h headway on average
        assert expected_wait_h(svc) == pytest.approx(36.0)


def test_no_sailings_means_no_wait_bound() -> None:
    base = Service(id="s", name="S", mode="ferry", stops=("A", "B"), sailings_per_week=7.0)
    assert expected_wait_h(dataclasses.replace(base, availability=0.0)) == float("inf")
    assert expected_wait_h(dataclasses.replace(base, sailings_per_week=0.0)) == float("inf")


def _timetable(*departures: str, availability: float = 1.0) -> Service:
    return Service(
        id="s",
        name="S",
        mode="ferry",
        stops=("A", "B"),
        departures=departures,
        availability=availability,
    )


def test_timetable_wait_uses_the_real_gaps() -> None:
    # Mon 00:00 and Tue 00:00: gaps of 24 h and 144 h
    assert expected_wait_h(_timetable("Mon 00:00", "Tue 00:00")) == pytest.approx(
        (24**2 + 144**2) / 336
    )
    assert expected_wait_h(_timetable("Tue 00:00", "Mon 00:00")) == pytest.approx(
        (24**2 + 144**2) / 336
    )
    assert expected_wait_h(_timetable("Wed 10:00")) == pytest.approx(84.0)
    daily = _timetable(*(f"{d} 06:30" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")))
    assert expected_wait_h(daily) == pytest.approx(12.0)
    # irregular gaps wait longer than the same number of evenly spread sailings
    assert expected_wait_h(_timetable("Mon 00:00", "Tue 00:00")) > WEEK_H / 2 / 2
    assert expected_wait_h(_timetable("Mon 00:00", "Tue 00:00", availability=0.5)) == (
        pytest.approx((24**2 + 144**2) / 336 + 84.0 * 1.0)
    )


def test_departures_in_hours_from_monday() -> None:
    deps = departures_h(_timetable("Sun 23:30", "Mon 00:00", "Wed 10:15"))
    assert deps.tolist() == [0.0, 2 * 24 + 10.25, 6 * 24 + 23.5]


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_minute_of_week = st.integers(0, 7 * 24 * 60 - 1)


@given(st.lists(_minute_of_week, min_size=1, max_size=8))
def test_timetable_wait_is_the_mean_wait_over_the_week(minutes: list[int]) -> None:
    svc = _timetable(*(f"{_DAYS[m // 1440]} {m % 1440 // 60:02d}:{m % 60:02d}" for m in minutes))
    deps = np.sort(np.asarray(minutes, dtype=float))
    # the wait is linear between departures, so the midpoint rule on minute cells is exact
    t = np.arange(7 * 24 * 60) + 0.5
    nxt = np.searchsorted(deps, t)
    wait = np.where(
        nxt < len(deps), deps[np.minimum(nxt, len(deps) - 1)] - t, deps[0] + 7 * 24 * 60 - t
    )
    assert expected_wait_h(svc) == pytest.approx(wait.mean() / 60, rel=1e-9)


def test_timetable_service_compiles_with_its_departures(mini_timetabled: Network) -> None:
    c = compile_network(mini_timetabled)
    assert len(c.service_departures_h) == 1  # one way only
    assert c.service_departures_h[0].tolist() == [2 * 24 + 10.0]
    assert c.service_expected_wait_h.tolist() == [84.0]


# -- purity and what-if edits -----------------------------------------------------------------


def _arrays(c: CompiledNetwork) -> dict[str, np.ndarray]:
    out = {
        f.name: getattr(c, f.name)
        for f in dataclasses.fields(c)
        if isinstance(getattr(c, f.name), np.ndarray)
    }
    out.update({f"edge.{k}": v for k, v in c.edge.items()})
    return out


def test_compile_is_pure(mini_path: Path) -> None:
    net = read_network(mini_path)
    before = dumps_network(net)
    c1 = compile_network(net)
    assert dumps_network(net) == before
    assert net == read_network(mini_path)
    c2 = compile_network(read_network(mini_path))
    a1, a2 = _arrays(c1), _arrays(c2)
    assert a1.keys() == a2.keys()
    for k in a1:
        np.testing.assert_array_equal(a1[k], a2[k], err_msg=k)
    assert c1.node_ids == c2.node_ids
    assert c1.commodity_ids == c2.commodity_ids
    assert c1.n_vertices == c2.n_vertices


def test_compiled_form_is_cached_per_network(mini_path: Path) -> None:
    net = read_network(mini_path)
    assert net.compiled() is net.compiled()
    closed = net.close_link("B-C")
    assert closed.compiled() is not net.compiled()
    assert len(_link_edges(closed.compiled(), "B-C")) == 0
    assert len(_link_edges(net.compiled(), "B-C")) == 2


def test_edits_return_new_networks(mini: Network) -> None:
    snapshot = dumps_network(mini)
    edits = {
        "update_link": mini.update_link("B-C", length_km=1.0),
        "close_link": mini.close_link("B-C"),
        "close_node": mini.close_node("KZ_C"),
        "update_node": mini.update_node("KZ_C", transit_dwell_h=0.0),
        "set_restriction": mini.set_restriction("no-grain-GE", active=False),
        "add": mini.add("restrictions", [Restriction(id="r", scope="node", target="KZ_C")]),
        "remove": mini.remove("links", ["B-P-road"]),
        "replace": mini.replace(services=()),
        "update_record": mini.update_record("services", "ferry", sailings_per_week=3.0),
    }
    for name, new in edits.items():
        assert new is not mini, name
        assert new != mini, name
    assert dumps_network(mini) == snapshot
    assert mini.link("B-C").length_km == 800.0
    assert mini.link("B-C").status == "open"
    assert mini.restriction("no-grain-GE").active is True
    assert edits["close_link"].link("B-C").status == "closed"
    assert edits["set_restriction"].restriction("no-grain-GE").active is False
    assert not edits["remove"].has("links", "B-P-road")
    assert edits["add"].restriction("r").target == "KZ_C"
    assert edits["update_record"].service("ferry").sailings_per_week == 3.0


def test_records_and_networks_are_frozen(mini: Network) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        mini.link("B-C").length_km = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        mini.nodes = ()  # type: ignore[misc]


def test_edits_of_missing_records(mini: Network) -> None:
    with pytest.raises(NotFoundError, match="no link with id 'X'"):
        mini.close_link("X")
    with pytest.raises(NotFoundError):
        mini.remove("links", ["X"])
    with pytest.raises(NotFoundError, match="KZ_CC"):
        mini.close_node("KZ_CC")
    with pytest.raises(UnknownNodeError, match="did you mean"):
        mini.node("KZ_CC")


def test_invalid_network_does_not_compile(mini: Network) -> None:
    bad = mini.update_link("B-C", to_node="KZ_CC").update_node("KZ_C", country="XK")
    with pytest.raises(ValidationError, match="cannot compile an invalid network") as info:
        compile_network(bad)
    assert len(info.value.issues) == 2
    assert "(and 1 more)" in str(info.value)


def test_warnings_do_not_stop_compilation(mini: Network) -> None:
    c = compile_network(mini.replace(services=()))  # ferry link without a service: a warning
    assert not np.any(c.edge.kind == KIND["ride"])


def test_node_index_of_unknown_node(mini: Network) -> None:
    with pytest.raises(UnknownNodeError, match="Junction"):
        compile_network(mini).node_index("KZ_CC")


# -- the typed edge record and caches ---------------------------------------------------------


def test_edge_record_declares_every_attribute_once(mini_path: Path) -> None:
    from corridor_twin.network.compiled import (
        EDGE_DEFAULTS,
        EDGE_FLOAT_ATTRS,
        EDGE_INT_ATTRS,
        EdgeArrays,
    )

    fields = dataclasses.fields(EdgeArrays)
    assert [f.name for f in fields] == [*EDGE_FLOAT_ATTRS, *EDGE_INT_ATTRS]
    assert set(EDGE_DEFAULTS) == {f.name for f in fields}
    for f in fields:
        assert f.metadata["description"], f.name
        assert f.metadata["dtype"] in {"float64", "int32"}, f.name
    c = compile_network(read_network(mini_path))
    for name, arr in c.edge.items():
        dtype = np.float64 if name in EDGE_FLOAT_ATTRS else np.int32
        assert arr.dtype == dtype, name
    assert c.edge.float_column("travel_h") is c.edge.travel_h
    assert c.edge.int_column("link") is c.edge.link
    with pytest.raises(KeyError, match="known"):
        c.edge.float_column("kind")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.edge.travel_h = c.edge.length_km  # type: ignore[misc]


def test_cache_slot_is_typed_bounded_and_per_network(mini_path: Path) -> None:
    from corridor_twin.network.compiled import CacheSlot

    slot: CacheSlot[int, list[int]] = CacheSlot("test.slot", size=2)
    a = compile_network(read_network(mini_path))
    b = compile_network(read_network(mini_path))
    made: list[int] = []

    def make(k: int) -> list[int]:
        made.append(k)
        return [k]

    assert slot.get(a, 1, lambda: make(1)) == [1]
    assert slot.get(a, 1, lambda: make(1)) == [1]  # cached
    assert slot.get(b, 1, lambda: make(1)) == [1]  # another network has its own cache
    slot.get(a, 2, lambda: make(2))
    slot.get(a, 3, lambda: make(3))  # drops the oldest (1)
    slot.get(a, 1, lambda: make(1))
    assert made == [1, 1, 2, 3, 1]
