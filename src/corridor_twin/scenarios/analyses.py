"""The standard corridor analyses that :func:`compare` runs on every scenario.

Each is a pure function ``(network, demand) -> result`` (see
:mod:`corridor_twin.scenarios.compare`):

* ``throughput``: maximum container flow (TEU/year) from the China–Kazakhstan
  crossings to the European and Turkish gateways on the Middle Corridor only
  (Russia, Belarus and Iran avoided, the Suez sea route left out);
* ``bottlenecks``: the minimum cut of that flow, named link by link;
* ``assignment``: the system-optimal assignment of the demand table: cost,
  time, CO2e and unmet demand;
* ``routes``: the fastest route's days, cost and CO2e for reference OD pairs;
* ``market``: the calibrated market model (route choice among the competing
  corridors in capacity equilibrium, :mod:`corridor_twin.scenarios.calibration`)
  on the bundled 2024 markets: tonnes and TEU per corridor and unmet demand.

Examples
--------
>>> from corridor_twin import load_corridor
>>> round(throughput(load_corridor(), None)["max_teu_per_year"]) > 0
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from corridor_twin.errors import NoRouteError
from corridor_twin.flow import max_flow
from corridor_twin.flow.assign import assign
from corridor_twin.network.model import Network
from corridor_twin.routing import route

if TYPE_CHECKING:
    import pandas as pd

    from corridor_twin.scenarios.demand import DemandTable

__all__ = [
    "MIDDLE_CORRIDOR",
    "REFERENCE_PAIRS",
    "STANDARD_ANALYSES",
    "assignment",
    "bottlenecks",
    "market",
    "routes",
    "throughput",
]

MIDDLE_CORRIDOR: Mapping[str, Any] = {
    "sources": ("CN_ALA", "CN_KHO"),
    "sinks": ("RO_CND", "TR_IST", "HU_BUD", "DE_DUI"),
    "avoid_countries": ("RU", "BY", "IR"),
    "exclude": ("CN_SHA",),
    "cargo": "container",
    "unit": "teu",
}
"""The Middle Corridor throughput question: China–Kazakhstan crossings to the
Black Sea, Turkish and European gateways, competitors left out."""

REFERENCE_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("CN_XIAN", "RO_CND", "container"),
    ("CN_XIAN", "DE_DUI", "container"),
    ("KZ_ALA", "TR_IST", "container"),
    ("KZ_KOS", "AM_EVN", "grain"),
    ("KZ_AKT", "TR_CEY", "crude_oil"),
)
"""(origin, destination, cargo) pairs whose best routes every comparison reports."""


def _max_flow(net: Network) -> Any:

    mc = MIDDLE_CORRIDOR
    return max_flow(
        net,
        mc["sources"],
        mc["sinks"],
        cargo=mc["cargo"],
        unit=mc["unit"],
        avoid_countries=mc["avoid_countries"],
        exclude=mc["exclude"],
    )


def throughput(net: Network, demand: DemandTable | None) -> dict[str, float]:
    """Maximum Middle Corridor container throughput, TEU per year (see :data:`MIDDLE_CORRIDOR`)."""
    return {"max_teu_per_year": float(_max_flow(net).value)}


def bottlenecks(net: Network, demand: DemandTable | None) -> pd.DataFrame:
    """The minimum cut of the Middle Corridor throughput: one row per bottleneck."""
    import pandas as pd

    cut = _max_flow(net).cut
    return pd.DataFrame(
        {
            "kind": [c.kind for c in cut],
            "id": [c.id for c in cut],
            "name": [c.name for c in cut],
            "capacity_teu_per_year": [float(c.capacity) for c in cut],
        }
    )


def assignment(net: Network, demand: DemandTable | None) -> dict[str, float]:
    """Totals of the system-optimal assignment of the demand table (none: nothing to do)."""

    if demand is None or not demand.rows:
        return {}
    res = assign(net, demand.to_frame())
    if res.status != "optimal":
        return {"solved": 0.0}
    t = res.totals
    return {
        k: float(t[k])
        for k in (
            "cost_usd",
            "time_unit_h",
            "co2e_t",
            "demand_per_year",
            "unmet_per_year",
            "unmet_share",
        )
    }


def routes(net: Network, demand: DemandTable | None) -> pd.DataFrame:
    """Fastest route of each reference pair: days, USD and kg CO2e per unit."""
    import pandas as pd

    rows = []
    for o, d, cargo in REFERENCE_PAIRS:
        if not (net.has("nodes", o) and net.has("nodes", d)):
            continue
        try:
            r = route(net, o, d, cargo=cargo)
        except NoRouteError:
            rows.append(
                {
                    "origin": o,
                    "destination": d,
                    "cargo": cargo,
                    "time_days": float("inf"),
                    "cost_usd": float("inf"),
                    "co2e_kg": float("inf"),
                }
            )
            continue
        rows.append(
            {
                "origin": o,
                "destination": d,
                "cargo": cargo,
                "time_days": r.time_days,
                "cost_usd": r.cost_usd,
                "co2e_kg": r.co2e_kg,
            }
        )
    return pd.DataFrame(rows)


def market(net: Network, demand: DemandTable | None) -> dict[str, float]:
    """Corridor totals of the calibrated market model on the bundled 2024 markets.

    The markets are whole markets (all routes together), so the demand table
    (corridor-specific flows) does not enter; a scenario's network is valued
    on the 2024 baseline's cost scale.
    """
    from corridor_twin.scenarios.calibration import market_equilibrium

    res = market_equilibrium(net)
    out: dict[str, float] = {}
    for row in res.corridor_totals().itertuples():
        out[f"{row.corridor}_t"] = float(row.flow_t_per_year)
        out[f"{row.corridor}_teu"] = float(row.flow_teu_per_year)
    return out


STANDARD_ANALYSES: Mapping[str, Any] = {
    "throughput": throughput,
    "bottlenecks": bottlenecks,
    "assignment": assignment,
    "routes": routes,
    "market": market,
}
"""The analyses ``corridor compare`` runs, by name."""
