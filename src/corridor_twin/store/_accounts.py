"""Organisations, users and API tokens (functions on an open session)."""

from __future__ import annotations

import hmac

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corridor_twin.errors import AuthenticationError, ConflictError, NotFoundError
from corridor_twin.store._common import (
    audit,
    name_of,
    now,
    org_row,
    require_admin,
    user_row,
    utc,
    utc_opt,
)
from corridor_twin.store.auth import Principal, check_role, hash_token, new_token
from corridor_twin.store.records import OrganisationInfo, TokenInfo, UserInfo
from corridor_twin.store.schema import OrganisationRow, TokenRow, UserRow

__all__ = [
    "authenticate",
    "bootstrap",
    "create_organisation",
    "create_user",
    "issue_token",
    "organisations",
    "principal_of",
    "revoke_token",
    "set_user",
    "tokens",
    "users",
]


def principal_of(s: Session, user: UserRow) -> Principal:
    """The principal of a user row."""
    org = name_of(s, OrganisationRow, user.organisation_id)
    return Principal(user.id, user.name, user.organisation_id, org, user.role)


def _add_token(s: Session, user: UserRow, label: str | None) -> str:
    token = new_token()
    s.add(TokenRow(user_id=user.id, token_sha256=hash_token(token), label=label, created_at=now()))
    return token


def bootstrap(s: Session, organisation: str, admin: str) -> tuple[Principal, str]:
    """First organisation and admin of an empty store, and the admin's token."""
    if s.scalar(select(func.count()).select_from(UserRow)):
        raise ConflictError("the store already has users; ask an admin for an account")
    org = OrganisationRow(name=organisation, created_at=now())
    s.add(org)
    s.flush()
    user = UserRow(name=admin, organisation_id=org.id, role="admin", active=True, created_at=now())
    s.add(user)
    s.flush()
    by = Principal(user.id, user.name, org.id, org.name, "admin")
    token = _add_token(s, user, None)
    audit(s, by, "bootstrap", "user", admin, new={"organisation": organisation})
    return by, token


def create_organisation(s: Session, name: str, by: Principal) -> OrganisationInfo:
    """Add an organisation (admins only)."""
    require_admin(by, "creating an organisation")
    if s.scalars(select(OrganisationRow.id).where(OrganisationRow.name == name)).first():
        raise ConflictError(f"an organisation named {name!r} already exists")
    row = OrganisationRow(name=name, created_at=now())
    s.add(row)
    s.flush()
    audit(s, by, "create", "organisation", name)
    return OrganisationInfo(row.id, row.name, utc(row.created_at))


def organisations(s: Session) -> list[OrganisationInfo]:
    """Every organisation, by name."""
    rows = s.scalars(select(OrganisationRow).order_by(OrganisationRow.name))
    return [OrganisationInfo(r.id, r.name, utc(r.created_at)) for r in rows]


def create_user(s: Session, name: str, organisation: str, role: str, by: Principal) -> UserInfo:
    """Add a user (admins only)."""
    require_admin(by, "creating a user")
    check_role(role)
    org = org_row(s, organisation)
    if s.scalars(select(UserRow.id).where(UserRow.name == name)).first():
        raise ConflictError(f"a user named {name!r} already exists")
    row = UserRow(name=name, organisation_id=org.id, role=role, active=True, created_at=now())
    s.add(row)
    s.flush()
    audit(s, by, "create", "user", name, new={"organisation": organisation, "role": role})
    return UserInfo(row.id, name, organisation, role, True, utc(row.created_at))


def set_user(
    s: Session, name: str, by: Principal, role: str | None, active: bool | None
) -> UserInfo:
    """Change a user's role or active flag (admins only)."""
    require_admin(by, "changing a user")
    row = user_row(s, name)
    if role is not None and role != row.role:
        audit(s, by, "update", "user", name, field="role", old=row.role, new=check_role(role))
        row.role = role
    if active is not None and active != row.active:
        audit(s, by, "update", "user", name, field="active", old=row.active, new=active)
        row.active = active
    org = name_of(s, OrganisationRow, row.organisation_id)
    return UserInfo(row.id, name, org, row.role, row.active, utc(row.created_at))


def users(s: Session, organisation: str | None) -> list[UserInfo]:
    """Users (of one organisation, if given), by name."""
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


def issue_token(s: Session, user: str, by: Principal, label: str | None) -> str:
    """A new token for ``user`` (the user or an admin)."""
    if user != by.user:
        require_admin(by, f"issuing a token for {user!r}")
    token = _add_token(s, user_row(s, user), label)
    audit(s, by, "issue_token", "user", user, new=label)
    return token


def tokens(s: Session, user: str, by: Principal) -> list[TokenInfo]:
    """A user's tokens (metadata only), to the user or an admin."""
    if user != by.user:
        require_admin(by, f"listing the tokens of {user!r}")
    row = user_row(s, user)
    rows = s.scalars(select(TokenRow).where(TokenRow.user_id == row.id).order_by(TokenRow.id))
    return [TokenInfo(t.id, user, t.label, utc(t.created_at), utc_opt(t.revoked_at)) for t in rows]


def revoke_token(s: Session, token_id: int, by: Principal) -> None:
    """Revoke a token (its user or an admin)."""
    row = s.get(TokenRow, token_id)
    if row is None:
        raise NotFoundError(f"no token {token_id}")
    if row.user_id != by.user_id:
        require_admin(by, "revoking another user's token")
    if row.revoked_at is None:
        row.revoked_at = now()
        audit(s, by, "revoke_token", "token", str(token_id))


def authenticate(s: Session, token: str | None) -> Principal:
    """The principal of a token, else :class:`AuthenticationError`."""
    if not token:
        raise AuthenticationError("no API token given")
    digest = hash_token(token)
    row = s.scalars(select(TokenRow).where(TokenRow.token_sha256 == digest)).one_or_none()
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        raise AuthenticationError("unknown API token")
    if row.revoked_at is not None:
        raise AuthenticationError("this API token has been revoked")
    user = s.get_one(UserRow, row.user_id)
    if not user.active:
        raise AuthenticationError(f"user {user.name!r} is deactivated")
    return principal_of(s, user)
