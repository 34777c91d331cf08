"""The corridor's freight market model: whole markets choosing among competing corridors.

Build -> solve -> measure, on top of :mod:`corridor_twin.flow.choice`:

* :func:`build_market_model` turns a markets file (:mod:`.markets`) and the
  behavioural parameters into choice sets on a network: every segment's ``k``
  best routes per corridor, with charges, expected time, the reliability
  spread (P90 - P50 of the transit time, :func:`reliability_spread_h`) and the
  risk and compliance costs that apply in the year;
* :func:`solve_market` finds the capacity-constrained stochastic user
  equilibrium under a :class:`MarketCalibration` (logit scale and corridor
  constants);
* :func:`measure` gives the model's counterpart of an observed figure
  (corridor totals, service, node, link and border flows, market segments by
  corridor) in the figure's unit (t, TEU, wagons, trucks).

Calibration and the fit report are in :mod:`.calibration`.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.scenarios.markets import loads_markets, Parameters
>>> mk = loads_markets('''
... meta: {name: tiny, year: 2024}
... segments:
...   - {id: a, market: china-eu, origin: CN_XIAN, destination: DE_DUI, commodity: container,
...      direction: westbound, amount_per_year: 10000, unit: teu, source: s, year: 2024}
... ''')
>>> mm = build_market_model(load_corridor(), mk, Parameters())
>>> res = solve_market(mm, MarketCalibration(scale=5.0))
>>> round(sum(res.choice.corridor_flow(c, unit="teu") for c in mm.choice.corridors))
10000
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from corridor_twin._typing import FloatArray
from corridor_twin.errors import DataError, OptionError
from corridor_twin.flow.choice import (
    ChoiceModel,
    ChoiceResult,
    Segment,
    build_choice,
    extract_choice,
    solve_choice,
)
from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork, as_compiled
from corridor_twin.network.compiled import CacheSlot
from corridor_twin.network.model import Network
from corridor_twin.network.schema import MODES
from corridor_twin.routing.result import Route
from corridor_twin.scenarios.markets import Markets, MarketSegment, ObservedFigure, Parameters
from corridor_twin.simulate.reliability import ReliabilityModel

__all__ = [
    "CASPIAN_PORTS",
    "MarketCalibration",
    "MarketModel",
    "MarketResult",
    "build_market_model",
    "edge_transit_variance_h2",
    "measure",
    "reliability_spread_h",
    "solve_market",
]

CASPIAN_PORTS = ("KZ_AKT", "KZ_KUR", "TM_TMB", "AZ_ALAT", "AZ_SAN")
"""Ports whose waits make "the Caspian wait" of a route."""
_Z90 = 1.2815515655446004  # P90 - P50 of a normal distribution, in standard deviations
_RIDE = EDGE_KINDS.index("ride")
_LINK = EDGE_KINDS.index("link")
_MOVES = (_LINK, _RIDE)
# Per compiled network: the transit-time variance of every edge, by reliability model.
_VARIANCES: CacheSlot[str, FloatArray] = CacheSlot("market.edge_variance_h2", size=8)
_WAITS = ("wait_service_h", "wait_border_h", "wait_transfer_h", "wait_gauge_h", "wait_dwell_h")


def edge_transit_variance_h2(
    comp: CompiledNetwork, model: ReliabilityModel | None = None
) -> FloatArray:
    """Variance of every compiled edge's contribution to a transit time, hours squared.

    The components of the Monte Carlo reliability model
    (:func:`~corridor_twin.simulate.reliability.route_components`), edge by
    edge: running time on link and ride edges with the mode's coefficient of
    variation; border waits (on any edge), transfer, gauge and dwell waits with
    theirs; a service's wait on its boarding edge, uniform over the headway
    plus a Geometric number of headways lost to cancellations
    (``H^2 / 12 + H^2 (1 - a) / a^2``; a timetabled service by its mean
    headway); and disruptions (a Bernoulli times an exponential delay).
    Independent components, so a route's variance is the sum over its edges.
    """
    rm = model or ReliabilityModel()
    ed = comp.edge
    kind = ed.kind
    mode = ed.mode
    var = np.zeros(comp.n_edges)
    moves = np.isin(kind, _MOVES)
    cv_mode = np.asarray([rm.travel_cv.get(m, 0.0) for m in MODES] + [0.0])
    cv = cv_mode[np.where(mode >= 0, mode, len(MODES))]
    travel = np.asarray(ed.travel_h, dtype=np.float64)
    var += np.where(moves & np.isfinite(travel), (cv * travel) ** 2, 0.0)
    for wait_kind, edge_kind in (
        ("border", None),
        ("transfer", EDGE_KINDS.index("transfer")),
        ("gauge", EDGE_KINDS.index("gauge")),
        ("dwell", EDGE_KINDS.index("transit")),
    ):
        w = ed.float_column(f"wait_{wait_kind}_h")
        on = np.ones(comp.n_edges, dtype=bool) if edge_kind is None else kind == edge_kind
        c = float(rm.wait_cv.get(wait_kind, 0.0))
        var += np.where(on & (w > 0), (c * w) ** 2, 0.0)
    board = np.flatnonzero((kind == EDGE_KINDS.index("board")) & (ed.wait_service_h > 0))
    if rm.service_waits:
        net = comp.network
        for e in board.tolist():
            svc = net.services[int(ed.service[e])]
            deps = comp.service_departures_h[int(ed.run[e])]
            hw = 168.0 / len(deps) if len(deps) else 168.0 / float(svc.sailings_per_week or 1.0)
            a = float(svc.availability)
            var[e] += hw**2 / 12 + hw**2 * (1 - a) / a**2
    p_mode = np.asarray([rm.disruption_probability.get(m, 0.0) for m in MODES] + [0.0])
    p = np.where(moves, p_mode[np.where(mode >= 0, mode, len(MODES))], 0.0)
    m = rm.disruption_delay_h
    var += p * 2 * m**2 - (p * m) ** 2
    var.setflags(write=False)
    return var


def reliability_spread_h(
    comp: CompiledNetwork, r: Route, model: ReliabilityModel | None = None
) -> float:
    """P90 - P50 of a route's transit time, hours (normal approximation).

    The variances of the route's components (:func:`edge_transit_variance_h2`,
    those of the Monte Carlo reliability model) add; P90 - P50 is taken as
    ``1.2816 sigma``, the normal value, which the sum of many components
    approaches. It is exact in the mean and variance and ignores the skew, so
    it understates the Monte Carlo spread of a route dominated by one long
    wait; it costs microseconds instead of a simulation per route.
    """
    rm = model or ReliabilityModel()
    var = _VARIANCES.get(comp, repr(rm), lambda: edge_transit_variance_h2(comp, rm))
    return _Z90 * math.sqrt(max(float(var[np.asarray(r.edges, dtype=np.int64)].sum()), 0.0))


@dataclass(frozen=True)
class MarketCalibration:
    """Logit scale and corridor constants of the market model.

    Parameters
    ----------
    scale
        Logit scale ``mu`` (dimensionless; see :mod:`corridor_twin.flow.choice`).
    constants
        Corridor constants as fractions of each segment's reference cost;
        a key is a corridor (``middle``) or a corridor and a cargo class
        (``middle@container``, ``middle@bulk``), the latter taking precedence.
    year, figures, note
        What it was fitted on.
    """

    scale: float = 5.0
    constants: Mapping[str, float] = field(default_factory=dict)
    year: int | None = None
    figures: tuple[str, ...] = ()
    note: str = ""

    def route_constants(self, model: ChoiceModel) -> FloatArray:
        """The constant of every route of a choice model."""
        out = np.zeros(model.n_routes)
        for i in range(model.n_routes):
            corridor = model.corridors[int(model.route_corridor[i])]
            cls = (
                "container" if model.segment_unit[int(model.route_segment[i])] == "teu" else "bulk"
            )
            out[i] = self.constants.get(f"{corridor}@{cls}", self.constants.get(corridor, 0.0))
        return out


@dataclass(frozen=True, eq=False)
class MarketModel:
    """A built market model: the choice sets plus what the measures need."""

    choice: ChoiceModel
    markets: Markets
    parameters: Parameters = field(repr=False)
    year: int
    segment_market_unit: tuple[str, ...] = field(repr=False)

    @property
    def comp(self) -> CompiledNetwork:
        """The compiled network."""
        return self.choice.comp

    def caspian_wait_h(self) -> FloatArray:
        """Hours each route waits at the Caspian ports (services, transfers, borders, dwell)."""
        comp = self.comp
        ed = comp.edge
        ports = np.zeros(len(comp.node_ids), dtype=bool)
        for p in CASPIAN_PORTS:
            if p in comp.node_ids:
                ports[comp.node_index(p)] = True
        nf = ed.node_from
        at_port = (nf >= 0) & ports[np.where(nf >= 0, nf, 0)]
        waits = np.sum([ed.float_column(k) for k in _WAITS], axis=0)
        per_edge = np.where(at_port, waits, 0.0)
        return np.asarray(self.choice.route_edges @ per_edge, dtype=np.float64)

    def __repr__(self) -> str:
        return f"<MarketModel {self.markets.name!r} ({self.year}): {self.choice!r}>"


def _risk_fn(parameters: Parameters, year: int, comp: CompiledNetwork) -> Any:
    net = comp.network

    ed = comp.edge
    country = np.asarray([*comp.node_country, ""], dtype=object)

    def risk(seg: Segment, corridor: str, r: Route) -> float:
        path = np.asarray(r.edges, dtype=np.int64)
        nodes = np.concatenate([ed.node_from[path], ed.node_to[path]])
        countries = set(country[nodes].tolist()) - {""}
        dest = net.node(r.destination).country
        total = 0.0
        com = net.commodity(seg.commodity)
        t_per_teu = float(com.t_per_teu or 10.0)
        for rc in parameters.risk_costs:
            # sea_cape is its own corridor: a Red Sea risk named for sea_suez does not apply
            if not rc.applies(
                corridor=corridor,
                year=year,
                countries=countries,
                destination_country=dest,
                commodity=seg.commodity,
                direction=seg.direction,
            ):
                continue
            if rc.unit == com.unit:
                total += rc.cost_usd_per_unit
            elif rc.unit == "t":
                total += rc.cost_usd_per_unit * t_per_teu
            else:
                total += rc.cost_usd_per_unit / t_per_teu
        return total

    return risk


def _segment_avoid(net: Network, seg: MarketSegment) -> tuple[str, ...]:
    """Countries a segment's routes may not enter: its restrictions in force, as bans.

    Only country-scope restrictions are supported; each must apply to the
    segment (commodity, origin and destination countries), else the segment
    names it by mistake.
    """
    if not seg.restrictions:
        return ()
    known = {r.id: r for r in net.restrictions}
    oc = net.find_node(seg.origin).country
    dc = net.find_node(seg.destination).country
    out: list[str] = []
    for rid in seg.restrictions:
        r = known.get(rid)
        if r is None:
            raise DataError(f"segment {seg.id}: unknown restriction {rid!r}")
        if r.scope != "country":
            raise DataError(
                f"segment {seg.id}: restriction {rid} has scope {r.scope!r}; a segment can "
                "hold only country-scope restrictions"
            )
        applies = (
            r.commodity in (None, seg.commodity)
            and r.origin_country in (None, oc)
            and r.destination_country in (None, dc)
        )
        if not applies:
            raise DataError(
                f"segment {seg.id}: restriction {rid} does not apply to it (commodity, origin "
                "or destination country)"
            )
        out.append(str(r.target))
    return tuple(out)


def build_market_model(
    net: Network | CompiledNetwork,
    markets: Markets,
    parameters: Parameters,
    *,
    year: int | None = None,
    corridors: Sequence[str] | None = None,
    k: int | Mapping[str, int] = 2,
    vessel_alternatives: int = 1,
    reliability: ReliabilityModel | None = None,
    reference: MarketModel | None = None,
) -> MarketModel:
    """Build the market model of a network and a year's markets.

    Parameters
    ----------
    net
        The network (e.g. the bundled corridor, or it with the year-2025
        scenario applied).
    markets, parameters
        From :func:`~corridor_twin.scenarios.markets.load_markets` and
        :func:`~corridor_twin.scenarios.markets.load_parameters`.
    year
        The year whose risk costs apply (default the markets' year).
    corridors, k, vessel_alternatives
        As for :func:`~corridor_twin.flow.choice.build_choice`; one vessel
        alternative per corridor by default, so that the truck-only Ro-Ro
        vessels and the Caspian bulk carriers are in the choice sets beside
        the rail ferries (and capacity they add is capacity the market sees).
    reliability
        The reliability model of the spreads (default its defaults).
    reference
        A model whose segments' cost scales to keep (matched by origin,
        destination and commodity): a scenario is then valued on the
        baseline's scale, so a cheaper route gains instead of rescaling its
        market's logit.
    """
    comp = as_compiled(net)
    yr = int(year if year is not None else markets.year)
    segs: list[Segment] = []
    units: list[str] = []
    for s in markets.segments:
        amount = s.amount_per_year
        if s.unit in ("trucks", "wagons"):
            amount *= parameters.t_per(s.unit)
        segs.append(
            Segment(
                s.id,
                s.origin,
                s.destination,
                s.commodity,
                amount,
                market=s.market,
                direction=s.direction,
                avoid_countries=_segment_avoid(comp.network, s),
            )
        )
        units.append(s.unit)
    vot = {c: v.value_of_time_usd_per_unit_h for c, v in parameters.values_of_time.items()}
    vor = {c: v.value_of_reliability_usd_per_unit_h for c, v in parameters.values_of_time.items()}
    rel = reliability or ReliabilityModel()
    choice = build_choice(
        comp,
        segs,
        corridors=corridors,
        k=k,
        vessel_alternatives=vessel_alternatives,
        value_of_time=vot,
        value_of_reliability=vor,
        spread=lambda c, r: reliability_spread_h(c, r, rel),
        risk=_risk_fn(parameters, yr, comp),
    )
    choice = _truck_deck_slots(choice, units, parameters)
    if reference is not None:
        key = {
            (s.origin, s.destination, s.commodity): i
            for i, s in enumerate(reference.choice.segments)
        }
        ref_old = reference.choice.reference_cost_usd
        ref = choice.reference_cost_usd.copy()
        for i, cs in enumerate(choice.segments):
            j = key.get((cs.origin, cs.destination, cs.commodity))
            if j is not None and np.isfinite(ref_old[j]):
                ref[i] = ref_old[j]
        choice = choice.with_reference(ref)
    return MarketModel(choice, markets, parameters, yr, tuple(units))


def _truck_deck_slots(choice: ChoiceModel, units: Sequence[str], p: Parameters) -> ChoiceModel:
    """Charge a truck on a wagon ferry the deck it takes, not the tonnes it carries.

    A service with a wagon capacity (the rail ferries and Ro-Pax) has its
    tonnes capacity as wagon slots x tonnes per slot. A truck takes
    ``wagon_slots_per_truck`` slots (``parameters.yaml`` ``units:``) but
    carries only ``trucks`` tonnes, so on those rows a truck route's
    coefficient is scaled by ``slots x (capacity_t / capacity_wagons) /
    t_per_truck``. Truck-only vessels (capacity in trucks x tonnes) are left
    as they are.
    """
    slots = p.units.get("wagon_slots_per_truck")
    if slots is None or not choice.n_routes:
        return choice
    net = choice.comp.network
    seg_is_truck = np.asarray([u == "trucks" for u in units], dtype=bool)
    truck_routes = np.flatnonzero(seg_is_truck[choice.route_segment])
    if not truck_routes.size:
        return choice
    by_id = {s.id: s for s in net.services}
    scale = np.ones(len(choice.element_names))
    for i, (kind, ident, unit) in enumerate(choice.element_names):
        if kind != "service" or unit != "t":
            continue
        svc = by_id.get(ident.removesuffix("~r"))
        if svc is None or svc.mode != "ferry" or not svc.capacity_wagons or not svc.capacity_t:
            continue
        scale[i] = float(slots) * svc.capacity_t / svc.capacity_wagons / p.t_per("trucks")
    if np.all(scale == 1.0):
        return choice
    coef = choice.coef.tocsc(copy=True)
    for j in truck_routes.tolist():
        lo, hi = coef.indptr[j], coef.indptr[j + 1]
        coef.data[lo:hi] *= scale[coef.indices[lo:hi]]
    return replace(choice, coef=coef.tocsr())


@dataclass(frozen=True, eq=False)
class MarketResult:
    """A solved market model: the choice result and the calibration used."""

    model: MarketModel
    calibration: MarketCalibration
    choice: ChoiceResult

    @property
    def status(self) -> str:
        """The equilibrium's status."""
        return self.choice.status

    def corridor_totals(self) -> Any:
        """Flow per corridor (see :class:`~corridor_twin.flow.choice.ChoiceResult`)."""
        return self.choice.corridor_totals()

    def to_frame(self) -> Any:
        """Segment x route shares and flows."""
        return self.choice.to_frame()

    def __repr__(self) -> str:
        return f"<MarketResult {self.model.markets.name!r}: {self.choice!r}>"


