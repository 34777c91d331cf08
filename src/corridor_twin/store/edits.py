"""Record-level edits to a stored network, as data.

An edit is a list of :data:`RecordEdit`: :class:`UpdateRecord`,
:class:`InsertRecord` or :class:`DeleteRecord`. Values are given in the
network file form (``from``/``to`` for link ends, a mapping
``{value, source, year, ...}`` for a figure with its own provenance; the
Python attribute names ``from_node``/``to_node`` are accepted too), so they
travel as plain JSON through the REST API. A value of ``None`` resets an
attribute to its default. Each record is rebuilt through the file parser, so
types are coerced and bad values are reported with the table, record and
field.

:func:`apply_edits` is pure: it returns the new network and the field-level
changes (the audit trail), or raises before anything is stored.

Examples
--------
>>> from corridor_twin.network.model import Link, Network, Node
>>> net = Network(
...     nodes=(Node(id="A", name="A", kind="city", country="KZ", lat=43.0, lon=77.0),
...            Node(id="B", name="B", kind="city", country="KZ", lat=44.0, lon=78.0)),
...     links=(Link(id="A-B", from_node="A", to_node="B", mode="road", length_km=140.0),),
... )
>>> new, changes = apply_edits(net, [UpdateRecord("links", "A-B", {"length_km": 150})])
>>> new.link("A-B").length_km, [(c.field, c.old, c.new) for c in changes]
(150.0, [('length_km', 140, 150)])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from corridor_twin.errors import DataError, NetworkFileError
from corridor_twin.io.yaml_io import parse_record, record_to_dict
from corridor_twin.network.model import TABLES, Network
from corridor_twin.network.schema import attributes

__all__ = [
    "DeleteRecord",
    "FieldChange",
    "InsertRecord",
    "RecordEdit",
    "UpdateRecord",
    "apply_edits",
    "edit_from_dict",
]


@dataclass(frozen=True)
class UpdateRecord:
    """Change some attributes of one record (``values`` in file form)."""

    table: str
    record_id: str
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class InsertRecord:
    """Add one record, given whole in file form (as in a network file)."""

    table: str
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class DeleteRecord:
    """Remove one record."""

    table: str
    record_id: str


RecordEdit = UpdateRecord | InsertRecord | DeleteRecord


@dataclass(frozen=True)
class FieldChange:
    """One audited change.

    ``action`` is one of {update, insert, delete}; for updates ``field``
    names the attribute (file form) and ``old``/``new`` its file-form values
    (``None`` = not set); for inserts and deletes ``field`` is ``None`` and
    ``new``/``old`` hold the whole record.
    """

    action: str
    table: str
    record_id: str
    field: str | None
    old: Any
    new: Any
    old_record: Any = dataclasses.field(default=None, compare=False, repr=False)
    new_record: Any = dataclasses.field(default=None, compare=False, repr=False)


def edit_from_dict(raw: Mapping[str, Any]) -> RecordEdit:
    """An edit from its JSON form ``{"op": update|insert|delete, "table", "id", "values"}``.

    Examples
    --------
    >>> edit_from_dict({"op": "update", "table": "links", "id": "A-B", "values": {"x": 1}})
    UpdateRecord(table='links', record_id='A-B', values={'x': 1})
    """
    op = raw.get("op")
    table = raw.get("table")
    if not isinstance(table, str):
        raise DataError("an edit needs a 'table'")
    values = raw.get("values") or {}
    if not isinstance(values, Mapping):
        raise DataError("an edit's 'values' must be a mapping")
    if op == "insert":
        return InsertRecord(table, dict(values))
    rid = raw.get("id")
    if not isinstance(rid, str):
        raise DataError(f"a {op!r} edit needs a record 'id'")
    if op == "update":
        return UpdateRecord(table, rid, dict(values))
    if op == "delete":
        return DeleteRecord(table, rid)
    raise DataError(f"edit 'op' must be one of {{update, insert, delete}}, got {op!r}")


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise DataError(f"unknown table {table!r}; known: {', '.join(TABLES)}")


def _keys(table: str) -> tuple[dict[str, str], str]:
    """Map of attribute name -> file key, and the file key of the id."""
    names = {a.name: a.key for a in attributes(TABLES[table], table)}
    return names, names["id"]


def _set(records: tuple[Any, ...], i: int, rec: Any) -> tuple[Any, ...]:
    return (*records[:i], rec, *records[i + 1 :])


def _update(net: Network, edit: UpdateRecord) -> tuple[Network, list[FieldChange]]:
    names, id_key = _keys(edit.table)
    i = net.index_of(edit.table, edit.record_id)
    old_rec = getattr(net, edit.table)[i]
    old = record_to_dict(edit.table, old_rec)
    merged = dict(old)
    for key, value in edit.values.items():
        k = names.get(key, key)
        if k == id_key:
            if value != edit.record_id:
                raise DataError(
                    f"{edit.table} {edit.record_id!r}: an id cannot change; "
                    "delete the record and insert a new one"
                )
            continue
        if value is None:
            merged.pop(k, None)
        else:
            merged[k] = value
    where = f"<edit {edit.table} {edit.record_id}>"
    new_rec = parse_record(edit.table, merged, path=where)
    new = record_to_dict(edit.table, new_rec)
    changes = [
        FieldChange(
            "update", edit.table, edit.record_id, k, old.get(k), new.get(k), old_rec, new_rec
        )
        for k in dict.fromkeys([*old, *new])
        if old.get(k) != new.get(k)
    ]
    return net.replace(**{edit.table: _set(getattr(net, edit.table), i, new_rec)}), changes


def apply_edits(net: Network, edits: Iterable[RecordEdit]) -> tuple[Network, list[FieldChange]]:
    """Make ``edits`` on ``net`` in order; return the new network and what changed.

    Raises
    ------
    DataError
        For an unknown table, a duplicate id on insert, or an id change.
    NetworkFileError
        For an attribute value the file parser rejects (type, unknown key).
    NotFoundError
        For an update or delete of a record that does not exist.
    """
    changes: list[FieldChange] = []
    for edit in edits:
        _check_table(edit.table)
        if isinstance(edit, UpdateRecord):
            net, found = _update(net, edit)
            changes += found
        elif isinstance(edit, InsertRecord):
            rec = parse_record(edit.table, dict(edit.values), path=f"<insert {edit.table}>")
            if net.has(edit.table, rec.id):
                raise DataError(f"{edit.table} {rec.id!r} already exists; update it instead")
            net = net.add(edit.table, [rec])
            body = record_to_dict(edit.table, rec)
            changes.append(FieldChange("insert", edit.table, rec.id, None, None, body, None, rec))
        elif isinstance(edit, DeleteRecord):
            old_rec = getattr(net, edit.table)[net.index_of(edit.table, edit.record_id)]
            body = record_to_dict(edit.table, old_rec)
            net = net.remove(edit.table, [edit.record_id])
            changes.append(
                FieldChange("delete", edit.table, edit.record_id, None, body, None, old_rec, None)
            )
        else:  # pragma: no cover - guarded by the type
            raise NetworkFileError(f"not an edit: {edit!r}")
    return net, changes
