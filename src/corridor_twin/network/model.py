"""The editable corridor network: an immutable collection of records.

A :class:`Network` holds the records of :mod:`corridor_twin.network.records`
(re-exported here); every what-if edit returns a new network and leaves the
original untouched. :meth:`Network.compiled` gives its array form, built once.

Examples
--------
>>> from corridor_twin.network.model import Link, Network, Node
>>> net = Network(
...     nodes=(Node(id="A", name="Alpha", kind="city", country="KZ", lat=43.0, lon=77.0),
...            Node(id="B", name="Beta", kind="city", country="KZ", lat=44.0, lon=78.0)),
...     links=(Link(id="A-B", from_node="A", to_node="B", mode="road", length_km=140.0),),
... )
>>> closed = net.update_link("A-B", status="closed")
>>> (net.link("A-B").status, closed.link("A-B").status)
('open', 'closed')
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from corridor_twin.errors import NotFoundError, UnknownNodeError
from corridor_twin.network.compile import compile_network
from corridor_twin.network.compiled import CompiledNetwork
from corridor_twin.network.records import (
    TABLES,
    Border,
    Commodity,
    EmissionFactor,
    Link,
    Meta,
    ModeDefaults,
    Node,
    Provenance,
    Restriction,
    Service,
    Source,
    Transfer,
)

__all__ = [
    "TABLES",
    "Border",
    "Commodity",
    "EmissionFactor",
    "Link",
    "Meta",
    "ModeDefaults",
    "Network",
    "Node",
    "Provenance",
    "Restriction",
    "Service",
    "Source",
    "Transfer",
]


def _normalise(text: str) -> str:
    return " ".join(text.casefold().replace("_", " ").replace("-", " ").split())


@dataclass(frozen=True)
class Network:
    """An immutable multimodal corridor network.

    Parameters
    ----------
    nodes, links, transfers, borders, services, restrictions
        The network's records.
    commodities, emission_factors, modes
        Reference tables.
    sources
        The bibliography figures cite.
    meta
        Name, description, currency and price year.
    origin
        Where the network was read from (path and line of each record), used
        to point error messages at the file; not part of equality.
    """

    nodes: tuple[Node, ...] = ()
    links: tuple[Link, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    borders: tuple[Border, ...] = ()
    services: tuple[Service, ...] = ()
    restrictions: tuple[Restriction, ...] = ()
    commodities: tuple[Commodity, ...] = ()
    emission_factors: tuple[EmissionFactor, ...] = ()
    modes: tuple[ModeDefaults, ...] = ()
    sources: tuple[Source, ...] = ()
    meta: Meta = field(default_factory=Meta)
    origin: Any = field(default=None, compare=False, repr=False)
    _index: dict[str, dict[str, int]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _cache: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __repr__(self) -> str:
        return (
            f"<Network {self.meta.name!r}: {len(self.nodes)} nodes, {len(self.links)} links, "
            f"{len(self.services)} services, {len(self.transfers)} transfers>"
        )

    # -- lookups ---------------------------------------------------------------
    def _lookup(self, table: str) -> dict[str, int]:
        idx = self._index.get(table)
        if idx is None:
            idx = {rec.id: i for i, rec in enumerate(getattr(self, table))}
            self._index[table] = idx
        return idx

    def _get(self, table: str, record_id: str) -> Any:
        i = self._lookup(table).get(record_id)
        if i is None:
            if table == "nodes":
                raise UnknownNodeError(record_id, self.suggest_nodes(record_id))
            raise NotFoundError(f"no {table[:-1]} with id {record_id!r}")
        return getattr(self, table)[i]

    def node(self, node_id: str) -> Node:
        """The node with this id."""
        node: Node = self._get("nodes", node_id)
        return node

    def link(self, link_id: str) -> Link:
        """The link with this id."""
        link: Link = self._get("links", link_id)
        return link

    def service(self, service_id: str) -> Service:
        """The service with this id."""
        service: Service = self._get("services", service_id)
        return service

    def commodity(self, commodity_id: str) -> Commodity:
        """The commodity with this id."""
        commodity: Commodity = self._get("commodities", commodity_id)
        return commodity

    def restriction(self, restriction_id: str) -> Restriction:
        """The restriction with this id."""
        restriction: Restriction = self._get("restrictions", restriction_id)
        return restriction

    def source(self, key: str) -> Source:
        """The bibliography entry with this key."""
        for s in self.sources:
            if s.key == key:
                return s
        raise NotFoundError(f"no source with key {key!r}")

    def has(self, table: str, record_id: str) -> bool:
        """Whether ``table`` has a record with this id."""
        return record_id in self._lookup(table)

    def index_of(self, table: str, record_id: str) -> int:
        """Position of a record in its table."""
        i = self._lookup(table).get(record_id)
        if i is None:
            if table == "nodes":
                raise UnknownNodeError(record_id, self.suggest_nodes(record_id))
            raise NotFoundError(f"no {table[:-1]} with id {record_id!r}")
        return i

    def _names(self) -> dict[str, str]:
        names: dict[str, str] | None = self._cache.get("names")
        if names is None:
            names = {}
            for n in self.nodes:
                for label in (n.id, n.name, *n.aliases):
                    names.setdefault(_normalise(label), n.id)
            self._cache["names"] = names
        return names

    def find_node(self, query: str) -> Node:
        """Look a node up by id, name or alias, case-insensitively.

        Raises
        ------
        UnknownNodeError
            If nothing matches; the error lists the nearest names.
        """
        node_id = self._names().get(_normalise(query))
        if node_id is None:
            raise UnknownNodeError(query, self.suggest_nodes(query))
        return self.node(node_id)

    def suggest_nodes(self, query: str, n: int = 5) -> list[str]:
        """Node names closest to ``query`` (for "did you mean" messages)."""
        names = self._names()
        q = _normalise(query)
        hits = difflib.get_close_matches(q, list(names), n=n * 2, cutoff=0.5)
        hits += [k for k in names if q and q in k and k not in hits]
        seen: list[str] = []
        for h in hits:
            node = self.node(names[h])
            label = f"{node.name} ({node.id})"
            if label not in seen:
                seen.append(label)
        return seen[:n]

    # -- what-if edits (each returns a new network) ------------------------------
    def replace(self, **tables: Any) -> Network:
        """A copy with whole tables replaced (``nodes=...``, ``links=...``)."""
        return dataclasses.replace(self, **tables)

    def _update(self, table: str, record_id: str, changes: Mapping[str, object]) -> Network:
        records = list(getattr(self, table))
        i = self.index_of(table, record_id)
        records[i] = dataclasses.replace(records[i], **changes)
        return self.replace(**{table: tuple(records)})

    def update_node(self, node_id: str, **changes: object) -> Network:
        """A copy with one node's attributes changed."""
        return self._update("nodes", node_id, changes)

    def update_link(self, link_id: str, **changes: object) -> Network:
        """A copy with one link's attributes changed."""
        return self._update("links", link_id, changes)

    def update_record(self, table: str, record_id: str, **changes: object) -> Network:
        """A copy with one record of any table changed."""
        return self._update(table, record_id, changes)

    def add(self, table: str, records: Iterable[object]) -> Network:
        """A copy with records appended to a table."""
        return self.replace(**{table: (*getattr(self, table), *records)})

    def remove(self, table: str, record_ids: Iterable[str]) -> Network:
        """A copy without the records of these ids."""
        drop = set(record_ids)
        for rid in drop:
            self.index_of(table, rid)
        return self.replace(**{table: tuple(r for r in getattr(self, table) if r.id not in drop)})

    def close_link(self, link_id: str) -> Network:
        """A copy with a link closed."""
        return self.update_link(link_id, status="closed")

    def close_node(self, node_id: str) -> Network:
        """A copy with a node closed (nothing passes through it)."""
        return self.update_node(node_id, status="closed")

    def set_restriction(self, restriction_id: str, *, active: bool) -> Network:
        """A copy with a restriction imposed (``active=True``) or lifted."""
        return self._update("restrictions", restriction_id, {"active": active})

    def compiled(self) -> CompiledNetwork:
        """The compiled array form, built once per network object and reused.

        See :func:`corridor_twin.network.compile.compile_network`.
        """
        comp: CompiledNetwork | None = self._cache.get("compiled")
        if comp is None:
            comp = compile_network(self)
            self._cache["compiled"] = comp
        return comp
