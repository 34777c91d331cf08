"""CLI commands for capacity, assignment and scenarios (thin adapters)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from corridor_twin.cli._common import EXIT_OK, NetOption, SubParsers, base_network, scenario_arg
from corridor_twin.cli._format import number, table, unit_label
from corridor_twin.cli._market import cmd_assign_market
from corridor_twin.cli._options import add_lens_options, lens
from corridor_twin.cli._progress import working
from corridor_twin.errors import CorridorError, OptionError
from corridor_twin.flow import max_flow
from corridor_twin.flow.assign import ASSIGNMENT_METHODS, assign
from corridor_twin.network.model import Network
from corridor_twin.routing.places import country_name, short_name
from corridor_twin.scenarios import (
    apply_demand,
    apply_scenario,
    compare,
    list_scenarios,
    load_bundled,
    load_bundled_demand,
    network_diff,
    read_demand,
)
from corridor_twin.scenarios.analyses import MIDDLE_CORRIDOR, STANDARD_ANALYSES
from corridor_twin.scenarios.charts import write_charts
from corridor_twin.simulate import reliability


def _nodes(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _scenario_net(args: argparse.Namespace, net: Network) -> Network:
    if not getattr(args, "scenario", None):
        return net

    sc = scenario_arg(args.scenario)
    return apply_scenario(base_network(args, sc, net), sc)


def scenario_title(name: str | None) -> str:
    """``baseline`` or ``scenario NAME: first sentence of its description``."""
    if not name:
        return "baseline (no scenario)"
    sc = scenario_arg(name)
    text = " ".join((sc.description or "").split())
    first = text.split(". ")[0].rstrip(".")
    if len(first) > 110:
        first = first[:107].rstrip() + "..."
    return f"scenario {sc.name}" + (f": {first}" if first else "")


def _changed_ids(base: Any, new: Any) -> list[str]:

    frame = network_diff(base, new).to_frame()
    keep = frame[~frame["table"].isin(["sources", "meta"])]
    return list(
        dict.fromkeys(f"{t[:-1]} {i}" for t, i in zip(keep["table"], keep["id"], strict=True))
    )


def _element(net: Any, kind: str, rid: str, name: str) -> str:

    if kind == "node":
        node = net.node(rid)
        return f"{short_name(node)} {node.kind.replace('_', ' ')} ({rid})"
    return f"{name} ({rid})"


def _cut_rows(net: Any, res: Any) -> list[list[Any]]:
    return [[c.kind, _element(net, c.kind, c.id, c.name), c.capacity] for c in res.cut]


def cmd_capacity(args: argparse.Namespace, net: Network) -> int:
    """Max-flow / min-cut between node sets, with the scenario named and compared."""

    base_net = net
    net = _scenario_net(args, net)
    mc = MIDDLE_CORRIDOR
    default = args.origins is None and args.destinations is None
    sources = mc["sources"] if args.origins is None else _nodes(args.origins)
    sinks = mc["sinks"] if args.destinations is None else _nodes(args.destinations)
    opts = lens(args, base_net)
    corridor = opts.get("corridor")
    avoid = opts["avoid_countries"] or (
        mc["avoid_countries"] if default and corridor is None else ()
    )
    exclude = mc["exclude"] if default and corridor is None else ()
    kw: dict[str, Any] = {
        "unit": args.unit,
        "cargo": opts.get("cargo"),
        "avoid_countries": avoid,
        "exclude": exclude,
        "corridor": corridor,
    }
    res = max_flow(net, sources, sinks, **kw)
    cut = res.cut_frame()
    if args.format == "json":
        print(
            json.dumps(
                {
                    "scenario": args.scenario,
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
        return EXIT_OK
    if args.format == "csv":
        sys.stdout.write(cut.to_csv(index=False))
        return EXIT_OK
    unit = unit_label(res.unit)
    names = (
        [short_name(net.find_node(x)) for x in sources],
        [short_name(net.find_node(x)) for x in sinks],
    )
    print(f"Maximum annual throughput, {scenario_title(args.scenario)}")
    where = f"from {', '.join(names[0])} to {', '.join(names[1])}"
    if res.unit == "teu" or kw["cargo"]:
        where += f", {kw['cargo'] or 'all cargo'}"
    if corridor:
        where += f", {corridor} corridor only"
    if avoid:
        where += ", avoiding " + ", ".join(f"{country_name(c)}" for c in avoid)
    if exclude:
        where += " (the deep-sea route left out)"
    print(where)
    if not res.bounded:
        print(
            "throughput: unlimited, because a path has no known capacity: "
            + " > ".join(res.unlimited_path[:6])
            + (" ..." if len(res.unlimited_path) > 6 else "")
        )
        return EXIT_OK
    print(f"throughput: {number(res.value, 0)} {unit}/year")
    if args.scenario:
        before = max_flow(base_net, sources, sinks, **kw)
        delta = res.value - before.value
        if abs(delta) <= 1e-6 * max(1.0, abs(before.value)):
            changed = _changed_ids(base_net, net)
            binding = ", ".join(_element(net, c.kind, c.id, c.name) for c in before.cut) or "none"
            print(
                f"no change to this figure (baseline {number(before.value, 0)} {unit}/year), "
                f"because the binding capacity is elsewhere: {binding}; the scenario changes "
                + (", ".join(changed[:6]) + (" ..." if len(changed) > 6 else "") or "nothing here")
            )
        else:
            print(
                f"baseline {number(before.value, 0)} {unit}/year: {delta:+,.0f} {unit}/year "
                f"({delta / before.value:+.0%})"
                if before.value
                else ""
            )
    if res.cut:
        print(f"\nbinding capacities (minimum cut, {len(res.cut)}):")
        print(
            table(_cut_rows(net, res), ["kind", "element", f"capacity {unit}/year"], digits={2: 0})
        )
    return EXIT_OK


def cmd_assign(args: argparse.Namespace, net: Network) -> int:
    """The calibrated market model (default), or the system-optimal assignment of a demand table."""
    if args.method == "market":
        return cmd_assign_market(args, net)

    demand = read_demand(args.demand) if args.demand else load_bundled_demand()
    if args.scenario:
        sc = scenario_arg(args.scenario)

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
    _print_assignment(args, net, demand, res)
    return EXIT_OK


def _by_unit(net: Any, frame: Any, column: str) -> str:
    """``140,000 TEU + 4,087,500 t`` from a frame with commodity and amounts."""
    if not len(frame):
        return "0"
    units = frame["commodity"].map(lambda c: net.commodity(c).unit)
    sums = frame.groupby(units)[column].sum()
    return " + ".join(f"{v:,.0f} {u.upper() if u == 'teu' else u}" for u, v in sums.items())


def _direction(res: Any, net: Any, kind: str, rid: str) -> str:
    """The element's name with its direction (``~r`` ids run against the link)."""

    base, rev = rid.removesuffix("~r"), rid.endswith("~r")
    lf = res.link_flows
    col = "service" if kind == "service" else "link"
    rows = lf[(lf[col] == base) & (lf["reverse"] == rev)] if len(lf) else lf
    if kind == "node":
        node = net.node(base)
        return f"{short_name(node)} {node.kind.replace('_', ' ')} ({base})"
    if not len(rows):
        return base
    a, b = rows.iloc[0]["from_node"], rows.iloc[-1]["to_node"]
    return f"{base} {short_name(net.node(a))} -> {short_name(net.node(b))}"


