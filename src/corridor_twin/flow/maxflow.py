"""Maximum flow and minimum cut between two sets of nodes, in t or TEU per year.

:func:`max_flow` builds a flow problem on the compiled network
(:func:`flow_problem`), solves it with a compiled kernel (push-relabel by
default, see :data:`FLOW_METHODS`) and names the minimum cut in physical
terms: the links, services, transfers, borders and nodes whose capacities
bind.

The flow problem
----------------
The compiled virtual network (see :mod:`corridor_twin.network.compile`) is
used as it is, with edge capacities from :func:`~corridor_twin.flow.edge_capacity`
(link, service, transfer), restricted to the edges the cargo may use. Three
kinds of extra edges enter it:

* **Border gates.** A border record with a capacity is shared by every edge
  that crosses at it: the exit edges leaving one vertex are led through one
  new vertex whose entering edge carries the border capacity (the entry
  edges reaching one vertex likewise, through a leaving edge).
* **Node gates (node splitting).** For a node with a capacity, every edge
  entering one of its arrival vertices (one per transport class; the single
  hub vertex of a simple node) is led through a new vertex whose edge to
  the arrival vertex carries the node capacity. That counts what arrives
  from other nodes or is unloaded from a service there; cargo staying aboard
  a ship that calls at a port does not count.
* **Super-source and super-sink.** A super-source feeds every source node
  and the destination vertex of every sink node drains into a super-sink
  (unlimited; what arrives there has passed the node's gates). A source
  that is a single hub vertex with a gate is fed through its gate, so what
  starts there and what passes through share the capacity exactly; any
  other source with a capacity is fed through an edge carrying it.

Unlimited capacities become a number larger than the sum of every finite
capacity, so they never bind; if the flow reaches that number, every cut has
an unlimited edge: the flow is unbounded and the result names a path of
unlimited elements. Flow round cycles, which the push-relabel kernel can
leave, is cancelled before the flows are reported.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> res = max_flow(load_corridor(), ["CN_ALA", "CN_KHO"], ["DE_DUI", "HU_BUD", "RO_CND"],
...                unit="teu", cargo="container", avoid_countries=("RU", "BY", "IR"),
...                exclude=["CN_SHA"])
>>> round(res.value), sorted({c.id for c in res.cut})
(100000, ['AZ_ALAT'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from corridor_twin._typing import BoolArray, FloatArray, Int32Array, IntArray
from corridor_twin.errors import OptionError
from corridor_twin.flow import _flow_kernels
from corridor_twin.flow._inputs import as_comp, resolve_nodes, unlimited_path, usable_edges
from corridor_twin.flow.capacity import RecordCapacities, check_unit, edge_capacity
from corridor_twin.flow.capacity import _cached as _record_caps
from corridor_twin.network.compile import CompiledNetwork
from corridor_twin.network.model import Network
from corridor_twin.routing.corridors import Corridor, corridor_mask

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FLOW_METHODS",
    "CutItem",
    "FlowProblem",
    "FlowSolution",
    "MaxFlowResult",
    "extract_max_flow",
    "flow_problem",
    "max_flow",
    "solve_flow_problem",
]

FlowFunc = Callable[
    [int, Int32Array, Int32Array, FloatArray, int, int, float],
    tuple[float, FloatArray, Any],
]
FLOW_METHODS: dict[str, FlowFunc] = {
    "push_relabel": _flow_kernels.push_relabel,
    "dinic": _flow_kernels.dinic,
}
"""Max-flow kernels by name; the default is ``"push_relabel"`` (highest label, gap and
global relabelling). A callable with the same signature
``(n, tails, heads, capacity, source, sink, tol) -> (value, flow, source_side)`` may be
passed instead."""

# Augmented-edge origins.
_EDGE, _NODE, _BORDER, _SOURCE, _SINK = range(5)


@dataclass(frozen=True, eq=False)
class FlowProblem:
    """A max-flow problem on the compiled network (build with :func:`flow_problem`).

    The augmented graph has the compiled vertices, then one vertex per gate,
    then the super-source ``s`` and super-sink ``t``. ``origin[i]`` says what
    augmented edge ``i`` is (0 compiled edge, 1 node gate, 2 border gate,
    3 super-source edge, 4 super-sink edge) and ``ref[i]`` which compiled
    edge, node or border it stands for. ``capacity`` is in ``unit`` per year,
    ``inf`` where unlimited.
    """

    comp: CompiledNetwork
    unit: str
    cargo: str | None
    sources: tuple[str, ...]
    sinks: tuple[str, ...]
    avoid_countries: tuple[str, ...]
    n_vertices: int
    tails: Int32Array
    heads: Int32Array
    capacity: FloatArray
    origin: npt.NDArray[np.int8]
    ref: IntArray
    s: int
    t: int
    usable: BoolArray
    edge_capacity: FloatArray
    node_capacity: FloatArray
    records: RecordCapacities

    @property
    def n_edges(self) -> int:
        """Number of augmented edges."""
        return int(self.tails.shape[0])


@dataclass(frozen=True, slots=True)
class CutItem:
    """One element of a minimum cut.

    Attributes
    ----------
    kind : {"link", "service", "transfer", "border", "node"}
        What binds.
    id
        Record id (link, service, transfer, border or node id).
    name
        A readable name.
    from_node, to_node
        Direction for links and services; the node for the others.
    capacity
        Capacity in the result's unit per year (summed over the compiled
        edges of the element that cross the cut).
    """

    kind: str
    id: str
    name: str
    from_node: str
    to_node: str
    capacity: float


@dataclass(frozen=True, eq=False)
class MaxFlowResult:
    """The maximum flow between two node sets and a minimum cut.

    Attributes
    ----------
    value
        Maximum flow in ``unit`` per year (``inf`` if unbounded).
    unit : {"t", "teu"}
        Unit of every figure.
    sources, sinks
        Node ids.
    cut
        The minimum cut: bottleneck elements whose capacities add up to
        ``value`` (empty if unbounded).
    edge_flow
        Flow on every compiled edge (NaN if unbounded).
    node_flow
        Throughput of every physical node: what arrives from other nodes or
        from services, plus what starts there.
    unlimited_path
        When the flow is unbounded: the elements of a path with no capacity.
    problem
        The flow problem that was solved.
    augmented_flow
        Flow on every edge of the problem's augmented graph (for checks).
    """

    value: float
    unit: str
    sources: tuple[str, ...]
    sinks: tuple[str, ...]
    cut: tuple[CutItem, ...]
    edge_flow: FloatArray
    node_flow: FloatArray
    unlimited_path: tuple[str, ...]
    problem: FlowProblem
    augmented_flow: FloatArray

    @property
    def bounded(self) -> bool:
        """Whether the flow is finite."""
        return math.isfinite(self.value)

    def to_frame(self) -> pd.DataFrame:
        """Flow on every link, service, transfer, border and node, per direction.

        Columns: ``kind``, ``id``, ``name``, ``from_node``, ``to_node``,
        ``flow``, ``capacity`` (``inf`` = unlimited), ``utilisation``
        (flow / capacity) and ``unit``. Only elements usable by the cargo
        appear; nodes appear when they carry flow or have a capacity.
        """
        from corridor_twin.flow._tables import flow_frame

        return flow_frame(self)

    def cut_frame(self) -> pd.DataFrame:
        """The minimum cut, one row per bottleneck element."""
        import pandas as pd

        cols = list(CutItem.__dataclass_fields__)
        df = pd.DataFrame([[getattr(c, k) for k in cols] for c in self.cut], columns=cols)
        df["unit"] = self.unit
        return df

    def __repr__(self) -> str:
        u = "TEU" if self.unit == "teu" else "t"
        p = self.problem
        head = (
            f"<MaxFlowResult {self.value:,.0f} {u}/year from {', '.join(self.sources)} "
            f"to {', '.join(self.sinks)}"
            + (f" ({p.cargo})" if p.cargo else "")
            + (f", avoiding {', '.join(p.avoid_countries)}" if p.avoid_countries else "")
        )
        if not self.bounded:
            return head + "; unbounded via " + " > ".join(self.unlimited_path[:8]) + ">"
        lines = [
            f"  {c.kind} {c.id} ({c.from_node}->{c.to_node}) {c.name}: {c.capacity:,.0f}"
            if c.from_node != c.to_node
            else f"  {c.kind} {c.id} {c.name}: {c.capacity:,.0f}"
            for c in self.cut
        ]
        return head + f"\n min cut ({len(self.cut)}):\n" + "\n".join(lines) + ">"


def flow_problem(
    net_or_comp: Network | CompiledNetwork,
    sources: str | Iterable[str],
    sinks: str | Iterable[str],
    *,
    unit: str | None = None,
    cargo: str | None = None,
    avoid_countries: Iterable[str] = (),
    exclude: Iterable[str] = (),
    node_capacities: bool = True,
    border_capacities: bool = True,
    t_per_teu: float | None = None,
    corridor: str | Corridor | None = None,
) -> FlowProblem:
    """Build the max-flow problem of :func:`max_flow` (see the module notes).

    Parameters are those of :func:`max_flow`.
    """
    comp = as_comp(net_or_comp)
    net = comp.network
    if unit is None:
        unit = net.commodity(cargo).unit if cargo is not None else "t"
    u = check_unit(unit)
    src = resolve_nodes(comp, sources, "source")
    snk = resolve_nodes(comp, sinks, "sink")
    both = set(src) & set(snk)
    if both:
        raise OptionError(f"nodes cannot be both sources and sinks: {', '.join(sorted(both))}")
    avoid = tuple(dict.fromkeys(avoid_countries))
    usable = usable_edges(comp, cargo, avoid, tuple(dict.fromkeys(exclude)), src, snk)
    if corridor is not None:
        usable = usable & corridor_mask(comp, corridor)
    caps = _record_caps(comp, u, True, t_per_teu)
    ecap = edge_capacity(comp, u, borders=False, t_per_teu=t_per_teu)
    e = comp.edge
    ids = np.flatnonzero(usable)
    tails = comp.tail[ids].astype(np.int64)
    heads = comp.indices[ids].astype(np.int64)
    cap = ecap[ids].astype(np.float64)
    origin = np.full(len(ids), _EDGE, dtype=np.int8)
    ref = ids.astype(np.int64)
    n = comp.n_vertices
    new_t: list[Any] = []
    new_h: list[Any] = []
    new_c: list[Any] = []
    new_o: list[Any] = []
    new_r: list[Any] = []

    def gate(sel: IntArray, key_rec: IntArray, side: IntArray, exit_side: bool, c: FloatArray,
             kind: int) -> tuple[IntArray, IntArray]:
        """Lead the selected edges through one new vertex per (record, end vertex).

        Returns the end vertices and their gate vertices.
        """
        nonlocal n
        if not len(sel):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        keys = key_rec * (n + 1) + side[sel]
        uniq, inv = np.unique(keys, return_inverse=True)
        g = n + np.arange(len(uniq))
        rec = uniq // (n + 1)
        end = uniq % (n + 1)
        side[sel] = g[inv]
        if exit_side:  # exit side: end vertex -> gate -> edges
            new_t.append(end)
            new_h.append(g)
        else:  # entry side: edges -> gate -> end vertex
            new_t.append(g)
            new_h.append(end)
        new_c.append(c[rec])
        new_o.append(np.full(len(uniq), kind, dtype=np.int8))
        new_r.append(rec)
        n += len(uniq)
        return end, g

    if border_capacities and len(caps.borders):
        for col, side, exit_side in (("border_from", tails, True), ("border_to", heads, False)):
            b = e[col][ids].astype(np.int64)
            sel = np.flatnonzero((b >= 0) & np.isfinite(caps.borders[np.maximum(b, 0)]))
            gate(sel, b[sel], side, exit_side, caps.borders, _BORDER)
        tails = np.concatenate([tails, *new_t])
        heads = np.concatenate([heads, *new_h])
        cap = np.concatenate([cap, *new_c])
        origin = np.concatenate([origin, *new_o])
        ref = np.concatenate([ref, *new_r])
        new_t, new_h, new_c, new_o, new_r = [], [], [], [], []
    ncap = caps.nodes if node_capacities else np.full(len(caps.nodes), np.inf)
    gate_of: dict[int, int] = {}
    if node_capacities and np.isfinite(ncap).any():
        vk = comp.vertex_kind
        arrival = (vk == 0) | (vk == 3)  # hub or arrival vertex
        gated_v = np.zeros(n, dtype=bool)
        gated_v[: comp.n_vertices] = arrival & np.isfinite(ncap[comp.vertex_node])
        sel = np.flatnonzero(gated_v[heads])
        node_of = comp.vertex_node[heads[sel]].astype(np.int64)
        ends, gates = gate(sel, node_of, heads, False, ncap, _NODE)
        gate_of = dict(zip(ends.tolist(), gates.tolist(), strict=True))
    s, t = n, n + 1
    si = np.asarray([comp.node_index(x) for x in src], dtype=np.int64)
    ti = np.asarray([comp.node_index(x) for x in snk], dtype=np.int64)
    # A source whose single (hub) vertex has a gate is fed through that gate, so what
    # starts there and what passes through share the node capacity exactly.
    ov = comp.origin_vertex[si].astype(np.int64)
    via_gate = np.asarray([int(v) in gate_of for v in ov], dtype=bool)
    src_head = np.asarray([gate_of.get(int(v), int(v)) for v in ov], dtype=np.int64)
    new_t += [np.full(len(si), s), comp.destination_vertex[ti].astype(np.int64)]
    new_h += [src_head, np.full(len(ti), t)]
    new_c += [np.where(via_gate, np.inf, ncap[si]), np.full(len(ti), np.inf)]
    new_o += [np.full(len(si), _SOURCE, dtype=np.int8), np.full(len(ti), _SINK, dtype=np.int8)]
    new_r += [si, ti]
    return FlowProblem(
        comp=comp,
        unit=u,
        cargo=cargo,
        sources=src,
        sinks=snk,
        avoid_countries=avoid,
        n_vertices=n + 2,
        tails=np.concatenate([tails, *new_t]).astype(np.int32),
        heads=np.concatenate([heads, *new_h]).astype(np.int32),
        capacity=np.concatenate([cap, *new_c]).astype(np.float64),
        origin=np.concatenate([origin, *new_o]),
        ref=np.concatenate([ref, *new_r]),
        s=s,
        t=t,
        usable=usable,
        edge_capacity=edge_capacity(comp, u, t_per_teu=t_per_teu),
        node_capacity=ncap,
        records=caps,
    )


@dataclass(frozen=True, eq=False)
class FlowSolution:
    """Raw answer of a kernel on a :class:`FlowProblem`'s augmented graph."""

    value: float
    flow: FloatArray
    source_side: BoolArray
    unlimited_edges: IntArray  # augmented edges of an unlimited path (if unbounded)
    cut_edges: IntArray | None = None  # the cut, when it is not the source side's boundary


