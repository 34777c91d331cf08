"""Annual capacity of every link, service, transfer, border and node, in t or TEU.

Capacities come from the records: links, transfers, borders and nodes give
``capacity_t_per_year`` and/or ``capacity_teu_per_year``; a scheduled service
gives its capacity per departure, from which
:func:`~corridor_twin.network.compile.service_capacity_per_year` derives the
annual capacity per direction (departures per week x 52 x capacity per
departure x availability x load factor), so adding a ferry or a sailing
raises it. A record that gives no capacity is *unlimited* (``inf``); there is
no silent default.

:func:`capacity_table` lists every figure with where it comes from;
:func:`edge_capacity` and :func:`node_capacity` give the same figures as
arrays over the compiled network, for the flow algorithms.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> table = capacity_table(load_corridor(), unit="teu")
>>> row = table.get("service", "S_ASCO_KUR_ALAT")[0]
>>> round(row.capacity), row.basis
(32308, 'derived')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from corridor_twin._typing import FloatArray
from corridor_twin.errors import OptionError
from corridor_twin.network.compile import CompiledNetwork, service_capacity_per_year
from corridor_twin.network.compiled import CacheSlot
from corridor_twin.network.model import Network
from corridor_twin.network.records import Border, Link, Node, Provenance, Service, Transfer

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CAPACITY_KINDS",
    "UNITS",
    "CapacityEntry",
    "CapacityTable",
    "RecordCapacities",
    "capacity_table",
    "edge_capacity",
    "node_capacity",
    "record_capacities",
    "teu_loading",
]

UNITS = ("t", "teu")
"""Units a capacity can be expressed in: tonnes or TEU per year."""
CAPACITY_KINDS = ("link", "service", "transfer", "border", "node")
"""Kinds of capacity-bearing elements."""
_Capacitated = Node | Link | Transfer | Border | Service
_EK = {"link": 0, "ride": 1, "transfer": 5, "gauge": 6}  # indices into EDGE_KINDS
_FIELD = {"t": "capacity_t_per_year", "teu": "capacity_teu_per_year"}
_SVC_FIELD = {"t": "capacity_t", "teu": "capacity_teu"}


def check_unit(unit: str) -> str:
    """The unit, lower-cased, if it is one of :data:`UNITS`; else raise OptionError."""
    u = unit.lower()
    if u not in UNITS:
        raise OptionError(f"unknown unit {unit!r}; choose from {{{', '.join(UNITS)}}}")
    return u


def teu_loading(net: Network) -> float:
    """Tonnes per TEU used to convert capacities: the network's TEU commodity, else 10 t."""
    return next(
        (float(c.t_per_teu) for c in net.commodities if c.unit == "teu" and c.t_per_teu), 10.0
    )


def _pick(
    t: float | None, teu: float | None, unit: str, t_per_teu: float, convert: bool
) -> tuple[float, str]:
    """A capacity in ``unit`` and its basis (given, converted, unlimited)."""
    given, other = (t, teu) if unit == "t" else (teu, t)
    if given is not None and not np.isnan(given):
        return float(given), "given"
    if convert and other is not None and not np.isnan(other):
        return float(other) * t_per_teu if unit == "t" else float(other) / t_per_teu, "converted"
    return float("inf"), "unlimited"


@dataclass(frozen=True, eq=False)
class RecordCapacities:
    """Annual capacity of every record of each table in one unit (``inf`` = unlimited).

    Arrays are in table order (``net.links``, ``net.services``...), per
    direction for links and services.
    """

    unit: str
    t_per_teu: float
    links: FloatArray
    services: FloatArray
    transfers: FloatArray
    borders: FloatArray
    nodes: FloatArray


