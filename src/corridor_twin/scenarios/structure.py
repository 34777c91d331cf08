"""Structural changes: add records, open or close them, lift or impose restrictions.

These change what exists and what is usable; :mod:`~corridor_twin.scenarios.changes`
gathers them with the changes of figures (capacity, tariffs, speeds, ...).

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.scenarios import OpenLink, OpenNode
>>> net = load_corridor()
>>> tripp = OpenNode(ids=("AM_MEG",)).apply(net)
>>> tripp = OpenLink(ids=("AZ_HOR-AM_MEG", "AM_MEG-AZ_NAX")).apply(tripp)
>>> tripp.link("AZ_HOR-AM_MEG").status, net.link("AZ_HOR-AM_MEG").status
('open', 'planned')
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from corridor_twin.errors import ScenarioError
from corridor_twin.network.model import (
    TABLES,
    Link,
    Network,
    Node,
    Provenance,
    Restriction,
    Service,
)
from corridor_twin.network.schema import STATUSES
from corridor_twin.scenarios._base import (
    Change,
    Event,
    as_ids,
    check_table,
    derive,
    fmt,
    require,
    singular,
    update,
)

__all__ = [
    "AddLink",
    "AddNode",
    "AddRecord",
    "CloseLink",
    "CloseNode",
    "CloseService",
    "ImposeRestriction",
    "LiftRestriction",
    "OpenLink",
    "OpenNode",
    "OpenService",
    "SetStatus",
    "annual_closure",
    "scale_fields",
]

_ANNUAL_CAPACITY = ("capacity_t_per_year", "capacity_teu_per_year")
_STATUS_TABLES = ("nodes", "links", "transfers", "services")


def scale_fields(
    net: Network,
    table: str,
    rid: str,
    names: Iterable[str],
    factor: float,
    prov: Provenance,
    how: str,
) -> Network:
    """``net`` with the given figures of one record multiplied by ``factor``.

    Figures the record does not give (``None``) stay unset; each scaled one
    cites ``prov`` as derived, its note giving ``how`` and the old value.
    """
    rec = getattr(net, table)[net.index_of(table, rid)]
    for name in names:
        old = getattr(rec, name)
        if old is None:
            continue
        net = update(net, table, rid, {name: old * factor}, derive(prov, f"{how} (was {fmt(old)})"))
    return net


def _traverses(s: Service, lk: Link) -> bool:
    if s.mode != lk.mode:
        return False
    hops = set(itertools.pairwise(s.stops))
    if s.bidirectional:
        hops |= {(b, a) for a, b in hops}
    ends = {(lk.from_node, lk.to_node)}
    if lk.bidirectional:
        ends.add((lk.to_node, lk.from_node))
    return bool(hops & ends)


def annual_closure(
    net: Network, table: str, ids: Collection[str], keep: float, prov: Provenance, how: str
) -> Network:
    """A temporary closure seen over a year: capacities kept at ``keep`` of their value.

    Closing a link scales its capacity and the ``availability`` of the services
    sailing on it; closing a node scales its capacity and that of its links,
    transfers and borders, and the availability of services calling there;
    closing a service scales its availability. Records without a capacity
    (unlimited) stay unlimited.
    """
    scaled: dict[str, set[str]] = {t: set() for t in ("nodes", "links", "transfers", "borders")}
    services: set[str] = set()
    if table == "services":
        services |= set(ids)
    elif table in scaled:
        scaled[table] |= set(ids)
    if table == "links":
        links = [net.link(i) for i in ids]
        services |= {s.id for s in net.services for lk in links if _traverses(s, lk)}
    if table == "nodes":
        at = set(ids)
        scaled["links"] |= {lk.id for lk in net.links if {lk.from_node, lk.to_node} & at}
        scaled["transfers"] |= {t.id for t in net.transfers if t.node in at}
        scaled["borders"] |= {b.id for b in net.borders if b.node in at}
        services |= {s.id for s in net.services if set(s.stops) & at}
    for tbl, rids in scaled.items():
        for rid in sorted(rids):
            net = scale_fields(net, tbl, rid, _ANNUAL_CAPACITY, keep, prov, how)
    for sid in sorted(services):
        net = scale_fields(net, "services", sid, ("availability",), keep, prov, how)
    return net


@dataclass(frozen=True, kw_only=True)
class SetStatus(Event):
    """Set the operating status of nodes, links, transfers or services.

    Parameters
    ----------
    table
        One of {nodes, links, transfers, services}.
    ids
        Ids of the records.
    status
        One of {open, closed, planned}. Only a closure may have a time window
        (see :class:`~corridor_twin.scenarios.Event`).
    """

    kind: ClassVar[str] = "set_status"
    table: str
    ids: tuple[str, ...]
    status: str

    def _check(self) -> None:
        check_table(self.table, self.kind, _STATUS_TABLES)
        self._set("ids", as_ids(self.ids, self.kind))
        if self.status not in STATUSES:
            raise ScenarioError(
                f"'status' must be one of {{{', '.join(STATUSES)}}}, got {self.status!r}",
                kind=self.kind,
                field="status",
            )
        if self.is_event and self.status != "closed":
            raise ScenarioError(
                "only a closure can have a time window", kind=self.kind, field="start"
            )

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        return _close_or_set(self, net, prov, self.table, self.ids, self.status, events)


def _close_or_set(
    change: Event,
    net: Network,
    prov: Provenance,
    table: str,
    ids: tuple[str, ...],
    status: str,
    events: str,
) -> Network:
    require(net, table, ids, change.kind)
    if status == "open":
        _check_open(net, table, ids)
    if change.is_event and events == "annual":
        keep = 1.0 - change.share_of_year
        how = f"scenario: {status} {change.window_text()}, so x{keep:.6g} over the year"
        return annual_closure(net, table, ids, keep, prov, how)
    for rid in ids:
        net = update(net, table, rid, {"status": status}, prov)
    return net


def _check_open(net: Network, table: str, ids: Iterable[str]) -> None:
    """Raise if opening these records would leave them unusable (ends not open)."""
    if table == "links":
        for rid in ids:
            lk = net.link(rid)
            for end in (lk.from_node, lk.to_node):
                if net.has("nodes", end) and net.node(end).status != "open":
                    raise ScenarioError(
                        f"link {rid!r} ends at {net.node(end).status} node {end!r}; "
                        "open the node first (open_node)",
                        field="ids",
                    )
    elif table == "services":
        for rid in ids:
            s = net.service(rid)
            for a, b in itertools.pairwise(s.stops):
                ok = any(
                    lk.status == "open" and _traverses(dataclasses.replace(s, stops=(a, b)), lk)
                    for lk in net.links
                )
                if not ok:
                    raise ScenarioError(
                        f"service {rid!r} has no open {s.mode} link from {a} to {b}; "
                        "open the link first (open_link)",
                        field="ids",
                    )


@dataclass(frozen=True, kw_only=True)
class _StatusChange(Event):
    table: ClassVar[str] = ""
    status: ClassVar[str] = ""
    ids: tuple[str, ...]

    def _check(self) -> None:
        self._set("ids", as_ids(self.ids, self.kind))
        if self.is_event and self.status != "closed":
            raise ScenarioError(
                "only a closure can have a time window", kind=self.kind, field="start"
            )

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        return _close_or_set(self, net, prov, self.table, self.ids, self.status, events)


@dataclass(frozen=True, kw_only=True)
class OpenNode(_StatusChange):
    """Open planned or closed nodes (``ids``)."""

    kind: ClassVar[str] = "open_node"
    table: ClassVar[str] = "nodes"
    status: ClassVar[str] = "open"


@dataclass(frozen=True, kw_only=True)
class CloseNode(_StatusChange):
    """Close nodes (``ids``): nothing passes through them.

    With a time window and ``events="annual"`` the nodes stay open and the
    capacities at them (node, links, transfers, borders, and the availability
    of services calling there) are scaled by ``1 - s``, ``s`` the window's
    share of a 52-week year.
    """

    kind: ClassVar[str] = "close_node"
    table: ClassVar[str] = "nodes"
    status: ClassVar[str] = "closed"


@dataclass(frozen=True, kw_only=True)
class OpenLink(_StatusChange):
    """Open planned or closed links (``ids``); their end nodes must be open.

    Examples
    --------
    >>> from corridor_twin import load_corridor
    >>> net = load_corridor()
    >>> OpenLink(ids=("AM_GYU-TR_KRS",)).apply(net).link("AM_GYU-TR_KRS").status
    'open'
    """

    kind: ClassVar[str] = "open_link"
    table: ClassVar[str] = "links"
    status: ClassVar[str] = "open"


@dataclass(frozen=True, kw_only=True)
class CloseLink(_StatusChange):
    """Close links (``ids``).

    With a time window (``start``, ``end``) the closure is an event. For annual
    analyses (``events="annual"``, the default) a week-long closure keeps the
    link open and scales its annual capacity, and the ``availability`` of the
    services sailing on it, by (52 - 1)/52; ``events="during"`` closes it.

    Examples
    --------
    >>> from corridor_twin import load_corridor
    >>> net = load_corridor()
    >>> storm = CloseLink(ids=("KZ_AKT-AZ_ALAT-FERRY",), start="2026-01-12", end="2026-01-19")
    >>> annual = storm.apply(net)
    >>> annual.link("KZ_AKT-AZ_ALAT-FERRY").status
    'open'
    >>> round(annual.service("S_ASCO_AKT_ALAT").availability / 0.85 * 52, 6)
    51.0
    >>> storm.apply(net, events="during").link("KZ_AKT-AZ_ALAT-FERRY").status
    'closed'
    """

    kind: ClassVar[str] = "close_link"
    table: ClassVar[str] = "links"
    status: ClassVar[str] = "closed"


@dataclass(frozen=True, kw_only=True)
class OpenService(_StatusChange):
    """Open planned or closed services (``ids``); their links must be open."""

    kind: ClassVar[str] = "open_service"
    table: ClassVar[str] = "services"
    status: ClassVar[str] = "open"


@dataclass(frozen=True, kw_only=True)
class CloseService(_StatusChange):
    """Close services (``ids``); with a window, annual analyses scale their availability."""

    kind: ClassVar[str] = "close_service"
    table: ClassVar[str] = "services"
    status: ClassVar[str] = "closed"


# -- records -----------------------------------------------------------------------
def _add(net: Network, table: str, record: Any, prov: Provenance) -> Network:
    if net.has(table, record.id):
        raise ScenarioError(
            f"{singular(table)} {record.id!r} already exists; change it instead of adding it",
            field="id",
        )
    if record.provenance == Provenance():
        record = dataclasses.replace(record, provenance=prov)
    return net.add(table, (record,))


def _check_record(change: Change, name: str, table: str, record: object) -> None:
    cls = TABLES[table]
    if not isinstance(record, cls):
        raise ScenarioError(
            f"'{name}' must be a {cls.__name__} record, got {type(record).__name__}",
            kind=change.kind,
            field=name,
        )


@dataclass(frozen=True, kw_only=True)
class AddNode(Change):
    """Add a node (a new port, terminal or junction).

    Parameters
    ----------
    node
        The :class:`~corridor_twin.network.Node`; without provenance of its
        own it cites the change's.
    """

    kind: ClassVar[str] = "add_node"
    node: Node

    def _check(self) -> None:
        _check_record(self, "node", "nodes", self.node)

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        return _add(net, "nodes", self.node, prov)


@dataclass(frozen=True, kw_only=True)
class AddLink(Change):
    """Add a link; its end nodes must exist (add them first with :class:`AddNode`).

    Parameters
    ----------
    link
        The :class:`~corridor_twin.network.Link`; without provenance of its
        own it cites the change's.
    """

    kind: ClassVar[str] = "add_link"
    link: Link

    def _check(self) -> None:
        _check_record(self, "link", "links", self.link)

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        return _add(net, "links", self.link, prov)


@dataclass(frozen=True, kw_only=True)
class AddRecord(Change):
    """Add a record to any table (a transfer, border, service, ...).

    Parameters
    ----------
    table
        Table name, e.g. one of {transfers, borders, services}.
    record
        The record, of that table's class.
    """

    kind: ClassVar[str] = "add_record"
    table: str
    record: Any

    def _check(self) -> None:
        check_table(self.table, self.kind, TABLES)
        _check_record(self, "record", self.table, self.record)

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        return _add(net, self.table, self.record, prov)


# -- restrictions ------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class LiftRestriction(Change):
    """Lift restrictions (``ids``): they stay in the network, inactive.

    Lifting one already inactive changes nothing.
    """

    kind: ClassVar[str] = "lift_restriction"
    ids: tuple[str, ...]

    def _check(self) -> None:
        self._set("ids", as_ids(self.ids, self.kind))

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, "restrictions", self.ids, self.kind)
        for rid in self.ids:
            net = update(net, "restrictions", rid, {"active": False}, prov)
        return net


@dataclass(frozen=True, kw_only=True)
class ImposeRestriction(Change):
    """Impose restrictions: existing ones by id, or new records.

    Parameters
    ----------
    ids
        Ids of restrictions in the network to make active.
    restrictions
        New :class:`~corridor_twin.network.Restriction` records, added
        active; without provenance of their own they cite the change's.

    Examples
    --------
    >>> from corridor_twin import load_corridor
    >>> from corridor_twin.network import Restriction
    >>> net = load_corridor()
    >>> ban = Restriction(id="R_RU_TO_DE", scope="country", target="RU", destination_country="DE")
    >>> new = ImposeRestriction(restrictions=(ban,)).apply(net)
    >>> new.restriction("R_RU_TO_DE").active, net.has("restrictions", "R_RU_TO_DE")
    (True, False)
    """

    kind: ClassVar[str] = "impose_restriction"
    ids: tuple[str, ...] = ()
    restrictions: tuple[Restriction, ...] = ()

    def _check(self) -> None:
        self._set("ids", as_ids(self.ids, self.kind, required=False))
        if not isinstance(self.restrictions, (tuple, list)):
            raise ScenarioError(
                "'restrictions' must be a list of restriction records",
                kind=self.kind,
                field="restrictions",
            )
        for r in self.restrictions:
            _check_record(self, "restrictions", "restrictions", r)
        self._set(
            "restrictions", tuple(dataclasses.replace(r, active=True) for r in self.restrictions)
        )
        if not self.ids and not self.restrictions:
            raise ScenarioError(
                "give restriction 'ids' to impose, or new 'restrictions'",
                kind=self.kind,
                field="ids",
            )

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, "restrictions", self.ids, self.kind)
        for rid in self.ids:
            net = update(net, "restrictions", rid, {"active": True}, prov)
        for r in self.restrictions:
            net = _add(net, "restrictions", r, prov)
        return net
