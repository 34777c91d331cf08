"""Monte Carlo transit-time reliability of a route: percentiles and on-time probability.

A route's door-to-door time is the sum of independent random components, one
per compiled edge operation, each with the deterministic routing figure as its
mean (see :class:`ReliabilityModel` for the distributions). The simulation
clock is in hours.

The sampler is vectorised over draws *and* components: components that share a
distribution family and shape are drawn as one ``(draws, n)`` float32 block and
summed with one matrix-vector product, in chunks so the block stays in cache.
Totals are accumulated in float64.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor_twin._typing import FloatArray
from corridor_twin.errors import OptionError
from corridor_twin.network.compile import EDGE_KINDS, WEEK_H, CompiledNetwork
from corridor_twin.network.model import Network
from corridor_twin.network.schema import MODES
from corridor_twin.routing import k_routes, route
from corridor_twin.routing.corridors import Corridor
from corridor_twin.routing.paths import as_compiled
from corridor_twin.routing.result import Route

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ReliabilityModel",
    "ReliabilityResult",
    "TransitComponents",
    "TransitStats",
    "reliability",
    "route_components",
    "simulate_transit_h",
    "summarize",
]

Seed = int | np.random.Generator | None
_CHUNK = 16_384  # draws per block: a (chunk, ~50) float32 block stays in L2 cache
_MOVE = (EDGE_KINDS.index("link"), EDGE_KINDS.index("ride"))
_WAIT_EDGE_KIND = {
    "border": None,  # border clearance sits on link/ride edges
    "transfer": EDGE_KINDS.index("transfer"),
    "gauge": EDGE_KINDS.index("gauge"),
    "dwell": EDGE_KINDS.index("transit"),
}
_DISTRIBUTIONS = ("lognormal", "gamma")


def _rng(seed: Seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


@dataclass(frozen=True)
class ReliabilityModel:
    """Distribution assumptions of the transit-time Monte Carlo.

    Every default below is a modelling assumption (an order-of-magnitude
    estimate, not a calibrated figure); override any of them.

    Attributes
    ----------
    travel_cv
        Coefficient of variation of running time per mode. Defaults: rail
        0.15, road 0.10, ferry 0.15, sea 0.10, pipeline 0.05 (assumption:
        trains and ferries vary more than trucks and liner ships). A mode not
        listed gets 0 (deterministic).
    travel_distribution
        {lognormal, gamma}: family of running time, with the compiled
        ``travel_h`` as its mean. Default lognormal (right-skewed, positive).
    wait_cv
        CV of the border, transfer, gauge and dwell waits, each gamma with the
        compiled expected wait as its mean. Defaults: border 1.0 (exponential,
        as the waiting time of an M/M/1-like queue), transfer 0.5, gauge 0.5,
        dwell 0.5 (assumption: handling operations are more regular than
        queues). CV 0 makes the wait deterministic.
    service_waits
        Whether waits for scheduled services are random (default True): for a
        frequency service of headway ``H`` uniform on ``[0, H)``; for a
        timetabled one the wait to the next departure from a uniformly random
        ready time within the week. Either way each departure is cancelled with
        probability ``1 - availability``, adding a Geometric number of mean
        headways, so the mean equals :func:`~corridor_twin.network.compile.expected_wait_h`
        (``H/2 + H(1-a)/a``). When False the expected wait is used as a constant.
    disruption_probability
        Probability per run (link or service leg) of a disruption, by mode.
        Default: none (0 for every mode) -- we have no calibrated source;
        set e.g. ``{"ferry": 0.05}`` to model weather closures.
    disruption_delay_h
        Mean delay of a disruption, in hours; exponentially distributed.
        Default 24 h (assumption).
    """

    travel_cv: Mapping[str, float] = field(
        default_factory=lambda: {
            "rail": 0.15,
            "road": 0.10,
            "ferry": 0.15,
            "sea": 0.10,
            "pipeline": 0.05,
        }
    )
    travel_distribution: str = "lognormal"
    wait_cv: Mapping[str, float] = field(
        default_factory=lambda: {"border": 1.0, "transfer": 0.5, "gauge": 0.5, "dwell": 0.5}
    )
    service_waits: bool = True
    disruption_probability: Mapping[str, float] = field(default_factory=dict)
    disruption_delay_h: float = 24.0

    def __post_init__(self) -> None:
        if self.travel_distribution not in _DISTRIBUTIONS:
            raise OptionError(
                f"travel_distribution must be one of {set(_DISTRIBUTIONS)}, "
                f"got {self.travel_distribution!r}"
            )
        for name, table, allowed in (
            ("travel_cv", self.travel_cv, MODES),
            ("wait_cv", self.wait_cv, tuple(_WAIT_EDGE_KIND)),
            ("disruption_probability", self.disruption_probability, MODES),
        ):
            for key, value in table.items():
                if key not in allowed:
                    raise OptionError(f"{name}: unknown key {key!r}; allowed: {set(allowed)}")
                if not (value >= 0 and math.isfinite(value)):
                    raise OptionError(f"{name}[{key!r}] must be finite and >= 0, got {value}")
        for key, p in self.disruption_probability.items():
            if p >= 1:
                raise OptionError(f"disruption_probability[{key!r}] must be < 1, got {p}")
        if not (self.disruption_delay_h >= 0 and math.isfinite(self.disruption_delay_h)):
            raise OptionError(
                f"disruption_delay_h must be finite and >= 0, got {self.disruption_delay_h}"
            )


def _f64(values: Any) -> FloatArray:
    return np.asarray(values, dtype=np.float64).reshape(-1)


@dataclass(frozen=True, eq=False)
class TransitComponents:
    """The random components of a transit time, grouped by distribution (hours).

    Attributes
    ----------
    constant_h
        Deterministic part.
    lognormal_mean_h, lognormal_cv
        Lognormal components: mean and coefficient of variation.
    gamma_mean_h, gamma_cv
        Gamma components: mean and CV (CV 1 is exponential).
    headway_h, availability
        Frequency services: wait uniform on ``[0, headway)``, plus a
        Geometric number of extra headways, each departure running with
        probability ``availability``.
    timetables, timetable_availability
        Timetabled services: sorted weekly departure hours (in ``[0, 168)``)
        and their availability; cancellations add mean headways.
    disruption_probability, disruption_mean_h
        Per-run disruptions: with the probability, an exponential delay of
        that mean is added.
    """

    constant_h: float = 0.0
    lognormal_mean_h: FloatArray = field(default_factory=lambda: _f64([]))
    lognormal_cv: FloatArray = field(default_factory=lambda: _f64([]))
    gamma_mean_h: FloatArray = field(default_factory=lambda: _f64([]))
    gamma_cv: FloatArray = field(default_factory=lambda: _f64([]))
    headway_h: FloatArray = field(default_factory=lambda: _f64([]))
    availability: FloatArray = field(default_factory=lambda: _f64([]))
    timetables: tuple[FloatArray, ...] = ()
    timetable_availability: FloatArray = field(default_factory=lambda: _f64([]))
    disruption_probability: FloatArray = field(default_factory=lambda: _f64([]))
    disruption_mean_h: FloatArray = field(default_factory=lambda: _f64([]))

    def __post_init__(self) -> None:
        for name in (
            "lognormal_mean_h",
            "lognormal_cv",
            "gamma_mean_h",
            "gamma_cv",
            "headway_h",
            "availability",
            "timetable_availability",
            "disruption_probability",
            "disruption_mean_h",
        ):
            object.__setattr__(self, name, _f64(getattr(self, name)))
        pairs = (
            ("lognormal_mean_h", "lognormal_cv"),
            ("gamma_mean_h", "gamma_cv"),
            ("headway_h", "availability"),
            ("disruption_probability", "disruption_mean_h"),
        )
        for a, b in pairs:
            if getattr(self, a).shape != getattr(self, b).shape:
                raise OptionError(f"{a} and {b} must have the same length")
        if len(self.timetables) != len(self.timetable_availability):
            raise OptionError("timetables and timetable_availability must have the same length")
        for name in ("lognormal_mean_h", "gamma_mean_h", "headway_h", "disruption_mean_h"):
            arr = getattr(self, name)
            if not np.all(np.isfinite(arr) & (arr >= 0)):
                raise OptionError(f"{name} must be finite and >= 0")
        for name in ("availability", "timetable_availability"):
            arr = getattr(self, name)
            if not np.all((arr > 0) & (arr <= 1)):
                raise OptionError(f"{name} must be in (0, 1] (a service that never runs)")
        p = self.disruption_probability
        if not np.all((p >= 0) & (p < 1)):
            raise OptionError("disruption_probability must be in [0, 1)")

    @property
    def mean_h(self) -> float:
        """Exact mean of the total transit time."""
        a = self.availability
        tt = 0.0
        for deps, av in zip(self.timetables, self.timetable_availability.tolist(), strict=True):
            gaps = np.diff(np.append(deps, deps[0] + WEEK_H))
            tt += float((gaps**2).sum() / (2 * WEEK_H)) + WEEK_H / len(deps) * (1 - av) / av
        return float(
            self.constant_h
            + self.lognormal_mean_h.sum()
            + self.gamma_mean_h.sum()
            + (self.headway_h * (0.5 + (1 - a) / a)).sum()
            + tt
            + (self.disruption_probability * self.disruption_mean_h).sum()
        )


def route_components(
    net: Network | CompiledNetwork, r: Route, model: ReliabilityModel | None = None
) -> TransitComponents:
    """The random components of a route's transit time under a model.

    Means are the route's deterministic figures, so the components' mean
    equals ``r.time_h`` (plus expected disruption delay).
    """
    model = model or ReliabilityModel()
    comp = as_compiled(net)
    ed = comp.edge
    path = np.asarray(r.edges, dtype=np.int64)
    kind = ed["kind"][path]
    is_move = np.isin(kind, _MOVE)
    moves = path[is_move]
    move_mode = ed["mode"][moves]
    travel = ed["travel_h"][moves]
    travel_cv = np.array([model.travel_cv.get(MODES[m], 0.0) for m in move_mode.tolist()])
    constant = 0.0
    ln_mean: list[FloatArray] = []
    ln_cv: list[FloatArray] = []
    g_mean: list[FloatArray] = []
    g_cv: list[FloatArray] = []
    rnd = (travel > 0) & (travel_cv > 0)
    constant += float(travel[~rnd].sum())
    if model.travel_distribution == "lognormal":
        ln_mean.append(travel[rnd])
        ln_cv.append(travel_cv[rnd])
    else:
        g_mean.append(travel[rnd])
        g_cv.append(travel_cv[rnd])
    for wait_kind, edge_kind in _WAIT_EDGE_KIND.items():
        values = ed[f"wait_{wait_kind}_h"][path]
        if edge_kind is not None:
            values = values[kind == edge_kind]
        values = values[values > 0]
        cv = float(model.wait_cv.get(wait_kind, 0.0))
        if cv > 0:
            g_mean.append(values)
            g_cv.append(np.full(values.shape, cv))
        else:
            constant += float(values.sum())
    headway: list[float] = []
    avail: list[float] = []
    timetables: list[FloatArray] = []
    tt_avail: list[float] = []
    board = path[(kind == EDGE_KINDS.index("board")) & (ed["wait_service_h"][path] > 0)]
    for e in board.tolist():
        if not model.service_waits:
            constant += float(ed["wait_service_h"][e])
            continue
        svc = comp.network.services[int(ed["service"][e])]
        deps = comp.service_departures_h[int(ed["run"][e])]
        if len(deps):
            timetables.append(np.asarray(deps, dtype=np.float64))
            tt_avail.append(svc.availability)
        else:
            headway.append(WEEK_H / float(svc.sailings_per_week or 0.0))
            avail.append(svc.availability)
    p_mode = np.array([model.disruption_probability.get(MODES[m], 0.0) for m in move_mode.tolist()])
    hit = p_mode > 0
    return TransitComponents(
        constant_h=constant,
        lognormal_mean_h=np.concatenate(ln_mean) if ln_mean else _f64([]),
        lognormal_cv=np.concatenate(ln_cv) if ln_cv else _f64([]),
        gamma_mean_h=np.concatenate(g_mean) if g_mean else _f64([]),
        gamma_cv=np.concatenate(g_cv) if g_cv else _f64([]),
        headway_h=_f64(headway),
        availability=_f64(avail),
        timetables=tuple(timetables),
        timetable_availability=_f64(tt_avail),
        disruption_probability=p_mode[hit],
        disruption_mean_h=np.full(int(hit.sum()), model.disruption_delay_h),
    )


class _Plan:
    """Per-call constants of the sampler (float32 weights, grouped shapes)."""

    def __init__(self, c: TransitComponents) -> None:
        keep = (c.lognormal_mean_h > 0) & (c.lognormal_cv > 0)
        self.constant = c.constant_h + float(c.lognormal_mean_h[~keep].sum())
        s2 = np.log1p(c.lognormal_cv[keep] ** 2)
        self.ln_sigma = np.sqrt(s2).astype(np.float32)
        self.ln_shift = (-s2 / 2).astype(np.float32)
        self.ln_mean = c.lognormal_mean_h[keep].astype(np.float32)
        # Gamma components grouped by shape 1/cv^2: one block per shape.
        keep = (c.gamma_mean_h > 0) & (c.gamma_cv > 0)
        self.constant += float(c.gamma_mean_h[~keep].sum())
        cv = c.gamma_cv[keep]
        mean = c.gamma_mean_h[keep]
        self.gamma: list[tuple[float, np.ndarray[Any, Any]]] = []
        for u in np.unique(cv).tolist():
            sel = cv == u
            self.gamma.append((1.0 / (u * u), (mean[sel] * u * u).astype(np.float32)))
        self.headway = c.headway_h.astype(np.float32)
        canc = c.availability < 1
        self.canc_headway = c.headway_h[canc].astype(np.float32)
        self.canc_inv_log = (1.0 / np.log1p(-c.availability[canc])).astype(np.float32)
        self.timetables = [
            (
                np.append(d, d[0] + WEEK_H),
                WEEK_H / len(d),
                float(1.0 / np.log1p(-a)) if a < 1 else 0.0,
            )
            for d, a in zip(c.timetables, c.timetable_availability.tolist(), strict=True)
        ]
        self.disruptions = [
            (p, float(m))
            for p, m in zip(c.disruption_probability, c.disruption_mean_h, strict=True)
        ]
        groups: dict[tuple[float, float], int] = {}
        for p, m in self.disruptions:
            if p > 0 and m > 0:
                groups[(float(p), m)] = groups.get((float(p), m), 0) + 1
        self.disruption_groups = groups
        self.width = max(
            [len(self.ln_mean), len(self.headway), *(len(w) for _, w in self.gamma), 1]
        )


def _draw_chunk(plan: _Plan, rng: np.random.Generator, out: FloatArray, buf: Any) -> None:
    m = out.shape[0]
    out.fill(plan.constant)
    n = len(plan.ln_mean)
    if n:
        b = buf[: m * n].reshape(m, n)
        rng.standard_normal(out=b, dtype=np.float32)
        b *= plan.ln_sigma
        b += plan.ln_shift
        np.exp(b, out=b)
        out += b @ plan.ln_mean
    for shape, scale in plan.gamma:
        b = buf[: m * len(scale)].reshape(m, len(scale))
        if shape == 1.0:
            rng.standard_exponential(out=b, dtype=np.float32)
        else:
            rng.standard_gamma(shape, out=b, dtype=np.float32)
        out += b @ scale
    n = len(plan.headway)
    if n:
        b = buf[: m * n].reshape(m, n)
        rng.random(out=b, dtype=np.float32)
        out += b @ plan.headway
    n = len(plan.canc_headway)
    if n:
        # Extra headways M ~ Geometric (failures before a running departure):
        # M = floor(log(V) / log(1 - a)) with V uniform on (0, 1].
        b = buf[: m * n].reshape(m, n)
        rng.random(out=b, dtype=np.float32)
        np.log1p(-b, out=b)
        b *= plan.canc_inv_log
        np.floor(b, out=b)
        out += b @ plan.canc_headway
    for ext, mean_headway, inv_log in plan.timetables:
        ready = rng.random(m) * WEEK_H
        out += ext[np.searchsorted(ext, ready)] - ready
        if inv_log:
            extra = np.floor(np.log1p(-rng.random(m)) * inv_log)
            out += extra * mean_headway
    for (p, mean), count in plan.disruption_groups.items():
        # Exact Bernoulli(p) trials over the (m, count) grid: pick how many hit,
        # then which, then add exponential delays to their draws.
        hits = int(rng.binomial(m * count, p))
        if hits:
            where = rng.choice(m * count, size=hits, replace=False) // count
            out += np.bincount(where, weights=rng.exponential(mean, hits), minlength=m)


def simulate_transit_h(components: TransitComponents, draws: int, seed: Seed = None) -> FloatArray:
    """Draw total transit times, in hours.

    Parameters
    ----------
    components
        The random components (see :func:`route_components`).
    draws
        Number of replications (>= 1).
    seed
        Seed or generator; same seed, same numbers.

    Returns
    -------
    numpy.ndarray
        float64 array of ``draws`` transit times in hours.

    Notes
    -----
    Components are drawn in float32 (relative precision ~1e-7, far below the
    Monte Carlo error) and summed in float64.

    Examples
    --------
    >>> c = TransitComponents(constant_h=10.0, headway_h=[24.0], availability=[1.0])
    >>> x = simulate_transit_h(c, 10_000, seed=0)
    >>> bool(abs(x.mean() - 22.0) < 0.5)
    True
    """
    if not isinstance(draws, int | np.integer) or isinstance(draws, bool) or draws < 1:
        raise OptionError(f"draws must be a positive integer, got {draws!r}")
    rng = _rng(seed)
    plan = _Plan(components)
    draws = int(draws)
    out = np.empty(draws, dtype=np.float64)
    buf = np.empty(min(draws, _CHUNK) * plan.width, dtype=np.float32)
    for start in range(0, draws, _CHUNK):
        _draw_chunk(plan, rng, out[start : start + _CHUNK], buf)
    return out


@dataclass(frozen=True)
class TransitStats:
    """Summary of simulated transit times (hours) with confidence intervals.

    ``*_lo``/``*_hi`` bound each figure at the result's confidence level:
    quantiles by order statistics (binomial, normal approximation), the mean
    by the normal approximation, the on-time probability by Wilson's interval.
    """

    draws: int
    mean_h: float
    mean_lo_h: float
    mean_hi_h: float
    std_h: float
    p50_h: float
    p50_lo_h: float
    p50_hi_h: float
    p90_h: float
    p90_lo_h: float
    p90_hi_h: float
    p95_h: float
    p95_lo_h: float
    p95_hi_h: float
    deadline_h: float | None = None
    on_time_probability: float | None = None
    on_time_lo: float | None = None
    on_time_hi: float | None = None


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise OptionError(f"confidence must be in (0, 1), got {confidence}")
    return NormalDist().inv_cdf((1 + confidence) / 2)


def summarize(
    samples_h: FloatArray, *, deadline_h: float | None = None, confidence: float = 0.95
) -> TransitStats:
    """Mean, P50/P90/P95 and on-time probability of samples, with CIs.

    Examples
    --------
    >>> s = summarize(np.arange(1.0, 101.0), deadline_h=50.0)
    >>> s.p50_h, s.on_time_probability
    (50.0, 0.5)
    """
    z = _z(confidence)
    x = np.asarray(samples_h, dtype=np.float64)
    n = int(x.shape[0])
    if n < 2:
        raise OptionError(f"need at least 2 samples, got {n}")
    mean = float(x.mean())
    std = float(x.std(ddof=1))
    half = z * std / math.sqrt(n)
    ranks: dict[float, tuple[int, int, int]] = {}
    for q in (0.5, 0.9, 0.95):
        sd = math.sqrt(n * q * (1 - q))
        # Point: the ceil(nq)-th order statistic; CI ranks from Binomial(n, q).
        ranks[q] = (
            min(max(math.ceil(n * q) - 1, 0), n - 1),
            min(max(math.floor(n * q - z * sd) - 1, 0), n - 1),
            min(max(math.ceil(n * q + z * sd) - 1, 0), n - 1),
        )
    kth = sorted({k for t in ranks.values() for k in t})
    part = np.partition(x, kth)
    v = {q: tuple(float(part[k]) for k in t) for q, t in ranks.items()}
    on = lo = hi = None
    if deadline_h is not None:
        k = int(np.count_nonzero(x <= deadline_h))
        p = k / n
        den = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / den
        w = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
        on, lo, hi = p, max(0.0, centre - w), min(1.0, centre + w)
    return TransitStats(
        draws=n,
        mean_h=mean,
        mean_lo_h=mean - half,
        mean_hi_h=mean + half,
        std_h=std,
        p50_h=v[0.5][0],
        p50_lo_h=v[0.5][1],
        p50_hi_h=v[0.5][2],
        p90_h=v[0.9][0],
        p90_lo_h=v[0.9][1],
        p90_hi_h=v[0.9][2],
        p95_h=v[0.95][0],
        p95_lo_h=v[0.95][1],
        p95_hi_h=v[0.95][2],
        deadline_h=deadline_h,
        on_time_probability=on,
        on_time_lo=lo,
        on_time_hi=hi,
    )


@dataclass(frozen=True)
class ReliabilityResult:
    """Transit-time reliability of one or more routes (best first).

    Attributes
    ----------
    routes
        The routes simulated.
    stats
        One :class:`TransitStats` per route (hours).
    seed
        The integer seed given, or None (a generator or fresh entropy).
    confidence
        Level of every interval.
    model
        The distribution assumptions.
    """

    routes: tuple[Route, ...]
    stats: tuple[TransitStats, ...]
    seed: int | None
    confidence: float
    model: ReliabilityModel = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per route: rank, via, deterministic time and the statistics."""
        import pandas as pd

        rows = []
        for i, (r, s) in enumerate(zip(self.routes, self.stats, strict=True)):
            rows.append(
                {
                    "rank": i + 1,
                    "origin": r.origin,
                    "destination": r.destination,
                    "via": " > ".join(r.nodes),
                    "route_time_h": r.time_h,
                    **{k: getattr(s, k) for k in TransitStats.__dataclass_fields__},
                    "confidence": self.confidence,
                    "seed": self.seed,
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        lines = []
        for i, (r, s) in enumerate(zip(self.routes, self.stats, strict=True)):
            d = 24.0
            line = (
                f"#{i + 1} {r.origin}->{r.destination}: mean {s.mean_h / d:.1f} d "
                f"[{s.mean_lo_h / d:.2f}, {s.mean_hi_h / d:.2f}], P50 {s.p50_h / d:.1f} d, "
                f"P90 {s.p90_h / d:.1f} d, P95 {s.p95_h / d:.1f} d"
            )
            if s.on_time_probability is not None and s.deadline_h is not None:
                line += (
                    f", on time by {s.deadline_h / d:g} d: {s.on_time_probability:.1%} "
                    f"[{s.on_time_lo or 0.0:.1%}, {s.on_time_hi or 0.0:.1%}]"
                )
            lines.append(line)
        n = self.stats[0].draws if self.stats else 0
        head = f"<ReliabilityResult {n:,} draws, {self.confidence:.0%} CI, seed={self.seed}"
        return head + "\n  " + "\n  ".join(lines) + ">"


def reliability(
    net: Network | CompiledNetwork,
    origin: str,
    destination: str,
    *,
    cargo: str = "container",
    optimize: str = "time",
    k: int = 1,
    draws: int = 100_000,
    seed: Seed = None,
    deadline_h: float | None = None,
    deadline_days: float | None = None,
    model: ReliabilityModel | None = None,
    confidence: float = 0.95,
    avoid_countries: Iterable[str] = (),
    modes: Iterable[str] | None = None,
    corridor: str | Corridor | None = None,
) -> ReliabilityResult:
    """Monte Carlo transit-time reliability of the best (or k best) routes.

    Parameters
    ----------
    net
        Network or compiled network.
    origin, destination
        Node ids or names.
    cargo, optimize
        As for :func:`corridor_twin.routing.route`.
    k
        Number of routes (1: :func:`~corridor_twin.routing.route`, else
        :func:`~corridor_twin.routing.k_routes`).
    draws
        Replications per route (>= 2). The intervals shrink as ``1/sqrt(draws)``.
    seed
        Seed or generator, turned into one generator; route ``i`` uses its
        ``i``-th spawned child, so a route's numbers do not depend on ``k``.
    deadline_h, deadline_days
        Deadline for the on-time probability (give at most one; > 0).
    model
        Distribution assumptions (default :class:`ReliabilityModel`).
    confidence
        Level of the confidence intervals, in (0, 1).
    avoid_countries, modes, corridor
        Which routes are simulated, as for :func:`corridor_twin.routing.route`
        (e.g. ``corridor="middle"`` for the Trans-Caspian route).

    Returns
    -------
    ReliabilityResult

    Raises
    ------
    OptionError
        If an option is out of range.
    UnknownNodeError
        If a node matches nothing.
    NoRouteError
        If there is no route.

    Examples
    --------
    >>> from corridor_twin.data import load_corridor
    >>> res = reliability(load_corridor(), "Almaty", "Istanbul", draws=2_000, seed=1,
    ...                   deadline_days=20)
    >>> s = res.stats[0]
    >>> s.p50_h <= s.p90_h <= s.p95_h
    True
    """
    if not isinstance(draws, int | np.integer) or isinstance(draws, bool) or draws < 2:
        raise OptionError(f"draws must be an integer >= 2, got {draws!r}")
    if deadline_h is not None and deadline_days is not None:
        raise OptionError("give deadline_h or deadline_days, not both")
    if deadline_days is not None:
        deadline_h = float(deadline_days) * 24.0
    if deadline_h is not None and not (deadline_h > 0 and math.isfinite(deadline_h)):
        raise OptionError(f"the deadline must be a positive number of hours, got {deadline_h}")
    _z(confidence)
    model = model or ReliabilityModel()
    comp = as_compiled(net)
    where: dict[str, Any] = {
        "cargo": cargo,
        "optimize": optimize,
        "avoid_countries": tuple(avoid_countries),
        "modes": None if modes is None else tuple(modes),
        "corridor": corridor,
    }
    if k == 1:
        routes: tuple[Route, ...] = (route(comp, origin, destination, **where),)
    else:
        routes = tuple(k_routes(comp, origin, destination, k=k, **where))
    rng = _rng(seed)
    children = rng.spawn(len(routes))
    stats = tuple(
        summarize(
            simulate_transit_h(route_components(comp, r, model), int(draws), child),
            deadline_h=deadline_h,
            confidence=confidence,
        )
        for r, child in zip(routes, children, strict=True)
    )
    return ReliabilityResult(
        routes=routes,
        stats=stats,
        seed=int(seed) if isinstance(seed, int | np.integer) else None,
        confidence=confidence,
        model=model,
    )
