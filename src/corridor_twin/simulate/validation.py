"""Validation of the operating twin against observed figures: :func:`validate_model`.

A table of observed figures (:data:`OBSERVED`) -- transit times, Caspian waits,
border clearance (CAREC CPMM), vessel handling at Alat, annual volumes -- each
with its value or range, unit, source key and year, and how its simulated
counterpart is measured. :func:`validate_model` runs the simulation with the
bundled data and today's demand, measures every figure and reports the error
of each (absolute, per cent, within the observed range or not) and, as NODUS
does for its assignments, the WAPE and bias across figures of one unit group:

    WAPE = sum |sim - obs| / sum |obs|,    bias = sum (sim - obs) / sum obs.

For a range the observed value is its midpoint. Times are compared in hours
(days x 24) so that all time figures form one group; volumes form another.

Some figures are inputs as much as outputs: the CPMM border times are the
networks' border dwell figures, so their check shows that queueing and the
random service times leave the sourced average in place, not an independent
validation. The measure text of each figure says what it is.

Examples
--------
>>> from corridor_twin.simulate.validation import wape, bias
>>> wape([10.0, 20.0], [12.0, 17.0]), bias([10.0, 20.0], [12.0, 17.0])
(0.16666666666666666, -0.03333333333333333)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor_twin.data import load_corridor
from corridor_twin.errors import OptionError
from corridor_twin.network.model import Network
from corridor_twin.routing import route
from corridor_twin.scenarios import DemandTable, load_bundled_demand
from corridor_twin.simulate.run import simulate

if TYPE_CHECKING:
    import pandas as pd

    from corridor_twin.simulate.results import SimulationResult

__all__ = [
    "EXTRA_SOURCES",
    "OBSERVED",
    "ModelValidationReport",
    "ObservedFigure",
    "ValidationRow",
    "bias",
    "validate_model",
    "wape",
]

POINT_TOLERANCE = 0.10
"""A point observation (no range) counts as matched within +-10 % (our convention)."""

EXTRA_SOURCES: dict[str, str] = {
    "travel-blogs-caspian": (
        "Travellers' reports of the Aktau/Kuryk/Turkmenbashi - Baku ferries: no "
        "timetable, departures when full, trucks queue 3-4 days, passengers wait "
        "2-8 days (travel blogs, e.g. wongie.com, lukas-pichler.at, 2013-2019); "
        "anecdotes, not statistics"
    ),
}
"""Sources cited by :data:`OBSERVED` that are not in the bundled network's bibliography."""

_CASPIAN_FERRY_LINKS = ("KZ_KUR-AZ_ALAT-FERRY", "KZ_AKT-AZ_ALAT-FERRY", "TM_TMB-AZ_ALAT-FERRY")


@dataclass(frozen=True)
class ObservedFigure:
    """An observed figure to compare the simulation with.

    Attributes
    ----------
    name
        What is compared.
    low, high
        The observed range (equal for a point value), in ``unit``.
    unit
        {d, h, teu, wagons}.
    source
        Key in the network's bibliography or in :data:`EXTRA_SOURCES`.
    year
        Year the figure refers to.
    measure
        How the simulated counterpart is measured.
    metric
        Key of the measuring function (internal).
    """

    name: str
    low: float
    high: float
    unit: str
    source: str
    year: int
    measure: str
    metric: str

    @property
    def observed(self) -> float:
        """The observed value: the point value or the range's midpoint."""
        return (self.low + self.high) / 2.0

    @property
    def is_range(self) -> bool:
        """True if the observation is a range rather than a point."""
        return self.high > self.low


