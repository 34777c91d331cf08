"""The corridor lens of the API: a named corridor as avoid/modes options and a check.

A lens says which countries a corridor's routes avoid, which modes they may
use and what a route must pass to count as that corridor (a country or a
mode). The API turns ``corridor="middle"`` into those routing options, so a
user compares the Middle Corridor with the Northern route without typing a
country code. A route that the options allow but that misses the corridor's
signature (e.g. a "sea" route that never boards a ship) is reported as no
route via that corridor.

This is the API layer's translation of the presets; the routing library's own
``corridor=`` option (``corridor_twin.routing.corridors``) replaces it when
it lands.

Examples
--------
>>> lens = CORRIDORS["middle"]
>>> lens.avoid_countries, lens.modes
(('RU', 'BY', 'IR'), ('rail', 'road', 'ferry'))
>>> combine("middle", ["TR"], None)
(('RU', 'BY', 'IR', 'TR'), ('rail', 'road', 'ferry'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from corridor_twin.errors import NoRouteError
from corridor_twin.network.model import Network
from corridor_twin.routing import Route

__all__ = ["ALL_CORRIDORS", "CORRIDORS", "CorridorName", "Lens", "check_route", "combine"]

CorridorName = Literal["middle", "northern", "southern", "sea"]
ALL_CORRIDORS: tuple[CorridorName, ...] = ("middle", "northern", "southern", "sea")


@dataclass(frozen=True)
class Lens:
    """One corridor as routing options.

    Attributes
    ----------
    name
        Its id, one of {middle, northern, southern, sea}.
    label
        How the page and tables call it.
    description
        Which way it goes.
    avoid_countries
        ISO codes its routes never cross.
    modes
        Modes its routes may use.
    requires_country
        A country every route of the corridor crosses (``None``: no such test).
    requires_mode
        A mode every route of the corridor uses (``None``: no such test).
    """

    name: str
    label: str
    description: str
    avoid_countries: tuple[str, ...]
    modes: tuple[str, ...]
    requires_country: str | None = None
    requires_mode: str | None = None


CORRIDORS: dict[str, Lens] = {
    "middle": Lens(
        "middle",
        "Middle Corridor (TITR)",
        "Kazakhstan, the Caspian Sea by ferry, Azerbaijan, Georgia, then Türkiye or the "
        "Black Sea; not through Russia, Belarus or Iran.",
        ("RU", "BY", "IR"),
        ("rail", "road", "ferry"),
        requires_country="AZ",
    ),
    "northern": Lens(
        "northern",
        "Northern route (via Russia)",
        "Kazakhstan, Russia and Belarus by rail into the EU; not across the Caspian or the "
        "Caucasus, nor through Iran.",
        ("AZ", "GE", "AM", "IR", "TM"),
        ("rail", "road"),
        requires_country="RU",
    ),
    "southern": Lens(
        "southern",
        "Southern route (via Iran)",
        "Kazakhstan, Turkmenistan and Iran to Türkiye; not through Russia, Belarus or the "
        "Caucasus.",
        ("RU", "BY", "AZ", "GE", "AM"),
        ("rail", "road", "ferry"),
        requires_country="IR",
    ),
    "sea": Lens(
        "sea",
        "Sea (Suez)",
        "By rail to a Chinese port, by ship to Europe, by rail on; no land corridor across "
        "Central Asia.",
        ("RU", "BY", "IR", "AZ", "GE", "AM", "TM"),
        ("rail", "road", "sea"),
        requires_mode="sea",
    ),
}
"""The corridors a user can pick, in the order the page shows them."""


def combine(
    corridor: str | None, avoid_countries: Sequence[str], modes: Sequence[str] | None
) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """The avoid and modes options for a request: the corridor's, plus the user's.

    Countries the user avoids are added to the corridor's; modes the user allows
    narrow the corridor's (the intersection).
    """
    avoid = tuple(dict.fromkeys(c.upper() for c in avoid_countries))
    if corridor is None:
        return avoid, None if modes is None else tuple(modes)
    lens = CORRIDORS[corridor]
    both = tuple(dict.fromkeys((*lens.avoid_countries, *avoid)))
    allowed = lens.modes if modes is None else tuple(m for m in lens.modes if m in modes)
    return both, allowed


def check_route(corridor: str | None, r: Route, net: Network) -> None:
    """Raise :class:`~corridor_twin.errors.NoRouteError` if ``r`` misses the corridor."""
    if corridor is None:
        return
    lens = CORRIDORS[corridor]
    countries = {net.node(n).country for n in r.nodes}
    if lens.requires_country and lens.requires_country not in countries:
        raise NoRouteError(
            f"no route from {r.origin} to {r.destination} via the {lens.label}: the best "
            f"route its options allow does not cross {lens.requires_country}"
        )
    if lens.requires_mode and lens.requires_mode not in r.modes:
        raise NoRouteError(
            f"no route from {r.origin} to {r.destination} via the {lens.label}: the best "
            f"route its options allow has no {lens.requires_mode} leg"
        )
