"""Network versions, edits and ownership rules (functions on an open session).

Storage choice: each version is the whole network as the canonical YAML text
of :func:`~corridor_twin.io.dumps_network` plus its SHA-256, not normalised
rows. The YAML round trip is exact (checked again on every write), so a
version reads back equal to what was stored; versions are immutable,
self-contained snapshots that need no replay of deltas and no schema change
when a record class gains an attribute; the field-level history that rows
would give lives in the audit log instead. The price is space (the bundled
corridor is about 100 kB a version) and that queries across records need the
network loaded in Python -- which every analysis does anyway.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session, defer

from corridor_twin._input import check_name
from corridor_twin.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
)
from corridor_twin.io.yaml_io import loads_network
from corridor_twin.network.model import Network
from corridor_twin.network.validate import validate
from corridor_twin.store._common import (
    audit,
    name_of,
    network_row,
    now,
    org_row,
    require_admin,
    require_editor,
    utc,
)
from corridor_twin.store._legacy import is_legacy, loads_legacy
from corridor_twin.store._serial import (
    changed_records_round_trip,
    dumps_canonical,
    loads_canonical,
)
from corridor_twin.store.auth import Principal, check_pattern, matches
from corridor_twin.store.edits import FieldChange, InsertRecord, RecordEdit, apply_edits
from corridor_twin.store.records import LegacyFix, OwnershipRule, VersionInfo
from corridor_twin.store.schema import (
    AuditRow,
    NetworkRow,
    NetworkVersionRow,
    OrganisationRow,
    OwnershipRuleRow,
    UserRow,
)

__all__ = [
    "NetworkCache",
    "create",
    "edit",
    "grant",
    "network_row",
    "revoke",
    "rules",
]


class NetworkCache:
    """Parsed versions by (name, version, sha256), least recently used dropped first.

    Versions never change and networks are immutable, so one parsed object
    can serve every reader; thread-safe. A legacy version (see
    :mod:`~corridor_twin.store._legacy`) is kept with the fixes its reading made.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._nets: OrderedDict[tuple[str, int, str], tuple[Network, tuple[LegacyFix, ...]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def put(
        self, name: str, version: int, sha: str, net: Network, fixes: Sequence[LegacyFix] = ()
    ) -> None:
        """Remember a parsed version."""
        with self._lock:
            self._nets[(name, version, sha)] = (net, tuple(fixes))
            self._nets.move_to_end((name, version, sha))
            while len(self._nets) > self.size:
                self._nets.popitem(last=False)

    def load(self, name: str, row: NetworkVersionRow) -> Network:
        """The network of a version row, parsed once."""
        return self.load_text(name, row.version, row.sha256, lambda: row.yaml_text)

    def load_text(self, name: str, version: int, sha: str, text: Callable[[], str]) -> Network:
        """The network of a version, parsed once; ``text()`` is read only on a miss."""
        return self.load_fixed(name, version, sha, text)[0]

    def load_fixed(
        self, name: str, version: int, sha: str, text: Callable[[], str]
    ) -> tuple[Network, tuple[LegacyFix, ...]]:
        """:meth:`load_text` and the legacy fixes reading it made (``()`` for most versions)."""
        key = (name, version, sha)
        with self._lock:
            hit = self._nets.get(key)
            if hit is not None:
                self._nets.move_to_end(key)
                return hit
        body = text()
        if is_legacy(body):
            net, fixes = loads_legacy(body, network=name, version=version)
        else:
            net, fixes = loads_canonical(body, path=f"<store {name} v{version}>"), []
        self.put(name, version, sha, net, fixes)
        return net, tuple(fixes)


def _store_text(cache: NetworkCache, name: str, version: int, net: Network) -> tuple[str, str]:
    text = dumps_canonical(net)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    back = loads_network(text, path=f"<store {name} v{version}>")
    if back != net:
        raise StoreError("network does not survive the YAML round trip; not stored")
    cache.put(name, version, sha, back)  # harmless if the transaction then fails
    return text, sha


def version_row(s: Session, name: str, version: int | None) -> NetworkVersionRow:
    """The row of one version (the latest when ``version`` is ``None``)."""
    net = network_row(s, name)
    v = net.latest_version if version is None else version
    row = s.scalars(
        select(NetworkVersionRow)
        .where(NetworkVersionRow.network_id == net.id, NetworkVersionRow.version == v)
        .options(defer(NetworkVersionRow.yaml_text))  # read only when the cache lacks it
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"network {name!r} has no version {v} (latest: {net.latest_version})")
    return row


class VersionKey(NamedTuple):
    """What identifies a stored version, without its text."""

    id: int
    version: int
    sha256: str
    latest: int


# Built once: the hot read path (GET of a record) then costs the database work, not the
# construction and cache-key generation of a new statement per request.
_KEY_COLUMNS = (
    NetworkVersionRow.id,
    NetworkVersionRow.version,
    NetworkVersionRow.sha256,
    NetworkRow.latest_version,
)
_LATEST_KEY = (
    select(*_KEY_COLUMNS)
    .join(NetworkRow, NetworkRow.id == NetworkVersionRow.network_id)
    .where(NetworkRow.name == bindparam("name"))
    .where(NetworkVersionRow.version == NetworkRow.latest_version)
)
_PINNED_KEY = (
    select(*_KEY_COLUMNS)
    .join(NetworkRow, NetworkRow.id == NetworkVersionRow.network_id)
    .where(NetworkRow.name == bindparam("name"))
    .where(NetworkVersionRow.version == bindparam("version"))
)
_TEXT = select(NetworkVersionRow.yaml_text).where(NetworkVersionRow.id == bindparam("id"))
_RULES = (
    select(
        OwnershipRuleRow.id,
        OwnershipRuleRow.table_name,
        OwnershipRuleRow.pattern,
        OrganisationRow.name,
    )
    .join(OrganisationRow, OrganisationRow.id == OwnershipRuleRow.organisation_id)
    .join(NetworkRow, NetworkRow.id == OwnershipRuleRow.network_id)
    .where(NetworkRow.name == bindparam("name"))
    .order_by(OwnershipRuleRow.id)
)


_LATEST = select(NetworkRow.latest_version).where(NetworkRow.name == bindparam("name"))


def version_key(s: Session | Connection, name: str, version: int | None) -> VersionKey:
    """One version's key (the latest when ``version`` is ``None``) and the latest number.

    Core queries only, so a plain connection will do (the cheapest read).
    """
    if version is None:
        found = s.execute(_LATEST_KEY, {"name": name}).one_or_none()
    else:
        found = s.execute(_PINNED_KEY, {"name": name, "version": version}).one_or_none()
    if found is None:
        latest = s.execute(_LATEST, {"name": name}).scalar_one_or_none()
        if latest is None:
            raise NotFoundError(f"no network named {name!r}")
        raise NotFoundError(f"network {name!r} has no version {version} (latest: {latest})")
    return VersionKey(*found)


def load_key(s: Session | Connection, cache: NetworkCache, name: str, key: VersionKey) -> Network:
    """The network of a version key (its text read only when ``cache`` lacks it)."""
    return cache.load_text(
        name, key.version, key.sha256, lambda: s.execute(_TEXT, {"id": key.id}).scalar_one()
    )


def version_info(s: Session, name: str, row: NetworkVersionRow) -> VersionInfo:
    """A version row as a value object."""
    return VersionInfo(
        network=name,
        version=row.version,
        sha256=row.sha256,
        created_at=utc(row.created_at),
        user=None if row.user_id is None else name_of(s, UserRow, row.user_id),
        organisation=(
            None
            if row.organisation_id is None
            else name_of(s, OrganisationRow, row.organisation_id)
        ),
        message=row.message,
    )


def add_version(
    s: Session,
    net_row: NetworkRow,
    version: int,
    text: str,
    sha: str,
    by: Principal,
    message: str | None,
) -> NetworkVersionRow:
    row = NetworkVersionRow(
        network_id=net_row.id,
        version=version,
        yaml_text=text,
        sha256=sha,
        message=message,
        user_id=by.user_id,
        organisation_id=by.organisation_id,
        created_at=now(),
    )
    s.add(row)
    return row


def create(
    s: Session, name: str, net: Network, by: Principal, message: str | None, cache: NetworkCache
) -> VersionInfo:
    """Store ``net`` as version 1 of a new network ``name``."""
    require_admin(by, "creating a network")
    if not name or not name.strip():
        raise StoreError("a network needs a non-empty name")
    check_name(name, what="network name")
    if s.scalars(select(NetworkRow.id).where(NetworkRow.name == name)).first() is not None:
        raise ConflictError(f"a network named {name!r} already exists")
    validate(net, raise_on="error")
    text, sha = _store_text(cache, name, 1, net)
    net_row = NetworkRow(name=name, latest_version=1, created_at=now())
    s.add(net_row)
    s.flush()
    row = add_version(s, net_row, 1, text, sha, by, message)
    audit(s, by, "create", "network", name, version=1, new=sha)
    s.flush()
    return version_info(s, name, row)


def rules(s: Session | Connection, name: str) -> list[OwnershipRule]:
    """The network's ownership rules (one query; :class:`NotFoundError` for no such network)."""
    rows = s.execute(_RULES, {"name": name})
    found = [OwnershipRule(i, name, t, p, org) for i, t, p, org in rows]
    if not found and s.execute(_LATEST, {"name": name}).scalar_one_or_none() is None:
        raise NotFoundError(f"no network named {name!r}")
    return found


def owners_of(rule_list: Sequence[OwnershipRule], table: str, record: object) -> set[str]:
    """Names of the organisations whose rules cover ``record`` of ``table``."""
    return {
        r.organisation for r in rule_list if r.table == table and matches(table, r.pattern, record)
    }


def _check_ownership(
    by: Principal, name: str, rule_list: Sequence[OwnershipRule], changes: Iterable[FieldChange]
) -> None:
    if by.is_admin:
        return
    seen: set[tuple[str, str, int]] = set()
    for ch in changes:
        for rec in (ch.old_record, ch.new_record):
            if rec is None or (ch.table, ch.record_id, id(rec)) in seen:
                continue
            seen.add((ch.table, ch.record_id, id(rec)))
            owners = owners_of(rule_list, ch.table, rec)
            if by.organisation not in owners:
                held = ", ".join(sorted(owners)) or "no organisation (admins only)"
                raise PermissionDeniedError(
                    f"{by.organisation!r} may not change {ch.table} {ch.record_id!r} of network "
                    f"{name!r}: it is owned by {held}"
                )


def _touched(edits: Sequence[RecordEdit]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for e in edits:
        if isinstance(e, InsertRecord):
            rid = e.values.get("mode" if e.table == "modes" else "id")
            if rid is not None:
                out.add((e.table, str(rid)))
        else:
            out.add((e.table, e.record_id))
    return out


def _check_rebase(
    s: Session, name: str, edits: Sequence[RecordEdit], expected: int, latest: int
) -> None:
    """Refuse a stale edit if a version after ``expected`` touched one of its records.

    Edits of different records never conflict: an edit based on an older
    version is applied to the latest one when none of the versions since
    changed a record it touches (the audit log says which records each version
    changed: one indexed query, no old version loaded).
    """
    stale = ConflictError(
        f"network {name!r} is at version {latest}, not {expected}: "
        "someone else changed it; reload and apply your edit again",
        expected=expected,
        actual=latest,
    )
    if not 1 <= expected < latest:
        raise stale
    touched = _touched(edits)
    rows = s.execute(
        select(AuditRow.table_name, AuditRow.record_id, AuditRow.version).where(
            AuditRow.object_kind == "network",
            AuditRow.object_name == name,
            AuditRow.version > expected,
        )
    ).all()
    for table, record_id, version in rows:
        if (table, record_id) in touched:
            raise ConflictError(
                f"network {name!r} is at version {latest}, not {expected}: {table} "
                f"{record_id!r} was changed in version {version}; reload and apply your edit "
                "again",
                expected=expected,
                actual=latest,
            )


def edit(
    s: Session,
    name: str,
    edits: Sequence[RecordEdit],
    expected_version: int,
    by: Principal,
    message: str | None,
    cache: NetworkCache,
    *,
    allow_no_change: bool = False,
) -> tuple[VersionInfo, list[FieldChange]]:
    """Apply ``edits`` to the latest version and store the result as the next version.

    The transaction is short: the canonical text of the new version is
    written record by record (:mod:`~corridor_twin.store._serial`), only the
    changed records are round-tripped, and the new network goes straight into
    ``cache``. With ``allow_no_change`` an edit that changes nothing returns
    the latest version and no changes instead of raising.
    """
    require_editor(by, f"editing network {name!r}")
    net_row = network_row(s, name, lock=True)
    latest = net_row.latest_version
    if expected_version != latest:
        _check_rebase(s, name, edits, expected_version, latest)
    if not edits:
        raise StoreError("an edit needs at least one change")
    latest_row = version_row(s, name, latest)
    base, legacy = cache.load_fixed(name, latest, latest_row.sha256, lambda: latest_row.yaml_text)
    new_net, changes = apply_edits(base, edits)
    if not changes:
        if allow_no_change:
            return version_info(s, name, latest_row), []
        raise StoreError(f"the edit changes nothing in network {name!r}; no version written")
    _check_ownership(by, name, rules(s, name), changes)
    validate(new_net, raise_on="error")
    version = latest + 1
    text = dumps_canonical(new_net)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not changed_records_round_trip(
        (ch.table, ch.new_record) for ch in changes if ch.new_record is not None
    ):
        raise StoreError("network does not survive the YAML round trip; not stored")
    cache.put(name, version, sha, new_net)  # harmless if the transaction then fails
    row = add_version(s, net_row, version, text, sha, by, message)
    net_row.latest_version = version
    for ch in changes:
        audit(
            s,
            by,
            ch.action,
            "network",
            name,
            version=version,
            table_name=ch.table,
            record_id=ch.record_id,
            field=ch.field,
            old=ch.old,
            new=ch.new,
        )
    audit_fixes(s, by, name, version, legacy)
    s.flush()
    return version_info(s, name, row), changes


def audit_fixes(
    s: Session, by: Principal, name: str, version: int, fixes: Iterable[LegacyFix]
) -> None:
    """One ``repair`` audit row per legacy value that ``version`` no longer stores."""
    for fx in fixes:
        audit(
            s,
            by,
            "repair",
            "network",
            name,
            version=version,
            table_name=fx.table,
            record_id=fx.record_id,
            field=fx.field,
            old=fx.old,
            new=None,
        )


def grant(
    s: Session, name: str, table: str, pattern: str, organisation: str, by: Principal
) -> OwnershipRule:
    """Add an ownership rule (admins only)."""
    require_admin(by, "granting ownership")
    check_pattern(table, pattern)
    net_row = network_row(s, name)
    org = org_row(s, organisation)
    dup = s.scalars(
        select(OwnershipRuleRow.id).where(
            OwnershipRuleRow.network_id == net_row.id,
            OwnershipRuleRow.table_name == table,
            OwnershipRuleRow.pattern == pattern,
            OwnershipRuleRow.organisation_id == org.id,
        )
    ).first()
    if dup is not None:
        raise ConflictError(f"{organisation!r} already owns {table} {pattern!r} of {name!r}")
    row = OwnershipRuleRow(
        network_id=net_row.id,
        table_name=table,
        pattern=pattern,
        organisation_id=org.id,
        created_at=now(),
    )
    s.add(row)
    s.flush()
    audit(s, by, "grant", "network", name, table_name=table, record_id=pattern, new=organisation)
    return OwnershipRule(row.id, name, table, pattern, organisation)


def revoke(s: Session, rule_id: int, by: Principal) -> None:
    """Remove an ownership rule (admins only)."""
    require_admin(by, "revoking ownership")
    row = s.get(OwnershipRuleRow, rule_id)
    if row is None:
        raise NotFoundError(f"no ownership rule {rule_id}")
    net = s.get_one(NetworkRow, row.network_id)
    org = name_of(s, OrganisationRow, row.organisation_id)
    audit(
        s,
        by,
        "revoke",
        "network",
        net.name,
        table_name=row.table_name,
        record_id=row.pattern,
        old=org,
    )
    s.delete(row)
