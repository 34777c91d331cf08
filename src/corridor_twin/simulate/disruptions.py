"""Disruptions for the discrete-event simulation: scenario windows and Caspian weather.

Two sources of disruption act on a simulation run:

* **time-windowed scenario changes** (:class:`~corridor_twin.scenarios.Event`
  with ``start``/``end``): a port or link closed from date to date
  (``close_node``, ``close_link``, ``close_service``, ``set_status``), a
  border slowed (``set_border_delay``, ``scale_border_delay``), low water
  (``set_load_factor``), fewer slots per sailing (``scale_capacity`` on
  services). :func:`split_scenario` applies a scenario's permanent changes to
  the network and returns the windowed ones as :class:`Disruptions`, in hours
  of simulated time.
* **Caspian weather** (:class:`CaspianWeather`): storms that close the
  Caspian ports, drawn per replication with a seasonal rate.

The simulation clock is in hours from ``start_date`` 00:00 UTC.

Examples
--------
>>> import datetime, numpy as np
>>> w = CaspianWeather()
>>> round(w.annual_closed_share, 3)
0.15
>>> spans = w.closures(365, np.random.default_rng(1), datetime.date(2026, 1, 1))
>>> all(0 <= a < b for a, b in spans)
True
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from corridor_twin.errors import OptionError, ScenarioError
from corridor_twin.network.model import Network
from corridor_twin.scenarios import Event, Scenario, apply_scenario
from corridor_twin.scenarios.changes import ScaleBorderDelay, ScaleCapacity, SetBorderDelay
from corridor_twin.scenarios.operations import SetLoadFactor

__all__ = [
    "CASPIAN_PORTS",
    "CaspianWeather",
    "Disruptions",
    "Window",
    "split_scenario",
]

CASPIAN_PORTS = ("KZ_AKT", "KZ_KUR", "TM_TMB", "AZ_ALAT", "AZ_SAN", "AZ_BKU")
"""Node ids of the bundled network's Caspian ports (closed together by a storm)."""

_SHARES = (0.25, 0.25, 0.18, 0.12, 0.09, 0.09, 0.09, 0.09, 0.09, 0.12, 0.18, 0.25)

Window = tuple[float, float, float]
"""``(start_h, end_h, value)``: a value in force from start (included) to end."""


@dataclass(frozen=True)
class CaspianWeather:
    """Seasonal storms that close the Caspian ports (all at once: one weather system).

    Closed and open spells alternate; a closed spell lasts an exponential time
    of mean ``mean_closure_h`` and the open spells are exponential with the
    rate that makes the long-run closed share of month ``m`` equal
    ``monthly_closed_share[m]``.

    Attributes
    ----------
    ports
        Node ids closed by a storm: no departures, no berthing.
    monthly_closed_share
        Share of time closed, January to December. Default: 0.25 from December
        to February, 0.18 in March and November, 0.12 in April and October,
        0.09 from May to September (assumption: winter northerlies; the annual
        mean, 0.15, matches the bundled ferries' availability of 0.85, whose
        source attributes lost sailings to wind closures).
    mean_closure_h
        Mean length of a closure, hours. Default 36 h (assumption: a storm day
        and a half; Aktau "does not function on windy days").

    Notes
    -----
    When the weather is simulated, a vessel service calling at one of the
    ``ports`` no longer loses departures at random (its ``availability``):
    the storms stand for those losses, so they are not counted twice.
    """

    ports: tuple[str, ...] = CASPIAN_PORTS
    monthly_closed_share: tuple[float, ...] = _SHARES
    mean_closure_h: float = 36.0

    def __post_init__(self) -> None:
        shares = tuple(float(x) for x in self.monthly_closed_share)
        if len(shares) != 12 or not all(0 <= x < 1 for x in shares):
            raise OptionError("monthly_closed_share needs 12 values in [0, 1)")
        object.__setattr__(self, "monthly_closed_share", shares)
        object.__setattr__(self, "ports", tuple(self.ports))
        if not (self.mean_closure_h > 0 and math.isfinite(self.mean_closure_h)):
            raise OptionError(f"mean_closure_h must be > 0, got {self.mean_closure_h}")

    @property
    def annual_closed_share(self) -> float:
        """Mean of the monthly closed shares."""
        return sum(self.monthly_closed_share) / 12.0

    def closures(
        self, days: float, rng: np.random.Generator, start_date: datetime.date
    ) -> list[tuple[float, float]]:
        """Closure spells ``(start_h, end_h)`` over ``days`` from ``start_date``."""
        out: list[tuple[float, float]] = []
        horizon = days * 24.0
        d = self.mean_closure_h
        # Start in the stationary state of the first month.
        t = 0.0
        closed = rng.random() < self.monthly_closed_share[start_date.month - 1]
        while t < horizon:
            if closed:
                end = t + rng.exponential(d)
                out.append((t, end))
                t = end
            else:
                month = (start_date + datetime.timedelta(hours=t)).month
                f = self.monthly_closed_share[month - 1]
                if f <= 0:
                    # Jump to the next month's start.
                    nxt = _month_start_h(start_date, t)
                    t = nxt
                    continue
                rate = f / (d * (1 - f))
                t += rng.exponential(1.0 / rate)
            closed = not closed
        return out


