"""Choice-set generation for :mod:`corridor_twin.flow.choice`.

The ``k`` best routes of a corridor preset by generalized cost (Yen's
algorithm inside the preset's mask), and the vessel alternatives: routes that
ride none of the ferry and sea services already chosen (service elimination).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import numpy as np

from corridor_twin._typing import FloatArray
from corridor_twin.errors import NoRouteError
from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork
from corridor_twin.network.schema import MODES
from corridor_twin.routing.corridors import (
    Corridor,
    corridor_objective,
    get_corridor,
    path_in_corridor,
)
from corridor_twin.routing.costs import GeneralizedCost
from corridor_twin.routing.paths import k_routes, route
from corridor_twin.routing.result import Route

_RIDE = EDGE_KINDS.index("ride")
_WATER = (MODES.index("ferry"), MODES.index("sea"))


class RouteRequest(Protocol):
    """What a route search needs of a market segment."""

    @property
    def origin(self) -> str: ...
    @property
    def destination(self) -> str: ...
    @property
    def commodity(self) -> str: ...
    @property
    def avoid_countries(self) -> frozenset[str] | tuple[str, ...]: ...


def choice_routes(
    comp: CompiledNetwork,
    seg: RouteRequest,
    corridor: Corridor,
    k: int,
    vot: float,
    vessel_alternatives: int = 0,
) -> list[Route]:
    """The ``k`` best routes of a preset by generalized cost, then the vessel alternatives."""
    base = get_corridor(corridor.base) if corridor.base else corridor
    objective = corridor_objective(comp, base, "generalized")
    g = GeneralizedCost(value_of_time_usd_per_unit_h=vot)
    try:
        if k == 1:
            found: Iterable[Route] = [
                route(
                    comp,
                    seg.origin,
                    seg.destination,
                    cargo=seg.commodity,
                    optimize=objective,
                    generalized=g,
                    avoid_countries=seg.avoid_countries,
                )
            ]
        else:
            found = k_routes(
                comp,
                seg.origin,
                seg.destination,
                k=k,
                cargo=seg.commodity,
                optimize=objective,
                generalized=g,
                avoid_countries=seg.avoid_countries,
            )
    except NoRouteError:
        return []
    kept = [r for r in found if len(r.edges) and path_in_corridor(comp, r.edges, base)]
    for _ in range(vessel_alternatives):
        alt = _other_vessels_route(comp, seg, base, objective, g, kept)
        if alt is None:
            break
        kept.append(alt)
    return kept


def _other_vessels_route(
    comp: CompiledNetwork,
    seg: RouteRequest,
    base: Corridor,
    objective: Callable[..., FloatArray],
    g: GeneralizedCost,
    found: Sequence[Route],
) -> Route | None:
    """The best route of a preset that rides none of the ferry and sea services of ``found``.

    Yen's k best routes on a Caspian line differ in the rail legs and all board
    the most frequent vessel, so a vessel that sails less often (a truck-only
    Ro-Ro, a bulk carrier) never enters the choice set although it adds
    capacity. Banning the vessels already chosen and searching again is service
    elimination, the link-elimination method of choice-set generation
    (Azevedo et al. 1993; Bekhor, Ben-Akiva and Ramming 2006) applied to
    services.
    """
    ed = comp.edge
    ride = ed.kind == _RIDE
    used: set[int] = set()
    for r in found:
        e = np.asarray(r.edges, dtype=np.int64)
        e = e[ride[e] & np.isin(ed.mode[e], _WATER)]
        used.update(int(v) for v in np.unique(ed.service[e]).tolist())
    if not used:
        return None
    banned = ride & np.isin(ed.service, sorted(used))

    def weights(costs: Any, gc: GeneralizedCost) -> FloatArray:
        return np.where(banned, np.inf, objective(costs, gc))

    weights.__name__ = f"{getattr(objective, '__name__', 'objective')}-vessels"
    try:
        r = route(
            comp,
            seg.origin,
            seg.destination,
            cargo=seg.commodity,
            optimize=weights,
            generalized=g,
            avoid_countries=seg.avoid_countries,
        )
    except NoRouteError:
        return None
    if not len(r.edges) or not path_in_corridor(comp, r.edges, base):
        return None
    return r
