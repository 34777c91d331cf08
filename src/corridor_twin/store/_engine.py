"""Engine creation (per store, never at import) and programmatic Alembic upgrades.

SQLite is used in WAL mode with ``synchronous=FULL`` and foreign keys on, and
the driver's own transaction handling switched off so that the store decides
how a transaction begins: ``BEGIN IMMEDIATE`` for writes (the write lock is
taken before anything is read, so two writers never both read version *n* and
race to write *n + 1*), plain ``BEGIN`` for reads. PostgreSQL runs at READ
COMMITTED and writers lock the row they change with ``SELECT ... FOR UPDATE``.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import StaticPool

from corridor_twin.errors import StoreError

__all__ = ["WRITE", "make_engine", "migrate"]

log = logging.getLogger(__name__)

WRITE = "corridor_write"
"""Execution option marking a connection whose transaction will write."""

_MIGRATION_LOCK = 7_346_001  # PostgreSQL advisory lock key held while migrating


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` with the store's connection settings.

    Raises
    ------
    StoreError
        If the URL is malformed or its driver is not installed.
    """
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30.0}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            path = Path(url[len("sqlite:///") :].split("?", 1)[0])
            path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, **kwargs)
    except ModuleNotFoundError as exc:
        hint = " (pip install 'corridor-twin[postgres]')" if "psycopg" in str(exc) else ""
        raise StoreError(f"database driver for {url.split(':', 1)[0]!r} missing{hint}") from None
    except Exception as exc:  # sqlalchemy.exc.ArgumentError and friends
        raise StoreError(f"cannot use database URL: {exc}") from None
    if engine.dialect.name == "sqlite":
        _sqlite_events(engine)
    return engine


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_connection.cursor()
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    location = resources.files("corridor_twin.store").joinpath("migrations")
    cfg.set_main_option("script_location", str(location))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest) in one transaction.

    Concurrent openers are serialised (SQLite write lock, PostgreSQL advisory
    lock), so two processes starting at once do not both create the tables.
    """
    from alembic import command

    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            command.upgrade(_alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` if never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        rev: str | None = MigrationContext.configure(conn).get_current_revision()
        conn.rollback()
        return rev
