"""Stochastic simulation: Monte Carlo transit-time reliability of routes.

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

__all__ = [
    "ReliabilityModel",
    "ReliabilityResult",
    "TransitComponents",
    "TransitStats",
    "reliability",
    "route_components",
    "simulate_transit_h",
    "summarize",
]
