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
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np

import corridor_twin.routing._kernels as _kernels
from corridor_twin._typing import BoolArray, FloatArray, Int32Array, IntArray
from corridor_twin.errors import NoRouteError, OptionError
from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork, as_compiled, class_label
from corridor_twin.network.compiled import CacheSlot
from corridor_twin.network.model import Network
from corridor_twin.routing.corridors import Corridor, corridor_mask, get_corridor, path_in_corridor
from corridor_twin.routing.costs import (
    EdgeCosts,
    GeneralizedCost,
    Objective,
    edge_costs,
    matching_restrictions,
    objective_weights,
)
from corridor_twin.routing.places import resolve_cargo
from corridor_twin.routing.result import _EPOCH, LegData, Route, RouteSet

__all__ = ["earliest_arrival", "k_routes", "pareto_routes", "route"]

_MOVE = (EDGE_KINDS.index("link"), EDGE_KINDS.index("ride"))
_WAIT_KEYS = ("wait_service_h", "wait_border_h", "wait_transfer_h", "wait_gauge_h", "wait_dwell_h")

# Per compiled network: edge costs by (cargo, origin and destination country, avoided
# countries, modes, value of time, corridor preset), objective weights by (that key,
# objective, generalized cost), and a pool of search work arrays.
_CostKey = tuple[str, str, str, tuple[str, ...], tuple[str, ...] | None, float | None, str | None]
_COSTS: CacheSlot[_CostKey, EdgeCosts] = CacheSlot("routing.costs", size=32)
_WEIGHTS: CacheSlot[tuple[_CostKey, str, GeneralizedCost | None], FloatArray] = CacheSlot(
    "routing.weights", size=32
)
_WORKSPACES: CacheSlot[None, list[_kernels.Workspace]] = CacheSlot("routing.workspaces", size=1)


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
    cargo: str = "container"
    avoid: tuple[str, ...] = ()
    modes: tuple[str, ...] | None = None
    corridor: Corridor | None = None


def _corridor(corridor: str | Corridor | None) -> Corridor | None:
    """The preset, refusing variants whose fixed extra time or cost a route cannot carry."""
    if corridor is None:
        return None
    c = get_corridor(corridor)
    if c.extra_time_h or c.extra_cost_usd_per_teu or c.extra_cost_usd_per_t:
        raise OptionError(
            f"corridor {c.id!r} is a variant of {c.base!r} that adds a fixed time and cost "
            f"(for the market model); route with corridor={c.base!r}"
        )
    return c


def corridor_serves(comp: CompiledNetwork, corridor: str | Corridor, node_id: str) -> bool:
    """Whether a corridor preset allows any edge at a node (so a route may start or end there)."""
    ni = comp.node_index(node_id)
    touching = (comp.edge.node_from == ni) | (comp.edge.node_to == ni)
    return bool(corridor_mask(comp, corridor)[touching].any())


def restrict_costs(costs: EdgeCosts, mask: BoolArray) -> EdgeCosts:
    """Edge costs with the edges outside ``mask`` disabled (``inf``, not usable)."""
    usable = costs.usable & mask

    def cut(a: FloatArray) -> FloatArray:
        out = np.where(usable, a, np.inf)
        out.setflags(write=False)
        return out

    usable.setflags(write=False)
    return replace(
        costs,
        usable=usable,
        time_h=cut(costs.time_h),
        cost_usd=cut(costs.cost_usd),
        co2e_kg=cut(costs.co2e_kg),
        wtt_kg=cut(costs.wtt_kg),
        ttw_kg=cut(costs.ttw_kg),
        length_km=cut(costs.length_km),
    )