OBSERVED: tuple[ObservedFigure, ...] = (
    ObservedFigure(
        "Xi'an -> Constanta via TITR, official",
        18.0,
        23.0,
        "d",
        "commonspace-2023",
        2023,
        "median door-to-door time of delivered Xi'an -> Constanta containers, all routes",
        "transit:CN_XIAN>RO_CND:container",
    ),
    ObservedFigure(
        "Xi'an -> Constanta via TITR, forwarder guidance",
        31.0,
        34.0,
        "d",
        "navisgroup-2025",
        2025,
        "median door-to-door time of delivered Xi'an -> Constanta containers, all routes",
        "transit:CN_XIAN>RO_CND:container",
    ),
    ObservedFigure(
        "Xi'an -> Malaszewicze, Northern route",
        12.0,
        14.0,
        "d",
        "navisgroup-2025",
        2025,
        "median Xi'an -> Duisburg time of delivered containers minus the expected "
        "Malaszewicze -> Duisburg route time (the model's flow ends at Duisburg)",
        "northern",
    ),
    ObservedFigure(
        "Caspian rail-ferry wait for a sailing",
        48.0,
        192.0,
        "h",
        "travel-blogs-caspian",
        2019,
        "mean wait of shipments for a sailing on the three rail-ferry lines to Alat "
        "(westbound), per passage; the source is anecdotal (2-8 days)",
        "caspian_wait",
    ),
    ObservedFigure(
        "CN-KZ rail border (Corridor 1 BCP: Alashankou/Dostyk, Khorgos/Altynkol)",
        27.6,
        37.3,
        "h",
        "cpmm-2020",
        2020,
        "mean time a train spends at the CN-KZ crossing (exit + entry clearance and "
        "the gauge change, waits included), per shipment passage; the range is the "
        "2019 and 2020 CPMM averages; these are the network's inputs",
        "border:cnkz",
    ),
    ObservedFigure(
        "AZ-GE rail border (Boyuk Kesik / Gardabani)",
        20.6,
        23.0,
        "h",
        "cpmm-2020",
        2020,
        "mean clearance time (exit + entry, waits included) at Boyuk Kesik -> "
        "Gardabani, per shipment passage; CPMM rail averages 2019-2020, applied in "
        "the network as a proxy",
        "border:azge",
    ),
    ObservedFigure(
        "Alat (Baku port) vessel handling time",
        20.1,
        20.1,
        "h",
        "trend-2025-06-03",
        2024,
        "mean berth time (service, without waiting for a berth) of ferries handled "
        "at Alat, per shipment passage; the network's input, handled at 4 berths "
        "(2 ferry, 2 Ro-Ro/Ro-Pax: cbc-az-2018-05-17)",
        "alat_handling",
    ),
    ObservedFigure(
        "Alat (Baku port) vessel time at port incl. berth wait",
        20.1,
        30.0,
        "h",
        "trend-2025-06-03",
        2024,
        "mean berth wait plus handling of ferries at Alat, per shipment passage, "
        "between the 20.1 h average handling and the 30 h protocol maximum per vessel",
        "alat_port_time",
    ),
    ObservedFigure(
        "Baku port rail wagons (both directions)",
        37515.0,
        37515.0,
        "wagons",
        "sea-news-az-2025-01",
        2024,
        "wagon loads carried a year on the three rail-ferry lines to and from Alat "
        "(one shipment = one wagon), per year of release; the model has TITR demand "
        "only, the port figure counts all cargo",
        "ferry_wagons",
    ),
    ObservedFigure(
        "Baku port containers (both directions)",
        76775.0,
        76775.0,
        "teu",
        "sea-news-az-2025-01",
        2024,
        "TEU of containers that crossed to or from Alat a year (rail ferries and "
        "container feeders); the model has TITR demand only, the port figure counts "
        "all cargo",
        "alat_teu",
    ),
)
"""The observed figures :func:`validate_model` compares with (sources in the
bundled network's bibliography or :data:`EXTRA_SOURCES`)."""


def wape(observed: Sequence[float], simulated: Sequence[float]) -> float:
    """Weighted absolute percentage error: ``sum|sim - obs| / sum|obs|`` (a fraction)."""
    o = np.asarray(observed, dtype=np.float64)
    s = np.asarray(simulated, dtype=np.float64)
    den = float(np.abs(o).sum())
    return float(np.abs(s - o).sum()) / den if den > 0 else math.nan


def bias(observed: Sequence[float], simulated: Sequence[float]) -> float:
    """Relative bias: ``sum(sim - obs) / sum(obs)`` (a fraction; > 0 means too high)."""
    o = np.asarray(observed, dtype=np.float64)
    s = np.asarray(simulated, dtype=np.float64)
    den = float(o.sum())
    return float((s - o).sum()) / den if den != 0 else math.nan


@dataclass(frozen=True)
class ValidationRow:
    """One observed figure and its simulated counterpart."""

    figure: ObservedFigure
    simulated: float

    @property
    def abs_error(self) -> float:
        """``simulated - observed`` in the figure's unit (signed)."""
        return self.simulated - self.figure.observed

    @property
    def pct_error(self) -> float:
        """``abs_error / observed``, per cent."""
        obs = self.figure.observed
        return 100.0 * self.abs_error / obs if obs else math.nan

    @property
    def within(self) -> bool:
        """Inside the observed range (a point: within :data:`POINT_TOLERANCE`)."""
        f, s = self.figure, self.simulated
        if not math.isfinite(s):
            return False
        if f.is_range:
            return f.low <= s <= f.high
        return abs(s - f.observed) <= POINT_TOLERANCE * abs(f.observed)


def _group(unit: str) -> tuple[str, float]:
    return ("time_h", 24.0) if unit == "d" else ("time_h", 1.0) if unit == "h" else (unit, 1.0)


