"""Token authentication: ``Authorization: Bearer <token>`` checked against the store.

Every ``/api/v1`` endpoint but ``/health`` needs a token; a missing, unknown
or revoked one gets 401 with ``WWW-Authenticate: Bearer``. Looking a token up
costs one database query, so :class:`TokenCache` keeps a successful lookup for
``ApiSettings.token_cache_s`` seconds (default 5): a revoked token or a
deactivated user keeps working at most that long. Only the token's SHA-256
is used as the cache key, as in the store.
"""

from __future__ import annotations

import threading
import time

from corridor_twin.store import Principal as Account
from corridor_twin.store import Store, hash_token

__all__ = ["TokenCache"]


class TokenCache:
    """Authenticate tokens with the store, remembering successes for ``ttl_s`` seconds.

    Parameters
    ----------
    store
        The store that knows the tokens.
    ttl_s
        How long a successful lookup is reused (0: never).
    max_entries
        Bound on the cache (cleared when full).
    """

    def __init__(self, store: Store, ttl_s: float, *, max_entries: int = 10_000) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._items: dict[str, tuple[float, Account]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str | None) -> Account | None:
        """The account of ``token`` if a lookup is cached and fresh, else ``None``."""
        if not token or self.ttl_s <= 0:
            return None
        key = hash_token(token)
        with self._lock:
            hit = self._items.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def authenticate(self, token: str | None) -> Account:
        """The account of ``token``; ``AuthenticationError`` if it is not valid."""
        if not token or self.ttl_s <= 0:
            return self.store.authenticate(token)
        key = hash_token(token)
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        account = self.store.authenticate(token)
        with self._lock:
            if len(self._items) >= self.max_entries:
                self._items.clear()
            self._items[key] = (now + self.ttl_s, account)
        return account

    def clear(self) -> None:
        """Forget every cached lookup (after revoking tokens or changing users)."""
        with self._lock:
            self._items.clear()