def record_capacities(
    net: Network, unit: str = "t", *, convert: bool = True, t_per_teu: float | None = None
) -> RecordCapacities:
    """Capacity of every link, service, transfer, border and node in ``unit``.

    Parameters
    ----------
    net
        The network.
    unit : {"t", "teu"}
        Tonnes or TEU per year.
    convert
        Convert a record's figure from the other unit when it gives none in
        ``unit`` (default). Off: such records are unlimited.
    t_per_teu
        Tonnes per TEU for the conversion (default :func:`teu_loading`).

    Returns
    -------
    RecordCapacities

    Notes
    -----
    A record that gives a figure in the requested unit uses it as given;
    one that gives only the other unit is converted at ``t_per_teu`` (the
    network's TEU commodity loading, 10 t/TEU in the bundled corridor). The
    conversion assumes cargo of that density: a terminal rated in TEU limits
    bulk tonnage only as far as the TEU rating times that loading.
    """
    u = check_unit(unit)
    k = teu_loading(net) if t_per_teu is None else float(t_per_teu)
    if k <= 0:
        raise OptionError(f"t_per_teu must be > 0, got {k}")

    def arr(records: Iterable[Node | Link | Transfer | Border]) -> FloatArray:
        return np.asarray(
            [
                _pick(r.capacity_t_per_year, r.capacity_teu_per_year, u, k, convert)[0]
                for r in records
            ],
            dtype=np.float64,
        )

    svc = np.asarray(
        [_pick(*service_capacity_per_year(s), u, k, convert)[0] for s in net.services],
        dtype=np.float64,
    )
    out = RecordCapacities(
        u, k, arr(net.links), svc, arr(net.transfers), arr(net.borders), arr(net.nodes)
    )
    for a in (out.links, out.services, out.transfers, out.borders, out.nodes):
        a.setflags(write=False)
    return out


# Record capacities per compiled network, by (unit, convert, t_per_teu).
_RECORD_CAPACITIES: CacheSlot[tuple[str, bool, float | None], RecordCapacities] = CacheSlot(
    "flow.record_capacities", size=16
)


def _cached(comp: CompiledNetwork, unit: str, convert: bool, k: float | None) -> RecordCapacities:
    u = check_unit(unit)
    return _RECORD_CAPACITIES.get(
        comp,
        (u, convert, k),
        lambda: record_capacities(comp.network, u, convert=convert, t_per_teu=k),
    )


def edge_capacity(
    comp: CompiledNetwork,
    unit: str = "t",
    *,
    borders: bool = True,
    convert: bool = True,
    t_per_teu: float | None = None,
) -> FloatArray:
    """Annual capacity of every compiled edge in ``unit`` (``inf`` = unlimited).

    ``link`` edges carry their link's capacity; ``ride`` edges the smaller of
    the link's and the service's (from its service data); ``transfer`` and
    ``gauge`` edges their transfer's; every other edge (boarding, alighting,
    dwell, loading) is unlimited. With ``borders``, an edge that crosses a
    border also takes the smaller of its exit and entry border capacities.

    Parameters
    ----------
    comp
        The compiled network.
    unit : {"t", "teu"}
        Tonnes or TEU per year.
    borders
        Apply border capacities to cross-border edges (default).
    convert, t_per_teu
        See :func:`record_capacities`.

    Returns
    -------
    numpy.ndarray
        float64, one value per edge, read-only.

    Notes
    -----
    When a record gives its capacity only in the other unit it is converted
    at ``t_per_teu``, by default the network's TEU commodity loading
    (``t_per_teu`` of the commodity whose unit is TEU; 10 t if none). The
    conversion is per record, before links and services are combined, so a
    link rated in tonnes and a ferry rated in TEU are compared in one unit.

    Each edge holds its record's full capacity: a border shared by several
    edges is applied to each of them here (:func:`~corridor_twin.flow.max_flow`
    shares it properly through a gate).

    Examples
    --------
    >>> from corridor_twin.data import load_corridor
    >>> comp = load_corridor().compiled()
    >>> cap = edge_capacity(comp, "teu")
    >>> cap.shape == (comp.n_edges,), bool(np.isinf(cap).any())
    (True, True)
    """
    caps = _cached(comp, unit, convert, t_per_teu)
    e = comp.edge
    kind = e.kind
    out = np.full(comp.n_edges, np.inf)
    on_link = ((kind == _EK["link"]) | (kind == _EK["ride"])) & (e.link >= 0)
    out[on_link] = caps.links[e.link[on_link]]
    ride = (kind == _EK["ride"]) & (e.service >= 0)
    out[ride] = np.minimum(out[ride], caps.services[e.service[ride]])
    tr = ((kind == _EK["transfer"]) | (kind == _EK["gauge"])) & (e.transfer >= 0)
    out[tr] = caps.transfers[e.transfer[tr]]
    if borders and len(caps.borders):
        for b in (e.border_from, e.border_to):
            has = b >= 0
            out[has] = np.minimum(out[has], caps.borders[b[has]])
    out.setflags(write=False)
    return out


