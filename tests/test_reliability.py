"""Monte Carlo transit-time reliability: closed forms, CIs, reproducibility, errors.

The mini corridor comes from ``tests/data/mini.yaml`` (``mini`` fixture, read with
``corridor_twin.io.read_network`` in conftest). Tolerances are 3-4 Monte Carlo
standard errors unless stated.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from corridor_twin.data import load_corridor
from corridor_twin.errors import OptionError, UnknownNodeError
from corridor_twin.network.compile import departures_h, expected_wait_h
from corridor_twin.network.model import Network, Service
from corridor_twin.routing import route
from corridor_twin.simulate import (
    ReliabilityModel,
    TransitComponents,
    reliability,
    route_components,
    simulate_transit_h,
    summarize,
)

DETERMINISTIC = ReliabilityModel(travel_cv={}, wait_cv={})


def test_frequency_wait_mean_is_half_headway() -> None:
    h, n = 24.0, 200_000
    x = simulate_transit_h(TransitComponents(headway_h=[h], availability=[1.0]), n, seed=3)
    se = h / math.sqrt(12 * n)  # sd of U(0, H) is H / sqrt(12)
    assert abs(x.mean() - h / 2) < 3 * se
    assert x.min() >= 0
    assert x.max() < h


def test_frequency_wait_with_cancellations() -> None:
    h, a, n = 42.0, 0.85, 200_000
    x = simulate_transit_h(TransitComponents(headway_h=[h], availability=[a]), n, seed=4)
    expected = h / 2 + h * (1 - a) / a
    assert abs(x.mean() - expected) < 3 * x.std() / math.sqrt(n)
    # The extra waits are whole headways: P(wait >= H) = 1 - a.
    assert abs((x >= h).mean() - (1 - a)) < 0.005


def test_timetable_wait_matches_expected_wait() -> None:
    s = Service(
        id="s",
        name="s",
        mode="ferry",
        stops=("A", "B"),
        departures=("Mon 08:00", "Thu 20:00"),
        availability=0.9,
    )
    c = TransitComponents(timetables=(departures_h(s),), timetable_availability=[0.9])
    n = 200_000
    x = simulate_transit_h(c, n, seed=5)
    assert abs(x.mean() - expected_wait_h(s)) < 3 * x.std() / math.sqrt(n)
    assert abs(c.mean_h - expected_wait_h(s)) < 1e-9


def test_exponential_border_wait_is_mm1_like() -> None:
    # M/M/1 waiting time given a wait (and sojourn time) is exponential:
    # mean m, P90 = -ln(0.1) m.
    m, n = 10.0, 200_000
    x = simulate_transit_h(TransitComponents(gamma_mean_h=[m], gamma_cv=[1.0]), n, seed=6)
    s = summarize(x)
    assert abs(s.mean_h - m) < 3 * m / math.sqrt(n)
    assert s.p90_lo_h - 0.05 <= -math.log(0.1) * m <= s.p90_hi_h + 0.05
    assert abs(s.std_h - m) < 0.02 * m


def test_lognormal_and_gamma_moments() -> None:
    n = 200_000
    for c in (
        TransitComponents(lognormal_mean_h=[50.0], lognormal_cv=[0.3]),
        TransitComponents(gamma_mean_h=[50.0], gamma_cv=[0.3]),
    ):
        x = simulate_transit_h(c, n, seed=7)
        assert abs(x.mean() - 50.0) < 3 * 15.0 / math.sqrt(n)
        assert abs(x.std() / x.mean() - 0.3) < 0.005


def test_disruptions_add_expected_delay() -> None:
    n, p, d = 200_000, 0.1, 24.0
    c = TransitComponents(disruption_probability=[p] * 5, disruption_mean_h=[d] * 5)
    x = simulate_transit_h(c, n, seed=8)
    assert abs(x.mean() - 5 * p * d) < 3 * x.std() / math.sqrt(n)
    assert abs((x == 0).mean() - (1 - p) ** 5) < 0.005


@pytest.mark.parametrize(
    ("origin", "destination", "which"),
    [("CN_A", "GE_T", "mini"), ("Almaty", "Istanbul", "corridor")],
)
def test_route_mean_matches_deterministic_time(
    mini: Network, origin: str, destination: str, which: str
) -> None:
    net = mini if which == "mini" else load_corridor()
    res = reliability(
        net,
        origin,
        destination,
        k=3 if which == "corridor" else 1,
        draws=100_000,
        seed=9,
        model=DETERMINISTIC,
    )
    for r, s in zip(res.routes, res.stats, strict=True):
        assert abs(route_components(net, r, DETERMINISTIC).mean_h - r.time_h) < 1e-6
        assert abs(s.mean_h - r.time_h) < 4 * max(s.std_h, 1e-9) / math.sqrt(s.draws) + 1e-3
    # The mini route takes the ferry, so its service wait is random.
    if which == "mini":
        assert res.stats[0].std_h > 1.0


def test_default_model_mean_matches_route_time(mini: Network) -> None:
    r = route(mini, "CN_A", "GE_T")
    res = reliability(mini, "CN_A", "GE_T", draws=100_000, seed=10)
    s = res.stats[0]
    assert s.mean_lo_h - 0.5 < r.time_h < s.mean_hi_h + 0.5


def test_reproducible() -> None:
    net = load_corridor()
    a = reliability(net, "Almaty", "Istanbul", draws=5_000, seed=11, deadline_days=14)
    b = reliability(net, "Almaty", "Istanbul", draws=5_000, seed=11, deadline_days=14)
    c = reliability(net, "Almaty", "Istanbul", draws=5_000, seed=12, deadline_days=14)
    assert a.stats == b.stats
    assert a.stats != c.stats
    comp = route_components(net, a.routes[0])
    x1 = simulate_transit_h(comp, 40_000, seed=np.random.default_rng(1))
    x2 = simulate_transit_h(comp, 40_000, seed=1)
    assert np.array_equal(x1, x2)
    assert not np.array_equal(x1, simulate_transit_h(comp, 40_000, seed=2))


def test_ci_shrinks_like_inverse_sqrt_draws() -> None:
    comp = route_components(load_corridor(), route(load_corridor(), "Almaty", "Istanbul"))
    small = summarize(simulate_transit_h(comp, 10_000, seed=13), deadline_h=310.0)
    big = summarize(simulate_transit_h(comp, 160_000, seed=13), deadline_h=310.0)
    for lo, hi in (
        ("mean_lo_h", "mean_hi_h"),
        ("p90_lo_h", "p90_hi_h"),
        ("on_time_lo", "on_time_hi"),
    ):
        ratio = (getattr(small, hi) - getattr(small, lo)) / (getattr(big, hi) - getattr(big, lo))
        assert 3.0 < ratio < 5.3, (lo, ratio)  # sqrt(16) = 4
    assert small.mean_lo_h < small.mean_h < small.mean_hi_h


def test_on_time_monotone_and_percentiles_ordered() -> None:
    net = load_corridor()
    probs = [
        reliability(net, "Almaty", "Istanbul", draws=20_000, seed=14, deadline_days=d)
        .stats[0]
        .on_time_probability
        for d in (10, 12, 13, 15, 20)
    ]
    assert probs == sorted(probs)
    s = reliability(net, "Almaty", "Istanbul", draws=20_000, seed=14).stats[0]
    assert s.p50_h <= s.p90_h <= s.p95_h
    assert s.p50_lo_h <= s.p50_h <= s.p50_hi_h
    assert s.on_time_probability is None


def test_result_frame_and_repr() -> None:
    res = reliability(
        load_corridor(), "Almaty", "Istanbul", k=2, draws=2_000, seed=15, deadline_days=20
    )
    df = res.to_frame()
    assert len(df) == 2
    assert {
        "mean_h",
        "p50_h",
        "p90_h",
        "p95_h",
        "std_h",
        "on_time_probability",
        "on_time_lo",
        "on_time_hi",
        "p90_lo_h",
        "draws",
        "seed",
    } <= set(df.columns)
    assert (df["seed"] == 15).all()
    assert "P90" in repr(res)
    assert " d," in repr(res)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"draws": -5}, "draws"),
        ({"draws": 0}, "draws"),
        ({"deadline_days": 0}, "deadline"),
        ({"deadline_h": -1.0}, "deadline"),
        ({"deadline_h": 10.0, "deadline_days": 1.0}, "not both"),
        ({"confidence": 1.5}, "confidence"),
    ],
)
def test_bad_options(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(OptionError, match=match):
        reliability(load_corridor(), "Almaty", "Istanbul", **kwargs)


def test_bad_inputs() -> None:
    with pytest.raises(UnknownNodeError, match="Atlantis"):
        reliability(load_corridor(), "Atlantis", "Istanbul")
    with pytest.raises(OptionError, match="draws"):
        simulate_transit_h(TransitComponents(), -1)
    with pytest.raises(OptionError, match="travel_distribution"):
        ReliabilityModel(travel_distribution="weibull")
    with pytest.raises(OptionError, match="wait_cv"):
        ReliabilityModel(wait_cv={"border": -1.0})
    with pytest.raises(OptionError, match="availability"):
        TransitComponents(headway_h=[10.0], availability=[0.0])