def _print_assignment(args: argparse.Namespace, net: Any, demand: Any, res: Any) -> None:

    t = res.totals
    kind = "user equilibrium" if args.method == "equilibrium" else "system optimum"
    frame = demand.to_frame()
    unmet = res.unmet[res.unmet["unmet_per_year"] > 0]
    print(f"Assignment of the annual demand, {scenario_title(args.scenario)}")
    print(
        f"{kind}, minimising {args.objective} cost: "
        f"demand {_by_unit(net, frame, 'amount_per_year')}"
        f" per year; unmet {_by_unit(net, unmet, 'unmet_per_year') if len(unmet) else 'none'}"
        f" ({t['unmet_share']:.1%} of all units); transport cost {number(t['cost_usd'], 0)} "
        f"USD/year; {number(t['co2e_t'], 0)} t CO2e/year"
    )
    lf = res.link_flows.sort_values("total_t_per_year", ascending=False)
    rows = [
        [r.link, f"{r.from_node} -> {r.to_node}", r.service or "", r.total_t_per_year]
        for r in lf.drop_duplicates(["link", "reverse"]).head(args.top).itertuples()
    ]
    print(f"\nbusiest links, all cargo in tonnes (top {args.top}):")
    print(table(rows, ["link", "direction", "service", "t/year"], digits={3: 0}))
    if args.method == "equilibrium" and res.capacity_use is not None:
        print(
            f"\ncongestion delay {number(t['delay_unit_h'], 0)} unit-hours/year; "
            "most used capacities (one row per direction):"
        )
        cu = res.capacity_use.head(args.top)
        rows = [
            [
                r.kind,
                _direction(res, net, r.kind, r.id),
                r.unit,
                r.capacity_per_year,
                r.flow_per_year,
                r.utilisation * 100,
                r.delay_h,
            ]
            for r in cu.itertuples()
        ]
        head = [
            "kind",
            "element and direction",
            "unit",
            "capacity/year",
            "flow/year",
            "use %",
            "delay h",
        ]
        print(table(rows, head, digits={3: 0, 4: 0, 5: 0, 6: 1}))
    if len(res.shadow_prices):
        print(
            "\nbinding capacities: USD the whole system would save per year per extra unit "
            "of annual capacity (one row per direction: each direction has its own capacity):"
        )
        rows = [
            [
                r.kind,
                _direction(res, net, r.kind, r.id),
                r.unit,
                r.capacity_per_year,
                r.flow_per_year,
                r.shadow_price_usd_per_unit_year,
            ]
            for r in res.shadow_prices.itertuples()
        ]
        head = [
            "kind",
            "element and direction",
            "unit",
            "capacity/year",
            "flow/year",
            "USD per unit/year",
        ]
        print(table(rows, head, digits={3: 0, 4: 0, 5: 2}))
    if len(unmet):
        print("\nunmet demand:")
        rows = [
            [
                r.commodity,
                r.origin,
                r.destination,
                r.unmet_per_year,
                net.commodity(r.commodity).unit,
            ]
            for r in unmet.itertuples()
        ]
        print(table(rows, ["cargo", "origin", "destination", "unmet/year", "unit"], digits={3: 0}))


