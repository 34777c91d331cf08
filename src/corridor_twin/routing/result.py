"""Route results: legs, routes and route sets, each with ``.to_frame()``."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor_twin._typing import FloatArray, Int32Array, IntArray
from corridor_twin.network.model import Network
from corridor_twin.network.schema import MODES
from corridor_twin.routing.places import describe_via, key_nodes

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["WAIT_KINDS", "Leg", "LegData", "Route", "RouteSet"]

WAIT_KINDS = ("service", "border", "transfer", "gauge", "dwell")
"""Kinds of waiting time a leg reports: for a scheduled service, at a border,
for a mode transfer, for a gauge change, and node dwell (e.g. loco change)."""


@dataclass(frozen=True)
class Leg:
    """One run over a link, with the node operations before it.

    Times in hours, money in USD and emissions in kg CO2e, all per shipment
    unit (one TEU for containers, one tonne for bulk). The waits are the
    operations that happen at ``from_node`` before departing (and, on the
    last leg, at ``to_node`` after arriving), and border clearance at either
    end of a link that crosses a border.
    """

    from_node: str
    to_node: str
    from_name: str
    to_name: str
    mode: str
    link: str
    service: str | None
    length_km: float
    travel_h: float
    wait_service_h: float
    wait_border_h: float
    wait_transfer_h: float
    wait_gauge_h: float
    wait_dwell_h: float
    cost_usd: float
    co2e_kg: float
    wtt_kg: float
    ttw_kg: float
    operations: tuple[str, ...] = ()
    departure: datetime | None = None
    arrival: datetime | None = None

    @property
    def wait_h(self) -> float:
        """All waiting time of the leg."""
        return (
            self.wait_service_h
            + self.wait_border_h
            + self.wait_transfer_h
            + self.wait_gauge_h
            + self.wait_dwell_h
        )

    @property
    def time_h(self) -> float:
        """Travel plus waiting time."""
        return self.travel_h + self.wait_h


_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday: clock hours count from here
_WAIT_COLS = tuple(f"wait_{k}_h" for k in WAIT_KINDS)
_SUM_COLS = ("length_km", "travel_h", *_WAIT_COLS, "cost_usd", "co2e_kg", "wtt_kg", "ttw_kg")


@dataclass(frozen=True, eq=False)
class LegData:
    """Per-leg columns of a route (arrays, one entry per leg).

    Node, link and service columns hold indices into the network's tables;
    ``departure_h``/``arrival_h`` are hours after Monday 2024-01-01 00:00 UTC
    (timetable routing only).
    """

    network: Network
    node_from: IntArray
    node_to: IntArray
    mode: IntArray
    link: IntArray
    service: IntArray
    columns: dict[str, FloatArray]
    operations: tuple[tuple[str, ...], ...]
    departure_h: FloatArray | None = None
    arrival_h: FloatArray | None = None

    def __len__(self) -> int:
        return int(self.node_from.shape[0])


@dataclass(frozen=True)
class Route:
    """A route from origin to destination for one cargo.

    Attributes
    ----------
    origin, destination
        Node ids.
    commodity, unit
        The cargo and the unit every figure is given per (``teu`` or ``t``).
    objective
        What was minimised, and ``objective_value`` its value.
    legs
        The legs in order (built on first access from the per-leg columns).
    """

    origin: str
    destination: str
    commodity: str
    unit: str
    objective: str
    objective_value: float
    data: LegData = field(repr=False, compare=False)
    edges: Int32Array = field(
        repr=False, compare=False, default_factory=lambda: np.empty(0, np.int32)
    )

    @functools.cached_property
    def legs(self) -> tuple[Leg, ...]:
        """The legs in order."""
        d = self.data
        net = d.network
        nodes, links, services = net.nodes, net.links, net.services
        cols = {k: v.tolist() for k, v in d.columns.items()}
        out = []
        for i in range(len(d)):
            a, b = nodes[d.node_from[i]], nodes[d.node_to[i]]
            si = int(d.service[i])
            out.append(
                Leg(
                    from_node=a.id,
                    to_node=b.id,
                    from_name=a.name,
                    to_name=b.name,
                    mode=MODES[d.mode[i]],
                    link=links[d.link[i]].id,
                    service=services[si].id if si >= 0 else None,
                    operations=d.operations[i],
                    departure=None
                    if d.departure_h is None
                    else _EPOCH + timedelta(hours=float(d.departure_h[i])),
                    arrival=None
                    if d.arrival_h is None
                    else _EPOCH + timedelta(hours=float(d.arrival_h[i])),
                    **{k: cols[k][i] for k in _SUM_COLS},
                )
            )
        return tuple(out)

    # Totals -------------------------------------------------------------------------------
    def _sum(self, name: str) -> float:
        if name == "time_h":
            return self._sum("travel_h") + self._sum("wait_h")
        if name == "wait_h":
            return float(sum(self._sum(c) for c in _WAIT_COLS))
        return float(self.data.columns[name].sum())

    @property
    def time_h(self) -> float:
        """Door-to-door time, waits included."""
        return self._sum("time_h")

    @property
    def time_days(self) -> float:
        """Door-to-door time in days."""
        return self.time_h / 24.0

    @property
    def travel_h(self) -> float:
        """Time moving."""
        return self._sum("travel_h")

    @property
    def wait_h(self) -> float:
        """Time waiting, all kinds."""
        return self._sum("wait_h")

    @property
    def waits_h(self) -> dict[str, float]:
        """Waiting time by kind (see :data:`WAIT_KINDS`)."""
        return {k: self._sum(f"wait_{k}_h") for k in WAIT_KINDS}

    @property
    def cost_usd(self) -> float:
        """Money cost per unit."""
        return self._sum("cost_usd")

    @property
    def co2e_kg(self) -> float:
        """Well-to-wheel emissions per unit."""
        return self._sum("co2e_kg")

    @property
    def wtt_kg(self) -> float:
        """Well-to-tank emissions per unit."""
        return self._sum("wtt_kg")

    @property
    def ttw_kg(self) -> float:
        """Tank-to-wheel emissions per unit."""
        return self._sum("ttw_kg")

    @property
    def length_km(self) -> float:
        """Distance."""
        return self._sum("length_km")

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node ids along the route."""
        d = self.data
        if not len(d):
            return (self.origin,)
        ids = [n.id for n in d.network.nodes]
        return (ids[d.node_from[0]], *(ids[i] for i in d.node_to.tolist()))

    @property
    def key_nodes(self) -> tuple[str, ...]:
        """Node ids of the route's key places: borders crossed, mode and gauge
        changes (see :func:`~corridor_twin.routing.places.key_nodes`)."""
        d = self.data
        return key_nodes(d.network, self.nodes, [MODES[m] for m in d.mode.tolist()], d.operations)

    @property
    def via(self) -> str:
        """The route named by its key places, e.g. ``"via Khorgos, Aktau, Alat, Poti"``."""
        return describe_via(self.data.network, self.key_nodes)

    @property
    def modes(self) -> tuple[str, ...]:
        """Modes used, in order, without repeats."""
        out: list[str] = []
        for m in self.data.mode.tolist():
            if not out or out[-1] != MODES[m]:
                out.append(MODES[m])
        return tuple(out)

    @property
    def departure(self) -> datetime | None:
        """Departure time, for timetable routing."""
        return self.legs[0].departure if self.legs else None

    @property
    def arrival(self) -> datetime | None:
        """Arrival time, for timetable routing."""
        return self.legs[-1].arrival if self.legs else None

    def totals(self) -> dict[str, Any]:
        """Totals as a flat dict."""
        out: dict[str, Any] = {
            "origin": self.origin,
            "destination": self.destination,
            "commodity": self.commodity,
            "unit": self.unit,
            "objective": self.objective,
            "objective_value": self.objective_value,
            "length_km": self.length_km,
            "time_h": self.time_h,
            "time_days": self.time_days,
            "travel_h": self.travel_h,
            "wait_h": self.wait_h,
        }
        out.update({f"wait_{k}_h": v for k, v in self.waits_h.items()})
        out.update(
            {
                "cost_usd": self.cost_usd,
                "co2e_kg": self.co2e_kg,
                "wtt_kg": self.wtt_kg,
                "ttw_kg": self.ttw_kg,
                "via": " > ".join(self.nodes),
                "key_places": self.via,
            }
        )
        if self.departure is not None:
            out["departure"] = self.departure.isoformat()
            out["arrival"] = self.arrival.isoformat() if self.arrival else None
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: totals and legs."""
        legs = []
        for leg in self.legs:
            d = asdict(leg)
            d["operations"] = list(leg.operations)
            d["time_h"] = leg.time_h
            for k in ("departure", "arrival"):
                d[k] = d[k].isoformat() if d[k] is not None else None
            legs.append(d)
        return {**self.totals(), "legs": legs}

    def to_frame(self) -> pd.DataFrame:
        """One row per leg: from, to, mode, km, hours, waits by kind, USD, kg CO2e."""
        import pandas as pd

        cols = [
            "from_node",
            "to_node",
            "from_name",
            "to_name",
            "mode",
            "link",
            "service",
            "length_km",
            "travel_h",
            *(f"wait_{k}_h" for k in WAIT_KINDS),
            "time_h",
            "cost_usd",
            "co2e_kg",
            "wtt_kg",
            "ttw_kg",
            "departure",
            "arrival",
            "operations",
        ]
        rows = []
        for leg in self.legs:
            d = asdict(leg)
            d["time_h"] = leg.time_h
            d["operations"] = "; ".join(leg.operations)
            rows.append([d[c] for c in cols])
        return pd.DataFrame(rows, columns=cols)

    def __repr__(self) -> str:
        return (
            f"<Route {self.origin}->{self.destination} {self.commodity}: "
            f"{self.time_days:.1f} d, {self.cost_usd:,.0f} USD/{self.unit}, "
            f"{self.co2e_kg:,.0f} kg CO2e/{self.unit}, {len(self.legs)} legs via "
            f"{' > '.join(self.nodes)}>"
        )


@dataclass(frozen=True)
class RouteSet(Sequence[Route]):
    """Several routes for one request (k shortest, or a Pareto set)."""

    routes: tuple[Route, ...]
    kind: str
    complete: bool = True

    def __len__(self) -> int:
        return len(self.routes)

    def __getitem__(self, i: int) -> Route:  # type: ignore[override]
        return self.routes[i]

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def to_frame(self) -> pd.DataFrame:
        """One row per route with its totals."""
        import pandas as pd

        return pd.DataFrame([{"rank": i + 1, **r.totals()} for i, r in enumerate(self.routes)])

    def legs_frame(self) -> pd.DataFrame:
        """All legs of all routes, with a ``rank`` column."""
        import pandas as pd

        frames = [r.to_frame().assign(rank=i + 1) for i, r in enumerate(self.routes)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def __repr__(self) -> str:
        inner = "\n  ".join(repr(r) for r in self.routes)
        return f"<RouteSet {self.kind}: {len(self.routes)} routes\n  {inner}>"
