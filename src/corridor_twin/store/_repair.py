"""Repair of legacy versions: the latest rewritten as a new version (functions on a session).

History is never edited: a version that stored ``.inf`` capacities keeps its
text and is read with them unlimited (:mod:`~corridor_twin.store._legacy`).
What a repair writes is one new version, the latest as read, in the
canonical form (the capacities left out), with one ``repair`` audit row per
mapped field, in the caller's single transaction: a failure anywhere
(validation, the round trip, the database) writes nothing.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor_twin.errors import StoreError
from corridor_twin.network.validate import validate
from corridor_twin.store._common import network_row, require_admin
from corridor_twin.store._legacy import is_legacy, loads_legacy
from corridor_twin.store._networks import (
    NetworkCache,
    add_version,
    audit_fixes,
    version_info,
    version_row,
)
from corridor_twin.store._serial import changed_records_round_trip, dumps_canonical
from corridor_twin.store.auth import Principal
from corridor_twin.store.records import RepairInfo
from corridor_twin.store.schema import NetworkVersionRow

__all__ = ["legacy_versions", "repair"]


def legacy_versions(s: Session, name: str) -> list[int]:
    """The versions of ``name`` whose stored text holds a non-finite number, oldest first.

    Reads the texts one at a time (a long history is never all in memory).
    """
    net = network_row(s, name)
    stmt = (
        select(NetworkVersionRow.version, NetworkVersionRow.yaml_text)
        .where(NetworkVersionRow.network_id == net.id)
        .order_by(NetworkVersionRow.version)
        .execution_options(yield_per=16)
    )
    return [v for v, text in s.execute(stmt) if is_legacy(text)]


def repair(
    s: Session, name: str, by: Principal, cache: NetworkCache, *, dry_run: bool
) -> RepairInfo:
    """Find the legacy versions of ``name``; unless ``dry_run``, write the repaired latest.

    Raises
    ------
    PermissionDeniedError
        Unless ``by`` is an admin.
    StoreError
        If the latest holds a non-finite number that is not a capacity.
    ValidationError
        If the repaired latest breaks a validation rule (nothing is written).
    """
    require_admin(by, "repairing stored versions")
    net_row = network_row(s, name, lock=not dry_run)
    latest = net_row.latest_version
    affected = tuple(legacy_versions(s, name))
    if latest not in affected:
        return RepairInfo(name, latest, affected, (), None)
    row = version_row(s, name, latest)
    net, fixes = loads_legacy(row.yaml_text, network=name, version=latest)
    if not fixes or dry_run:
        return RepairInfo(name, latest, affected, tuple(fixes), None)
    validate(net, raise_on="error")
    text = dumps_canonical(net)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    fixed = {(fx.table, fx.record_id) for fx in fixes}
    records = [(table, rec) for table in {t for t, _ in fixed} for rec in getattr(net, table)]
    if not changed_records_round_trip((t, r) for t, r in records if (t, r.id) in fixed):
        raise StoreError(f"repaired network {name!r} does not survive the YAML round trip")
    version = latest + 1
    new_row = add_version(
        s,
        net_row,
        version,
        text,
        sha,
        by,
        f"repair: {len(fixes)} non-finite capacit{'y' if len(fixes) == 1 else 'ies'} of "
        f"version {latest} stored as unlimited (left out)",
    )
    net_row.latest_version = version
    audit_fixes(s, by, name, version, fixes)
    s.flush()
    cache.put(name, version, sha, net)  # harmless if the transaction then fails
    return RepairInfo(name, latest, affected, tuple(fixes), version_info(s, name, new_row))
