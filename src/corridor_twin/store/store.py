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

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from corridor_twin.errors import (
    ConflictError,
    StoreError,
)
from corridor_twin.network.model import Network
from corridor_twin.scenarios.demand import DemandTable, loads_demand, loads_demand_csv
from corridor_twin.scenarios.io import dumps_scenario, loads_scenario
from corridor_twin.scenarios.model import Scenario
from corridor_twin.store import _accounts, _documents, _networks, _repair, _runs
from corridor_twin.store._common import (
    NAMES,
    loads_json,
    network_row,
    user_row,
    utc,
)
from corridor_twin.store._engine import WRITE, make_engine, migrate
from corridor_twin.store._legacy import is_legacy
from corridor_twin.store._serial import dumps_canonical
from corridor_twin.store._writelock import WriteLock
from corridor_twin.store.auth import Principal
from corridor_twin.store.edits import FieldChange, RecordEdit, UpdateRecord
from corridor_twin.store.records import (
    AuditEntry,
    Document,
    DocumentInfo,
    NetworkInfo,
    OrganisationInfo,
    OwnershipRule,
    RepairInfo,
    RunInfo,
    TokenInfo,
    UserInfo,
    VersionInfo,
)
from corridor_twin.store.schema import (
    AuditRow,
    NetworkRow,
    NetworkVersionRow,
)
from corridor_twin.store.settings import StoreSettings

__all__ = ["Store", "UpdateRecord"]

log = logging.getLogger(__name__)

_CACHED_NETWORKS = 8