def solve_market(
    model: MarketModel,
    calibration: MarketCalibration,
    *,
    hard_capacity: bool = True,
    tolerance: float = 1e-6,
    max_iterations: int = 20_000,
) -> MarketResult:
    """Solve the market equilibrium under a calibration (congestion from the parameters)."""
    choice = model.choice
    sol = solve_choice(
        choice,
        scale=calibration.scale,
        route_constants=calibration.route_constants(choice),
        congestion=dict(model.parameters.congestion) or None,
        hard_capacity=hard_capacity,
        tolerance=tolerance,
        max_iterations=max_iterations,
    )
    return MarketResult(model, calibration, extract_choice(choice, sol))


def _unit_weights(model: MarketModel, unit: str) -> FloatArray:
    """Figure units per unit of route flow, per route."""
    ch = model.choice
    seg = ch.route_segment
    seg_unit = np.asarray(ch.segment_unit, dtype=object)[seg] if ch.n_routes else np.zeros(0)
    mk_unit = np.asarray(model.segment_market_unit, dtype=object)[seg] if ch.n_routes else seg_unit
    tpu = ch.segment_t_per_unit[seg]
    p = model.parameters
    if unit == "t":
        return np.asarray(tpu, dtype=np.float64)
    if unit == "teu":
        return np.where(seg_unit == "teu", 1.0, 0.0)
    if unit == "trucks":
        return np.where(mk_unit == "trucks", tpu / p.t_per("trucks"), 0.0)
    if unit == "wagons":
        teu_per_wagon = float(p.units.get("teu_per_wagon", 2.0))
        return np.where(
            mk_unit == "trucks",
            0.0,
            np.where(seg_unit == "teu", 1.0 / teu_per_wagon, tpu / p.t_per("wagons")),
        )
    raise OptionError(f"unknown figure unit {unit!r}")


