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

import hmac
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from corridor_twin.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    StoreError,
)
from corridor_twin.network.model import Network
from corridor_twin.scenarios.demand import DemandTable, loads_demand, loads_demand_csv
from corridor_twin.scenarios.io import dumps_scenario, loads_scenario
from corridor_twin.scenarios.model import Scenario
from corridor_twin.store import _documents, _networks, _runs
from corridor_twin.store._common import (
    audit,
    loads_json,
    name_of,
    network_row,
    now,
    org_row,
    require_admin,
    user_row,
    utc,
    utc_opt,
)
from corridor_twin.store._engine import WRITE, make_engine, migrate
from corridor_twin.store.auth import Principal, check_role, hash_token, new_token
from corridor_twin.store.edits import RecordEdit, UpdateRecord
from corridor_twin.store.records import (
    AuditEntry,
    Document,
    DocumentInfo,
    NetworkInfo,
    OrganisationInfo,
    OwnershipRule,
    RunInfo,
    TokenInfo,
    UserInfo,
    VersionInfo,
)
from corridor_twin.store.schema import (
    AuditRow,
    NetworkRow,
    NetworkVersionRow,
    OrganisationRow,
    TokenRow,
    UserRow,
)
from corridor_twin.store.settings import StoreSettings

__all__ = ["Store", "UpdateRecord"]

