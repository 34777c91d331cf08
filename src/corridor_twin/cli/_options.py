"""Options shared by the commands that route, and their validation (one line, exit 2).

``--corridor`` names a corridor preset, ``--avoid`` takes countries as ISO codes
or English names (repeatable and comma lists), ``--modes`` a comma list of
modes, ``--cargo`` a commodity id in any case. Each is checked against the
network before anything runs, so a typo is an error, never an ignored option.
"""

from __future__ import annotations

import argparse
from typing import Any

from corridor_twin.errors import OptionError
from corridor_twin.network.model import Network
from corridor_twin.network.schema import MODES
from corridor_twin.routing.corridors import CORRIDOR_ALIASES, CORRIDORS, get_corridor
from corridor_twin.routing.places import resolve_cargo, resolve_countries

__all__ = ["CORRIDOR_CHOICES", "add_lens_options", "lens", "positive_int"]

CORRIDOR_CHOICES: tuple[str, ...] = (
    *(c for c, preset in CORRIDORS.items() if preset.base is None),
    *CORRIDOR_ALIASES,
)
"""Presets a route can be confined to (variants with fixed extras are for the market model)."""


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_lens_options(sp: argparse.ArgumentParser, *, modes: bool = True) -> None:
    """``--corridor``, ``--avoid`` (and ``--modes``) on a command that routes."""
    sp.add_argument(
        "--corridor",
        choices=CORRIDOR_CHOICES,
        metavar="NAME",
        help="keep to one corridor: " + ", ".join(CORRIDOR_CHOICES) + " (presets as data: "
        "middle = across the Caspian, never Russia, Belarus or Iran; sea = sea_suez)",
    )
    sp.add_argument(
        "--avoid",
        action="append",
        metavar="COUNTRIES",
        help="countries to avoid: ISO codes or English names, comma-separated or repeated "
        "(e.g. RU,IR or --avoid Russia --avoid Iran)",
    )
    if modes:
        sp.add_argument("--modes", help="comma-separated modes allowed, from " + ", ".join(MODES))


def lens(args: argparse.Namespace, net: Network) -> dict[str, Any]:
    """Validated keyword options for the library: cargo, avoid_countries, modes, corridor."""
    out: dict[str, Any] = {}
    if getattr(args, "cargo", None) is not None:
        out["cargo"] = resolve_cargo(net, args.cargo)
    out["avoid_countries"] = resolve_countries(net, getattr(args, "avoid", None) or ())
    text = getattr(args, "modes", None)
    if text is not None:
        wanted = [m.strip().lower() for m in text.split(",") if m.strip()]
        bad = [m for m in wanted if m not in MODES]
        if not wanted or bad:
            raise OptionError(
                f"--modes {text!r}: unknown mode(s) {', '.join(bad) or '(none given)'}; "
                f"known: {', '.join(MODES)}"
            )
        out["modes"] = tuple(dict.fromkeys(wanted))
    name = getattr(args, "corridor", None)
    if name is not None:
        out["corridor"] = get_corridor(name).id
    return out
