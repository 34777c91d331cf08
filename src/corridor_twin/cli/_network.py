"""``corridor`` commands on one network: info, validate, export, schema (routes: :mod:`._route`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable

from corridor_twin.cli import _web
from corridor_twin.cli._common import EXIT_OK, EXIT_USAGE, SubParsers, load_network, table
from corridor_twin.io import read_network, to_geojson
from corridor_twin.network import validate
from corridor_twin.network.records import describe

__all__ = ["add_commands", "add_schema"]


def _cmd_info(args: argparse.Namespace) -> int:
    net = load_network(args.network)
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
        return _web.export_html(args)
    net = load_network(args.network)
    text = json.dumps(to_geojson(net), ensure_ascii=False, indent=1)
    if args.output in (None, "-"):
        print(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    frame = describe()
    if args.table:
        frame = frame[frame["table"] == args.table]
    if args.format == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    else:
        cols = ["table", "attribute", "dtype", "unit", "default", "required", "description"]
        print(
            table(frame[cols].astype(object).where(frame[cols].notna(), None).values.tolist(), cols)
        )
    return EXIT_OK


def add_commands(sub: SubParsers, net_opt: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the commands on the ``corridor`` sub-parsers."""
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

    sp = sub.add_parser("export", help="export the network (GeoJSON) or an offline HTML map")
    sp.add_argument("what", choices=["geojson", "html"])
    net_opt(sp)
    sp.add_argument("-o", "--output", help="output file (default: standard output)")
    _web.add_export_options(sp)
    sp.set_defaults(func=_cmd_export)


def add_schema(sub: SubParsers) -> None:
    """Register ``corridor schema`` (listed last in the help)."""
    sp = sub.add_parser("schema", help="print the network file schema")
    sp.add_argument("--table", help="only this table (nodes, links, ...)")
    sp.add_argument("--format", choices=["table", "csv"], default="table")
    sp.set_defaults(func=_cmd_schema)