def cmd_compare(args: argparse.Namespace, net: Network) -> int:
    """Compare scenarios with the baseline."""

    names = args.scenarios or list_scenarios()
    scenarios = [scenario_arg(n) for n in names]
    demand = read_demand(args.demand) if args.demand else load_bundled_demand()
    analyses = {
        k: v
        for k, v in STANDARD_ANALYSES.items()
        if not args.analyses or k in args.analyses.split(",")
    }

    with working(f"comparing {len(scenarios)} scenario(s) with the baseline"):
        cmp = compare(net, scenarios, analyses, demand=demand)
    if args.out:
        for p in cmp.write(args.out):
            print(f"wrote {p}", file=sys.stderr)
    if args.charts:
        with working("drawing the charts"):
            charts = write_charts(cmp, args.charts)
        for p in charts:
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
        _print_comparison(cmp)
    return EXIT_OK


def _cell(value: float, delta: float, pct: float) -> str:

    if value != value:
        return ""
    if delta != delta or abs(delta) < 1e-9 * max(1.0, abs(value)):
        return f"{number(value)} (=)"
    rel = (
        f", {pct:+.2f}%"
        if pct == pct and abs(pct) < 0.1
        else (f", {pct:+.1f}%" if pct == pct else "")
    )
    return f"{number(value)} ({'+' if delta > 0 else '-'}{number(abs(delta))}{rel})"


