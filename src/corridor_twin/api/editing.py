"""Record edits through the API: the checks that turn store errors into field-level 422s.

:func:`patch_record` is what ``PATCH /networks/{name}/{table}/{id}`` does:
the version the edit is based on (body ``expected_version`` or ``If-Match``),
then the store's transactional edit. Values the parser rejects and
validation findings become :class:`~corridor_twin.api.errors.RecordError`
items whose ``loc`` is ``["body", "values", <field>]``, so the page can put
each message next to its input. An edit that changes nothing writes no
version and returns the current one with no changes.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from corridor_twin.api.errors import RecordError
from corridor_twin.api.schemas.history import (
    HistoryEntryOut,
    RecordHistoryOut,
    RevertIn,
    SourceOut,
)
from corridor_twin.api.schemas.store import (
    AttributeOut,
    EditOut,
    FieldChangeOut,
    RecordOut,
    RecordPatch,
    VersionOut,
)
from corridor_twin.errors import (
    ConflictError,
    DataError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from corridor_twin.io.yaml_io import record_to_dict
from corridor_twin.network.model import TABLES, Network
from corridor_twin.network.schema import attributes
from corridor_twin.network.validate import Finding
from corridor_twin.store import Principal as Account
from corridor_twin.store import Store, UpdateRecord, VersionInfo

__all__ = [
    "expected_version",
    "history",
    "patch_record",
    "record",
    "revert_record",
    "sources",
]


@functools.cache
def _attributes(table: str) -> list[AttributeOut]:
    return [
        AttributeOut(
            key=a.file_name or a.name,
            dtype=a.dtype,
            unit=a.unit,
            required=a.required,
            allowed=list(a.allowed) if a.allowed else None,
            minimum=a.minimum,
            maximum=a.maximum,
            description=a.description,
            figure=a.figure,
        )
        for a in attributes(TABLES[table], table)
        if a.name != "id"
    ]


def record(
    store: Store,
    account: Account,
    name: str,
    table: Literal["nodes", "links"],
    record_id: str,
    version: int | None,
) -> RecordOut:
    """A node or link of a version with its owners and whether ``account`` may edit it."""
    try:
        v, rec, owners = store.record(name, table, record_id, version)
    except NotFoundError as exc:  # incl. UnknownNodeError, a 422 elsewhere: here a path
        raise NotFoundError(str(exc)) from None
    editable = account.is_admin or (account.can_edit and account.organisation in owners)
    return RecordOut(
        network=name,
        version=v,
        table=table,
        id=rec.id,
        values=record_to_dict(table, rec),
        owners=owners,
        editable=editable,
        attributes=_attributes(table),
    )


def _index(net: Network, table: str, record_id: str) -> int:
    try:
        i = net.index_of(table, record_id)
    except NotFoundError as exc:  # incl. UnknownNodeError, a 422 elsewhere: here a path
        raise NotFoundError(str(exc)) from None
    return i


def _in_latest(store: Store, name: str, table: str, record_id: str) -> bool:
    try:
        _index(store.network(name), table, record_id)
    except NotFoundError:
        return False
    return True


def expected_version(body: int | None, if_match: str | None) -> int:
    """The version an edit is based on: the body's, else the ``If-Match`` header's."""
    if body is not None:
        return body
    tag = (if_match or "").strip().removeprefix("W/").strip('"')
    if tag.isdigit() and 0 < int(tag) < 2**31:
        return int(tag)
    raise RecordError(
        [
            {
                "loc": ["body", "expected_version"],
                "msg": "give the version you edited (expected_version, or an If-Match header)",
                "type": "missing",
            }
        ],
        "no expected_version",
    )


def _field_errors(exc: DataError) -> RecordError:
    items: list[dict[str, object]] = []
    if isinstance(exc, ValidationError):
        items = [
            {
                "loc": ["body", "values", *([f.field] if f.field else [])],
                "msg": f.message,
                "type": f.rule,
            }
            for f in exc.issues
            if isinstance(f, Finding) and f.severity == "error"
        ]
    if not items:
        field = getattr(exc, "field", None)
        msg = str(exc).split(": ", 1)[-1]
        items = [
            {
                "loc": ["body", "values", *([field] if field else [])],
                "msg": msg,
                "type": type(exc).__name__,
            }
        ]
    return RecordError(items, str(exc))


def patch_record(
    store: Store,
    account: Account,
    name: str,
    table: str,
    record_id: str,
    patch: RecordPatch,
    if_match: str | None,
) -> EditOut:
    """Edit one record (see the module docs); returns the new version and the changes.

    One short store transaction: a viewer is refused (403) before the version
    is looked at, and an edit based on an older version goes through unless a
    version since changed the same record (409).
    """
    if not (account.is_admin or account.can_edit):
        raise PermissionDeniedError(
            f"{account.user!r} is a viewer: viewers may not edit network {name!r}"
        )
    expected = expected_version(patch.expected_version, if_match)
    edit = UpdateRecord(table, record_id, dict(patch.values))
    try:
        # parse the latest version (if another process wrote it) before the write lock, so
        # that the transaction itself only meets versions written in the last moments
        store.network(name)
        info, changes = store.edit_record(
            name,
            [edit],
            expected_version=expected,
            by=account,
            message=patch.message,
            allow_no_change=True,
        )
    except NotFoundError as exc:  # incl. UnknownNodeError, a 422 elsewhere: here a path
        raise NotFoundError(str(exc)) from None
    except DataError as exc:
        raise _field_errors(exc) from exc
    return EditOut(
        version=_version(info),
        changes=[
            FieldChangeOut(
                table=c.table,
                record_id=c.record_id,
                field=c.field,
                old_value=c.old,
                new_value=c.new,
            )
            for c in changes
        ],
    )


def _version(info: VersionInfo) -> VersionOut:
    return VersionOut.model_validate(info, from_attributes=True)


def history(store: Store, name: str, table: str, record_id: str) -> RecordHistoryOut:
    """The versions that changed a record, with who, when, why and which fields."""
    latest = store.version(name)
    rec_id = record_id
    entries = [
        a
        for a in store.audit_log(
            object_kind="network", object_name=name, record_id=rec_id, limit=10_000
        )
        if a.table == table and a.version is not None
    ]
    messages = {v.version: v.message for v in store.versions(name)}
    grouped: dict[int, list[Any]] = {}
    for a in entries:
        grouped.setdefault(int(a.version), []).append(a)  # type: ignore[arg-type]
    return RecordHistoryOut(
        network=name,
        table=table,
        id=rec_id,
        latest_version=latest.version,
        entries=[
            HistoryEntryOut(
                version=v,
                at=rows[0].at,
                user=rows[0].user,
                organisation=rows[0].organisation,
                message=messages.get(v),
                changes=[
                    FieldChangeOut(
                        table=table,
                        record_id=rec_id,
                        field=a.field,
                        old_value=a.old_value,
                        new_value=a.new_value,
                    )
                    for a in rows
                ],
            )
            for v, rows in sorted(grouped.items())
        ],
    )


def revert_record(
    store: Store,
    account: Account,
    name: str,
    table: str,
    record_id: str,
    body: RevertIn,
    if_match: str | None,
) -> EditOut:
    """Give a record back the values it had in ``body.to_version``, as a new version."""
    expected = expected_version(body.expected_version, if_match)
    old_net = store.network(name, body.to_version)
    try:
        old = record_to_dict(table, getattr(old_net, table)[old_net.index_of(table, record_id)])
    except NotFoundError:
        raise RecordError(
            [
                {
                    "loc": ["body", "to_version"],
                    "msg": f"{record_id} is not in version {body.to_version} of {name!r}",
                    "type": "not_found",
                }
            ],
            f"{record_id} is not in version {body.to_version}",
        ) from None
    now_net = store.network(name, expected)
    now = record_to_dict(table, getattr(now_net, table)[_index(now_net, table, record_id)])
    values: dict[str, Any] = {k: v for k, v in old.items() if k != "id" and now.get(k) != v}
    values.update({k: None for k in now if k not in old})
    if not values:  # already as it was: no new version
        current = store.version(name)
        if current.version != expected:
            raise ConflictError(
                f"network {name!r} is at version {current.version}, not {expected}: someone "
                "else changed it; reload and revert again",
                expected=expected,
                actual=current.version,
            )
        return EditOut(version=_version(current), changes=[])
    message = f"revert {record_id} to version {body.to_version}"
    if body.message:
        message += f": {body.message}"
    patch = RecordPatch.model_construct(values=values, expected_version=expected, message=message)
    return patch_record(store, account, name, table, record_id, patch, None)


def sources(store: Store, name: str) -> list[SourceOut]:
    """The network's bibliography: the keys figures cite."""
    return [
        SourceOut(key=s.key, title=s.title, publisher=s.publisher, date=s.date, url=s.url)
        for s in store.network(name).sources
    ]
