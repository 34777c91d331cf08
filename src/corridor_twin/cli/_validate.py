"""The ``corridor validate-model`` command: the simulation against observed figures.

A report, not a test: it exits 0 whatever the errors are, and 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from corridor_twin.cli._common import EXIT_OK, NetOption, SubParsers, table
from corridor_twin.errors import OptionError
from corridor_twin.network.model import Network
from corridor_twin.scenarios.demand import read_demand
from corridor_twin.simulate.validation import ModelValidationReport, validate_model


def _num(v: float) -> str:
    if not math.isfinite(v):
        return ""
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.1f}"


def rendertable(report: ModelValidationReport) -> str:
    """The report as a plain-text table, with the summary and the sources."""
    rows = []
    for r in report.rows:
        f = r.figure
        obs = _num(f.low) if not f.is_range else f"{_num(f.low)}-{_num(f.high)}"
        rows.append(
            [
                f.name,
                f.unit,
                obs,
                _num(r.simulated),
                _num(r.abs_error),
                f"{r.pct_error:+.0f}%" if math.isfinite(r.pct_error) else "",
                "yes" if r.within else "no",
                f"{f.source} ({f.year})",
            ]
        )
    head = ["figure", "unit", "observed", "simulated", "error", "error %", "in range", "source"]
    lines = [
        f"Validation of the simulation: {report.days:g} days, seed {report.seed}, "
        f"{report.replications} replication(s)",
        "",
        table(rows, head),
        "",
        "Error metrics per unit group (times in hours; WAPE = sum|sim-obs| / sum|obs|, "
        "bias = sum(sim-obs) / sum(obs); observed = midpoint of a range)",
    ]
    s = report.summary()
    lines.append(
        table(
            [
                [
                    g["group"],
                    int(g["figures"]),
                    int(g["within_range"]),
                    f"{g['wape']:.1%}",
                    f"{g['bias']:+.1%}",
                ]
                for g in s.to_dict("records")
            ],
            ["group", "figures", "in range", "WAPE", "bias"],
        )
    )
    lines += ["", "How each simulated figure is measured:"]
    lines += [f"  {r.figure.name}: {r.figure.measure}" for r in report.rows]
    lines += ["", "Sources:"]
    lines += [f"  {k}: {v}" for k, v in sorted(report.sources.items())]
    return "\n".join(lines)


def render_json(report: ModelValidationReport) -> str:
    """The report as JSON: figures, summary, run settings."""
    frame = report.to_frame()
    doc = {
        "days": report.days,
        "seed": report.seed,
        "replications": report.replications,
        "figures": json.loads(frame.to_json(orient="records")),
        "summary": json.loads(report.summary().to_json(orient="records")),
        "sources": report.sources,
    }
    return json.dumps(doc, indent=2)


def cmd_validate_model(args: argparse.Namespace, net: Network) -> int:
    """Simulate with the bundled demand and compare with observed figures."""

    if not (math.isfinite(args.days) and args.days > 0):
        raise OptionError(f"--days must be positive, got {args.days:g}")
    if args.replications < 1:
        raise OptionError(f"--replications must be >= 1, got {args.replications}")
    demand = None
    if args.demand:
        demand = read_demand(args.demand)
    report = validate_model(
        net, demand=demand, days=args.days, seed=args.seed, replications=args.replications
    )
    if args.format == "json":
        text = render_json(report)
    elif args.format == "csv":
        text = report.to_frame().to_csv(index=False).rstrip("\n")
    else:
        text = rendertable(report)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text)
    return EXIT_OK


def add_validate_model(sub: SubParsers, net_opt: NetOption) -> None:
    """Register ``validate-model`` on the main parser's subparsers."""
    sp = sub.add_parser(
        "validate-model",
        help="compare the simulation with observed transit times, waits and volumes",
    )
    net_opt(sp)
    sp.add_argument("--demand", metavar="FILE", help="annual demand YAML/CSV (default: 2024)")
    sp.add_argument("--days", type=float, default=365.0, help="simulated days (default 365)")
    sp.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    sp.add_argument("--replications", type=int, default=1, help="runs to average (default 1)")
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.add_argument("--out", metavar="FILE", help="write the report here instead of stdout")
    sp.set_defaults(func2=cmd_validate_model)