def shared_gates(p: FlowProblem) -> list[tuple[int, IntArray]]:
    """Nodes whose capacity gates more than one arrival vertex: (node, gate edges).

    A port reached by ferry and by ship has an arrival vertex per transport
    class, each behind its own gate; the node's capacity must bound their sum.
    The node's super-source edge, when it carries the capacity, belongs to the
    group too (what starts there and what passes through share it).
    """
    gates = np.flatnonzero(p.origin == _NODE)
    nodes, counts = np.unique(p.ref[gates], return_counts=True)
    out = []
    for node in nodes[counts > 1].tolist():
        sel = ((p.origin == _NODE) | ((p.origin == _SOURCE) & np.isfinite(p.capacity))) & (
            p.ref == node)
        out.append((int(node), np.flatnonzero(sel)))
    return out


def _solve_lp(p: FlowProblem, cap: FloatArray, groups: list[tuple[int, IntArray]],
              tol: float) -> tuple[float, FloatArray, IntArray]:
    """Max flow with shared node capacities as an LP (HiGHS): value, flow and cut edges.

    The cut is the set of capacities with a non-zero dual: augmented edges at
    their bound, and one gate edge for each shared node capacity that binds.
    """
    import scipy.sparse as sp
    from scipy.optimize import linprog

    m, n = p.n_edges, p.n_vertices
    inner = np.ones(n, dtype=bool)
    inner[[p.s, p.t]] = False
    rows = np.concatenate([p.tails, p.heads]).astype(np.int64)
    cols = np.concatenate([np.arange(m), np.arange(m)])
    vals = np.concatenate([np.ones(m), -np.ones(m)])
    keep = inner[rows]
    renum = np.cumsum(inner) - 1
    a_eq = sp.csr_matrix((vals[keep], (renum[rows[keep]], cols[keep])), shape=(int(inner.sum()), m))
    g_rows = np.concatenate([np.full(len(e), i) for i, (_, e) in enumerate(groups)])
    g_cols = np.concatenate([e for _, e in groups])
    a_ub = sp.csr_matrix((np.ones(len(g_cols)), (g_rows, g_cols)), shape=(len(groups), m))
    b_ub = np.asarray([p.node_capacity[node] for node, _ in groups], dtype=np.float64)
    c = np.where(p.tails == p.s, -1.0, 0.0)
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.zeros(a_eq.shape[0]),
                  bounds=np.column_stack([np.zeros(m), cap]), method="highs")
    if res.status != 0:  # pragma: no cover - a max flow with finite bounds is always solvable
        raise OptionError(f"the max-flow LP failed (HiGHS: {res.message})")
    flow = np.clip(np.asarray(res.x, dtype=np.float64), 0.0, cap)
    dual_tol = 1e-9
    at_bound = np.flatnonzero(np.abs(np.asarray(res.upper.marginals)) > dual_tol)
    shared = [int(e[0]) for (_, e), d in zip(groups, np.asarray(res.ineqlin.marginals),
                                              strict=True) if abs(d) > dual_tol]
    cut = np.union1d(at_bound, np.asarray(shared, dtype=np.int64))
    return float(-res.fun), flow, cut


