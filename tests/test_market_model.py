"""The calibrated market model: data loaders, fit, held-out check and issue 15's
metamorphic properties on the bundled corridor."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from corridor_twin.cli import main
from corridor_twin.data import load_corridor
from corridor_twin.errors import DemandError, OptionError
from corridor_twin.scenarios import apply_scenario, load_bundled
from corridor_twin.scenarios.calibration import (
    baseline_model,
    bundled_market,
    calibrate,
    calibration_to_yaml,
    load_calibration,
    market_equilibrium,
)
from corridor_twin.scenarios.market_model import (
    MarketCalibration,
    MarketResult,
    build_market_model,
    measure,
    reliability_spread_h,
    solve_market,
)
from corridor_twin.scenarios.markets import (
    Parameters,
    loads_markets,
    loads_observed,
    loads_parameters,
)
from corridor_twin.scenarios.response import ferry_sweep, middle_elasticities

TINY = """
meta: {name: tiny, year: 2024}
segments:
  - {id: cn-eu, market: china-eu, origin: CN_XIAN, destination: DE_DUI, commodity: container,
     direction: westbound, amount_per_year: 20000, unit: teu, source: s, year: 2024}
  - {id: kz-tr, market: kz-exports, origin: KZ_AST, destination: TR_IST, commodity: general_cargo,
     direction: westbound, amount_per_year: 500000, unit: t, source: s, year: 2024}
  - {id: trucks, market: caspian-roro-trucks, origin: TR_IST, destination: KZ_ALA,
     commodity: general_cargo, direction: eastbound, amount_per_year: 1000, unit: trucks,
     source: s, year: 2024}
"""


@pytest.fixture(scope="module")
def base() -> MarketResult:
    return market_equilibrium()


def _middle(res: MarketResult) -> float:
    return res.choice.corridor_flow("middle")


# --- data files -------------------------------------------------------------------------


def test_loaders_read_the_contract() -> None:
    mk = loads_markets(TINY, path="tiny.yaml")
    assert [s.unit for s in mk.segments] == ["teu", "t", "trucks"]
    p = loads_parameters(
        """
values_of_time:
  container: {value_of_time_usd_per_unit_h: 2.0, value_of_reliability_usd_per_unit_h: 1.0,
              source: s, year: 2024}
risk_costs:
  - {id: r, corridor: northern, countries: [RU], applies_to: [EU], cost_usd_per_unit: 100,
     unit: teu, years: [2024], source: s}
congestion:
  ferry: {alpha: 0.5, beta: 4, reference_delay_h: 24, source: s, year: 2024}
units: {trucks: {t_per_unit: 18}}
"""
    )
    assert p.values_of_time["container"].value_of_reliability_usd_per_unit_h == 1.0
    rc = p.risk_costs[0]
    assert rc.applies(
        corridor="northern",
        year=2024,
        countries={"KZ", "RU"},
        destination_country="DE",
        commodity="container",
    )
    assert not rc.applies(
        corridor="northern",
        year=2025,
        countries={"KZ", "RU"},
        destination_country="DE",
        commodity="container",
    )
    assert not rc.applies(
        corridor="middle",
        year=2024,
        countries={"KZ"},
        destination_country="DE",
        commodity="container",
    )
    assert p.congestion["ferry"].alpha == 0.5
    assert p.t_per("trucks") == 18
    figs = loads_observed(
        """
figures:
  - {id: f, year: 2024, value: 5, unit: teu, source: s,
     measure: {kind: corridor, corridor: middle, commodities: [container]}}