def _request(
    net: Network | CompiledNetwork,
    origin: str,
    destination: str,
    cargo: str,
    optimize: str | Objective,
    generalized: GeneralizedCost | None,
    avoid_countries: Iterable[str],
    modes: Iterable[str] | None,
    corridor: str | Corridor | None = None,
) -> _Request:
    comp = as_compiled(net)
    cargo = resolve_cargo(comp.network, cargo)
    preset = _corridor(corridor)
    o = comp.network.find_node(origin)
    d = comp.network.find_node(destination)
    avoid = tuple(avoid_countries)
    for node in (o, d):
        if node.country in avoid:
            raise OptionError(f"{node.name} ({node.id}) is in {node.country}, which you avoid")
        if node.status != "open":
            raise NoRouteError(f"{node.name} ({node.id}) is {node.status}")
        if preset is not None and not corridor_serves(comp, preset, node.id):
            raise NoRouteError(
                f"{node.name} ({node.id}) is outside the {preset.id} corridor ({preset.label})"
            )
    modes_t = None if modes is None else tuple(modes)
    vot = generalized.value_of_time_usd_per_unit_h if generalized else None
    ckey: _CostKey = (
        cargo,
        o.country,
        d.country,
        avoid,
        modes_t,
        vot,
        preset.id if preset is not None else None,
    )

    def make_costs() -> EdgeCosts:
        plain = edge_costs(
            comp,
            cargo,
            origin_country=o.country,
            destination_country=d.country,
            avoid_countries=avoid,
            modes=modes_t,
            value_of_time_usd_per_unit_h=vot,
        )
        return plain if preset is None else restrict_costs(plain, corridor_mask(comp, preset))

    costs = _COSTS.get(comp, ckey, make_costs)
    if isinstance(optimize, str):
        weights = _WEIGHTS.get(
            comp,
            (ckey, optimize, generalized),
            lambda: _frozen(objective_weights(costs, optimize, generalized)),
        )
    else:
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
        cargo,
        avoid,
        modes_t,
        preset,
    )


def _frozen(a: FloatArray) -> FloatArray:
    a.setflags(write=False)
    return a


def _no_route(req: _Request, *_: object) -> NoRouteError:
    """Why there is no route: restrictions in force, avoided countries, modes, corridor."""
    comp = req.comp
    net = comp.network
    cargo = req.cargo
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
    if req.avoid:
        parts.append(f"avoiding {', '.join(req.avoid)}")
    if req.modes is not None:
        parts.append(_modes_reason(req))
    if req.corridor is not None:
        parts.append(f"inside the {req.corridor.id} corridor ({req.corridor.label})")
    return NoRouteError("; ".join(parts))


def _modes_reason(req: _Request) -> str:
    """Which modes the origin and destination have, when the allowed ones miss them."""
    from corridor_twin.network.schema import MODES

    net = req.comp.network
    wanted = "/".join(req.modes or ())
    text = f"with {wanted} only"
    for nid, role in ((req.origin, "origin"), (req.destination, "destination")):
        have = sorted(
            {lk.mode for lk in net.links if nid in (lk.from_node, lk.to_node)} & set(MODES)
        )
        if not set(have) & set(req.modes or ()):
            text += f": the {role} {net.node(nid).name} has only {', '.join(have) or 'no'} links"
            return text
    return text + " (each end has such links, but they do not connect)"


def _operation(comp: CompiledNetwork, e: int) -> str | None:
    ed = comp.edge
    kind = EDGE_KINDS[ed.kind[e]]
    net = comp.network
    node = net.nodes[ed.node_from[e]] if ed.node_from[e] >= 0 else None
    where = node.name if node else "?"
    if kind in ("transfer", "gauge"):
        t = net.transfers[ed.transfer[e]]
        a = class_label(int(comp.vertex_class[comp.tail[e]]))
        b = class_label(int(comp.vertex_class[comp.indices[e]]))
        return f"{t.method} {a}->{b} at {where}"
    if kind == "board":
        return f"wait for {net.services[ed.service[e]].name} at {where}"
    if kind == "transit" and (ed.wait_dwell_h[e] > 0):
        return f"dwell at {where}"
    return None


