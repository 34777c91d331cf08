"""Where the store lives: database URL resolution.

The URL is chosen, first match wins:

1. an explicit URL (``StoreSettings(database_url=...)``);
2. the environment variable ``CORRIDOR_DATABASE_URL`` (production: PostgreSQL,
   e.g. ``postgresql://user:pass@host/corridor``);
3. an embedded SQLite file ``corridor.sqlite3`` in the user's data directory:
   ``CORRIDOR_DATA_DIR`` if set, else ``$XDG_DATA_HOME/corridor-twin``, else
   ``~/.local/share/corridor-twin``.

Nothing is read or created at import time: :meth:`StoreSettings.from_env`
reads the environment when called, and the data directory is made when the
store is opened.

Examples
--------
>>> StoreSettings.from_env({"CORRIDOR_DATABASE_URL": "postgresql://db/corridor"}).url()
'postgresql+psycopg://db/corridor'
>>> StoreSettings.from_env({"CORRIDOR_DATA_DIR": "/srv/ct"}).url()
'sqlite:////srv/ct/corridor.sqlite3'
>>> StoreSettings(database_url="sqlite://").url()
'sqlite://'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DATABASE_URL_ENV", "DATA_DIR_ENV", "SQLITE_FILE", "StoreSettings", "normalise_url"]

DATABASE_URL_ENV = "CORRIDOR_DATABASE_URL"
DATA_DIR_ENV = "CORRIDOR_DATA_DIR"
SQLITE_FILE = "corridor.sqlite3"


def normalise_url(url: str) -> str:
    """A database URL with the driver the store uses (psycopg 3 for PostgreSQL).

    Examples
    --------
    >>> normalise_url("postgres://u@h/db")
    'postgresql+psycopg://u@h/db'
    >>> normalise_url("sqlite:///tmp/x.sqlite3")
    'sqlite:///tmp/x.sqlite3'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _default_data_dir(environ: Mapping[str, str]) -> Path:
    if environ.get(DATA_DIR_ENV):
        return Path(environ[DATA_DIR_ENV])
    xdg = environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path(environ.get("HOME") or Path.home()) / ".local" / "share"
    return base / "corridor-twin"


@dataclass(frozen=True)
class StoreSettings:
    """How to reach the store's database.

    Parameters
    ----------
    database_url
        SQLAlchemy URL; ``None`` for the embedded SQLite file in ``data_dir``.
        ``postgresql://`` URLs use the psycopg 3 driver (extra ``postgres``);
        ``sqlite://`` is a private in-memory database (tests, examples).
    data_dir
        Directory of the embedded SQLite file when no URL is given.
    stale_run_after_s
        A run whose last heartbeat is older than this, in seconds, counts as
        abandoned by :meth:`~corridor_twin.store.Store.fail_stale_runs`.
    """

    database_url: str | None = None
    data_dir: Path | None = None
    stale_run_after_s: float = 300.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StoreSettings:
        """Settings from ``CORRIDOR_DATABASE_URL`` / ``CORRIDOR_DATA_DIR`` / XDG variables."""
        env = os.environ if environ is None else environ
        return cls(database_url=env.get(DATABASE_URL_ENV) or None, data_dir=_default_data_dir(env))

    def url(self) -> str:
        """The resolved SQLAlchemy URL."""
        if self.database_url:
            return normalise_url(self.database_url)
        directory = self.data_dir if self.data_dir is not None else _default_data_dir(os.environ)
        return f"sqlite:///{directory / SQLITE_FILE}"

    def sqlite_path(self) -> Path | None:
        """The SQLite file the URL points at (``None`` for in-memory or other databases)."""
        url = self.url()
        if not url.startswith("sqlite:///"):
            return None
        return Path(url[len("sqlite:///") :].split("?", 1)[0])
