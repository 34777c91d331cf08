"""Names a planner reads: short place names, a route's key places, countries and cargo.

A route through forty nodes is told apart from its alternatives by a few
places: where it crosses a border, where it changes mode (a port, a ferry
terminal) and where it changes gauge. :func:`key_nodes` picks those by rule,
:func:`short_name` gives each a short label ("Alat" rather than "Baku
International Sea Trade Port (Alat)"), and :func:`describe_via` writes
"via Khorgos, Aktau, Alat, Poti".

:func:`resolve_countries` turns what a user types after ``--avoid`` (ISO
codes or English names, in any case, comma lists) into the ISO codes of
countries the network has, and :func:`resolve_cargo` finds a commodity id
case-insensitively, so that a typo is an error and not an ignored option.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> net = load_corridor()
>>> short_name(net.node("AZ_ALAT"))
'Alat'
>>> resolve_countries(net, ["russia", "IR"])
('RU', 'IR')
>>> resolve_cargo(net, "Container")
'container'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from corridor_twin.errors import OptionError
from corridor_twin.network.model import Network, Node

__all__ = [
    "COUNTRY_NAMES",
    "country_name",
    "describe_via",
    "key_nodes",
    "resolve_cargo",
    "resolve_countries",
    "short_name",
]

COUNTRY_NAMES: dict[str, str] = {
    "AF": "Afghanistan",
    "AM": "Armenia",
    "AT": "Austria",
    "AZ": "Azerbaijan",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "BY": "Belarus",
    "CH": "Switzerland",
    "CN": "China",
    "CZ": "Czechia",
    "DE": "Germany",
    "EG": "Egypt",
    "ES": "Spain",
    "FR": "France",
    "GB": "United Kingdom",
    "GE": "Georgia",
    "GR": "Greece",
    "HR": "Croatia",
    "HU": "Hungary",
    "IN": "India",
    "IQ": "Iraq",
    "IR": "Iran",
    "IT": "Italy",
    "KG": "Kyrgyzstan",
    "KZ": "Kazakhstan",
    "LT": "Lithuania",
    "LV": "Latvia",
    "MD": "Moldova",
    "MN": "Mongolia",
    "NL": "Netherlands",
    "PK": "Pakistan",
    "PL": "Poland",
    "RO": "Romania",
    "RS": "Serbia",
    "RU": "Russia",
    "SA": "Saudi Arabia",
    "SK": "Slovakia",
    "SY": "Syria",
    "TJ": "Tajikistan",
    "TM": "Turkmenistan",
    "TR": "Turkiye",
    "UA": "Ukraine",
    "UZ": "Uzbekistan",
}
"""English names of the ISO 3166-1 alpha-2 codes on and around the corridor."""

# Other spellings a user may type, mapped to codes.
_COUNTRY_ALIASES: dict[str, str] = {
    "russian federation": "RU",
    "turkey": "TR",
    "türkiye": "TR",
    "persia": "IR",
    "islamic republic of iran": "IR",
    "prc": "CN",
    "people's republic of china": "CN",
    "czech republic": "CZ",
    "holland": "NL",
    "the netherlands": "NL",
    "uk": "GB",
    "great britain": "GB",
}


def country_name(code: str) -> str:
    """The English name of an ISO code (the code itself when not in the table)."""
    return COUNTRY_NAMES.get(code, code)


def resolve_countries(
    net: Network, items: Iterable[str], *, option: str = "--avoid"
) -> tuple[str, ...]:
    """ISO codes of the countries named in ``items``.

    Each item may hold a comma-separated list; each name is an ISO 3166-1
    alpha-2 code or an English country name (see :data:`COUNTRY_NAMES`),
    in any case. The rule: a two-letter name is a code; anything longer is
    a name. A country with no node in the network is refused, since
    avoiding it would change nothing.

    Raises
    ------
    OptionError
        Naming the first unknown item and the countries the network has.
    """
    have = sorted({n.country for n in net.nodes})
    by_name = {v.casefold(): k for k, v in COUNTRY_NAMES.items()} | _COUNTRY_ALIASES
    out: list[str] = []
    for item in items:
        for raw in str(item).split(","):
            word = raw.strip()
            if not word:
                continue
            if len(word) == 2 and word.isalpha():
                code = word.upper()
            else:
                code = by_name.get(word.casefold(), "")
                if not code:
                    raise OptionError(
                        f"{option} {word!r}: not a country name or ISO code; the network has "
                        + ", ".join(f"{c} ({country_name(c)})" for c in have)
                    )
            if code not in have:
                raise OptionError(
                    f"{option} {word!r}: the network has no node in {code}; it has "
                    + ", ".join(have)
                )
            if code not in out:
                out.append(code)
    return tuple(out)


def resolve_cargo(net: Network, cargo: str) -> str:
    """The commodity id matching ``cargo`` case-insensitively.

    Raises
    ------
    OptionError
        If no commodity matches; the message lists the known ones.
    """
    ids = [c.id for c in net.commodities]
    if cargo in ids:
        return cargo
    folded = {i.casefold(): i for i in ids}
    hit = folded.get(str(cargo).strip().casefold())
    if hit is None:
        raise OptionError(f"unknown cargo {cargo!r}; known: {', '.join(ids) or 'none'}")
    return hit


_CROSSING_KINDS = ("border_crossing", "gauge_change", "seaport", "rail_terminal")


def short_name(node: Node) -> str:
    """A short label for a node: its alias found earliest in its name, else its
    name without a parenthesis and without a trailing "port".

    >>> from corridor_twin.data import load_corridor
    >>> net = load_corridor()
    >>> [short_name(net.node(i)) for i in ("KZ_KUR", "CN_KHO", "RU_DER", "TR_IST")]
    ['Kuryk', 'Khorgos', 'Derbent', 'Istanbul']
    """
    name = node.name
    low = name.casefold()
    best: tuple[int, int, str] | None = None
    for alias in node.aliases:
        m = re.search(rf"(?<!\w){re.escape(alias.casefold())}(?!\w)", low)
        if m and (best is None or (m.start(), len(alias)) < best[:2]):
            best = (m.start(), len(alias), alias)
    if best is not None:
        return best[2]
    base = re.sub(r"\s*\(.*?\)", "", name).strip()
    base = re.sub(r"\s+(international\s+)?(sea)?port$", "", base, flags=re.IGNORECASE).strip()
    return base or name


def key_nodes(
    net: Network,
    nodes: Sequence[str],
    modes: Sequence[str],
    operations: Sequence[Sequence[str]] = (),
) -> tuple[str, ...]:
    """The key places of a route, by rule, in route order.

    Parameters
    ----------
    net
        The network.
    nodes
        Node ids along the route (``n + 1`` for ``n`` legs).
    modes
        Mode of each leg (``n``).
    operations
        Operations of each leg (text, as :class:`~corridor_twin.routing.Leg`
        reports them); a gauge change ("... rail:1520->rail:1435 at X")
        marks its leg's first node.

    Returns
    -------
    tuple of str
        Intermediate node ids (never the origin or the destination) where
        the route changes mode (ports, ferry and lake terminals) or gauge,
        and one node per border crossed: the border post (a node of kind
        border_crossing, gauge_change, seaport or rail_terminal) on the
        departing side, else on the arriving side; a crossing whose side is
        already a mode or gauge change is named by that place only.
    """
    if len(nodes) < 3:
        return ()
    node = {n.id: n for n in net.nodes}
    keep = np.zeros(len(nodes), dtype=bool)
    for i in range(1, len(nodes) - 1):
        if modes[i - 1] != modes[i]:
            keep[i] = True
        ops = operations[i] if i < len(operations) else ()
        if any("->" in op and "rail:" in op for op in ops):
            keep[i] = True
    last = len(nodes) - 1
    for i in range(last):
        a, b = node[nodes[i]], node[nodes[i + 1]]
        if a.country == b.country or keep[i] or (i + 1 < last and keep[i + 1]):
            continue  # one name per crossing: a port or gauge change there already names it
        sides = [j for j in (i, i + 1) if 0 < j < last]
        posts = [j for j in sides if node[nodes[j]].kind in _CROSSING_KINDS]
        if posts:
            keep[posts[0]] = True
    seen: list[str] = []
    for i in np.flatnonzero(keep).tolist():
        if nodes[i] not in seen:
            seen.append(nodes[i])
    return tuple(seen)


def describe_via(net: Network, node_ids: Iterable[str]) -> str:
    """``"via A, B, C"`` with short names (``"direct"`` when there is none)."""
    names = [short_name(net.node(i)) for i in node_ids]
    return "via " + ", ".join(names) if names else "direct"
