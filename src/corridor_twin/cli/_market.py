"""CLI commands of the market model: ``corridor calibrate`` and ``corridor assign`` (market).

Thin adapters over :mod:`corridor_twin.scenarios.calibration` and
:mod:`corridor_twin.scenarios.response`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from corridor_twin.cli._common import EXIT_OK, scenario_arg
from corridor_twin.errors import OptionError
from corridor_twin.scenarios import apply_scenario, read_demand
from corridor_twin.scenarios.calibration import (
    baseline_model,
    bundled_market,
    calibrate,
    calibration_to_yaml,
    fit_report,
    load_calibration,
    market_equilibrium,
)
from corridor_twin.scenarios.market_model import build_market_model, solve_market
from corridor_twin.scenarios.markets import Markets, MarketSegment
from corridor_twin.scenarios.response import middle_elasticities, reference_checks


def _fit(year: int, write: str | None) -> tuple[Any, Any]:
    """(report, result) of the fit (2024) or the held-out prediction (another year)."""

    net, markets, params, figs = bundled_market(year)
    if year == 2024:
        model = build_market_model(net, markets, params)
        cal, report = calibrate(model, figs)
        if write:
            Path(write).write_text(calibration_to_yaml(cal, report), encoding="utf-8")
        return report, solve_market(model, cal)
    if write:
        raise OptionError("--write writes a calibration, which is fitted on 2024 only")
    cal = load_calibration()
    model = build_market_model(net, markets, params, reference=baseline_model(2024))
    result = solve_market(model, cal)
    return fit_report(result, figs, fitted=False), result


def _response(result: Any) -> tuple[Any, Any, Any]:
    """Elasticities as calibrated and with capacity relaxed, and the scenario references."""
    relaxed = middle_elasticities(result, hard_capacity=False)
    return middle_elasticities(result), relaxed, reference_checks()


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the market model on 2024 (or predict a held-out year) and print the fit report."""
    report, result = _fit(args.year, args.write)
    response = _response(result) if args.response else None
    if args.format == "json":
        out = report.to_dict()
        out["corridor_totals"] = json.loads(result.corridor_totals().to_json(orient="records"))
        if response is not None:
            el, relaxed, refs = response
            out["elasticities"] = json.loads(el.to_frame().to_json(orient="records"))
            out["elasticities_capacity_relaxed"] = json.loads(
                relaxed.to_frame().to_json(orient="records")
            )
            out["binding_elements"] = list(el.binding)
            out["references"] = [{**r.__dict__, "ratio": r.ratio} for r in refs]
        print(json.dumps(out, indent=2))
        return EXIT_OK
    if args.format == "csv":
        sys.stdout.write(report.to_frame().to_csv(index=False))
        return EXIT_OK
    cal = report.calibration
    consts = ", ".join(f"{k} {v:+.3f}" for k, v in sorted(cal.constants.items()))
    fitted = "fitted on" if args.year == 2024 else "calibrated on 2024, applied to"
    print(f"market model {fitted} {args.year}: logit scale {cal.scale:.3f}; constants {consts}")
    print(result.choice.solution.message)
    print()
    print(report.to_text())
    print()
    tot = result.corridor_totals()
    print("corridor totals:")
    print(tot.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    if response is not None:
        el, relaxed, refs = response
        for e in (el, relaxed):
            cap = "as calibrated" if e.hard_capacity else "capacity relaxed (delays only)"
            print(
                f"\nelasticities of Middle Corridor tonnage ({e.base_t / 1e6:.2f} Mt), 1 % steps, "
                f"{cap}:"
            )
            for row in e.to_frame().itertuples():
                print(
                    f"  {row.measure:<13} {row.elasticity:+.3f}   literature "
                    f"{row.literature_low:+.2f} to {row.literature_high:+.2f} "
                    f"({'within' if row.within else 'outside'}): {row.source}"
                )
        if el.binding:
            full = ", ".join(el.binding)
            print(f"\nfull with a queue price (they absorb a cheaper or faster corridor): {full}")
        for r in refs:
            print(
                f"\n{r.scenario}: modelled {r.modelled / 1e6:.2f} M{r.unit} beside the reference "
                f"{r.reference / 1e6:.2f} M{r.unit} ({r.id}, {r.source}; ratio {r.ratio:.2f})"
            )
    return EXIT_OK


def cmd_assign_market(args: argparse.Namespace, net: Any) -> int:
    """The calibrated market model's assignment (``corridor assign``'s default)."""

    if args.objective != "generalized":
        raise OptionError(
            "--method market uses the calibrated generalized cost; --objective applies to the "
            "system-optimal methods (paths, arcs, arc) and equilibrium"
        )
    markets = None
    if args.demand:
        markets = _markets_from_demand(args.demand)
    scenario_net = None
    if args.scenario:
        scenario_net = apply_scenario(net, scenario_arg(args.scenario))
    elif args.network:
        scenario_net = net
    res = market_equilibrium(scenario_net, markets=markets)
    ch = res.choice
    if args.format == "json":
        print(
            json.dumps(
                {
                    "status": res.status,
                    "message": ch.solution.message,
                    "calibration": {
                        "scale": res.calibration.scale,
                        "constants": dict(res.calibration.constants),
                    },
                    "corridor_totals": json.loads(res.corridor_totals().to_json(orient="records")),
                    "segments": json.loads(ch.segments_frame().to_json(orient="records")),
                    "routes": json.loads(ch.to_frame().to_json(orient="records")),
                    "capacity_use": json.loads(ch.elements_frame().to_json(orient="records")),
                },
                indent=2,
            )
        )
        return EXIT_OK
    if args.format == "csv":
        sys.stdout.write(ch.to_frame().to_csv(index=False))
        return EXIT_OK
    print(f"market model (calibrated on {res.calibration.year}): {ch.solution.message}")
    print()
    print("corridor totals:")
    print(res.corridor_totals().to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    el = ch.elements_frame().sort_values("utilisation", ascending=False).head(args.top)
    print("\nmost used capacities (queue price: USD per unit of capacity that rations a full one):")
    print(el.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    return EXIT_OK


def _markets_from_demand(path: str) -> Any:
    """A demand table read as whole-market segments (each row its own market)."""

    table = read_demand(path)
    segs = [
        MarketSegment(
            id=row.id,
            market=row.corridor or row.id,
            origin=row.origin,
            destination=row.destination,
            commodity=row.commodity,
            direction="",
            amount_per_year=float(row.amount_per_year),
            unit=row.unit,
            source=str(row.provenance.source or ""),
            year=int(row.provenance.year or 2024),
        )
        for row in table.rows
    ]
    return Markets(
        name=Path(path).stem, year=2024, description="", sources={}, segments=tuple(segs)
    )


def add_commands(sub: Any) -> None:
    """Register ``calibrate``."""
    sp = sub.add_parser(
        "calibrate",
        help="fit the market model on 2024 and print the fit report (2025: held-out check)",
    )
    sp.add_argument(
        "--year",
        type=int,
        choices=[2024, 2025],
        default=2024,
        help="2024: fit and report; 2025: predict with the 2024 fit, never refitted",
    )
    sp.add_argument("--write", metavar="FILE", help="write the fitted calibration (YAML)")
    sp.add_argument(
        "--response",
        action="store_true",
        help="also the elasticities of Middle Corridor volume and the scenario references "
        "(World Bank 2030)",
    )
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.set_defaults(func=cmd_calibrate)
