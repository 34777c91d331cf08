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
from datetime import UTC, datetime

import numpy as np

import corridor_twin.routing._kernels as _kernels
from corridor_twin._typing import Int32Array
from corridor_twin.errors import OptionError
from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork
from corridor_twin.network.compiled import CacheSlot
from corridor_twin.network.model import Network
from corridor_twin.routing._query import _empty, _no_route, _Request, _request, _route, _simple

# re-exported from where they lived before routing/_query.py (simulate imports corridor_serves)
from corridor_twin.routing._query import corridor_serves as corridor_serves
from corridor_twin.routing._query import restrict_costs as restrict_costs
from corridor_twin.routing.corridors import Corridor, path_in_corridor
from corridor_twin.routing.costs import GeneralizedCost, Objective
from corridor_twin.routing.result import _EPOCH, Route, RouteSet

__all__ = ["earliest_arrival", "k_routes", "pareto_routes", "route"]

_WORKSPACES: CacheSlot[None, list[_kernels.Workspace]] = CacheSlot("routing.workspaces", size=1)


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
