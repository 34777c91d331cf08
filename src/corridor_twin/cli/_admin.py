"""``corridor admin``: organisations, users, tokens, ownership rules and repairs from the shell.

Trusted tooling: whoever can run it can read the database anyway, so it acts
as an admin user of the store (``--as``, default ``admin``) without a token.
The store is the one ``corridor serve`` uses (``--database-url`` /
``CORRIDOR_DATABASE_URL``, else the SQLite file in the data directory).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from corridor_twin.cli._common import EXIT_OK, SubParsers
from corridor_twin.errors import PermissionDeniedError


def _store(args: argparse.Namespace) -> Any:
    from pathlib import Path

    from corridor_twin.api.settings import ApiSettings
    from corridor_twin.store import open_store

    update: dict[str, Any] = {}
    if args.database_url:
        update["database_url"] = args.database_url
    if args.data_dir:
        update["data_dir"] = Path(args.data_dir)
    store, token = open_store(ApiSettings.from_env().model_copy(update=update))
    if token:
        print(f"bootstrapped an empty store; the admin's token: {token}", file=sys.stderr)
    return store


def cmd_admin(args: argparse.Namespace) -> int:
    """Run one ``corridor admin`` action."""
    with _store(args) as store:
        by = store.principal(args.as_user)
        if not by.is_admin:
            raise PermissionDeniedError(f"--as {args.as_user!r} is not an admin")
        action = args.action
        if action == "create-org":
            store.create_organisation(args.name, by=by)
            print(f"organisation {args.name!r} created")
        elif action == "create-user":
            store.create_user(args.name, args.org, args.role, by=by)
            print(f"user {args.name!r} ({args.role}) created in {args.org!r}")
        elif action == "issue-token":
            print(store.issue_token(args.user, by=by, label=args.label))
        elif action == "revoke-token":
            store.revoke_token(args.token_id, by=by)
            print(f"token {args.token_id} revoked")
        elif action == "grant":
            rule = store.grant(args.network, args.table, args.pattern, args.org, by=by)
            print(
                f"rule {rule.id}: {rule.organisation!r} owns {rule.table} {rule.pattern!r} "
                f"in {rule.network!r}"
            )
        elif action == "users":
            for u in store.users():
                state = "" if u.active else " (inactive)"
                print(f"{u.name}\t{u.organisation}\t{u.role}{state}")
        elif action == "orgs":
            for o in store.organisations():
                print(o.name)
        elif action == "rules":
            for r in store.ownership(args.network):
                print(f"{r.id}\t{r.organisation}\t{r.table}\t{r.pattern}")
        elif action == "repair-versions":
            names = args.network or [n.name for n in store.networks()]
            for name in names:
                _print_repair(store.repair_versions(name, by=by, dry_run=args.dry_run))
    return EXIT_OK


def _print_repair(info: Any) -> None:
    """One line per network (and one per field mapped in its latest version)."""
    if not info.affected:
        print(f"{info.network}: no version holds a non-finite number")
        return
    old = [v for v in info.affected if v != info.latest]
    older = (
        f"; version(s) {', '.join(map(str, old))} stay as stored and read with them unlimited"
        if old
        else ""
    )
    if not info.fixes:
        print(f"{info.network}: the latest version {info.latest} needs no repair{older}")
        return
    if info.written is None:
        head = f"would store version {info.latest + 1}"
    else:
        head = f"stored version {info.written.version}"
    print(
        f"{info.network}: {head}: version {info.latest} with {len(info.fixes)} non-finite "
        f"capacit{'y' if len(info.fixes) == 1 else 'ies'} as unlimited{older}"
    )
    for fx in info.fixes:
        print(f"  {fx.table} {fx.record_id} {fx.field}: {fx.old} -> unlimited (left out)")


def add_store_options(sp: argparse.ArgumentParser) -> None:
    """Where the store is (else ``CORRIDOR_DATABASE_URL`` / ``CORRIDOR_DATA_DIR``)."""
    sp.add_argument(
        "--database-url",
        help="store URL (default: CORRIDOR_DATABASE_URL, else SQLite in the data directory)",
    )
    sp.add_argument("--data-dir", help="directory of the SQLite store (CORRIDOR_DATA_DIR)")


def add_commands(sub: SubParsers) -> None:
    """Register ``admin``."""
    sp = sub.add_parser("admin", help="manage organisations, users, tokens and ownership")
    add_store_options(sp)
    sp.add_argument("--as", dest="as_user", default="admin", help="admin user to act as")
    acts = sp.add_subparsers(dest="action", required=True, parser_class=type(sp))
    a = acts.add_parser("create-org", help="add an organisation")
    a.add_argument("name")
    a = acts.add_parser("create-user", help="add a user")
    a.add_argument("name")
    a.add_argument("--org", required=True)
    a.add_argument("--role", default="viewer", choices=["viewer", "editor", "admin"])
    a = acts.add_parser("issue-token", help="print a new API token for a user (shown once)")
    a.add_argument("user")
    a.add_argument("--label")
    a = acts.add_parser("revoke-token", help="revoke a token by id")
    a.add_argument("token_id", type=int)
    a = acts.add_parser("grant", help="let an organisation own records of a network")
    a.add_argument("network")
    a.add_argument("table")
    a.add_argument("pattern", help="id glob (AZ_ALAT, KZ_*) or @node-glob (@AZ_ALAT)")
    a.add_argument("org")
    acts.add_parser("users", help="list users")
    acts.add_parser("orgs", help="list organisations")
    a = acts.add_parser("rules", help="list a network's ownership rules")
    a.add_argument("network", nargs="?", default="titr")
    a = acts.add_parser(
        "repair-versions",
        help="store the latest version of networks holding .inf capacities (written before "
        "the input boundary) as a new version, those capacities unlimited",
    )
    a.add_argument(
        "--network", action="append", help="only this network (repeatable; default: every one)"
    )
    a.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    sp.set_defaults(func=cmd_admin)
