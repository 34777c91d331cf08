"""FastAPI dependencies: settings, networks and the caller, each overridable.

Persistence and authentication plug in here without touching the handlers:

* :func:`get_provider` gives the :class:`~corridor_twin.api.provider.NetworkProvider`
  (default: the bundled corridor); a store passes its own provider to
  ``create_app(settings, provider=...)`` or overrides this dependency.
* :func:`get_principal` gives the caller from the ``Authorization: Bearer``
  token (401 without a valid one). Every ``/api`` router depends on it;
  :func:`require_role` guards write endpoints and :func:`get_account` gives
  the store's principal that store methods take as ``by``.
* :func:`get_store` gives the app's :class:`~corridor_twin.store.Store`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from corridor_twin.api.provider import NetworkProvider
from corridor_twin.api.settings import ApiSettings
from corridor_twin.errors import AuthenticationError, OptionError
from corridor_twin.network.model import Network
from corridor_twin.store import Principal as Account
from corridor_twin.store import Store

__all__ = [
    "ANONYMOUS",
    "AccountDep",
    "NetworkDep",
    "Principal",
    "PrincipalDep",
    "ProviderDep",
    "ScenarioQuery",
    "SettingsDep",
    "StoreDep",
    "VersionQuery",
    "get_account",
    "get_network",
    "get_principal",
    "get_provider",
    "get_settings",
    "get_store",
    "require_role",
]


@dataclass(frozen=True)
class Principal:
    """Who is calling: user, organisation and roles (``viewer``, ``editor``, ``admin``).

    ``account`` is the store's principal (``None`` for the anonymous caller
    of apps whose ``get_principal`` is overridden).
    """

    user: str | None = None
    organisation: str | None = None
    roles: frozenset[str] = field(default_factory=lambda: frozenset({"viewer"}))
    account: Account | None = None

    @classmethod
    def of(cls, account: Account) -> Principal:
        """The caller an authenticated store account stands for (roles are cumulative)."""
        ranks = ("viewer", "editor", "admin")
        roles = frozenset(ranks[: ranks.index(account.role) + 1])
        return cls(account.user, account.organisation, roles, account)


ANONYMOUS = Principal()
"""The caller when no authentication is plugged in: may read and compute, not edit."""


async def get_settings(request: Request) -> ApiSettings:
    """The app's settings."""
    settings: ApiSettings = request.app.state.settings
    return settings


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in
# the threadpool, and under load each hop there and back costs more than the work.
async def get_store(request: Request) -> Store:
    """The app's store (opened in the app's lifespan)."""
    store: Store = request.app.state.store
    return store


VersionQuery = Annotated[
    int | None,
    Query(ge=1, le=2**31 - 1, description="Network version (default: the latest)."),
]


async def get_provider(request: Request, version: VersionQuery = None) -> NetworkProvider:
    """The app's network provider, pinned to ``?version=`` when given."""
    provider: NetworkProvider = request.app.state.provider
    if version is None:
        return provider
    at = getattr(provider, "at", None)
    if at is None:
        raise OptionError("this service's network has no stored versions; drop ?version=")
    pinned: NetworkProvider = await run_in_threadpool(at, version)  # checks it exists
    return pinned


_bearer = HTTPBearer(
    auto_error=False,
    description="An API token: `corridor serve` prints the admin's on first start; "
    "`corridor admin issue-token USER` makes more.",
)


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller named by the ``Authorization: Bearer`` token (401 otherwise)."""
    token = credentials.credentials if credentials is not None else None
    tokens = request.app.state.tokens
    try:
        # a cached token costs no I/O, so only a lookup leaves the event loop
        account = tokens.cached(token) or await run_in_threadpool(tokens.authenticate, token)
    except AuthenticationError as exc:
        raise HTTPException(
            status_code=401, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None
    return Principal.of(account)


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
ProviderDep = Annotated[NetworkProvider, Depends(get_provider)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
ScenarioQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Scenario applied to the network (see GET /api/v1/scenarios); none: baseline.",
    ),
]


async def get_network(provider: ProviderDep, scenario: ScenarioQuery = None) -> Network:
    """The network of the request's ``scenario`` query parameter (baseline if absent).

    On the event loop: the provider caches networks per version and scenario, so
    this is a lookup but for the first request after a new version or scenario.
    """
    return provider.network(scenario or None)


NetworkDep = Annotated[Network, Depends(get_network)]
StoreDep = Annotated[Store, Depends(get_store)]


async def get_account(principal: PrincipalDep) -> Account:
    """The caller's store account (401 for an anonymous caller)."""
    if principal.account is None:
        raise HTTPException(
            status_code=401,
            detail="this needs an API token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal.account


AccountDep = Annotated[Account, Depends(get_account)]


def require_role(role: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through only callers with ``role`` (else 403)."""

    async def check(principal: PrincipalDep) -> Principal:
        if role not in principal.roles:
            raise HTTPException(status_code=403, detail=f"this needs the {role!r} role")
        return principal

    return check
