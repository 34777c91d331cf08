"""The ``corridor`` command: a thin adapter over the Python API.

Every command works on the bundled Middle Corridor network unless
``--network FILE`` names another. Bad input (unknown node, malformed file,
invalid option) prints one line ``corridor: error: ...`` and exits with 2.

Examples
--------
>>> main(["route", "--from", "Almaty", "--to", "Istanbul", "--format", "csv"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from corridor_twin import __version__
from corridor_twin.errors import CorridorError
from corridor_twin.network.model import Network

__all__ = ["main", "run"]

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2, like every other bad input
        self.exit(EXIT_USAGE, f"corridor: error: {message} (see '{self.prog} --help')\n")


def _load(path: str | None) -> Network:
    if path is None:
        from corridor_twin.data import load_corridor

        return load_corridor()
    from corridor_twin.io import read_network

    return read_network(path)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if v != v:
            return ""
        if v == float("inf"):
            return "inf"
        return f"{v:,.1f}" if abs(v) < 1e5 else f"{v:,.0f}"
    return "" if v is None else str(v)


def _table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header, *[[_fmt(v) for v in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [all(_is_num(r[i]) for r in rows) and bool(rows) for i in range(len(header))]
    lines = []
    for j, row in enumerate(cells):
        parts = [
            c.rjust(w) if numeric[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _print_route(r: Any, title: str) -> None:
    print(f"{title}: {r.origin} -> {r.destination}, {r.commodity} (figures per {r.unit.upper()})")
    rows = []
    for leg in r.legs:
        rows.append(
            [
                f"{leg.from_name} -> {leg.to_name}",
                leg.mode,
                leg.length_km,
                leg.travel_h,
                leg.wait_service_h,
                leg.wait_border_h,
                leg.wait_transfer_h,
                leg.wait_gauge_h,
                leg.wait_dwell_h,
                leg.cost_usd,
                leg.co2e_kg,
            ]
        )
    w = r.waits_h
    rows.append(
        [
            "TOTAL",
            "/".join(r.modes),
            r.length_km,
            r.travel_h,
            w["service"],
            w["border"],
            w["transfer"],
            w["gauge"],
            w["dwell"],
            r.cost_usd,
            r.co2e_kg,
        ]
    )
    print(
        _table(
            rows,
            [
                "leg",
                "mode",
                "km",
                "travel_h",
                "wait_service_h",
                "wait_border_h",
                "wait_transfer_h",
                "wait_gauge_h",
                "wait_dwell_h",
                "usd",
                "kg_co2e",
            ],
        )
    )
    line = (
        f"time {r.time_h:,.1f} h = {r.time_days:.1f} days (moving {r.travel_h:,.1f} h, "
        f"waiting {r.wait_h:,.1f} h); cost {r.cost_usd:,.0f} USD; "
        f"{r.co2e_kg:,.0f} kg CO2e (WTT {r.wtt_kg:,.0f} + TTW {r.ttw_kg:,.0f})"
    )
    if r.departure is not None:
        line += f"; departs {r.departure:%Y-%m-%d %H:%M}, arrives {r.arrival:%Y-%m-%d %H:%M} UTC"
    print(line)
    ops = [op for leg in r.legs for op in leg.operations]
    if ops:
        print("operations: " + "; ".join(ops))


def _cmd_route(args: argparse.Namespace) -> int:
    from corridor_twin.routing import (
        GeneralizedCost,
        earliest_arrival,
        k_routes,
        pareto_routes,
        route,
    )

    net = _load(args.network)
    common: dict[str, Any] = {
        "cargo": args.cargo,
        "avoid_countries": tuple(args.avoid or ()),
        "modes": args.modes.split(",") if args.modes else None,
    }
    gen = GeneralizedCost(
        value_of_time_usd_per_unit_h=args.value_of_time, co2_price_usd_per_t=args.co2_price
    )
    if args.departure is not None:
        if args.pareto or args.k > 1 or args.optimize != "time":
            raise CorridorError(
                "--departure gives the earliest-arrival route; it goes with "
                "--optimize time and without --k or --pareto"
            )
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
    elif args.k > 1:
        routes = list(
            k_routes(
                net,
                args.origin,
                args.destination,
                k=args.k,
                optimize=args.optimize,
                generalized=gen,
                **common,
            )
        )
        kind = f"{args.k} best by {args.optimize}"
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
    else:
        for i, r in enumerate(routes):
            if i:
                print()
            title = (
                f"Route {i + 1} of {len(routes)} ({kind})" if len(routes) > 1 else f"Route ({kind})"
            )
            _print_route(r, title)
    return EXIT_OK


def _cmd_info(args: argparse.Namespace) -> int:
    net = _load(args.network)
    from collections import Counter

    print(f"{net.meta.name}: {net.meta.description or ''}".rstrip(": "))
    print(
        f"nodes {len(net.nodes)}, links {len(net.links)}, transfers {len(net.transfers)}, "
        f"borders {len(net.borders)}, services {len(net.services)}, "
        f"restrictions {len(net.restrictions)}, sources {len(net.sources)}"
    )
    countries = Counter(n.country for n in net.nodes)
    print("countries: " + ", ".join(f"{c} {k}" for c, k in sorted(countries.items())))
    modes = Counter(lk.mode for lk in net.links)
    km = {m: sum(lk.length_km for lk in net.links if lk.mode == m) for m in modes}
    print(
        "links by mode: "
        + ", ".join(f"{m} {n} ({km[m]:,.0f} km)" for m, n in sorted(modes.items()))
    )
    status = Counter(lk.status for lk in net.links)
    print("link status: " + ", ".join(f"{s} {n}" for s, n in sorted(status.items())))
    print("commodities: " + ", ".join(c.id for c in net.commodities))
    active = [r.id for r in net.restrictions if r.active]
    print("active restrictions: " + (", ".join(active) if active else "none"))
    comp = net.compiled()
    print(f"compiled: {comp.n_vertices} vertices, {comp.n_edges} edges")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from corridor_twin.io import read_network
    from corridor_twin.network import validate

    net = read_network(args.file)
    report = validate(net, strict=args.strict)
    errors = {id(f) for f in report.errors}  # one pass: linear in the number of findings
    for f in report.findings:
        print(f, file=sys.stderr if id(f) in errors else sys.stdout)
    n_err, n_warn = len(report.errors), len(report.warnings)
    print(
        f"{args.file}: {len(net.nodes)} nodes, {len(net.links)} links; "
        f"{n_err} error(s), {n_warn} warning(s)"
    )
    return EXIT_OK if report.ok else EXIT_USAGE


def _cmd_export(args: argparse.Namespace) -> int:
    if args.what == "html":
        from corridor_twin.cli._web import export_html

        return export_html(args)
    net = _load(args.network)
    from corridor_twin.io import to_geojson

    text = json.dumps(to_geojson(net), ensure_ascii=False, indent=1)
    if args.output in (None, "-"):
        print(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from corridor_twin.network.schema import describe

    frame = describe()
    if args.table:
        frame = frame[frame["table"] == args.table]
    if args.format == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    else:
        cols = ["table", "attribute", "dtype", "unit", "default", "required", "description"]
        print(
            _table(
                frame[cols].astype(object).where(frame[cols].notna(), None).values.tolist(), cols
            )
        )
    return EXIT_OK


def _cmd_skim(args: argparse.Namespace) -> int:
    from corridor_twin.routing import skim

    net = _load(args.network)
    s = skim(
        net,
        args.origins.split(","),
        args.destinations.split(","),
        cargo=args.cargo,
        optimize=args.optimize,
    )
    frame = s.to_frame()
    if args.format == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    elif args.format == "json":
        print(frame.to_json(orient="records", indent=2))
    else:
        print(_table(frame.values.tolist(), list(frame.columns)))
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="corridor",
        description="Digital twin of multimodal freight corridors "
        "(bundled: the Trans-Caspian Middle Corridor).",
    )
    p.add_argument("--version", action="version", version=f"corridor-twin {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def net_opt(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--network", metavar="FILE", help="network YAML file (default: the bundled corridor)"
        )

    sp = sub.add_parser("info", help="summary of the network")
    net_opt(sp)
    sp.set_defaults(func=_cmd_info)

    sp = sub.add_parser("validate", help="check a network file")
    sp.add_argument("file", help="network YAML file")
    sp.add_argument(
        "--strict",
        action="store_true",
        help="warnings count as errors; every figure needs a source and year",
    )
    sp.set_defaults(func=_cmd_validate)

    sp = sub.add_parser("route", help="plan a route")
    net_opt(sp)
    sp.add_argument("--from", dest="origin", required=True, help="origin node id or name")
    sp.add_argument("--to", dest="destination", required=True, help="destination id or name")
    sp.add_argument("--cargo", default="container", help="commodity id (default: container)")
    sp.add_argument(
        "--optimize", default="time", choices=["time", "cost", "co2", "generalized", "distance"]
    )
    sp.add_argument("--k", type=int, default=1, help="list the k best routes (Yen)")
    sp.add_argument(
        "--pareto", action="store_true", help="all Pareto-optimal routes over time, cost and CO2e"
    )
    sp.add_argument(
        "--avoid",
        action="append",
        metavar="COUNTRY",
        help="ISO code of a country to avoid (repeatable)",
    )
    sp.add_argument("--modes", help="comma-separated modes allowed, e.g. rail,ferry")
    sp.add_argument(
        "--departure",
        metavar="ISO",
        help="ready time (UTC) for the earliest-arrival route with timetables",
    )
    sp.add_argument(
        "--value-of-time",
        type=float,
        metavar="USD",
        help="USD per unit-hour for --optimize generalized",
    )
    sp.add_argument(
        "--co2-price",
        type=float,
        default=0.0,
        metavar="USD",
        help="USD per t CO2e for --optimize generalized",
    )
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.set_defaults(func=_cmd_route)

    sp = sub.add_parser("skim", help="OD matrix of time, cost and CO2e")
    net_opt(sp)
    sp.add_argument("--from", dest="origins", required=True, help="comma-separated origins")
    sp.add_argument("--to", dest="destinations", required=True, help="comma-separated destinations")
    sp.add_argument("--cargo", default="container")
    sp.add_argument(
        "--optimize", default="time", choices=["time", "cost", "co2", "generalized", "distance"]
    )
    sp.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sp.set_defaults(func=_cmd_skim)

    from corridor_twin.cli import _web

    sp = sub.add_parser("export", help="export the network (GeoJSON) or an offline HTML map")
    sp.add_argument("what", choices=["geojson", "html"])
    net_opt(sp)
    sp.add_argument("-o", "--output", help="output file (default: standard output)")
    _web.add_export_options(sp)
    sp.set_defaults(func=_cmd_export)

    from corridor_twin.cli._analysis import add_commands

    add_commands(sub, net_opt)
    _web.add_commands(sub, net_opt)
    from corridor_twin.cli import _admin

    _admin.add_commands(sub)

    from corridor_twin.cli._simulate import add_simulate

    add_simulate(sub, net_opt)

    from corridor_twin.cli._validate import add_validate_model

    add_validate_model(sub, net_opt)

    sp = sub.add_parser("schema", help="print the network file schema")
    sp.add_argument("--table", help="only this table (nodes, links, ...)")
    sp.add_argument("--format", choices=["table", "csv"], default="table")
    sp.set_defaults(func=_cmd_schema)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if hasattr(args, "func2"):
            status: int = args.func2(args, _load(args.network))
        else:
            status = args.func(args)
    except CorridorError as exc:
        print(f"corridor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"corridor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return status


def run() -> None:
    """Console-script entry point."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
