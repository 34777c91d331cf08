"""Metamorphic and invariant properties of route planning (test corridor and random networks)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta, timezone

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor_twin.errors import NoRouteError, OptionError, UnknownNodeError
from corridor_twin.network import validate
from corridor_twin.network.model import Link, Network, Node, Restriction
from corridor_twin.routing import (
    WAIT_KINDS,
    EdgeCosts,
    GeneralizedCost,
    Route,
    earliest_arrival,
    k_routes,
    pareto_routes,
    route,
    skim,
)
from strategies import Case, rail_cases

MINI_NODES = ("CN_A", "KZ_B", "KZ_C", "KZ_P", "AZ_P", "GE_T")
PAIRS = [(o, d) for o, d in itertools.permutations(MINI_NODES, 2)]
TOTAL = {"time": "time_h", "cost": "cost_usd", "co2": "co2e_kg", "distance": "length_km"}
MONDAY = datetime(2025, 11, 3, tzinfo=UTC)  # a Monday, 00:00 UTC


def value(net: Network, o: str, d: str, objective: str, **kw: object) -> float:
    """Best objective value, ``inf`` when there is no route."""
    try:
        return route(net, o, d, optimize=objective, **kw).objective_value  # type: ignore[arg-type]
    except NoRouteError:
        return float("inf")


def assert_route_consistent(r: Route) -> None:
    """Legs chain from origin to destination and add up to the totals."""
    assert r.legs
    assert r.legs[0].from_node == r.origin
    assert r.legs[-1].to_node == r.destination
    for a, b in itertools.pairwise(r.legs):
        assert a.to_node == b.from_node
    assert r.nodes == (r.origin, *(leg.to_node for leg in r.legs))
    for leg in r.legs:
        assert leg.co2e_kg == pytest.approx(leg.wtt_kg + leg.ttw_kg)
        assert leg.time_h == pytest.approx(leg.travel_h + leg.wait_h)
        assert leg.wait_h == pytest.approx(sum(getattr(leg, f"wait_{k}_h") for k in WAIT_KINDS))
        assert min(leg.travel_h, leg.wait_h, leg.cost_usd, leg.co2e_kg, leg.length_km) >= 0
    assert r.time_h == pytest.approx(sum(leg.time_h for leg in r.legs))
    assert r.cost_usd == pytest.approx(sum(leg.cost_usd for leg in r.legs))
    assert r.co2e_kg == pytest.approx(r.wtt_kg + r.ttw_kg)
    assert r.length_km == pytest.approx(sum(leg.length_km for leg in r.legs))
    assert r.time_h == pytest.approx(r.travel_h + r.wait_h)
    assert r.wait_h == pytest.approx(sum(r.waits_h.values()))
    assert r.time_days == pytest.approx(r.time_h / 24)
    if r.objective in TOTAL:
        assert r.objective_value == pytest.approx(getattr(r, TOTAL[r.objective]))


# -- legs and totals ---------------------------------------------------------------------------


@pytest.mark.parametrize("objective", list(TOTAL))
@pytest.mark.parametrize(("o", "d"), PAIRS)
def test_legs_add_up_and_chain(mini: Network, o: str, d: str, objective: str) -> None:
    assert_route_consistent(route(mini, o, d, optimize=objective))


@given(
    case=rail_cases(max_nodes=15, with_dwell=True, with_costs=True),
    objective=st.sampled_from(list(TOTAL)),
)
def test_random_routes_add_up_and_chain(case: Case, objective: str) -> None:
    try:
        r = route(case.net, case.origin, case.destination, optimize=objective)
    except NoRouteError:
        return
    assert_route_consistent(r)


def test_mini_route_spelled_out(mini: Network) -> None:
    r = route(mini, "Origin", "terminal", cargo="container")
    assert (r.origin, r.destination, r.unit, r.objective) == ("CN_A", "GE_T", "teu", "time")
    assert r.nodes == ("CN_A", "KZ_B", "KZ_P", "AZ_P", "GE_T")
    assert r.modes == ("rail", "road", "ferry", "rail")
    ferry = r.legs[2]
    assert (ferry.service, ferry.link, ferry.travel_h) == ("ferry", "P-P", 18.0)
    assert ferry.wait_service_h == 12.0  # 7 sailings a week: half the 24 h headway
    assert ferry.wait_border_h == 10.0  # KZ exit 4 + AZ entry 6
    assert ferry.wait_transfer_h == 4.0  # road -> ferry roll-on
    assert r.legs[0].wait_border_h == 16.0
    assert r.waits_h == {
        "service": 12.0,
        "border": 34.0,
        "transfer": 20.0,
        "gauge": 0.0,
        "dwell": 0.0,
    }
    assert any("transship" in op for op in r.legs[1].operations)
    assert "CN_A->GE_T" in repr(r)


# -- objectives against each other --------------------------------------------------------------


@pytest.mark.parametrize(("o", "d"), PAIRS)
def test_each_objective_is_best_at_its_own_criterion(mini: Network, o: str, d: str) -> None:
    best = {obj: route(mini, o, d, optimize=obj) for obj in TOTAL}
    for obj, total in TOTAL.items():
        for other in best.values():
            assert getattr(best[obj], total) <= getattr(other, total) + 1e-9


@given(case=rail_cases(max_nodes=15, with_dwell=True, with_costs=True))
def test_cost_and_time_optima_trade_off(case: Case) -> None:
    net, o, d = case.net, case.origin, case.destination
    try:
        fast = route(net, o, d, optimize="time")
    except NoRouteError:
        return
    cheap = route(net, o, d, optimize="cost")
    assert cheap.cost_usd <= fast.cost_usd + 1e-9
    assert fast.time_h <= cheap.time_h + 1e-9


@pytest.mark.parametrize(("o", "d"), PAIRS[::3])
def test_generalized_cost(mini: Network, o: str, d: str) -> None:
    cheap = route(mini, o, d, optimize="cost")
    free_time = route(
        mini,
        o,
        d,
        optimize="generalized",
        generalized=GeneralizedCost(value_of_time_usd_per_unit_h=0.0),
    )
    assert free_time.objective_value == pytest.approx(cheap.objective_value)
    vot, co2_price = 25.0, 80.0
    g = GeneralizedCost(value_of_time_usd_per_unit_h=vot, co2_price_usd_per_t=co2_price)
    r = route(mini, o, d, optimize="generalized", generalized=g)

    def gen(x: Route) -> float:
        return x.cost_usd + vot * x.time_h + co2_price * x.co2e_kg / 1000

    assert r.objective_value == pytest.approx(gen(r))
    for other in ("time", "cost", "co2"):
        assert r.objective_value <= gen(route(mini, o, d, optimize=other)) + 1e-9
    # the commodity's own value of time (2 USD/TEU-h in mini) is the default
    default = route(mini, o, d, optimize="generalized")
    assert default.objective_value == pytest.approx(default.cost_usd + 2.0 * default.time_h)


def test_custom_objective(mini: Network) -> None:
    def double_time(c: EdgeCosts, g: GeneralizedCost) -> np.ndarray:
        return 2 * c.time_h

    r = route(mini, "CN_A", "GE_T", optimize=double_time)
    assert r.objective == "double_time"
    assert r.objective_value == pytest.approx(2 * route(mini, "CN_A", "GE_T").time_h)


@pytest.mark.parametrize("bad", ["fastest", "Time"])
def test_unknown_objective(mini: Network, bad: str) -> None:
    with pytest.raises(OptionError, match="choose from"):
        route(mini, "CN_A", "GE_T", optimize=bad)


def test_negative_objective_is_refused(mini: Network) -> None:
    with pytest.raises(OptionError, match="non-negative"):
        route(mini, "CN_A", "GE_T", optimize=lambda c, g: -c.time_h)


def test_negative_generalized_weights_are_refused() -> None:
    with pytest.raises(OptionError):
        GeneralizedCost(value_of_time_usd_per_unit_h=-1.0)
    with pytest.raises(OptionError):
        GeneralizedCost(co2_price_usd_per_t=-1.0)


# -- metamorphic: edits never help --------------------------------------------------------------


@pytest.mark.parametrize("objective", ["time", "cost", "co2"])
def test_closing_a_link_never_shortens(mini: Network, objective: str) -> None:
    base = {(o, d): value(mini, o, d, objective) for o, d in PAIRS}
    for lk in mini.links:
        closed = mini.close_link(lk.id)
        for o, d in PAIRS:
            assert value(closed, o, d, objective) >= base[(o, d)] - 1e-9, (lk.id, o, d)


@given(
    case=rail_cases(max_nodes=15, with_dwell=True, with_costs=True),
    objective=st.sampled_from(["time", "cost", "co2"]),
    data=st.data(),
)
def test_closing_a_random_link_never_shortens(
    case: Case, objective: str, data: st.DataObject
) -> None:
    net = case.net
    link = data.draw(st.sampled_from(net.links))
    before = value(net, case.origin, case.destination, objective)
    after = value(net.close_link(link.id), case.origin, case.destination, objective)
    assert after >= before - 1e-9
    try:
        best = route(net, case.origin, case.destination, optimize=objective)
    except NoRouteError:
        return
    if link.id not in {leg.link for leg in best.legs}:
        assert after == pytest.approx(before)  # an unused link changes nothing


@given(case=rail_cases(max_nodes=15, with_dwell=True), c=st.sampled_from([0.5, 2.0, 3.0, 10.0]))
def test_scaling_lengths_and_dwell_scales_time(case: Case, c: float) -> None:
    net = case.net
    scaled = net.replace(
        links=tuple(dataclasses.replace(lk, length_km=lk.length_km * c) for lk in net.links),
        nodes=tuple(
            dataclasses.replace(n, transit_dwell_h=n.transit_dwell_h * c) for n in net.nodes
        ),
    )
    before = value(net, case.origin, case.destination, "time")
    after = value(scaled, case.origin, case.destination, "time")
    assert after == pytest.approx(c * before, rel=1e-9)


@given(case=rail_cases(max_nodes=15), c=st.sampled_from([0.25, 2.0, 7.0]))
def test_scaling_durations_scales_time(case: Case, c: float) -> None:
    net = case.net
    with_durations = net.replace(
        links=tuple(
            dataclasses.replace(lk, duration_h=lk.length_km / (lk.speed_kmh or 1.0))
            for lk in net.links
        )
    )
    scaled = net.replace(
        links=tuple(
            dataclasses.replace(lk, duration_h=c * lk.duration_h)  # type: ignore[operator]
            for lk in with_durations.links
        )
    )
    before = value(with_durations, case.origin, case.destination, "time")
    assert before == pytest.approx(value(net, case.origin, case.destination, "time"))
    assert value(scaled, case.origin, case.destination, "time") == pytest.approx(c * before)


def _restrictions(net: Network) -> list[Restriction]:
    out = [Restriction(id=f"n-{n}", scope="node", target=n) for n in MINI_NODES]
    out += [Restriction(id=f"l-{lk.id}", scope="link", target=lk.id) for lk in net.links]
    out += [Restriction(id=f"c-{c}", scope="country", target=c) for c in ("KZ", "AZ", "GE")]
    return out


@pytest.mark.parametrize("objective", ["time", "cost"])
def test_adding_a_restriction_never_shortens(mini: Network, objective: str) -> None:
    base = {(o, d): value(mini, o, d, objective) for o, d in PAIRS}
    for r in _restrictions(mini):
        restricted = mini.add("restrictions", [r])
        # the same restriction for another cargo changes nothing for containers
        other = mini.add("restrictions", [dataclasses.replace(r, commodity="grain")])
        for o, d in PAIRS:
            assert value(restricted, o, d, objective) >= base[(o, d)] - 1e-9, (r.id, o, d)
            assert value(other, o, d, objective) == pytest.approx(base[(o, d)]), (r.id, o, d)
        if r.scope == "node":  # a banned end node leaves no route at all
            with pytest.raises(NoRouteError):
                route(restricted, r.target, "GE_T" if r.target != "GE_T" else "CN_A")


def test_restricted_node_is_not_used(mini: Network) -> None:
    net = mini.add("restrictions", [Restriction(id="no-road", scope="link", target="B-P-road")])
    r = route(net, "CN_A", "GE_T")
    assert "B-P-road" not in {leg.link for leg in r.legs}
    assert r.nodes == ("CN_A", "KZ_B", "KZ_C", "KZ_P", "AZ_P", "GE_T")


@given(case=rail_cases(max_nodes=15, with_countries=True), data=st.data())
def test_avoid_countries(case: Case, data: st.DataObject) -> None:
    net, o, d = case.net, case.origin, case.destination
    ends = {net.node(o).country, net.node(d).country}
    free = sorted({"KZ", "AZ", "GE"} - ends)
    if not free:
        for country in ends:
            with pytest.raises(OptionError, match="which you avoid"):
                route(net, o, d, avoid_countries=[country])
        return
    avoid = data.draw(st.sets(st.sampled_from(free), min_size=1))
    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in net.nodes if n.country not in avoid)
    for lk in net.links:
        if lk.from_node in g and lk.to_node in g:
            g.add_edge(lk.from_node, lk.to_node, weight=lk.length_km / (lk.speed_kmh or 1.0))
    if not nx.has_path(g, o, d):
        with pytest.raises(NoRouteError, match="avoiding"):
            route(net, o, d, avoid_countries=avoid)
        return
    r = route(net, o, d, avoid_countries=avoid)
    assert not {net.node(n).country for n in r.nodes} & avoid
    assert r.time_h == pytest.approx(nx.dijkstra_path_length(g, o, d))
    assert r.time_h >= value(net, o, d, "time") - 1e-9


def test_avoid_a_country_on_mini(mini: Network) -> None:
    with pytest.raises(NoRouteError, match="avoiding KZ"):
        route(mini, "CN_A", "GE_T", avoid_countries=["KZ"])
    r = route(mini, "KZ_B", "KZ_P", avoid_countries=["CN"])
    assert "CN_A" not in r.nodes
    with pytest.raises(OptionError, match="which you avoid"):
        route(mini, "CN_A", "GE_T", avoid_countries=["CN"])


def test_modes_option(mini: Network) -> None:
    r = route(mini, "CN_A", "KZ_P", modes=["rail"])
    assert r.modes == ("rail",)
    assert r.time_h >= route(mini, "CN_A", "KZ_P").time_h
    with pytest.raises(NoRouteError):
        route(mini, "CN_A", "AZ_P", modes=["rail", "road"])
    with pytest.raises(OptionError, match="unknown mode"):
        route(mini, "CN_A", "KZ_P", modes=["hyperloop"])


# -- cargo and restrictions on the test corridor -------------------------------------------------


def test_grain_to_georgia_is_blocked_until_lifted(mini: Network) -> None:
    with pytest.raises(NoRouteError, match="no-grain-GE"):
        route(mini, "CN_A", "GE_T", cargo="grain")
    lifted = mini.set_restriction("no-grain-GE", active=False)
    r = route(lifted, "CN_A", "GE_T", cargo="grain")
    assert (r.commodity, r.unit, r.destination) == ("grain", "t", "GE_T")
    assert "AZ_P" in r.nodes
    # it binds only cargo bound for Georgia: grain for Azerbaijan goes through
    assert route(mini, "CN_A", "AZ_P", cargo="grain").destination == "AZ_P"
    # and only grain
    assert route(mini, "CN_A", "GE_T", cargo="container").destination == "GE_T"


def test_crude_oil_has_no_mode_in_mini(mini: Network) -> None:
    for o, d in (("CN_A", "GE_T"), ("KZ_P", "AZ_P"), ("KZ_B", "KZ_C")):
        with pytest.raises(NoRouteError, match="crude_oil"):
            route(mini, o, d, cargo="crude_oil")


def test_bulk_figures_are_per_tonne(mini: Network) -> None:
    box = route(mini, "CN_A", "AZ_P", cargo="container")
    grain = route(mini, "CN_A", "AZ_P", cargo="grain")
    assert box.nodes == grain.nodes
    # emissions are per tonne-km: a TEU carries t_per_teu = 10 t
    assert box.co2e_kg == pytest.approx(10 * grain.co2e_kg)


def test_unknown_cargo_and_nodes(mini: Network) -> None:
    with pytest.raises(OptionError, match="unknown cargo 'coal'"):
        route(mini, "CN_A", "GE_T", cargo="coal")
    with pytest.raises(UnknownNodeError, match="did you mean") as info:
        route(mini, "Junktion", "GE_T")
    assert "Junction (KZ_C)" in info.value.suggestions
    assert route(mini, "ORIGIN CITY", "port-east").destination == "AZ_P"


def test_closed_origin_has_no_route(mini: Network) -> None:
    with pytest.raises(NoRouteError, match="closed"):
        route(mini.close_node("CN_A"), "CN_A", "GE_T")


# -- k routes and Pareto sets on the test corridor -----------------------------------------------


@pytest.mark.parametrize(("o", "d"), PAIRS[::2])
def test_k_routes_are_ordered_distinct_and_start_with_the_best(
    mini: Network, o: str, d: str
) -> None:
    rs = k_routes(mini, o, d, k=4)
    values = [r.objective_value for r in rs]
    assert values == sorted(values)
    assert values[0] == pytest.approx(route(mini, o, d).objective_value)
    links = [tuple(leg.link for leg in r.legs) for r in rs]
    assert len(set(links)) == len(links)
    for r in rs:
        assert_route_consistent(r)


def test_k_routes_never_visit_a_place_twice(mini: Network) -> None:
    for r in k_routes(mini, "CN_A", "KZ_P", k=3):
        assert len(set(r.nodes)) == len(r.nodes), r.nodes


def test_k_must_be_positive(mini: Network) -> None:
    with pytest.raises(OptionError, match="at least 1"):
        k_routes(mini, "CN_A", "GE_T", k=0)


@pytest.mark.parametrize(("o", "d"), PAIRS[::2])
def test_pareto_set_is_nondominated_and_holds_each_optimum(mini: Network, o: str, d: str) -> None:
    rs = pareto_routes(mini, o, d)
    assert rs.complete
    vecs = [(r.time_h, r.cost_usd, r.co2e_kg) for r in rs]
    for i, a in enumerate(vecs):
        for j, b in enumerate(vecs):
            if i != j:
                assert not all(x <= y + 1e-9 for x, y in zip(b, a, strict=True)), (a, b)
    assert [v[0] for v in vecs] == sorted(v[0] for v in vecs)
    for k, obj in enumerate(("time", "cost", "co2")):
        best = getattr(route(mini, o, d, optimize=obj), TOTAL[obj])
        assert min(v[k] for v in vecs) == pytest.approx(best)


# -- result frames -------------------------------------------------------------------------------

LEG_COLUMNS = [
    "from_node",
    "to_node",
    "from_name",
    "to_name",
    "mode",
    "link",
    "service",
    "length_km",
    "travel_h",
    "wait_service_h",
    "wait_border_h",
    "wait_transfer_h",
    "wait_gauge_h",
    "wait_dwell_h",
    "time_h",
    "cost_usd",
    "co2e_kg",
    "wtt_kg",
    "ttw_kg",
    "departure",
    "arrival",
    "operations",
]


def test_route_frame(mini: Network) -> None:
    r = route(mini, "CN_A", "GE_T")
    frame = r.to_frame()
    assert list(frame.columns) == LEG_COLUMNS
    assert len(frame) == len(r.legs)
    assert frame["time_h"].sum() == pytest.approx(r.time_h)
    assert frame["cost_usd"].sum() == pytest.approx(r.cost_usd)
    assert list(frame["from_node"]) == list(r.nodes[:-1])
    d = r.to_dict()
    assert len(d["legs"]) == len(r.legs)
    assert d["via"] == "CN_A > KZ_B > KZ_P > AZ_P > GE_T"


def test_route_set_frames(mini: Network) -> None:
    rs = k_routes(mini, "CN_A", "GE_T", k=2)
    frame = rs.to_frame()
    assert list(frame["rank"]) == [1, 2]
    assert list(frame.columns) == ["rank", *rs[0].totals()]
    for col in (
        "origin",
        "destination",
        "time_h",
        "cost_usd",
        "co2e_kg",
        "wtt_kg",
        "ttw_kg",
        "length_km",
        "via",
        *(f"wait_{k}_h" for k in WAIT_KINDS),
    ):
        assert col in frame.columns
    assert frame["time_h"].tolist() == pytest.approx([r.time_h for r in rs])
    legs = rs.legs_frame()
    assert len(legs) == sum(len(r.legs) for r in rs)
    assert set(legs["rank"]) == {1, 2}
    assert len(rs) == 2
    assert list(rs) == list(rs.routes)
    assert "k_shortest(time)" in repr(rs)


# -- timetables: earliest arrival ----------------------------------------------------------------


def _check_clock(r: Route, departure: datetime) -> None:
    """Leg times chain: operations before a leg, then running and border time."""
    assert r.departure is not None
    assert r.arrival is not None
    ready = departure
    for leg in r.legs:
        assert leg.departure is not None
        assert leg.arrival is not None
        before = leg.wait_h - leg.wait_border_h
        after = leg.travel_h + leg.wait_border_h
        if leg is r.legs[-1]:
            # the last leg also carries the operations at the destination
            assert leg.arrival >= leg.departure + timedelta(hours=after) - timedelta(seconds=1)
        else:
            assert leg.departure - ready == pytest.approx(
                timedelta(hours=before), abs=timedelta(seconds=1)
            )
            assert leg.arrival - leg.departure == pytest.approx(
                timedelta(hours=after), abs=timedelta(seconds=1)
            )
        ready = leg.arrival
    elapsed = (r.arrival - departure).total_seconds() / 3600
    assert elapsed == pytest.approx(r.time_h)
    assert r.objective_value == pytest.approx(r.time_h)


def test_timetable_wait_ends_at_the_sailing(mini_timetabled: Network) -> None:
    r = earliest_arrival(mini_timetabled, "KZ_P", "AZ_P", departure=MONDAY)
    (ferry,) = r.legs
    assert ferry.service == "ferry"
    assert ferry.departure == datetime(2025, 11, 5, 10, 0, tzinfo=UTC)  # Wednesday 10:00
    assert ferry.wait_service_h == pytest.approx(2 * 24 + 10)
    assert ferry.arrival == ferry.departure + timedelta(hours=18 + 10)  # sailing + borders
    _check_clock(r, MONDAY)


def test_timetable_through_route(mini_timetabled: Network) -> None:
    r = earliest_arrival(mini_timetabled, "CN_A", "GE_T", departure=MONDAY)
    ferry = next(leg for leg in r.legs if leg.service == "ferry")
    assert ferry.departure is not None
    assert (ferry.departure.weekday(), ferry.departure.hour, ferry.departure.minute) == (2, 10, 0)
    before = r.legs[r.legs.index(ferry) - 1]
    assert before.arrival is not None
    ready = before.arrival + timedelta(hours=ferry.wait_transfer_h)
    assert ready <= ferry.departure < ready + timedelta(days=7)
    assert ferry.departure - ready == pytest.approx(
        timedelta(hours=ferry.wait_service_h), abs=timedelta(seconds=1)
    )
    _check_clock(r, MONDAY)
    # the static route uses the expected wait over the week instead
    assert route(mini_timetabled, "CN_A", "GE_T").legs[2].wait_service_h == pytest.approx(84.0)


def test_missing_the_sailing_costs_a_week(mini_timetabled: Network) -> None:
    on_time = datetime(2025, 11, 5, 10, 0, tzinfo=UTC)
    a = earliest_arrival(mini_timetabled, "KZ_P", "AZ_P", departure=on_time)
    assert a.legs[0].wait_service_h == pytest.approx(0.0, abs=1e-6)
    late = earliest_arrival(
        mini_timetabled, "KZ_P", "AZ_P", departure=on_time + timedelta(minutes=1)
    )
    assert late.arrival - a.arrival == pytest.approx(timedelta(days=7), abs=timedelta(seconds=1))


WEST = [(o, d) for o in ("CN_A", "KZ_B", "KZ_C", "KZ_P") for d in ("AZ_P", "GE_T")]


@given(
    od=st.sampled_from(WEST), m1=st.integers(0, 3 * 7 * 24 * 60), m2=st.integers(0, 3 * 7 * 24 * 60)
)
def test_fifo_later_departure_never_arrives_earlier(
    mini_timetabled: Network, od: tuple[str, str], m1: int, m2: int
) -> None:
    early, late = sorted((m1, m2))
    a = earliest_arrival(mini_timetabled, *od, departure=MONDAY + timedelta(minutes=early))
    b = earliest_arrival(mini_timetabled, *od, departure=MONDAY + timedelta(minutes=late))
    assert a.arrival is not None
    assert b.arrival is not None
    assert a.arrival <= b.arrival + timedelta(seconds=1)
    _check_clock(b, MONDAY + timedelta(minutes=late))


def test_one_way_timetable_has_no_return(mini_timetabled: Network) -> None:
    with pytest.raises(NoRouteError):
        earliest_arrival(mini_timetabled, "AZ_P", "KZ_P", departure=MONDAY)


@pytest.mark.parametrize(("o", "d"), PAIRS[::3])
def test_frequency_services_keep_expected_waits(mini: Network, o: str, d: str) -> None:
    for hours in (0, 13, 100):
        r = earliest_arrival(mini, o, d, departure=MONDAY + timedelta(hours=hours))
        assert r.time_h == pytest.approx(route(mini, o, d).time_h)


def test_departure_time_zones(mini_timetabled: Network) -> None:
    naive = earliest_arrival(mini_timetabled, "KZ_P", "AZ_P", departure=datetime(2025, 11, 3))
    baku = timezone(timedelta(hours=4))
    local = earliest_arrival(
        mini_timetabled, "KZ_P", "AZ_P", departure=datetime(2025, 11, 3, 4, 0, tzinfo=baku)
    )
    assert naive.arrival == local.arrival
    assert naive.legs[0].departure == datetime(2025, 11, 5, 10, 0, tzinfo=UTC)


# -- skims ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("objective", ["time", "cost", "co2"])
def test_skim_equals_routes(mini: Network, objective: str) -> None:
    s = skim(mini, list(MINI_NODES), list(MINI_NODES), optimize=objective)
    assert s.time_h.shape == (6, 6)
    assert (s.origins, s.destinations) == (MINI_NODES, MINI_NODES)
    for i, o in enumerate(MINI_NODES):
        for j, d in enumerate(MINI_NODES):
            if o == d:
                continue
            r = route(mini, o, d, optimize=objective)
            assert s.objective_value[i, j] == pytest.approx(r.objective_value), (o, d)
            assert s.time_h[i, j] == pytest.approx(r.time_h), (o, d)
            assert s.cost_usd[i, j] == pytest.approx(r.cost_usd), (o, d)
            assert s.co2e_kg[i, j] == pytest.approx(r.co2e_kg), (o, d)
            assert s.length_km[i, j] == pytest.approx(r.length_km), (o, d)
    frame = s.to_frame()
    assert len(frame) == 36
    assert list(frame.columns) == [
        "origin",
        "destination",
        "objective_value",
        "time_h",
        "cost_usd",
        "co2e_kg",
        "length_km",
    ]


def test_skim_marks_unreachable_pairs(mini_timetabled: Network) -> None:
    s = skim(mini_timetabled, ["AZ_P", "Origin"], ["KZ_P"])
    assert s.origins == ("AZ_P", "CN_A")
    assert s.time_h[0, 0] == np.inf  # the ferry runs one way
    assert np.isfinite(s.time_h[1, 0])


def test_route_to_itself_from_a_simple_node(mini: Network) -> None:
    r = route(mini, "CN_A", "CN_A")
    assert (r.legs, r.time_h) == ((), 0.0)


def test_route_to_itself_is_empty_everywhere(mini: Network) -> None:
    s = skim(mini, list(MINI_NODES), list(MINI_NODES))
    assert np.diag(s.time_h).tolist() == [0.0] * 6
    r = route(mini, "KZ_B", "KZ_B")
    assert (r.legs, r.time_h) == ((), 0.0)


def test_timetable_boarding_downstream_waits_for_the_ship(mini: Network) -> None:
    # a three-stop sailing KZ_P -> AZ_P -> AZ_Q leaving KZ_P on Wednesdays 10:00
    q = Node(id="AZ_Q", name="Port Q", kind="seaport", country="AZ", lat=40.5, lon=50.0)
    pq = Link(
        id="P-Q", from_node="AZ_P", to_node="AZ_Q", mode="ferry", length_km=100.0, duration_h=5.0
    )
    svc = dataclasses.replace(
        mini.service("ferry"),
        stops=("KZ_P", "AZ_P", "AZ_Q"),
        departures=("Wed 10:00",),
        sailings_per_week=None,
        bidirectional=False,
    )
    net = mini.add("nodes", [q]).add("links", [pq]).replace(services=(svc,))
    # the ship reaches AZ_P after 18 h at sea and 10 h of border processing: Thu 14:00
    thursday = datetime(2025, 11, 6, 14, 0, tzinfo=UTC)
    (leg,) = earliest_arrival(net, "AZ_P", "AZ_Q", departure=MONDAY).legs
    assert leg.departure == thursday
    through = earliest_arrival(net, "KZ_P", "AZ_Q", departure=MONDAY)
    assert [leg.departure for leg in through.legs] == [thursday - timedelta(hours=28), thursday]
    assert through.legs[1].wait_service_h == 0.0  # staying aboard


# -- money: charges in either unit ---------------------------------------------------------------


def test_transfer_charged_per_tonne_is_converted_for_containers(mini: Network) -> None:
    per_t = mini.update_record("transfers", "B-road", cost_usd_per_teu=None, cost_usd_per_t=8.0)
    before = route(mini, "CN_A", "KZ_P").legs[1].cost_usd
    after = route(per_t, "CN_A", "KZ_P").legs[1].cost_usd
    assert after - before == pytest.approx(8.0 * 10 - 80.0)  # 10 t per TEU


def test_border_charge_per_tonne_applies_to_containers(mini: Network) -> None:
    entry = dataclasses.replace(mini.borders[1], cost_usd_per_teu=None, cost_usd_per_t=20.0)
    assert entry.id == "B-entry"
    net = mini.replace(borders=(mini.borders[0], entry, *mini.borders[2:]))
    leg = route(net, "CN_A", "KZ_B").legs[0]
    assert leg.cost_usd == pytest.approx(0.5 * 100 + 50 + 20 * 10)


def test_per_teu_charges_are_priced_or_flagged_for_bulk(mini: Network) -> None:
    leg = route(mini, "CN_A", "KZ_B", cargo="grain").legs[0]
    rail_tariff = 0.04 * 100
    priced = leg.cost_usd > rail_tariff + 1e-9
    flagged = any(f.record_id == "grain" for f in validate(mini).findings)
    assert priced or flagged