def _print_comparison(cmp: Any) -> None:
    """Headline, then one table per analysis: a row per figure, a column per scenario."""

    print(f"Scenario comparison vs {cmp.baseline}; (=) no change, (+x) change vs baseline")
    for line in cmp.headline():
        print(f"  {line}")
    scen = [n for n in cmp.networks if n != cmp.baseline]
    for name, frame in cmp.results.items():
        keys = [
            c
            for c in frame.columns
            if c not in ("scenario", "metric", "value", "baseline", "delta", "delta_pct", "name")
        ]
        print(f"\n{name}:")
        rows = []
        for key, g in frame.groupby([*keys, "metric"], sort=False, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            by = {r.scenario: r for r in g.itertuples()}
            base = by.get(cmp.baseline)
            row: list[Any] = [" ".join(str(k) for k in key if k == k and k is not None)]
            row.append(number(base.value) if base is not None else "not in baseline")
            for sname in scen:
                r = by.get(sname)
                row.append("" if r is None else _cell(r.value, r.delta, r.delta_pct))
            rows.append(row)
        print(table(rows, ["figure", cmp.baseline, *scen]))


def cmd_scenarios(args: argparse.Namespace, net: Network) -> int:
    """List the bundled scenarios."""

    for name in list_scenarios():
        s = load_bundled(name)
        text = " ".join((s.description or "").split())
        print(f"{name:30s} {text[:96] + '...' if len(text) > 99 else text}")
    return EXIT_OK


def cmd_reliability(args: argparse.Namespace, net: Network) -> int:
    """Monte Carlo transit-time reliability of the best route(s), as a table."""

    if args.k < 1:
        raise OptionError(f"--k must be at least 1, got {args.k}")
    base = net
    net = _scenario_net(args, net)
    res = reliability(
        net,
        args.origin,
        args.destination,
        k=args.k,
        draws=args.draws,
        seed=args.seed,
        deadline_days=args.deadline_days,
        **lens(args, base),
    )
    frame = res.to_frame()
    if args.format == "json":
        print(frame.to_json(orient="records", indent=2))
        return EXIT_OK
    if args.format == "csv":
        sys.stdout.write(frame.to_csv(index=False))
        return EXIT_OK
    r0 = res.routes[0]
    seed = "random seed (give --seed to repeat)" if args.seed is None else f"seed {args.seed}"
    print(
        f"Transit-time reliability {r0.origin} -> {r0.destination}, {r0.commodity}, "
        f"{scenario_title(args.scenario)}; {args.draws:,} draws per route, {seed}"
    )
    head = ["#", "via", "modes", "planned days", "mean days", "P50 days", "P90 days", "P95 days"]
    if args.deadline_days is not None:
        head.append(f"on time <= {args.deadline_days:g} d")
    rows = []
    for i, (r, st) in enumerate(zip(res.routes, res.stats, strict=True)):
        row: list[Any] = [i + 1, r.via.removeprefix("via "), "/".join(r.modes), r.time_days]
        row.append(st.mean_h / 24)
        row += [st.p50_h / 24, st.p90_h / 24, st.p95_h / 24]
        if args.deadline_days is not None:
            row.append(f"{st.on_time_probability:.0%} [{st.on_time_lo:.0%}, {st.on_time_hi:.0%}]")
        rows.append(row)
    print(table(rows, head, digits={3: 1, 4: 1, 5: 1, 6: 1, 7: 1}))
    print(
        f"P50 = median; P90 = 9 shipments in 10 arrive within it; "
        f"{res.confidence:.0%} confidence intervals in brackets"
    )
    return EXIT_OK


def add_commands(sub: SubParsers, net_opt: NetOption) -> None:
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
    add_lens_options(sp, modes=False)
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
        choices=["market", *ASSIGNMENT_METHODS],
        default="market",
        help="market (default): the calibrated market model, route choice among the competing "
        "corridors in capacity equilibrium (bundled 2024 markets, or --demand rows as markets); "
        "restricted_arcs, paths, full_lp: the system-optimal LP (column generation with a master "
        "of the found paths' arcs or of path columns, or the whole LP at once), with shadow "
        "prices; equilibrium: shippers' own cheapest routes with congestion delays",
    )
    sp.add_argument("--top", type=int, default=15, help="how many busiest links to list")
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.set_defaults(func2=cmd_assign)

    sp = sub.add_parser("compare", help="compare scenarios with the baseline")
    net_opt(sp)
    sp.add_argument("scenarios", nargs="*", help="bundled names or files (default: all bundled)")
    sp.add_argument("--demand", metavar="FILE")
    sp.add_argument(
        "--analyses",
        help="comma-separated subset of throughput,bottlenecks,assignment,routes,market",
    )
    sp.add_argument("--out", metavar="DIR", help="write CSV, JSON and report.md here")
    sp.add_argument(
        "--charts", metavar="DIR", help="write PNG charts here (needs the plot extra: matplotlib)"
    )
    sp.add_argument("--format", choices=["table", "json", "markdown"], default="table")
    sp.set_defaults(func2=cmd_compare)

    sp = sub.add_parser("reliability", help="Monte Carlo transit-time distribution (P50/P90)")
    net_opt(sp)
    sp.add_argument("--from", dest="origin", required=True)
    sp.add_argument("--to", dest="destination", required=True)
    sp.add_argument("--cargo", default="container")
    sp.add_argument("--deadline-days", type=float, help="report the on-time probability")
    sp.add_argument("--k", type=int, default=1, help="also the next best routes")
    add_lens_options(sp)
    sp.add_argument("--draws", type=int, default=100_000)
    sp.add_argument("--seed", type=int, default=None, help="random seed (reproducible runs)")
    sp.add_argument("--scenario", help="bundled scenario name or scenario file")
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.set_defaults(func2=cmd_reliability)

    sp = sub.add_parser("scenarios", help="list the bundled scenarios")
    sp.set_defaults(func2=cmd_scenarios, network=None)