"""
    )
    assert figs[0].kind == "corridor"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("segments: []", "meta: missing year"),
        (
            "meta: {year: 2024}\nsegments: [{id: a, market: m, origin: A, destination: B, "
            "commodity: c, amount_per_year: -1, unit: t, source: s}]",
            "amount_per_year",
        ),
        (
            "meta: {year: 2024}\nsegments: [{id: a, market: m, origin: A, destination: B, "
            "commodity: c, amount_per_year: 1, unit: boxes, source: s}]",
            "unit 'boxes'",
        ),
        ("meta: {year: 2024}\nsegments: [{id: a, origin: A}]", "missing market"),
        ("meta: {year: 2024}\nsegments: [: bad", "not valid YAML"),
    ],
)
def test_bad_markets_name_the_problem(text: str, match: str) -> None:
    with pytest.raises(DemandError, match=match):
        loads_markets(text, path="m.yaml")


def test_bad_parameters_and_figures_name_the_problem() -> None:
    with pytest.raises(DemandError, match="corridor 'arctic'"):
        loads_parameters("risk_costs: [{id: r, corridor: arctic, cost_usd_per_unit: 1}]")
    with pytest.raises(DemandError, match="unknown element kind"):
        loads_parameters("congestion: {canal: {alpha: 1, beta: 1, reference_delay_h: 1}}")
    with pytest.raises(DemandError, match="needs ids"):
        loads_observed(
            "figures: [{id: f, year: 2024, value: 1, unit: t, measure: {kind: services}}]"
        )


def test_units_convert_trucks_and_wagons() -> None:
    net = load_corridor()
    mm = build_market_model(net, loads_markets(TINY), Parameters(units={"trucks": 20.0}))
    res = solve_market(mm, MarketCalibration(scale=5.0))
    fig = loads_observed(
        "figures: [{id: f, year: 2024, value: 1, unit: trucks, source: s, "
        "measure: {kind: corridor, corridor: any}}]"
    )[0]
    assert measure(res, fig) == pytest.approx(1000.0, rel=1e-6)
    assert res.choice.model.demand[2] == pytest.approx(20_000.0)


def test_reliability_spread_is_positive_and_grows_with_waits() -> None:
    from corridor_twin.routing import route

    comp = load_corridor().compiled()
    short = route(comp, "Baku", "Tbilisi", cargo="container")
    long = route(comp, "Xi'an", "Duisburg", cargo="container")
    assert 0 < reliability_spread_h(comp, short) < reliability_spread_h(comp, long)


# --- calibration and fit ----------------------------------------------------------------


def test_bundled_calibration_reproduces_the_fit(base: MarketResult) -> None:
    cal = load_calibration()
    assert cal.year == 2024
    assert len(cal.figures) >= 12
    assert base.status == "optimal"
    _, _, _, figs = bundled_market(2024)
    assert {f.id for f in figs} >= set(cal.figures)


@pytest.mark.slow
def test_calibration_is_deterministic_and_matches_the_bundled_file() -> None:
    net, markets, params, figs = bundled_market(2024)
    model = build_market_model(net, markets, params)
    a, rep_a = calibrate(model, figs)
    b, _ = calibrate(model, figs)
    assert a == b
    bundled = load_calibration()
    assert a.scale == pytest.approx(bundled.scale, rel=1e-4)
    for k, v in bundled.constants.items():
        assert a.constants[k] == pytest.approx(v, abs=1e-4)
    assert "scale:" in calibration_to_yaml(a, rep_a)


def test_calibrate_refuses_other_years_and_too_few_figures() -> None:
    model = baseline_model(2024)
    _, _, _, figs = bundled_market(2024)
    other = [dataclasses.replace(figs[0], year=2025)]
    with pytest.raises(OptionError, match="fits one year"):
        calibrate(model, [*figs, *other])
    with pytest.raises(OptionError, match="cannot fit"):
        calibrate(model, figs[:2])


# --- issue 15 metamorphic tests ---------------------------------------------------------


def test_faster_middle_gains_and_dearer_middle_loses(base: MarketResult) -> None:
    model = base.model
    ch = model.choice
    mid = ch.route_corridor == ch.corridors.index("middle")
    fast = solve_market(
        dataclasses.replace(model, choice=ch.with_routes(mid, time_factor=0.7)), base.calibration
    )
    dear = solve_market(
        dataclasses.replace(model, choice=ch.with_routes(mid, charges_factor=1.3)), base.calibration
    )
    assert _middle(fast) > _middle(base)
    assert _middle(dear) < _middle(base)


def test_closing_russia_to_eu_cargo_raises_middle_and_sea(base: MarketResult) -> None:
    net = apply_scenario(load_corridor(), load_bundled("northern-route-closed-eu"))
    closed = market_equilibrium(net)
    assert _middle(closed) > _middle(base)
    sea = sum(closed.choice.corridor_flow(c) for c in ("sea_suez", "sea_cape"))
    sea0 = sum(base.choice.corridor_flow(c) for c in ("sea_suez", "sea_cape"))
    assert sea > sea0
    eu = {"china-eu"}
    assert closed.choice.corridor_flow("northern", markets=eu) < base.choice.corridor_flow(
        "northern", markets=eu
    )


def test_more_caspian_ferries_raise_middle_until_another_constraint_binds(
    base: MarketResult,
) -> None:
    net, _, _, _ = bundled_market(2024)
    sweep = ferry_sweep(net, base.model, base.calibration, max_ferries=2)
    vals = np.asarray(sweep.middle_t)
    assert np.all(np.diff(vals) >= -1e-6 * vals[0])
    assert vals[-1] > vals[0]
    assert sweep.binding[-1] != ""


def test_doubling_every_capacity_never_raises_unmet(base: MarketResult) -> None:
    ch = base.model.choice
    doubled = dataclasses.replace(
        base.model, choice=dataclasses.replace(ch, capacity=ch.capacity * 2)
    )
    res = solve_market(doubled, base.calibration)
    assert res.choice.unmet.sum() <= base.choice.unmet.sum() + 1e-6


def test_elasticities_are_negative(base: MarketResult) -> None:
    el = middle_elasticities(base)
    frame = el.to_frame()
    assert set(frame["measure"]) == {"time", "tariff", "caspian_wait"}
    assert (frame["elasticity"] <= 0).all()


def test_kostanay_yerevan_grain_can_go_all_rail_through_azerbaijan_and_georgia() -> None:
    net = apply_scenario(load_corridor(), load_bundled("armenia-transit-open"))
    mk = loads_markets(
        "meta: {name: probe, year: 2025}\nsegments: [{id: g, market: armenia-transit, "
        "origin: KZ_KOS, destination: AM_EVN, commodity: grain, amount_per_year: 100000, "
        "unit: t, source: s}]"
    )
    model = build_market_model(net, mk, bundled_market(2024)[2])
    res = solve_market(model, load_calibration())
    frame = res.to_frame()
    rail_az_ge = frame[
        frame["via"].str.contains("AZ_")
        & frame["via"].str.contains("GE_")
        & ~frame["via"].str.contains("RU_LAR")
    ]
    assert rail_az_ge["share"].sum() > 0.5


# --- surfaces ---------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_calibrate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["figures"] >= 12
    assert {"wape_pct", "bias_pct", "rows", "calibration"} <= set(doc)


def test_cli_assign_defaults_to_the_market_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--year", "2031"]) == 2
    assert main(["assign", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["corridor"] for r in doc["corridor_totals"]} >= {"middle", "northern", "sea_suez"}
    assert main(["assign", "--objective", "cost"]) == 2
    assert "--objective applies" in capsys.readouterr().err


def test_spread_matches_the_reliability_models_variance() -> None:
    import math

    from corridor_twin.routing import route
    from corridor_twin.simulate.reliability import route_components

    comp = load_corridor().compiled()
    for o, d in (("Xi'an", "Duisburg"), ("Almaty", "Istanbul"), ("Baku", "Tbilisi")):
        r = route(comp, o, d, cargo="container")
        c = route_components(comp, r)
        var = float(((c.lognormal_cv * c.lognormal_mean_h) ** 2).sum())
        var += float(((c.gamma_cv * c.gamma_mean_h) ** 2).sum())
        h, a = c.headway_h, c.availability
        var += float((h**2 / 12 + h**2 * (1 - a) / a**2).sum())
        for deps, av in zip(c.timetables, c.timetable_availability.tolist(), strict=True):
            hw = 168.0 / len(deps)
            var += hw**2 / 12 + hw**2 * (1 - av) / av**2
        assert reliability_spread_h(comp, r) == pytest.approx(1.2815515655446004 * math.sqrt(var))


@pytest.mark.slow
def test_world_bank_2030_reference_is_reported() -> None:
    from corridor_twin.scenarios.response import reference_checks

    checks = reference_checks()
    wb = [c for c in checks if c.scenario == "world-bank-2030"]
    assert wb
    assert all(c.modelled > 0 for c in wb)