def _leg_data(
    comp: CompiledNetwork,
    costs: EdgeCosts,
    path: Int32Array,
    board_waits: dict[int, float] | None = None,
    t0_h: float | None = None,
) -> LegData:
    """Group a path of edges into legs (one per link run), vectorised.

    Node operations (transfers, waits, dwell) before a run belong to its leg;
    operations after the last run belong to the last leg.
    """
    ed = comp.edge
    kind = ed.kind[path]
    is_move = np.isin(kind, _MOVE)
    n_legs = int(is_move.sum())
    moved = is_move.astype(np.int64)
    leg_of: IntArray = np.cumsum(moved) - moved
    if n_legs:
        np.minimum(leg_of, n_legs - 1, out=leg_of)
    per_edge: dict[str, FloatArray] = {k: ed.float_column(k)[path] for k in _WAIT_KEYS}
    if board_waits:
        svc = per_edge["wait_service_h"].copy()
        for i, e in enumerate(path.tolist()):
            if e in board_waits:
                svc[i] = board_waits[e]
        per_edge["wait_service_h"] = svc
    per_edge.update(
        cost_usd=costs.cost_usd[path],
        co2e_kg=costs.co2e_kg[path],
        wtt_kg=costs.wtt_kg[path],
        ttw_kg=costs.ttw_kg[path],
    )
    columns: dict[str, FloatArray] = {
        k: np.bincount(leg_of, weights=v, minlength=n_legs).astype(np.float64)
        for k, v in per_edge.items()
    }
    moves = path[is_move]
    columns["length_km"] = ed.length_km[moves]
    columns["travel_h"] = ed.travel_h[moves]
    ops: list[list[str]] = [[] for _ in range(n_legs)]
    for i in np.flatnonzero(~is_move).tolist():
        op = _operation(comp, int(path[i]))
        if op and n_legs:
            ops[leg_of[i]].append(op)
    departure = arrival = None
    if t0_h is not None and n_legs:
        step = ed.travel_h[path] + sum(per_edge[k] for k in _WAIT_KEYS)
        after = t0_h + np.cumsum(step)
        arrival = after[is_move]
        departure = arrival - step[is_move]
        arrival[-1] = after[-1]
    return LegData(
        network=comp.network,
        node_from=ed.node_from[moves],
        node_to=ed.node_to[moves],
        mode=ed.mode[moves],
        link=ed.link[moves],
        service=ed.service[moves],
        columns=columns,
        operations=tuple(tuple(o) for o in ops),
        departure_h=departure,
        arrival_h=arrival,
    )


