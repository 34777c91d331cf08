"""Compile a :class:`Network` into the array (CSR) form every algorithm uses.

The compiled graph is a *virtual network* in the manner of the NODUS freight
model: each physical node is expanded into vertices per transport class
(``rail:1520``, ``rail:1435``, ``road``, ``ferry``, ``sea``, ``pipeline``) so
that a single shortest-path search accounts for every node operation:

===========  ==================================================================
edge kind    meaning
===========  ==================================================================
``link``     running on a link (rail, road, pipeline) from ``dep(u)`` to ``arr(v)``
``ride``     running on a link aboard a scheduled service
``board``    waiting for and boarding a service (expected wait or timetable)
``alight``   leaving a service at a stop
``transit``  passing through a node in the same class (dwell, e.g. loco change)
``transfer`` changing mode at a node (transshipment, roll-on/roll-off)
``gauge``    changing rail gauge (bogie exchange or transloading)
``load``     starting a shipment at a node (origin vertex to a departure)
``unload``   ending a shipment at a node (an arrival to the destination vertex)
===========  ==================================================================

A node with one class, no dwell and no transfers becomes one vertex, so a
plain single-mode network compiles to a graph the same size as itself.
Border processing is charged on the links that cross a country boundary:
the exit processing of their start node and the entry processing of their end
node.

Closed and planned nodes, links, transfers and services are left out.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> comp = compile_network(load_corridor())
>>> comp.n_vertices > len(load_corridor().nodes)
True
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from corridor_twin._typing import FloatArray, Int32Array
from corridor_twin.errors import ValidationError
from corridor_twin.network.compiled import (
    EDGE_DEFAULTS,
    EDGE_FLOAT_ATTRS,
    EDGE_INT_ATTRS,
    EDGE_KINDS,
    VERTEX_KINDS,
    CompiledNetwork,
    EdgeArrays,
    class_label,
)
from corridor_twin.network.emissions import resolve_factor
from corridor_twin.network.records import Border, EmissionFactor, Link, Service, Transfer
from corridor_twin.network.schema import MODES
from corridor_twin.network.services import (
    WEEK_H,
    departures_h,
    expected_wait_h,
    service_capacity_per_year,
)
from corridor_twin.network.validate import validate

if TYPE_CHECKING:
    from corridor_twin.network.model import Network

__all__ = [
    "EDGE_KINDS",
    "VERTEX_KINDS",
    "WEEK_H",
    "CompiledNetwork",
    "EdgeArrays",
    "as_compiled",
    "class_label",
    "compile_network",
    "departures_h",
    "expected_wait_h",
    "service_capacity_per_year",
]

_K = {k: i for i, k in enumerate(EDGE_KINDS)}
_V = {k: i for i, k in enumerate(VERTEX_KINDS)}
_MODE = {m: i for i, m in enumerate(MODES)}
_SCHEDULED = ("ferry", "sea")


def _class_key(mode: str, gauge: int | None) -> int:
    return _MODE[mode] * 10000 + (gauge or 0 if mode == "rail" else 0)


def as_compiled(net: Network | CompiledNetwork) -> CompiledNetwork:
    """The compiled form of a network (built once and cached on it), or the compiled one given.

    Examples
    --------
    >>> from corridor_twin.data import load_corridor
    >>> net = load_corridor()
    >>> as_compiled(net) is as_compiled(net.compiled()) is net.compiled()
    True
    """
    if isinstance(net, CompiledNetwork):
        return net
    return net.compiled()


def _border_lookup(net: Network) -> dict[tuple[str, str], list[Border]]:
    out: dict[tuple[str, str], list[Border]] = {}
    for b in net.borders:
        out.setdefault((b.node, b.direction), []).append(b)
    return out


def _pick_border(cands: Sequence[Border] | None, mode: str) -> Border | None:
    if not cands:
        return None
    exact = [b for b in cands if b.mode == mode]
    if exact:
        return exact[0]
    generic = [b for b in cands if b.mode is None]
    return generic[0] if generic else None


def _nan(v: float | None) -> float:
    return np.nan if v is None else float(v)


class _Builder:
    """Collects vertices and edges as Python lists, then packs arrays (used only by compile)."""

    def __init__(self, nidx: Mapping[str, int]) -> None:
        self.nidx = nidx
        self.cols: dict[str, list[float]] = {k: [] for k in (*EDGE_FLOAT_ATTRS, *EDGE_INT_ATTRS)}
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.masks: list[int] = []
        self.v_node: list[int] = []
        self.v_kind: list[int] = []
        self.v_class: list[int] = []

    def vertex(self, node: str, kind: str, cls: int) -> int:
        self.v_node.append(self.nidx[node])
        self.v_kind.append(_V[kind])
        self.v_class.append(cls)
        return len(self.v_node) - 1

    def add(self, tail: int, head: int, mask: int, **values: float) -> None:
        self.tails.append(tail)
        self.heads.append(head)
        self.masks.append(mask)
        for k, col in self.cols.items():
            col.append(values.get(k, EDGE_DEFAULTS[k]))


@dataclass(frozen=True)
class _Context:
    """What every phase reads: indices, commodity bits, TEU loading, open links and runs."""

    net: Network
    node_ids: tuple[str, ...]
    nidx: dict[str, int]
    country: tuple[str, ...]
    open_node: frozenset[str]
    commodity_ids: tuple[str, ...]
    cbit: dict[str, int]
    all_bits: int
    mode_bits: dict[str, int]
    teu_t: float
    directed: list[tuple[Link, int]]
    by_ends: dict[tuple[str, str, str], tuple[Link, int]]
    link_index: dict[str, int]

    def both(self, teu: float | None, t: float | None) -> tuple[float, float]:
        """A charge per TEU and per tonne, the missing one converted at the TEU loading."""
        if teu is None and t is None:
            return 0.0, 0.0
        if teu is None:
            assert t is not None
            return float(t) * self.teu_t, float(t)
        if t is None:
            return float(teu), float(teu) / self.teu_t
        return float(teu), float(t)

    def bits_for(self, commodities: tuple[str, ...], mode: str | None) -> int:
        """Commodity mask of a record (its commodities, else all) within what a mode carries."""
        bits = sum(self.cbit[c] for c in commodities) if commodities else self.all_bits
        return bits & self.mode_bits[mode] if mode is not None else bits


def _check(net: Network) -> None:
    """Phase 0: refuse an invalid network, naming its first error."""
    report = validate(net)
    if report.errors:
        first = report.errors[0]
        raise ValidationError(
            f"cannot compile an invalid network: {first}"
            + (f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""),
            report.errors,
        )


def _context(net: Network) -> _Context:
    """Phase 1: indices, commodity bits and the open links in each direction they run."""
    node_ids = tuple(n.id for n in net.nodes)
    open_node = frozenset(n.id for n in net.nodes if n.status == "open")
    commodity_ids = tuple(c.id for c in net.commodities)
    cbit = {c: 1 << i for i, c in enumerate(commodity_ids)}
    all_bits = (1 << len(commodity_ids)) - 1 if commodity_ids else 1
    mode_bits = {m: sum(cbit[c.id] for c in net.commodities if m in c.modes) for m in MODES}
    if not commodity_ids:
        mode_bits = dict.fromkeys(MODES, 1)
    # Charges given per TEU only or per tonne only are converted at the network's
    # TEU loading (t_per_teu of its TEU commodity; 10 t if it has none).
    teu_t = next((c.t_per_teu for c in net.commodities if c.unit == "teu" and c.t_per_teu), 10.0)
    links = [
        lk
        for lk in net.links
        if lk.status == "open" and lk.from_node in open_node and lk.to_node in open_node
    ]
    # Directed link traversals: (link, reverse?)
    directed: list[tuple[Link, int]] = [(lk, 0) for lk in links]
    directed += [(lk, 1) for lk in links if lk.bidirectional]
    by_ends: dict[tuple[str, str, str], tuple[Link, int]] = {}
    for lk, rev in directed:
        a, b = (lk.to_node, lk.from_node) if rev else (lk.from_node, lk.to_node)
        by_ends[(a, b, lk.mode)] = (lk, rev)
    return _Context(
        net=net,
        node_ids=node_ids,
        nidx={n: i for i, n in enumerate(node_ids)},
        country=tuple(n.country for n in net.nodes),
        open_node=open_node,
        commodity_ids=commodity_ids,
        cbit=cbit,
        all_bits=all_bits,
        mode_bits=mode_bits,
        teu_t=teu_t,
        directed=directed,
        by_ends=by_ends,
        link_index={lk.id: net.index_of("links", lk.id) for lk in links},
    )


def _service_runs(ctx: _Context) -> list[tuple[int, Service, tuple[str, ...]]]:
    """Phase 2: open services whose hops all run on open links, bidirectional ones twice."""
    net = ctx.net
    runs: list[tuple[int, Service, tuple[str, ...]]] = []
    for s in net.services:
        if s.status != "open" or not all(st in ctx.open_node for st in s.stops):
            continue
        si = net.index_of("services", s.id)
        if not all((a, b, s.mode) in ctx.by_ends for a, b in itertools.pairwise(s.stops)):
            continue
        runs.append((si, s, s.stops))
        if s.bidirectional:
            back = tuple(reversed(s.stops))
            if all((a, b, s.mode) in ctx.by_ends for a, b in itertools.pairwise(back)):
                runs.append((si, s, back))
    return runs


def _node_classes(ctx: _Context) -> dict[str, set[int]]:
    """Phase 3: the transport classes (mode, gauge) present at each node."""
    classes: dict[str, set[int]] = {n: set() for n in ctx.node_ids}
    for lk, _ in ctx.directed:
        key = _class_key(lk.mode, lk.gauge_mm)
        classes[lk.from_node].add(key)
        classes[lk.to_node].add(key)
    return classes


def _transfer_pairs(t: Transfer, present: set[int]) -> list[tuple[int, int]]:
    """(from class, to class) pairs a transfer connects among the classes at its node."""

    def match(mode: str, gauge: int | None) -> list[int]:
        if mode == "rail" and gauge is None:
            return [k for k in present if k // 10000 == _MODE["rail"]]
        key = _class_key(mode, gauge)
        return [key] if key in present else []

    pairs = [
        (a, b)
        for a in match(t.from_mode, t.from_gauge_mm)
        for b in match(t.to_mode, t.to_gauge_mm)
        if a != b
    ]
    if t.bidirectional:
        pairs += [(b, a) for a, b in pairs]
    return pairs


@dataclass
class _Vertices:
    """Per node: origin and destination vertex; per (node, class): arrival and departure."""

    origin: Int32Array
    destination: Int32Array
    arr: dict[tuple[str, int], int]
    dep: dict[tuple[str, int], int]


def _node_vertices(
    ctx: _Context, classes: dict[str, set[int]], has_ops: set[str], eb: _Builder
) -> _Vertices:
    """Phase 4: vertices of each open node, with its load, unload and transit edges.

    A node with one class, no dwell, no transit cost and no transfers is one hub vertex.
    """
    origin_v = np.full(len(ctx.node_ids), -1, dtype=np.int32)
    dest_v = np.full(len(ctx.node_ids), -1, dtype=np.int32)
    arr: dict[tuple[str, int], int] = {}
    dep: dict[tuple[str, int], int] = {}
    all_bits = ctx.all_bits
    for n in ctx.net.nodes:
        if n.id not in ctx.open_node:
            continue
        cls = sorted(classes[n.id])
        i = ctx.nidx[n.id]
        simple = (
            len(cls) <= 1
            and n.transit_dwell_h == 0
            and n.transit_cost_usd_per_teu == 0
            and n.transit_cost_usd_per_t == 0
            and n.id not in has_ops
        )
        if simple:
            hub = eb.vertex(n.id, "hub", cls[0] if cls else -1)
            origin_v[i] = dest_v[i] = hub
            for c in cls:
                arr[(n.id, c)] = dep[(n.id, c)] = hub
            continue
        origin_v[i] = eb.vertex(n.id, "origin", -1)
        dest_v[i] = eb.vertex(n.id, "destination", -1)
        for c in cls:
            a_v = arr[(n.id, c)] = eb.vertex(n.id, "arrival", c)
            d_v = dep[(n.id, c)] = eb.vertex(n.id, "departure", c)
            mode = c // 10000
            eb.add(origin_v[i], d_v, all_bits, kind=_K["load"], node_from=i, node_to=i, mode=mode)
            eb.add(a_v, dest_v[i], all_bits, kind=_K["unload"], node_from=i, node_to=i, mode=mode)
            teu, t = ctx.both(n.transit_cost_usd_per_teu or None, n.transit_cost_usd_per_t or None)
            eb.add(
                a_v,
                d_v,
                all_bits,
                kind=_K["transit"],
                node_from=i,
                node_to=i,
                mode=mode,
                wait_dwell_h=n.transit_dwell_h,
                cost_usd_per_teu=teu,
                cost_usd_per_t=t,
            )
    return _Vertices(origin_v, dest_v, arr, dep)


def _transfer_edges(
    ctx: _Context,
    transfers: list[Transfer],
    t_pairs: dict[str, list[tuple[int, int]]],
    vx: _Vertices,
    eb: _Builder,
) -> None:
    """Phase 5: an edge per class pair of each open transfer (mode or gauge change)."""
    for t in transfers:
        i = ctx.nidx[t.node]
        ti = ctx.net.index_of("transfers", t.id)
        gauge = t.is_gauge_change
        teu, tonne = ctx.both(t.cost_usd_per_teu, t.cost_usd_per_t)
        for ca, cb in t_pairs[t.id]:
            eb.add(
                vx.arr[(t.node, ca)],
                vx.dep[(t.node, cb)],
                ctx.bits_for(t.commodities, None),
                kind=_K["gauge" if gauge else "transfer"],
                node_from=i,
                node_to=i,
                transfer=ti,
                mode=cb // 10000,
                **{"wait_gauge_h" if gauge else "wait_transfer_h": t.dwell_h},
                cost_usd_per_teu=teu,
                cost_usd_per_t=tonne,
                wtt_kg_per_t=0.0,
                ttw_kg_per_t=t.co2e_kg_per_t,
                capacity_t_per_year=_nan(t.capacity_t_per_year),
                capacity_teu_per_year=_nan(t.capacity_teu_per_year),
            )


class _RunValues:
    """Edge values of running on a link (on its own or aboard a service), borders included."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.defaults = {m.id: m for m in ctx.net.modes}
        self.borders = _border_lookup(ctx.net)
        self.factors: dict[tuple[str, str, str | None, str], EmissionFactor | None] = {}

    def __call__(
        self, lk: Link, rev: int, a: str, bnode: str, service: Service | None = None
    ) -> dict[str, float]:
        ctx, net = self.ctx, self.ctx.net
        md = self.defaults.get(lk.mode)
        if service is not None and service.duration_h is not None:
            hours = service.duration_h
        elif lk.duration_h is not None:
            hours = lk.duration_h
        else:
            speed = lk.speed_kmh or (md.speed_kmh if md else None)
            hours = lk.length_km / speed if speed else np.inf
        fare = service is not None and (
            service.cost_usd_per_teu is not None or service.cost_usd_per_t is not None
        )
        src: Service | Link = service if fare and service is not None else lk
        cost_teu = src.cost_usd_per_teu
        cost_t = src.cost_usd_per_t
        if not fare and cost_teu is None and md is not None and md.cost_usd_per_teu_km is not None:
            cost_teu = md.cost_usd_per_teu_km * lk.length_km
        if not fare and cost_t is None and md is not None and md.cost_usd_per_tkm is not None:
            cost_t = md.cost_usd_per_tkm * lk.length_km
        ca, cb = ctx.country[ctx.nidx[a]], ctx.country[ctx.nidx[bnode]]
        fkey = (lk.mode, lk.energy, lk.emission_factor, ca)
        if fkey not in self.factors:
            self.factors[fkey] = resolve_factor(net, lk, ca)
        ef = self.factors[fkey]
        wtt = ef.wtt_g_co2e_per_tkm * lk.length_km / 1000 if ef else 0.0
        ttw = ef.ttw_g_co2e_per_tkm * lk.length_km / 1000 if ef else 0.0
        cost_teu, cost_t = ctx.both(cost_teu, cost_t)
        values: dict[str, float] = {
            "travel_h": hours,
            "length_km": lk.length_km,
            "cost_usd_per_teu": cost_teu,
            "cost_usd_per_t": cost_t,
            "wtt_kg_per_t": wtt,
            "ttw_kg_per_t": ttw,
            "capacity_t_per_year": _nan(lk.capacity_t_per_year),
            "capacity_teu_per_year": _nan(lk.capacity_teu_per_year),
            "mode": _MODE[lk.mode],
            "gauge_mm": lk.gauge_mm or 0,
            "link": ctx.link_index[lk.id],
            "reverse": rev,
            "node_from": ctx.nidx[a],
            "node_to": ctx.nidx[bnode],
        }
        if ca != cb:
            # Border processing is charged on the crossing link: exit at a, entry at b.
            bx = _pick_border(self.borders.get((a, "exit")), lk.mode)
            be = _pick_border(self.borders.get((bnode, "entry")), lk.mode)
            values["wait_border_h"] = (bx.dwell_h if bx else 0.0) + (be.dwell_h if be else 0.0)
            for x in (bx, be):
                if x is not None:
                    teu, t = ctx.both(x.cost_usd_per_teu, x.cost_usd_per_t)
                    values["cost_usd_per_teu"] += teu
                    values["cost_usd_per_t"] += t
            values["border_from"] = net.index_of("borders", bx.id) if bx else -1
            values["border_to"] = net.index_of("borders", be.id) if be else -1
        return values


