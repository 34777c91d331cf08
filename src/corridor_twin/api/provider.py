"""Where the service gets its networks: the plug-in point for persistence.

The service asks a :class:`NetworkProvider` for the base network and for a
scenario's network; handlers never load files themselves. The default,
:class:`BundledProvider`, serves one network (the bundled corridor or a file)
and the bundled scenarios, compiling each network once and keeping the last
few in memory, per app instance. A database-backed provider (versioned
networks per organisation) implements the same protocol and is passed to
:func:`corridor_twin.api.create_app` or set by overriding the
:func:`corridor_twin.api.deps.get_provider` dependency.

Examples
--------
>>> from corridor_twin import load_corridor
>>> p = BundledProvider(load_corridor())
>>> p.network(None) is p.network(None)
True
>>> "baku-port-phase-2" in p.scenario_names()
True
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, TypeVar

from corridor_twin.flow.assign import AssignmentResult, assign
from corridor_twin.network.model import Network
from corridor_twin.scenarios import (
    Scenario,
    apply_demand,
    apply_scenario,
    list_scenarios,
    load_bundled,
    load_bundled_demand,
)
from corridor_twin.scenarios.demand import DemandTable

__all__ = ["BundledProvider", "NetworkProvider"]

T = TypeVar("T")


class NetworkProvider(Protocol):
    """What the service needs from a store of networks and scenarios."""

    def network(self, scenario: str | None) -> Network:
        """The base network (``None``) or the base with a scenario applied.

        Raises ``NotFoundError`` for an unknown scenario.
        """

    def scenario(self, name: str) -> Scenario:
        """A scenario by name; raises ``NotFoundError`` if unknown."""

    def scenario_names(self) -> list[str]:
        """Names of the scenarios this provider knows."""

    def demand(self, scenario: str | None) -> DemandTable:
        """The demand table of the base (``None``) or of a scenario."""

    def assignment(self, scenario: str | None, objective: str) -> AssignmentResult:
        """The system-optimal assignment of the demand (cached: it takes an LP)."""


class _Lru:
    """A small thread-safe LRU cache; values are computed outside the lock."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[object, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[return-value]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


class BundledProvider:
    """One network and the bundled scenarios, compiled once per instance.

    Parameters
    ----------
    base
        The base network.
    cache_size
        How many scenario networks and assignment results to keep.
    """

    def __init__(self, base: Network, *, cache_size: int = 16) -> None:
        self._base = base
        base.compiled()  # compile up front so the first request is fast
        self._cache = _Lru(cache_size)

    def scenario_names(self) -> list[str]:
        """The bundled scenario names."""
        return list_scenarios()

    def scenario(self, name: str) -> Scenario:
        """A bundled scenario (``NotFoundError`` lists near names)."""
        return load_bundled(name)

    def network(self, scenario: str | None) -> Network:
        """The base network or a scenario's (applied once, then cached)."""
        if scenario is None:
            return self._base

        def make() -> Network:
            net = apply_scenario(self._base, self.scenario(scenario))
            net.compiled()
            return net

        return self._cache.get(("network", scenario), make)

    def demand(self, scenario: str | None) -> DemandTable:
        """The bundled 2024 demand, with the scenario's demand changes if any."""
        table = load_bundled_demand()
        if scenario is None:
            return table
        return apply_demand(table, self.scenario(scenario), self._base)

    def assignment(self, scenario: str | None, objective: str) -> AssignmentResult:
        """The assignment of :meth:`demand` on :meth:`network` (cached)."""
        return self._cache.get(
            ("assignment", scenario, objective),
            lambda: assign(
                self.network(scenario), self.demand(scenario).to_frame(), objective=objective
            ),
        )
