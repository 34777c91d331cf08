"""A route query prepared for the kernels, and a vertex path turned into a :class:`Route`.

The two ends of every search in :mod:`corridor_twin.routing.paths`: the
request (ends and cargo resolved and checked, edge costs and objective weights
from the per-network caches, the corridor preset's mask; why there is no
route when a search finds none) and the legs of a found path (one per link
run, with the node operations before it). The searches import this module,
never the other way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from corridor_twin._typing import BoolArray, FloatArray, Int32Array, IntArray
from corridor_twin.errors import NoRouteError, OptionError
from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork, as_compiled, class_label
from corridor_twin.network.compiled import CacheSlot
from corridor_twin.network.model import Network
from corridor_twin.network.schema import MODES
from corridor_twin.routing.corridors import Corridor, corridor_mask, get_corridor
from corridor_twin.routing.costs import (
    EdgeCosts,
    GeneralizedCost,
    Objective,
    edge_costs,
    matching_restrictions,
    objective_weights,
)
from corridor_twin.routing.places import resolve_cargo
from corridor_twin.routing.result import LegData, Route

__all__ = ["corridor_serves", "restrict_costs"]

_MOVE = (EDGE_KINDS.index("link"), EDGE_KINDS.index("ride"))
_WAIT_KEYS = ("wait_service_h", "wait_border_h", "wait_transfer_h", "wait_gauge_h", "wait_dwell_h")

# Per compiled network: edge costs by (cargo, origin and destination country, avoided
# countries, modes, value of time, corridor preset) and objective weights by (that key,
# objective, generalized cost).
_CostKey = tuple[str, str, str, tuple[str, ...], tuple[str, ...] | None, float | None, str | None]
_COSTS: CacheSlot[_CostKey, EdgeCosts] = CacheSlot("routing.costs", size=32)
_WEIGHTS: CacheSlot[tuple[_CostKey, str, GeneralizedCost | None], FloatArray] = CacheSlot(
    "routing.weights", size=32
)


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
