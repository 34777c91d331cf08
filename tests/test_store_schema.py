"""Store schema and settings: migrations from empty, model/migration agreement, URLs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from corridor_twin.errors import StoreError
from corridor_twin.store import Store, StoreSettings
from corridor_twin.store._engine import _alembic_config, current_revision, make_engine, migrate
from corridor_twin.store.schema import Base


def test_migrations_upgrade_an_empty_database_to_head(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        with engine.connect() as conn:
            head = ScriptDirectory.from_config(_alembic_config(conn)).get_current_head()
            # the migrated tables are exactly the models: nothing left to autogenerate
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            conn.rollback()
        assert head is not None
        assert current_revision(engine) == head
        assert diff == []
        migrate(engine)  # idempotent
        assert current_revision(engine) == head
    finally:
        engine.dispose()


def test_open_without_upgrade_on_an_empty_database_fails_clearly(tmp_path: Path) -> None:
    with (
        Store.open(f"sqlite:///{tmp_path / 'x.sqlite3'}", upgrade=False) as store,
        pytest.raises(StoreError, match="no such table"),
    ):
        store.networks()


def test_default_url_is_a_sqlite_file_in_the_user_data_dir(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "home")}
    assert (
        StoreSettings.from_env(env).url()
        == f"sqlite:///{tmp_path}/xdg/corridor-twin/corridor.sqlite3"
    )
    assert StoreSettings.from_env({"HOME": str(tmp_path)}).sqlite_path() == (
        tmp_path / ".local/share/corridor-twin/corridor.sqlite3"
    )
    env["CORRIDOR_DATA_DIR"] = str(tmp_path / "data")
    settings = StoreSettings.from_env(env)
    assert settings.sqlite_path() == tmp_path / "data" / "corridor.sqlite3"
    env["CORRIDOR_DATABASE_URL"] = "postgresql://u@h:5/db"
    assert StoreSettings.from_env(env).url() == "postgresql+psycopg://u@h:5/db"
    assert StoreSettings.from_env(env).sqlite_path() is None
    # zero set-up: opening creates the directory and the file
    with Store.open(settings) as store:
        assert store.dialect == "sqlite"
        assert store.networks() == []
    assert (tmp_path / "data" / "corridor.sqlite3").exists()


def test_open_reads_the_environment_only_when_called(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORRIDOR_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    with Store.open() as store:
        assert store.networks() == []
    assert (tmp_path / "env.sqlite3").exists()


def test_bad_urls_raise_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot use database URL"):
        Store.open("nonsense://x")
    with pytest.raises(StoreError, match="cannot open the store"):
        Store.open("postgresql://nobody@127.0.0.1:1/none")


def test_error_tree_docstring_lists_every_error() -> None:
    import corridor_twin.errors as errors

    assert errors.__doc__ is not None
    for name in errors.__all__:
        assert re.search(rf"── {name}\b", errors.__doc__) or name == "CorridorError", name
    assert issubclass(errors.ConflictError, errors.StoreError)
    assert issubclass(errors.PermissionDeniedError, errors.CorridorError)
    assert issubclass(errors.AuthenticationError, errors.CorridorError)