def _month_start_h(start_date: datetime.date, t: float) -> float:
    now = datetime.datetime.combine(start_date, datetime.time()) + datetime.timedelta(hours=t)
    nxt = datetime.datetime(now.year + (now.month == 12), now.month % 12 + 1, 1)
    return (nxt - datetime.datetime.combine(start_date, datetime.time())).total_seconds() / 3600


def _merge(spans: list[tuple[float, float]]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    spans = sorted(spans)
    starts: list[float] = []
    ends: list[float] = []
    for a, b in spans:
        if starts and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return tuple(starts), tuple(ends)


@dataclass(frozen=True)
class Disruptions:
    """Windowed disruptions of one run, in simulated hours.

    Attributes
    ----------
    closures
        ``(table, id) -> [(start_h, end_h), ...]`` for nodes, links, services
        and transfers closed in a window.
    border_dwell_h
        Border record id -> windows of its clearance time (hours).
    load_factor
        Service id -> windows of its load factor.
    capacity_factor
        Service id -> windows of a factor on its capacity per departure.
    """

    closures: Mapping[tuple[str, str], tuple[tuple[float, float], ...]] = field(
        default_factory=dict
    )
    border_dwell_h: Mapping[str, tuple[Window, ...]] = field(default_factory=dict)
    load_factor: Mapping[str, tuple[Window, ...]] = field(default_factory=dict)
    capacity_factor: Mapping[str, tuple[Window, ...]] = field(default_factory=dict)

    def closure_spans(
        self,
        keys: list[tuple[str, str]],
        extra: list[tuple[float, float]] = (),  # type: ignore[assignment]
    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Merged closure spans of several records (plus ``extra``), as sorted starts and ends."""
        spans = list(extra or ())
        for k in keys:
            spans.extend(self.closures.get(k, ()))
        return _merge(spans)

    def __bool__(self) -> bool:
        return bool(
            self.closures or self.border_dwell_h or self.load_factor or self.capacity_factor
        )


def window_value(windows: tuple[Window, ...], t: float, default: float) -> float:
    """The value in force at ``t`` (the last window covering it), else ``default``."""
    value = default
    for a, b, v in windows:
        if a <= t < b:
            value = v
    return value


def _hours(date: datetime.date, start_date: datetime.date) -> float:
    return (date - start_date).days * 24.0


def split_scenario(
    net: Network, scenario: Scenario | None, *, start_date: datetime.date
) -> tuple[Network, Disruptions]:
    """Apply a scenario's permanent changes; return its windowed ones as disruptions.

    Parameters
    ----------
    net
        Base network.
    scenario
        A :class:`~corridor_twin.scenarios.Scenario` (or None: no change).
    start_date
        Day the simulation starts (hour 0).

    Returns
    -------
    (Network, Disruptions)

    Raises
    ------
    ScenarioError
        If a windowed change is of a kind the simulation cannot take
        (``scale_capacity`` of anything but services, ``set_status`` to open).
    """

    if scenario is None:
        return net, Disruptions()
    permanent = []
    closures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    border: dict[str, list[Window]] = {}
    load: dict[str, list[Window]] = {}
    cap: dict[str, list[Window]] = {}
    for i, ch in enumerate(scenario.changes):
        if not (isinstance(ch, Event) and ch.is_event):
            permanent.append(ch)
            continue
        assert ch.start is not None
        assert ch.end is not None
        a, b = _hours(ch.start, start_date), _hours(ch.end, start_date)
        table = getattr(ch, "table", None)
        status = getattr(ch, "status", None)
        try:
            if status is not None and table is not None:
                if status != "closed":
                    raise ScenarioError("only a closure can have a time window", field="start")
                for rid in getattr(ch, "ids", ()):
                    if not net.has(table, rid):
                        raise ScenarioError(f"unknown {table[:-1]} {rid!r}", field="ids")
                    closures.setdefault((table, rid), []).append((a, b))
            elif isinstance(ch, SetBorderDelay | ScaleBorderDelay):
                for rid in ch.selected(net):
                    old = net.borders[net.index_of("borders", rid)].dwell_h
                    new = ch.dwell_h if isinstance(ch, SetBorderDelay) else old * ch.factor
                    border.setdefault(rid, []).append((a, b, float(new)))
            elif isinstance(ch, SetLoadFactor):
                for rid in ch.ids:
                    net.service(rid)
                    load.setdefault(rid, []).append((a, b, float(ch.load_factor)))
            elif isinstance(ch, ScaleCapacity) and ch.table == "services":
                for rid in ch.ids:
                    net.service(rid)
                    cap.setdefault(rid, []).append((a, b, float(ch.factor)))
            else:
                raise ScenarioError(
                    "the simulation cannot take this change with a time window; drop "
                    "'start'/'end' to apply it for the whole run",
                    field="start",
                )
        except ScenarioError as exc:
            raise scenario.locate(exc.located(kind=ch.kind), i) from None
        except LookupError as exc:
            err = ScenarioError(str(exc).strip("'\""), kind=ch.kind, field="ids")
            raise scenario.locate(err, i) from None
    out = apply_scenario(net, dataclasses.replace(scenario, changes=tuple(permanent)))
    return out, Disruptions(
        closures={k: tuple(sorted(v)) for k, v in closures.items()},
        border_dwell_h={k: tuple(v) for k, v in border.items()},
        load_factor={k: tuple(v) for k, v in load.items()},
        capacity_factor={k: tuple(v) for k, v in cap.items()},
    )
