"""Calibration of the market model on one year, the fit report and held-out prediction.

:func:`calibrate` fits the logit scale and the corridor constants of
:class:`~corridor_twin.scenarios.market_model.MarketCalibration` to the
observed figures of one year (least squares on log errors,
:func:`scipy.optimize.least_squares`, deterministic: the same data give the same
numbers). :func:`fit_report` sets each figure beside the model's value, with
the error, the source and whether it was fitted; the WAPE over figures pools
them by relative error (each figure's absolute error over its observed
value, weighted equally, so tonnes, TEU, wagons and trucks can be pooled) and
the bias is the mean signed relative error.

:func:`bundled_market` assembles the bundled pieces of a year (the network,
with ``year-<year>`` applied if such a scenario is bundled; the year's markets;
the parameters; the figures); :func:`load_calibration` reads the calibration
shipped with the package (written by ``corridor calibrate --write``).

Examples
--------
>>> from corridor_twin.scenarios.calibration import load_calibration
>>> cal = load_calibration()
>>> cal.year, cal.scale > 0
(2024, True)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import numpy as np
import yaml
from scipy.optimize import least_squares

from corridor_twin.data import load_corridor
from corridor_twin.errors import DataError, NotFoundError, OptionError
from corridor_twin.network.compiled import CacheSlot
from corridor_twin.network.model import Network
from corridor_twin.scenarios.bundled import list_scenarios, load_bundled
from corridor_twin.scenarios.market_model import (
    MarketCalibration,
    MarketModel,
    MarketResult,
    build_market_model,
    measure,
    solve_market,
)
from corridor_twin.scenarios.markets import (
    ObservedFigure,
    Parameters,
    load_markets,
    load_observed,
    load_parameters,
)
from corridor_twin.scenarios.model import apply_scenario

__all__ = [
    "CALIBRATED_CONSTANTS",
    "FitReport",
    "FitRow",
    "baseline_model",
    "bundled_market",
    "calibrate",
    "calibration_to_yaml",
    "fit_report",
    "load_calibration",
    "market_equilibrium",
]

CALIBRATED_CONSTANTS = (
    "middle@container",
    "middle@bulk",
    "northern@container",
    "northern@bulk",
    "southern",
    "road",
    "sea_cape",
)
"""Corridor constants fitted by default: the Middle and Northern corridors by cargo class
(containers and bulk/general cargo compete on different terms: block trains and box
ferries vs wagon ferries), the others one each; ``sea_suez`` is the reference (0) and
``direct`` has no competitor."""
CALIBRATION_FILE = "calibration_2024.yaml"


@dataclass(frozen=True)
class FitRow:
    """One observed figure beside the model's value."""

    id: str
    year: int
    unit: str
    observed: float
    modelled: float
    error_pct: float
    source: str
    tolerance_pct: float | None
    fitted: bool

    @property
    def within(self) -> bool | None:
        """Whether the error is within the figure's tolerance (None: no tolerance)."""
        if self.tolerance_pct is None:
            return None
        return abs(self.error_pct) <= self.tolerance_pct


