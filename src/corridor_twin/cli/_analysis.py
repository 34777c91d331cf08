"""CLI commands for capacity, assignment and scenarios (thin adapters)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from corridor_twin.errors import CorridorError, OptionError

EXIT_OK = 0


def _nodes(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def base_network(args: argparse.Namespace, scenario: Any, net: Any) -> Any:
    """The network a scenario applies to: ``--network`` if given, else its ``base``.

    A ``base`` other than ``titr`` (the bundled corridor) is a network file
    relative to the scenario file, read and checked like ``--network``.
    """
    if scenario is None or getattr(args, "network", None) is not None or scenario.base == "titr":
        return net
    from corridor_twin.scenarios import resolve_base

    return resolve_base(scenario)


def _scenario_net(args: argparse.Namespace, net: Any) -> Any:
    if not getattr(args, "scenario", None):
        return net
    from corridor_twin.scenarios import apply_scenario

    sc = _load_scenario(args.scenario)
    return apply_scenario(base_network(args, sc, net), sc)


def _load_scenario(name: str) -> Any:
    from pathlib import Path

    from corridor_twin.scenarios import list_scenarios, load_bundled, load_scenario

    if name in list_scenarios():
        return load_bundled(name)
    if Path(name).exists():
        return load_scenario(Path(name))
    raise CorridorError(
        f"no bundled scenario or file {name!r}; bundled: {', '.join(list_scenarios())}"
    )


def cmd_capacity(args: argparse.Namespace, net: Any) -> int:
    """Max-flow / min-cut between node sets."""
    from corridor_twin.flow import max_flow
    from corridor_twin.scenarios.analyses import MIDDLE_CORRIDOR

    net = _scenario_net(args, net)
    mc = MIDDLE_CORRIDOR
    default = args.origins is None and args.destinations is None
    sources = mc["sources"] if args.origins is None else _nodes(args.origins)
    sinks = mc["sinks"] if args.destinations is None else _nodes(args.destinations)
    avoid = tuple(args.avoid) if args.avoid else (mc["avoid_countries"] if default else ())
    exclude = mc["exclude"] if default else ()
    res = max_flow(
        net,
        sources,
        sinks,
        unit=args.unit,
        cargo=args.cargo,
        avoid_countries=avoid,
        exclude=exclude,
    )
    cut = res.cut_frame()
    if args.format == "json":
        print(
            json.dumps(
                {
                    # JSON has no Infinity: an unbounded flow is null + "unlimited": true
                    "value_per_year": res.value if math.isfinite(res.value) else None,
                    "unlimited": not math.isfinite(res.value),
                    "unit": res.unit,
                    "cut": json.loads(cut.to_json(orient="records")),
                    "flows": json.loads(res.to_frame().to_json(orient="records")),
                },
                indent=2,
                allow_nan=False,
            )
        )
    elif args.format == "csv":
        sys.stdout.write(cut.to_csv(index=False))
    else:
        print(repr(res))
        if len(cut):
            print()
            print(cut.to_string(index=False))
    return EXIT_OK


def cmd_assign(args: argparse.Namespace, net: Any) -> int:
    """System-optimal assignment of a demand table."""
    from corridor_twin.flow.assign import assign
    from corridor_twin.scenarios import apply_demand, load_bundled_demand, read_demand

    demand = read_demand(args.demand) if args.demand else load_bundled_demand()
    if args.scenario:
        sc = _load_scenario(args.scenario)
        from corridor_twin.scenarios import apply_scenario

        net = apply_scenario(base_network(args, sc, net), sc)
        demand = apply_demand(demand, sc, net)
    if args.method == "equilibrium" and args.objective not in ("generalized", "time"):
        raise OptionError("--method equilibrium needs --objective generalized or time")
    res = assign(net, demand.to_frame(), objective=args.objective, method=args.method)
    if res.status != "optimal":
        raise CorridorError(f"assignment not solved: {res.message}")
    if args.format == "json":
        print(
            json.dumps(
                {
                    "status": res.status,
                    "totals": res.totals,
                    "link_flows": json.loads(res.link_flows.to_json(orient="records")),
                    "unmet": json.loads(res.unmet.to_json(orient="records")),
                    "shadow_prices": json.loads(res.shadow_prices.to_json(orient="records")),
                    "capacity_use": json.loads(res.capacity_use.to_json(orient="records"))
                    if res.capacity_use is not None
                    else [],
                },
                indent=2,
            )
        )
        return EXIT_OK
    if args.format == "csv":
        sys.stdout.write(res.link_flows.to_csv(index=False))
        return EXIT_OK
    t = res.totals
    kind = "user equilibrium" if args.method == "equilibrium" else "system optimum"
    print(
        f"{kind} ({args.objective}): {t['demand_per_year']:,.0f} units/year demanded, "
        f"{t['unmet_per_year']:,.0f} unmet ({t['unmet_share']:.1%}); cost "
        f"{t['cost_usd']:,.0f} USD/year; {t['co2e_t']:,.0f} t CO2e/year"
    )
    lf = res.link_flows.sort_values("total_t_per_year", ascending=False)
    print("\nbusiest links (t/year):")
    print(
        lf.drop_duplicates(["link", "reverse"])
        .head(args.top)[["link", "from_node", "to_node", "service", "total_t_per_year"]]
        .to_string(index=False)
    )
    if args.method == "equilibrium" and res.capacity_use is not None:
        print(f"\ncongestion delay {t['delay_unit_h']:,.0f} unit-hours/year; most used capacities:")
        print(res.capacity_use.head(args.top).to_string(index=False))
    if len(res.shadow_prices):
        print("\nbinding capacities (value of one more unit of capacity per year):")
        print(res.shadow_prices.to_string(index=False))
    unmet = res.unmet[res.unmet["unmet_per_year"] > 0]
    if len(unmet):
        print("\nunmet demand:")
        print(unmet.to_string(index=False))
    return EXIT_OK


def cmd_compare(args: argparse.Namespace, net: Any) -> int:
    """Compare scenarios with the baseline."""
    from corridor_twin.scenarios import compare, list_scenarios, load_bundled_demand, read_demand
    from corridor_twin.scenarios.analyses import STANDARD_ANALYSES

    names = args.scenarios or list_scenarios()
    scenarios = [_load_scenario(n) for n in names]
    demand = read_demand(args.demand) if args.demand else load_bundled_demand()
    analyses = {
        k: v
        for k, v in STANDARD_ANALYSES.items()
        if not args.analyses or k in args.analyses.split(",")
    }
    cmp = compare(net, scenarios, analyses, demand=demand)
    if args.out:
        for p in cmp.write(args.out):
            print(f"wrote {p}", file=sys.stderr)
    if args.charts:
        from corridor_twin.scenarios.charts import write_charts

        for p in write_charts(cmp, args.charts):
            print(f"wrote {p}", file=sys.stderr)
    if args.format == "json":
        print(
            json.dumps(
                {k: json.loads(v.to_json(orient="records")) for k, v in cmp.results.items()},
                indent=2,
            )
        )
    elif args.format == "markdown":
        print(cmp.to_markdown())
    else:
        for name, table in cmp.results.items():
            print(f"== {name}")
            print(table.to_string(index=False))
            print()
    return EXIT_OK


def cmd_scenarios(args: argparse.Namespace, net: Any) -> int:
    """List the bundled scenarios."""
    from corridor_twin.scenarios import list_scenarios, load_bundled

    for name in list_scenarios():
        s = load_bundled(name)
        text = " ".join((s.description or "").split())
        print(f"{name:30s} {text[:96] + '...' if len(text) > 99 else text}")
    return EXIT_OK


def cmd_reliability(args: argparse.Namespace, net: Any) -> int:
    """Monte Carlo transit-time reliability of the best route(s)."""
    from corridor_twin.simulate import reliability

    net = _scenario_net(args, net)
    res = reliability(net, args.origin, args.destination, cargo=args.cargo, k=args.k,
                      draws=args.draws, seed=args.seed, deadline_days=args.deadline_days)
    frame = res.to_frame()
    if args.format == "json":
        print(frame.to_json(orient="records", indent=2))
    elif args.format == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    else:
        print(repr(res))
    return EXIT_OK


def add_commands(sub: Any, net_opt: Any) -> None:
    """Register the commands on the main parser's subparsers."""
    sp = sub.add_parser("capacity", help="max-flow / min-cut between node sets")
    net_opt(sp)
    sp.add_argument(
        "--from",
        dest="origins",
        help="comma-separated source nodes (default: "
        "the China-Kazakhstan crossings, Middle Corridor only)",
    )
    sp.add_argument("--to", dest="destinations", help="comma-separated sink nodes")
    sp.add_argument("--unit", choices=["t", "teu"], default=None)
    sp.add_argument("--cargo", default="container")
    sp.add_argument("--avoid", action="append", metavar="COUNTRY")
    sp.add_argument("--scenario", help="bundled scenario name or scenario file")
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.set_defaults(func2=cmd_capacity)

    sp = sub.add_parser(
        "assign", help="multi-commodity assignment: system optimum (LP) or user equilibrium"
    )
    net_opt(sp)
    sp.add_argument("--demand", metavar="FILE", help="demand YAML/CSV (default: bundled 2024)")
    sp.add_argument("--scenario", help="bundled scenario name or scenario file")
    sp.add_argument(
        "--objective", choices=["generalized", "cost", "time", "co2"], default="generalized"
    )
    sp.add_argument(
        "--method",
        choices=["paths", "arcs", "arc", "equilibrium"],
        default="arcs",
        help="paths/arcs/arc: system-optimal LP (path or arc column generation, or whole arc LP); "
        "equilibrium: shippers' own cheapest routes with congestion delays",
    )
    sp.add_argument("--top", type=int, default=15, help="how many busiest links to list")
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.set_defaults(func2=cmd_assign)

    sp = sub.add_parser("compare", help="compare scenarios with the baseline")
    net_opt(sp)
    sp.add_argument("scenarios", nargs="*", help="bundled names or files (default: all bundled)")
    sp.add_argument("--demand", metavar="FILE")
    sp.add_argument(
        "--analyses", help="comma-separated subset of throughput,bottlenecks,assignment,routes"
    )
    sp.add_argument("--out", metavar="DIR", help="write CSV, JSON and report.md here")
    sp.add_argument("--charts", metavar="DIR",
                    help="write PNG charts here (needs the plot extra: matplotlib)")
    sp.add_argument("--format", choices=["table", "json", "markdown"], default="table")
    sp.set_defaults(func2=cmd_compare)

    sp = sub.add_parser("reliability", help="Monte Carlo transit-time distribution (P50/P90)")
    net_opt(sp)
    sp.add_argument("--from", dest="origin", required=True)
    sp.add_argument("--to", dest="destination", required=True)
    sp.add_argument("--cargo", default="container")
    sp.add_argument("--deadline-days", type=float, help="report the on-time probability")
    sp.add_argument("--k", type=int, default=1, help="also the next best routes")
    sp.add_argument("--draws", type=int, default=100_000)
    sp.add_argument("--seed", type=int, default=None, help="random seed (reproducible runs)")
    sp.add_argument("--scenario", help="bundled scenario name or scenario file")
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.set_defaults(func2=cmd_reliability)

    sp = sub.add_parser("scenarios", help="list the bundled scenarios")
    sp.set_defaults(func2=cmd_scenarios, network=None)
