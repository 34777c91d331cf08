"""Corridor choice in equilibrium: cross-checks against closed forms and Frank-Wolfe, and
metamorphic properties."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from corridor_twin.data import load_corridor
from corridor_twin.errors import DataError, OptionError
from corridor_twin.flow.assign import Demand, build_assignment
from corridor_twin.flow.choice import (
    ChoiceModel,
    Segment,
    build_choice,
    extract_choice,
    solve_choice,
)
from corridor_twin.flow.equilibrium import solve_equilibrium

ALL = ["middle", "northern", "southern", "road", "sea_suez"]


@pytest.fixture(scope="module")
def china_eu() -> ChoiceModel:
    net = load_corridor()
    segs = [
        Segment("cn-eu", "Xi'an", "Duisburg", "container", 1000.0, market="china-eu"),
        Segment("kz-am", "Kostanay", "Yerevan", "grain", 1000.0, market="armenia"),
    ]
    return build_choice(net, segs, k=2)


def _logit(model: ChoiceModel, scale: float, psw: float = 1.0) -> np.ndarray:
    """Closed-form path-size logit shares (no outside option)."""
    base = model.base_cost_usd
    ref = model.reference_cost_usd
    out = np.zeros(model.n_routes)
    for s in range(len(model.segments)):
        a, b = model.seg_ptr[s], model.seg_ptr[s + 1]
        v = -scale * base[a:b] / ref[s] + psw * np.log(model.path_size[a:b])
        e = np.exp(v - v.max())
        out[a:b] = e / e.sum()
    return out


def test_uncongested_shares_are_the_closed_form_logit(china_eu: ChoiceModel) -> None:
    for scale, psw in ((3.0, 1.0), (8.0, 0.0)):
        sol = solve_choice(
            china_eu,
            scale=scale,
            path_size_weight=psw,
            unmet_factor=math.inf,
            hard_capacity=False,
            congestion=_no_delay(),
        )
        res = extract_choice(china_eu, sol)
        assert sol.status == "optimal"
        np.testing.assert_allclose(res.route_share, _logit(china_eu, scale, psw), atol=1e-9)


def _no_delay():  # type: ignore[no-untyped-def]
    from corridor_twin.flow.equilibrium import Congestion

    return Congestion(alpha=0.0)


def test_deterministic_limit_equals_frank_wolfe() -> None:
    net = load_corridor()
    demand = 400_000.0
    fw = build_assignment(net, [Demand("Almaty", "Istanbul", "container", demand)])
    ue = solve_equilibrium(fw, relative_gap=1e-7, max_iterations=3000)
    model = build_choice(
        net, [Segment("s", "Almaty", "Istanbul", "container", demand)], corridors=ALL, k=4
    )
    sol = solve_choice(
        model, scale=math.inf, hard_capacity=False, unmet_factor=math.inf, tolerance=1e-7
    )
    assert sol.status == "optimal"
    assert sol.relative_gap < 1e-6
    total_fw = ue.objective_value
    total = float(sol.route_flow @ sol.route_cost_usd)
    assert total == pytest.approx(total_fw, rel=1e-5)
    fw_flow: dict[tuple[str, str, str], float] = {}
    for name, fl in zip(fw.ub_names, fw.A_ub @ ue.x, strict=True):
        fw_flow[name] = max(fw_flow.get(name, 0.0), float(fl))
    mine: dict[tuple[str, str, str], float] = {}
    for name, fl in zip(model.element_names, sol.element_flow, strict=True):
        mine[name] = max(mine.get(name, 0.0), float(fl))
    big = max(fw_flow.values())
    for name, fl in fw_flow.items():
        assert abs(mine.get(name, 0.0) - fl) <= 0.01 * big, name
    # the split is interior: congestion sends cargo both across the Caspian and by road
    shares = extract_choice(model, sol).segments_frame().iloc[0]
    assert 0.1 < shares["share_middle"] < 0.9


def test_hard_capacity_is_never_exceeded_and_unmet_takes_the_rest() -> None:
    net = load_corridor()
    segs = [
        Segment("a", "Almaty", "Istanbul", "container", 150_000.0),
        Segment("b", "KZ_AKT", "TR_CEY", "crude_oil", 3e6),
    ]
    model = build_choice(net, segs, corridors=["middle"])
    soft = solve_choice(model, scale=5.0, hard_capacity=False)
    hard = solve_choice(model, scale=5.0, capacity_tolerance=1e-4)
    assert soft.max_utilisation > 1.5
    assert hard.status == "optimal"
    assert hard.max_utilisation <= 1 + 1e-4
    assert hard.unmet.sum() > 0
    # complementarity: a priced element is full
    full = hard.element_price_usd > 1e-6
    util = hard.element_flow / model.capacity
    assert np.all(util[full] > 1 - 1e-3)
    np.testing.assert_allclose(hard.route_flow.sum() + hard.unmet.sum(), model.demand.sum())


def test_doubling_capacity_never_raises_unmet() -> None:
    net = load_corridor()
    segs = [
        Segment("a", "Almaty", "Istanbul", "container", 150_000.0),
        Segment("b", "KZ_AKT", "TR_CEY", "crude_oil", 3e6),
    ]
    model = build_choice(net, segs, corridors=["middle"])
    one = solve_choice(model, scale=5.0)
    two = solve_choice(dataclasses.replace(model, capacity=model.capacity * 2), scale=5.0)
    assert two.unmet.sum() <= one.unmet.sum() + 1e-6


def test_faster_route_gains_and_dearer_route_loses(china_eu: ChoiceModel) -> None:
    base = solve_choice(china_eu, scale=5.0)
    middle = china_eu.route_corridor == china_eu.corridors.index("middle")
    fast = solve_choice(china_eu.with_routes(middle, time_factor=0.8), scale=5.0)
    dear = solve_choice(china_eu.with_routes(middle, charges_factor=1.2), scale=5.0)
    assert fast.route_flow[middle].sum() > base.route_flow[middle].sum()
    assert dear.route_flow[middle].sum() < base.route_flow[middle].sum()
    assert dear.route_flow[~middle].sum() > base.route_flow[~middle].sum()


def test_scaling_capacity_and_demand_scales_flows_and_keeps_costs() -> None:
    net = load_corridor()
    segs = [
        Segment("a", "Almaty", "Istanbul", "container", 120_000.0),
        Segment("b", "Xi'an", "Duisburg", "container", 200_000.0),
    ]
    model = build_choice(net, segs, corridors=ALL)
    one = solve_choice(model, scale=5.0)
    k = 3.0
    scaled = dataclasses.replace(model, capacity=model.capacity * k, demand=model.demand * k)
    three = solve_choice(scaled, scale=5.0)
    np.testing.assert_allclose(three.route_flow, k * one.route_flow, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(three.route_cost_usd, one.route_cost_usd, rtol=1e-5)


def test_removing_a_route_moves_its_share_in_logit_proportions(china_eu: ChoiceModel) -> None:
    kw = {
        "scale": 5.0,
        "path_size_weight": 0.0,
        "unmet_factor": math.inf,
        "hard_capacity": False,
        "congestion": _no_delay(),
    }
    full = extract_choice(china_eu, solve_choice(china_eu, **kw))
    drop = np.zeros(china_eu.n_routes, dtype=bool)
    drop[int(np.argmax(full.route_share[: china_eu.seg_ptr[1]]))] = True
    less_model = china_eu.without_routes(drop)
    less = extract_choice(less_model, solve_choice(less_model, **kw))
    kept = full.route_share[~drop]
    seg = china_eu.route_segment[~drop]
    expected = kept.copy()
    for s in np.unique(seg):
        sel = seg == s
        expected[sel] = kept[sel] / kept[sel].sum()
    np.testing.assert_allclose(less.route_share, expected, atol=1e-9)
    # with path sizes the remaining routes' sizes change: the closed form on the new set
    psl = extract_choice(less_model, solve_choice(less_model, **{**kw, "path_size_weight": 1.0}))
    np.testing.assert_allclose(psl.route_share, _logit(less_model, 5.0, 1.0), atol=1e-9)


def test_result_frames(china_eu: ChoiceModel) -> None:
    res = extract_choice(china_eu, solve_choice(china_eu, scale=5.0))
    routes = res.to_frame()
    assert set(routes["corridor"]) >= {"middle", "northern", "sea_suez", "sea_cape"}
    assert routes.groupby("segment")["share"].sum().max() <= 1 + 1e-9
    totals = res.corridor_totals()
    assert totals["flow_t_per_year"].sum() == pytest.approx(
        float((china_eu.demand * china_eu.segment_t_per_unit).sum())
    )
    assert {"utilisation", "queue_price_usd"} <= set(res.elements_frame().columns)
    assert "ChoiceResult optimal" in repr(res)
    # Kostanay -> Yerevan has a road option over Upper Lars and a rail option via the Caspian
    kz = routes[routes["segment"] == "kz-am"]
    assert {"road", "middle"} <= set(kz["corridor"])


def test_bad_input_is_one_clear_error(china_eu: ChoiceModel) -> None:
    net = load_corridor()
    with pytest.raises(DataError, match="unknown commodity"):
        build_choice(net, [Segment("x", "Almaty", "Istanbul", "oil", 1.0)])
    with pytest.raises(DataError, match="amount_per_year"):
        build_choice(net, [Segment("x", "Almaty", "Istanbul", "container", -1.0)])
    with pytest.raises(DataError, match="segment x"):
        build_choice(net, [Segment("x", "Atlantis", "Istanbul", "container", 1.0)])
    with pytest.raises(OptionError, match="unknown corridor"):
        build_choice(net, [], corridors=["arctic"])
    with pytest.raises(OptionError, match="constants for unknown"):
        solve_choice(china_eu, constants={"arctic": 1.0})
    with pytest.raises(OptionError, match="finite logit scale"):
        solve_choice(china_eu, scale=math.inf)
    with pytest.raises(OptionError, match="scale"):
        solve_choice(china_eu, scale=0.0)
