"""The web service: a REST API over the library and the map page.

``create_app(settings)`` builds a FastAPI app; ``corridor serve`` runs it with
uvicorn. Persistence and authentication plug in without touching handlers:

* networks: pass ``create_app(settings, provider=StoreProvider(...))``, any
  object with the :class:`NetworkProvider` methods (``network(scenario)``,
  ``scenario(name)``, ``scenario_names()``, ``demand(scenario)``,
  ``assignment(scenario, objective)``), or override the ``get_provider``
  dependency (e.g. to pick the organisation's network version per request);
* callers: override ``get_principal`` (every ``/api/v1`` route depends on it)
  with token authentication returning a :class:`Principal` (user,
  organisation, roles); guard write endpoints with
  ``Depends(require_role("editor"))``;
* the page shows its editor section when ``create_app(..., editing=True)``
  (``GET /api/v1/meta`` then reports ``features.editing``).
"""

from corridor_twin.api.app import API_PREFIX, create_app
from corridor_twin.api.deps import Principal, get_principal, get_provider, require_role
from corridor_twin.api.provider import BundledProvider, NetworkProvider
from corridor_twin.api.settings import ApiSettings

__all__ = [
    "API_PREFIX",
    "ApiSettings",
    "BundledProvider",
    "NetworkProvider",
    "Principal",
    "create_app",
    "get_principal",
    "get_provider",
    "require_role",
]
