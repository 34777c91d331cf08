"""The :class:`Store`: networks, scenarios, demand tables, runs, users and audit.

Every public method runs in one database transaction: it commits whole or
not at all, so a rejected change (invalid network, stale version, missing
permission) or a crash leaves what was stored before intact. Methods that
change data take the acting :class:`~corridor_twin.store.auth.Principal` as
``by`` and enforce the role and ownership rules of
:mod:`corridor_twin.store.auth`; the worker-side run methods
(:meth:`Store.start_run`, :meth:`Store.update_run`, ...) are for the server's
own job executor and take none.

Examples
--------
>>> from corridor_twin.network.model import Link, Network, Node
>>> net = Network(
...     nodes=(Node(id="A", name="A", kind="city", country="KZ", lat=43.0, lon=77.0),
...            Node(id="B", name="B", kind="city", country="KZ", lat=44.0, lon=78.0)),
...     links=(Link(id="A-B", from_node="A", to_node="B", mode="road", length_km=140.0,
...                 speed_kmh=60.0),),
... )
>>> with Store.open("sqlite://") as store:
...     admin, token = store.bootstrap("Corridor secretariat", "root")
...     _ = store.create_network("demo", net, by=admin)
...     v2 = store.edit("demo", [UpdateRecord("links", "A-B", {"speed_kmh": 80})],
...                     expected_version=1, by=store.authenticate(token))
...     (v2.version, store.network("demo").link("A-B").speed_kmh,
...      store.network("demo", version=1).link("A-B").speed_kmh)
(2, 80.0, 60.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from corridor_twin.network.model import Network
from corridor_twin.scenarios.demand import DemandTable, loads_demand, loads_demand_csv
from corridor_twin.scenarios.io import dumps_scenario, loads_scenario
from corridor_twin.scenarios.model import Scenario
from corridor_twin.store import _documents, _networks, _repair
from corridor_twin.store._base import StoreBase
from corridor_twin.store._common import (
    network_row,
    utc,
)
from corridor_twin.store._legacy import is_legacy
from corridor_twin.store._serial import dumps_canonical
from corridor_twin.store.auth import Principal
from corridor_twin.store.edits import FieldChange, RecordEdit, UpdateRecord
from corridor_twin.store.records import (
    Document,
    DocumentInfo,
    NetworkInfo,
    OwnershipRule,
    RepairInfo,
    VersionInfo,
)
from corridor_twin.store.schema import (
    NetworkRow,
    NetworkVersionRow,
)

__all__ = ["Store", "UpdateRecord"]


class Store(StoreBase):
    """A persistent store on one database (SQLite file or PostgreSQL).

    Build it with :meth:`open`; close it with :meth:`close` or use it as a
    context manager. It holds an engine (a connection pool) and the
    parsed-network cache, nothing else: one store may serve many threads.
    Lifecycle, accounts, runs and the audit log come from
    :class:`~corridor_twin.store._base.StoreBase`; this class adds the
    corridor's shared content: versioned networks, their records and
    ownership, and the scenarios and demand tables.
    """

    # -- networks ------------------------------------------------------------------
    def create_network(
        self, name: str, network: Network, *, by: Principal, message: str | None = None
    ) -> VersionInfo:
        """Store a validated network as version 1 of ``name`` (admins only).

        Raises
        ------
        ValidationError
            If the network breaks validation rules (nothing is stored).
        ConflictError
            If a network of that name exists.
        """
        with self._session(write=True) as s:
            return _networks.create(s, name, network, by, message, self._cache)

    def network(self, name: str, version: int | None = None) -> Network:
        """A stored network (the latest version unless ``version`` is given)."""
        with self._session() as s:
            row = _networks.version_row(s, name, version)
            return self._cache.load(name, row)

    def network_text(
        self, name: str, version: int | None = None, *, as_stored: bool = False
    ) -> str:
        """The canonical YAML text of a stored network version.

        A legacy version (non-finite capacities, stored before the input
        boundary) is given as read, those capacities left out (unlimited);
        ``as_stored`` gives the text exactly as it was stored.
        """
        with self._session() as s:
            row = _networks.version_row(s, name, version)
            text = row.yaml_text
            if as_stored or not is_legacy(text):
                return text
            net = self._cache.load_text(name, row.version, row.sha256, lambda: text)
            return dumps_canonical(net)

    def latest_version(self, name: str) -> int:
        """The newest version number of a network (a cheap query: no network text)."""
        with self._session() as s:
            return network_row(s, name).latest_version

    def version(self, name: str, version: int | None = None) -> VersionInfo:
        """Metadata of one version (the latest by default)."""
        with self._session() as s:
            return _networks.version_info(s, name, _networks.version_row(s, name, version))

    def versions(self, name: str) -> list[VersionInfo]:
        """Every version of a network, oldest first."""
        with self._session() as s:
            net = network_row(s, name)
            rows = s.scalars(
                select(NetworkVersionRow)
                .where(NetworkVersionRow.network_id == net.id)
                .order_by(NetworkVersionRow.version)
            )
            return [_networks.version_info(s, name, r) for r in rows]

    def networks(self) -> list[NetworkInfo]:
        """Every stored network, by name."""
        with self._session() as s:
            rows = s.scalars(select(NetworkRow).order_by(NetworkRow.name))
            return [NetworkInfo(r.name, r.latest_version, utc(r.created_at)) for r in rows]

    def edit(
        self,
        name: str,
        changes: Sequence[RecordEdit],
        *,
        expected_version: int,
        by: Principal,
        message: str | None = None,
    ) -> VersionInfo:
        """Apply record edits to the latest version, storing the next version.

        The new version, the version counter and one audit row per changed
        field are written in one transaction, after the edit is checked:

        Raises
        ------
        ConflictError
            If a version after ``expected_version`` changed a record this
            edit touches (someone edited it since); edits of other records
            since are no conflict.
        PermissionDeniedError
            If ``by`` is a viewer, or an editor whose organisation does not
            own every record touched.
        ValidationError
            If the edited network breaks validation rules (its findings in
            ``issues``); nothing is written.
        DataError, NotFoundError
            For malformed edits or unknown records.
        """
        return self.edit_record(
            name, changes, expected_version=expected_version, by=by, message=message
        )[0]

    def edit_record(
        self,
        name: str,
        changes: Sequence[RecordEdit],
        *,
        expected_version: int,
        by: Principal,
        message: str | None = None,
        allow_no_change: bool = False,
    ) -> tuple[VersionInfo, list[FieldChange]]:
        """:meth:`edit`, also returning the field changes.

        ``expected_version`` may be older than the latest when no version
        since changed a record the edit touches (edits of different records
        do not conflict). With ``allow_no_change``, an edit that changes
        nothing returns the latest version and ``[]`` instead of raising.
        """
        with self._session(write=True) as s:
            return _networks.edit(
                s,
                name,
                changes,
                expected_version,
                by,
                message,
                self._cache,
                allow_no_change=allow_no_change,
            )

    def repair_versions(self, name: str, *, by: Principal, dry_run: bool = False) -> RepairInfo:
        """Store the latest version of a network holding ``.inf`` capacities repaired (admins).

        Versions stored before the input boundary may hold non-finite
        capacities; they stay as stored and read with those capacities
        unlimited. When the latest is such a version, the repair writes it
        as read as version *n + 1* (the capacities left out), with one
        ``repair`` audit row per field, in one transaction; ``dry_run``
        only reports. Returns what was found and written.

        Raises
        ------
        StoreError
            If the latest holds a non-finite number that is not a capacity.
        ValidationError
            If the repaired network breaks validation rules (nothing written).
        """
        with self._session(write=not dry_run) as s:
            return _repair.repair(s, name, by, self._cache, dry_run=dry_run)

    def grant(
        self, network: str, table: str, pattern: str, organisation: str, *, by: Principal
    ) -> OwnershipRule:
        """Let ``organisation`` own the records of ``table`` matching ``pattern`` (admins only).

        See :mod:`corridor_twin.store.auth` for the pattern forms.
        """
        with self._session(write=True) as s:
            return _networks.grant(s, network, table, pattern, organisation, by)

    def revoke(self, rule_id: int, *, by: Principal) -> None:
        """Remove an ownership rule (admins only)."""
        with self._session(write=True) as s:
            _networks.revoke(s, rule_id, by)

    def ownership(self, network: str) -> list[OwnershipRule]:
        """A network's ownership rules."""
        with self._session() as s:
            return _networks.rules(s, network)

    def record(
        self, network: str, table: str, record_id: str, version: int | None = None
    ) -> tuple[int, Any, list[str]]:
        """One record of a version (the latest by default), in one short read.

        Returns the version number, the record and the organisations owning
        the record in the latest version (``[]`` if the latest has no such
        record).

        Raises
        ------
        NotFoundError
            For an unknown network, version or record.
        """
        with self._reading() as s:
            key = _networks.version_key(s, network, version)
            net = _networks.load_key(s, self._cache, network, key)
            rec = getattr(net, table)[net.index_of(table, record_id)]
            now_net = (
                net
                if key.version == key.latest
                else _networks.load_key(
                    s, self._cache, network, _networks.version_key(s, network, None)
                )
            )
            if not now_net.has(table, record_id):
                return key.version, rec, []
            now_rec = getattr(now_net, table)[now_net.index_of(table, record_id)]
            owners = _networks.owners_of(_networks.rules(s, network), table, now_rec)
            return key.version, rec, sorted(owners)

    def owners(self, network: str, table: str, record_id: str) -> list[str]:
        """Organisations that own one record of the latest version, by name."""
        with self._session() as s:
            net = self._cache.load(network, _networks.version_row(s, network, None))
            rec = getattr(net, table)[net.index_of(table, record_id)]
            return sorted(_networks.owners_of(_networks.rules(s, network), table, rec))

    # -- scenarios and demand tables --------------------------------------------------
    def save_scenario(
        self,
        scenario: Scenario | str,
        *,
        by: Principal,
        expected_version: int | None = None,
        fmt: str | None = None,
    ) -> DocumentInfo:
        """Store a scenario (object or YAML/JSON text) as its next version.

        ``expected_version`` is ``None`` for a new scenario, else the version
        the edit was based on (:class:`ConflictError` if stale). Text is
        parsed first (:class:`ScenarioError` if unreadable) and kept as given.
        """
        if isinstance(scenario, Scenario):
            text, fmt, parsed = dumps_scenario(scenario), "yaml", scenario
        else:
            text, fmt = scenario, fmt or _documents.guess_fmt(scenario)
            parsed = loads_scenario(text)
        with self._session(write=True) as s:
            return _documents.save(
                s,
                "scenario",
                parsed.name,
                text,
                fmt,
                parsed.description or None,
                by,
                expected_version,
            )

    def scenario(self, name: str, version: int | None = None) -> Scenario:
        """A stored scenario (latest version unless ``version`` is given)."""
        return loads_scenario(self.document("scenario", name, version).text)

    def save_demand(
        self,
        text: str,
        *,
        by: Principal,
        fmt: str | None = None,
        name: str | None = None,
        expected_version: int | None = None,
    ) -> DocumentInfo:
        """Store a demand table's text (``fmt`` in {yaml, json, csv}) as its next version.

        The name is ``name`` if given, else the table's ``meta.name``.
        """
        fmt = fmt or _documents.guess_fmt(text)
        table = loads_demand_csv(text) if fmt == "csv" else loads_demand(text)
        with self._session(write=True) as s:
            return _documents.save(
                s,
                "demand",
                name or table.name,
                text,
                fmt,
                table.description,
                by,
                expected_version,
            )

    def demand(self, name: str, version: int | None = None) -> DemandTable:
        """A stored demand table (latest version unless ``version`` is given)."""
        doc = self.document("demand", name, version)
        return loads_demand_csv(doc.text) if doc.info.fmt == "csv" else loads_demand(doc.text)

    def document(self, kind: str, name: str, version: int | None = None) -> Document:
        """A stored scenario or demand table (``kind`` in {scenario, demand}) with its text."""
        with self._session() as s:
            return _documents.get(s, kind, name, version)

    def documents(self, kind: str) -> list[DocumentInfo]:
        """The latest version of every scenario or demand table, by name."""
        with self._session() as s:
            return _documents.latest_all(s, kind)

    def document_versions(self, kind: str, name: str) -> list[DocumentInfo]:
        """Every version of a scenario or demand table, oldest first."""
        with self._session() as s:
            return _documents.versions(s, kind, name)
