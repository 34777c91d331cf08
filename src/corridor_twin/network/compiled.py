"""The compiled (array) form of a network: CSR graph, typed edge arrays, typed caches.

:class:`CompiledNetwork` is what :func:`~corridor_twin.network.compile.compile_network`
returns and every algorithm reads. Its per-edge attributes are the fields of
one frozen record, :class:`EdgeArrays`, each declared once with its dtype,
unit, default and meaning (:data:`EDGE_FLOAT_ATTRS` and :data:`EDGE_INT_ATTRS`
are read from those declarations, so nothing can drift).

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> comp = load_corridor().compiled()
>>> comp.edge.travel_h.shape == (comp.n_edges,)
True
>>> "travel_h" in EDGE_FLOAT_ATTRS and "kind" in EDGE_INT_ATTRS
True
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import numpy as np
import numpy.typing as npt

from corridor_twin._typing import FloatArray, Int32Array, IntArray
from corridor_twin.network.schema import MODES

if TYPE_CHECKING:
    from corridor_twin.network.model import Network

__all__ = [
    "EDGE_FLOAT_ATTRS",
    "EDGE_INT_ATTRS",
    "EDGE_KINDS",
    "VERTEX_KINDS",
    "CacheSlot",
    "CompiledNetwork",
    "EdgeArrays",
    "class_label",
]

EDGE_KINDS = ("link", "ride", "board", "alight", "transit", "transfer", "gauge", "load", "unload")
VERTEX_KINDS = ("hub", "origin", "destination", "arrival", "departure", "aboard")


def class_label(key: int) -> str:
    """Human label of a class key (``rail:1520``, ``ferry``...)."""
    mode = MODES[key // 10000]
    gauge = key % 10000
    return f"{mode}:{gauge}" if mode == "rail" and gauge else mode


def _float(description: str, *, unit: str | None, default: float = 0.0) -> dict[str, object]:
    return {"dtype": "float64", "unit": unit, "default": default, "description": description}


def _int(description: str, *, default: int = -1) -> dict[str, object]:
    return {"dtype": "int32", "unit": None, "default": default, "description": description}


@dataclass(frozen=True, slots=True, eq=False)
class EdgeArrays:
    """Per-edge attributes of a compiled network: one read-only array per field.

    Float fields are ``float64``, integer fields ``int32``; each has one value
    per edge in CSR order. Record indices (``link``, ``service``, ...) are -1
    where the edge has none. Field metadata carries dtype, unit, default and
    description (see :func:`dataclasses.fields`).
    """

    travel_h: FloatArray = field(metadata=_float("Running time on a link or hop.", unit="h"))
    wait_service_h: FloatArray = field(metadata=_float("Expected wait to board.", unit="h"))
    wait_border_h: FloatArray = field(metadata=_float("Border processing.", unit="h"))
    wait_transfer_h: FloatArray = field(metadata=_float("Mode change time.", unit="h"))
    wait_gauge_h: FloatArray = field(metadata=_float("Gauge change time.", unit="h"))
    wait_dwell_h: FloatArray = field(metadata=_float("Dwell passing a node.", unit="h"))
    length_km: FloatArray = field(metadata=_float("Distance run.", unit="km"))
    cost_usd_per_teu: FloatArray = field(metadata=_float("Charge per TEU.", unit="USD/TEU"))
    cost_usd_per_t: FloatArray = field(metadata=_float("Charge per tonne.", unit="USD/t"))
    wtt_kg_per_t: FloatArray = field(metadata=_float("Well-to-tank CO2e.", unit="kg CO2e/t"))
    ttw_kg_per_t: FloatArray = field(metadata=_float("Tank-to-wheel CO2e.", unit="kg CO2e/t"))
    capacity_t_per_year: FloatArray = field(
        metadata=_float("Capacity in tonnes (NaN: none).", unit="t/year", default=np.nan)
    )
    capacity_teu_per_year: FloatArray = field(
        metadata=_float("Capacity in TEU (NaN: none).", unit="TEU/year", default=np.nan)
    )
    board_offset_h: FloatArray = field(
        metadata=_float("Running time from a service's first stop to this boarding.", unit="h")
    )
    kind: Int32Array = field(metadata=_int("Index into EDGE_KINDS."))
    mode: Int32Array = field(metadata=_int("Index into MODES (-1: none)."))
    gauge_mm: Int32Array = field(metadata=_int("Track gauge of a rail link (0: none).", default=0))
    link: Int32Array = field(metadata=_int("Index of the link in the network's table."))
    reverse: Int32Array = field(
        metadata=_int("1 when a two-way link is run to -> from.", default=0)
    )
    service: Int32Array = field(metadata=_int("Index of the service."))
    run: Int32Array = field(metadata=_int("Index of the service run (one direction of a service)."))
    transfer: Int32Array = field(metadata=_int("Index of the transfer."))
    border_from: Int32Array = field(metadata=_int("Index of the exit border record crossed."))
    border_to: Int32Array = field(metadata=_int("Index of the entry border record crossed."))
    node_from: Int32Array = field(metadata=_int("Physical node index at the tail."))
    node_to: Int32Array = field(metadata=_int("Physical node index at the head."))

    @classmethod
    def from_columns(
        cls, floats: Mapping[str, FloatArray], ints: Mapping[str, Int32Array]
    ) -> EdgeArrays:
        """Build from float and integer columns named as the fields (all of them)."""
        if tuple(floats) != EDGE_FLOAT_ATTRS or tuple(ints) != EDGE_INT_ATTRS:
            raise ValueError("edge columns must be exactly EDGE_FLOAT_ATTRS and EDGE_INT_ATTRS")
        columns: dict[str, npt.NDArray[Any]] = {**floats, **ints}
        return cls(**columns)

    def float_column(self, name: str) -> FloatArray:
        """A float attribute by name (for code that picks the attribute at run time)."""
        if name not in EDGE_FLOAT_ATTRS:
            known = ", ".join(EDGE_FLOAT_ATTRS)
            raise KeyError(f"no float edge attribute {name!r}; known: {known}")
        arr: FloatArray = getattr(self, name)
        return arr

    def int_column(self, name: str) -> Int32Array:
        """An integer attribute by name (for code that picks the attribute at run time)."""
        if name not in EDGE_INT_ATTRS:
            known = ", ".join(EDGE_INT_ATTRS)
            raise KeyError(f"no integer edge attribute {name!r}; known: {known}")
        arr: Int32Array = getattr(self, name)
        return arr

    def items(self) -> Iterator[tuple[str, npt.NDArray[np.float64] | npt.NDArray[np.int32]]]:
        """``(name, array)`` of every attribute, in declaration order."""
        for f in dataclasses.fields(self):
            yield f.name, getattr(self, f.name)


EDGE_FLOAT_ATTRS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(EdgeArrays) if f.metadata["dtype"] == "float64"
)
"""Names of the float64 edge attributes, from :class:`EdgeArrays`."""
EDGE_INT_ATTRS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(EdgeArrays) if f.metadata["dtype"] == "int32"
)
"""Names of the int32 edge attributes, from :class:`EdgeArrays`."""
EDGE_DEFAULTS: dict[str, float] = {
    f.name: f.metadata["default"] for f in dataclasses.fields(EdgeArrays)
}
"""Value of each edge attribute where compilation sets none."""

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CacheSlot(Generic[K, V]):
    """A typed, bounded cache kept on each compiled network, declared by its owner.

    The compiled arrays never change, so values derived from them (edge costs
    per request, record capacities, work-array pools) can be kept with them.
    The module that owns a value declares one slot with its key and value
    types; :meth:`get` then returns the right type without casts at the call.

    Examples
    --------
    >>> from corridor_twin.data import load_corridor
    >>> slot: CacheSlot[str, int] = CacheSlot("example", size=2)
    >>> comp = load_corridor().compiled()
    >>> slot.get(comp, "n", lambda: comp.n_edges) == comp.n_edges
    True
    """

    def __init__(self, name: str, *, size: int = 64) -> None:
        self.name = name
        self.size = size

    def get(self, comp: CompiledNetwork, key: K, make: Callable[[], V]) -> V:
        """The cached value under ``key``, made with ``make()`` on a miss (oldest dropped)."""
        store = comp._slot(self.name)
        try:
            return cast(V, store[key])
        except KeyError:
            pass
        value = make()
        # No lock: a race costs at most a value made twice (dict updates are atomic).
        store[key] = value
        while len(store) > self.size:
            store.popitem(last=False)
        return value

    def __repr__(self) -> str:
        return f"<CacheSlot {self.name!r} size={self.size}>"


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """Array form of a network (read-only; build with :func:`compile_network`).

    Edges are stored sorted by tail vertex, so the edge id is the CSR position:
    the out-edges of vertex ``v`` are ``indptr[v]:indptr[v+1]`` with heads
    ``indices``. ``rev_indptr``/``rev_edges`` list the in-edges of each vertex.
    Per-edge attributes are the arrays of :attr:`edge` (an :class:`EdgeArrays`):
    ``kind`` indexes :data:`EDGE_KINDS`; ``link``, ``service``, ``transfer``
    index the network's tables (-1 if none); ``node_from``/``node_to`` are
    physical node indices.
    """

    network: Network
    n_vertices: int
    indptr: IntArray
    indices: Int32Array
    tail: Int32Array
    rev_indptr: IntArray
    rev_edges: Int32Array
    edge: EdgeArrays
    vertex_node: Int32Array
    vertex_kind: Int32Array
    vertex_class: Int32Array
    origin_vertex: Int32Array
    destination_vertex: Int32Array
    node_ids: tuple[str, ...]
    node_country: tuple[str, ...]
    commodity_ids: tuple[str, ...]
    edge_commodity_mask: IntArray
    service_departures_h: tuple[FloatArray, ...]
    service_expected_wait_h: FloatArray
    # Values derived from the arrays, by cache slot name (see CacheSlot).
    _slots: dict[str, OrderedDict[Hashable, object]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def _slot(self, name: str) -> OrderedDict[Hashable, object]:
        return self._slots.setdefault(name, OrderedDict())

    @cached_property
    def country_array(self) -> npt.NDArray[np.str_]:
        """ISO country of each physical node as a read-only numpy array."""
        arr = np.asarray(self.node_country)
        arr.setflags(write=False)
        return arr

    @cached_property
    def node_names(self) -> dict[str, str]:
        """Readable name of each node id."""
        return {n.id: n.name for n in self.network.nodes}

    @cached_property
    def _node_index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.node_ids)}

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return int(self.indices.shape[0])

    def node_index(self, node_id: str) -> int:
        """Physical node index of a node id."""
        try:
            return self._node_index[node_id]
        except KeyError:
            self.network.node(node_id)  # raises UnknownNodeError with suggestions
            raise

    def __repr__(self) -> str:
        return (
            f"<CompiledNetwork {self.network.meta.name!r}: {self.n_vertices} vertices, "
            f"{self.n_edges} edges>"
        )
