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
"""

from __future__ import annotations

import logging

from corridor_twin.errors import ConflictError
from corridor_twin.network.model import Network
from corridor_twin.store import Store

__all__ = ["ADMIN_ORGANISATION", "ADMIN_USER", "DEMO_OWNERSHIP", "bootstrap_store"]

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
    from importlib import resources

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