@dataclass(frozen=True)
class ModelValidationReport:
    """Observed vs simulated figures, with error metrics.

    Attributes
    ----------
    rows
        One per observed figure.
    days, seed, replications
        How the simulation was run (simulated figures are means over replications).
    sources
        Title of every source key cited.
    manifests
        The runs' manifests.
    """

    rows: tuple[ValidationRow, ...]
    days: float
    seed: int
    replications: int
    sources: dict[str, str] = field(default_factory=dict)
    manifests: tuple[dict[str, Any], ...] = ()

    def __repr__(self) -> str:
        inside = sum(r.within for r in self.rows)
        return (
            f"<ModelValidationReport {len(self.rows)} figures, {inside} within the observed range; "
            f"{self.days:g} days, seed {self.seed}, {self.replications} replication(s)>"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per figure: observed (value, low, high), simulated, errors, source."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "figure": r.figure.name,
                    "unit": r.figure.unit,
                    "observed": r.figure.observed,
                    "low": r.figure.low,
                    "high": r.figure.high,
                    "simulated": r.simulated,
                    "abs_error": r.abs_error,
                    "pct_error": r.pct_error,
                    "within_range": r.within,
                    "source": r.figure.source,
                    "year": r.figure.year,
                    "measure": r.figure.measure,
                }
                for r in self.rows
            ]
        )

    def summary(self) -> pd.DataFrame:
        """WAPE and bias (fractions) per unit group (times in hours) and figures in range."""
        import pandas as pd

        groups: dict[str, list[tuple[float, float, bool]]] = {}
        for r in self.rows:
            if not math.isfinite(r.simulated):
                continue
            g, k = _group(r.figure.unit)
            groups.setdefault(g, []).append((r.figure.observed * k, r.simulated * k, r.within))
        out = []
        for g, vals in groups.items():
            o = [v[0] for v in vals]
            s = [v[1] for v in vals]
            out.append(
                {
                    "group": g,
                    "figures": len(vals),
                    "within_range": sum(v[2] for v in vals),
                    "wape": wape(o, s),
                    "bias": bias(o, s),
                }
            )
        return pd.DataFrame(out, columns=["group", "figures", "within_range", "wape", "bias"])


# -- measures -------------------------------------------------------------------------------


def _median_transit_d(res: SimulationResult, o: str, d: str, c: str) -> float:
    ok = np.array([f == (o, d, c) for f in res.flows], dtype=bool)[res.od]
    t = res.transit_h[ok]
    t = t[np.isfinite(t)]
    return float(np.median(t)) / 24.0 if t.size else math.nan


def _station_time_h(w: pd.DataFrame, places: Sequence[str], *, wait: bool, busy: bool) -> float:
    """Per-passage mean time at the given stations (summed along a crossing)."""
    total = 0.0
    for p in places:
        row = w[w["place"] == p]
        if row.empty:
            return math.nan
        r = row.iloc[0]
        total += (float(r["mean_wait_h"]) if wait else 0.0) + (
            float(r["mean_busy_h"]) if busy else 0.0
        )
    return total


def _crossing_h(w: pd.DataFrame, alternatives: Sequence[Sequence[str]]) -> float:
    """Passage-weighted mean over alternative crossings, each a chain of stations."""
    num = den = 0.0
    for places in alternatives:
        rows = w[w["place"] == places[0]]
        if rows.empty:
            continue
        n = float(rows.iloc[0]["shipments"])
        t = _station_time_h(w, places, wait=True, busy=True)
        if math.isfinite(t):
            num, den = num + n * t, den + n
    return num / den if den else math.nan


def _link_volume(res: SimulationResult, links: Sequence[str], col: str, days: float) -> float:
    tp = res.throughput()
    tp = tp[tp["link"].isin(links)]
    return float(tp[col].sum()) * 365.0 / days


_CASPIAN_VESSEL_LEGS = frozenset(
    f"vessel:{a}>{b}"
    for a, b in (("KZ_KUR", "AZ_ALAT"), ("KZ_AKT", "AZ_ALAT"), ("TM_TMB", "AZ_ALAT"))
    for a, b in ((a, b), (b, a))
)


def _caspian_container_teu(res: SimulationResult, days: float) -> float:
    """TEU of containers that crossed the Caspian to or from Alat (ferry or feeder), a year."""
    cross = [lb in _CASPIAN_VESSEL_LEGS for lb, _, _ in res.legs]
    total = 0.0
    for k, (_, _, commodity) in enumerate(res.flows):
        if commodity != "container":
            continue
        for r, legs in enumerate(res.route_legs[k]):
            li = next((i for i, lid in enumerate(legs) if cross[lid]), None)
            if li is None:
                continue
            ship = (res.od == k) & (res.route == r)
            total += float(res.teu[ship & (res.group[:, li] >= 0)].sum())
    return total * 365.0 / days