def solve_flow_problem(p: FlowProblem, *, method: str | FlowFunc = "push_relabel") -> FlowSolution:
    """Run a max-flow kernel on the problem's augmented graph."""
    if callable(method):
        fn = method
    else:
        try:
            fn = FLOW_METHODS[method]
        except KeyError:
            raise OptionError(
                f"unknown max-flow method {method!r}; choose from {{{', '.join(FLOW_METHODS)}}}"
            ) from None
    if np.any(np.isnan(p.capacity)) or np.any(p.capacity < 0):
        raise OptionError("capacities must be non-negative numbers")
    finite = np.isfinite(p.capacity)
    total = float(p.capacity[finite].sum())
    big = total + 1.0  # more than any cut made of finite capacities
    cap = np.where(finite, p.capacity, big)
    tol = big * 1e-13
    groups = shared_gates(p)
    cut_edges: IntArray | None = None
    if groups:
        # Side constraints (shared node capacities) are beyond a max-flow kernel: LP.
        value, flow, cut_edges = _solve_lp(p, cap, groups, tol)
        side = np.zeros(p.n_vertices, dtype=bool)
    else:
        value, flow, side = fn(p.n_vertices, p.tails, p.heads, cap, p.s, p.t, tol)
    if value > total + 0.5:  # every cut has an unlimited edge
        return FlowSolution(math.inf, np.full(p.n_edges, np.nan),
                            np.zeros(p.n_vertices, dtype=bool), unlimited_path(p))
    # Kernels may leave flow round cycles; they carry nothing from sources to sinks.
    flow = _flow_kernels.cancel_cycles(p.n_vertices, p.tails, p.heads,
                                       np.asarray(flow, dtype=np.float64), tol)
    return FlowSolution(float(value), flow,
                        np.asarray(side, dtype=bool), np.zeros(0, dtype=np.int64), cut_edges)


