"""The store's foundation: connection, transactions, accounts, runs and the audit log.

:class:`StoreBase` holds what every part of the store needs and what is
about the store's users and their work rather than the corridor's content:
opening and closing, one database transaction per method, organisations,
users and tokens, runs (jobs) and the audit log. :class:`~corridor_twin.store.Store`
adds the shared content on top: versioned networks and their records,
ownership, scenarios and demand tables. Imports point one way: this module
never imports :mod:`corridor_twin.store.store`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from corridor_twin.errors import (
    ConflictError,
    StoreError,
)
from corridor_twin.store import _accounts, _networks, _runs
from corridor_twin.store._common import (
    NAMES,
    loads_json,
    network_row,
    user_row,
    utc,
)
from corridor_twin.store._engine import WRITE, make_engine, migrate
from corridor_twin.store._writelock import WriteLock
from corridor_twin.store.auth import Principal
from corridor_twin.store.records import (
    AuditEntry,
    OrganisationInfo,
    RunInfo,
    TokenInfo,
    UserInfo,
)
from corridor_twin.store.schema import (
    AuditRow,
)
from corridor_twin.store.settings import StoreSettings

__all__ = ["StoreBase"]

log = logging.getLogger(__name__)

_CACHED_NETWORKS = 8
"""How many parsed network versions one store keeps."""


class StoreBase:
    """A persistent store on one database: lifecycle, transactions, accounts, runs, audit.

    Use :class:`~corridor_twin.store.Store`, which adds the networks and
    documents; build it with :meth:`open`, close it with :meth:`close` or use
    it as a context manager. It holds an engine (a connection pool), the
    parsed-network cache and nothing else: one store may serve many threads.

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
    def open(cls, url: str | StoreSettings | None = None, *, upgrade: bool = True) -> Self:
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

    def __enter__(self) -> Self:
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
