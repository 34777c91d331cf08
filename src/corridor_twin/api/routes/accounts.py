"""The caller, organisations, users and tokens (administration is for admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from corridor_twin.api.deps import AccountDep, StoreDep, require_role
from corridor_twin.api.schemas import ErrorOut
from corridor_twin.api.schemas.store import (
    MeOut,
    OrganisationIn,
    OrganisationOut,
    TokenIn,
    TokenIssuedOut,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)

router = APIRouter(
    tags=["accounts"],
    responses={
        401: {"model": ErrorOut},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
        409: {"model": ErrorOut},
    },
)
ADMIN = [Depends(require_role("admin"))]
UserName = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/me")
def me(account: AccountDep) -> MeOut:
    """Who the token belongs to."""
    return MeOut(user=account.user, organisation=account.organisation, role=account.role)


@router.get("/organisations", dependencies=ADMIN)
def organisations(store: StoreDep) -> list[OrganisationOut]:
    """Every organisation (admins)."""
    return [OrganisationOut.model_validate(o, from_attributes=True) for o in store.organisations()]


@router.post("/organisations", status_code=201, dependencies=ADMIN)
def create_organisation(
    org: OrganisationIn, store: StoreDep, account: AccountDep
) -> OrganisationOut:
    """Add an organisation (admins)."""
    out = store.create_organisation(org.name, by=account)
    return OrganisationOut.model_validate(out, from_attributes=True)


@router.get("/users", dependencies=ADMIN)
def users(store: StoreDep) -> list[UserOut]:
    """Every user (admins)."""
    return [UserOut.model_validate(u, from_attributes=True) for u in store.users()]


@router.post("/users", status_code=201, dependencies=ADMIN)
def create_user(user: UserIn, store: StoreDep, account: AccountDep) -> UserOut:
    """Add a user to an organisation with a role (admins)."""
    out = store.create_user(user.name, user.organisation, user.role, by=account)
    return UserOut.model_validate(out, from_attributes=True)


@router.patch("/users/{name}", dependencies=ADMIN)
def set_user(
    name: UserName, change: UserPatch, store: StoreDep, account: AccountDep, request: Request
) -> UserOut:
    """Change a user's role or deactivate them (admins); takes effect within seconds."""
    out = store.set_user(name, by=account, role=change.role, active=change.active)
    request.app.state.tokens.clear()
    return UserOut.model_validate(out, from_attributes=True)


@router.get("/users/{name}/tokens")
def tokens(name: UserName, store: StoreDep, account: AccountDep) -> list[TokenOut]:
    """A user's tokens, metadata only (the user or an admin)."""
    return [
        TokenOut.model_validate(t, from_attributes=True) for t in store.tokens(name, by=account)
    ]


@router.post("/users/{name}/tokens", status_code=201)
def issue_token(
    name: UserName, body: TokenIn, store: StoreDep, account: AccountDep
) -> TokenIssuedOut:
    """A new token for a user (the user or an admin); shown only in this response."""
    token = store.issue_token(name, by=account, label=body.label)
    return TokenIssuedOut(user=name, label=body.label, token=token)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    store: StoreDep,
    account: AccountDep,
    request: Request,
) -> Response:
    """Revoke a token (its user or an admin)."""
    store.revoke_token(token_id, by=account)
    request.app.state.tokens.clear()
    return Response(status_code=204)
