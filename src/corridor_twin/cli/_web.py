"""CLI commands for the web service and the offline HTML map (thin adapters)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from corridor_twin.cli._admin import add_store_options
from corridor_twin.cli._common import EXIT_OK, NetOption, SubParsers, load_network
from corridor_twin.cli._options import add_lens_options, lens, positive_int
from corridor_twin.errors import OptionError


def _route_specs(specs: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for spec in specs:
        origin, sep, destination = spec.partition(":")
        if not sep or not origin.strip() or not destination.strip():
            raise OptionError(f"--route {spec!r} is not ORIGIN:DESTINATION, e.g. Almaty:Istanbul")
        pairs.append((origin.strip(), destination.strip()))
    return pairs


def export_html(args: argparse.Namespace) -> int:
    """``corridor export html``: one self-contained HTML map."""
    from pydantic import ValidationError as PydanticError

    from corridor_twin.api.provider import BundledProvider
    from corridor_twin.api.schemas import RouteRequest
    from corridor_twin.web.export import export_data, render_html

    net = load_network(args.network)
    given = [o for o, v in (("--avoid", args.avoid), ("--corridor", args.corridor)) if v]
    if given and not args.route:
        raise OptionError(f"{' and '.join(given)} only apply to routes: add --route FROM:TO")
    opts = lens(args, net)
    try:
        requests = [
            RouteRequest(
                origin=o,
                destination=d,
                cargo=opts["cargo"],
                objective=args.optimize,
                k=args.k,
                avoid_countries=list(opts["avoid_countries"]),
                corridor=opts.get("corridor"),
            )
            for o, d in _route_specs(args.route or [])
        ]
    except PydanticError as exc:
        first = exc.errors()[0]
        raise OptionError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    provider = BundledProvider(net)
    from corridor_twin.cli._progress import working

    with working("planning the routes and assigning the demand"):
        data = export_data(
            provider, scenario=args.scenario, routes=requests, utilisation=not args.no_utilisation
        )
    html = render_html(data)
    if args.output in (None, "-"):
        sys.stdout.write(html)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(html)
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """``corridor serve``: the API and the map page with uvicorn."""
    import os

    import uvicorn

    from corridor_twin.api import ApiSettings, create_app
    from corridor_twin.store import open_store

    if args.workers < 1:
        raise OptionError(f"--workers must be >= 1, got {args.workers}")
    update: dict[str, Any] = {"host": args.host, "port": args.port, "warm_start": True}
    if args.network:
        update["network_path"] = Path(args.network).resolve()
    if args.database_url:
        update["database_url"] = args.database_url
    if args.data_dir:
        update["data_dir"] = Path(args.data_dir).resolve()
    settings = ApiSettings.from_env().model_copy(update=update)
    # Open (and on first start bootstrap) the store once here: a bad URL or network file
    # fails now, and the admin's token can be shown (it is stored only as a hash).
    store, token = open_store(settings)
    where = store.settings.sqlite_path() or store.dialect
    store.close()
    app = create_app(settings)
    base = f"http://{args.host}:{args.port}/"
    print(
        f"corridor-twin: map at {base} , API docs at {base}api/v1/docs ; store: {where}",
        file=sys.stderr,
    )
    if token:
        print(
            "corridor-twin: first start: the store was created with the corridor, an admin "
            "user and demo organisations.\n"
            f"    The admin's API token (shown only now): {token}\n"
            f"    Open {base}#token={token}",
            file=sys.stderr,
            flush=True,
        )
    else:
        if args.network:
            print(
                f"corridor-twin: warning: the store already holds network "
                f"{settings.network_name!r}; --network is read only when a store is created",
                file=sys.stderr,
            )
        print(
            "corridor-twin: sign in with an API token: open "
            f"{base}#token=<token> (a new one: corridor admin issue-token admin)",
            file=sys.stderr,
            flush=True,
        )
    if args.workers == 1:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    else:
        # Worker processes build their own app from the CORRIDOR_* environment.
        for key, value in (
            ("CORRIDOR_NETWORK_PATH", settings.network_path),
            ("CORRIDOR_DATABASE_URL", settings.database_url),
            ("CORRIDOR_DATA_DIR", settings.data_dir),
            ("CORRIDOR_WARM_START", settings.warm_start),
        ):
            if value is not None:
                os.environ[key] = str(value)
        uvicorn.run(
            "corridor_twin.api:create_app",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
        )
    return EXIT_OK


def add_export_options(sp: argparse.ArgumentParser) -> None:
    """Options of ``corridor export`` that apply to ``html``."""

    sp.add_argument("--scenario", help="html: bundled scenario to show (default: baseline)")
    sp.add_argument(
        "--route",
        action="append",
        metavar="FROM:TO",
        help="html: plan and draw this route (repeatable), e.g. Almaty:Istanbul",
    )
    sp.add_argument("--cargo", default="container", help="html: cargo of the routes")
    sp.add_argument(
        "--optimize",
        default="time",
        choices=["time", "cost", "co2", "distance"],
        help="html: route objective",
    )
    sp.add_argument("--k", type=positive_int, default=3, help="html: routes per pair (best first)")
    add_lens_options(sp, modes=False)
    sp.add_argument(
        "--no-utilisation",
        action="store_true",
        help="html: skip the demand assignment that colours links by utilisation",
    )


def add_commands(sub: SubParsers, net_opt: NetOption) -> None:
    """Register ``serve``."""
    sp = sub.add_parser("serve", help="run the web API and map page (uvicorn)")
    net_opt(sp)
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8000)
    sp.add_argument("--workers", type=int, default=1, help="worker processes (one per core)")
    add_store_options(sp)
    sp.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    sp.set_defaults(func=cmd_serve)
