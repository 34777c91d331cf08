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
from collections.abc import Sequence
from typing import Any

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
from corridor_twin.network.model import Border, Link, Network, Service
from corridor_twin.network.schema import MODES

__all__ = [
    "EDGE_KINDS",
    "VERTEX_KINDS",
    "CompiledNetwork",
    "EdgeArrays",
    "as_compiled",
    "class_label",
    "compile_network",
    "expected_wait_h",
    "service_capacity_per_year",
]

_K = {k: i for i, k in enumerate(EDGE_KINDS)}
_V = {k: i for i, k in enumerate(VERTEX_KINDS)}
_MODE = {m: i for i, m in enumerate(MODES)}
_SCHEDULED = ("ferry", "sea")
_DAYS = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}
WEEK_H = 168.0


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


def service_capacity_per_year(service: Service) -> tuple[float, float]:
    """Annual capacity of a service per direction, in tonnes and TEU.

    ``departures per week x 52 x capacity per departure x availability x
    load_factor``; NaN where the service gives no capacity in that unit. So
    adding a ferry (more sailings) or lifting a draft limit (load factor)
    raises the capacity.

    Examples
    --------
    >>> from corridor_twin.network.model import Service
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
    """Collects edges as Python lists, then packs arrays (used only by compile)."""

    def __init__(self) -> None:
        self.cols: dict[str, list[float]] = {k: [] for k in (*EDGE_FLOAT_ATTRS, *EDGE_INT_ATTRS)}
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.masks: list[int] = []

    def add(self, tail: int, head: int, mask: int, **values: Any) -> None:
        self.tails.append(tail)
        self.heads.append(head)
        self.masks.append(mask)
        for k, col in self.cols.items():
            col.append(values.get(k, EDGE_DEFAULTS[k]))


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
    """
    if check:
        from corridor_twin.network.validate import validate

        report = validate(net)
        if report.errors:
            first = report.errors[0]
            raise ValidationError(
                f"cannot compile an invalid network: {first}"
                + (f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""),
                report.errors,
            )

    node_ids = tuple(n.id for n in net.nodes)
    nidx = {n: i for i, n in enumerate(node_ids)}
    country = tuple(n.country for n in net.nodes)
    open_node = {n.id for n in net.nodes if n.status == "open"}
    commodity_ids = tuple(c.id for c in net.commodities)
    cbit = {c: 1 << i for i, c in enumerate(commodity_ids)}
    all_bits = (1 << len(commodity_ids)) - 1 if commodity_ids else 1
    mode_bits = {m: sum(cbit[c.id] for c in net.commodities if m in c.modes) for m in MODES}
    if not commodity_ids:
        mode_bits = dict.fromkeys(MODES, 1)
    defaults = {m.id: m for m in net.modes}
    # Charges given per TEU only or per tonne only are converted at the network's
    # TEU loading (t_per_teu of its TEU commodity; 10 t if it has none).
    teu_t = next((c.t_per_teu for c in net.commodities if c.unit == "teu" and c.t_per_teu), 10.0)

    def both(teu: float | None, t: float | None) -> tuple[float, float]:
        if teu is None and t is None:
            return 0.0, 0.0
        if teu is None:
            return float(t) * teu_t, float(t)  # type: ignore[arg-type]
        if t is None:
            return float(teu), float(teu) / teu_t
        return float(teu), float(t)

    def bits_for(commodities: tuple[str, ...], mode: str | None) -> int:
        bits = sum(cbit[c] for c in commodities) if commodities else all_bits
        return bits & mode_bits[mode] if mode is not None else bits

    links = [
        lk
        for lk in net.links
        if lk.status == "open" and lk.from_node in open_node and lk.to_node in open_node
    ]
    link_index = {lk.id: net.index_of("links", lk.id) for lk in links}

    # Directed link traversals: (link, reverse?)
    directed: list[tuple[Link, int]] = [(lk, 0) for lk in links]
    directed += [(lk, 1) for lk in links if lk.bidirectional]
    by_ends: dict[tuple[str, str, str], tuple[Link, int]] = {}
    for lk, rev in directed:
        a, b = (lk.to_node, lk.from_node) if rev else (lk.from_node, lk.to_node)
        by_ends[(a, b, lk.mode)] = (lk, rev)

    services = [
        s for s in net.services if s.status == "open" and all(st in open_node for st in s.stops)
    ]
    # Expand bidirectional services to reversed copies (index, stops).
    svc_runs: list[tuple[int, Service, tuple[str, ...]]] = []
    for s in services:
        si = net.index_of("services", s.id)
        hops_ok = all((a, b, s.mode) in by_ends for a, b in itertools.pairwise(s.stops))
        if not hops_ok:
            continue
        svc_runs.append((si, s, s.stops))
        if s.bidirectional:
            back = tuple(reversed(s.stops))
            if all((a, b, s.mode) in by_ends for a, b in itertools.pairwise(back)):
                svc_runs.append((si, s, back))

    # Classes present at each node.
    classes: dict[str, set[int]] = {n: set() for n in node_ids}
    for lk, _ in directed:
        key = _class_key(lk.mode, lk.gauge_mm)
        classes[lk.from_node].add(key)
        classes[lk.to_node].add(key)
    transfers = [t for t in net.transfers if t.status == "open" and t.node in open_node]

    def transfer_pairs(t: Any) -> list[tuple[int, int]]:
        present = classes[t.node]

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

    t_pairs = {t.id: transfer_pairs(t) for t in transfers}
    has_ops = {t.node for t in transfers if t_pairs[t.id]}

    # Vertices.
    v_node: list[int] = []
    v_kind: list[int] = []
    v_class: list[int] = []

    def new_vertex(node: str, kind: str, cls: int) -> int:
        v_node.append(nidx[node])
        v_kind.append(_V[kind])
        v_class.append(cls)
        return len(v_node) - 1

    origin_v = np.full(len(node_ids), -1, dtype=np.int32)
    dest_v = np.full(len(node_ids), -1, dtype=np.int32)
    arr: dict[tuple[str, int], int] = {}
    dep: dict[tuple[str, int], int] = {}
    eb = _Builder()
    for n in net.nodes:
        if n.id not in open_node:
            continue
        cls = sorted(classes[n.id])
        i = nidx[n.id]
        simple = (
            len(cls) <= 1
            and n.transit_dwell_h == 0
            and n.transit_cost_usd_per_teu == 0
            and n.transit_cost_usd_per_t == 0
            and n.id not in has_ops
        )
        if simple:
            hub = new_vertex(n.id, "hub", cls[0] if cls else -1)
            origin_v[i] = dest_v[i] = hub
            for c in cls:
                arr[(n.id, c)] = dep[(n.id, c)] = hub
            continue
        origin_v[i] = new_vertex(n.id, "origin", -1)
        dest_v[i] = new_vertex(n.id, "destination", -1)
        for c in cls:
            a_v = arr[(n.id, c)] = new_vertex(n.id, "arrival", c)
            d_v = dep[(n.id, c)] = new_vertex(n.id, "departure", c)
            eb.add(
                origin_v[i], d_v, all_bits, kind=_K["load"], node_from=i, node_to=i, mode=c // 10000
            )
            eb.add(
                a_v, dest_v[i], all_bits, kind=_K["unload"], node_from=i, node_to=i, mode=c // 10000
            )
            eb.add(
                a_v,
                d_v,
                all_bits,
                kind=_K["transit"],
                node_from=i,
                node_to=i,
                mode=c // 10000,
                wait_dwell_h=n.transit_dwell_h,
                **dict(
                    zip(
                        ("cost_usd_per_teu", "cost_usd_per_t"),
                        both(n.transit_cost_usd_per_teu or None, n.transit_cost_usd_per_t or None),
                        strict=True,
                    )
                ),
            )

    for t in transfers:
        i = nidx[t.node]
        ti = net.index_of("transfers", t.id)
        gauge = t.is_gauge_change
        for ca, cb in t_pairs[t.id]:
            eb.add(
                arr[(t.node, ca)],
                dep[(t.node, cb)],
                bits_for(t.commodities, None),
                kind=_K["gauge" if gauge else "transfer"],
                node_from=i,
                node_to=i,
                transfer=ti,
                mode=cb // 10000,
                **{"wait_gauge_h" if gauge else "wait_transfer_h": t.dwell_h},
                **dict(
                    zip(
                        ("cost_usd_per_teu", "cost_usd_per_t"),
                        both(t.cost_usd_per_teu, t.cost_usd_per_t),
                        strict=True,
                    )
                ),
                wtt_kg_per_t=0.0,
                ttw_kg_per_t=t.co2e_kg_per_t,
                capacity_t_per_year=_nan(t.capacity_t_per_year),
                capacity_teu_per_year=_nan(t.capacity_teu_per_year),
            )

    borders = _border_lookup(net)
    factors: dict[tuple[str, str, str | None, str], Any] = {}

    def run_values(
        lk: Link, rev: int, a: str, bnode: str, service: Service | None = None
    ) -> dict[str, Any]:
        md = defaults.get(lk.mode)
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
        src: Any = service if fare else lk
        cost_teu = src.cost_usd_per_teu
        cost_t = src.cost_usd_per_t
        if not fare and cost_teu is None and md is not None and md.cost_usd_per_teu_km is not None:
            cost_teu = md.cost_usd_per_teu_km * lk.length_km
        if not fare and cost_t is None and md is not None and md.cost_usd_per_tkm is not None:
            cost_t = md.cost_usd_per_tkm * lk.length_km
        fkey = (lk.mode, lk.energy, lk.emission_factor, country[nidx[a]])
        if fkey not in factors:
            factors[fkey] = resolve_factor(net, lk, country[nidx[a]])
        ef = factors[fkey]
        wtt = ef.wtt_g_co2e_per_tkm * lk.length_km / 1000 if ef else 0.0
        ttw = ef.ttw_g_co2e_per_tkm * lk.length_km / 1000 if ef else 0.0
        cost_teu, cost_t = both(cost_teu, cost_t)
        values: dict[str, Any] = {
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
            "link": link_index[lk.id],
            "reverse": rev,
            "node_from": nidx[a],
            "node_to": nidx[bnode],
        }
        if country[nidx[a]] != country[nidx[bnode]]:
            bx = _pick_border(borders.get((a, "exit")), lk.mode)
            be = _pick_border(borders.get((bnode, "entry")), lk.mode)
            dwell = (bx.dwell_h if bx else 0.0) + (be.dwell_h if be else 0.0)
            values["wait_border_h"] = dwell
            for x in (bx, be):
                if x is not None:
                    teu, t = both(x.cost_usd_per_teu, x.cost_usd_per_t)
                    values["cost_usd_per_teu"] += teu
                    values["cost_usd_per_t"] += t
            values["border_from"] = net.index_of("borders", bx.id) if bx else -1
            values["border_to"] = net.index_of("borders", be.id) if be else -1
        return values

    for lk, rev in directed:
        if lk.mode in _SCHEDULED:
            continue
        a, bnode = (lk.to_node, lk.from_node) if rev else (lk.from_node, lk.to_node)
        c = _class_key(lk.mode, lk.gauge_mm)
        eb.add(
            dep[(a, c)],
            arr[(bnode, c)],
            bits_for(lk.commodities, lk.mode),
            kind=_K["link"],
            **run_values(lk, rev, a, bnode),
        )

    svc_deps: list[FloatArray] = []
    svc_wait: list[float] = []
    for run, (si, s, stops) in enumerate(svc_runs):
        c = _class_key(s.mode, by_ends[(stops[0], stops[1], s.mode)][0].gauge_mm)
        wait = expected_wait_h(s)
        aboard = [new_vertex(st, "aboard", c) for st in stops]
        offset = 0.0
        for k, (a, bnode) in enumerate(itertools.pairwise(stops)):
            lk, rev = by_ends[(a, bnode, s.mode)]
            ia, ib = nidx[a], nidx[bnode]
            mask = bits_for(s.commodities, s.mode) & bits_for(lk.commodities, s.mode)
            eb.add(
                dep[(a, c)],
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
            cap_t, cap_teu = service_capacity_per_year(s)
            vals["capacity_t_per_year"] = float(np.fmin(vals["capacity_t_per_year"], cap_t))
            vals["capacity_teu_per_year"] = float(np.fmin(vals["capacity_teu_per_year"], cap_teu))
            eb.add(aboard[k], aboard[k + 1], mask, kind=_K["ride"], service=si, run=run, **vals)
            eb.add(
                aboard[k + 1],
                arr[(bnode, c)],
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

    return _pack(
        net,
        eb,
        v_node,
        v_kind,
        v_class,
        origin_v,
        dest_v,
        node_ids,
        country,
        commodity_ids,
        svc_runs,
        svc_deps,
        svc_wait,
    )


def _pack(
    net: Network,
    b: _Builder,
    v_node: list[int],
    v_kind: list[int],
    v_class: list[int],
    origin_v: Int32Array,
    dest_v: Int32Array,
    node_ids: tuple[str, ...],
    country: tuple[str, ...],
    commodity_ids: tuple[str, ...],
    svc_runs: list[Any],
    svc_deps: list[FloatArray],
    svc_wait: list[float],
) -> CompiledNetwork:
    n_v = len(v_node)
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
        network=net,
        n_vertices=n_v,
        indptr=indptr,
        indices=heads,
        tail=tails,
        rev_indptr=rev_indptr,
        rev_edges=rev_order,
        edge=EdgeArrays.from_columns(floats, ints),
        vertex_node=np.asarray(v_node, dtype=np.int32),
        vertex_kind=np.asarray(v_kind, dtype=np.int32),
        vertex_class=np.asarray(v_class, dtype=np.int32),
        origin_vertex=origin_v,
        destination_vertex=dest_v,
        node_ids=node_ids,
        node_country=country,
        commodity_ids=commodity_ids,
        edge_commodity_mask=masks,
        service_departures_h=tuple(svc_deps),
        service_expected_wait_h=np.asarray(svc_wait, dtype=np.float64),
    )
