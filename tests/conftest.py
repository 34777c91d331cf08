"""Shared fixtures: the tiny test corridor and a builder for small random networks.

Hypothesis runs derandomized (the same examples every run) with a modest
number of examples and no example database, so the suite is deterministic
and writes nothing outside pytest's cache.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from corridor_twin.io import read_network
from corridor_twin.network.model import Network
from corridor_twin.store import Store
from store_support import PostgresServer, find_pg_bin
from strategies import make_network

settings.register_profile(
    "corridor",
    derandomize=True,
    database=None,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=False,
)
settings.load_profile("corridor")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep any default store (``CORRIDOR_DATA_DIR``) out of the user's data directory."""
    old = os.environ.get("CORRIDOR_DATA_DIR")
    os.environ["CORRIDOR_DATA_DIR"] = str(tmp_path_factory.mktemp("corridor-data"))
    yield
    if old is None:
        os.environ.pop("CORRIDOR_DATA_DIR", None)
    else:
        os.environ["CORRIDOR_DATA_DIR"] = old


@pytest.fixture(scope="session")
def mini_path() -> Path:
    """Path of the test corridor file ``tests/data/mini.yaml``."""
    return DATA / "mini.yaml"


@pytest.fixture(scope="session")
def mini(mini_path: Path) -> Network:
    """The test corridor: CN -> gauge change -> KZ -> Caspian ferry -> AZ -> GE."""
    return read_network(mini_path)


@pytest.fixture(scope="session")
def mini_timetabled(mini: Network) -> Network:
    """The test corridor with a one-way ferry KZ_P -> AZ_P sailing Wednesdays 10:00."""
    ferry = dataclasses.replace(
        mini.service("ferry"),
        departures=("Wed 10:00",),
        sailings_per_week=None,
        bidirectional=False,
    )
    return mini.replace(services=(ferry,))


@pytest.fixture(scope="session")
def build_network() -> Callable[..., Network]:
    """Builder of small single-mode rail networks (see :func:`strategies.make_network`)."""
    return make_network


# -- store: the same tests on SQLite and on a throw-away PostgreSQL server -------------
@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL server for the session; skips only when PostgreSQL is absent."""
    bindir = find_pg_bin()
    if bindir is None:
        why = "PostgreSQL binaries (initdb, pg_ctl) not found"
        if os.environ.get("CI"):  # .ci/run installs them: never skip silently there
            pytest.fail(f"{why}; .ci/run should have installed them")
        pytest.skip(f"{why}; CI installs them (apt-get install postgresql)")
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a new, empty database: a SQLite file, or a database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.new_database()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open store on a new, migrated database."""
    with Store.open(store_url) as s:
        yield s
