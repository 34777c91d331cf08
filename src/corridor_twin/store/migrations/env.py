"""Alembic environment of the store, run programmatically (no alembic.ini).

:func:`corridor_twin.store._engine.migrate` passes an open connection in
``config.attributes["connection"]``; this module never configures logging and
never builds an engine of its own.
"""

from __future__ import annotations

from alembic import context

from corridor_twin.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached through the alembic CLI
    raise RuntimeError("run the store's migrations through corridor_twin.store.Store.open")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