def node_capacity(
    comp: CompiledNetwork,
    unit: str = "t",
    *,
    convert: bool = True,
    t_per_teu: float | None = None,
) -> FloatArray:
    """Annual throughput capacity of every physical node in ``unit`` (``inf`` = unlimited)."""
    return _cached(comp, unit, convert, t_per_teu).nodes


@dataclass(frozen=True, slots=True)
class CapacityEntry:
    """One capacity figure and where it comes from.

    Attributes
    ----------
    kind : {"link", "service", "transfer", "border", "node"}
        What the figure limits.
    id
        The record id.
    name
        A readable name.
    from_node, to_node
        Direction for links and services (capacities are per direction);
        the node for transfers, borders and nodes.
    capacity
        Annual capacity in the table's unit; ``inf`` when none is given.
    basis : {"given", "converted", "derived", "unlimited"}
        Given in the unit, converted from the other unit, derived from
        service data, or unlimited.
    figure
        The record field(s) the figure comes from.
    source, year, estimate
        Provenance of the figure (the record's when the field has none).
    status
        The record's status (closed and planned records are not compiled).
    note
        How the figure was obtained (formula, conversion).
    """

    kind: str
    id: str
    name: str
    from_node: str
    to_node: str
    capacity: float
    basis: str
    figure: str | None
    source: str | None
    year: int | None
    estimate: bool
    status: str
    note: str | None


@dataclass(frozen=True)
class CapacityTable:
    """Capacity of every element of a network in one unit; see :func:`capacity_table`."""

    unit: str
    t_per_teu: float
    entries: tuple[CapacityEntry, ...]

    def __iter__(self) -> Iterator[CapacityEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, kind: str, record_id: str) -> list[CapacityEntry]:
        """The entries of one record (two for a two-way link or service)."""
        return [x for x in self.entries if x.kind == kind and x.id == record_id]

    def limited(self) -> list[CapacityEntry]:
        """The entries with a finite capacity."""
        return [x for x in self.entries if np.isfinite(x.capacity)]

    def to_frame(self) -> pd.DataFrame:
        """One row per entry; ``capacity`` in the table's unit per year, ``unit`` column."""
        import pandas as pd

        cols = list(CapacityEntry.__dataclass_fields__)
        df = pd.DataFrame([[getattr(x, c) for c in cols] for x in self.entries], columns=cols)
        df.insert(6, "unit", self.unit)
        return df

    def __repr__(self) -> str:
        lim = self.limited()
        by = {b: sum(1 for x in lim if x.basis == b) for b in ("given", "converted", "derived")}
        unit = "TEU" if self.unit == "teu" else "t"
        return (
            f"<CapacityTable {unit}/year: {len(self.entries)} entries, {len(lim)} limited "
            f"({by['given']} given, {by['converted']} converted, {by['derived']} from service "
            f"data), {len(self.entries) - len(lim)} unlimited>"
        )


def _prov(rec: Node | Link | Transfer | Border | Service, field: str | None) -> Provenance:
    p: Provenance = rec.provenance_of(field) if field else rec.provenance
    return p


