"""Run the discrete-event simulation of a corridor: :func:`simulate`.

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.simulate import simulate
>>> from corridor_twin.scenarios import load_bundled_demand
>>> res = simulate(load_corridor(), load_bundled_demand(), days=10, seed=1)
>>> res.n_released == res.n_delivered + int(res.backlog()["shipments"].sum())
True
>>> res.manifest["seed"]["entropy"]
1
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import math
import platform
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from corridor_twin._version import __version__
from corridor_twin.errors import DemandError, OptionError
from corridor_twin.network.model import Network
from corridor_twin.scenarios import DemandTable, Scenario, apply_demand
from corridor_twin.scenarios.demand import check_demand
from corridor_twin.simulate.disruptions import split_scenario
from corridor_twin.simulate.model import ModelRun, SimulationOptions, run_model
from corridor_twin.simulate.results import SimulationResult
from corridor_twin.simulate.shipments import Shipments, shipments_from_demand

__all__ = ["network_digest", "simulate"]

SeedLike = int | np.random.SeedSequence | None


def network_digest(net: Network) -> str:
    """SHA-256 of a network's records (its content, not where it was read from)."""
    h = hashlib.sha256()
    for table in (
        "nodes",
        "links",
        "transfers",
        "borders",
        "services",
        "restrictions",
        "commodities",
        "modes",
        "emission_factors",
    ):
        h.update(repr(getattr(net, table)).encode())
    return h.hexdigest()


def _seed_seq(seed: SeedLike) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None or (isinstance(seed, int | np.integer) and not isinstance(seed, bool)):
        return np.random.SeedSequence(None if seed is None else int(seed))
    raise OptionError(f"seed must be an integer, a SeedSequence or None, got {seed!r}")


def _options_dict(options: SimulationOptions) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(options):
        v = getattr(options, f.name)
        out[f.name] = repr(v) if dataclasses.is_dataclass(v) else v
    safe: dict[str, Any] = json_safe(out)
    return safe


