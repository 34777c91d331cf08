"""How the calibrated market responds: elasticities of Middle Corridor volume, and sweeps.

:func:`middle_elasticities` perturbs the Middle Corridor's routes by 1 % (their
door-to-door time, their charges, and the waits at the Caspian ports) and
reports the arc elasticity of its tonnage, beside the range the freight
literature gives (:data:`LITERATURE_RANGES`). :func:`ferry_sweep` adds Caspian
ferries one at a time and names the element that binds when the gain stops.

Examples
--------
>>> from corridor_twin.scenarios.calibration import market_equilibrium
>>> el = middle_elasticities(market_equilibrium())
>>> el.to_frame()["measure"].tolist()
['time', 'tariff', 'caspian_wait']
>>> bool(el.to_frame()["elasticity"].lt(0).all())
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from corridor_twin.data import load_corridor
from corridor_twin.network.model import Network
from corridor_twin.scenarios.bundled import load_bundled
from corridor_twin.scenarios.calibration import market_equilibrium
from corridor_twin.scenarios.market_model import (
    MarketModel,
    MarketResult,
    build_market_model,
    measure,
    solve_market,
)
from corridor_twin.scenarios.markets import load_references
from corridor_twin.scenarios.model import Scenario, apply_scenario
from corridor_twin.scenarios.operations import AddFerry

__all__ = [
    "LITERATURE_RANGES",
    "Elasticities",
    "FerrySweep",
    "ScenarioCheck",
    "ferry_sweep",
    "middle_elasticities",
    "reference_checks",
]

LITERATURE_RANGES: Mapping[str, tuple[float, float, str]] = {
    "time": (
        -2.0,
        -0.1,
        "reviews of European freight elasticities (de Jong, 2003, 'Elasticities and policy "
        "impacts in freight transport in Europe', European Transport Conference; Jourquin, "
        "2019, 'Estimating elasticities for freight transport using a network model', Journal "
        "of Transportation Technologies 9(1)): rail and intermodal volume with respect to "
        "transport time, about -0.1 to -2 (our reading of the reviews, range not re-checked "
        "figure by figure)",
    ),
    "tariff": (
        -2.5,
        -0.5,
        "Beuthe, Jourquin, Geerts and Koul a Ndjang' Ha (2001), 'Freight transportation "
        "demand elasticities: a geographic multimodal transportation network analysis', "
        "Transportation Research E 37(4); Jourquin (2019), Journal of Transportation "
        "Technologies 9(1): rail cost elasticities of about -0.5 to -2.5 by commodity and "
        "distance (our reading, not re-checked figure by figure)",
    ),
    "caspian_wait": (
        -0.5,
        -0.01,
        "no direct estimate; a wait is a part of door-to-door time, so its elasticity is "
        "the time elasticity times the wait's share of the time (our derivation from the "
        "time range)",
    ),
}
"""Literature ranges (low, high, citation) the elasticities should fall in."""


@dataclass(frozen=True)
class Elasticities:
    """Arc elasticities of Middle Corridor tonnage (1 % perturbations).

    ``hard_capacity`` tells whether full capacity elements ration by queue
    prices (the calibrated model) or only slow down (BPR delays, capacity
    relaxed); ``binding`` names the elements full with a queue price in the
    base equilibrium, which absorb a cheaper or faster corridor;
    ``markets_excluded`` the markets left out of the tonnage.
    """

    base_t: float
    values: Mapping[str, float]
    step: float
    hard_capacity: bool = True
    binding: tuple[str, ...] = ()
    markets_excluded: tuple[str, ...] = ()

    def to_frame(self) -> Any:
        """One row per measure: elasticity, literature range, within it, source."""
        import pandas as pd

        rows = []
        for k, v in self.values.items():
            lo, hi, src = LITERATURE_RANGES[k]
            rows.append(
                {
                    "measure": k,
                    "elasticity": v,
                    "literature_low": lo,
                    "literature_high": hi,
                    "within": lo <= v <= hi,
                    "hard_capacity": self.hard_capacity,
                    "source": src,
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        parts = ", ".join(f"{k} {v:+.2f}" for k, v in self.values.items())
        cap = "" if self.hard_capacity else ", capacity relaxed"
        return (
            f"<Elasticities of Middle Corridor tonnage ({self.base_t / 1e6:.2f} Mt{cap}): {parts}>"
        )


def _middle_t(result: MarketResult, markets: Any = None) -> float:
    return result.choice.corridor_flow("middle", unit="t", markets=markets)


def _binding(result: MarketResult) -> tuple[str, ...]:
    el = result.choice.elements_frame()
    full = el[(el["queue_price_usd"] > 1e-6) & (el["utilisation"] > 0.99)]
    return tuple(sorted({f"{k} {i}" for k, i in zip(full["kind"], full["id"], strict=True)}))


def middle_elasticities(
    result: MarketResult,
    *,
    step: float = 0.01,
    hard_capacity: bool = True,
    markets_excluded: tuple[str, ...] = (),
) -> Elasticities:
    """Elasticities of Middle Corridor tonnage to its time, its tariff and the Caspian wait.

    Each is ``ln(V1 / V0) / ln(1 + step)`` where ``V1`` is the equilibrium
    after raising, on every Middle Corridor route, the door-to-door time, the
    charges, or the waits at the Caspian ports (:data:`~corridor_twin.scenarios.
    market_model.CASPIAN_PORTS`) by ``step``; the cost scale of every segment is
    held at the baseline's.

    Parameters
    ----------
    result
        A solved market model (the base).
    step
        The relative perturbation (0.01: 1 %).
    hard_capacity
        False: solve the base and the perturbed equilibria with capacity
        relaxed (congestion delays only, no queue prices), to see the
        elasticity a full element hides.
    markets_excluded
        Market labels left out of the tonnage (e.g. ``kz-crude-btc``, a
        contract flow with no competing route, whose elasticity is 0 by
        construction).
    """
    model = result.model
    ch = model.choice
    mid = ch.route_corridor == ch.corridors.index("middle") if "middle" in ch.corridors else None
    excl = set(markets_excluded)
    markets = sorted({s.market for s in ch.segments} - excl) if excl else None
    base = result if hard_capacity else solve_market(model, result.calibration, hard_capacity=False)
    v0 = _middle_t(base, markets)
    out: dict[str, float] = {}
    binding, excluded = _binding(base), tuple(sorted(excl))
    if mid is None or v0 <= 0:
        nan = {"time": math.nan, "tariff": math.nan, "caspian_wait": math.nan}
        return Elasticities(v0, nan, step, hard_capacity, binding, excluded)
    wait = model.caspian_wait_h()
    variants = {
        "time": ch.with_routes(mid, time_factor=1 + step),
        "tariff": ch.with_routes(mid, charges_factor=1 + step),
        # each route's own Caspian wait grows by step
        "caspian_wait": replace(ch, time_h=np.where(mid, ch.time_h + step * wait, ch.time_h)),
    }
    for name, cm in variants.items():
        res = solve_market(
            replace(model, choice=cm), result.calibration, hard_capacity=hard_capacity
        )
        out[name] = math.log(max(_middle_t(res, markets), 1e-9) / v0) / math.log(1 + step)
    return Elasticities(v0, out, step, hard_capacity, binding, excluded)


@dataclass(frozen=True)
class FerrySweep:
    """Middle Corridor tonnage as ferries are added, and what binds at the end."""

    ferries: tuple[int, ...]
    middle_t: tuple[float, ...]
    binding: tuple[str, ...]

    def to_frame(self) -> Any:
        """One row per number of added ferries."""
        import pandas as pd

        return pd.DataFrame(
            {"ferries_added": self.ferries, "middle_t": self.middle_t, "binding": self.binding}
        )


def ferry_sweep(
    net: Network,
    model: MarketModel,
    calibration: Any,
    *,
    service: str = "S_ASCO_AKT_ALAT",
    max_ferries: int = 6,
    sailings_per_week_per_vessel: float = 0.625,
) -> FerrySweep:
    """Add ferries to a Caspian line one by one and re-solve the market.

    Each step applies an ``add_ferry`` change (the scenario kind used by
    ``more-caspian-ferries``), rebuilds the choice sets on the baseline's cost
    scale, and records the Middle Corridor tonnage and the full elements
    with a queue price (those that bind), or ``none``.
    """
    ns, vals, binds = [], [], []
    for n in range(max_ferries + 1):
        if n:
            sc = Scenario(
                name=f"ferries+{n}",
                changes=(
                    AddFerry(
                        ids=(service,),
                        vessels=n,
                        sailings_per_week_per_vessel=sailings_per_week_per_vessel,
                    ),
                ),
            )
            net_n = apply_scenario(net, sc)
        else:
            net_n = net
        m = build_market_model(
            net_n, model.markets, model.parameters, year=model.year, reference=model
        )
        res = solve_market(m, calibration)
        names = _binding(res)
        binds.append(", ".join(names) if names else "none")
        ns.append(n)
        vals.append(res.choice.corridor_flow("middle", unit="t"))
    return FerrySweep(tuple(ns), tuple(vals), tuple(binds))


@dataclass(frozen=True)
class ScenarioCheck:
    """A scenario's modelled figure beside a published reference value (never fitted)."""

    id: str
    scenario: str
    unit: str
    reference: float
    modelled: float
    source: str
    note: str

    @property
    def ratio(self) -> float:
        """Modelled / reference."""
        return self.modelled / self.reference if self.reference else math.nan


def reference_checks(*, markets_year: int = 2025) -> tuple[ScenarioCheck, ...]:
    """Each bundled reference value (``references.yaml``) beside the model's figure.

    The reference's scenario is applied to the bundled network; the markets,
    parameters and risk costs are those of ``markets_year`` (no growth to the
    scenario's year is assumed), valued on that year's baseline cost scale,
    with the bundled 2024 calibration.
    """
    out = []
    results: dict[str, MarketResult] = {}
    for ref in load_references():
        if ref.scenario is None:
            continue
        if ref.scenario not in results:
            net = apply_scenario(load_corridor(), load_bundled(ref.scenario))
            results[ref.scenario] = market_equilibrium(net, year=markets_year)
        res = results[ref.scenario]
        out.append(
            ScenarioCheck(
                ref.id, ref.scenario, ref.unit, ref.value, measure(res, ref), ref.source, ref.note
            )
        )
    return tuple(out)
