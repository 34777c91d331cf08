"""Route planning: best route, k shortest routes, Pareto set, timetable routing.

Every function takes a :class:`~corridor_twin.network.Network` (compiled once
and cached on it) or a :class:`~corridor_twin.network.CompiledNetwork`, node
ids or names, and keyword-only options, and returns frozen results.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.routing import route
>>> r = route(load_corridor(), "Almaty", "Istanbul", cargo="container", optimize="time")
>>> r.origin, r.destination
('KZ_ALA', 'TR_IST')
>>> r.time_h > 0 and r.legs[0].from_node == "KZ_ALA"
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

import corridor_twin.routing._kernels as _kernels
from corridor_twin._typing import FloatArray, Int32Array
from corridor_twin.errors import NoRouteError, OptionError
from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork, class_label
from corridor_twin.network.model import Network
from corridor_twin.network.schema import MODES
from corridor_twin.routing.costs import (
    EdgeCosts,
    GeneralizedCost,
    Objective,
    edge_costs,
    matching_restrictions,
    objective_weights,
)
from corridor_twin.routing.result import Leg, Route, RouteSet

__all__ = ["earliest_arrival", "k_routes", "pareto_routes", "route"]

_MOVE = (EDGE_KINDS.index("link"), EDGE_KINDS.index("ride"))
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday: timetable hours count from Mondays


def as_compiled(net: Network | CompiledNetwork) -> CompiledNetwork:
    """The compiled form of a network (cached on the network)."""
    if isinstance(net, CompiledNetwork):
        return net
    comp: CompiledNetwork = net.compiled()
    return comp


@dataclass(frozen=True)
class _Request:
    comp: CompiledNetwork
    origin: str
    destination: str
    source: int
    target: int
    costs: EdgeCosts
    weights: FloatArray
    objective: str


def _request(
    net: Network | CompiledNetwork,
    origin: str,
    destination: str,
    cargo: str,
    optimize: str | Objective,
    generalized: GeneralizedCost | None,
    avoid_countries: Iterable[str],
    modes: Iterable[str] | None,
) -> _Request:
    comp = as_compiled(net)
    o = comp.network.find_node(origin)
    d = comp.network.find_node(destination)
    avoid = tuple(avoid_countries)
    for node in (o, d):
        if node.country in avoid:
            raise OptionError(f"{node.name} ({node.id}) is in {node.country}, which you avoid")
        if node.status != "open":
            raise NoRouteError(f"{node.name} ({node.id}) is {node.status}")
    costs = edge_costs(
        comp,
        cargo,
        origin_country=o.country,
        destination_country=d.country,
        avoid_countries=avoid,
        modes=modes,
        value_of_time_usd_per_unit_h=(
            generalized.value_of_time_usd_per_unit_h if generalized else None
        ),
    )
    weights = objective_weights(costs, optimize, generalized)
    name = optimize if isinstance(optimize, str) else getattr(optimize, "__name__", "custom")
    oi, di = comp.node_index(o.id), comp.node_index(d.id)
    return _Request(
        comp,
        o.id,
        d.id,
        int(comp.origin_vertex[oi]),
        int(comp.destination_vertex[di]),
        costs,
        weights,
        name,
    )


def _no_route(req: _Request, cargo: str, avoid: Iterable[str]) -> NoRouteError:
    net = req.comp.network
    active = [
        r.id
        for r in matching_restrictions(
            net,
            cargo,
            net.node(req.origin).country,
            net.node(req.destination).country,
        )
    ]
    parts = [f"no route from {req.origin} to {req.destination} for {cargo}"]
    if active:
        parts.append(f"restrictions in force for this shipment: {', '.join(active)}")
    avoid = tuple(avoid)
    if avoid:
        parts.append(f"avoiding {', '.join(avoid)}")
    return NoRouteError("; ".join(parts))


def _operation(comp: CompiledNetwork, e: int) -> str | None:
    ed = comp.edge
    kind = EDGE_KINDS[ed["kind"][e]]
    net = comp.network
    node = net.nodes[ed["node_from"][e]] if ed["node_from"][e] >= 0 else None
    where = node.name if node else "?"
    if kind in ("transfer", "gauge"):
        t = net.transfers[ed["transfer"][e]]
        a = class_label(int(comp.vertex_class[comp.tail[e]]))
        b = class_label(int(comp.vertex_class[comp.indices[e]]))
        return f"{t.method} {a}->{b} at {where}"
    if kind == "board":
        return f"wait for {net.services[ed['service'][e]].name} at {where}"
    if kind == "transit" and (ed["wait_dwell_h"][e] > 0):
        return f"dwell at {where}"
    return None


def _legs(
    comp: CompiledNetwork,
    costs: EdgeCosts,
    path: Int32Array,
    board_waits: dict[int, float] | None = None,
    t0_h: float | None = None,
) -> tuple[Leg, ...]:
    """Group a path of edges into legs (one per link run)."""
    ed = comp.edge
    net = comp.network
    wait_keys = (
        "wait_service_h",
        "wait_border_h",
        "wait_transfer_h",
        "wait_gauge_h",
        "wait_dwell_h",
    )
    pending = dict.fromkeys((*wait_keys, "cost_usd", "co2e_kg", "wtt_kg", "ttw_kg"), 0.0)
    ops: list[str] = []
    legs: list[dict[str, object]] = []
    clock = t0_h
    for e in (int(x) for x in path):
        edge_start = clock
        kind = ed["kind"][e]
        vals = {k: float(ed[k][e]) for k in wait_keys}
        if board_waits is not None and e in board_waits:
            vals["wait_service_h"] = board_waits[e]
        vals.update(
            cost_usd=float(costs.cost_usd[e]),
            co2e_kg=float(costs.co2e_kg[e]),
            wtt_kg=float(costs.wtt_kg[e]),
            ttw_kg=float(costs.ttw_kg[e]),
        )
        if clock is not None:
            clock += float(ed["travel_h"][e]) + sum(vals[k] for k in wait_keys)
        if kind in _MOVE:
            li = int(ed["link"][e])
            si = int(ed["service"][e])
            a, b = net.nodes[ed["node_from"][e]], net.nodes[ed["node_to"][e]]
            leg: dict[str, object] = {
                "from_node": a.id,
                "to_node": b.id,
                "from_name": a.name,
                "to_name": b.name,
                "mode": MODES[ed["mode"][e]],
                "link": net.links[li].id,
                "service": net.services[si].id if si >= 0 else None,
                "length_km": float(ed["length_km"][e]),
                "travel_h": float(ed["travel_h"][e]),
                "operations": tuple(ops),
            }
            for k in pending:
                leg[k] = pending[k] + vals[k]
                pending[k] = 0.0
            if clock is not None and edge_start is not None:
                leg["departure"] = _EPOCH + timedelta(hours=edge_start)
                leg["arrival"] = _EPOCH + timedelta(hours=clock)
            ops = []
            legs.append(leg)
        else:
            for k in pending:
                pending[k] += vals[k]
            op = _operation(comp, e)
            if op:
                ops.append(op)
    if legs:
        last = legs[-1]
        for k in pending:
            last[k] = float(last[k]) + pending[k]  # type: ignore[arg-type]
        if ops:
            last["operations"] = (*last["operations"], *ops)  # type: ignore[misc]
        if clock is not None:
            last["arrival"] = _EPOCH + timedelta(hours=clock)
    return tuple(Leg(**leg) for leg in legs)  # type: ignore[arg-type]


def _route(req: _Request, path: Int32Array, value: float, **kw: object) -> Route:
    legs = _legs(req.comp, req.costs, path, **kw)  # type: ignore[arg-type]
    return Route(
        origin=req.origin,
        destination=req.destination,
        commodity=req.costs.commodity,
        unit=req.costs.unit,
        objective=req.objective,
        objective_value=float(value),
        legs=legs,
        edges=path,
    )


def _simple(r: Route) -> bool:
    """Whether a route visits each physical node once (the virtual network can
    hold routes that pass a node twice in different classes)."""
    return len(set(r.nodes)) == len(r.nodes)


def _empty(req: _Request) -> Route:
    return _route(req, np.empty(0, dtype=np.int32), 0.0)


def route(
    net: Network | CompiledNetwork,
    origin: str,
    destination: str,
    *,
    cargo: str = "container",
    optimize: str | Objective = "time",
    generalized: GeneralizedCost | None = None,
    avoid_countries: Iterable[str] = (),
    modes: Iterable[str] | None = None,
) -> Route:
    """The best route between two nodes for a cargo.

    Parameters
    ----------
    net
        Network or compiled network.
    origin, destination
        Node ids or names (case-insensitive; aliases work).
    cargo
        Commodity id, e.g. {container, grain, crude_oil, general_cargo}.
    optimize
        Objective: {time, cost, co2, distance, generalized} or a callable
        ``(EdgeCosts, GeneralizedCost) -> weights``.
    generalized
        Weights of the generalized cost (value of time, CO2 price).
    avoid_countries
        ISO codes of countries the route may not touch.
    modes
        Restrict to these modes.

    Returns
    -------
    Route
        With its legs; waits are at their expected values (half the headway
        for frequency services). For real waits use :func:`earliest_arrival`.

    Raises
    ------
    UnknownNodeError
        If a node name matches nothing (the message lists near matches).
    NoRouteError
        If no route satisfies the cargo, modes and restrictions.
    """
    req = _request(net, origin, destination, cargo, optimize, generalized, avoid_countries, modes)
    if req.origin == req.destination:
        return _empty(req)
    c = req.comp
    value, path = _kernels.bidirectional(
        c.indptr, c.indices, c.rev_indptr, c.rev_edges, c.tail, req.weights, req.source, req.target
    )
    if not np.isfinite(value):
        raise _no_route(req, cargo, avoid_countries)
    return _route(req, path, value)


def k_routes(
    net: Network | CompiledNetwork,
    origin: str,
    destination: str,
    *,
    k: int = 3,
    cargo: str = "container",
    optimize: str | Objective = "time",
    generalized: GeneralizedCost | None = None,
    avoid_countries: Iterable[str] = (),
    modes: Iterable[str] | None = None,
    distinct_links: bool = True,
) -> RouteSet:
    """The k best loopless routes (Yen's algorithm), best first.

    Parameters
    ----------
    k
        How many routes (at most).
    distinct_links
        Drop routes whose sequence of physical links repeats a better one's
        (routes that differ only in node operations, e.g. another transfer
        method at the same place, are then not listed twice).
    optimize, cargo, generalized, avoid_countries, modes
        As for :func:`route`.

    Returns
    -------
    RouteSet
    """
    if k < 1:
        raise OptionError("k must be at least 1")
    req = _request(net, origin, destination, cargo, optimize, generalized, avoid_countries, modes)
    if req.origin == req.destination:
        return RouteSet((_empty(req),), kind=f"k_shortest({req.objective})")
    c = req.comp
    found: list[Route] = []
    seen: set[tuple[int, ...]] = set()
    ask = k
    while True:
        raw = _kernels.k_shortest(
            c.indptr,
            c.indices,
            c.rev_indptr,
            c.rev_edges,
            c.tail,
            req.weights,
            req.source,
            req.target,
            ask,
        )
        found, seen = [], set()
        for value, path in raw:
            key = (
                tuple(int(x) for x in c.edge["link"][path] if x >= 0)
                if distinct_links
                else tuple(int(x) for x in path)
            )
            if key in seen:
                continue
            seen.add(key)
            r = _route(req, path, value)
            if not _simple(r):
                continue
            found.append(r)
            if len(found) == k:
                break
        if len(found) == k or len(raw) < ask or ask >= 8 * k:
            break
        ask *= 2
    if not found:
        raise _no_route(req, cargo, avoid_countries)
    return RouteSet(tuple(found), kind=f"k_shortest({req.objective})")


def pareto_routes(
    net: Network | CompiledNetwork,
    origin: str,
    destination: str,
    *,
    cargo: str = "container",
    avoid_countries: Iterable[str] = (),
    modes: Iterable[str] | None = None,
    max_labels: int = 2_000_000,
) -> RouteSet:
    """All Pareto-optimal routes over (time, cost, CO2e), sorted by time.

    A route is in the set when no other route is at least as good on all
    three criteria and better on one. Computed exactly by a multi-label
    search (Martins' algorithm); ``max_labels`` bounds the work, and the
    result's ``complete`` says whether the bound was hit.
    """
    req = _request(net, origin, destination, cargo, "time", None, avoid_countries, modes)
    if req.origin == req.destination:
        return RouteSet((_empty(req),), kind="pareto(time,cost,co2)")
    c = req.comp
    costs, paths, complete = _kernels.pareto(
        c.indptr,
        c.indices,
        c.tail,
        req.costs.time_h,
        req.costs.cost_usd,
        req.costs.co2e_kg,
        req.source,
        req.target,
        max_labels,
    )
    if not paths:
        raise _no_route(req, cargo, avoid_countries)
    routes = []
    seen: set[tuple[int, ...]] = set()
    for vec, path in zip(costs, paths, strict=True):
        key = tuple(int(x) for x in c.edge["link"][path] if x >= 0)
        if key in seen:
            continue
        seen.add(key)
        r = _route(req, path, float(vec[0]))
        if _simple(r):
            routes.append(r)
    return RouteSet(tuple(routes), kind="pareto(time,cost,co2)", complete=complete)


def earliest_arrival(
    net: Network | CompiledNetwork,
    origin: str,
    destination: str,
    *,
    departure: datetime,
    cargo: str = "container",
    avoid_countries: Iterable[str] = (),
    modes: Iterable[str] | None = None,
) -> Route:
    """The earliest-arrival route leaving at ``departure``, with real timetable waits.

    Services with a weekly timetable (``departures``) are boarded at their
    next departure after the shipment is ready; services known only by a
    frequency keep their expected wait (half the headway), since their
    departure times are not known. Legs carry departure and arrival times.

    Parameters
    ----------
    departure
        When the shipment is ready at the origin (a naive datetime is UTC).
    cargo, avoid_countries, modes
        As for :func:`route`.
    """
    req = _request(net, origin, destination, cargo, "time", None, avoid_countries, modes)
    if req.origin == req.destination:
        return _empty(req)
    c = req.comp
    if departure.tzinfo is None:
        departure = departure.replace(tzinfo=UTC)
    t0 = (departure - _EPOCH).total_seconds() / 3600.0
    run = c.edge["run"]
    is_board = c.edge["kind"] == EDGE_KINDS.index("board")
    board_run = np.where(is_board, run, -1).astype(np.int32)
    static = np.where(is_board, req.costs.time_h - c.edge["wait_service_h"], req.costs.time_h)
    deps = c.service_departures_h
    dep_ptr = np.zeros(len(deps) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in deps], out=dep_ptr[1:])
    dep_flat = np.concatenate(deps) if deps else np.empty(0)
    arr, pred = _kernels.earliest_arrival(
        c.indptr,
        c.indices,
        static,
        board_run,
        c.edge["board_offset_h"],
        dep_ptr,
        dep_flat,
        c.service_expected_wait_h,
        req.source,
        t0,
        req.target,
    )
    if not np.isfinite(arr[req.target]):
        raise _no_route(req, cargo, avoid_countries)
    path_list: list[int] = []
    v = req.target
    while v != req.source:
        e = int(pred[v])
        path_list.append(e)
        v = int(c.tail[e])
    path = np.asarray(path_list[::-1], dtype=np.int32)
    # Replay the path to get each boarding's real wait.
    waits: dict[int, float] = {}
    clock = t0
    for e in (int(x) for x in path):
        if is_board[e]:
            waits[e] = float(arr[c.indices[e]] - clock - static[e])
        clock = float(arr[c.indices[e]])
    return _route(req, path, float(arr[req.target] - t0), board_waits=waits, t0_h=t0)
