"""The max-flow problem's shared types: the augmented graph, a kernel's answer, the result.

They sit below the front module (:mod:`corridor_twin.flow.maxflow`) and the
helpers that build and name its parts (:mod:`._inputs`, :mod:`._naming`), so
every import points down.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from corridor_twin._typing import BoolArray, FloatArray, Int32Array, IntArray
from corridor_twin.flow.capacity import RecordCapacities
from corridor_twin.network.compiled import EDGE_KINDS, CompiledNetwork

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CutItem", "FlowFunc", "FlowProblem", "FlowSolution", "MaxFlowResult"]

FlowFunc = Callable[
    [int, Int32Array, Int32Array, FloatArray, int, int, float],
    tuple[float, FloatArray, Any],
]
# Augmented-edge origins (FlowProblem.origin).
EDGE, NODE, BORDER, SOURCE, SINK = range(5)
_K = {k: i for i, k in enumerate(EDGE_KINDS)}
_COLS = ["kind", "id", "name", "from_node", "to_node", "flow", "capacity", "utilisation"]


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
        return _flow_frame(self)

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


@dataclass(frozen=True, eq=False)
class FlowSolution:
    """Raw answer of a kernel on a :class:`FlowProblem`'s augmented graph."""

    value: float
    flow: FloatArray
    source_side: BoolArray
    unlimited_edges: IntArray  # augmented edges of an unlimited path (if unbounded)
    cut_edges: IntArray | None = None  # the cut, when it is not the source side's boundary


def _flow_frame(res: MaxFlowResult) -> pd.DataFrame:
    """Flow and capacity of every usable link, service, transfer, border and node."""
    import pandas as pd

    p = res.problem
    comp = p.comp
    net = comp.network
    ed = comp.edge
    names = comp.node_names
    ids = comp.node_ids
    flow = res.edge_flow
    use = p.usable
    kind = ed.kind
    nf, nt = ed.node_from, ed.node_to
    frames = []

    def grouped(
        sel: BoolArray,
        keys: dict[str, Int32Array],
        cap: Callable[[pd.DataFrame], FloatArray],
        label: Callable[[pd.DataFrame], pd.DataFrame],
        kname: str,
    ) -> None:
        if not np.any(sel):
            return
        df = pd.DataFrame({**{k: v[sel] for k, v in keys.items()}, "flow": flow[sel]})
        g = df.groupby(list(keys), sort=True, as_index=False).agg(flow=("flow", "sum"))
        g["capacity"] = cap(g)
        g["kind"] = kname
        frames.append(label(g))

    on_link = use & ((kind == _K["link"]) | (kind == _K["ride"])) & (ed.link >= 0)
    grouped(
        on_link,
        {"rec": ed.link, "a": nf, "b": nt},
        lambda g: p.records.links[g["rec"]],
        lambda g: g.assign(
            id=[net.links[i].id for i in g["rec"]],
            name=[
                f"{names[ids[a]]} - {names[ids[b]]} ({net.links[i].mode})"
                for i, a, b in zip(g["rec"], g["a"], g["b"], strict=True)
            ],
        ),
        "link",
    )
    ride = use & (kind == _K["ride"]) & (ed.service >= 0)
    grouped(
        ride,
        {"rec": ed.service, "a": nf, "b": nt},
        lambda g: p.records.services[g["rec"]],
        lambda g: g.assign(
            id=[net.services[i].id for i in g["rec"]], name=[net.services[i].name for i in g["rec"]]
        ),
        "service",
    )
    tr = use & ((kind == _K["transfer"]) | (kind == _K["gauge"])) & (ed.transfer >= 0)
    grouped(
        tr,
        {"rec": ed.transfer, "a": nf, "b": nt},
        lambda g: p.records.transfers[g["rec"]],
        lambda g: g.assign(
            id=[net.transfers[i].id for i in g["rec"]],
            name=[
                f"{names[ids[a]]}: {net.transfers[i].from_mode} -> "
                f"{net.transfers[i].to_mode} ({net.transfers[i].method})"
                for i, a in zip(g["rec"], g["a"], strict=True)
            ],
        ),
        "transfer",
    )
    if len(net.borders):
        rec = np.concatenate([ed.border_from, ed.border_to])
        sel = np.concatenate([use, use]) & (rec >= 0)
        bflow = np.bincount(
            rec[sel], weights=np.concatenate([flow, flow])[sel], minlength=len(net.borders)
        )
        seen = np.zeros(len(net.borders), dtype=bool)
        seen[rec[sel]] = True
        bi = np.flatnonzero(seen)
        frames.append(
            pd.DataFrame(
                {
                    "kind": "border",
                    "id": [net.borders[i].id for i in bi],
                    "name": [
                        f"{names[net.borders[i].node]} {net.borders[i].direction} "
                        f"({net.borders[i].mode or 'all modes'})"
                        for i in bi
                    ],
                    "a": [comp.node_index(net.borders[i].node) for i in bi],
                    "flow": bflow[bi],
                    "capacity": p.records.borders[bi],
                }
            )
        )
        frames[-1]["b"] = frames[-1]["a"]
    ni = np.flatnonzero((res.node_flow > 0) | np.isfinite(p.node_capacity))
    frames.append(
        pd.DataFrame(
            {
                "kind": "node",
                "id": [ids[i] for i in ni],
                "name": [names[ids[i]] for i in ni],
                "a": ni,
                "b": ni,
                "flow": res.node_flow[ni],
                "capacity": p.node_capacity[ni],
            }
        )
    )
    df = pd.concat(frames, ignore_index=True)
    node_ids = np.asarray(ids, dtype=object)
    df["from_node"] = node_ids[df["a"].to_numpy(dtype=np.int64)]
    df["to_node"] = node_ids[df["b"].to_numpy(dtype=np.int64)]
    df["utilisation"] = df["flow"] / df["capacity"]
    out: pd.DataFrame = df[_COLS].reset_index(drop=True)
    out["unit"] = res.unit
    return out