log = logging.getLogger(__name__)


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
            with self._engine.connect() as conn:
                if write:
                    conn.execution_options(**{WRITE: True})
                with Session(bind=conn, expire_on_commit=False) as s, s.begin():
                    yield s
        except IntegrityError as exc:
            raise ConflictError(f"a concurrent change got there first: {exc.orig}") from None
        except OperationalError as exc:
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
            if s.scalar(select(func.count()).select_from(UserRow)):
                raise ConflictError("the store already has users; ask an admin for an account")
            org = OrganisationRow(name=organisation, created_at=now())
            s.add(org)
            s.flush()
            user = UserRow(
                name=admin, organisation_id=org.id, role="admin", active=True, created_at=now()
            )
            s.add(user)
            s.flush()
            by = Principal(user.id, user.name, org.id, org.name, "admin")
            token = self._add_token(s, user, None)
            audit(s, by, "bootstrap", "user", admin, new={"organisation": organisation})
            return by, token

    def create_organisation(self, name: str, *, by: Principal) -> OrganisationInfo:
        """Add an organisation (admins only)."""
        require_admin(by, "creating an organisation")
        with self._session(write=True) as s:
            if s.scalars(select(OrganisationRow.id).where(OrganisationRow.name == name)).first():
                raise ConflictError(f"an organisation named {name!r} already exists")
            row = OrganisationRow(name=name, created_at=now())
            s.add(row)
            s.flush()
            audit(s, by, "create", "organisation", name)
            return OrganisationInfo(row.id, row.name, utc(row.created_at))

    def organisations(self) -> list[OrganisationInfo]:
        """Every organisation, by name."""
        with self._session() as s:
            rows = s.scalars(select(OrganisationRow).order_by(OrganisationRow.name))
            return [OrganisationInfo(r.id, r.name, utc(r.created_at)) for r in rows]

    def create_user(self, name: str, organisation: str, role: str, *, by: Principal) -> UserInfo:
        """Add a user to an organisation with a role in {viewer, editor, admin} (admins only)."""
        require_admin(by, "creating a user")
        check_role(role)
        with self._session(write=True) as s:
            org = org_row(s, organisation)
            if s.scalars(select(UserRow.id).where(UserRow.name == name)).first():
                raise ConflictError(f"a user named {name!r} already exists")
            row = UserRow(
                name=name, organisation_id=org.id, role=role, active=True, created_at=now()
            )
            s.add(row)
            s.flush()
            audit(s, by, "create", "user", name, new={"organisation": organisation, "role": role})
            return UserInfo(row.id, name, organisation, role, True, utc(row.created_at))

    def set_user(
        self, name: str, *, by: Principal, role: str | None = None, active: bool | None = None
    ) -> UserInfo:
        """Change a user's role or deactivate them (admins only); tokens of inactive users fail."""
        require_admin(by, "changing a user")
        with self._session(write=True) as s:
            row = user_row(s, name)
            if role is not None and role != row.role:
                audit(
                    s, by, "update", "user", name, field="role", old=row.role, new=check_role(role)
                )
                row.role = role
            if active is not None and active != row.active:
                audit(s, by, "update", "user", name, field="active", old=row.active, new=active)
                row.active = active
            org = name_of(s, OrganisationRow, row.organisation_id)
            return UserInfo(row.id, name, org, row.role, row.active, utc(row.created_at))

    def users(self, organisation: str | None = None) -> list[UserInfo]:
        """Users (of one organisation, if given), by name."""
        with self._session() as s:
            stmt = (
                select(UserRow, OrganisationRow.name)
                .join(OrganisationRow, OrganisationRow.id == UserRow.organisation_id)
                .order_by(UserRow.name)
            )
            if organisation is not None:
                stmt = stmt.where(OrganisationRow.name == organisation)
            return [
                UserInfo(u.id, u.name, org, u.role, u.active, utc(u.created_at))
                for u, org in s.execute(stmt).all()
            ]

    def principal(self, user: str) -> Principal:
        """The principal of a user by name (for trusted tooling such as a CLI)."""
        with self._session() as s:
            return self._principal(s, user_row(s, user))

    @staticmethod
    def _principal(s: Session, user: UserRow) -> Principal:
        org = name_of(s, OrganisationRow, user.organisation_id)
        return Principal(user.id, user.name, user.organisation_id, org, user.role)

    @staticmethod
    def _add_token(s: Session, user: UserRow, label: str | None) -> str:
        token = new_token()
        s.add(
            TokenRow(user_id=user.id, token_sha256=hash_token(token), label=label, created_at=now())
        )
        return token

    def issue_token(self, user: str, *, by: Principal, label: str | None = None) -> str:
        """A new API token for ``user`` (self-service, or an admin for anyone).

        The plaintext is returned once; only its SHA-256 is stored.
        """
        if user != by.user:
            require_admin(by, f"issuing a token for {user!r}")
        with self._session(write=True) as s:
            row = user_row(s, user)
            token = self._add_token(s, row, label)
            audit(s, by, "issue_token", "user", user, new=label)
            return token

    def tokens(self, user: str, *, by: Principal) -> list[TokenInfo]:
        """A user's tokens (metadata only), to the user or an admin."""
        if user != by.user:
            require_admin(by, f"listing the tokens of {user!r}")
        with self._session() as s:
            row = user_row(s, user)
            rows = s.scalars(
                select(TokenRow).where(TokenRow.user_id == row.id).order_by(TokenRow.id)
            )
            return [
                TokenInfo(t.id, user, t.label, utc(t.created_at), utc_opt(t.revoked_at))
                for t in rows
            ]

    def revoke_token(self, token_id: int, *, by: Principal) -> None:
        """Revoke a token (its user or an admin)."""
        with self._session(write=True) as s:
            row = s.get(TokenRow, token_id)
            if row is None:
                raise NotFoundError(f"no token {token_id}")
            if row.user_id != by.user_id:
                require_admin(by, "revoking another user's token")
            if row.revoked_at is None:
                row.revoked_at = now()
                audit(s, by, "revoke_token", "token", str(token_id))

    def authenticate(self, token: str | None) -> Principal:
        """The principal a token stands for.

        Raises
        ------
        AuthenticationError
            If the token is missing, unknown, revoked, or its user is inactive.
        """
        if not token:
            raise AuthenticationError("no API token given")
        digest = hash_token(token)
        with self._session() as s:
            row = s.scalars(select(TokenRow).where(TokenRow.token_sha256 == digest)).one_or_none()
            if row is None or not hmac.compare_digest(row.token_sha256, digest):
                raise AuthenticationError("unknown API token")
            if row.revoked_at is not None:
                raise AuthenticationError("this API token has been revoked")
            user = s.get_one(UserRow, row.user_id)
            if not user.active:
                raise AuthenticationError(f"user {user.name!r} is deactivated")
            return self._principal(s, user)

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
            return _networks.create(s, name, network, by, message)

    def network(self, name: str, version: int | None = None) -> Network:
        """A stored network (the latest version unless ``version`` is given)."""
        with self._session() as s:
            row = _networks.version_row(s, name, version)
            return _networks.load_version(name, row)

    def network_text(self, name: str, version: int | None = None) -> str:
        """The canonical YAML text of a stored network version."""
        with self._session() as s:
            return _networks.version_row(s, name, version).yaml_text

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
            If ``expected_version`` is not the latest (someone edited since).
        PermissionDeniedError
            If ``by`` is a viewer, or an editor whose organisation does not
            own every record touched.
        ValidationError
            If the edited network breaks validation rules (its findings in
            ``issues``); nothing is written.
        DataError, NotFoundError
            For malformed edits or unknown records.
        """
        with self._session(write=True) as s:
            return _networks.edit(s, name, changes, expected_version, by, message)

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

    def owners(self, network: str, table: str, record_id: str) -> list[str]:
        """Organisations that own one record of the latest version, by name."""
        with self._session() as s:
            net = _networks.load_version(network, _networks.version_row(s, network, None))
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
        """Queue a run (``kind`` in {route, capacity, assignment, simulation}).

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
        limit: int = 100,
    ) -> list[RunInfo]:
        """Runs, newest first, optionally filtered."""
        with self._session() as s:
            return [_runs.info(s, r) for r in _runs.listing(s, status, kind, user, limit)]

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

    def fail_stale_runs(self, *, at: datetime | None = None) -> list[int]:
        """Mark runs left ``running`` by a dead process as failed; return their ids.

        Call it when the server starts. A run counts as abandoned when it is
        running on this host in a process that no longer exists, or when its
        last heartbeat is older than ``settings.stale_run_after_s`` (runs on
        other hosts).
        """
        with self._session(write=True) as s:
            failed = _runs.fail_stale(s, self.settings.stale_run_after_s, at)
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