def capacity_table(
    net_or_comp: Network | CompiledNetwork,
    *,
    unit: str = "t",
    convert: bool = True,
    t_per_teu: float | None = None,
) -> CapacityTable:
    """Annual capacity of every link (per direction), service, transfer, border and node.

    Parameters
    ----------
    net_or_comp
        The network or its compiled form.
    unit : {"t", "teu"}
        Tonnes or TEU per year.
    convert, t_per_teu
        See :func:`record_capacities`.

    Returns
    -------
    CapacityTable
        Each figure with its basis, record field and provenance (source key
        and year); ``inf`` and basis ``"unlimited"`` where none is given.

    Examples
    --------
    >>> from corridor_twin.data import load_corridor
    >>> t = capacity_table(load_corridor(), unit="t")
    >>> t.get("node", "KZ_KUR")[0].capacity, t.get("node", "KZ_KUR")[0].source
    (6000000.0, 'astanatimes-2024-09')
    """
    net = net_or_comp.network if isinstance(net_or_comp, CompiledNetwork) else net_or_comp
    u = check_unit(unit)
    k = teu_loading(net) if t_per_teu is None else float(t_per_teu)
    names = {n.id: n.name for n in net.nodes}
    entries: list[CapacityEntry] = []

    def figure(
        rec: _Capacitated, t: float | None, teu: float | None
    ) -> tuple[float, str, str | None]:
        cap, basis = _pick(t, teu, u, k, convert)
        if basis == "unlimited":
            return cap, basis, None
        fld = _FIELD[u] if basis == "given" else _FIELD["teu" if u == "t" else "t"]
        return cap, basis, fld

    def add(
        kind: str,
        rec: _Capacitated,
        name: str,
        a: str,
        b: str,
        cap: float,
        basis: str,
        fld: str | None,
        note: str | None,
    ) -> None:
        p = _prov(rec, fld.split(",")[0] if fld else None)
        if basis == "converted":
            note = f"converted at {k:g} t/TEU" + (f"; {note}" if note else "")
        entries.append(
            CapacityEntry(
                kind,
                rec.id,
                name,
                a,
                b,
                cap,
                basis,
                fld,
                p.source if fld else None,
                p.year if fld else None,
                bool(p.estimate) if fld else False,
                getattr(rec, "status", "open"),
                note or (p.note if fld else None),
            )
        )

    for lk in net.links:
        cap, basis, fld = figure(lk, lk.capacity_t_per_year, lk.capacity_teu_per_year)
        name = f"{names.get(lk.from_node, lk.from_node)} - {names.get(lk.to_node, lk.to_node)}"
        ends = [(lk.from_node, lk.to_node)] + (
            [(lk.to_node, lk.from_node)] if lk.bidirectional else []
        )
        for a, b in ends:
            add("link", lk, f"{name} ({lk.mode})", a, b, cap, basis, fld, None)
    for s in net.services:
        cap_t, cap_teu = service_capacity_per_year(s)
        cap, basis = _pick(cap_t, cap_teu, u, k, convert)
        fld = None
        note = None
        if basis != "unlimited":
            src_u = u if basis == "given" else ("teu" if u == "t" else "t")
            per = _SVC_FIELD[src_u]
            freq = "departures" if s.departures else "sailings_per_week"
            fld = f"{per},{freq},availability,load_factor"
            n_week = len(s.departures) or s.sailings_per_week or 0
            note = (
                f"{n_week:g}/week x 52 x {getattr(s, per):g} "
                f"{'TEU' if src_u == 'teu' else 't'} x availability {s.availability:g} "
                f"x load factor {s.load_factor:g}"
            )
            basis = "derived" if basis == "given" else basis
        ends = [(s.stops[0], s.stops[-1])] + (
            [(s.stops[-1], s.stops[0])] if s.bidirectional else []
        )
        for a, b in ends:
            add("service", s, s.name, a, b, cap, basis, fld, note)
    for t in net.transfers:
        cap, basis, fld = figure(t, t.capacity_t_per_year, t.capacity_teu_per_year)
        fm = t.from_mode + (f":{t.from_gauge_mm}" if t.from_gauge_mm else "")
        tm = t.to_mode + (f":{t.to_gauge_mm}" if t.to_gauge_mm else "")
        name = f"{names.get(t.node, t.node)}: {fm} -> {tm} ({t.method})"
        add("transfer", t, name, t.node, t.node, cap, basis, fld, None)
    for bd in net.borders:
        cap, basis, fld = figure(bd, bd.capacity_t_per_year, bd.capacity_teu_per_year)
        name = f"{names.get(bd.node, bd.node)} {bd.direction} ({bd.mode or 'all modes'})"
        add("border", bd, name, bd.node, bd.node, cap, basis, fld, None)
    for n in net.nodes:
        cap, basis, fld = figure(n, n.capacity_t_per_year, n.capacity_teu_per_year)
        add("node", n, n.name, n.id, n.id, cap, basis, fld, None)
    return CapacityTable(u, k, tuple(entries))