class Store:
    """A persistent store on one database (SQLite file or PostgreSQL).

    Build it with :meth:`open`; close it with :meth:`close` or use it as a
    context manager. It holds an engine (a connection pool) and nothing else:
    one store may serve many threads.

    Parameters
    ----------
    engine
        An engine whose database is migrated to the newest schema.
    settings
        The settings it was opened with.
    """

    def __init__(self, engine: Engine, settings: StoreSettings) -> None:
        self._engine = engine
        self.settings = settings
        self._cache = _networks.NetworkCache(_CACHED_NETWORKS)
        self._names: dict[tuple[str, int], str] = {}
        url = engine.url
        on_disk = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        self._write_lock = WriteLock(url.database if on_disk else None)

    # -- lifecycle -----------------------------------------------------------------
    @classmethod
    def open(cls, url: str | StoreSettings | None = None, *, upgrade: bool = True) -> Store:
        """Open (and by default create or upgrade) the store.

        Parameters
        ----------
        url
            A database URL, settings, or ``None`` for
            :meth:`StoreSettings.from_env` (``CORRIDOR_DATABASE_URL``, else
            the SQLite file in the user's data directory).
        upgrade
            Run the Alembic migrations up to the newest schema first.

        Raises
        ------
        StoreError
            If the database cannot be reached or migrated.
        """
        if isinstance(url, StoreSettings):
            settings = url
        elif url is None:
            settings = StoreSettings.from_env()
        else:
            settings = StoreSettings(database_url=url)
        engine = make_engine(settings.url())
        try:
            if upgrade:
                migrate(engine)
        except OperationalError as exc:
            engine.dispose()
            raise StoreError(f"cannot open the store at {engine.url!r}: {exc.orig}") from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, settings)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self._engine.url.render_as_string(hide_password=True)}>"

    @property
    def dialect(self) -> str:
        """The database kind: ``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    @contextmanager
    def _session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction; commits on success, rolls back on any error."""
        try:
            with (
                self._write_lock.held() if write else nullcontext(),
                self._engine.connect() as conn,
            ):
                if write:
                    conn.execution_options(**{WRITE: True})
                with Session(bind=conn, expire_on_commit=False) as s, s.begin():
                    s.info[NAMES] = (self._names, not write)
                    yield s
        except IntegrityError as exc:
            raise ConflictError(f"a concurrent change got there first: {exc.orig}") from None
        except DBAPIError as exc:
            raise StoreError(f"database error: {exc.orig}") from None

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """One read-only transaction on a plain connection (Core queries: the cheapest read)."""
        try:
            with self._engine.connect() as conn, conn.begin():
                yield conn
        except DBAPIError as exc:
            raise StoreError(f"database error: {exc.orig}") from None

    # -- organisations, users, tokens --------------------------------------------
    def bootstrap(self, organisation: str, admin: str) -> tuple[Principal, str]:
        """Create the first organisation and admin user of an empty store.

        Returns the admin's principal and an API token (shown only now).

        Raises
        ------
        ConflictError
            If the store already has users.
        """
        with self._session(write=True) as s:
            return _accounts.bootstrap(s, organisation, admin)

    def create_organisation(self, name: str, *, by: Principal) -> OrganisationInfo:
        """Add an organisation (admins only)."""
        with self._session(write=True) as s:
            return _accounts.create_organisation(s, name, by)

    def organisations(self) -> list[OrganisationInfo]:
        """Every organisation, by name."""
        with self._session() as s:
            return _accounts.organisations(s)

    def create_user(self, name: str, organisation: str, role: str, *, by: Principal) -> UserInfo:
        """Add a user to an organisation with a role in {viewer, editor, admin} (admins only)."""
        with self._session(write=True) as s:
            return _accounts.create_user(s, name, organisation, role, by)

    def set_user(
        self, name: str, *, by: Principal, role: str | None = None, active: bool | None = None
    ) -> UserInfo:
        """Change a user's role or deactivate them (admins only); tokens of inactive users fail."""
        with self._session(write=True) as s:
            return _accounts.set_user(s, name, by, role, active)

    def users(self, organisation: str | None = None) -> list[UserInfo]:
        """Users (of one organisation, if given), by name."""
        with self._session() as s:
            return _accounts.users(s, organisation)

    def principal(self, user: str) -> Principal:
        """The principal of a user by name (for trusted tooling such as a CLI)."""
        with self._session() as s:
            return _accounts.principal_of(s, user_row(s, user))

    def issue_token(self, user: str, *, by: Principal, label: str | None = None) -> str:
        """A new API token for ``user`` (self-service, or an admin for anyone).

        The plaintext is returned once; only its SHA-256 is stored.
        """
        with self._session(write=True) as s:
            return _accounts.issue_token(s, user, by, label)

    def tokens(self, user: str, *, by: Principal) -> list[TokenInfo]:
        """A user's tokens (metadata only), to the user or an admin."""
        with self._session() as s:
            return _accounts.tokens(s, user, by)

    def revoke_token(self, token_id: int, *, by: Principal) -> None:
        """Revoke a token (its user or an admin)."""
        with self._session(write=True) as s:
            _accounts.revoke_token(s, token_id, by)

    def authenticate(self, token: str | None) -> Principal:
        """The principal a token stands for.

        Raises
        ------
        AuthenticationError
            If the token is missing, unknown, revoked, or its user is inactive.
        """
        with self._session() as s:
            return _accounts.authenticate(s, token)

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

    # -- runs (jobs) -----------------------------------------------------------------
    def create_run(
        self,
        kind: str,
        inputs: Mapping[str, Any],
        *,
        by: Principal,
        network: str | None = None,
        network_version: int | None = None,
    ) -> RunInfo:
        """Queue a run (``kind`` in :data:`RUN_KINDS`).

        Any role may run analyses. A run on a stored network is pinned to a
        version (the latest when ``network_version`` is ``None``).
        """
        with self._session(write=True) as s:
            if network is not None and network_version is None:
                network_version = network_row(s, network).latest_version
            elif network is not None:
                _networks.version_row(s, network, network_version)
            return _runs.info(s, _runs.create(s, kind, inputs, by, network, network_version))

    def run(self, run_id: int) -> RunInfo:
        """A run's state and (when succeeded) result."""
        with self._session() as s:
            return _runs.info(s, _runs.get_row(s, run_id))

    def runs(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        user: str | None = None,
        organisation: str | None = None,
        limit: int = 100,
        results: bool = True,
    ) -> list[RunInfo]:
        """Runs, newest first, optionally filtered; without ``results`` each ``result`` is None.

        Listing without results reads no result column (they can be large).
        """
        with self._session() as s:
            rows = _runs.listing(s, status, kind, user, organisation, limit, results=results)
            return [_runs.info(s, r, result=results) for r in rows]

    def start_run(self, run_id: int) -> RunInfo:
        """Worker: mark a queued run running here (:class:`ConflictError` if not queued)."""
        with self._session(write=True) as s:
            return _runs.info(s, _runs.start(s, run_id))

    def update_run(
        self, run_id: int, *, progress: float | None = None, message: str | None = None
    ) -> RunInfo:
        """Worker: record progress (0 to 1) and a heartbeat.

        Raises :class:`ConflictError` once the run is no longer running
        (cancelled or marked failed): the worker should stop.
        """
        with self._session(write=True) as s:
            return _runs.info(s, _runs.update(s, run_id, progress, message))

    def heartbeat(self, run_id: int) -> RunInfo:
        """Worker: say the run is alive (as :meth:`update_run` with nothing to update)."""
        return self.update_run(run_id)

    def finish_run(self, run_id: int, result: Any) -> RunInfo:
        """Worker: store a running run's JSON-able result and mark it succeeded."""
        with self._session(write=True) as s:
            return _runs.info(s, _runs.finish(s, run_id, result))

    def fail_run(self, run_id: int, error: str) -> RunInfo:
        """Worker: mark a queued or running run failed with a reason."""
        with self._session(write=True) as s:
            return _runs.info(s, _runs.fail(s, run_id, error))

    def cancel_run(self, run_id: int, *, by: Principal) -> RunInfo:
        """Cancel a queued or running run of ``by``'s organisation (or any, for an admin).

        The run is marked failed at once ("cancelled by ...").
        """
        with self._session(write=True) as s:
            return _runs.info(s, _runs.cancel(s, run_id, by))

    def fail_stale_runs(
        self,
        *,
        at: datetime | None = None,
        include_queued: bool = False,
        orphaned_queued: bool = False,
        startup: bool = False,
    ) -> list[int]:
        """Mark runs left ``running`` by a dead process as failed; return their ids.

        Call it when the server starts. A run counts as abandoned when it is
        running on this host in a process that no longer exists, or when its
        last heartbeat (before ``at``, default now) is older than
        ``settings.stale_run_after_s`` (runs on other hosts). With
        ``include_queued`` every queued run is failed too: right for a server
        that executes runs in-process, whose queue does not survive a restart.
        With ``orphaned_queued`` only the queued runs whose queuing process
        (on this host) is gone: right for several server processes sharing
        one store, each with its own in-process queue. ``startup`` says this
        process has queued and run nothing yet, so runs attributed to its own
        process id are an earlier process's (pid reuse after a restart).
        """
        with self._session(write=True) as s:
            failed = _runs.fail_stale(
                s, self.settings.stale_run_after_s, at, include_queued, orphaned_queued, startup
            )
        if failed:
            log.warning("marked %d abandoned run(s) failed: %s", len(failed), failed)
        return failed

    # -- audit -------------------------------------------------------------------------
    def audit_log(
        self,
        *,
        object_kind: str | None = None,
        object_name: str | None = None,
        record_id: str | None = None,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        """Audit entries, oldest first, optionally filtered (``object_kind`` e.g. ``network``)."""
        with self._session() as s:
            stmt = select(AuditRow).order_by(AuditRow.id).limit(limit)
            if object_kind is not None:
                stmt = stmt.where(AuditRow.object_kind == object_kind)
            if object_name is not None:
                stmt = stmt.where(AuditRow.object_name == object_name)
            if record_id is not None:
                stmt = stmt.where(AuditRow.record_id == record_id)
            return [
                AuditEntry(
                    id=r.id,
                    at=utc(r.at),
                    user=r.user_name,
                    organisation=r.organisation_name,
                    action=r.action,
                    object_kind=r.object_kind,
                    object_name=r.object_name,
                    version=r.version,
                    table=r.table_name,
                    record_id=r.record_id,
                    field=r.field,
                    old_value=loads_json(r.old_value),
                    new_value=loads_json(r.new_value),
                )
                for r in s.scalars(stmt)
            ]