def max_flow(
    net_or_comp: Network | CompiledNetwork,
    sources: str | Iterable[str],
    sinks: str | Iterable[str],
    *,
    unit: str | None = None,
    cargo: str | None = None,
    avoid_countries: Iterable[str] = (),
    exclude: Iterable[str] = (),
    node_capacities: bool = True,
    border_capacities: bool = True,
    method: str | FlowFunc = "push_relabel",
    t_per_teu: float | None = None,
    corridor: str | Corridor | None = None,
) -> MaxFlowResult:
    """Maximum annual flow from a set of nodes to another, and the minimum cut.

    Parameters
    ----------
    net_or_comp
        The network or its compiled form.
    sources, sinks
        Node ids, names or aliases (one or several); the two sets must not
        overlap.
    unit : {"t", "teu"}
        Unit of capacities and flows, per year. Default: the cargo's unit,
        else tonnes.
    cargo
        Commodity id: only edges that may carry it are used (its modes, the
        commodities of links, services and transfers, and active restrictions
        that match; restrictions naming an origin or destination country
        apply when all sources, or all sinks, are in one country).
    avoid_countries
        ISO codes of countries the flow may not touch.
    exclude
        Ids of nodes, links, services or transfers the flow may not use
        (e.g. the deep-sea service, to study an overland corridor only).
    node_capacities, border_capacities
        Apply node throughput and border capacities (default). Off: those
        records are unlimited.
    method : {"push_relabel", "dinic"} or callable
        Max-flow kernel (see :data:`FLOW_METHODS`).
    t_per_teu
        Tonnes per TEU to convert capacities given only in the other unit
        (default: the network's TEU commodity loading).
    corridor
        A corridor preset (see :mod:`corridor_twin.routing.corridors`): the
        flow uses only the edges it allows.

    Returns
    -------
    MaxFlowResult
        The value, flow per compiled edge and per node, ``to_frame()`` with
        the flow on every link, service, transfer, border and node, and the
        minimum cut named in physical terms.

    Notes
    -----
    Capacities are annual and per direction for links and services. A
    node's capacity bounds everything arriving there by any transport class
    (a port reached by ferry and by ship): one gate per class would count it
    once per class, so when a usable node has more than one, the problem has
    side constraints and is solved exactly as a linear programme with HiGHS
    instead of the kernel (the cut is then the capacities with a non-zero
    dual). Two approximations of the single-commodity model remain, which
    can only make the value too high: a link
    carrying both its own traffic and a service gives each its full
    capacity; a transfer that matches several rail gauges gives each pair
    its full capacity. ``to_frame()`` shows the total flow of each element
    next to its capacity, so such an excess is visible (utilisation > 1).
    Flows are floating point; conservation and capacity hold to about 1e-13
    of the sum of all finite capacities.

    Examples
    --------
    >>> from corridor_twin.data import load_corridor
    >>> net = load_corridor()
    >>> middle = {"cargo": "container", "avoid_countries": ("RU", "BY", "IR"),
    ...           "exclude": ["CN_SHA"]}  # CN_SHA: the deep-sea route
    >>> res = max_flow(net, ["Alashankou", "Khorgos (CN)"], "Istanbul", **middle)
    >>> res.unit, [(c.kind, c.id) for c in res.cut]
    ('teu', [('node', 'AZ_ALAT')])
    >>> bigger = net.update_node("AZ_ALAT", capacity_teu_per_year=200_000)  # Alat phase 2
    >>> res2 = max_flow(bigger, ["CN_ALA", "CN_KHO"], "TR_IST", **middle)
    >>> res2.value > res.value, sorted({c.kind for c in res2.cut})
    (True, ['service'])
    """
    p = flow_problem(
        net_or_comp,
        sources,
        sinks,
        unit=unit,
        cargo=cargo,
        avoid_countries=avoid_countries,
        exclude=exclude,
        node_capacities=node_capacities,
        border_capacities=border_capacities,
        t_per_teu=t_per_teu,
        corridor=corridor,
    )
    return extract_max_flow(p, solve_flow_problem(p, method=method))


