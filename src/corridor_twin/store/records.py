"""Frozen value objects the store returns (never live ORM rows).

Times are timezone-aware UTC datetimes. JSON payloads (run inputs and
results, audit values) are returned decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "AuditEntry",
    "Document",
    "DocumentInfo",
    "LegacyFix",
    "NetworkInfo",
    "OrganisationInfo",
    "OwnershipRule",
    "RepairInfo",
    "RunInfo",
    "TokenInfo",
    "UserInfo",
    "VersionInfo",
]


@dataclass(frozen=True)
class OrganisationInfo:
    """An organisation."""

    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class UserInfo:
    """A user; ``role`` is one of {viewer, editor, admin}."""

    id: int
    name: str
    organisation: str
    role: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    """An API token's metadata (its text is never stored, so never shown again)."""

    id: int
    user: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class NetworkInfo:
    """A stored network and its newest version number."""

    name: str
    latest_version: int
    created_at: datetime


@dataclass(frozen=True)
class VersionInfo:
    """One stored version of a network.

    Attributes
    ----------
    sha256
        SHA-256 of the version's canonical YAML text.
    user, organisation
        Who made it (``None`` when unknown).
    message
        The author's note on the change.
    """

    network: str
    version: int
    sha256: str
    created_at: datetime
    user: str | None
    organisation: str | None
    message: str | None


@dataclass(frozen=True)
class OwnershipRule:
    """``organisation`` owns the records of ``table`` matching ``pattern`` in ``network``."""

    id: int
    network: str
    table: str
    pattern: str
    organisation: str


@dataclass(frozen=True)
class DocumentInfo:
    """One version of a stored scenario or demand table (``kind`` in {scenario, demand})."""

    kind: str
    name: str
    version: int
    fmt: str
    sha256: str
    description: str | None
    organisation: str
    user: str
    created_at: datetime


@dataclass(frozen=True)
class Document:
    """A stored document version with its text."""

    info: DocumentInfo
    text: str


@dataclass(frozen=True)
class RunInfo:
    """A run (job) and its state.

    Attributes
    ----------
    kind
        One of {route, capacity, assignment, simulation, compare, reliability}.
    status
        One of {queued, running, succeeded, failed}; a cancelled or crashed
        run is ``failed`` with the reason in ``error``.
    progress
        Share done, 0 to 1.
    host, pid
        Where the run is (or was) executing.
    """

    id: int
    kind: str
    status: str
    inputs: dict[str, Any]
    network: str | None
    network_version: int | None
    progress: float
    message: str | None
    result: Any
    error: str | None
    user: str
    organisation: str
    host: str | None
    pid: int | None
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class AuditEntry:
    """One audited change: who, when, what (table, record, field), old and new value.

    ``action`` is one of {create, update, insert, delete, save, grant,
    revoke, ...}; ``old_value``/``new_value`` are decoded JSON (``None``
    where there was none).
    """

    id: int
    at: datetime
    user: str | None
    organisation: str | None
    action: str
    object_kind: str
    object_name: str
    version: int | None
    table: str | None
    record_id: str | None
    field: str | None
    old_value: Any
    new_value: Any


@dataclass(frozen=True)
class LegacyFix:
    """A non-finite capacity of a version stored before the input boundary, read as unlimited.

    ``old`` is the stored value as YAML wrote it (``.inf``); the field is
    read as left out (``None``: unlimited).
    """

    version: int
    table: str
    record_id: str
    field: str
    old: str


@dataclass(frozen=True)
class RepairInfo:
    """What :meth:`Store.repair_versions` found in one network and what it wrote.

    Attributes
    ----------
    affected
        Every version whose stored text holds a non-finite capacity (they
        stay as stored and read with it unlimited).
    fixes
        The fields mapped in the latest version (empty: it needs no repair).
    written
        The new version holding the latest repaired, or ``None`` (nothing to
        repair, or a dry run).
    """

    network: str
    latest: int
    affected: tuple[int, ...]
    fixes: tuple[LegacyFix, ...]
    written: VersionInfo | None
