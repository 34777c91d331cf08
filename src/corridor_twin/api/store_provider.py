"""Networks, scenarios and demand from the store: the provider of ``corridor serve``.

:class:`StoreProvider` serves one stored network: its latest version, or a
pinned one (:meth:`StoreProvider.at`, the ``?version=`` query parameter),
with the stored scenarios and demand table. Versions are immutable, so
parsed and compiled networks, scenario networks and assignment results are
cached here, keyed by the network version and the SHA-256 of the scenario
and demand texts. Networks (large) and parsed documents (small, one per
stored scenario) have separate caches, so listing every scenario never
evicts a compiled network and a network never evicts a parsed scenario.
What "latest" means (the newest version number, the current version of
every scenario: one query for all of them) is looked up in the store at
most every ``ttl_s`` seconds (default 1 s); this process's own edits call
:meth:`StoreProvider.invalidate`, so they show at once, and edits by other
server processes within ``ttl_s``. Requests thus cost no database query in
the steady state.

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.store import Store
>>> with Store.open("sqlite://") as store:
...     admin, _ = store.bootstrap("Secretariat", "root")
...     _ = store.create_network("titr", load_corridor(), by=admin)
...     p = StoreProvider(store, "titr")
...     p.network(None).meta.name == load_corridor().meta.name, p.at(1).version()
(True, 1)
"""

from __future__ import annotations

import difflib
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from corridor_twin.api.provider import _Lru
from corridor_twin.errors import NotFoundError
from corridor_twin.flow.assign import AssignmentResult, assign
from corridor_twin.network.model import Network
from corridor_twin.scenarios import Scenario, apply_demand, apply_scenario
from corridor_twin.scenarios.demand import DemandTable, loads_demand, loads_demand_csv
from corridor_twin.scenarios.io import loads_scenario
from corridor_twin.store import DocumentInfo, Store

__all__ = ["DEFAULT_DEMAND", "StoreProvider"]

DEFAULT_DEMAND = "demand_2024"
"""Name of the stored demand table the analyses use."""

_PARSED_DOCUMENTS = 256
"""How many parsed scenario and demand versions to keep (a few kB each)."""

T = TypeVar("T")


class _Ttl:
    """Values remembered for ``ttl_s`` seconds (thread-safe; computed outside the lock)."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._items: dict[object, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: object, make: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]  # type: ignore[return-value]
        value = make()
        with self._lock:
            self._items[key] = (now + self.ttl_s, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class StoreProvider:
    """A stored network (latest or pinned version) with the stored scenarios and demand.

    Parameters
    ----------
    store
        The open store.
    network
        Name of the stored network.
    version
        A pinned version, or ``None`` for the latest at each call.
    demand
        Name of the stored demand table.
    cache_size
        How many scenario networks and assignment results to keep.
    ttl_s
        How long the latest version number and document versions are reused.
    """

    def __init__(
        self,
        store: Store,
        network: str,
        *,
        version: int | None = None,
        demand: str = DEFAULT_DEMAND,
        cache_size: int = 16,
        ttl_s: float = 1.0,
        _caches: tuple[_Lru, _Lru, _Ttl] | None = None,
    ) -> None:
        self.store = store
        self.name = network
        self.pinned = version
        self.demand_name = demand
        self._cache, self._docs, self._fresh = (
            _caches
            if _caches is not None
            else (_Lru(cache_size), _Lru(_PARSED_DOCUMENTS), _Ttl(ttl_s))
        )

    def invalidate(self) -> None:
        """Forget what "latest" was (after an edit or a saved document)."""
        self._fresh.clear()

    def at(self, version: int | None) -> StoreProvider:
        """The same provider pinned to ``version`` (``None``: latest); caches are shared.

        Raises ``NotFoundError`` for a version that does not exist.
        """
        if version is not None:
            self.store.version(self.name, version)  # NotFoundError if absent
        return StoreProvider(
            self.store,
            self.name,
            version=version,
            demand=self.demand_name,
            _caches=(self._cache, self._docs, self._fresh),
        )

    def version(self) -> int:
        """The version served: the pinned one, else the latest (looked up every ``ttl_s``)."""
        if self.pinned is not None:
            return self.pinned
        return self._fresh.get(("latest", self.name), lambda: self.store.latest_version(self.name))

    def _base(self) -> tuple[int, Network]:
        v = self.version()

        def load() -> Network:
            net = self.store.network(self.name, v)
            net.compiled()
            return net

        return v, self._cache.get(("base", self.name, v), load)

    def _scenario_infos(self) -> dict[str, DocumentInfo]:
        """The latest version of every stored scenario (one query every ``ttl_s``)."""
        return self._fresh.get(
            ("scenario-infos",), lambda: {d.name: d for d in self.store.documents("scenario")}
        )

    def scenario_names(self) -> list[str]:
        """Names of the stored scenarios."""
        return list(self._scenario_infos())

    def _scenario(self, name: str) -> tuple[str, Scenario]:
        info = self._scenario_infos().get(name)
        if info is None:
            # saved by another server process since the listing was read, or unknown
            try:
                info = self.store.document("scenario", name).info
            except NotFoundError:
                names = self.scenario_names()
                close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
                hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
                raise NotFoundError(
                    f"no stored scenario {name!r}; {hint}known: {', '.join(names)}"
                ) from None
        version = info.version

        def parse() -> Scenario:
            text = self.store.document("scenario", name, version).text
            return loads_scenario(text, path=f"<{name}>")

        return info.sha256, self._docs.get(("scenario", info.sha256), parse)

    def scenario(self, name: str) -> Scenario:
        """A stored scenario (latest version); ``NotFoundError`` if unknown."""
        return self._scenario(name)[1]

    def network(self, scenario: str | None) -> Network:
        """The network version, or it with a stored scenario applied (cached)."""
        v, base = self._base()
        if scenario is None:
            return base
        sha, sc = self._scenario(scenario)

        def make() -> Network:
            net = apply_scenario(base, sc)
            net.compiled()
            return net

        return self._cache.get(("network", self.name, v, sha), make)

    def _demand(self) -> tuple[str, DemandTable]:
        try:
            doc = self._fresh.get(
                ("demand", self.demand_name),
                lambda: self.store.document("demand", self.demand_name),
            )
        except NotFoundError:
            raise NotFoundError(
                f"no stored demand table {self.demand_name!r}; store one with PUT /api/v1/demand"
            ) from None

        def parse() -> DemandTable:
            if doc.info.fmt == "csv":
                return loads_demand_csv(doc.text)
            return loads_demand(doc.text)

        return doc.info.sha256, self._docs.get(("demand", doc.info.sha256), parse)

    def demand(self, scenario: str | None) -> DemandTable:
        """The stored demand table, with the scenario's demand changes if any."""
        _, table = self._demand()
        if scenario is None:
            return table
        _, base = self._base()
        return apply_demand(table, self.scenario(scenario), base)

    def assignment(self, scenario: str | None, objective: str) -> AssignmentResult:
        """The assignment of :meth:`demand` on :meth:`network` (cached per version)."""
        v = self.version()
        demand_sha, _ = self._demand()
        sc_sha = None if scenario is None else self._scenario(scenario)[0]
        return self._cache.get(
            ("assignment", self.name, v, sc_sha, demand_sha, objective),
            lambda: assign(
                self.network(scenario), self.demand(scenario).to_frame(), objective=objective
            ),
        )
