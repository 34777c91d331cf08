"""Helpers shared by the store's modules: time, JSON, lookups, audit rows, permissions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor_twin.errors import NotFoundError, PermissionDeniedError
from corridor_twin.store.auth import Principal
from corridor_twin.store.schema import AuditRow, NetworkRow, OrganisationRow, UserRow

__all__ = [
    "NAMES",
    "audit",
    "dumps_json",
    "loads_json",
    "name_of",
    "network_row",
    "now",
    "org_row",
    "require_admin",
    "require_editor",
    "user_row",
    "utc",
    "utc_opt",
]


def now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


def utc(value: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands back naive datetimes)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def utc_opt(value: datetime | None) -> datetime | None:
    """As :func:`utc`, passing ``None`` through."""
    return None if value is None else utc(value)


def dumps_json(value: object) -> str:
    """Canonical JSON text (sorted keys; non-JSON values as strings)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def loads_json(text: str | None) -> Any:
    """Decoded JSON, ``None`` for ``None``."""
    return None if text is None else json.loads(text)


def network_row(s: Session, name: str, *, lock: bool = False) -> NetworkRow:
    """The network's row (locked for update when ``lock``), else :class:`NotFoundError`."""
    stmt = select(NetworkRow).where(NetworkRow.name == name)
    if lock:
        stmt = stmt.with_for_update()
    row = s.scalars(stmt).one_or_none()
    if row is None:
        raise NotFoundError(f"no network named {name!r}")
    return row


def org_row(s: Session, name: str) -> OrganisationRow:
    """The organisation's row, else :class:`NotFoundError`."""
    row = s.scalars(select(OrganisationRow).where(OrganisationRow.name == name)).one_or_none()
    if row is None:
        raise NotFoundError(f"no organisation named {name!r}")
    return row


def user_row(s: Session, name: str) -> UserRow:
    """The user's row, else :class:`NotFoundError`."""
    row = s.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
    if row is None:
        raise NotFoundError(f"no user named {name!r}")
    return row


NAMES = "corridor_names"
"""``Session.info`` key of the store's id -> name memo: ``(dict, fill)``.

Organisations and users are never renamed or deleted, so a name read once
holds for the store's lifetime; only read-only sessions fill the memo
(they see committed rows only: an id from a rolled-back insert, which the
database may hand out again, is never remembered).
"""


def name_of(s: Session, model: type[OrganisationRow] | type[UserRow], key: int) -> str:
    """The name of an organisation or user by id (foreign keys guarantee it exists)."""
    memo: tuple[dict[tuple[str, int], str], bool] | None = s.info.get(NAMES)
    if memo is not None and (hit := memo[0].get((model.__tablename__, key))) is not None:
        return hit
    row = s.get_one(OrganisationRow, key) if model is OrganisationRow else s.get_one(UserRow, key)
    if memo is not None and memo[1]:
        memo[0][(model.__tablename__, key)] = row.name
    return row.name


def require_admin(by: Principal, what: str) -> None:
    """Raise :class:`PermissionDeniedError` unless ``by`` is an admin."""
    if not by.is_admin:
        raise PermissionDeniedError(f"{what} needs the admin role; {by.user!r} is a {by.role}")


def require_editor(by: Principal, what: str) -> None:
    """Raise :class:`PermissionDeniedError` unless ``by`` may edit (editor or admin)."""
    if not by.can_edit:
        raise PermissionDeniedError(
            f"{what} needs the editor or admin role; {by.user!r} is a {by.role}"
        )


def audit(
    s: Session,
    by: Principal | None,
    action: str,
    object_kind: str,
    object_name: str,
    **details: Any,
) -> None:
    """Add one audit row (``details``: version, table_name, record_id, field, old, new)."""
    s.add(
        AuditRow(
            at=now(),
            user_id=None if by is None else by.user_id,
            user_name=None if by is None else by.user,
            organisation_name=None if by is None else by.organisation,
            action=action,
            object_kind=object_kind,
            object_name=object_name,
            version=details.get("version"),
            table_name=details.get("table_name"),
            record_id=details.get("record_id"),
            field=details.get("field"),
            old_value=None if details.get("old") is None else dumps_json(details["old"]),
            new_value=None if details.get("new") is None else dumps_json(details["new"]),
        )
    )
