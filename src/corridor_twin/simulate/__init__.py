"""Stochastic simulation: Monte Carlo reliability of routes, and the operating twin.

Two tools live here. :func:`simulate` is the discrete-event simulation of a
corridor (shipments, trains, vessels, ports, borders, disruptions over a year;
:mod:`corridor_twin.simulate.model`), with :func:`replicate` to run many
replications in parallel, and :func:`validate_model` to compare it with
observed figures. :func:`reliability` is the vectorised Monte Carlo
of one route's transit time described below.

Each operation of a route (running, border clearance, transfers, gauge
changes, dwell, waits for scheduled sailings, disruptions) is a random
component whose mean is the routing figure; :func:`reliability` draws the
door-to-door time many times and reports P50, P90, P95, the mean and the
on-time probability for a deadline, each with a confidence interval. The
distribution assumptions are in :class:`ReliabilityModel`. Times in hours.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.simulate import reliability
>>> res = reliability(load_corridor(), "Almaty", "Istanbul", draws=10_000, seed=1,
...                   deadline_days=20)
>>> s = res.stats[0]
>>> s.p50_h <= s.p90_h <= s.p95_h
True
>>> 0.0 <= s.on_time_lo <= s.on_time_probability <= s.on_time_hi <= 1.0
True
>>> list(res.to_frame().columns[:4])
['rank', 'origin', 'destination', 'via']
"""

from corridor_twin.simulate.disruptions import CaspianWeather, Disruptions, split_scenario
from corridor_twin.simulate.model import SimulationOptions
from corridor_twin.simulate.reliability import (
    ReliabilityModel,
    ReliabilityResult,
    TransitComponents,
    TransitStats,
    reliability,
    route_components,
    simulate_transit_h,
    summarize,
)
from corridor_twin.simulate.replicate import ReplicationSet, replicate
from corridor_twin.simulate.results import SimulationResult
from corridor_twin.simulate.run import simulate
from corridor_twin.simulate.shipments import (
    Shipments,
    read_shipments_csv,
    shipments_from_demand,
)
from corridor_twin.simulate.validation import ModelValidationReport, validate_model

__all__ = [
    "CaspianWeather",
    "Disruptions",
    "ModelValidationReport",
    "ReliabilityModel",
    "ReliabilityResult",
    "ReplicationSet",
    "Shipments",
    "SimulationOptions",
    "SimulationResult",
    "TransitComponents",
    "TransitStats",
    "read_shipments_csv",
    "reliability",
    "replicate",
    "route_components",
    "shipments_from_demand",
    "simulate",
    "simulate_transit_h",
    "split_scenario",
    "summarize",
    "validate_model",
]
