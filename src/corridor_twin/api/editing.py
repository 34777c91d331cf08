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
from corridor_twin.api.schemas.store import (
    AttributeOut,
    EditOut,
    FieldChangeOut,
    RecordOut,
    RecordPatch,
    VersionOut,
)
from corridor_twin.errors import DataError, NotFoundError, PermissionDeniedError, ValidationError
from corridor_twin.io.yaml_io import record_to_dict
from corridor_twin.network.model import TABLES
from corridor_twin.network.schema import attributes
from corridor_twin.network.validate import Finding
from corridor_twin.store import Principal as Account
from corridor_twin.store import Store, UpdateRecord

__all__ = ["expected_version", "patch_record", "record"]


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


def expected_version(body: int | None, if_match: str | None) -> int:
    """The version an edit is based on: the body's, else the ``If-Match`` header's."""
    if body is not None:
        return body
    tag = (if_match or "").strip().removeprefix("W/").strip('"')
    if tag.isdigit() and 0 < int(tag) < 2**31:
        return int(tag)
    raise RecordError(
        [{
            "loc": ["body", "expected_version"],
            "msg": "give the version you edited (expected_version, or an If-Match header)",
            "type": "missing",
        }],
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
        items = [{"loc": ["body", "values", *([field] if field else [])], "msg": msg,
                  "type": type(exc).__name__}]
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
            name, [edit], expected_version=expected, by=account, message=patch.message,
            allow_no_change=True,
        )
    except NotFoundError as exc:  # incl. UnknownNodeError, a 422 elsewhere: here a path
        raise NotFoundError(str(exc)) from None
    except DataError as exc:
        raise _field_errors(exc) from exc
    return EditOut(
        version=_version(info),
        changes=[
            FieldChangeOut(table=c.table, record_id=c.record_id, field=c.field,
                           old_value=c.old, new_value=c.new)
            for c in changes
        ],
    )


def _version(info: Any) -> VersionOut:
    return VersionOut.model_validate(info, from_attributes=True)
