"""The store's tables, as SQLAlchemy 2 typed ORM models.

The Alembic migrations in ``store/migrations/versions`` create exactly these
tables (a test compares them); change both together, adding a new migration.

Tables
------
organisations
    The parties running the corridor (railways, ports, ferry lines, ministries).
users
    Belong to one organisation, with a role in {viewer, editor, admin}.
api_tokens
    SHA-256 hashes of API tokens (the plaintext is shown once and never stored).
networks, network_versions
    A named network and its append-only versions, each the canonical YAML text
    of the whole network and its SHA-256.
ownership_rules
    Which organisation owns which records of a network (see
    :mod:`corridor_twin.store.auth`).
documents
    Scenarios and demand tables: append-only versions of their text.
runs
    Route, capacity, assignment and simulation jobs: inputs, status, progress,
    heartbeat and result.
audit_log
    Who changed what, when, with the old and new value.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditRow",
    "Base",
    "DocumentRow",
    "NetworkRow",
    "NetworkVersionRow",
    "OrganisationRow",
    "OwnershipRuleRow",
    "RunRow",
    "TokenRow",
    "UserRow",
]

ROLES = ("viewer", "editor", "admin")
RUN_KINDS = ("route", "capacity", "assignment", "simulation", "compare", "reliability")
RUN_STATUSES = ("queued", "running", "succeeded", "failed")
DOCUMENT_KINDS = ("scenario", "demand")

_Time = DateTime(timezone=True)


class Base(DeclarativeBase):
    """Declarative base of the store's models."""


class OrganisationRow(Base):
    """An organisation."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(_Time)


class UserRow(Base):
    """A user of one organisation."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="ck_users_role"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(_Time)


class TokenRow(Base):
    """An API token, stored as the SHA-256 of its text."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(_Time)
    revoked_at: Mapped[datetime | None] = mapped_column(_Time)


class NetworkRow(Base):
    """A named network; ``latest_version`` is bumped by each accepted edit."""

    __tablename__ = "networks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    latest_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(_Time)


class NetworkVersionRow(Base):
    """One immutable version of a network."""

    __tablename__ = "network_versions"
    __table_args__ = (UniqueConstraint("network_id", "version", name="uq_network_versions"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    version: Mapped[int] = mapped_column(Integer)
    yaml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(_Time)


class OwnershipRuleRow(Base):
    """``organisation`` owns the records of ``table_name`` matching ``pattern``."""

    __tablename__ = "ownership_rules"
    __table_args__ = (
        UniqueConstraint(
            "network_id", "table_name", "pattern", "organisation_id", name="uq_ownership_rules"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    pattern: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(_Time)


class DocumentRow(Base):
    """One version of a scenario or demand table, as text."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("kind", "name", "version", name="uq_documents"),
        CheckConstraint("kind IN ('scenario', 'demand')", name="ck_documents_kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    fmt: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(_Time)


class RunRow(Base):
    """A job: its inputs, status, progress, heartbeat and result."""

    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('route', 'capacity', 'assignment', 'simulation', 'compare', 'reliability')",
            name="ck_runs_kind",
        ),
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name="ck_runs_status"
        ),
        Index("ix_runs_status", "status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    inputs_json: Mapped[str] = mapped_column(Text)
    network_name: Mapped[str | None] = mapped_column(String(200))
    network_version: Mapped[int | None] = mapped_column(Integer)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(Text)
    result_json: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(_Time)
    started_at: Mapped[datetime | None] = mapped_column(_Time)
    heartbeat_at: Mapped[datetime | None] = mapped_column(_Time)
    finished_at: Mapped[datetime | None] = mapped_column(_Time)


class AuditRow(Base):
    """One changed value (or one action) with who, when, the old and new value (JSON)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_object", "object_kind", "object_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(_Time)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_name: Mapped[str | None] = mapped_column(String(200))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    object_kind: Mapped[str] = mapped_column(String(40))
    object_name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int | None] = mapped_column(Integer)
    table_name: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(200))
    field: Mapped[str | None] = mapped_column(String(80))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
