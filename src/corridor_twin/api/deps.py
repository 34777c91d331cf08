"""FastAPI dependencies: settings, networks and the caller, each overridable.

Persistence and authentication plug in here without touching the handlers:

* :func:`get_provider` gives the :class:`~corridor_twin.api.provider.NetworkProvider`
  (default: the bundled corridor); a store passes its own provider to
  ``create_app(settings, provider=...)`` or overrides this dependency.
* :func:`get_principal` gives the caller (default: anonymous, read-only).
  Every ``/api`` router depends on it, so overriding it with a token check
  protects the whole API; :func:`require_role` guards write endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from corridor_twin.api.provider import NetworkProvider
from corridor_twin.api.settings import ApiSettings
from corridor_twin.network.model import Network

__all__ = [
    "ANONYMOUS",
    "NetworkDep",
    "Principal",
    "PrincipalDep",
    "ProviderDep",
    "ScenarioQuery",
    "SettingsDep",
    "get_network",
    "get_principal",
    "get_provider",
    "get_settings",
    "require_role",
]


@dataclass(frozen=True)
class Principal:
    """Who is calling: user, organisation and roles (``viewer``, ``editor``, ``admin``)."""

    user: str | None = None
    organisation: str | None = None
    roles: frozenset[str] = field(default_factory=lambda: frozenset({"viewer"}))


ANONYMOUS = Principal()
"""The caller when no authentication is plugged in: may read and compute, not edit."""


def get_settings(request: Request) -> ApiSettings:
    """The app's settings."""
    settings: ApiSettings = request.app.state.settings
    return settings


def get_provider(request: Request) -> NetworkProvider:
    """The app's network provider (override to serve networks from a store)."""
    provider: NetworkProvider = request.app.state.provider
    return provider


def get_principal() -> Principal:
    """The caller (override with token authentication)."""
    return ANONYMOUS


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


def get_network(provider: ProviderDep, scenario: ScenarioQuery = None) -> Network:
    """The network of the request's ``scenario`` query parameter (baseline if absent)."""
    return provider.network(scenario or None)


NetworkDep = Annotated[Network, Depends(get_network)]


def require_role(role: str) -> Callable[[Principal], Principal]:
    """A dependency that lets through only callers with ``role`` (else 403)."""

    def check(principal: PrincipalDep) -> Principal:
        if role not in principal.roles:
            raise HTTPException(status_code=403, detail=f"this needs the {role!r} role")
        return principal

    return check