def _route(req: _Request, path: Int32Array, value: float, **kw: object) -> Route:
    data = _leg_data(req.comp, req.costs, path, **kw)  # type: ignore[arg-type]
    return Route(
        origin=req.origin,
        destination=req.destination,
        commodity=req.costs.commodity,
        unit=req.costs.unit,
        objective=req.objective,
        objective_value=float(value),
        data=data,
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
    corridor: str | Corridor | None = None,
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
    corridor
        A corridor preset ({middle, northern, southern, road, sea_suez} or
        ``sea``; see :mod:`corridor_twin.routing.corridors`): the route may
        only use the edges the preset allows and must meet its ``via``
        requirement (e.g. the Middle Corridor crosses the Caspian).

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
        If no route satisfies the cargo, modes, restrictions and corridor; the
        message says which of them were in force.
    """
    req = _request(
        net, origin, destination, cargo, optimize, generalized, avoid_countries, modes, corridor
    )
    if req.origin == req.destination:
        return _empty(req)
    c = req.comp
    # Work arrays are pooled per compiled network; a search takes one and gives it back, so
    # concurrent searches (threads) each hold their own.
    pool = _WORKSPACES.get(c, None, list)
    ws = pool.pop() if pool else _kernels.Workspace(c.n_vertices)
    try:
        value, path = _kernels.bidirectional(
            c.indptr,
            c.indices,
            c.rev_indptr,
            c.rev_edges,
            c.tail,
            req.weights,
            req.source,
            req.target,
            ws,
        )
    finally:
        pool.append(ws)
    if not np.isfinite(value):
        raise _no_route(req)
    if not _belongs(req, path):
        # The mask keeps the route inside the preset; when the fastest such route misses its
        # via rule (e.g. no Caspian crossing), take the best that meets it (Yen).
        return k_routes(
            c,
            req.origin,
            req.destination,
            k=1,
            cargo=req.cargo,
            optimize=optimize,
            generalized=generalized,
            avoid_countries=req.avoid,
            modes=req.modes,
            corridor=req.corridor,
        )[0]
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
    corridor: str | Corridor | None = None,
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
    optimize, cargo, generalized, avoid_countries, modes, corridor
        As for :func:`route`; with a corridor, only routes that belong to it
        (:func:`~corridor_twin.routing.corridors.path_in_corridor`) are listed.

    Returns
    -------
    RouteSet
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise OptionError(f"k must be at least 1 (an integer), got {k!r}")
    req = _request(
        net, origin, destination, cargo, optimize, generalized, avoid_countries, modes, corridor
    )
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
                tuple(int(x) for x in c.edge.link[path] if x >= 0)
                if distinct_links
                else tuple(int(x) for x in path)
            )
            if key in seen:
                continue
            seen.add(key)
            r = _route(req, path, value)
            if not _simple(r) or not _belongs(req, path):
                continue
            found.append(r)
            if len(found) == k:
                break
        limit = 64 * k if req.corridor is not None else 8 * k
        if len(found) == k or len(raw) < ask or ask >= limit:
            break
        ask *= 2
    if not found:
        raise _no_route(req)
    return RouteSet(tuple(found), kind=f"k_shortest({req.objective})")


def _belongs(req: _Request, path: Int32Array) -> bool:
    return req.corridor is None or path_in_corridor(req.comp, path, req.corridor)


def pareto_routes(
    net: Network | CompiledNetwork,
    origin: str,
    destination: str,
    *,
    cargo: str = "container",
    avoid_countries: Iterable[str] = (),
    modes: Iterable[str] | None = None,
    max_labels: int = 2_000_000,
    corridor: str | Corridor | None = None,
) -> RouteSet:
    """All Pareto-optimal routes over (time, cost, CO2e), sorted by time.

    A route is in the set when no other route is at least as good on all
    three criteria and better on one. Computed exactly by a multi-label
    search (Martins' algorithm); ``max_labels`` bounds the work, and the
    result's ``complete`` says whether the bound was hit. ``cargo``,
    ``avoid_countries``, ``modes`` and ``corridor`` are as for :func:`route`
    (with a corridor, the Pareto set of the routes inside it that meet its
    ``via`` requirement).
    """
    req = _request(net, origin, destination, cargo, "time", None, avoid_countries, modes, corridor)
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
        raise _no_route(req)
    routes = []
    seen: set[tuple[int, ...]] = set()
    for vec, path in zip(costs, paths, strict=True):
        key = tuple(int(x) for x in c.edge.link[path] if x >= 0)
        if key in seen:
            continue
        seen.add(key)
        r = _route(req, path, float(vec[0]))
        if _simple(r) and _belongs(req, path):
            routes.append(r)
    if not routes:
        raise _no_route(req)
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
    corridor: str | Corridor | None = None,
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
    cargo, avoid_countries, modes, corridor
        As for :func:`route` (a corridor's mask applies; its ``via``
        requirement is checked on the route found).
    """
    req = _request(net, origin, destination, cargo, "time", None, avoid_countries, modes, corridor)
    if req.origin == req.destination:
        return _empty(req)
    c = req.comp
    if departure.tzinfo is None:
        departure = departure.replace(tzinfo=UTC)
    t0 = (departure - _EPOCH).total_seconds() / 3600.0
    run = c.edge.run
    is_board = c.edge.kind == EDGE_KINDS.index("board")
    board_run = np.where(is_board, run, -1).astype(np.int32)
    static = np.where(is_board, req.costs.time_h - c.edge.wait_service_h, req.costs.time_h)
    deps = c.service_departures_h
    dep_ptr = np.zeros(len(deps) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in deps], out=dep_ptr[1:])
    dep_flat = np.concatenate(deps) if deps else np.empty(0)
    arr, pred = _kernels.earliest_arrival(
        c.indptr,
        c.indices,
        static,
        board_run,
        c.edge.board_offset_h,
        dep_ptr,
        dep_flat,
        c.service_expected_wait_h,
        req.source,
        t0,
        req.target,
    )
    if not np.isfinite(arr[req.target]):
        raise _no_route(req)
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
    if not _belongs(req, path):
        raise _no_route(req)
    return _route(req, path, float(arr[req.target] - t0), board_waits=waits, t0_h=t0)
