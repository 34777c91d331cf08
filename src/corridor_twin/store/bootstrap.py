"""First start of the service on an empty store: network, admin and demo organisations.

:func:`bootstrap_store` is what ``corridor serve`` (and ``create_app`` in its
lifespan) runs when the store has no users yet. It creates, in this order:

1. the organisation "Corridor administration" and its admin user ``admin``,
   whose API token is returned (shown once; only its hash is stored);
2. the network (``settings.network_name``, default ``titr``) as version 1,
   from ``settings.network_path`` or the bundled Middle Corridor;
3. the bundled scenarios and the 2024 demand table as stored documents;
4. for the bundled corridor only, **demo** organisations with ownership rules
   and one editor user each (:data:`DEMO_OWNERSHIP`). They illustrate how
   rights are split along the corridor; they are not statements about who
   actually operates what, and no tokens are issued for them (an admin does
   that with ``corridor admin issue-token``).

A store that already has users is left alone (``None`` is returned), so
restarts and several worker processes starting at once are safe.
:func:`open_store` opens a store and bootstraps it if empty; the service
(:func:`corridor_twin.api.create_app`) and the ``corridor admin`` command both
use it.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Protocol

from corridor_twin.data import CORRIDOR_FILE, corridor_text
from corridor_twin.errors import ConflictError
from corridor_twin.io import loads_network, read_network
from corridor_twin.network.model import Network
from corridor_twin.store.settings import StoreSettings
from corridor_twin.store.store import Store

__all__ = [
    "ADMIN_ORGANISATION",
    "ADMIN_USER",
    "DEMO_OWNERSHIP",
    "StoreConfig",
    "bootstrap_store",
    "initial_network",
    "open_store",
]

log = logging.getLogger(__name__)

ADMIN_ORGANISATION = "Corridor administration"
ADMIN_USER = "admin"

DEMO_OWNERSHIP: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    # organisation: (editor user, ((table, pattern), ...)); demo data, see the module docs
    "Port of Baku": ("baku-port", (("nodes", "AZ_ALAT"), ("links", "@AZ_ALAT"))),
    "KTZ (Kazakhstan Temir Zholy)": ("ktz", (("nodes", "KZ_*"), ("links", "@KZ_*"))),
    "Azerbaijan Railways": ("ady", (("nodes", "AZ_*"), ("links", "@AZ_*"))),
    "Georgian Railway": ("gr", (("nodes", "GE_*"), ("links", "@GE_*"))),
}
"""Demo organisations on the bundled corridor: an editor user and ownership rules each."""


def bootstrap_store(store: Store, network: Network, *, network_name: str, demo: bool) -> str | None:
    """Fill an empty store; return the admin's token, or ``None`` if it had users.

    Parameters
    ----------
    store
        The open store.
    network
        The network stored as version 1 of ``network_name``.
    network_name
        Its name in the store.
    demo
        Also create the demo organisations of :data:`DEMO_OWNERSHIP` (only
        meaningful on the bundled corridor, whose node ids they name).
    """
    data = resources.files("corridor_twin.scenarios").joinpath("data")

    try:
        admin, token = store.bootstrap(ADMIN_ORGANISATION, ADMIN_USER)
    except ConflictError:
        return None  # someone (another worker, an earlier start) got there first
    store.create_network(network_name, network, by=admin, message="initial version")
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):  # the bundled scenarios and demand tables, verbatim
            text = entry.read_text(encoding="utf-8")
            if entry.name.startswith("demand_"):
                store.save_demand(text, by=admin, fmt="yaml")
            else:
                store.save_scenario(text, by=admin, fmt="yaml")
    if demo:
        for org, (user, rules) in DEMO_OWNERSHIP.items():
            store.create_organisation(org, by=admin)
            store.create_user(user, org, "editor", by=admin)
            for table, pattern in rules:
                store.grant(network_name, table, pattern, org, by=admin)
    log.info("bootstrapped the store: network %r, admin user %r", network_name, ADMIN_USER)
    return token


class StoreConfig(Protocol):
    """Where the store is and what an empty one starts with (``ApiSettings`` is one)."""

    @property
    def database_url(self) -> str | None: ...

    @property
    def data_dir(self) -> Path | None: ...

    @property
    def network_path(self) -> Path | None: ...

    @property
    def network_name(self) -> str: ...


def initial_network(config: StoreConfig) -> tuple[Network, bool]:
    """The network an empty store starts with, and whether it is the bundled corridor."""
    if config.network_path is not None:
        return read_network(config.network_path), False
    return loads_network(corridor_text(), path=f"<bundled {CORRIDOR_FILE}>"), True


def open_store(config: StoreConfig) -> tuple[Store, str | None]:
    """Open the store of ``config`` and bootstrap it if empty; return it and the admin token.

    The token is ``None`` unless this call bootstrapped the store.
    """
    where = StoreSettings(database_url=config.database_url, data_dir=config.data_dir)
    store = Store.open(where)
    try:
        token = None
        if not store.users():
            net, bundled = initial_network(config)
            token = bootstrap_store(store, net, network_name=config.network_name, demo=bundled)
    except BaseException:
        store.close()
        raise
    return store, token
