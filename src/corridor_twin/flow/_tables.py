"""Naming and tabulating max-flow answers in physical terms (used by :mod:`.maxflow`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from corridor_twin._typing import IntArray
from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork, class_label

if TYPE_CHECKING:
    import pandas as pd

    from corridor_twin.flow.maxflow import CutItem, FlowProblem, MaxFlowResult

_K = {k: i for i, k in enumerate(EDGE_KINDS)}
_EDGE, _NODE, _BORDER, _SOURCE, _SINK = range(5)
_COLS = ["kind", "id", "name", "from_node", "to_node", "flow", "capacity", "utilisation"]


def _names(comp: CompiledNetwork) -> dict[str, str]:
    return comp.node_names


def _edge_item(p: FlowProblem, e: int) -> tuple[str, str, str, str, str]:
    """(kind, id, name, from, to) of the element a compiled edge stands for."""
    comp = p.comp
    net = comp.network
    ed = comp.edge
    names = _names(comp)
    k = int(ed.kind[e])
    a = comp.node_ids[int(ed.node_from[e])]
    b = comp.node_ids[int(ed.node_to[e])]
    li, si, ti = int(ed.link[e]), int(ed.service[e]), int(ed.transfer[e])
    if k == _K["ride"] and si >= 0 and (
        li < 0 or p.records.services[si] <= p.records.links[li]
    ):
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
    if o == _EDGE:
        return _edge_item(p, r)
    if o == _BORDER:
        bd = comp.network.borders[r]
        name = f"{_names(comp)[bd.node]} {bd.direction} ({bd.mode or 'all modes'})"
        return "border", bd.id, name, bd.node, bd.node
    nid = comp.node_ids[r]
    return "node", nid, _names(comp)[nid], nid, nid


def name_cut(p: FlowProblem, edges: IntArray) -> tuple[CutItem, ...]:
    """The cut's augmented edges as named elements, equal elements merged."""
    from corridor_twin.flow.maxflow import CutItem

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
        if int(p.origin[i]) in (_SOURCE, _SINK):
            continue
        kind, rid, _, a, b = _item(p, i)
        if not rid:
            continue
        label = f"{kind} {rid}" + (f" ({a}->{b})" if a != b else "")
        if not out or out[-1] != label:
            out.append(label)
    return tuple(out)


def flow_frame(res: MaxFlowResult) -> pd.DataFrame:
    """Flow and capacity of every usable link, service, transfer, border and node."""
    import pandas as pd

    p = res.problem
    comp = p.comp
    net = comp.network
    ed = comp.edge
    names = _names(comp)
    ids = comp.node_ids
    flow = res.edge_flow
    use = p.usable
    kind = ed.kind
    nf, nt = ed.node_from, ed.node_to
    frames = []

    def grouped(sel: Any, keys: dict[str, Any], cap: Any, label: Any, kname: str) -> None:
        if not np.any(sel):
            return
        df = pd.DataFrame({**{k: v[sel] for k, v in keys.items()}, "flow": flow[sel]})
        g = df.groupby(list(keys), sort=True, as_index=False)["flow"].sum()
        g["capacity"] = cap(g)
        g["kind"] = kname
        frames.append(label(g))

    on_link = use & ((kind == _K["link"]) | (kind == _K["ride"])) & (ed.link >= 0)
    grouped(
        on_link, {"rec": ed.link, "a": nf, "b": nt},
        lambda g: p.records.links[g["rec"]],
        lambda g: g.assign(
            id=[net.links[i].id for i in g["rec"]],
            name=[f"{names[ids[a]]} - {names[ids[b]]} ({net.links[i].mode})"
                  for i, a, b in zip(g["rec"], g["a"], g["b"], strict=True)]),
        "link",
    )
    ride = use & (kind == _K["ride"]) & (ed.service >= 0)
    grouped(
        ride, {"rec": ed.service, "a": nf, "b": nt},
        lambda g: p.records.services[g["rec"]],
        lambda g: g.assign(id=[net.services[i].id for i in g["rec"]],
                           name=[net.services[i].name for i in g["rec"]]),
        "service",
    )
    tr = use & ((kind == _K["transfer"]) | (kind == _K["gauge"])) & (ed.transfer >= 0)
    grouped(
        tr, {"rec": ed.transfer, "a": nf, "b": nt},
        lambda g: p.records.transfers[g["rec"]],
        lambda g: g.assign(id=[net.transfers[i].id for i in g["rec"]],
                           name=[f"{names[ids[a]]}: {net.transfers[i].from_mode} -> "
                                 f"{net.transfers[i].to_mode} ({net.transfers[i].method})"
                                 for i, a in zip(g["rec"], g["a"], strict=True)]),
        "transfer",
    )
    if len(net.borders):
        rec = np.concatenate([ed.border_from, ed.border_to])
        sel = np.concatenate([use, use]) & (rec >= 0)
        bflow = np.bincount(rec[sel], weights=np.concatenate([flow, flow])[sel],
                            minlength=len(net.borders))
        seen = np.zeros(len(net.borders), dtype=bool)
        seen[rec[sel]] = True
        bi = np.flatnonzero(seen)
        frames.append(pd.DataFrame({
            "kind": "border", "id": [net.borders[i].id for i in bi],
            "name": [f"{names[net.borders[i].node]} {net.borders[i].direction} "
                     f"({net.borders[i].mode or 'all modes'})" for i in bi],
            "a": [comp.node_index(net.borders[i].node) for i in bi],
            "flow": bflow[bi], "capacity": p.records.borders[bi]}))
        frames[-1]["b"] = frames[-1]["a"]
    ni = np.flatnonzero((res.node_flow > 0) | np.isfinite(p.node_capacity))
    frames.append(pd.DataFrame({
        "kind": "node", "id": [ids[i] for i in ni], "name": [names[ids[i]] for i in ni],
        "a": ni, "b": ni, "flow": res.node_flow[ni], "capacity": p.node_capacity[ni]}))
    df = pd.concat(frames, ignore_index=True)
    node_ids = np.asarray(ids, dtype=object)
    df["from_node"] = node_ids[df["a"].to_numpy(dtype=np.int64)]
    df["to_node"] = node_ids[df["b"].to_numpy(dtype=np.int64)]
    df["utilisation"] = df["flow"] / df["capacity"]
    out: pd.DataFrame = df[_COLS].reset_index(drop=True)
    out["unit"] = res.unit
    return out
