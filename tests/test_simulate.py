"""Discrete-event simulation: reproducibility, conservation, closed forms, disruptions.

Statistical checks use fixed seeds, so they are deterministic; each states the
tolerance it would hold to with other seeds.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from corridor_twin.errors import OptionError, ScenarioError
from corridor_twin.io import loads_network
from corridor_twin.network.model import Network
from corridor_twin.scenarios import CloseLink, CloseNode, Scenario, SetLoadFactor
from corridor_twin.simulate import (
    ReliabilityModel,
    Shipments,
    SimulationOptions,
    reliability,
    replicate,
    simulate,
    split_scenario,
)
from corridor_twin.simulate.shipments import OD

HEAD = """
meta: {name: line}
sources: {t: {title: test}}
modes:
  - {mode: road, speed_kmh: 50, source: t}
  - {mode: ferry, speed_kmh: 25, source: t}
commodities:
  - {id: container, name: Containers, unit: teu, t_per_teu: 10, modes: [road, ferry], source: t}
"""

LINE = (
    HEAD
    + """
nodes:
  - {id: KZ_A, name: Inland, kind: city, country: KZ, lat: 44, lon: 60, source: t}
  - {id: KZ_P, name: Port West, kind: seaport, country: KZ, lat: 43.6, lon: 51.2, source: t}
  - {id: AZ_P, name: Port East, kind: seaport, country: AZ, lat: 40.0, lon: 49.4, source: t}
links:
  - {id: A-P, from: KZ_A, to: KZ_P, mode: road, length_km: 500, source: t}
  - {id: P-P, from: KZ_P, to: AZ_P, mode: ferry, length_km: 430, duration_h: 18, source: t}
transfers:
  - {id: KP-ferry, node: KZ_P, from_mode: road, to_mode: ferry, method: roll_on_roll_off,
     dwell_h: 4, source: t}
borders:
  - {id: KP-exit, node: KZ_P, direction: exit, dwell_h: 4, source: t}
  - {id: AP-entry, node: AZ_P, direction: entry, dwell_h: 6, source: t}
services:
  - {id: ferry, name: Ferry, mode: ferry, stops: [KZ_P, AZ_P], sailings_per_week: 7,
     capacity_teu: 100000, source: t}
"""
)

BORDER = (
    HEAD
    + """
nodes:
  - {id: KZ_X, name: Exit, kind: city, country: KZ, lat: 41, lon: 69, source: t}
  - {id: UZ_Y, name: Entry, kind: city, country: UZ, lat: 41.1, lon: 69.1, source: t}
links:
  - {id: X-Y, from: KZ_X, to: UZ_Y, mode: road, length_km: 5, source: t}
borders:
  - {id: Y-entry, node: UZ_Y, direction: entry, dwell_h: 1.0, source: t}