def _link_edges(ctx: _Context, vx: _Vertices, run_values: _RunValues, eb: _Builder) -> None:
    """Phase 6: an edge per direction of each open unscheduled link, departure to arrival."""
    for lk, rev in ctx.directed:
        if lk.mode in _SCHEDULED:
            continue
        a, bnode = (lk.to_node, lk.from_node) if rev else (lk.from_node, lk.to_node)
        c = _class_key(lk.mode, lk.gauge_mm)
        eb.add(
            vx.dep[(a, c)],
            vx.arr[(bnode, c)],
            ctx.bits_for(lk.commodities, lk.mode),
            kind=_K["link"],
            **run_values(lk, rev, a, bnode),
        )


def _service_edges(
    ctx: _Context,
    svc_runs: list[tuple[int, Service, tuple[str, ...]]],
    vx: _Vertices,
    run_values: _RunValues,
    eb: _Builder,
) -> tuple[list[FloatArray], list[float]]:
    """Phase 7: per service run, aboard vertices with board, ride and alight edges.

    Returns the weekly departures and the expected wait of each run.
    """
    svc_deps: list[FloatArray] = []
    svc_wait: list[float] = []
    for run, (si, s, stops) in enumerate(svc_runs):
        c = _class_key(s.mode, ctx.by_ends[(stops[0], stops[1], s.mode)][0].gauge_mm)
        wait = expected_wait_h(s)
        aboard = [eb.vertex(st, "aboard", c) for st in stops]
        cap_t, cap_teu = service_capacity_per_year(s)
        offset = 0.0
        for k, (a, bnode) in enumerate(itertools.pairwise(stops)):
            lk, rev = ctx.by_ends[(a, bnode, s.mode)]
            ia, ib = ctx.nidx[a], ctx.nidx[bnode]
            mask = ctx.bits_for(s.commodities, s.mode) & ctx.bits_for(lk.commodities, s.mode)
            eb.add(
                vx.dep[(a, c)],
                aboard[k],
                mask,
                kind=_K["board"],
                node_from=ia,
                node_to=ia,
                service=si,
                run=run,
                mode=_MODE[s.mode],
                wait_service_h=wait,
                board_offset_h=offset,
            )
            vals = run_values(lk, rev, a, bnode, s)
            vals["capacity_t_per_year"] = float(np.fmin(vals["capacity_t_per_year"], cap_t))
            vals["capacity_teu_per_year"] = float(np.fmin(vals["capacity_teu_per_year"], cap_teu))
            eb.add(aboard[k], aboard[k + 1], mask, kind=_K["ride"], service=si, run=run, **vals)
            eb.add(
                aboard[k + 1],
                vx.arr[(bnode, c)],
                mask,
                kind=_K["alight"],
                node_from=ib,
                node_to=ib,
                service=si,
                run=run,
                mode=_MODE[s.mode],
            )
            offset += vals["travel_h"] + vals.get("wait_border_h", 0.0)
        svc_deps.append(departures_h(s))
        svc_wait.append(wait)
    return svc_deps, svc_wait