@dataclass(frozen=True)
class FitReport:
    """Observed vs modelled figures of one year, with WAPE and bias (percent)."""

    year: int
    rows: tuple[FitRow, ...]
    calibration: MarketCalibration
    status: str = "optimal"

    @property
    def wape_pct(self) -> float:
        """Mean absolute relative error over the figures, percent."""
        return float(np.mean([abs(r.error_pct) for r in self.rows])) if self.rows else math.nan

    @property
    def bias_pct(self) -> float:
        """Mean signed relative error, percent (positive: the model over-predicts)."""
        return float(np.mean([r.error_pct for r in self.rows])) if self.rows else math.nan

    @property
    def max_abs_error_pct(self) -> float:
        """The largest absolute relative error, percent."""
        return float(max((abs(r.error_pct) for r in self.rows), default=math.nan))

    def to_frame(self) -> Any:
        """One row per figure."""
        import pandas as pd

        return pd.DataFrame(
            [{**r.__dict__, "within_tolerance": r.within} for r in self.rows],
            columns=[
                "id",
                "year",
                "unit",
                "observed",
                "modelled",
                "error_pct",
                "tolerance_pct",
                "within_tolerance",
                "fitted",
                "source",
            ],
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: summary, calibration and rows."""
        return {
            "year": self.year,
            "status": self.status,
            "figures": len(self.rows),
            "wape_pct": self.wape_pct,
            "bias_pct": self.bias_pct,
            "max_abs_error_pct": self.max_abs_error_pct,
            "calibration": {
                "year": self.calibration.year,
                "scale": self.calibration.scale,
                "constants": dict(self.calibration.constants),
            },
            "rows": [{**r.__dict__, "within_tolerance": r.within} for r in self.rows],
        }

    def to_text(self) -> str:
        """A plain-text table with the summary line."""
        head = (
            f"{'figure':<24} {'unit':<7} {'observed':>12} {'modelled':>12} {'error':>8}"
            "  fit  source"
        )
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lines.append(
                f"{r.id:<24} {r.unit:<7} {r.observed:>12,.0f} {r.modelled:>12,.0f} "
                f"{r.error_pct:>+7.1f}%  {'yes' if r.fitted else 'no ':<3}  {r.source}"
            )
        n_fit = sum(r.fitted for r in self.rows)
        kind = (
            f"fitted: {len(self.rows)} figures ({n_fit} fitted)"
            if n_fit
            else (f"held out (not fitted): {len(self.rows)} figures")
        )
        lines.append(
            f"{self.year}, {kind}, WAPE {self.wape_pct:.1f} %, bias "
            f"{self.bias_pct:+.1f} %, largest error {self.max_abs_error_pct:.1f} %"
        )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<FitReport {self.year}: {len(self.rows)} figures, WAPE {self.wape_pct:.1f}%, "
            f"bias {self.bias_pct:+.1f}%, max {self.max_abs_error_pct:.1f}%>"
        )


# Per compiled network: calibrated market equilibria by (year, calibration).
_EQUILIBRIA: CacheSlot[tuple[int, str], MarketResult] = CacheSlot("market.equilibria", size=16)


def fit_report(
    result: MarketResult, figures: Sequence[ObservedFigure], *, fitted: bool
) -> FitReport:
    """Set each figure beside the model's value (``error = modelled / observed - 1``).

    ``fitted``: whether the figures were fitted (a figure marked ``fit:
    false`` in the data is reported as not fitted either way).
    """
    rows = []
    for f in figures:
        m = measure(result, f)
        err = (m / f.value - 1.0) * 100.0 if f.value > 0 else math.nan
        rows.append(
            FitRow(
                f.id, f.year, f.unit, f.value, m, err, f.source, f.tolerance_pct, fitted and f.fit
            )
        )
    return FitReport(result.model.year, tuple(rows), result.calibration, result.status)


def _pack(cal: MarketCalibration, keys: Sequence[str]) -> Any:
    return np.asarray([math.log(cal.scale), *[cal.constants.get(k, 0.0) for k in keys]])


def _unpack(x: Any, keys: Sequence[str], base: MarketCalibration) -> MarketCalibration:
    consts = dict(base.constants)
    consts.update({k: float(v) for k, v in zip(keys, x[1:], strict=True)})
    return replace(base, scale=float(math.exp(x[0])), constants=consts)


def calibrate(
    model: MarketModel,
    figures: Sequence[ObservedFigure],
    *,
    keys: Sequence[str] = CALIBRATED_CONSTANTS,
    initial: MarketCalibration | None = None,
    scale_bounds: tuple[float, float] = (0.2, 60.0),
    constant_bounds: tuple[float, float] = (-3.0, 3.0),
    max_evaluations: int = 400,
) -> tuple[MarketCalibration, FitReport]:
    """Fit the logit scale and corridor constants to one year's figures.

    Parameters
    ----------
    model
        The year's built market model.
    figures
        The figures to fit (those of other years are refused: fit on one
        year, test on another). A figure with ``fit`` false is left out of
        the fit and only reported.
    keys
        The constants to fit (see :class:`MarketCalibration`).
    initial
        Starting point (default scale 5, constants 0).
    scale_bounds, constant_bounds
        Box bounds of the fit.
    max_evaluations
        Limit on equilibrium solves.

    Returns
    -------
    (MarketCalibration, FitReport)
        The fitted parameters (``figures`` records what they were fitted on)
        and the fit report.

    Notes
    -----
    Residuals are ``log((modelled + 0.001 * observed) / observed)``: a log
    error treats a figure of 50,000 TEU and one of 30 Mt alike, and the floor
    keeps a route the model leaves empty from an infinite residual.
    """
    shown = [f for f in figures if f.year == model.year]
    figs = [f for f in shown if f.fit]
    other = sorted({f.year for f in figures} - {model.year})
    if other:
        raise OptionError(
            f"calibrate fits one year: the model is {model.year}, figures given for {other}"
        )
    if len(figs) < len(keys) + 1:
        raise OptionError(f"{len(figs)} figures cannot fit {len(keys) + 1} parameters")
    unknown = (
        set(keys)
        - set(model.choice.corridors)
        - {f"{c}@{k}" for c in model.choice.corridors for k in ("container", "bulk")}
    )
    if unknown:
        raise OptionError(f"cannot fit constants of {sorted(unknown)}: not in the model")
    base = initial or MarketCalibration()
    obs = np.asarray([f.value for f in figs])
    # warm start: carry the last solution's queue prices between evaluations is not needed;
    # each solve is deterministic, so the fit is reproducible.

    def residuals(x: Any) -> Any:
        res = solve_market(model, _unpack(x, keys, base))
        m = np.asarray([measure(res, f) for f in figs])
        return np.log((m + 1e-3 * obs) / obs)

    lo = [math.log(scale_bounds[0])] + [constant_bounds[0]] * len(keys)
    hi = [math.log(scale_bounds[1])] + [constant_bounds[1]] * len(keys)
    x0 = np.clip(_pack(base, keys), lo, hi)
    fit = least_squares(
        residuals,
        x0,
        bounds=(lo, hi),
        method="trf",
        diff_step=1e-4,
        max_nfev=max_evaluations,
        x_scale=1.0,
    )
    cal = replace(
        _unpack(fit.x, keys, base),
        year=model.year,
        figures=tuple(f.id for f in figs),
        note=f"least squares on log errors: {fit.nfev} evaluations, {fit.message}",
    )
    result = solve_market(model, cal)
    return cal, fit_report(result, shown, fitted=True)


def _base_network() -> Network:
    return load_corridor()


def bundled_market(year: int = 2024) -> tuple[Network, Any, Parameters, tuple[ObservedFigure, ...]]:
    """The bundled network, markets, parameters and figures of a year.

    The network is the bundled corridor with the ``year-<year>`` scenario
    applied when one is bundled (what changed that year, as data).
    """
    net = _base_network()
    name = f"year-{year}"
    if name in list_scenarios():
        net = apply_scenario(net, load_bundled(name))
    try:
        params = load_parameters()
    except NotFoundError:
        params = Parameters()
    figs = tuple(f for f in load_observed() if f.year == year)
    return net, load_markets(year), params, figs


def calibration_to_yaml(cal: MarketCalibration, report: FitReport | None = None) -> str:
    """The calibration as YAML (the format :func:`load_calibration` reads)."""
    doc: dict[str, Any] = {
        "meta": {
            "name": "market model calibration",
            "description": "Logit scale and corridor constants fitted by `corridor calibrate "
            "--write` (corridor_twin.scenarios.calibration.calibrate) on the bundled data",
        },
        "year": cal.year,
        "scale": round(cal.scale, 8),
        "constants": {k: round(float(v), 8) for k, v in sorted(cal.constants.items())},
        "figures": list(cal.figures),
        "note": cal.note,
    }
    if report is not None:
        doc["fit"] = {
            "wape_pct": round(report.wape_pct, 3),
            "bias_pct": round(report.bias_pct, 3),
            "max_abs_error_pct": round(report.max_abs_error_pct, 3),
        }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def load_calibration(text: str | None = None) -> MarketCalibration:
    """The calibration shipped with the package (or parsed from YAML text)."""
    if text is None:
        entry = resources.files("corridor_twin.data").joinpath("markets", CALIBRATION_FILE)
        if not entry.is_file():
            raise NotFoundError(
                f"no bundled calibration ({CALIBRATION_FILE}); run `corridor calibrate --write`"
            )
        text = entry.read_text(encoding="utf-8")
    doc = yaml.safe_load(text) or {}
    try:
        return MarketCalibration(
            scale=float(doc["scale"]),
            constants={str(k): float(v) for k, v in (doc.get("constants") or {}).items()},
            year=int(doc["year"]) if doc.get("year") is not None else None,
            figures=tuple(doc.get("figures") or ()),
            note=str(doc.get("note", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"calibration file: {exc}") from None


@functools.cache
def baseline_model(year: int) -> MarketModel:
    """The built market model of a bundled year (cached; see :func:`bundled_market`)."""
    net, markets, params, _ = bundled_market(year)
    return build_market_model(net, markets, params)


def market_equilibrium(
    net: Network | None = None,
    *,
    year: int = 2024,
    markets: Any = None,
    calibration: MarketCalibration | None = None,
    parameters: Parameters | None = None,
) -> MarketResult:
    """The calibrated market equilibrium of a network (default: the bundled one of ``year``).

    Parameters
    ----------
    net
        The network, e.g. a scenario applied to the bundled corridor (default:
        :func:`bundled_market` of the year). A given network is valued on the
        cost scale of the bundled year's baseline (see
        :func:`~corridor_twin.scenarios.market_model.build_market_model`).
    year
        Whose markets, parameters and risk costs (2024, 2025, ...).
    markets
        A :class:`~corridor_twin.scenarios.markets.Markets` (default: the
        bundled markets of the year).
    calibration
        Default: the bundled calibration (:func:`load_calibration`).
    parameters
        Default: the bundled parameters.

    Examples
    --------
    >>> res = market_equilibrium()
    >>> res.status, res.choice.corridor_flow("middle") > 0
    ('optimal', True)
    """
    cal = calibration or load_calibration()
    if net is None and markets is None and parameters is None:
        return solve_market(baseline_model(year), cal)
    if markets is None and parameters is None and net is not None:
        # cached on the network's compiled form (networks are immutable)
        comp = net.compiled()
        return _EQUILIBRIA.get(
            comp, (year, repr(cal)), lambda: _market_equilibrium(net, year, None, cal, None)
        )
    return _market_equilibrium(net, year, markets, cal, parameters)


def _market_equilibrium(
    net: Network | None,
    year: int,
    markets: Any,
    cal: MarketCalibration,
    parameters: Parameters | None,
) -> MarketResult:
    base_net, base_markets, base_params, _ = bundled_market(year)
    model = build_market_model(
        net if net is not None else base_net,
        markets if markets is not None else base_markets,
        parameters if parameters is not None else base_params,
        year=year,
        reference=baseline_model(year) if net is not None else None,
    )
    return solve_market(model, cal)
