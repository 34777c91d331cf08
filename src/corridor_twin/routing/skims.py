"""Many-to-many travel time, cost and CO2e matrices (skims) for OD batches.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.routing import skim
>>> s = skim(load_corridor(), ["Almaty", "Xi'an"], ["Istanbul", "Duisburg"], cargo="container")
>>> s.time_h.shape
(2, 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

import corridor_twin.routing._kernels as _kernels
from corridor_twin._typing import FloatArray
from corridor_twin.network.compile import CompiledNetwork, as_compiled
from corridor_twin.network.model import Network
from corridor_twin.routing._query import _corridor, restrict_costs
from corridor_twin.routing.corridors import Corridor, corridor_mask
from corridor_twin.routing.costs import GeneralizedCost, Objective, edge_costs, objective_weights
from corridor_twin.routing.places import resolve_cargo

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Skim", "skim"]


@dataclass(frozen=True)
class Skim:
    """OD matrices along the best route by ``objective`` (``inf`` = unreachable).

    Rows are origins, columns destinations; all figures per shipment unit.
    """

    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    commodity: str
    unit: str
    objective: str
    objective_value: FloatArray
    time_h: FloatArray
    cost_usd: FloatArray
    co2e_kg: FloatArray
    length_km: FloatArray

    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per OD pair."""
        import pandas as pd

        o, d = np.meshgrid(
            np.arange(len(self.origins)), np.arange(len(self.destinations)), indexing="ij"
        )
        return pd.DataFrame(
            {
                "origin": np.asarray(self.origins)[o.ravel()],
                "destination": np.asarray(self.destinations)[d.ravel()],
                "objective_value": self.objective_value.ravel(),
                "time_h": self.time_h.ravel(),
                "cost_usd": self.cost_usd.ravel(),
                "co2e_kg": self.co2e_kg.ravel(),
                "length_km": self.length_km.ravel(),
            }
        )


def skim(
    net: Network | CompiledNetwork,
    origins: Sequence[str],
    destinations: Sequence[str],
    *,
    cargo: str = "container",
    optimize: str | Objective = "time",
    generalized: GeneralizedCost | None = None,
    avoid_countries: Iterable[str] = (),
    modes: Iterable[str] | None = None,
    corridor: str | Corridor | None = None,
) -> Skim:
    """Time, cost, CO2e and distance between every origin and destination.

    One shortest-path tree per origin (stopping once every destination is
    settled); the other criteria are summed along the tree. Restrictions that
    name an origin or destination country are not applied here, since they
    differ per pair; use :func:`~corridor_twin.routing.route` for those.

    Parameters
    ----------
    origins, destinations
        Node ids or names.
    cargo, optimize, generalized, avoid_countries, modes
        As for :func:`~corridor_twin.routing.route`.
    corridor
        A corridor preset: only the edges it allows are used (its ``via``
        requirement is not checked per pair; use
        :func:`~corridor_twin.routing.route` for that).
    """
    comp = as_compiled(net)
    cargo = resolve_cargo(comp.network, cargo)
    preset = _corridor(corridor)
    o_nodes = [comp.network.find_node(x).id for x in origins]
    d_nodes = [comp.network.find_node(x).id for x in destinations]
    costs = edge_costs(
        comp,
        cargo,
        avoid_countries=avoid_countries,
        modes=modes,
        value_of_time_usd_per_unit_h=(
            generalized.value_of_time_usd_per_unit_h if generalized else None
        ),
    )
    if preset is not None:
        costs = restrict_costs(costs, corridor_mask(comp, preset))
    weights = objective_weights(costs, optimize, generalized)
    src = np.asarray([comp.origin_vertex[comp.node_index(x)] for x in o_nodes], dtype=np.int32)
    dst = np.asarray([comp.destination_vertex[comp.node_index(x)] for x in d_nodes], dtype=np.int32)
    # Closed and planned nodes have no vertex (-1): their rows and columns stay unreachable.
    src_ok, dst_ok = src >= 0, dst >= 0
    fin = np.isfinite(weights)
    comps = np.ascontiguousarray(
        np.vstack(
            [
                np.where(fin, costs.time_h, 0.0),
                np.where(fin, costs.cost_usd, 0.0),
                np.where(fin, costs.co2e_kg, 0.0),
                np.where(fin, costs.length_km, 0.0),
            ]
        )
    )
    out = np.full((len(src), len(dst), comps.shape[0] + 1), np.inf)
    if src_ok.any() and dst_ok.any():
        sub = _kernels.skim(
            comp.indptr, comp.indices, comp.tail, weights, src[src_ok], dst[dst_ok], comps
        )
        out[np.ix_(src_ok, dst_ok)] = sub
    # A node to itself is no trip (an expanded node's vertices would give a round trip).
    out[np.equal.outer(np.asarray(o_nodes), np.asarray(d_nodes))] = 0.0
    name = optimize if isinstance(optimize, str) else getattr(optimize, "__name__", "custom")
    return Skim(
        tuple(o_nodes),
        tuple(d_nodes),
        cargo,
        costs.unit,
        name,
        out[:, :, 0],
        out[:, :, 1],
        out[:, :, 2],
        out[:, :, 3],
        out[:, :, 4],
    )
