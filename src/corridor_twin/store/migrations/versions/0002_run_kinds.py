"""Run kinds for the service's jobs: add ``compare`` and ``reliability``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OLD = "kind IN ('route', 'capacity', 'assignment', 'simulation')"
_NEW = "kind IN ('route', 'capacity', 'assignment', 'simulation', 'compare', 'reliability')"


def _replace(check: str) -> None:
    # batch mode: SQLite cannot alter a constraint in place, so the table is copied
    with op.batch_alter_table("runs", recreate="auto") as batch:
        batch.drop_constraint("ck_runs_kind", type_="check")
        batch.create_check_constraint("ck_runs_kind", check)


def upgrade() -> None:
    _replace(_NEW)


def downgrade() -> None:
    _replace(_OLD)
