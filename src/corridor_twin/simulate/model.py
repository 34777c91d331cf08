"""The operating twin: a discrete-event simulation of shipments on a corridor network.

Shipments follow the routes of :func:`corridor_twin.routing.route` for their
origin, destination and commodity (Middle Corridor flows, ``corridor:
titr``, avoid Russia, Belarus and Iran). Each route is cut into legs
(:mod:`corridor_twin.simulate._plan`) run by vehicles:

* **trains** form at the start of a rail leg and leave when full
  (``train_wagons``) or when the first wagon has waited ``train_max_wait_h``;
  trucks and pipeline parcels leave at once (a pipeline takes parcels at its
  capacity rate: continuous flow);
* **vessels** (ferries, ships) sail by timetable, by headway, or when full or
  after a maximum wait (:class:`SimulationOptions`), carry at most capacity x
  load factor and lose departures at random (``availability``) unless the
  weather is simulated;
* **stations** -- border crossings, gauge changes, transfers (port berths)
  and dwells -- serve vehicles FIFO with ``servers`` parallel servers (or with
  no queue, a pure delay, where no server count is given) and opening hours.

The model is event-scheduling on :class:`~corridor_twin.simulate.engine.Engine`.
The simulation clock is in hours from ``start_date`` 00:00 UTC.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corridor_twin.errors import NoRouteError, OptionError
from corridor_twin.network.compile import WEEK_H, CompiledNetwork, departures_h
from corridor_twin.routing import k_routes, route
from corridor_twin.routing.corridors import CORRIDOR_ALIASES, CORRIDORS
from corridor_twin.routing.paths import corridor_serves
from corridor_twin.simulate._plan import LegSpec, route_legs
from corridor_twin.simulate._runtime import (
    Direct,
    Leg,
    LineJoin,
    LineSpec,
    Plan,
    Simulator,
    Station,
    Step,
    TrainFormation,
    VesselLine,
    _Log,
    _rng,
)
from corridor_twin.simulate.disruptions import CaspianWeather, Disruptions
from corridor_twin.simulate.engine import Engine, Stream
from corridor_twin.simulate.reliability import ReliabilityModel
from corridor_twin.simulate.shipments import Shipments

__all__ = ["ROUTING_RULES", "SAILING_RULES", "ModelRun", "SimulationOptions", "run_model"]

SAILING_RULES = ("timetable", "headway", "when_full")
"""How a vessel service departs: {timetable, headway, when_full}."""

ROUTING_RULES: Mapping[str, Mapping[str, Any]] = {
    "titr": {"avoid_countries": ("RU", "BY", "IR")},
}
"""Routing options per demand ``corridor`` label: Middle Corridor (``titr``)
flows avoid Russia, Belarus and Iran, as in the standard analyses."""

_PRESET_LABELS = frozenset(
    [*(c for c, p in CORRIDORS.items() if p.base is None), *CORRIDOR_ALIASES]
)
# A flow labelled with a corridor preset (middle, northern, ...) keeps to that preset.

_INF = math.inf


@dataclass(frozen=True)
class SimulationOptions:
    """Operating rules and assumptions of the simulation (hours, wagons).

    Every default that is not sourced is an assumption, marked so.

    Attributes
    ----------
    train_wagons
        Wagon slots of a train. Default 57 (assumption: a long 1520 mm block
        train; China-Europe trains carry 41-55 forty-foot containers).
    train_max_wait_h
        A train leaves after its first wagon has waited this long, full or not.
        Default 48 h (assumption).
    sailing_rule
        Rule of frequency services (no timetable) by mode or service id; one of
        {headway, when_full}. Default: ferries ``when_full`` (Caspian ferries
        have no timetable and sail when full, facts.md), sea ``headway``.
        Timetabled services always follow their timetable.
    max_wait_headways
        ``when_full``: a vessel sails once the first shipment has waited this
        many mean headways (``168 / sailings_per_week``). Default 1 (assumption).
    min_headway_share
        ``when_full``: two sailings are at least this share of the mean headway
        apart (the fleet cannot sail more often). Default 0.5 (assumption).
    servers
        Parallel servers by station place (``transfer:AZ_ALAT``,
        ``border:CN_ALA>KZ_DOS``; a port's ship berths, apart from its ferry
        berths, are ``transfer:<node>:sea``) or node id; a station with none
        is a pure delay (no queue). Default: at Alat, 4 berths for the ships
        that carry wagons (2 ferry berths and 2 Ro-Ro/Ro-Pax berths, cbc.az
        2018), which take the 2024 average vessel handling time of 20.1 h
        (Trend 2025), and the 3 container berths (``transfer:AZ_ALAT:sea``,
        Trend 2025) for the container feeders. Calibration note: with the 2
        ferry berths alone the ferry queue at Alat grows all year, with 3 (the
        earlier default) ships wait about 12-16 h for a berth, with 4 about
        4 h; the truck traffic left out of the demand also uses the Ro-Ro/Ro-Pax
        berths, so the wait is probably understated. A berth is held once per
        ship call, by the sailing's cargo handled after it arrives; loading a
        train's or truck's cargo onto a ship (``transfer:<node>:load``) happens
        in that call and is a delay unless ``servers`` names that place.
    port_berths
        Berths of every other port transfer, or None (default): the bundled
        dwell figures there are terminal dwell times with waiting included,
        not berth occupancy, so they act as delays (assumption).
    opening_hours
        Daily ``(open_h, close_h)`` by station place or node id; default always
        open (assumption: 24/7 operation, no sourced hours).
    routing
        {fixed, adaptive}: ``fixed`` sends every shipment of a flow on the best
        route; ``adaptive`` picks at release, among the ``k_routes`` best, the
        one with the least expected time plus its current sailing backlog.
        Default adaptive.
    k_routes
        Candidate routes per flow for adaptive routing. Default 8: the Middle
        Corridor has many variants within a few per cent of each other
        (Dostyk or Khorgos, Kuryk, Aktau or Turkmenbashi, Poti or BTK), and
        with fewer the Aktau - Alat container feeders, about a day slower at
        expected values, are never a candidate (calibration: with 3, every
        container is offered to the rail ferries and their queue grows all
        year).
    reliability
        Distributions of running times (lognormal, CV by mode) and station
        service times (gamma, CV by kind; border CV 1), shared with the Monte
        Carlo :func:`~corridor_twin.simulate.reliability`.
    weather
        Caspian storms (:class:`CaspianWeather`), or None for no weather model
        (then services lose departures at random by their availability).
    sample_every_h
        Interval of the queue-length samples. Default 24 h.
    start_date
        Day of hour 0 (timetables, seasons, scenario windows).
    corridor
        A corridor preset every flow keeps to ({middle, northern, southern,
        road, sea}, :mod:`corridor_twin.routing.corridors`), over the flows'
        own labels. A flow with an end the preset excludes (e.g. from Russia
        under ``middle``) keeps its own routing; one with both ends inside
        and no route in the preset is an error. Default None: each flow by
        its label, else its best routes.
    """

    train_wagons: float = 57.0
    train_max_wait_h: float = 48.0
    sailing_rule: Mapping[str, str] = field(
        default_factory=lambda: {"ferry": "when_full", "sea": "headway"}
    )
    max_wait_headways: float = 1.0
    min_headway_share: float = 0.5
    servers: Mapping[str, int] = field(
        default_factory=lambda: {"transfer:AZ_ALAT": 4, "transfer:AZ_ALAT:sea": 3}
    )
    port_berths: int | None = None
    opening_hours: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    routing: str = "adaptive"
    k_routes: int = 8
    reliability: ReliabilityModel = field(default_factory=ReliabilityModel)
    weather: CaspianWeather | None = field(default_factory=CaspianWeather)
    sample_every_h: float = 24.0
    start_date: datetime.date = datetime.date(2026, 1, 1)
    corridor: str | None = None

    def __post_init__(self) -> None:
        if self.corridor is not None and self.corridor not in _PRESET_LABELS:
            raise OptionError(
                f"corridor must be one of {{{', '.join(sorted(_PRESET_LABELS))}}}, "
                f"got {self.corridor!r}"
            )
        for name in ("train_wagons", "train_max_wait_h", "max_wait_headways", "sample_every_h"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                raise OptionError(f"{name} must be positive, got {v}")
        if not 0 <= self.min_headway_share <= 1:
            raise OptionError(f"min_headway_share must be in [0, 1], got {self.min_headway_share}")
        for key, rule in self.sailing_rule.items():
            if rule not in ("headway", "when_full"):
                raise OptionError(
                    f"sailing_rule[{key!r}] must be one of {{headway, when_full}}, got {rule!r}"
                )
        if self.routing not in ("fixed", "adaptive"):
            raise OptionError(f"routing must be one of {{fixed, adaptive}}, got {self.routing!r}")
        if self.k_routes < 1 or (self.port_berths is not None and self.port_berths < 1):
            raise OptionError("k_routes and port_berths must be >= 1")
        for key, n in self.servers.items():
            if not isinstance(n, int) or n < 1:
                raise OptionError(f"servers[{key!r}] must be an integer >= 1, got {n!r}")
        for key, (a, b) in self.opening_hours.items():
            if not 0 <= a < b <= 24:
                raise OptionError(f"opening_hours[{key!r}] must satisfy 0 <= open < close <= 24")


_STATION_CV_KEY = {"border": "border", "gauge": "gauge", "transfer": "transfer", "dwell": "dwell"}
_ROUTE_SLACK = 1.5
"""Adaptive routing considers routes at most this many times the best one's time
(assumption: nobody sends cargo on a route twice as slow to skip a queue)."""


@dataclass
class ModelRun:
    """What :func:`run_model` hands to the result builder."""

    log: _Log
    legs: list[Leg]
    stations: list[Station]
    lines: list[VesselLine]
    plans: list[list[Plan]]
    events: int
    horizon_h: float
    released: int


class _Builder:
    """Turns routes into shared legs, stations and vessel lines for one run."""

    def __init__(
        self,
        comp: CompiledNetwork,
        options: SimulationOptions,
        disruptions: Disruptions,
        root: np.random.SeedSequence,
        weather_spans: list[tuple[float, float]],
        sim: Simulator,
    ) -> None:
        self.comp = comp
        self.o = options
        self.d = disruptions
        self.root = root
        self.weather_ports = set(options.weather.ports) if options.weather else set()
        self.weather_spans = weather_spans
        self.sim = sim
        self.legs: dict[tuple[object, ...], Leg] = {}
        self.stations: dict[str, Station] = {}
        self.lines: dict[tuple[int, str], VesselLine] = {}
        self.vessel_ports = {
            st for s in comp.network.services if s.mode in ("ferry", "sea") for st in s.stops
        }

    def _spans(self, keys: list[tuple[str, str]], weather: bool) -> Any:
        extra = self.weather_spans if weather else []
        return self.d.closure_spans(keys, extra)

    def station(self, spec: Any) -> Station:
        stn = self.stations.get(spec.place)
        if stn is not None:
            return stn
        o = self.o
        if not spec.berth:
            # Loading onto a ship (``transfer:<node>:load``): a server only if named.
            servers = o.servers.get(spec.place)
        else:
            servers = o.servers.get(spec.place, o.servers.get(spec.node))
            if servers is None and spec.kind == "transfer" and spec.node in self.vessel_ports:
                servers = o.port_berths
        cv = o.reliability.wait_cv.get(_STATION_CV_KEY[spec.kind], 0.0)
        weather = spec.kind == "transfer" and spec.node in self.weather_ports
        stn = Station(
            spec.place,
            spec.kind,
            spec.node,
            servers,
            Stream(_rng(self.root, spec.place), "gamma", cv),
            self._spans(spec.closure_keys, weather),
            o.opening_hours.get(spec.place, o.opening_hours.get(spec.node)),
        )
        self.stations[spec.place] = stn
        return stn

    def leg(self, spec: LegSpec) -> Leg:
        leg = self.legs.get(spec.key)
        if leg is not None:
            return leg
        net = self.comp.network
        steps = []
        for i, ss in enumerate(spec.steps):
            st = Step(ss)
            if ss.kind == "travel":
                cv = self.o.reliability.travel_cv.get(ss.mode, 0.0)
                name = f"{spec.vehicle}:{spec.node_from}>{spec.node_to}/{i}:{ss.place}"
                st.stream = Stream(
                    _rng(self.root, name), self.o.reliability.travel_distribution, cv
                )
                st.starts, st.ends = self._spans(ss.closure_keys, False)
                if st.pipe:
                    cap = net.link(ss.links[0]).capacity_t_per_year
                    if cap:
                        st.rate_t_h = cap / (365.0 * 24.0)
            else:
                st.station = self.station(ss)
                st.borders = [(base, self.d.border_dwell_h.get(b, ())) for b, base in ss.borders]
                if not any(w for _, w in st.borders):
                    st.borders = []
            steps.append(st)
        leg = Leg(len(self.legs), spec, steps)
        if spec.vehicle == "vessel":
            leg.formation = LineJoin(self.line(spec), leg)
        elif spec.vehicle == "train":
            leg.formation = TrainFormation(
                self.sim, leg, self.o.train_wagons, self.o.train_max_wait_h
            )
        else:
            leg.formation = Direct(self.sim, leg, batch=spec.vehicle == "batch")
        self.legs[spec.key] = leg
        return leg

    def line(self, spec: LegSpec) -> VesselLine:
        key = (spec.run, spec.node_from)
        line = self.lines.get(key)
        if line is not None:
            return line
        o = self.o
        svc = self.comp.network.services[spec.service]
        deps = departures_h(svc)
        per_week = float(svc.sailings_per_week or 0.0)
        headway = WEEK_H / per_week if per_week > 0 else WEEK_H / max(len(deps), 1)
        rule = (
            "timetable"
            if len(deps)
            else o.sailing_rule.get(svc.id, o.sailing_rule.get(svc.mode, "headway"))
        )
        if svc.capacity_wagons is not None:
            cap, unit = float(svc.capacity_wagons), "wagons"
        elif svc.capacity_teu is not None:
            cap, unit = float(svc.capacity_teu), "teu"
        elif svc.capacity_t is not None:
            cap, unit = float(svc.capacity_t), "t"
        else:
            cap, unit = math.inf, "wagons"
        stops = {spec.node_from, spec.node_to}
        weather = bool(stops & self.weather_ports)
        keys = [("services", svc.id), ("nodes", spec.node_from)]
        keys += [k for ss in spec.steps for k in ss.closure_keys if k[0] == "links"]
        ls = LineSpec(
            place=f"{svc.id}@{spec.node_from}",
            service_id=svc.id,
            rule=rule,
            headway_h=headway,
            timetable_h=deps,
            week_offset_h=o.start_date.weekday() * 24.0,
            cap=cap,
            unit=unit,
            load_factor=svc.load_factor,
            availability=svc.availability,
            cancel=not weather and svc.availability < 1.0,
            max_wait_h=headway * o.max_wait_headways,
            min_gap_h=headway * o.min_headway_share,
            spans=self._spans(keys, weather),
            lf_windows=self.d.load_factor.get(svc.id, ()),
            cap_windows=self.d.capacity_factor.get(svc.id, ()),
        )
        line = VesselLine(self.sim, ls, _rng(self.root, f"line:{ls.place}"))
        self.lines[key] = line
        return line


def _routes(comp: CompiledNetwork, od: Any, options: SimulationOptions) -> list[Any]:
    kw = dict(ROUTING_RULES.get(od.corridor or "", {}))
    if not kw and od.corridor in _PRESET_LABELS:
        kw = {"corridor": od.corridor}
    if options.corridor is not None and all(
        corridor_serves(comp, options.corridor, n) for n in (od.origin, od.destination)
    ):
        kw = {"corridor": options.corridor}
    if options.routing == "fixed" or options.k_routes == 1:
        return [route(comp, od.origin, od.destination, cargo=od.commodity, **kw)]
    rs = list(
        k_routes(comp, od.origin, od.destination, k=options.k_routes, cargo=od.commodity, **kw)
    )
    if not rs:
        raise NoRouteError(f"no route from {od.origin} to {od.destination} for {od.commodity}")
    best = rs[0].time_h
    return [r for r in rs if r.time_h <= best * _ROUTE_SLACK]


def run_model(
    comp: CompiledNetwork,
    shipments: Shipments,
    *,
    days: float,
    options: SimulationOptions,
    disruptions: Disruptions,
    seed: np.random.SeedSequence,
    release_days: float | None = None,
) -> ModelRun:
    """Simulate ``days`` of operations; shipments released after ``release_days``
    (default ``days``) are left out.

    Every random number comes from ``seed`` (a child per named element).
    """
    horizon = days * 24.0
    weather_spans: list[tuple[float, float]] = []
    if options.weather is not None:
        weather_spans = options.weather.closures(days, _rng(seed, "weather"), options.start_date)
    keep = shipments.release_h < (days if release_days is None else release_days) * 24.0
    od = shipments.od[keep].tolist()
    release = shipments.release_h[keep].tolist()
    size = {
        "wagons": shipments.wagons[keep].tolist(),
        "teu": shipments.teu[keep].tolist(),
        "t": shipments.t[keep].tolist(),
    }
    eng = Engine()
    sim = Simulator(eng, None, size, [], options.routing == "adaptive")  # type: ignore[arg-type]
    b = _Builder(comp, options, disruptions, seed, weather_spans, sim)
    plans: list[list[Plan]] = []
    for k, flow in enumerate(shipments.ods):
        cands = []
        for ri, r in enumerate(_routes(comp, flow, options)):
            legs = [b.leg(spec) for spec in route_legs(comp, [int(e) for e in r.edges])]
            lines = [lg.formation.line for lg in legs if isinstance(lg.formation, LineJoin)]
            cands.append(Plan(ri, " > ".join(r.nodes), float(r.time_h), legs, lines))
        plans.append(cands)
        del k
    max_legs = max((len(p.legs) for c in plans for p in c), default=1)
    log = _Log(len(od), max_legs)
    sim.log = log
    sim.plans = plans
    stations = list(b.stations.values())
    lines = list(b.lines.values())
    trains = [lg.formation for lg in b.legs.values() if isinstance(lg.formation, TrainFormation)]

    def sample(_: Any) -> None:
        t = eng.now
        out = log.samples
        for stn in stations:
            if stn.servers is not None:
                out.append((t, stn.place, stn.kind, len(stn.queue), 0.0, stn.busy))
        for ln in lines:
            out.append((t, ln.spec.place, "sailing", len(ln.queue), ln.units, 0))
        for tr in trains:
            out.append((t, tr.place, "consolidation", len(tr.queue), tr.units, 0))
        if t + options.sample_every_h <= horizon:
            eng.at(t + options.sample_every_h, sample, None)

    eng.at(0.0, sample, None)
    sim.start(od, release)
    eng.run(horizon)
    log.plan[:] = sim.plan_k
    log.ready[:, 0] = np.where(log.plan >= 0, shipments.release_h[keep], np.nan)
    return ModelRun(
        log=log,
        legs=list(b.legs.values()),
        stations=stations,
        lines=lines,
        plans=plans,
        events=eng.events,
        horizon_h=horizon,
        released=len(od),
    )