"""
)


@pytest.fixture(scope="module")
def line() -> Network:
    return loads_network(LINE)


def poisson_shipments(origin: str, dest: str, rate_h: float, days: float, seed: int) -> Shipments:
    rng = np.random.default_rng(seed)
    n = int(rng.poisson(rate_h * days * 24))
    rel = np.sort(rng.uniform(0, days * 24, n))
    ones = np.ones(n)
    return Shipments(
        ods=(OD(origin, dest, "container"),),
        od=np.zeros(n, dtype=np.int32),
        release_h=rel,
        teu=2 * ones,
        t=20 * ones,
        wagons=ones,
    )


QUIET = SimulationOptions(weather=None, sailing_rule={"ferry": "headway"}, routing="fixed")


@pytest.fixture(scope="module")
def small_run():  # type: ignore[no-untyped-def]
    from corridor_twin import load_corridor
    from corridor_twin.scenarios import load_bundled_demand

    return simulate(load_corridor(), load_bundled_demand(), days=12, seed=3)


def test_same_seed_same_frames(small_run) -> None:  # type: ignore[no-untyped-def]
    from corridor_twin import load_corridor
    from corridor_twin.scenarios import load_bundled_demand

    again = simulate(load_corridor(), load_bundled_demand(), days=12, seed=3)
    for name in ("shipments", "waits", "queues", "throughput", "backlog", "utilisation"):
        pd.testing.assert_frame_equal(small_run.table(name), again.table(name))
    assert small_run.manifest == again.manifest
    other = simulate(load_corridor(), load_bundled_demand(), days=12, seed=4)
    assert not np.array_equal(other.release_h[:100], small_run.release_h[:100])


def test_conservation(small_run) -> None:  # type: ignore[no-untyped-def]
    res = small_run
    backlog = int(res.backlog()["shipments"].sum())
    assert res.n_released == res.n_delivered + backlog
    assert res.n_released > 5_000
    done = ~np.isnan(res.delivered_h)
    assert np.all(res.delivered_h[done] >= res.release_h[done])
    assert np.all(res.delivered_h[done] <= res.days * 24)
    # Steps are ordered in time: enter <= start <= end.
    assert np.all(res.step_enter_h <= res.step_start_h)
    assert np.all(res.step_start_h <= res.step_end_h)
    # A shipment's timeline covers its transit exactly (waits + steps).
    tl = res.timeline()
    first = tl.groupby("shipment")["enter_h"].min()
    last = tl.groupby("shipment")["end_h"].max()
    sh = res.shipments().set_index("shipment")
    d = sh[sh["status"] == "delivered"].index
    d = d[d.isin(first.index)]
    np.testing.assert_allclose(last[d] - first[d], sh.loc[d, "transit_h"], atol=1e-9)


def test_manifest_records_inputs(small_run) -> None:  # type: ignore[no-untyped-def]
    m = small_run.manifest
    assert m["version"]
    assert len(m["network"]["sha256"]) == 64
    assert m["seed"] == {"entropy": 3, "spawn_key": []}
    assert m["options"]["routing"] == "adaptive"
    assert m["clock"].startswith("hours")


def test_ferry_headway_mean_wait_is_half_headway(line: Network) -> None:
    # Poisson arrivals, a departure every H = 24 h: mean wait H/2 = 12 h.
    # Tolerance 0.5 h (4%): the estimator's standard error here is about 0.15 h.
    sh = poisson_shipments("KZ_P", "AZ_P", 1.0, 120, seed=11)
    res = simulate(line, shipments=sh, days=121, seed=5, options=QUIET)
    w = res.waits().set_index(["kind", "place"])
    wait = w.loc[("sailing", "vessel:KZ_P>AZ_P"), "mean_wait_h"]
    assert abs(wait - 12.0) < 0.5


def test_mm1_border_queue_wait() -> None:
    # M/M/1: lambda 0.5/h, mean service 1 h (exponential: border CV 1), one server.
    # Wq = rho / (mu - lambda) = 1.0 h; tolerance 10% (standard error about 4%).
    net = loads_network(BORDER)
    sh = poisson_shipments("KZ_X", "UZ_Y", 0.5, 3000, seed=2)
    opts = SimulationOptions(weather=None, servers={"border:KZ_X>UZ_Y": 1}, routing="fixed")
    res = simulate(net, shipments=sh, days=3001, seed=9, options=opts)
    w = res.waits().set_index(["kind", "place"])
    wq = w.loc[("border", "border:KZ_X>UZ_Y"), "mean_wait_h"]
    assert abs(wq - 1.0) < 0.10
    u = res.utilisation().set_index("place").loc["border:KZ_X>UZ_Y", "utilisation"]
    assert abs(u - 0.5) < 0.02


def test_agrees_with_monte_carlo_reliability(line: Network) -> None:
    # Light traffic, no queueing: the DES transit-time distribution is the Monte
    # Carlo one (same component distributions). Tolerance: mean within 2%, P50 and
    # P90 within 5% (DES standard error ~0.5%, shipments on one sailing share draws).
    sh = poisson_shipments("KZ_A", "AZ_P", 0.2, 1500, seed=4)
    opts = SimulationOptions(
        weather=None, sailing_rule={"ferry": "headway"}, routing="fixed", port_berths=10_000
    )
    res = simulate(line, shipments=sh, days=1502, seed=8, options=opts)
    x = res.shipments()
    x = x.loc[x["status"] == "delivered", "transit_h"].to_numpy()
    mc = reliability(line, "KZ_A", "AZ_P", draws=200_000, seed=1, model=ReliabilityModel()).stats[0]
    assert abs(x.mean() / mc.mean_h - 1) < 0.02
    assert abs(np.quantile(x, 0.5) / mc.p50_h - 1) < 0.05
    assert abs(np.quantile(x, 0.9) / mc.p90_h - 1) < 0.05


def test_closed_port_window_delays_shipments(line: Network) -> None:
    sh = poisson_shipments("KZ_P", "AZ_P", 1.0, 30, seed=3)
    closed = Scenario(
        name="storm",
        changes=(CloseNode(ids=("KZ_P",), start="2026-01-10", end="2026-01-13"),),
    )
    base = simulate(line, shipments=sh, days=40, seed=1, options=QUIET)
    hit = simulate(line, shipments=sh, days=40, seed=1, options=QUIET, scenario=closed)
    a, b = base.shipments(), hit.shipments()
    window = (a["release_h"] >= 9 * 24) & (a["release_h"] < 12 * 24)
    # Nobody sails from the closed port before it reopens (hour 288): arrival >= 288 + 18 h.
    assert (b.loc[window, "delivered_h"] >= 12 * 24 + 18 - 1e-9).all()
    # Mean extra: about 36 h (half the 72 h closure) less the 12 h usual wait.
    assert b.loc[window, "transit_h"].mean() > a.loc[window, "transit_h"].mean() + 15
    # Shipments released well before or after are untouched (common random numbers).
    early = a["release_h"] < 7 * 24
    pd.testing.assert_series_equal(a.loc[early, "delivered_h"], b.loc[early, "delivered_h"])


def test_split_scenario_windows(line: Network) -> None:
    sc = Scenario(
        name="low-water",
        changes=(
            SetLoadFactor(ids=("ferry",), load_factor=0.5, start="2026-02-01", end="2026-03-01"),
            CloseLink(ids=("A-P",)),
        ),
    )
    net, d = split_scenario(line, sc, start_date=datetime.date(2026, 1, 1))
    assert net.link("A-P").status == "closed"
    assert d.load_factor["ferry"] == ((31 * 24.0, 59 * 24.0, 0.5),)
    # Annual analyses average the window over the year.
    annual = SetLoadFactor(ids=("ferry",), load_factor=0.5, start="2026-02-01", end="2026-03-01")
    lf = annual.apply(line).service("ferry").load_factor
    assert lf == pytest.approx(1 - 0.5 * 28 / 364)


def test_windowed_change_the_simulation_cannot_take(line: Network) -> None:
    from corridor_twin.scenarios import ScaleCapacity

    sc = Scenario(
        name="x",
        changes=(
            ScaleCapacity(
                table="links", ids=("A-P",), factor=0.5, start="2026-01-02", end="2026-01-05"
            ),
        ),
    )
    with pytest.raises(ScenarioError, match="cannot take"):
        simulate(line, shipments=poisson_shipments("KZ_A", "AZ_P", 0.1, 5, 1), days=5, scenario=sc)


def test_replications_identical_for_any_worker_count() -> None:
    from corridor_twin import load_corridor
    from corridor_twin.scenarios import load_bundled_demand

    net, demand = load_corridor(), load_bundled_demand()
    one = replicate(net, demand, replications=3, days=4, seed=21, workers=1)
    two = replicate(net, demand, replications=3, days=4, seed=21, workers=2)
    pd.testing.assert_frame_equal(one.transit(), two.transit())
    pd.testing.assert_frame_equal(one.summary(), two.summary())
    assert [r.manifest for r in one.runs] == [r.manifest for r in two.runs]
    # Replication i is the i-th SeedSequence child, whatever ran it.
    assert one.runs[1].manifest["seed"] == {"entropy": 21, "spawn_key": [1]}


def test_dask_scheduler_gives_the_same_results(line: Network) -> None:
    pytest.importorskip("dask.distributed")  # only meaningful with dask installed
    from dask.distributed import LocalCluster

    sh = poisson_shipments("KZ_P", "AZ_P", 0.5, 5, seed=1)
    with LocalCluster(n_workers=1, processes=False) as cluster:
        rs = replicate(
            line,
            shipments=sh,
            replications=2,
            days=5,
            seed=1,
            scheduler=cluster.scheduler_address,
            options=QUIET,
        )
    local = replicate(line, shipments=sh, replications=2, days=5, seed=1, workers=1, options=QUIET)
    pd.testing.assert_frame_equal(rs.transit(), local.transit())


def test_options_and_inputs_are_checked(line: Network) -> None:
    sh = poisson_shipments("KZ_P", "AZ_P", 0.5, 5, seed=1)
    with pytest.raises(OptionError, match="demand"):
        simulate(line, days=5)
    with pytest.raises(OptionError, match="days"):
        simulate(line, shipments=sh, days=0)
    with pytest.raises(OptionError, match="sailing_rule"):
        SimulationOptions(sailing_rule={"ferry": "sometimes"})
    with pytest.raises(OptionError, match="servers"):
        SimulationOptions(servers={"border:X": 0})
    with pytest.raises(OptionError, match="replications"):
        replicate(line, shipments=sh, replications=0)


def test_timetable_and_opening_hours(line: Network) -> None:
    import dataclasses

    tt = line.replace(
        services=(
            dataclasses.replace(
                line.service("ferry"), sailings_per_week=None, departures=("Wed 10:00",)
            ),
        )
    )
    sh = poisson_shipments("KZ_P", "AZ_P", 0.2, 28, seed=5)
    res = simulate(tt, shipments=sh, days=40, seed=1, options=QUIET)
    # 2026-01-01 is a Thursday: sailings leave Wednesdays 10:00 = hour 154 + 168 k.
    starts = res.group_created_h
    assert np.allclose((starts - 154.0) % 168.0, 0.0)
    opts = SimulationOptions(
        weather=None,
        sailing_rule={"ferry": "headway"},
        routing="fixed",
        opening_hours={"AZ_P": (8.0, 16.0)},
    )
    res = simulate(line, shipments=sh, days=40, seed=1, options=opts)
    st = res._step_frame()
    border = st[st["kind"] == "border"]
    assert ((border["start_h"] % 24 >= 8 - 1e-9) & (border["start_h"] % 24 < 16)).all()


def test_low_water_window_cuts_loads(line: Network) -> None:
    import dataclasses

    small = line.replace(services=(dataclasses.replace(line.service("ferry"), capacity_teu=10.0),))
    sc = Scenario(
        name="low",
        changes=(
            SetLoadFactor(ids=("ferry",), load_factor=0.4, start="2026-01-11", end="2026-01-21"),
        ),
    )
    sh = poisson_shipments("KZ_P", "AZ_P", 1.0, 30, seed=6)
    res = simulate(small, shipments=sh, days=30, seed=1, options=QUIET, scenario=sc)
    vessel = [i for i, (_, v, _) in enumerate(res.legs) if v == "vessel"]
    g = np.isin(res.group_leg, vessel)
    t, size = res.group_created_h[g], res.group_size[g]
    inside = (t >= 10 * 24) & (t < 20 * 24)
    assert size[inside].max() == 2  # 10 TEU x 0.4 = 4 TEU = two 2-TEU shipments
    assert size[~inside].max() == 5


def test_bundled_windowed_scenarios_simulate() -> None:
    from corridor_twin import load_corridor
    from corridor_twin.scenarios import load_bundled, load_bundled_demand

    net, demand = load_corridor(), load_bundled_demand()
    storm = load_bundled("caspian-storm-week")
    _, d = split_scenario(net, storm, start_date=datetime.date(2026, 1, 1))
    assert d.closures[("links", "KZ_KUR-AZ_ALAT-FERRY")] == ((11 * 24.0, 18 * 24.0),)
    low = load_bundled("caspian-low-water")
    _, d = split_scenario(net, low, start_date=datetime.date(2026, 1, 1))
    assert set(d.load_factor) == {"S_ASCO_KUR_ALAT", "S_ASCO_AKT_ALAT"}
    res = simulate(net, demand, days=20, seed=1, scenario=storm)
    assert res.manifest["scenario"]["name"] == "caspian-storm-week"


def test_drain_period_lets_late_shipments_arrive(line: Network) -> None:
    sh = poisson_shipments("KZ_P", "AZ_P", 1.0, 20, seed=2)
    short = simulate(line, shipments=sh, days=10, seed=1, options=QUIET)
    drained = simulate(line, shipments=sh, days=10, seed=1, options=QUIET, drain_days=5)
    assert drained.n_released == short.n_released  # no releases after day 10
    assert drained.n_delivered == drained.n_released > short.n_delivered
    assert drained.days == 15
    assert drained.manifest["drain_days"] == 5


def test_when_full_sails_full_or_after_max_wait(line: Network) -> None:
    import dataclasses

    svc = dataclasses.replace(line.service("ferry"), capacity_teu=10.0, availability=0.8)
    net = line.replace(services=(svc,))
    opts = SimulationOptions(weather=None, sailing_rule={"ferry": "when_full"}, routing="fixed")
    sh = poisson_shipments("KZ_P", "AZ_P", 0.2, 200, seed=3)
    res = simulate(net, shipments=sh, days=200, seed=2, options=opts)
    vessel = [i for i, (_, v, _) in enumerate(res.legs) if v == "vessel"]
    g = np.flatnonzero(np.isin(res.group_leg, vessel))
    t, size = res.group_created_h[g], res.group_size[g]
    assert size.max() == 5  # 10 TEU of 2-TEU shipments
    assert np.diff(t).min() >= 12.0 - 1e-9  # at most twice the 7 a week
    # A sailing that is not full waited a headway (24 h) after its first shipment.
    first_ready = {}
    s, li = np.nonzero(res.group >= 0)
    for ship, k in zip(s.tolist(), li.tolist(), strict=True):
        gid = int(res.group[ship, k])
        first_ready[gid] = min(first_ready.get(gid, np.inf), res.ready_h[ship, k])
    partial = [(int(x), tt) for x, tt, n in zip(g, t, size, strict=True) if n < 5]
    assert partial
    assert all(tt - first_ready[x] >= 24.0 - 1e-9 for x, tt in partial)
    sail = res.sailings_frame().iloc[0]
    assert sail["cancelled"] > 0  # availability 0.8 without a weather model
    assert 0.1 < sail["cancelled"] / (sail["cancelled"] + sail["departures"]) < 0.3


def test_loading_onto_a_ship_takes_no_berth_of_its_own(line: Network) -> None:
    # A truck's cargo is loaded during the call of the ship it boards: with one
    # berth per port, the road -> ferry transfer at KZ_P is a delay, not a queue,
    # unless servers name its ``:load`` place.
    import dataclasses

    sh = poisson_shipments("KZ_A", "AZ_P", 1.0, 30, seed=4)
    opts = SimulationOptions(
        weather=None, sailing_rule={"ferry": "headway"}, routing="fixed", port_berths=1
    )
    w = simulate(line, shipments=sh, days=31, seed=1, options=opts).waits()
    w = w.set_index(["kind", "place"])
    assert ("transfer", "transfer:KZ_P") not in w.index
    assert w.loc[("transfer", "transfer:KZ_P:load"), "mean_wait_h"] == 0.0
    queued = dataclasses.replace(opts, servers={"transfer:KZ_P:load": 1})
    w = simulate(line, shipments=sh, days=31, seed=1, options=queued).waits()
    w = w.set_index(["kind", "place"])
    assert w.loc[("transfer", "transfer:KZ_P:load"), "mean_wait_h"] > 0
