"""The ``corridor equilibrium`` command: user equilibrium of a TNTP test network.

Reads a TNTP net and trips file, solves the deterministic user equilibrium to
the asked relative gap and prints one row per link: from, to, volume and the
link's generalized cost at the solution (in the network's own time unit).
With ``--tntp-flow`` it also compares the links with a published solution.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from corridor_twin.cli._common import table as _table
from corridor_twin.errors import OptionError
from corridor_twin.flow.traffic import (
    UE_METHODS,
    build_traffic,
    compare_link_flows,
    extract_traffic,
    solve_traffic,
)
from corridor_twin.io.tntp import read_tntp_flow, read_tntp_network, read_tntp_trips

EXIT_OK, EXIT_FAIL = 0, 1


def _positive(name: str, value: float | None, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        rel = ">= 0" if allow_zero else "> 0"
        raise OptionError(f"--{name} must be a finite number {rel}, got {value:g}")


def cmd_equilibrium(args: argparse.Namespace) -> int:
    """Solve a TNTP network and print its link table."""

    _positive("gap", args.gap)
    _positive("toll-factor", args.toll_factor, allow_zero=True)
    _positive("distance-factor", args.distance_factor, allow_zero=True)
    _positive("time-limit", args.time_limit)
    if args.max_iterations < 1:
        raise OptionError(f"--max-iterations must be at least 1, got {args.max_iterations}")
    net = read_tntp_network(args.tntp_net)
    trips = read_tntp_trips(args.tntp_trips)
    reference = read_tntp_flow(args.tntp_flow) if args.tntp_flow else None
    model = build_traffic(
        net, trips, toll_factor=args.toll_factor, distance_factor=args.distance_factor
    )
    sol = solve_traffic(
        model,
        method=args.method,
        relative_gap=args.gap,
        max_iterations=args.max_iterations,
        time_limit_s=args.time_limit,
    )
    res = extract_traffic(model, sol)
    frame = res.to_frame()
    cmp = compare_link_flows(frame, reference) if reference is not None else None
    summary = (
        f"{net.name or args.tntp_net}: {net.n_links} links, {model.n_pairs} OD pairs; "
        f"toll factor {model.toll_factor:g}, distance factor {model.distance_factor:g}; "
        f"{sol.message}; {sol.seconds:.3g} s; total cost {res.total_cost:,.8g}"
    )
    versus = ""
    if cmp is not None:
        versus = (
            f"vs {args.tntp_flow}: largest volume difference {cmp.max_volume_diff:,.4g} "
            f"({cmp.max_volume_diff_pct:.3g} % of the largest volume), total cost "
            f"{cmp.total_cost_diff_pct:+.3g} %"
        )
    if args.format == "csv":
        sys.stdout.write(frame.to_csv(index=False))
        print(summary, file=sys.stderr)
        if versus:
            print(versus, file=sys.stderr)
    elif args.format == "json":
        doc: dict[str, Any] = {
            "network": net.name,
            "links": int(net.n_links),
            "pairs": model.n_pairs,
            "toll_factor": model.toll_factor,
            "distance_factor": model.distance_factor,
            "method": sol.method,
            "status": sol.status,
            "relative_gap": sol.relative_gap,
            "iterations": sol.iterations,
            "seconds": sol.seconds,
            "total_cost": res.total_cost,
            "flows": json.loads(frame.to_json(orient="records")),
        }
        if cmp is not None:
            doc["comparison"] = {
                "max_volume_diff": cmp.max_volume_diff,
                "max_volume_diff_pct": cmp.max_volume_diff_pct,
                "total_cost_diff_pct": cmp.total_cost_diff_pct,
            }
        print(json.dumps(doc, indent=1))
    else:
        print(summary)
        if versus:
            print(versus)
        rows = [
            [int(r.source), int(r.target), f"{r.volume:,.2f}", f"{r.cost:.6g}"]
            for r in frame.rename(columns={"from": "source", "to": "target"}).itertuples()
        ]
        print(_table(rows, ["from", "to", "volume", "cost"]))
    if sol.status != "converged":
        print(f"corridor: {sol.message}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def add_equilibrium(sub: Any) -> None:
    """Register ``equilibrium`` on the main parser's subparsers."""

    sp = sub.add_parser(
        "equilibrium", help="user equilibrium of a TNTP road network (the field's test format)"
    )
    sp.add_argument("--tntp-net", required=True, metavar="NET", help="TNTP *_net.tntp file")
    sp.add_argument("--tntp-trips", required=True, metavar="TRIPS", help="TNTP *_trips.tntp file")
    sp.add_argument(
        "--tntp-flow", metavar="FLOW", help="a published *_flow.tntp solution to compare with"
    )
    sp.add_argument(
        "--gap", type=float, default=1e-5, metavar="G", help="target relative gap (default 1e-5)"
    )
    sp.add_argument(
        "--toll-factor",
        type=float,
        metavar="X",
        help="time units per toll unit (default: the network's README/metadata, else 0)",
    )
    sp.add_argument(
        "--distance-factor",
        type=float,
        metavar="Y",
        help="time units per distance unit (default: the network's README/metadata, else 0)",
    )
    sp.add_argument("--method", choices=sorted(UE_METHODS), default="gradient_projection")
    sp.add_argument("--max-iterations", type=int, default=10_000)
    sp.add_argument("--time-limit", type=float, metavar="S", help="stop after about S seconds")
    sp.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sp.set_defaults(func=cmd_equilibrium)