def json_safe(value: Any) -> Any:
    """Mappings, tuples and dates turned into JSON types."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return repr(value)


def simulate(
    net: Network,
    demand: DemandTable | None = None,
    *,
    shipments: Shipments | None = None,
    scenario: Scenario | None = None,
    days: float = 365.0,
    seed: SeedLike = None,
    options: SimulationOptions | None = None,
    seasonality: Sequence[float] | None = None,
    drain_days: float = 0.0,
) -> SimulationResult:
    """Simulate ``days`` of operations of a corridor network.

    Parameters
    ----------
    net
        The network (the scenario's permanent changes are applied to it).
    demand
        An annual :class:`~corridor_twin.scenarios.DemandTable` to draw
        shipments from (the scenario's demand changes are applied), or
    shipments
        A shipment list to replay (:func:`read_shipments_csv`).
    scenario
        A :class:`~corridor_twin.scenarios.Scenario`: permanent changes change
        the network, changes with a window act only in their window
        (:func:`~corridor_twin.simulate.disruptions.split_scenario`).
    days
        Simulated period, days (> 0). Shipments released later are left out.
    seed
        Integer seed, a :class:`numpy.random.SeedSequence` (a replication's
        child), or None for fresh entropy (recorded in the manifest).
    options
        Operating rules and assumptions (:class:`SimulationOptions`).
    seasonality
        Twelve monthly factors of the release rate (demand only).
    drain_days
        Days the run goes on after the last release, with no new shipments,
        so that late shipments can arrive (default 0). Transit statistics
        count delivered shipments only, so a drain period reduces the bias
        against slow shipments at the end of the release period.

    Returns
    -------
    SimulationResult

    Raises
    ------
    OptionError
        Bad option values, or neither or both of ``demand`` and ``shipments``.
    ScenarioError, DemandError, NoRouteError
        A scenario that cannot be applied, demand naming unknown records, or a
        flow with no route.
    """
    if (demand is None) == (shipments is None):
        raise OptionError("give demand (an annual table) or shipments (a list to replay)")
    if not (isinstance(days, int | float) and days > 0 and math.isfinite(days)):
        raise OptionError(f"days must be a positive number, got {days!r}")
    if not (isinstance(drain_days, int | float) and drain_days >= 0 and math.isfinite(drain_days)):
        raise OptionError(f"drain_days must be >= 0, got {drain_days!r}")
    options = options or SimulationOptions()
    ss = _seed_seq(seed)
    t0 = time.perf_counter()
    base = net
    net, disruptions = split_scenario(net, scenario, start_date=options.start_date)
    if demand is not None:
        if scenario is not None:
            demand = apply_demand(demand, scenario, net)
        problems = check_demand(demand, net)
        if problems:
            raise DemandError(problems[0])
        child = np.random.default_rng(
            np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 0))
        )
        shipments = shipments_from_demand(
            net,
            demand,
            days=days,
            seed=child,
            start_date=options.start_date,
            seasonality=seasonality,
        )
    assert shipments is not None
    comp = net.compiled()
    model_seed = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 1))
    run = run_model(
        comp,
        shipments,
        days=float(days + drain_days),
        release_days=float(days),
        options=options,
        disruptions=disruptions,
        seed=model_seed,
    )
    manifest = {
        "package": "corridor-twin",
        "version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "network": {"name": base.meta.name, "sha256": network_digest(base)},
        "shipments": {
            "count": shipments.n,
            "sha256": shipments.digest(),
            "source": "demand" if demand is not None else "replay",
        },
        "scenario": None
        if scenario is None
        else {
            "name": scenario.name,
            "sha256": hashlib.sha256(
                repr(scenario).encode() + repr(scenario.changes).encode()
            ).hexdigest(),
        },
        "days": float(days),
        "drain_days": float(drain_days),
        "seasonality": None if seasonality is None else [float(x) for x in seasonality],
        "seed": {"entropy": ss.entropy, "spawn_key": list(ss.spawn_key)},
        "options": _options_dict(options),
        "clock": "hours from start_date 00:00 UTC",
    }
    return _result(
        run, shipments, manifest, options, float(days + drain_days), time.perf_counter() - t0
    )


def _result(
    run: ModelRun,
    sh: Shipments,
    manifest: dict[str, Any],
    options: SimulationOptions,
    days: float,
    wall_s: float,
) -> SimulationResult:
    log = run.log
    n = len(log.plan)
    legs = tuple(
        (
            lg.label,
            lg.spec.vehicle,
            tuple((st.kind, st.spec.place, tuple(st.spec.links)) for st in lg.steps),
        )
        for lg in run.legs
    )
    return SimulationResult(
        manifest=manifest,
        days=days,
        start_date=options.start_date,
        events=run.events,
        flows=tuple((f.origin, f.destination, f.commodity) for f in sh.ods),
        routes=tuple(tuple((p.via, p.time_h) for p in c) for c in run.plans),
        route_legs=tuple(tuple(tuple(lg.lid for lg in p.legs) for p in c) for c in run.plans),
        od=sh.od[:n].copy(),
        route=log.plan,
        release_h=sh.release_h[:n].copy(),
        delivered_h=log.delivered,
        teu=sh.teu[:n].copy(),
        t=sh.t[:n].copy(),
        ready_h=log.ready,
        group=log.gid,
        legs=legs,
        group_leg=np.asarray(log.g_leg, dtype=np.int32),
        group_created_h=np.asarray(log.g_created, dtype=np.float64),
        group_size=np.asarray(log.g_size, dtype=np.int32),
        step_group=np.asarray(log.s_gid, dtype=np.int32),
        step_index=np.asarray(log.s_step, dtype=np.int32),
        step_enter_h=np.asarray(log.s_enter, dtype=np.float64),
        step_start_h=np.asarray(log.s_start, dtype=np.float64),
        step_end_h=np.asarray(log.s_end, dtype=np.float64),
        stations=tuple((s.place, s.kind, s.servers, s.served, s.busy_h) for s in run.stations),
        sailings=tuple(
            (
                ln.spec.place,
                ln.spec.service_id,
                ln.spec.rule,
                ln.departures,
                ln.cancelled,
                len(ln.queue),
            )
            for ln in run.lines
        ),
        samples=tuple(log.samples),
        wall_s=wall_s,
    )
