"""What every ``corridor`` sub-command module shares: exit codes, the parser, tables.

Sub-command modules import from here, never from :mod:`corridor_twin.cli` itself,
so the package's ``__init__`` can import them all at its top.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeAlias

from corridor_twin.cli._format import table
from corridor_twin.data import load_corridor
from corridor_twin.errors import CorridorError
from corridor_twin.io import read_network
from corridor_twin.network.model import Network
from corridor_twin.scenarios import (
    Scenario,
    list_scenarios,
    load_bundled,
    load_scenario,
    resolve_base,
)

__all__ = [
    "EXIT_FAIL",
    "EXIT_OK",
    "EXIT_USAGE",
    "Cell",
    "NetOption",
    "Parser",
    "SubParsers",
    "add_network_option",
    "base_network",
    "load_network",
    "scenario_arg",
    "table",
]

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

Cell = str | float | int | bool | None
"""A value in a printed table."""

NetOption = Callable[[argparse.ArgumentParser], None]
"""Adds the ``--network`` option to a sub-command's parser."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:  # one line, exit 2, like every other bad input
        self.exit(EXIT_USAGE, f"corridor: error: {message} (see '{self.prog} --help')\n")


SubParsers: TypeAlias = "argparse._SubParsersAction[Parser]"
"""What ``add_subparsers`` returns: sub-command modules add their parsers to it."""


def add_network_option(sp: argparse.ArgumentParser) -> None:
    """The ``--network FILE`` option (default: the bundled corridor)."""
    sp.add_argument(
        "--network", metavar="FILE", help="network YAML file (default: the bundled corridor)"
    )


def load_network(path: str | None) -> Network:
    """The network in ``path``, or the bundled corridor."""
    if path is None:
        return load_corridor()
    return read_network(path)


def scenario_arg(name: str) -> Scenario:
    """A bundled scenario by name, or the scenario in a file."""
    if name in list_scenarios():
        return load_bundled(name)
    if Path(name).exists():
        return load_scenario(Path(name))
    raise CorridorError(
        f"no bundled scenario or file {name!r}; bundled: {', '.join(list_scenarios())}"
    )


def base_network(args: argparse.Namespace, scenario: Scenario | None, net: Network) -> Network:
    """The network a scenario applies to: ``--network`` if given, else its ``base``.

    A ``base`` other than ``titr`` (the bundled corridor) is a network file
    relative to the scenario file, read and checked like ``--network``.
    """
    if scenario is None or getattr(args, "network", None) is not None or scenario.base == "titr":
        return net
    return resolve_base(scenario)