def compile_network(net: Network, *, check: bool = True) -> CompiledNetwork:
    """Compile a network to its virtual-network CSR form.

    Parameters
    ----------
    net
        The network.
    check
        Validate first and raise on errors (default). Turn off only for a
        network already validated.

    Returns
    -------
    CompiledNetwork

    Raises
    ------
    ValidationError
        If the network has validation errors.

    Notes
    -----
    Named phases, each a function: check, context (indices, commodity bits,
    directed links), service runs, node classes, node vertices (load, unload,
    transit edges), transfer edges, link edges, service edges, then packing
    into sorted CSR arrays.
    """
    if check:
        _check(net)
    ctx = _context(net)
    svc_runs = _service_runs(ctx)
    classes = _node_classes(ctx)
    transfers = [t for t in net.transfers if t.status == "open" and t.node in ctx.open_node]
    t_pairs = {t.id: _transfer_pairs(t, classes[t.node]) for t in transfers}
    has_ops = {t.node for t in transfers if t_pairs[t.id]}
    eb = _Builder(ctx.nidx)
    vx = _node_vertices(ctx, classes, has_ops, eb)
    _transfer_edges(ctx, transfers, t_pairs, vx, eb)
    run_values = _RunValues(ctx)
    _link_edges(ctx, vx, run_values, eb)
    svc_deps, svc_wait = _service_edges(ctx, svc_runs, vx, run_values, eb)
    return _pack(ctx, eb, vx, svc_deps, svc_wait)