def extract_max_flow(p: FlowProblem, sol: FlowSolution) -> MaxFlowResult:
    """Turn a kernel's answer into a :class:`MaxFlowResult` (flows and a named cut)."""
    from corridor_twin.flow._tables import name_cut, name_path

    comp = p.comp
    n_nodes = len(comp.node_ids)
    if not math.isfinite(sol.value):
        nan = np.full(comp.n_edges, np.nan)
        nan.setflags(write=False)
        return MaxFlowResult(math.inf, p.unit, p.sources, p.sinks, (), nan,
                             np.full(n_nodes, np.nan), name_path(p, sol.unlimited_edges), p,
                             sol.flow)
    is_edge = p.origin == _EDGE
    edge_flow = np.zeros(comp.n_edges)
    edge_flow[p.ref[is_edge]] = sol.flow[is_edge]
    # Throughput: arrivals at hub/arrival vertices from other nodes, plus flow started there.
    vk = comp.vertex_kind
    into = ((vk == 0) | (vk == 3))[comp.indices]
    node_flow = np.bincount(comp.vertex_node[comp.indices[into]], weights=edge_flow[into],
                            minlength=n_nodes).astype(np.float64)
    src = p.origin == _SOURCE
    node_flow += np.bincount(p.ref[src], weights=sol.flow[src], minlength=n_nodes)
    if sol.cut_edges is not None:
        cut = name_cut(p, sol.cut_edges)
    else:
        crossing = sol.source_side[p.tails] & ~sol.source_side[p.heads] & (p.capacity > 0)
        cut = name_cut(p, np.flatnonzero(crossing))
    edge_flow.setflags(write=False)
    node_flow.setflags(write=False)
    sol.flow.setflags(write=False)
    return MaxFlowResult(sol.value, p.unit, p.sources, p.sinks, cut, edge_flow, node_flow, (), p,
                         sol.flow)
