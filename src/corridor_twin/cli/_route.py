"""The ``route`` and ``skim`` commands: plan routes, compare corridors, print them for people.

One route prints its legs; several (``--k``, ``--pareto``, ``--compare-corridors``)
print one side-by-side table, each route named by its key places ("via Kuryk,
Alat, Boyuk Kesik, ..."); ``--legs`` adds every route's legs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

from corridor_twin.cli._analysis import _scenario_net
from corridor_twin.cli._common import load_network
from corridor_twin.cli._format import table, unit_label
from corridor_twin.cli._options import CORRIDOR_CHOICES, add_lens_options, lens, positive_int
from corridor_twin.errors import CorridorError, NoRouteError, OptionError
from corridor_twin.network.model import Network
from corridor_twin.routing import (
    GeneralizedCost,
    earliest_arrival,
    k_routes,
    pareto_routes,
    route,
    skim,
)
from corridor_twin.routing.corridors import get_corridor
from corridor_twin.routing.places import short_name
from corridor_twin.simulate import reliability

__all__ = ["add_route_commands", "print_route", "summary_table"]

EXIT_OK = 0
_OBJECTIVES = ["time", "cost", "co2", "generalized", "distance"]


def _waits(leg: Any) -> str:
    parts = [
        f"{k} {getattr(leg, f'wait_{k}_h'):,.1f}"
        for k in ("service", "border", "transfer", "gauge", "dwell")
        if getattr(leg, f"wait_{k}_h") > 0
    ]
    return ", ".join(parts)


def print_route(r: Any, title: str, net: Network) -> None:
    """One route: a legs table (short place names, waits by kind) and its totals."""
    unit = unit_label(r.unit)
    print(f"{title}: {r.origin} -> {r.destination}, {r.commodity} (figures per {unit})")
    names = {n.id: short_name(n) for n in net.nodes}
    rows = [
        [
            f"{names[leg.from_node]} -> {names[leg.to_node]}",
            leg.mode,
            leg.length_km,
            leg.travel_h,
            leg.wait_h,
            _waits(leg),
            leg.cost_usd,
            leg.co2e_kg,
        ]
        for leg in r.legs
    ]
    rows.append(
        ["TOTAL", "/".join(r.modes), r.length_km, r.travel_h, r.wait_h, "", r.cost_usd, r.co2e_kg]
    )
    header = ["leg", "mode", "km", "moving h", "waiting h", "waiting for (h)"]
    header += [f"USD/{unit}", f"kg CO2e/{unit}"]
    print(table(rows, header, digits={2: 0, 3: 1, 4: 1, 6: 0, 7: 0}))
    w = r.waits_h
    line = (
        f"time {r.time_h:,.1f} h = {r.time_days:.1f} days (moving {r.travel_h:,.1f} h, "
        f"waiting {r.wait_h:,.1f} h: " + ", ".join(f"{k} {v:,.1f}" for k, v in w.items() if v)
    )
    line += (
        f"); cost {r.cost_usd:,.0f} USD; {r.co2e_kg:,.0f} kg CO2e "
        f"(WTT {r.wtt_kg:,.0f} + TTW {r.ttw_kg:,.0f})"
    )
    if r.departure is not None:
        line += f"; departs {r.departure:%Y-%m-%d %H:%M}, arrives {r.arrival:%Y-%m-%d %H:%M} UTC"
    print(line)
    corridor = _corridor_of(r, net)
    print(r.via + (f" ({corridor})" if corridor else ""))
    ops = [op for leg in r.legs for op in leg.operations]
    if ops:
        print("operations: " + "; ".join(ops))


def _corridor_of(r: Any, net: Network) -> str:
    cid = r.corridor
    return f"{get_corridor(cid).label}" if cid else ""


def summary_table(
    routes: list[Any],
    net: Network,
    *,
    labels: list[str] | None = None,
    label_header: str = "#",
    reliability: list[Any] | None = None,
) -> str:
    """One row per route, side by side: key places, time, cost, CO2e (and P50/P90)."""
    unit = unit_label(routes[0].unit) if routes else "unit"
    with_corridor = labels is None
    head = [label_header, *(["corridor"] if with_corridor else []), "via", "modes", "days"]
    head += ["moving h", "waiting h", f"USD/{unit}"]
    head += [f"kg CO2e/{unit}", "km"]
    if reliability is not None:
        head += ["P50 days", "P90 days"]
    rows = []
    for i, r in enumerate(routes):
        row: list[Any] = [labels[i] if labels else str(i + 1)]
        if with_corridor:
            row.append(r.corridor or "-")
        row.append(r.via.removeprefix("via "))
        row += ["/".join(r.modes), r.time_days, r.travel_h, r.wait_h, r.cost_usd]
        row += [r.co2e_kg, r.length_km]
        if reliability is not None:
            s = reliability[i]
            row += [None, None] if s is None else [s.p50_h / 24.0, s.p90_h / 24.0]
        rows.append(row)
    first = 4 if with_corridor else 3  # the days column
    digits = {first: 1, **{first + j: 0 for j in range(1, 6)}, first + 6: 1, first + 7: 1}
    return table(rows, head, digits=digits)


def _generalized(args: argparse.Namespace) -> Any:

    given = [
        o
        for o, v in (("--value-of-time", args.value_of_time), ("--co2-price", args.co2_price))
        if v is not None
    ]
    if given and args.optimize != "generalized":
        raise OptionError(
            f"{' and '.join(given)} only count(s) in the generalized cost: "
            f"add --optimize generalized (now --optimize {args.optimize})"
        )
    return GeneralizedCost(
        value_of_time_usd_per_unit_h=args.value_of_time,
        co2_price_usd_per_t=args.co2_price or 0.0,
    )


def _check_route_options(args: argparse.Namespace) -> None:
    if args.pareto and args.k is not None:
        raise OptionError("--k and --pareto do not go together: the Pareto set has its own size")
    if args.pareto and args.optimize != "time":
        raise OptionError("--pareto ranks by time, cost and CO2e at once; drop --optimize")
    if args.compare_corridors and (args.pareto or args.k is not None or args.corridor):
        raise OptionError(
            "--compare-corridors gives the best route of each corridor; "
            "it goes without --k, --pareto and --corridor"
        )
    if args.departure is not None and (
        args.pareto or (args.k or 1) > 1 or args.optimize != "time" or args.compare_corridors
    ):
        raise CorridorError(
            "--departure gives the earliest-arrival route; it goes with "
            "--optimize time and without --k, --pareto or --compare-corridors"
        )


def _corridor_list(text: str) -> list[str]:
    names = [x.strip().lower() for x in text.split(",") if x.strip()]
    if names == ["all"]:
        names = ["middle", "northern", "southern", "sea"]
    bad = [n for n in names if n not in CORRIDOR_CHOICES]
    if bad or len(names) < 2:
        raise OptionError(
            f"--compare-corridors {text!r}: give two or more of {', '.join(CORRIDOR_CHOICES)} "
            "(comma-separated) or 'all'" + (f"; unknown: {', '.join(bad)}" if bad else "")
        )
    return list(dict.fromkeys(names))


def _compare_corridors(args: argparse.Namespace, net: Network, common: dict[str, Any]) -> int:

    names = _corridor_list(args.compare_corridors)
    found: list[tuple[str, Any, Any]] = []
    missing: list[str] = []
    for name in names:
        try:
            r = route(net, args.origin, args.destination, corridor=name, **common)
        except NoRouteError as exc:
            missing.append(f"{name}: {exc}")
            continue
        rel = None
        if args.draws:
            res = reliability(
                net,
                args.origin,
                args.destination,
                corridor=name,
                draws=args.draws,
                seed=0,
                cargo=common["cargo"],
                optimize=common["optimize"],
                avoid_countries=common["avoid_countries"],
                modes=common.get("modes"),
            )
            rel = res.stats[0]
        found.append((name, r, rel))
    if not found:
        raise NoRouteError("no corridor has a route: " + " | ".join(missing))
    if args.format == "json":
        print(
            json.dumps(
                {
                    "kind": f"best by {args.optimize} per corridor",
                    "routes": [
                        {
                            "corridor": get_corridor(n).id,
                            **r.to_dict(),
                            **(
                                {"p50_h": s.p50_h, "p90_h": s.p90_h, "draws": s.draws}
                                if s is not None
                                else {}
                            ),
                        }
                        for n, r, s in found
                    ],
                    "no_route": missing,
                },
                indent=2,
                default=str,
            )
        )
        return EXIT_OK
    if args.format == "csv":
        import pandas as pd

        frame = pd.DataFrame(
            [
                {"corridor": get_corridor(n).id, **r.totals()}
                | ({"p50_h": s.p50_h, "p90_h": s.p90_h} if s is not None else {})
                for n, r, s in found
            ]
        )
        sys.stdout.write(frame.to_csv(index=False))
        return EXIT_OK
    o, d = net.find_node(args.origin), net.find_node(args.destination)
    first = found[0][1]
    print(
        f"{short_name(o)} -> {short_name(d)}, {first.commodity}: best route by {args.optimize} "
        f"in each corridor (figures per {unit_label(first.unit)}"
        + (f"; P50/P90 from {args.draws:,} Monte Carlo draws, seed 0" if args.draws else "")
        + ")"
    )
    print(
        summary_table(
            [r for _, r, _ in found],
            net,
            labels=[n for n, _, _ in found],
            label_header="corridor",
            reliability=[s for _, _, s in found] if args.draws else None,
        )
    )
    base_name, base, _ = found[0]
    for name, r, _ in found[1:]:
        dt = base.time_days - r.time_days
        dc = base.cost_usd - r.cost_usd
        de = base.co2e_kg - r.co2e_kg
        print(
            f"{base_name} vs {name}: {abs(dt):.1f} days {'longer' if dt > 0 else 'shorter'}, "
            f"{abs(dc):,.0f} USD {'dearer' if dc > 0 else 'cheaper'}, "
            f"{abs(de):,.0f} kg CO2e {'more' if de > 0 else 'less'} per {unit_label(r.unit)}"
        )
    for m in missing:
        print(f"no route in {m}")
    return EXIT_OK


def cmd_route(args: argparse.Namespace) -> int:
    """Plan a route (or k, a Pareto set, one per corridor) and print it."""

    _check_route_options(args)
    net = load_network(args.network)
    if args.scenario:
        net = _scenario_net(args, net)
    common = lens(args, net)
    gen = _generalized(args)
    if args.compare_corridors:
        common["optimize"] = args.optimize
        common["generalized"] = gen
        return _compare_corridors(args, net, common)
    k = args.k or 1
    if args.departure is not None:
        try:
            when = datetime.fromisoformat(args.departure)
        except ValueError:
            raise CorridorError(
                f"--departure {args.departure!r} is not an ISO date-time like 2025-11-03T08:00"
            ) from None
        routes = [earliest_arrival(net, args.origin, args.destination, departure=when, **common)]
        kind = "earliest arrival"
    elif args.pareto:
        routes = list(pareto_routes(net, args.origin, args.destination, **common))
        kind = "Pareto-optimal (time, cost, CO2e)"
    elif k > 1:
        routes = list(
            k_routes(
                net,
                args.origin,
                args.destination,
                k=k,
                optimize=args.optimize,
                generalized=gen,
                **common,
            )
        )
        kind = f"{k} best by {args.optimize}"
    else:
        routes = [
            route(
                net,
                args.origin,
                args.destination,
                optimize=args.optimize,
                generalized=gen,
                **common,
            )
        ]
        kind = f"best by {args.optimize}"
    if common.get("corridor"):
        kind += f", {common['corridor']} corridor"
    if args.format == "json":
        print(
            json.dumps(
                {"kind": kind, "routes": [r.to_dict() for r in routes]}, indent=2, default=str
            )
        )
    elif args.format == "csv":
        import pandas as pd

        frame = pd.concat(
            [r.to_frame().assign(route=i + 1) for i, r in enumerate(routes)], ignore_index=True
        )
        sys.stdout.write(frame.to_csv(index=False))
    elif len(routes) == 1:
        print_route(routes[0], f"Route ({kind})", net)
    else:
        r0 = routes[0]
        print(
            f"{len(routes)} routes ({kind}): {r0.origin} -> {r0.destination}, {r0.commodity} "
            f"(figures per {unit_label(r0.unit)}; --legs for each route's legs)"
        )
        print(summary_table(routes, net))
        if args.legs:
            for i, r in enumerate(routes):
                print()
                print_route(r, f"Route {i + 1} of {len(routes)} ({kind})", net)
    return EXIT_OK


def cmd_skim(args: argparse.Namespace) -> int:
    """OD matrices of time, cost and CO2e."""

    net = load_network(args.network)
    origins = [x.strip() for x in args.origins.split(",") if x.strip()]
    destinations = [x.strip() for x in args.destinations.split(",") if x.strip()]
    if not origins or not destinations:
        raise OptionError("--from and --to need at least one node each (comma-separated)")
    s = skim(net, origins, destinations, optimize=args.optimize, **lens(args, net))
    frame = s.to_frame()
    if args.format == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    elif args.format == "json":
        print(frame.to_json(orient="records", indent=2))
    else:
        unit = unit_label(s.unit)
        rows = [
            [r["origin"], r["destination"], float(r["time_h"]) / 24.0, *_skim_cells(r)]
            for r in frame.to_dict("records")
        ]
        print(f"best by {args.optimize}, {s.commodity}, figures per {unit}; 'unlimited' = no route")
        head = ["origin", "destination", "days", "hours", f"USD/{unit}", f"kg CO2e/{unit}", "km"]
        print(table(rows, head, digits={2: 1, 3: 1, 4: 0, 5: 0, 6: 0}))
    return EXIT_OK


def _skim_cells(r: Mapping[Hashable, Any]) -> list[Any]:
    return [r["time_h"], r["cost_usd"], r["co2e_kg"], r["length_km"]]


def add_route_commands(sub: Any, net_opt: Any) -> None:
    """Register ``route`` and ``skim``."""
    sp = sub.add_parser("route", help="plan a route, or compare corridors")
    net_opt(sp)
    sp.add_argument("--from", dest="origin", required=True, help="origin node id or name")
    sp.add_argument("--to", dest="destination", required=True, help="destination id or name")
    sp.add_argument("--cargo", default="container", help="commodity id (default: container)")
    sp.add_argument("--optimize", default="time", choices=_OBJECTIVES)
    sp.add_argument("--k", type=positive_int, default=None, help="list the k best routes (Yen)")
    sp.add_argument(
        "--pareto", action="store_true", help="all Pareto-optimal routes over time, cost and CO2e"
    )
    add_lens_options(sp)
    sp.add_argument(
        "--compare-corridors",
        metavar="A,B,...",
        help="the best route of each named corridor side by side, e.g. middle,northern (or all)",
    )
    sp.add_argument(
        "--draws",
        type=int,
        default=20_000,
        help="--compare-corridors: Monte Carlo draws for P50/P90 (0: none; default 20,000)",
    )
    sp.add_argument("--legs", action="store_true", help="with several routes: each one's legs")
    sp.add_argument("--scenario", help="bundled scenario name or scenario file")
    sp.add_argument(
        "--departure",
        metavar="ISO",
        help="ready time (UTC) for the earliest-arrival route with timetables",
    )
    sp.add_argument(
        "--value-of-time",
        type=float,
        metavar="USD",
        help="USD per unit-hour; needs --optimize generalized",
    )
    sp.add_argument(
        "--co2-price",
        type=float,
        default=None,
        metavar="USD",
        help="USD per t CO2e; needs --optimize generalized",
    )
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.set_defaults(func=cmd_route)

    sp = sub.add_parser("skim", help="OD matrix of time, cost and CO2e")
    net_opt(sp)
    sp.add_argument("--from", dest="origins", required=True, help="comma-separated origins")
    sp.add_argument("--to", dest="destinations", required=True, help="comma-separated destinations")
    sp.add_argument("--cargo", default="container")
    sp.add_argument("--optimize", default="time", choices=_OBJECTIVES)
    add_lens_options(sp)
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.set_defaults(func=cmd_skim)