def _route_mask(model: MarketModel, fig: ObservedFigure) -> FloatArray:
    """How many times each route passes what a figure measures."""
    ch = model.choice
    comp = ch.comp
    net = comp.network
    ed = comp.edge
    m = fig.measure
    kind = fig.kind
    n = ch.n_routes
    seg = ch.route_segment
    if kind in ("corridor", "segments"):
        corridor = m.get("corridor")
        sel = np.ones(n, dtype=bool)
        if corridor is not None and corridor != "any":
            sel &= np.asarray(
                [ch.corridors[c] == corridor for c in ch.route_corridor.tolist()], dtype=bool
            )
        if m.get("commodities"):
            coms = set(m["commodities"])
            sel &= np.asarray([ch.segments[s].commodity in coms for s in seg.tolist()], dtype=bool)
        if m.get("direction"):
            sel &= np.asarray(
                [ch.segments[s].direction == m["direction"] for s in seg.tolist()], dtype=bool
            )
        if kind == "segments" and m.get("markets"):
            mk = set(m["markets"])
            sel &= np.asarray([ch.segments[s].market in mk for s in seg.tolist()], dtype=bool)
        return sel.astype(np.float64)
    per_edge = np.zeros(comp.n_edges)
    if kind == "services":
        ids = set(m["ids"])
        svc = np.asarray([s.id in ids for s in net.services] + [False], dtype=bool)
        per_edge = ((ed.kind == _RIDE) & svc[ed.service]).astype(np.float64)
    elif kind == "links":
        ids = set(m["ids"])
        lk = np.asarray([x.id in ids for x in net.links] + [False], dtype=bool)
        per_edge = (np.isin(ed.kind, _MOVES) & lk[ed.link]).astype(np.float64)
    elif kind == "border":
        bid = m["id"]
        idx = [i for i, b in enumerate(net.borders) if b.id == bid]
        hit = np.isin(ed.border_from, idx) | np.isin(ed.border_to, idx)
        per_edge = (np.isin(ed.kind, _MOVES) & hit).astype(np.float64)
    elif kind == "node":
        node = net.node(m["id"])
        ni = comp.node_index(node.id)
        moves = np.isin(ed.kind, _MOVES) & (ed.node_from != ed.node_to)
        touch = (ed.node_from == ni) | (ed.node_to == ni)
        if node.kind == "seaport":
            water = np.isin(ed.mode, [MODES.index("ferry"), MODES.index("sea")])
            per_edge = (moves & touch & water).astype(np.float64)
        else:
            per_edge = (moves & (ed.node_to == ni)).astype(np.float64)
            starts = ed.kind == EDGE_KINDS.index("load")
            per_edge += (starts & (ed.node_from == ni)).astype(np.float64)
    return np.asarray(ch.route_edges @ per_edge, dtype=np.float64)


def measure(result: MarketResult, figure: ObservedFigure) -> float:
    """The model's counterpart of an observed figure, in the figure's unit per year."""
    model = result.model
    w = _unit_weights(model, figure.unit)
    mask = _route_mask(model, figure)
    return float((result.choice.route_flow * w * mask).sum())
