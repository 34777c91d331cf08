"""Scheduled services in numbers: weekly departures, expected wait, annual capacity.

Times are hours after Monday 00:00 of a week of :data:`WEEK_H` hours (UTC).

Examples
--------
>>> from corridor_twin.network.records import Service
>>> s = Service(id="f", name="ferry", mode="ferry", stops=("A", "B"), departures=("Tue 10:00",))
>>> departures_h(s).tolist(), expected_wait_h(s)
([34.0], 84.0)
"""

from __future__ import annotations

import numpy as np

from corridor_twin._typing import FloatArray
from corridor_twin.network.records import Service

__all__ = ["WEEK_H", "departures_h", "expected_wait_h", "service_capacity_per_year"]

_DAYS = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}
WEEK_H = 168.0
"""Hours in a week: the period of every timetable."""


def service_capacity_per_year(service: Service) -> tuple[float, float]:
    """Annual capacity of a service per direction, in tonnes and TEU.

    ``departures per week x 52 x capacity per departure x availability x
    load_factor``; NaN where the service gives no capacity in that unit. So
    adding a ferry (more sailings) or lifting a draft limit (load factor)
    raises the capacity.

    Examples
    --------
    >>> from corridor_twin.network.records import Service
    >>> s = Service(id="f", name="ferry", mode="ferry", stops=("A", "B"), sailings_per_week=7,
    ...             capacity_teu=100, availability=0.5, load_factor=0.8)
    >>> service_capacity_per_year(s)[1]
    14560.0
    """
    per_week = float(len(service.departures) or service.sailings_per_week or 0.0)
    factor = per_week * 52.0 * service.availability * service.load_factor
    t = factor * service.capacity_t if service.capacity_t is not None else np.nan
    teu = factor * service.capacity_teu if service.capacity_teu is not None else np.nan
    return float(t), float(teu)


def expected_wait_h(service: Service) -> float:
    """Expected wait for a service by a shipment arriving at a random time.

    With a timetable of weekly departures with gaps ``g_i`` the expected wait
    is ``sum(g_i**2) / (2 * 168)``; with only a frequency of ``n`` sailings a
    week it is half the headway, ``168 / n / 2``. When only a share ``a`` of
    departures runs (``availability``), each cancelled one adds a headway, so
    ``(1 - a) / a`` mean headways are added.
    """
    deps = departures_h(service)
    a = service.availability
    if len(deps):
        gaps = np.diff(np.append(deps, deps[0] + WEEK_H))
        base = float((gaps**2).sum() / (2 * WEEK_H))
        headway = WEEK_H / len(deps)
    else:
        n = service.sailings_per_week or 0.0
        if n <= 0:
            return float("inf")
        headway = WEEK_H / n
        base = headway / 2
    if a <= 0:
        return float("inf")
    return base + headway * (1 - a) / a


def departures_h(service: Service) -> FloatArray:
    """Sorted weekly departure times at the first stop, hours after Monday 00:00."""
    out = []
    for d in service.departures:
        day, hhmm = d.split()
        hh, mm = hhmm.split(":")
        out.append(_DAYS[day] * 24 + int(hh) + int(mm) / 60)
    return np.sort(np.asarray(out, dtype=np.float64))
