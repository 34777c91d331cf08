"""Link networks with BPR delays and their trip tables: the records a traffic equilibrium reads.

A :class:`LinkNetwork` is the field's standard road model (the TNTP format,
:mod:`corridor_twin.io.tntp`): directed links between integer node ids, each
with a capacity, a length, a free-flow time and the Bureau of Public Roads
delay ``fft * (1 + b * (volume / capacity) ** power)``, a toll, and the
generalized-cost weights that turn toll and length into time. Nodes whose id
is below ``first_thru_node`` are zones: trips start and end there but never
pass through. A :class:`TripTable` holds the demand between node ids.

Both are frozen: arrays are read-only copies. Quantities are in the network's
own units (``units`` names them, e.g. minutes and feet for Anaheim), since
the published test networks mix them.

Examples
--------
>>> import numpy as np
>>> net = LinkNetwork(from_node=np.array([1, 1, 2]), to_node=np.array([2, 3, 3]),
...                   capacity=np.full(3, 10.0), length=np.array([1.0, 3.0, 1.0]),
...                   free_flow_time=np.array([1.0, 3.0, 1.0]))
>>> net
<LinkNetwork 3 nodes, 3 links, first thru node 1>
>>> TripTable(origin=np.array([1]), destination=np.array([3]), demand=np.array([5.0])).total
5.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from corridor_twin._typing import FloatArray, IntArray
from corridor_twin.errors import DataError

__all__ = ["LinkNetwork", "TripTable"]


def _frozen(values: npt.ArrayLike, dtype: Any, name: str, n: int | None = None) -> Any:
    arr = np.array(values, dtype=dtype, copy=True).reshape(-1)
    if n is not None and arr.shape[0] != n:
        raise DataError(f"{name} has {arr.shape[0]} values, expected {n} (one per link)")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise DataError(f"{name}[{bad}] is not a finite number")
    arr.setflags(write=False)
    return arr


def _check_min(arr: FloatArray, name: str, low: float, strict: bool, net: LinkNetwork) -> None:
    bad = arr <= low if strict else arr < low
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        rel = ">" if strict else ">="
        raise DataError(
            f"link {int(net.from_node[i])}->{int(net.to_node[i])} (index {i}): "
            f"{name} must be {rel} {low:g}, got {arr[i]:g}"
        )


@dataclass(frozen=True, eq=False)
class LinkNetwork:
    """Directed links with BPR delays, tolls and lengths, between integer node ids.

    Parameters
    ----------
    from_node, to_node
        Tail and head node id of each link.
    capacity
        Capacity per link (> 0), in the network's volume per period (veh/h in TNTP).
    length
        Length per link (>= 0), in the network's distance unit.
    free_flow_time
        Free-flow travel time per link (>= 0; zero is allowed), in the
        network's time unit.
    b, power
        BPR parameters per link (>= 0); default (empty) 0.15 and 4.
    toll
        Toll per link (>= 0), in the network's money unit; default (empty) 0.
    link_type
        Integer type per link (informative); default (empty) 1.
    first_thru_node
        Nodes with an id below this are zones that flows may not pass
        through; default 1 (none).
    toll_factor, distance_factor
        Generalized-cost weights: time units per toll unit and per distance
        unit (Chicago Sketch: 0.02 min/cent and 0.04 min/mile); default 0.
    nodes
        All node ids (default, empty: those the links name).
    name
        A label.
    units
        The network's units, e.g. ``{"time": "min", "distance": "ft"}``.
    """

    from_node: IntArray
    to_node: IntArray
    capacity: FloatArray
    length: FloatArray
    free_flow_time: FloatArray
    b: FloatArray = field(default_factory=lambda: np.empty(0))
    power: FloatArray = field(default_factory=lambda: np.empty(0))
    toll: FloatArray = field(default_factory=lambda: np.empty(0))
    link_type: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    first_thru_node: int = 1
    toll_factor: float = 0.0
    distance_factor: float = 0.0
    nodes: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    name: str = ""
    units: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "from_node", _frozen(self.from_node, np.int64, "from_node"))
        m = int(self.from_node.shape[0])
        set_(self, "to_node", _frozen(self.to_node, np.int64, "to_node", m))
        for name in ("capacity", "length", "free_flow_time"):
            set_(self, name, _frozen(getattr(self, name), np.float64, name, m))
        for name, default in (("b", 0.15), ("power", 4.0), ("toll", 0.0)):
            value = np.asarray(getattr(self, name), dtype=np.float64)
            set_(
                self,
                name,
                _frozen(np.full(m, default) if value.size == 0 else value, np.float64, name, m),
            )
        lt = np.asarray(self.link_type)
        set_(
            self, "link_type", _frozen(np.ones(m) if lt.size == 0 else lt, np.int64, "link_type", m)
        )
        ends = np.union1d(self.from_node, self.to_node)
        given = np.asarray(self.nodes, dtype=np.int64)
        nodes = ends if given.size == 0 else np.unique(given)
        missing = np.setdiff1d(ends, nodes)
        if missing.size:
            raise DataError(f"links name node {int(missing[0])}, which is not among the nodes")
        set_(self, "nodes", _frozen(nodes, np.int64, "nodes"))
        set_(self, "units", dict(self.units))
        _check_min(self.capacity, "capacity", 0.0, True, self)
        for name in ("length", "free_flow_time", "b", "power", "toll"):
            _check_min(getattr(self, name), name, 0.0, False, self)
        for name in ("toll_factor", "distance_factor"):
            weight = float(getattr(self, name))
            if not math.isfinite(weight) or weight < 0:
                raise DataError(f"{name} must be a finite number >= 0, got {weight}")
            set_(self, name, weight)
        set_(self, "first_thru_node", int(self.first_thru_node))

    @property
    def n_links(self) -> int:
        """Number of links."""
        return int(self.from_node.shape[0])

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.nodes.shape[0])

    def with_weights(
        self, *, toll_factor: float | None = None, distance_factor: float | None = None
    ) -> LinkNetwork:
        """A copy with other generalized-cost weights (None keeps the current one)."""
        from dataclasses import replace

        return replace(
            self,
            toll_factor=self.toll_factor if toll_factor is None else toll_factor,
            distance_factor=self.distance_factor if distance_factor is None else distance_factor,
        )

    def scaled(self, *, capacity: float = 1.0) -> LinkNetwork:
        """A copy with every capacity multiplied by ``capacity``."""
        from dataclasses import replace

        return replace(self, capacity=self.capacity * capacity)

    def to_frame(self) -> Any:
        """One row per link: from, to, capacity, length, free_flow_time, b, power, toll, type."""
        import pandas as pd

        return pd.DataFrame(
            {
                "from": self.from_node,
                "to": self.to_node,
                "capacity": self.capacity,
                "length": self.length,
                "free_flow_time": self.free_flow_time,
                "b": self.b,
                "power": self.power,
                "toll": self.toll,
                "link_type": self.link_type,
            }
        )

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (
            f"<LinkNetwork{label} {self.n_nodes} nodes, {self.n_links} links, "
            f"first thru node {self.first_thru_node}>"
        )


@dataclass(frozen=True, eq=False)
class TripTable:
    """Demand between node ids (volume per period, the network's unit).

    Parameters
    ----------
    origin, destination
        Node id per pair.
    demand
        Trips per pair (>= 0).
    """

    origin: IntArray
    destination: IntArray
    demand: FloatArray

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "origin", _frozen(self.origin, np.int64, "origin"))
        n = int(self.origin.shape[0])
        set_(self, "destination", _frozen(self.destination, np.int64, "destination", n))
        set_(self, "demand", _frozen(self.demand, np.float64, "demand", n))
        if (self.demand < 0).any():
            i = int(np.flatnonzero(self.demand < 0)[0])
            raise DataError(
                f"demand {int(self.origin[i])}->{int(self.destination[i])} is "
                f"negative ({self.demand[i]:g})"
            )

    @property
    def total(self) -> float:
        """Sum of all trips."""
        return float(self.demand.sum())

    def scaled(self, factor: float) -> TripTable:
        """A copy with every demand multiplied by ``factor``."""
        return TripTable(self.origin, self.destination, self.demand * factor)

    def to_frame(self) -> Any:
        """One row per pair: origin, destination, demand."""
        import pandas as pd

        return pd.DataFrame(
            {"origin": self.origin, "destination": self.destination, "demand": self.demand}
        )

    def __repr__(self) -> str:
        return (
            f"<TripTable {self.origin.shape[0]} pairs, "
            f"{len(np.unique(self.origin))} origins, total {self.total:,.6g}>"
        )
