"""The web service: a REST API over the library and the map page.

``create_app(settings)`` builds a FastAPI app; ``corridor serve`` runs it with
uvicorn. The app opens the store (:mod:`corridor_twin.store`) when it starts:
the SQLite file in the user's data directory by default, PostgreSQL by
``CORRIDOR_DATABASE_URL``; an empty store is bootstrapped with the corridor
and an admin token (:mod:`corridor_twin.store.bootstrap`).

* networks: the compute endpoints use a :class:`StoreProvider` on the stored
  network (latest version, or ``?version=``); any object with the
  :class:`NetworkProvider` methods can be passed as ``provider=`` instead;
* callers: ``get_principal`` checks the ``Authorization: Bearer`` token
  (401 without one; :mod:`corridor_twin.api.auth`); write endpoints check
  roles and ownership in the store (403);
* long analyses run as jobs (``/api/v1/runs``, :mod:`corridor_twin.api.jobs`).
"""

from corridor_twin.api.app import API_PREFIX, create_app
from corridor_twin.api.deps import Principal, get_principal, get_provider, require_role
from corridor_twin.api.provider import BundledProvider, NetworkProvider
from corridor_twin.api.settings import ApiSettings
from corridor_twin.api.store_provider import StoreProvider

__all__ = [
    "API_PREFIX",
    "ApiSettings",
    "BundledProvider",
    "NetworkProvider",
    "Principal",
    "StoreProvider",
    "create_app",
    "get_principal",
    "get_provider",
    "require_role",
]