def _ferry_wait_h(res: SimulationResult) -> float:
    """Mean wait for a westbound sailing of the Caspian rail ferries, per shipment passage.

    Legs are told apart by the link they sail (the container feeders share the
    ferries' ports and so their leg labels).
    """
    ferry = set(_CASPIAN_FERRY_LINKS)
    west = [
        lid
        for lid, (label, vehicle, steps) in enumerate(res.legs)
        if vehicle == "vessel"
        and label.endswith(">AZ_ALAT")
        and any(ferry.intersection(links) for _, _, links in steps)
    ]
    s, li = np.nonzero(res.group >= 0)
    g = res.group[s, li]
    keep = np.isin(res.group_leg[g], west)
    wait = res.group_created_h[g[keep]] - res.ready_h[s[keep], li[keep]]
    return float(wait.mean()) if wait.size else math.nan


_Measure = Callable[["SimulationResult", "pd.DataFrame"], float]


def _measures(net: Network, days: float) -> dict[str, _Measure]:
    """Measuring functions by metric key; each takes a result and its ``waits()``."""

    mal_dui_d = route(net, "PL_MAL", "DE_DUI", cargo="container").time_h / 24.0
    alat = ["transfer:AZ_ALAT"]
    return {
        "transit:CN_XIAN>RO_CND:container": lambda r, w: _median_transit_d(
            r, "CN_XIAN", "RO_CND", "container"
        ),
        "northern": lambda r, w: _median_transit_d(r, "CN_XIAN", "DE_DUI", "container") - mal_dui_d,
        "caspian_wait": lambda r, w: _ferry_wait_h(r),
        "border:cnkz": lambda r, w: _crossing_h(
            w,
            [
                ("border:CN_ALA>KZ_DOS", "gauge:KZ_DOS"),
                ("border:CN_KHO>KZ_ALT", "gauge:KZ_ALT"),
            ],
        ),
        "border:azge": lambda r, w: _crossing_h(w, [("border:AZ_BKS>GE_GAR",)]),
        "alat_handling": lambda r, w: _station_time_h(w, alat, wait=False, busy=True),
        "alat_port_time": lambda r, w: _station_time_h(w, alat, wait=True, busy=True),
        "ferry_wagons": lambda r, w: _link_volume(r, _CASPIAN_FERRY_LINKS, "shipments", days),
        "alat_teu": lambda r, w: _caspian_container_teu(r, days),
    }


def validate_model(
    net: Network | None = None,
    *,
    demand: DemandTable | None = None,
    days: float = 365.0,
    seed: int = 1,
    replications: int = 1,
    figures: Sequence[ObservedFigure] = OBSERVED,
) -> ModelValidationReport:
    """Simulate the corridor and compare it with the observed figures.

    Parameters
    ----------
    net
        The network; default the bundled corridor.
    demand
        Annual :class:`~corridor_twin.scenarios.DemandTable`; default the bundled
        2024 demand.
    days
        Simulated days (> 0); volumes are scaled to a year.
    seed
        Integer seed; replication ``i`` uses child ``i`` of ``SeedSequence(seed)``.
    replications
        Runs (>= 1); each simulated figure is the mean over them.
    figures
        The observed figures (default :data:`OBSERVED`).

    Returns
    -------
    ModelValidationReport

    Raises
    ------
    OptionError
        Bad ``days``, ``seed`` or ``replications``.
    """
    if not (isinstance(days, int | float) and math.isfinite(days) and days > 0):
        raise OptionError(f"days must be a positive number, got {days!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise OptionError(f"seed must be an integer, got {seed!r}")
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise OptionError(f"replications must be an integer >= 1, got {replications!r}")

    if net is None:
        net = load_corridor()
    if demand is None:
        demand = load_bundled_demand()
    measures = _measures(net, float(days))
    for f in figures:
        if f.metric not in measures:
            raise OptionError(f"figure {f.name!r}: unknown metric {f.metric!r}")
    children = np.random.SeedSequence(int(seed)).spawn(replications)
    values: dict[str, list[float]] = {}
    manifests = []
    for child in children:
        res = simulate(net, demand, days=float(days), seed=child)
        manifests.append(res.manifest)
        w = res.waits()
        for key in sorted({f.metric for f in figures}):
            values.setdefault(key, []).append(measures[key](res, w))
    rows = tuple(ValidationRow(f, float(np.mean(values[f.metric]))) for f in figures)
    known = {s.key: s.title for s in net.sources}
    sources = {f.source: EXTRA_SOURCES.get(f.source, known.get(f.source, "")) for f in figures}
    return ModelValidationReport(
        rows=rows,
        days=float(days),
        seed=int(seed),
        replications=replications,
        sources=sources,
        manifests=tuple(manifests),
    )
