"""Emission factors (GLEC Framework / ISO 14083): lookup for a link.

A link's factor is, in order: the factor it names (``emission_factor``), else
the most specific factor of its mode matching its ``energy`` and the country
of its start node, falling back to ``energy: any`` and ``country: any``.
Factors are well-to-wheel, split into well-to-tank (fuel and electricity
production) and tank-to-wheel (combustion on board), in g CO2e per tonne-km.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corridor_twin.network.records import EmissionFactor, Link

if TYPE_CHECKING:
    from corridor_twin.network.model import Network

__all__ = ["resolve_factor"]


def resolve_factor(net: Network, link: Link, country: str) -> EmissionFactor | None:
    """The emission factor that applies to ``link`` running in ``country``.

    Parameters
    ----------
    net
        Network holding the factor table.
    link
        The link (its mode, energy and optional explicit factor id).
    country
        ISO code of the country the link (direction) starts in.

    Returns
    -------
    EmissionFactor or None
        ``None`` when no factor of the link's mode exists.
    """
    if link.emission_factor is not None:
        for e in net.emission_factors:
            if e.id == link.emission_factor:
                return e
        return None
    best: tuple[int, EmissionFactor] | None = None
    for e in net.emission_factors:
        if e.mode != link.mode:
            continue
        if e.energy not in ("any", link.energy) or e.country not in ("any", country):
            continue
        score = 2 * (e.energy == link.energy) + (e.country == country)
        if best is None or score > best[0]:
            best = (score, e)
    return None if best is None else best[1]
