"""The ``corridor`` command: a thin adapter over the Python API.

Every command works on the bundled Middle Corridor network unless
``--network FILE`` names another. Bad input (unknown node, malformed file,
invalid option) prints one line ``corridor: error: ...`` and exits with 2.

Examples
--------
>>> main(["route", "--from", "Almaty", "--to", "Istanbul", "--format", "csv"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from corridor_twin._version import __version__
from corridor_twin.cli import (
    _admin,
    _analysis,
    _equilibrium,
    _market,
    _network,
    _route,
    _simulate,
    _validate,
    _web,
)
from corridor_twin.cli._common import EXIT_USAGE, Parser, add_network_option, load_network
from corridor_twin.errors import CorridorError

__all__ = ["main", "run"]


def _parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="corridor",
        description="Digital twin of multimodal freight corridors "
        "(bundled: the Trans-Caspian Middle Corridor).",
    )
    p.add_argument("--version", action="version", version=f"corridor-twin {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    net_opt = add_network_option

    _network.add_commands(sub, net_opt)
    _route.add_route_commands(sub, net_opt)
    _analysis.add_commands(sub, net_opt)
    _web.add_commands(sub, net_opt)
    _admin.add_commands(sub)
    _simulate.add_simulate(sub, net_opt)
    _market.add_commands(sub)
    _validate.add_validate_model(sub, net_opt)
    _equilibrium.add_equilibrium(sub)
    _network.add_schema(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if hasattr(args, "func2"):
            status: int = args.func2(args, load_network(args.network))
        else:
            status = args.func(args)
    except CorridorError as exc:
        print(f"corridor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        raise  # the reader (e.g. `| head`) stopped: not an input error; run() exits quietly
    except OSError as exc:
        print(f"corridor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return status


def run() -> None:
    """Console-script entry point."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # Python would complain again when flushing stdout at exit; point it at devnull.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