def _pack(
    ctx: _Context, b: _Builder, vx: _Vertices, svc_deps: list[FloatArray], svc_wait: list[float]
) -> CompiledNetwork:
    """Last phase: sort edges by tail into CSR arrays, build the reverse CSR, freeze."""
    n_v = len(b.v_node)
    tails = np.asarray(b.tails, dtype=np.int32)
    heads = np.asarray(b.heads, dtype=np.int32)
    order = np.argsort(tails, kind="stable")
    tails, heads = tails[order], heads[order]
    floats = {k: np.asarray(b.cols[k], dtype=np.float64)[order] for k in EDGE_FLOAT_ATTRS}
    ints = {k: np.asarray(b.cols[k], dtype=np.int32)[order] for k in EDGE_INT_ATTRS}
    indptr = np.zeros(n_v + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=n_v), out=indptr[1:])
    rev_order = np.argsort(heads, kind="stable").astype(np.int32)
    rev_indptr = np.zeros(n_v + 1, dtype=np.int64)
    np.cumsum(np.bincount(heads, minlength=n_v), out=rev_indptr[1:])
    for f_arr in floats.values():
        f_arr.setflags(write=False)
    for i_arr in (*ints.values(), tails, heads, rev_order):
        i_arr.setflags(write=False)
    indptr.setflags(write=False)
    rev_indptr.setflags(write=False)
    masks = np.asarray(b.masks, dtype=np.int64)[order]
    masks.setflags(write=False)
    return CompiledNetwork(
        network=ctx.net,
        n_vertices=n_v,
        indptr=indptr,
        indices=heads,
        tail=tails,
        rev_indptr=rev_indptr,
        rev_edges=rev_order,
        edge=EdgeArrays.from_columns(floats, ints),
        vertex_node=np.asarray(b.v_node, dtype=np.int32),
        vertex_kind=np.asarray(b.v_kind, dtype=np.int32),
        vertex_class=np.asarray(b.v_class, dtype=np.int32),
        origin_vertex=vx.origin,
        destination_vertex=vx.destination,
        node_ids=ctx.node_ids,
        node_country=ctx.country,
        commodity_ids=ctx.commodity_ids,
        edge_commodity_mask=masks,
        service_departures_h=tuple(svc_deps),
        service_expected_wait_h=np.asarray(svc_wait, dtype=np.float64),
    )
