"""The public surface: the top-level ``__all__`` and each subpackage's, tested (HTTPX style).

A name added to or dropped from ``corridor_twin.__all__`` must be a deliberate
change of this list.
"""

from __future__ import annotations

import importlib
from importlib.metadata import version

import pytest

import corridor_twin

TOP_LEVEL = {
    "CompiledNetwork",
    "CorridorError",
    "DataError",
    "Demand",
    "DemandError",
    "GeneralizedCost",
    "Network",
    "NetworkFileError",
    "NoRouteError",
    "NotFoundError",
    "OptionError",
    "ReliabilityModel",
    "Route",
    "RouteSet",
    "RoutingError",
    "Scenario",
    "ScenarioError",
    "Skim",
    "UnknownNodeError",
    "ValidationError",
    "ValidationReport",
    "__version__",
    "apply_scenario",
    "assign",
    "capacity_table",
    "compare",
    "compile_network",
    "earliest_arrival",
    "k_routes",
    "load_corridor",
    "load_scenario",
    "max_flow",
    "network_diff",
    "pareto_routes",
    "read_network",
    "reliability",
    "route",
    "skim",
    "to_geojson",
    "validate",
    "write_geojson",
    "write_network",
}

SUBPACKAGES = [
    "corridor_twin.api",
    "corridor_twin.flow",
    "corridor_twin.io",
    "corridor_twin.network",
    "corridor_twin.routing",
    "corridor_twin.scenarios",
    "corridor_twin.simulate",
    "corridor_twin.store",
]


def test_top_level_all_is_the_documented_surface() -> None:
    assert set(corridor_twin.__all__) == TOP_LEVEL
    assert len(corridor_twin.__all__) == len(set(corridor_twin.__all__)), "duplicates"


def test_top_level_names_resolve() -> None:
    for name in corridor_twin.__all__:
        assert getattr(corridor_twin, name, None) is not None, name


def test_star_import_gives_exactly_all() -> None:
    ns: dict[str, object] = {}
    exec("from corridor_twin import *", ns)
    assert set(ns) - {"__builtins__"} == set(corridor_twin.__all__)


def test_version_comes_from_the_package_metadata() -> None:
    assert corridor_twin.__version__ == version("corridor-twin")


def test_one_validation_report_per_concept() -> None:
    from corridor_twin.network import ValidationReport
    from corridor_twin.simulate import ModelValidationReport

    assert corridor_twin.ValidationReport is ValidationReport
    assert ValidationReport is not ModelValidationReport
    assert not hasattr(importlib.import_module("corridor_twin.simulate"), "ValidationReport")


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackage_all_names_resolve_and_are_public(name: str) -> None:
    mod = importlib.import_module(name)
    names = mod.__all__
    assert len(names) == len(set(names)), f"{name}: duplicates in __all__"
    for n in names:
        assert not n.startswith("_") or n == "__version__", f"{name}.{n} is private"
        assert hasattr(mod, n), f"{name}.{n} is listed but missing"
