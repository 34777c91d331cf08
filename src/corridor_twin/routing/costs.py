"""Per-edge costs of a compiled network for one kind of cargo, and objectives.

:func:`edge_costs` turns the compiled edge attributes into time, money and
CO2e per shipment unit (one TEU for containers, one tonne for bulk) for a
commodity, and removes (sets to ``inf``) the edges the cargo may not use:
modes that cannot carry it, links and transfers limited to other
commodities, active restrictions that match the shipment, and countries the
user avoids. An objective turns those costs into the weights the
shortest-path kernels minimise; :data:`OBJECTIVES` holds the built-in ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from corridor_twin._typing import BoolArray, FloatArray
from corridor_twin.errors import OptionError
from corridor_twin.network.compile import CompiledNetwork
from corridor_twin.network.model import Network, Restriction
from corridor_twin.network.schema import MODES

__all__ = [
    "OBJECTIVES",
    "EdgeCosts",
    "GeneralizedCost",
    "edge_costs",
    "matching_restrictions",
    "objective_weights",
]


@dataclass(frozen=True)
class GeneralizedCost:
    """Weights of the generalized cost, in USD per shipment unit.

    ``generalized = cost_weight * cost_usd + value_of_time_usd_per_unit_h * time_h
    + co2_price_usd_per_t * co2e_kg / 1000``.

    Parameters
    ----------
    value_of_time_usd_per_unit_h
        Value of time per TEU-hour (containers) or tonne-hour (bulk). ``None``
        takes the commodity's default from the network.
    co2_price_usd_per_t
        Carbon price per tonne CO2e.
    cost_weight
        Weight on the money cost (1 = plain money).
    """

    value_of_time_usd_per_unit_h: float | None = None
    co2_price_usd_per_t: float = 0.0
    cost_weight: float = 1.0

    def __post_init__(self) -> None:
        for name in ("co2_price_usd_per_t", "cost_weight"):
            if getattr(self, name) < 0:
                raise OptionError(f"{name} must be >= 0")
        vot = self.value_of_time_usd_per_unit_h
        if vot is not None and vot < 0:
            raise OptionError("value_of_time_usd_per_unit_h must be >= 0")


@dataclass(frozen=True, eq=False)
class EdgeCosts:
    """Costs of every compiled edge for one cargo, per shipment unit.

    Disabled edges have ``inf`` in every array and ``False`` in ``usable``.
    """

    commodity: str
    unit: str
    t_per_unit: float
    usable: BoolArray
    time_h: FloatArray
    cost_usd: FloatArray
    co2e_kg: FloatArray
    wtt_kg: FloatArray
    ttw_kg: FloatArray
    length_km: FloatArray
    value_of_time_usd_per_unit_h: float


def matching_restrictions(
    net: Network,
    commodity: str,
    origin_country: str | None,
    destination_country: str | None,
) -> list[Restriction]:
    """The active restrictions that apply to a shipment."""
    return [
        r
        for r in net.restrictions
        if r.active
        and r.commodity in (None, commodity)
        and r.origin_country in (None, origin_country)
        and r.destination_country in (None, destination_country)
    ]


def _restricted(
    comp: CompiledNetwork,
    commodity: str,
    origin_country: str | None,
    destination_country: str | None,
    avoid: Iterable[str],
) -> BoolArray:
    """Edges that an active matching restriction or an avoided country forbids."""
    net = comp.network
    e = comp.edge
    n_nodes = len(comp.node_ids)
    banned_node = np.zeros(n_nodes, dtype=bool)
    banned_link = np.zeros(len(net.links), dtype=bool)
    countries = comp.country_array
    for c in avoid:
        banned_node |= countries == c
    for r in matching_restrictions(net, commodity, origin_country, destination_country):
        if r.scope == "country":
            banned_node |= countries == r.target
        elif r.scope == "node":
            banned_node[comp.node_index(r.target)] = True
        elif r.scope == "link":
            banned_link[net.index_of("links", r.target)] = True
    out = np.zeros(comp.n_edges, dtype=bool)
    if not banned_node.any() and not banned_link.any():
        return out
    nf, nt = e.node_from, e.node_to
    has_node = nf >= 0
    out[has_node] |= banned_node[nf[has_node]] | banned_node[nt[has_node]]
    has_link = e.link >= 0
    out[has_link] |= banned_link[e.link[has_link]]
    return out


def edge_costs(
    comp: CompiledNetwork,
    commodity: str,
    *,
    origin_country: str | None = None,
    destination_country: str | None = None,
    avoid_countries: Iterable[str] = (),
    modes: Iterable[str] | None = None,
    value_of_time_usd_per_unit_h: float | None = None,
) -> EdgeCosts:
    """Time, cost and CO2e of every edge for one commodity.

    Parameters
    ----------
    comp
        The compiled network.
    commodity
        Commodity id (e.g. ``container``, ``grain``).
    origin_country, destination_country
        The shipment's countries, to apply restrictions that name them.
    avoid_countries
        ISO codes of countries the route may not touch.
    modes
        Only these modes may be used (default: all the commodity allows).
    value_of_time_usd_per_unit_h
        Overrides the commodity's value of time.

    Returns
    -------
    EdgeCosts
    """
    net = comp.network
    if commodity not in comp.commodity_ids:
        raise OptionError(
            f"unknown cargo {commodity!r}; known: {', '.join(comp.commodity_ids) or 'none'}"
        )
    com = net.commodity(commodity)
    bit = 1 << comp.commodity_ids.index(commodity)
    e = comp.edge
    usable = (comp.edge_commodity_mask & bit) != 0
    if modes is not None:
        wanted = set(modes)
        bad = wanted - set(MODES)
        if bad:
            raise OptionError(f"unknown mode(s) {sorted(bad)}; known: {', '.join(MODES)}")
        mode_ok = np.isin(e.mode, [MODES.index(m) for m in wanted])
        usable &= mode_ok | (e.mode < 0)
    usable &= ~_restricted(comp, commodity, origin_country, destination_country, avoid_countries)
    # Compiled charges are complete in both bases (see compile_network).
    if com.unit == "teu":
        t_per_unit = float(com.t_per_teu or 10.0)
        cost = e.cost_usd_per_teu
    else:
        t_per_unit = 1.0
        cost = e.cost_usd_per_t
    time = (
        e.travel_h
        + e.wait_service_h
        + e.wait_border_h
        + e.wait_transfer_h
        + e.wait_gauge_h
        + e.wait_dwell_h
    )
    wtt = e.wtt_kg_per_t * t_per_unit
    ttw = e.ttw_kg_per_t * t_per_unit
    inf = np.inf

    def masked(a: FloatArray) -> FloatArray:
        out = np.where(usable, a, inf)
        out.setflags(write=False)
        return out

    vot = value_of_time_usd_per_unit_h
    if vot is None:
        vot = com.value_of_time_usd_per_unit_h
    return EdgeCosts(
        commodity=commodity,
        unit=com.unit,
        t_per_unit=t_per_unit,
        usable=usable,
        time_h=masked(time),
        cost_usd=masked(cost),
        co2e_kg=masked(wtt + ttw),
        wtt_kg=masked(wtt),
        ttw_kg=masked(ttw),
        length_km=masked(e.length_km),
        value_of_time_usd_per_unit_h=float(vot),
    )


Objective = Callable[[EdgeCosts, GeneralizedCost], FloatArray]


def _generalized(c: EdgeCosts, g: GeneralizedCost) -> FloatArray:
    vot = g.value_of_time_usd_per_unit_h
    if vot is None:
        vot = c.value_of_time_usd_per_unit_h
    # Unusable edges are inf in every array; weigh only usable ones (0 * inf is NaN).
    out: FloatArray = np.full(c.time_h.shape, np.inf)
    u = c.usable
    out[u] = (
        g.cost_weight * c.cost_usd[u]
        + vot * c.time_h[u]
        + g.co2_price_usd_per_t * c.co2e_kg[u] / 1000.0
    )
    return out


OBJECTIVES: dict[str, Objective] = {
    "time": lambda c, g: c.time_h,
    "cost": lambda c, g: c.cost_usd,
    "co2": lambda c, g: c.co2e_kg,
    "distance": lambda c, g: c.length_km,
    "generalized": _generalized,
}
"""Built-in objectives: name -> function of (EdgeCosts, GeneralizedCost) -> weights."""


def objective_weights(
    costs: EdgeCosts, objective: str | Objective, generalized: GeneralizedCost | None = None
) -> FloatArray:
    """Edge weights for an objective name (see :data:`OBJECTIVES`) or callable."""
    g = generalized or GeneralizedCost()
    if callable(objective):
        fn = objective
    else:
        try:
            fn = OBJECTIVES[objective]
        except KeyError:
            raise OptionError(
                f"unknown objective {objective!r}; choose from {{{', '.join(OBJECTIVES)}}}"
            ) from None
    w = np.asarray(fn(costs, g), dtype=np.float64)
    if w.shape != costs.time_h.shape:
        raise OptionError("an objective must return one weight per edge")
    if np.any(w < 0):
        raise OptionError("objective weights must be non-negative")
    return np.where(costs.usable, w, np.inf)
