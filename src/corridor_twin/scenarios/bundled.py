"""Scenarios and the demand table that ship with the package.

They live in ``corridor_twin/scenarios/data/`` (one YAML file per scenario,
named after it; ``demand_*.yaml`` are demand tables) and load offline via
:mod:`importlib.resources`. Each scenario cites its source and year.

Examples
--------
>>> "baku-port-phase-2" in list_scenarios()
True
>>> load_bundled("baku-port-phase-2").source
'trend-2025-12-18'
"""

from __future__ import annotations

import difflib
import functools
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from corridor_twin.data import load_corridor
from corridor_twin.errors import NotFoundError, ScenarioError
from corridor_twin.io import read_network
from corridor_twin.network.model import Network
from corridor_twin.scenarios.demand import DemandTable, loads_demand
from corridor_twin.scenarios.io import loads_scenario
from corridor_twin.scenarios.model import Scenario

__all__ = ["list_scenarios", "load_bundled", "load_bundled_demand", "resolve_base"]

_DEMAND_PREFIX = "demand_"


def _data() -> Traversable:
    return resources.files("corridor_twin.scenarios").joinpath("data")


def _files() -> dict[str, Traversable]:
    return {
        entry.name.removesuffix(".yaml"): entry
        for entry in _data().iterdir()
        if entry.name.endswith(".yaml")
    }


def list_scenarios() -> list[str]:
    """Names of the bundled scenarios, sorted."""
    return sorted(n for n in _files() if not n.startswith(_DEMAND_PREFIX))


def _lookup(name: str, names: list[str], what: str) -> Traversable:
    files = _files()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
        hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
        raise NotFoundError(f"no bundled {what} {name!r}; {hint}known: {', '.join(names)}")
    return files[name]


@functools.cache
def load_bundled(name: str) -> Scenario:
    """A bundled scenario by name (see :func:`list_scenarios`).

    Raises
    ------
    NotFoundError
        If there is no such scenario; the message lists near names.
    """
    entry = _lookup(name, list_scenarios(), "scenario")
    return loads_scenario(entry.read_text(encoding="utf-8"), path=f"<bundled {entry.name}>")


@functools.cache
def load_bundled_demand(name: str = "demand_2024") -> DemandTable:
    """A bundled demand table (default: the 2024 baseline).

    Examples
    --------
    >>> table = load_bundled_demand()
    >>> table.year, table.row("titr-crude-btc").amount_per_year
    (2024, 1400000.0)
    """
    names = sorted(n for n in _files() if n.startswith(_DEMAND_PREFIX))
    entry = _lookup(name, names, "demand table")
    return loads_demand(entry.read_text(encoding="utf-8"), path=f"<bundled {entry.name}>")


def resolve_base(scenario: Scenario, *, relative_to: str | Path | None = None) -> Network:
    """The network a scenario's ``base`` names.

    ``titr`` is the bundled corridor; anything else is a network file path,
    relative to ``relative_to`` (default: the scenario file's directory).

    Raises
    ------
    ScenarioError
        If the base file cannot be read.
    """
    from corridor_twin.errors import DataError

    if scenario.base == "titr":
        return load_corridor()
    path = Path(scenario.base)
    if not path.is_absolute():
        if relative_to is not None:
            path = Path(relative_to) / path
        elif scenario.origin is not None and scenario.origin.path:
            path = Path(scenario.origin.path).parent / path
    if path.is_dir():
        raise ScenarioError(
            f"base {scenario.base!r} is a directory, not a network file",
            scenario=scenario.name,
            field="base",
        )
    try:
        return read_network(path)
    except DataError as exc:
        raise ScenarioError(
            f"cannot read the base network: {exc}", scenario=scenario.name, field="base"
        ) from None
