"""The web service: a REST API over the library and the map page.

``create_app(settings)`` builds a FastAPI app; ``corridor serve`` runs it with
uvicorn. Persistence and authentication plug in through
:mod:`corridor_twin.api.deps` (``get_provider``, ``get_principal``).
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
