"""Naming max-flow answers in physical terms: cut elements and unlimited paths."""

from __future__ import annotations

from typing import Any

from corridor_twin._typing import IntArray
from corridor_twin.flow._problem import BORDER, EDGE, SINK, SOURCE, CutItem, FlowProblem
from corridor_twin.network.compiled import EDGE_KINDS, class_label

__all__ = ["name_cut", "name_path"]

_K = {k: i for i, k in enumerate(EDGE_KINDS)}


def _edge_item(p: FlowProblem, e: int) -> tuple[str, str, str, str, str]:
    """(kind, id, name, from, to) of the element a compiled edge stands for."""
    comp = p.comp
    net = comp.network
    ed = comp.edge
    names = comp.node_names
    k = int(ed.kind[e])
    a = comp.node_ids[int(ed.node_from[e])]
    b = comp.node_ids[int(ed.node_to[e])]
    li, si, ti = int(ed.link[e]), int(ed.service[e]), int(ed.transfer[e])
    if k == _K["ride"] and si >= 0 and (li < 0 or p.records.services[si] <= p.records.links[li]):
        s = net.services[si]
        return "service", s.id, s.name, a, b
    if k in (_K["link"], _K["ride"]) and li >= 0:
        lk = net.links[li]
        return "link", lk.id, f"{names[a]} - {names[b]} ({lk.mode})", a, b
    if k in (_K["transfer"], _K["gauge"]) and ti >= 0:
        t = net.transfers[ti]
        ca = class_label(int(comp.vertex_class[comp.tail[e]]))
        cb = class_label(int(comp.vertex_class[comp.indices[e]]))
        return "transfer", t.id, f"{names[a]}: {ca} -> {cb} ({t.method})", a, a
    return EDGE_KINDS[k], "", f"{EDGE_KINDS[k]} at {names[a]}", a, b


def _item(p: FlowProblem, i: int) -> tuple[str, str, str, str, str]:
    comp = p.comp
    o, r = int(p.origin[i]), int(p.ref[i])
    if o == EDGE:
        return _edge_item(p, r)
    if o == BORDER:
        bd = comp.network.borders[r]
        name = f"{comp.node_names[bd.node]} {bd.direction} ({bd.mode or 'all modes'})"
        return "border", bd.id, name, bd.node, bd.node
    nid = comp.node_ids[r]
    return "node", nid, comp.node_names[nid], nid, nid


def name_cut(p: FlowProblem, edges: IntArray) -> tuple[CutItem, ...]:
    """The cut's augmented edges as named elements, equal elements merged."""
    merged: dict[tuple[str, str, str, str], list[Any]] = {}
    for i in edges.tolist():
        kind, rid, name, a, b = _item(p, i)
        entry = merged.setdefault((kind, rid, a, b), [name, 0.0])
        entry[1] += float(p.capacity[i])
    items = [CutItem(k, rid, v[0], a, b, v[1]) for (k, rid, a, b), v in merged.items()]
    return tuple(sorted(items, key=lambda c: (-c.capacity, c.kind, c.id, c.from_node)))


def name_path(p: FlowProblem, edges: IntArray) -> tuple[str, ...]:
    """Readable labels of the physical elements along a path of augmented edges."""
    out: list[str] = []
    for i in edges.tolist():
        if int(p.origin[i]) in (SOURCE, SINK):
            continue
        kind, rid, _, a, b = _item(p, i)
        if not rid:
            continue
        label = f"{kind} {rid}" + (f" ({a}->{b})" if a != b else "")
        if not out or out[-1] != label:
            out.append(label)
    return tuple(out)
