"""Route choice among competing corridors, in a capacity-constrained stochastic equilibrium.

A market segment (an annual amount of one commodity between two nodes) chooses
among routes of the competing corridors (:mod:`corridor_twin.routing.corridors`:
Middle via the Caspian, Northern via Russia, Southern via Iran, road over
Upper Lars, deep sea via Suez or the Cape). Three public steps, as for the
assignment LP:

* :func:`build_choice` makes the choice sets: for each segment the ``k`` best
  routes of every corridor by generalized cost (the compiled routing kernels),
  with their charges, times, reliability spread and risk costs, and the
  capacity elements each route crosses (the assignment's capacity rows:
  links, ferry and sea services, transfers and gauge changes, borders, ports);
* :func:`solve_choice` finds the equilibrium (:mod:`corridor_twin.flow._choice_solve`);
* :func:`extract_choice` makes the tidy result (:class:`ChoiceResult`).

Generalized cost of route ``r`` of segment ``s``, USD per unit (TEU or t)::

    C_r = charges_r + VOT_s * (time_r + delay_r(x)) + VOR_s * spread_r
          + risk_r + constant_corridor(r) * ref_s + sum_e a_er * price_e

where ``delay_r(x)`` is the congestion delay of the capacity elements on the
route (BPR: ``reference_delay_h * alpha * (x_e / cap_e) ** beta``, parameters
per element kind), ``price_e`` the queue price that keeps a full element at
its capacity (hard capacity), and ``ref_s`` the segment's cheapest
uncongested generalized cost. Choice is a path-size logit::

    P_r = PS_r ** w * exp(-mu * C_r / ref_s) / (sum_j PS_j ** w * exp(-mu * C_j / ref_s)
                                                + exp(-mu * unmet_factor))

with the logit scale ``mu`` relative to the segment's cost level (so one
dimensionless ``mu`` serves TEU and tonnes, cheap and dear markets), and an
outside option "unmet" (cargo not shipped) at ``unmet_factor`` times the
reference cost. ``mu = inf`` is the deterministic user equilibrium.

References
----------
Ben-Akiva and Bierlaire (1999), "Discrete choice methods and their
applications to short term travel decisions" (path-size logit); Sheffi
(1985), *Urban Transportation Networks*, ch. 12 (MSA for stochastic UE);
Liu, He and He (2009), "Method of successive weighted averages (MSWA) and
self-regulated averaging schemes for solving stochastic user equilibrium
problem", *Networks and Spatial Economics* 9 (self-regulated step sizes);
Bell (1995), "Stochastic user equilibrium assignment in networks with queues",
*Transportation Research B* 29 (capacity as queue prices).

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.flow.choice import Segment, build_choice, solve_choice, extract_choice
>>> model = build_choice(load_corridor(), [Segment("s1", "Xi'an", "Duisburg", "container", 1000)])
>>> res = extract_choice(model, solve_choice(model, scale=4.0))
>>> res.status, round(float(res.route_flow.sum() + res.unmet.sum()))
('optimal', 1000)
>>> sorted(set(res.to_frame()["corridor"]))
['middle', 'northern', 'road', 'sea_cape', 'sea_suez', 'southern']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from corridor_twin._typing import FloatArray, IntArray
from corridor_twin.errors import DataError, OptionError
from corridor_twin.flow._choice_result import ChoiceResult, extract_choice
from corridor_twin.flow._choice_routes import choice_routes
from corridor_twin.flow._choice_solve import ELEMENT_KINDS, ChoiceSolution, solve_choice
from corridor_twin.flow.assign import _capacity_rows, _edge_caps, berth_moves, seaport_nodes
from corridor_twin.flow.equilibrium import Congestion
from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork, as_compiled
from corridor_twin.network.model import Network
from corridor_twin.routing.corridors import (
    CORRIDORS,
    get_corridor,
)
from corridor_twin.routing.result import Route

__all__ = [
    "ELEMENT_KINDS",
    "ChoiceModel",
    "ChoiceResult",
    "ChoiceSolution",
    "Congestion",
    "Segment",
    "build_choice",
    "extract_choice",
    "solve_choice",
]


_GAUGE = EDGE_KINDS.index("gauge")


@dataclass(frozen=True)
class Segment:
    """One market segment: an annual amount of a commodity from an origin to a destination.

    Parameters
    ----------
    id
        Segment id.
    origin, destination
        Node ids or names.
    commodity
        Commodity id of the network.
    amount_per_year
        The whole market in the commodity's unit (TEU or t) per year, all
        routes together.
    market, direction
        Labels (e.g. ``china-eu``, ``westbound``).
    avoid_countries
        ISO codes no route of this segment may enter (e.g. a transit ban in
        force for the part of the year the segment stands for).
    """

    id: str
    origin: str
    destination: str
    commodity: str
    amount_per_year: float
    market: str = ""
    direction: str = ""
    avoid_countries: tuple[str, ...] = ()


SpreadFn = Callable[[CompiledNetwork, Route], float]
"""Reliability spread of a route, hours (e.g. P90 - P50 of its transit time)."""
RiskFn = Callable[[Segment, str, Route], float]
"""Risk and compliance cost of a route of a corridor for a segment, USD per unit."""


@dataclass(frozen=True, eq=False)
class ChoiceModel:
    """The built choice sets (arrays only; see :func:`build_choice`).

    Routes are grouped by segment: the routes of segment ``s`` are
    ``seg_ptr[s]:seg_ptr[s + 1]``. Capacity elements are rows of
    ``coef`` (elements x routes, capacity units per unit of route flow: tonnes
    per unit for tonnage rows, 1 for TEU rows) with capacities ``capacity``.
    """

    comp: CompiledNetwork
    segments: tuple[Segment, ...]
    corridors: tuple[str, ...]
    seg_ptr: IntArray
    demand: FloatArray
    segment_unit: tuple[str, ...]
    segment_t_per_unit: FloatArray
    route_segment: IntArray
    route_corridor: IntArray
    route_rank: IntArray
    routes: tuple[Route, ...] = field(repr=False)
    charges_usd: FloatArray = field(repr=False)
    time_h: FloatArray = field(repr=False)
    spread_h: FloatArray = field(repr=False)
    risk_usd: FloatArray = field(repr=False)
    value_of_time: FloatArray = field(repr=False)
    value_of_reliability: FloatArray = field(repr=False)
    path_size: FloatArray = field(repr=False)
    route_edges: sp.csr_matrix = field(repr=False)
    coef: sp.csr_matrix = field(repr=False)
    capacity: FloatArray = field(repr=False)
    element_names: tuple[tuple[str, str, str], ...] = field(repr=False)
    element_kind: tuple[str, ...] = field(repr=False)
    missing: tuple[tuple[str, str], ...] = ()
    reference_usd: FloatArray | None = field(default=None, repr=False)

    @property
    def n_routes(self) -> int:
        """Number of routes in all choice sets."""
        return int(self.route_segment.shape[0])

    @property
    def base_cost_usd(self) -> FloatArray:
        """Uncongested generalized cost of every route without constants, USD per unit."""
        return np.asarray(
            self.charges_usd
            + self.value_of_time * self.time_h
            + self.value_of_reliability * self.spread_h
            + self.risk_usd,
            dtype=np.float64,
        )

    @property
    def reference_cost_usd(self) -> FloatArray:
        """Each segment's cost scale of its logit, USD per unit.

        The cheapest uncongested generalized cost of the segment's routes when
        the model was built; kept fixed by :meth:`with_routes` and
        :meth:`without_routes` (a scale that moved with the choice set would
        break the logit's proportional substitution), and settable with
        :meth:`with_reference` (e.g. a baseline's, for a scenario).
        """
        if self.reference_usd is not None:
            return self.reference_usd
        return self.cheapest_cost_usd

    @property
    def cheapest_cost_usd(self) -> FloatArray:
        """Each segment's cheapest uncongested generalized cost now (NaN: no route)."""
        base = self.base_cost_usd
        out = np.full(len(self.segments), np.nan)
        has = self.seg_ptr[1:] > self.seg_ptr[:-1]
        if has.any():
            out[has] = np.minimum.reduceat(base, self.seg_ptr[:-1][has])
        return out

    def with_routes(
        self,
        mask: Any,
        *,
        time_h: float = 0.0,
        time_factor: float = 1.0,
        charges_factor: float = 1.0,
        charges_usd: float = 0.0,
    ) -> ChoiceModel:
        """A copy with the selected routes' time and charges changed (what-if, elasticities).

        ``time = time * time_factor + time_h``; ``charges = charges *
        charges_factor + charges_usd``; only where ``mask`` (one bool per route).
        """
        m = np.asarray(mask, dtype=bool)
        if m.shape != (self.n_routes,):
            raise OptionError("with_routes needs one mask value per route")
        t = np.where(m, self.time_h * time_factor + time_h, self.time_h)
        c = np.where(m, self.charges_usd * charges_factor + charges_usd, self.charges_usd)
        if np.any(t < 0) or np.any(c < 0):
            raise OptionError("with_routes would make a time or a charge negative")
        return replace(self, time_h=t, charges_usd=c)

    def with_reference(self, reference_usd: Any) -> ChoiceModel:
        """A copy with another cost scale per segment (see :attr:`reference_cost_usd`)."""
        ref = np.asarray(reference_usd, dtype=np.float64)
        if ref.shape != (len(self.segments),):
            raise OptionError("with_reference needs one reference cost per segment")
        return replace(self, reference_usd=ref)

    def without_routes(self, mask: Any) -> ChoiceModel:
        """A copy without the selected routes (path sizes recomputed)."""
        drop = np.asarray(mask, dtype=bool)
        keep = np.flatnonzero(~drop)
        return _assemble(
            self.comp,
            self.segments,
            self.corridors,
            [self.routes[i] for i in keep],
            self.route_segment[keep],
            self.route_corridor[keep],
            self.route_rank[keep],
            {
                k: getattr(self, k)[keep]
                for k in (
                    "charges_usd",
                    "time_h",
                    "spread_h",
                    "risk_usd",
                    "value_of_time",
                    "value_of_reliability",
                )
            },
            self.demand,
            self.segment_unit,
            self.segment_t_per_unit,
            self.missing,
        ).with_reference(self.reference_cost_usd)

    def __repr__(self) -> str:
        return (
            f"<ChoiceModel {len(self.segments)} segments, {self.n_routes} routes over "
            f"{len(self.corridors)} corridors, {self.capacity.shape[0]} capacity elements>"
        )


def _element_kind(comp: CompiledNetwork, name: tuple[str, str, str], edge: int) -> str:
    net = comp.network
    ed = comp.edge
    kind, ident, _ = name
    if kind == "service":
        mode = net.services[int(ed.service[edge])].mode
        return mode if mode in ("ferry", "sea") else "service"
    if kind == "link":
        if ed.border_from[edge] >= 0 or ed.border_to[edge] >= 0:
            return "border"
        mode = net.links[int(ed.link[edge])].mode
        return {"rail": "rail_line", "road": "road", "pipeline": "pipeline"}.get(mode, mode)
    if kind == "transfer":
        return "gauge_change" if ed.kind[edge] == _GAUGE else "transfer"
    if kind == "node":
        return "port" if net.node(ident).kind == "seaport" else "node"
    return "node"


def _seaport_rows(
    comp: CompiledNetwork,
    coef: sp.csr_matrix,
    names: Sequence[tuple[str, str, str]],
    route_edges: sp.csr_matrix,
    tpu: FloatArray,
    is_teu: Any,
) -> sp.csr_matrix:
    """Seaport capacity rows count the cargo the port handles, not trains passing its node.

    A port's throughput capacity (``capacity_t_per_year``, ``capacity_teu_per_year``:
    cargo over its berths) is taken up by the routes' ferry and sea moves that arrive
    at or leave the node: a ship-to-rail shipment once, a transshipment twice, a train
    that only passes the node (Alat is also a junction of the Baku - Georgia main
    line) not at all. The assignment's node rows count every arrival, which at Alat
    put the rail containers of the Northern route (via Yalama) on the port's 100,000
    TEU. The same rule measures a seaport's throughput in the market model.
    """
    net = comp.network
    ed = comp.edge
    port = seaport_nodes(net)
    idx = [
        i for i, (k, ident, _) in enumerate(names) if k == "node" and port[comp.node_index(ident)]
    ]
    if not idx:
        return coef
    moves = berth_moves(comp)
    out = coef.tolil()
    for i in idx:
        ni = comp.node_index(names[i][1])
        touch = moves & ((ed.node_from == ni) | (ed.node_to == ni))
        count = np.asarray(route_edges @ touch.astype(np.float64), dtype=np.float64)
        unit = names[i][2]
        out[i, :] = count * (tpu if unit == "t" else np.where(is_teu, 1.0, 0.0))
    res = out.tocsr()
    res.eliminate_zeros()
    return res


def _path_size(
    comp: CompiledNetwork, routes: Sequence[Route], route_segment: IntArray, variant: Sequence[bool]
) -> FloatArray:
    """Path size of each route among its segment's routes (physical links, by length)."""
    ed = comp.edge
    out = np.ones(len(routes))
    by_seg: dict[int, list[int]] = {}
    for i, s in enumerate(route_segment.tolist()):
        by_seg.setdefault(s, []).append(i)
    for idx in by_seg.values():
        keys: list[dict[tuple[int, int], float]] = []
        count: dict[tuple[int, int], int] = {}
        for i in idx:
            path = np.asarray(routes[i].edges, dtype=np.int64)
            links = ed.link[path]
            lens = ed.length_km[path]
            tag = 1 if variant[i] else 0
            d: dict[tuple[int, int], float] = {}
            for lk, ln in zip(links.tolist(), lens.tolist(), strict=True):
                if lk >= 0:
                    d[(lk, tag)] = d.get((lk, tag), 0.0) + float(ln)
            keys.append(d)
            for k in d:
                count[k] = count.get(k, 0) + 1
        for i, d in zip(idx, keys, strict=True):
            total = sum(d.values())
            if total > 0:
                out[i] = sum(v / count[k] for k, v in d.items()) / total
    return out


def _assemble(
    comp: CompiledNetwork,
    segments: tuple[Segment, ...],
    corridors: tuple[str, ...],
    routes: list[Route],
    route_segment: IntArray,
    route_corridor: IntArray,
    route_rank: IntArray,
    attrs: dict[str, FloatArray],
    demand: FloatArray,
    seg_unit: tuple[str, ...],
    seg_tpu: FloatArray,
    missing: tuple[tuple[str, str], ...],
) -> ChoiceModel:
    n = len(routes)
    order = np.argsort(route_segment, kind="stable")
    routes = [routes[i] for i in order]
    route_segment, route_corridor, route_rank = (
        route_segment[order],
        route_corridor[order],
        route_rank[order],
    )
    attrs = {k: np.asarray(v, dtype=np.float64)[order] for k, v in attrs.items()}
    seg_ptr = np.searchsorted(route_segment, np.arange(len(segments) + 1)).astype(np.int64)
    lens = [len(r.edges) for r in routes]
    rows = np.repeat(np.arange(n), lens)
    cols = (
        np.concatenate([np.asarray(r.edges, dtype=np.int64) for r in routes])
        if n
        else np.zeros(0, dtype=np.int64)
    )
    route_edges = sp.csr_matrix(
        (np.ones(len(cols)), (rows, cols)), shape=(n, comp.n_edges), dtype=np.float64
    )
    route_edges.sum_duplicates()
    tpu = seg_tpu[route_segment] if n else np.zeros(0)
    is_teu = np.asarray([seg_unit[s] == "teu" for s in route_segment.tolist()], dtype=bool)
    cap_t, cap_teu = _edge_caps(comp)
    r_rows, c_idx, vals, rhs, names = _capacity_rows(
        comp, rows.astype(np.int64), cols, tpu, is_teu, cap_t, cap_teu, True
    )
    # _capacity_rows indexes the (route, edge) entries; fold the entries onto routes.
    coef = sp.csr_matrix((vals, (r_rows, rows[c_idx])), shape=(len(rhs), n))
    coef.sum_duplicates()
    coef = _seaport_rows(comp, coef, names, route_edges, tpu, is_teu)
    first_edge = np.zeros(len(rhs), dtype=np.int64)
    if len(rhs):
        first_edge[r_rows[::-1]] = cols[c_idx][::-1]
    kinds = tuple(_element_kind(comp, nm, int(e)) for nm, e in zip(names, first_edge, strict=True))
    variant = [CORRIDORS[corridors[c]].base is not None for c in route_corridor.tolist()]
    return ChoiceModel(
        comp=comp,
        segments=segments,
        corridors=corridors,
        seg_ptr=seg_ptr,
        demand=demand,
        segment_unit=seg_unit,
        segment_t_per_unit=seg_tpu,
        route_segment=route_segment,
        route_corridor=route_corridor,
        route_rank=route_rank,
        routes=tuple(routes),
        path_size=_path_size(comp, routes, route_segment, variant),
        route_edges=route_edges,
        coef=coef,
        capacity=np.asarray(rhs, dtype=np.float64),
        element_names=tuple(names),
        element_kind=kinds,
        missing=missing,
        **attrs,
    )


def build_choice(
    net: Network | CompiledNetwork,
    segments: Iterable[Segment],
    *,
    corridors: Sequence[str] | None = None,
    k: int | Mapping[str, int] = 2,
    value_of_time: Mapping[str, float] | None = None,
    value_of_reliability: Mapping[str, float] | None = None,
    spread: SpreadFn | None = None,
    risk: RiskFn | None = None,
    max_detour: float | None = 3.0,
    vessel_alternatives: int = 0,
) -> ChoiceModel:
    """Build the choice sets of every segment.

    Parameters
    ----------
    net
        Network or compiled network.
    segments
        The market segments.
    corridors
        Preset names (default: every preset of
        :data:`~corridor_twin.routing.corridors.CORRIDORS`).
    k
        Routes per corridor (the ``k`` best by generalized cost within the
        preset), one number or per corridor.
    value_of_time, value_of_reliability
        USD per unit-hour by commodity id; value of time defaults to the
        commodity's own (network data), value of reliability to 0.
    spread
        Reliability spread of a route in hours (default: none, 0).
    risk
        Risk and compliance cost of a route in USD per unit (default 0).
    max_detour
        A route longer than this multiple of the segment's shortest candidate
        (km) is left out of its choice set: the k-best search within a preset
        can wander (Russia to Armenia by Poland and the Black Sea), and no
        shipper weighs such a route. 3 keeps deep sea against rail China-EU
        (about 2.2 times the distance); ``None`` keeps every route. Our
        assumption, in the manner of the detour limits of choice-set
        generation (Bovy 2009, "On modelling route choice sets").
    vessel_alternatives
        Per corridor, up to this many more routes, each the best one that
        rides none of the ferry and sea services of the routes found before
        it (service elimination): the other vessels of a line (a truck-only
        Ro-Ro, a bulk carrier) enter the choice set although the k best
        routes all board the most frequent one. Default 0.

    Returns
    -------
    ChoiceModel
        Segments without any route keep their demand unmet; ``missing``
        lists them with the reason.

    Raises
    ------
    DataError
        On an unknown node or commodity, or a negative amount.
    """
    comp = as_compiled(net)
    netw = comp.network
    segs = tuple(segments)
    names = tuple(corridors) if corridors is not None else tuple(CORRIDORS)
    presets = [get_corridor(c) for c in names]
    names = tuple(p.id for p in presets)
    vot_map = dict(value_of_time or {})
    vor_map = dict(value_of_reliability or {})
    routes: list[Route] = []
    rs: list[int] = []
    rc: list[int] = []
    rk: list[int] = []
    attrs: dict[str, list[float]] = {
        k_: []
        for k_ in (
            "charges_usd",
            "time_h",
            "spread_h",
            "risk_usd",
            "value_of_time",
            "value_of_reliability",
        )
    }
    seg_unit: list[str] = []
    seg_tpu: list[float] = []
    missing: list[tuple[str, str]] = []
    cache: dict[tuple[str, str, str, str], list[Route]] = {}
    for si, seg in enumerate(segs):
        if seg.commodity not in comp.commodity_ids:
            raise DataError(
                f"segment {seg.id}: unknown commodity {seg.commodity!r}; known: "
                f"{', '.join(comp.commodity_ids)}"
            )
        if not (np.isfinite(seg.amount_per_year) and seg.amount_per_year >= 0):
            raise DataError(f"segment {seg.id}: amount_per_year must be a number >= 0")
        try:
            o, d = netw.find_node(seg.origin), netw.find_node(seg.destination)
        except LookupError as exc:
            raise DataError(f"segment {seg.id}: {exc}") from None
        com = netw.commodity(seg.commodity)
        seg_unit.append(com.unit)
        seg_tpu.append(float(com.t_per_teu or 10.0) if com.unit == "teu" else 1.0)
        vot = float(vot_map.get(seg.commodity, com.value_of_time_usd_per_unit_h or 0.0))
        vor = float(vor_map.get(seg.commodity, 0.0))
        seen: set[tuple[int, ...]] = set()
        n_before = len(routes)
        for ci, preset in enumerate(presets):
            kk = k.get(preset.id, 2) if isinstance(k, Mapping) else int(k)
            if kk < 1:
                continue
            base_id = preset.base or preset.id
            avoid = ",".join(sorted(seg.avoid_countries))
            key = (
                seg.commodity,
                o.id,
                d.id,
                f"{base_id}:{kk}:{vessel_alternatives}:{vot}:{avoid}",
            )
            if key not in cache:
                cache[key] = choice_routes(comp, seg, preset, kk, vot, vessel_alternatives)
            for rank, r in enumerate(cache[key]):
                sig = (ci if preset.base else -1, *(int(e) for e in r.edges))
                if sig in seen:
                    continue
                seen.add(sig)
                routes.append(r)
                rs.append(si)
                rc.append(ci)
                rk.append(rank)
                extra_cost = preset.extra_cost_usd_per_unit(com.unit)
                attrs["charges_usd"].append(r.cost_usd + extra_cost)
                attrs["time_h"].append(r.time_h + preset.extra_time_h)
                attrs["spread_h"].append(float(spread(comp, r)) if spread else 0.0)
                attrs["risk_usd"].append(float(risk(seg, preset.id, r)) if risk else 0.0)
                attrs["value_of_time"].append(vot)
                attrs["value_of_reliability"].append(vor)
        if max_detour is not None and len(routes) > n_before + 1:
            km = np.asarray([r.length_km for r in routes[n_before:]])
            keep = km <= max_detour * km.min()
            if not keep.all():
                drop = {n_before + i for i in np.flatnonzero(~keep).tolist()}
                columns: list[list[Any]] = [routes, rs, rc, rk, *attrs.values()]
                for col in columns:
                    col[:] = [v for i, v in enumerate(col) if i not in drop]
        if len(routes) == n_before and seg.amount_per_year > 0:
            missing.append((seg.id, "no route in any corridor"))
    for name, values in attrs.items():
        arr = np.asarray(values, dtype=np.float64)
        if np.any(~np.isfinite(arr)) or np.any(arr < 0):
            raise DataError(f"choice sets: {name} must be finite and >= 0 on every route")
    model = _assemble(
        comp,
        segs,
        names,
        routes,
        np.asarray(rs, dtype=np.int64),
        np.asarray(rc, dtype=np.int64),
        np.asarray(rk, dtype=np.int64),
        {k_: np.asarray(v, dtype=np.float64) for k_, v in attrs.items()},
        np.asarray([s.amount_per_year for s in segs], dtype=np.float64),
        tuple(seg_unit),
        np.asarray(seg_tpu, dtype=np.float64),
        tuple(missing),
    )
    return model.with_reference(model.cheapest_cost_usd)
