"""Inputs of a max-flow problem: network, node sets, usable edges, unlimited paths."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import numpy as np

from corridor_twin._typing import BoolArray, IntArray
from corridor_twin.errors import OptionError
from corridor_twin.flow._problem import FlowProblem
from corridor_twin.network.compile import CompiledNetwork
from corridor_twin.routing.costs import edge_costs


def resolve_nodes(comp: CompiledNetwork, nodes: str | Iterable[str], what: str) -> tuple[str, ...]:
    items = [nodes] if isinstance(nodes, str) else list(nodes)
    if not items:
        raise OptionError(f"no {what} nodes given")
    out: list[str] = []
    for q in items:
        nid = comp.network.find_node(q).id
        if comp.origin_vertex[comp.node_index(nid)] < 0:
            raise OptionError(f"{what} node {nid!r} is not open (status closed or planned)")
        if nid not in out:
            out.append(nid)
    return tuple(out)


def excluded_edges(comp: CompiledNetwork, exclude: tuple[str, ...]) -> BoolArray:
    """Edges that touch an excluded node or run on an excluded link, service or transfer."""
    net = comp.network
    e = comp.edge
    out = np.zeros(comp.n_edges, dtype=bool)
    for rid in exclude:
        hit = False
        for table, col in (("links", e.link), ("services", e.service), ("transfers", e.transfer)):
            if net.has(table, rid):
                out |= col == net.index_of(table, rid)
                hit = True
        if net.has("nodes", rid):
            i = comp.node_index(rid)
            out |= (e.node_from == i) | (e.node_to == i)
            hit = True
        if not hit:
            raise OptionError(
                f"cannot exclude {rid!r}: no node, link, service or transfer has that id"
            )
    return out


def usable_edges(
    comp: CompiledNetwork,
    cargo: str | None,
    avoid: tuple[str, ...],
    exclude: tuple[str, ...],
    sources: tuple[str, ...],
    sinks: tuple[str, ...],
) -> BoolArray:
    """Edges the cargo may use, outside avoided countries and excluded records."""
    ok = _allowed(comp, cargo, avoid, sources, sinks)
    return ok & ~excluded_edges(comp, exclude) if exclude else ok


def _allowed(
    comp: CompiledNetwork,
    cargo: str | None,
    avoid: tuple[str, ...],
    sources: tuple[str, ...],
    sinks: tuple[str, ...],
) -> BoolArray:
    net = comp.network
    if cargo is not None:
        oc = {net.node(n).country for n in sources}
        dc = {net.node(n).country for n in sinks}
        costs = edge_costs(
            comp,
            cargo,
            origin_country=oc.pop() if len(oc) == 1 else None,
            destination_country=dc.pop() if len(dc) == 1 else None,
            avoid_countries=avoid,
        )
        return costs.usable
    banned = np.isin(comp.country_array, list(avoid)) if avoid else None
    ok = np.ones(comp.n_edges, dtype=bool)
    if banned is not None and banned.any():
        nf, nt = comp.edge.node_from, comp.edge.node_to
        has = nf >= 0
        ok[has] = ~(banned[nf[has]] | banned[nt[has]])
    return ok


def unlimited_path(p: FlowProblem) -> IntArray:
    """Augmented edges of an s-t path of unlimited edges, or an empty array.

    A breadth-first search in Python: called only once a flow is known to be
    unbounded.
    """
    inf = np.flatnonzero(np.isinf(p.capacity))
    order = inf[np.argsort(p.tails[inf], kind="stable")]
    starts = np.searchsorted(p.tails[order], np.arange(p.n_vertices + 1))
    pred = {p.s: -1}
    queue = deque([p.s])
    while queue and p.t not in pred:
        u = queue.popleft()
        for e in order[starts[u] : starts[u + 1]].tolist():
            w = int(p.heads[e])
            if w not in pred:
                pred[w] = e
                queue.append(w)
    if p.t not in pred:
        return np.zeros(0, dtype=np.int64)
    path = []
    v = p.t
    while v != p.s:
        e = pred[v]
        path.append(e)
        v = int(p.tails[e])
    return np.asarray(path[::-1], dtype=np.int64)
