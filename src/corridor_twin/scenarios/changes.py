"""Typed network changes: what a scenario does to a corridor network.

Every change is a frozen dataclass with a ``kind`` (its name in scenario
files) and a pure :meth:`~corridor_twin.scenarios.Change.apply` that returns a
new network. Each figure a change sets cites the change's provenance (the
scenario's source and year unless the change gives its own); scaled figures
are marked derived, with a note giving the factor and the old value.

Kinds (see :data:`CHANGE_KINDS`): capacity (``scale_capacity``,
``set_capacity``), structure (``add_node``, ``add_link``, ``add_record``,
``open_*``/``close_*``, ``set_status``), tariffs (``set_tariff``,
``scale_tariff``), borders (``set_border_delay``, ``scale_border_delay``), dwell
(``scale_dwell``),
services (``add_sailings``, ``add_ferry``, ``set_load_factor``), restrictions
(``lift_restriction``, ``impose_restriction``) and speeds (``scale_speed``,
``set_speed``). Demand changes live in :mod:`corridor_twin.scenarios.demand`.

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.scenarios import SetCapacity
>>> net = load_corridor()
>>> alat = SetCapacity(table="nodes", ids=("AZ_ALAT",), t_per_year=25e6, teu_per_year=5e5,
...                    source="assumption-corridor-twin", year=2025)
>>> new = alat.apply(net)
>>> new.node("AZ_ALAT").capacity_teu_per_year, net.node("AZ_ALAT").capacity_teu_per_year
(500000.0, 100000.0)
>>> new.node("AZ_ALAT").provenance_of("capacity_teu_per_year").source
'assumption-corridor-twin'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from corridor_twin.errors import ScenarioError
from corridor_twin.network.model import Network, Provenance
from corridor_twin.scenarios._base import (
    Change,
    Event,
    as_ids,
    check_number,
    check_table,
    derive,
    fmt,
    require,
    singular,
    update,
)
from corridor_twin.scenarios.operations import (
    AddFerry,
    AddSailings,
    ScaleSpeed,
    SetLoadFactor,
    SetSpeed,
)
from corridor_twin.scenarios.structure import (
    AddLink,
    AddNode,
    AddRecord,
    CloseLink,
    CloseNode,
    CloseService,
    ImposeRestriction,
    LiftRestriction,
    OpenLink,
    OpenNode,
    OpenService,
    SetStatus,
    scale_fields,
)

__all__ = [
    "CAPACITY_FIELDS",
    "CHANGE_KINDS",
    "AddFerry",
    "AddLink",
    "AddNode",
    "AddRecord",
    "AddSailings",
    "Change",
    "CloseLink",
    "CloseNode",
    "CloseService",
    "Event",
    "ImposeRestriction",
    "LiftRestriction",
    "OpenLink",
    "OpenNode",
    "OpenService",
    "ScaleBorderDelay",
    "ScaleCapacity",
    "ScaleDwell",
    "ScaleSpeed",
    "ScaleTariff",
    "SetBorderDelay",
    "SetCapacity",
    "SetLoadFactor",
    "SetSpeed",
    "SetStatus",
    "SetTariff",
]

CAPACITY_FIELDS: Mapping[str, Mapping[str, str]] = {
    "nodes": {"t": "capacity_t_per_year", "teu": "capacity_teu_per_year"},
    "links": {"t": "capacity_t_per_year", "teu": "capacity_teu_per_year"},
    "transfers": {"t": "capacity_t_per_year", "teu": "capacity_teu_per_year"},
    "borders": {"t": "capacity_t_per_year", "teu": "capacity_teu_per_year"},
    "services": {"t": "capacity_t", "teu": "capacity_teu", "wagons": "capacity_wagons"},
}
"""Capacity attributes of each table by unit (services: per departure)."""

_TARIFF_FIELDS: Mapping[str, tuple[str, str]] = {
    "nodes": ("transit_cost_usd_per_teu", "transit_cost_usd_per_t"),
    "links": ("cost_usd_per_teu", "cost_usd_per_t"),
    "transfers": ("cost_usd_per_teu", "cost_usd_per_t"),
    "borders": ("cost_usd_per_teu", "cost_usd_per_t"),
    "services": ("cost_usd_per_teu", "cost_usd_per_t"),
}


# -- capacity -------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ScaleCapacity(Event):
    """Multiply the capacity of records by a factor.

    Parameters
    ----------
    table
        One of {nodes, links, transfers, borders, services}; for services the
        capacity per departure is scaled.
    ids
        Ids of the records.
    factor
        Multiplier, > 0 (to shut a record, close it).
    unit
        Which capacity, one of {both, t, teu}: ``both`` scales every capacity
        the record gives (wagons too, for services).

    Notes
    -----
    A record with no capacity in ``unit`` (unlimited) cannot be scaled; give
    it one with :class:`SetCapacity`. With a time window and
    ``events="annual"`` the annual capacity is scaled by
    ``1 - s + factor * s``, ``s`` the window's share of the year.

    Examples
    --------
    >>> from corridor_twin import load_corridor
    >>> net = load_corridor()
    >>> double = ScaleCapacity(table="links", ids=("GE_MAR-GE_AKH",), factor=2.0)
    >>> double.apply(net).link("GE_MAR-GE_AKH").capacity_t_per_year
    10000000.0
    """

    kind: ClassVar[str] = "scale_capacity"
    table: str
    ids: tuple[str, ...]
    factor: float
    unit: str = "both"

    def _check(self) -> None:
        check_table(self.table, self.kind, CAPACITY_FIELDS)
        self._set("ids", as_ids(self.ids, self.kind))
        self._set("factor", check_number(self.factor, self.kind, "factor", positive=True))
        if self.unit not in ("both", "t", "teu"):
            raise ScenarioError(
                f"'unit' must be one of {{both, t, teu}}, got {self.unit!r}",
                kind=self.kind,
                field="unit",
            )

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, self.table, self.ids, self.kind)
        by_unit = CAPACITY_FIELDS[self.table]
        names = tuple(by_unit.values()) if self.unit == "both" else (by_unit[self.unit],)
        factor = self.annual_factor(self.factor, events)
        how = f"scenario: x{self.factor:g}"
        if self.is_event and events == "annual":
            how += f" during {self.window_text()}, so x{factor:.6g} over the year"
        for rid in self.ids:
            rec = getattr(net, self.table)[net.index_of(self.table, rid)]
            if all(getattr(rec, n) is None for n in names):
                unit = "" if self.unit == "both" else f" in {self.unit}"
                raise ScenarioError(
                    f"{singular(self.table)} {rid!r} has no capacity{unit} to scale "
                    "(it is unlimited); give one with set_capacity",
                    field="ids",
                )
            net = scale_fields(net, self.table, rid, names, factor, prov, how)
        return net


@dataclass(frozen=True, kw_only=True)
class SetCapacity(Change):
    """Set the annual capacity of nodes, links, transfers or borders.

    Parameters
    ----------
    table
        One of {nodes, links, transfers, borders}.
    ids
        Ids of the records.
    t_per_year, teu_per_year
        New capacity in t/year and/or TEU/year (at least one, each > 0).
    """

    kind: ClassVar[str] = "set_capacity"
    table: str
    ids: tuple[str, ...]
    t_per_year: float | None = None
    teu_per_year: float | None = None

    def _check(self) -> None:
        check_table(self.table, self.kind, ("nodes", "links", "transfers", "borders"))
        self._set("ids", as_ids(self.ids, self.kind))
        for name in ("t_per_year", "teu_per_year"):
            value = check_number(getattr(self, name), self.kind, name, positive=True, optional=True)
            self._set(name, value)
        if self.t_per_year is None and self.teu_per_year is None:
            raise ScenarioError(
                "give 't_per_year' and/or 'teu_per_year'", kind=self.kind, field="t_per_year"
            )

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, self.table, self.ids, self.kind)
        values: dict[str, Any] = {}
        if self.t_per_year is not None:
            values["capacity_t_per_year"] = self.t_per_year
        if self.teu_per_year is not None:
            values["capacity_teu_per_year"] = self.teu_per_year
        for rid in self.ids:
            net = update(net, self.table, rid, values, prov)
        return net


# -- tariffs -----------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SetTariff(Change):
    """Set the tariff of links, services, transfers or borders (or a node's transit cost).

    Parameters
    ----------
    table
        One of {links, services, transfers, borders, nodes}; for nodes the
        transit cost is set.
    ids
        Ids of the records.
    usd_per_teu, usd_per_t
        New charge in USD/TEU and/or USD/t (at least one, each >= 0).
    """

    kind: ClassVar[str] = "set_tariff"
    table: str
    ids: tuple[str, ...]
    usd_per_teu: float | None = None
    usd_per_t: float | None = None

    def _check(self) -> None:
        check_table(self.table, self.kind, _TARIFF_FIELDS)
        self._set("ids", as_ids(self.ids, self.kind))
        for name in ("usd_per_teu", "usd_per_t"):
            self._set(name, check_number(getattr(self, name), self.kind, name, optional=True))
        if self.usd_per_teu is None and self.usd_per_t is None:
            raise ScenarioError(
                "give 'usd_per_teu' and/or 'usd_per_t'", kind=self.kind, field="usd_per_teu"
            )

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, self.table, self.ids, self.kind)
        teu, t = _TARIFF_FIELDS[self.table]
        values: dict[str, Any] = {}
        if self.usd_per_teu is not None:
            values[teu] = self.usd_per_teu
        if self.usd_per_t is not None:
            values[t] = self.usd_per_t
        for rid in self.ids:
            net = update(net, self.table, rid, values, prov)
        return net


@dataclass(frozen=True, kw_only=True)
class ScaleTariff(Change):
    """Multiply the tariffs a record gives by a factor (>= 0).

    Parameters
    ----------
    table
        One of {links, services, transfers, borders, nodes}.
    ids
        Ids of the records; each must give a tariff of its own (a link on the
        mode default has none: use :class:`SetTariff`).
    factor
        Multiplier, >= 0.
    """

    kind: ClassVar[str] = "scale_tariff"
    table: str
    ids: tuple[str, ...]
    factor: float

    def _check(self) -> None:
        check_table(self.table, self.kind, _TARIFF_FIELDS)
        self._set("ids", as_ids(self.ids, self.kind))
        self._set("factor", check_number(self.factor, self.kind, "factor"))

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, self.table, self.ids, self.kind)
        names = _TARIFF_FIELDS[self.table]
        for rid in self.ids:
            rec = getattr(net, self.table)[net.index_of(self.table, rid)]
            if all(getattr(rec, n) is None for n in names):
                raise ScenarioError(
                    f"{singular(self.table)} {rid!r} has no tariff of its own to scale; "
                    "give one with set_tariff",
                    field="ids",
                )
            net = scale_fields(net, self.table, rid, names, self.factor, prov, f"x{self.factor:g}")
        return net


# -- borders -----------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class _BorderChange(Event):
    """Selects border records by id, or by node (and direction, mode)."""

    ids: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    direction: str | None = None

    def _check_selection(self) -> None:
        self._set("ids", as_ids(self.ids, self.kind, required=False))
        self._set("nodes", as_ids(self.nodes, self.kind, "nodes", required=False))
        if bool(self.ids) == bool(self.nodes):
            raise ScenarioError(
                "give border 'ids', or 'nodes' (with an optional 'direction'), not both",
                kind=self.kind,
                field="ids",
            )
        if self.direction not in (None, "entry", "exit"):
            raise ScenarioError(
                f"'direction' must be one of {{entry, exit}}, got {self.direction!r}",
                kind=self.kind,
                field="direction",
            )

    def selected(self, net: Network) -> tuple[str, ...]:
        """Ids of the border records the change acts on."""
        if self.ids:
            require(net, "borders", self.ids, self.kind)
            return self.ids
        require(net, "nodes", self.nodes, self.kind, "nodes")
        hits = tuple(
            b.id
            for b in net.borders
            if b.node in self.nodes and self.direction in (None, b.direction)
        )
        if not hits:
            where = ", ".join(self.nodes)
            raise ScenarioError(f"no border records at {where}", field="nodes")
        return hits


@dataclass(frozen=True, kw_only=True)
class SetBorderDelay(_BorderChange):
    """Set the clearance time of border records.

    Parameters
    ----------
    ids
        Border record ids; or
    nodes, direction
        Node ids whose border records (optionally only one direction, one of
        {entry, exit}) change.
    dwell_h
        New clearance time in hours (>= 0), waiting included.

    Notes
    -----
    With a window and ``events="annual"`` the dwell becomes the year's
    average, ``old + (new - old) * s``.
    """

    kind: ClassVar[str] = "set_border_delay"
    dwell_h: float

    def _check(self) -> None:
        self._check_selection()
        self._set("dwell_h", check_number(self.dwell_h, self.kind, "dwell_h"))

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        for rid in self.selected(net):
            old = net.borders[net.index_of("borders", rid)].dwell_h
            if self.is_event and events == "annual":
                s = self.share_of_year
                new = old + (self.dwell_h - old) * s
                p = derive(
                    prov,
                    f"{fmt(self.dwell_h)} h during {self.window_text()}: "
                    f"year average {new:.4g} h (was {fmt(old)} h)",
                )
            else:
                new, p = self.dwell_h, prov
            net = update(net, "borders", rid, {"dwell_h": new}, p)
        return net


@dataclass(frozen=True, kw_only=True)
class ScaleBorderDelay(_BorderChange):
    """Multiply the clearance time of border records by a factor (>= 0).

    Parameters
    ----------
    ids, nodes, direction
        The border records, as for :class:`SetBorderDelay`.
    factor
        Multiplier, >= 0.

    Examples
    --------
    >>> from corridor_twin import load_corridor
    >>> net = load_corridor()
    >>> slow = ScaleBorderDelay(nodes=("AZ_BKS",), direction="exit", factor=2.0)
    >>> slow.apply(net).borders[net.index_of("borders", "B_AZ_BKS_OUT")].dwell_h
    16.4
    """

    kind: ClassVar[str] = "scale_border_delay"
    factor: float

    def _check(self) -> None:
        self._check_selection()
        self._set("factor", check_number(self.factor, self.kind, "factor"))

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        factor = self.annual_factor(self.factor, events)
        how = f"scenario: x{self.factor:g}"
        if self.is_event and events == "annual":
            how += f" during {self.window_text()}, so x{factor:.6g} on average"
        for rid in self.selected(net):
            net = scale_fields(net, "borders", rid, ("dwell_h",), factor, prov, how)
        return net


# -- dwell -------------------------------------------------------------------------
_DWELL_FIELDS: Mapping[str, str] = {"transfers": "dwell_h", "nodes": "transit_dwell_h"}


@dataclass(frozen=True, kw_only=True)
class ScaleDwell(Event):
    """Multiply the dwell of transfers (mode or gauge changes) or nodes' transit dwell.

    Parameters
    ----------
    table
        One of {transfers, nodes}: a transfer's ``dwell_h`` or a node's
        ``transit_dwell_h`` (e.g. a locomotive change) is scaled.
    ids
        Record ids.
    factor
        Multiplier, >= 0.

    Notes
    -----
    A record without a dwell cannot be scaled. With a time window and
    ``events="annual"`` the dwell is scaled by ``1 - s + factor * s``, ``s``
    the window's share of the year.

    Examples
    --------
    >>> from corridor_twin import load_corridor
    >>> net = load_corridor()
    >>> fast = ScaleDwell(table="transfers", ids=("T_KZ_DOS_CONT",), factor=0.5)
    >>> fast.apply(net).transfers[net.index_of("transfers", "T_KZ_DOS_CONT")].dwell_h
    2.125
    """

    kind: ClassVar[str] = "scale_dwell"
    table: str
    ids: tuple[str, ...]
    factor: float

    def _check(self) -> None:
        check_table(self.table, self.kind, _DWELL_FIELDS)
        self._set("ids", as_ids(self.ids, self.kind))
        self._set("factor", check_number(self.factor, self.kind, "factor"))

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, self.table, self.ids, self.kind)
        name = _DWELL_FIELDS[self.table]
        factor = self.annual_factor(self.factor, events)
        how = f"scenario: x{self.factor:g}"
        if self.is_event and events == "annual":
            how += f" during {self.window_text()}, so x{factor:.6g} on average"
        for rid in self.ids:
            rec = getattr(net, self.table)[net.index_of(self.table, rid)]
            if getattr(rec, name) is None:
                raise ScenarioError(
                    f"{singular(self.table)} {rid!r} has no {name} to scale", field="ids"
                )
            net = scale_fields(net, self.table, rid, (name,), factor, prov, how)
        return net


CHANGE_KINDS: Mapping[str, type[Change]] = {
    cls.kind: cls
    for cls in (
        ScaleCapacity,
        SetCapacity,
        AddNode,
        AddLink,
        AddRecord,
        OpenNode,
        CloseNode,
        OpenLink,
        CloseLink,
        OpenService,
        CloseService,
        SetStatus,
        SetTariff,
        ScaleTariff,
        SetBorderDelay,
        ScaleBorderDelay,
        ScaleDwell,
        AddSailings,
        AddFerry,
        SetLoadFactor,
        LiftRestriction,
        ImposeRestriction,
        ScaleSpeed,
        SetSpeed,
    )
}
"""Every network change class by its ``kind``."""
