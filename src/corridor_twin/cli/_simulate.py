"""The ``corridor simulate`` command: a thin adapter over the simulation API."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from corridor_twin._typing import FloatArray
from corridor_twin.cli._analysis import scenario_title
from corridor_twin.cli._common import EXIT_OK, NetOption, SubParsers, base_network, scenario_arg
from corridor_twin.cli._format import table
from corridor_twin.cli._options import CORRIDOR_CHOICES
from corridor_twin.cli._progress import working
from corridor_twin.errors import OptionError
from corridor_twin.network.model import Network
from corridor_twin.scenarios import load_bundled_demand
from corridor_twin.scenarios.demand import read_demand
from corridor_twin.simulate import SimulationOptions, read_shipments_csv, replicate, simulate
from corridor_twin.simulate.charts import write_charts
from corridor_twin.simulate.replicate import ReplicationSet
from corridor_twin.simulate.results import TABLES, SimulationResult


class ProgressBar:
    """A one-line text progress bar on a stream (stderr), redrawn in place.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar(4, stream=out, width=8)
    >>> bar(2, 4)
    >>> out.getvalue().strip()
    'replications [####----] 2/4 (50%), about ... s left'
    """

    def __init__(self, total: int, *, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.t0 = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        filled = round(self.width * done / max(total, 1))
        bar = "#" * filled + "-" * (self.width - filled)
        eta = ""
        if 0 < done < total:
            left = (time.perf_counter() - self.t0) / done * (total - done)
            eta = f", about {left:.0f} s left"
        end = "\n" if done >= total else ""
        self.stream.write(f"\rreplications [{bar}] {done}/{total} ({done / total:.0%}){eta}{end}")
        self.stream.flush()


def _table(rows: list[list[Any]], header: list[str]) -> str:
    return table(rows, header)


def _inputs(args: argparse.Namespace, net: Network) -> tuple[Any, Any, Any, Network]:
    scenario = scenario_arg(args.scenario) if args.scenario else None
    net = base_network(args, scenario, net)
    demand = shipments = None
    if args.shipments:
        shipments = read_shipments_csv(args.shipments, net)
    elif args.demand:
        demand = read_demand(args.demand)
    else:
        demand = load_bundled_demand()
    return scenario, demand, shipments, net


def _options(args: argparse.Namespace) -> Any:

    kw: dict[str, Any] = {"routing": args.routing}
    if args.corridor:
        kw["corridor"] = args.corridor
    if args.no_weather:
        kw["weather"] = None
    return SimulationOptions(**kw)


def cmd_simulate(args: argparse.Namespace, net: Network) -> int:
    """Simulate the corridor for a number of days; print a summary, write tables and charts."""
    if not args.days > 0:
        raise OptionError(f"--days must be positive, got {args.days:g}")
    if not args.drain_days >= 0:
        raise OptionError(f"--drain-days must be >= 0, got {args.drain_days:g}")
    if args.replications < 1:
        raise OptionError(f"--replications must be >= 1, got {args.replications}")
    if args.workers is not None and args.workers < 1:
        raise OptionError(f"--workers must be >= 1, got {args.workers}")
    if args.charts and not args.out:
        raise OptionError("--charts needs --out DIR (the PNG files go there)")
    scenario, demand, shipments, net = _inputs(args, net)
    options = _options(args)
    season = None
    if args.seasonality:
        try:
            season = [float(x) for x in args.seasonality.split(",")]
        except ValueError:
            raise OptionError("--seasonality needs 12 comma-separated numbers") from None
        if len(season) != 12:
            raise OptionError(f"--seasonality needs 12 monthly factors, got {len(season)}")

    print(f"Simulation, {scenario_title(args.scenario)}")
    if args.replications == 1 and args.scheduler is None:
        with working(f"simulating {args.days:g} days (seed {args.seed})"):
            res = simulate(
                net,
                demand,
                shipments=shipments,
                scenario=scenario,
                days=args.days,
                seed=args.seed,
                options=options,
                seasonality=season,
                drain_days=args.drain_days,
            )
        _print_run(res, args.top)
        if args.out:
            tables = (*_tables(), "timeline") if args.timeline else _tables()
            files = res.write(args.out, format=args.format, tables=tables)
            if args.charts:
                with working("drawing the charts"):
                    files += write_charts(res, args.out, network=net)
            print(f"\nwrote {len(files)} files to {args.out}")
        return EXIT_OK

    bar = ProgressBar(args.replications)
    rs = replicate(
        net,
        demand,
        shipments=shipments,
        scenario=scenario,
        replications=args.replications,
        days=args.days,
        seed=args.seed,
        options=options,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=bar,
        seasonality=season,
        drain_days=args.drain_days,
    )
    _print_set(rs, args.top)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        rs.summary().to_csv(out / "summary.csv", index=False)
        rs.transit().to_csv(out / "transit_by_replication.csv", index=False)
        rs.waits().to_csv(out / "waits.csv", index=False)
        print(f"\nwrote 3 files to {args.out}")
    return EXIT_OK


def _tables() -> tuple[str, ...]:

    return TABLES


def _print_run(res: SimulationResult, top: int) -> None:
    seed = res.manifest["seed"]["entropy"]
    rate = res.events / res.wall_s if res.wall_s > 0 else 0.0
    drain = res.manifest.get("drain_days", 0.0)
    span = f"{res.days:g} days" + (f" ({drain:g} of them without releases)" if drain else "")
    print(
        f"simulated {span} from {res.start_date}: {res.n_released:,} shipments "
        f"released, {res.n_delivered:,} delivered; {res.events:,} events in {res.wall_s:.1f} s "
        f"({rate:,.0f}/s); seed {seed}"
    )
    sh = res.shipments()
    d = sh[sh["status"] == "delivered"]
    rows = []
    for (o, dest, c), g in d.groupby(["origin", "destination", "commodity"], sort=True):
        x = g["transit_h"].to_numpy() / 24.0
        rows.append([o, dest, c, len(x), float(_q(x, 0.5)), float(_q(x, 0.9))])
    print("\nTransit time per flow (delivered shipments, days)")
    print(_table(rows, ["origin", "destination", "commodity", "delivered", "P50", "P90"]))
    w = res.waits().head(top)
    rows = [
        [
            r["kind"],
            r["place"],
            int(r["shipments"]),
            float(r["mean_wait_h"]),
            float(r["total_wait_h"]) / 24.0,
        ]
        for r in w.to_dict("records")
    ]
    print(f"\nWaits by place (top {top} by total shipment-days)")
    print(_table(rows, ["kind", "place", "passages", "mean wait h", "total shipment-days"]))
    b = res.backlog()
    print("\nBacklog at the end (shipments not delivered)")
    if len(b):
        keys = ["origin", "destination", "commodity", "state"]
        per = b.groupby(keys)["shipments"].sum().reset_index()
        rows = [[*(r[k] for k in keys), int(r["shipments"])] for r in per.to_dict("records")]
        print(_table(rows, ["origin", "destination", "commodity", "state", "shipments"]))
    else:
        print("none")


def _q(x: FloatArray, q: float) -> float:
    import numpy as np

    return float(np.quantile(x, q))


def _print_set(rs: ReplicationSet, top: int) -> None:
    ev = sum(r.events for r in rs.runs)
    wall = sum(r.wall_s for r in rs.runs)
    print(
        f"{len(rs.runs)} replications on {rs.workers} workers, {ev:,} events "
        f"({wall:.1f} s of simulation); seed {rs.seed}"
    )
    s = rs.summary()
    rows = [
        [
            r["origin"],
            r["destination"],
            r["commodity"],
            int(r["replications"]),
            float(r["p50_days"]),
            f"[{r['p50_days_lo']:.1f}, {r['p50_days_hi']:.1f}]",
            float(r["p90_days"]),
            f"[{r['p90_days_lo']:.1f}, {r['p90_days_hi']:.1f}]",
        ]
        for r in s.to_dict("records")
    ]
    print("\nTransit time per flow, mean over replications (days, 95% CI)")
    print(_table(rows, ["origin", "destination", "commodity", "reps", "P50", "CI", "P90", "CI"]))
    w = rs.waits().head(top)
    rows = [[r["kind"], r["place"], float(r["mean_wait_h"])] for r in w.to_dict("records")]
    print(f"\nWaits by place (top {top})")
    print(_table(rows, ["kind", "place", "mean wait h"]))
    print(
        f"\nBacklog at the end: {s.attrs['backlog_mean']:,.0f} shipments (mean over replications)"
    )


def add_simulate(sub: SubParsers, net_opt: NetOption) -> None:
    """Register ``simulate`` on the main parser's subparsers."""
    sp = sub.add_parser(
        "simulate", help="discrete-event simulation of the corridor (the operating twin)"
    )
    net_opt(sp)
    sp.add_argument("--scenario", help="bundled scenario name or scenario file")
    src = sp.add_mutually_exclusive_group()
    src.add_argument("--demand", metavar="FILE", help="annual demand YAML/CSV (default: 2024)")
    src.add_argument("--shipments", metavar="FILE", help="shipment list CSV to replay")
    sp.add_argument("--days", type=float, default=365.0, help="simulated days (default 365)")
    sp.add_argument(
        "--drain-days",
        type=float,
        default=0.0,
        help="keep running this many days after the last release (no new shipments)",
    )
    sp.add_argument(
        "--seasonality",
        metavar="F1,...,F12",
        help="monthly factors of the release rate, January first (default: flat)",
    )
    sp.add_argument("--seed", type=int, default=None, help="random seed (reproducible runs)")
    sp.add_argument("--replications", type=int, default=1)
    sp.add_argument("--workers", type=int, default=None, help="worker processes (default: CPUs)")
    sp.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (tcp://host:8786)")
    sp.add_argument("--routing", choices=["adaptive", "fixed"], default="adaptive")

    sp.add_argument(
        "--corridor",
        choices=CORRIDOR_CHOICES,
        metavar="NAME",
        help="every flow keeps to this corridor preset (" + ", ".join(CORRIDOR_CHOICES) + ")",
    )
    sp.add_argument("--no-weather", action="store_true", help="no Caspian storm model")
    sp.add_argument("--out", metavar="DIR", help="write tables and manifest.json here")
    sp.add_argument("--format", choices=["csv", "parquet"], default="csv")
    sp.add_argument("--timeline", action="store_true", help="also write the per-shipment timeline")
    sp.add_argument("--charts", action="store_true", help="write PNG charts to --out (plot extra)")
    sp.add_argument("--top", type=int, default=10, help="rows of the waits table")
    sp.set_defaults(func2=cmd_simulate)
