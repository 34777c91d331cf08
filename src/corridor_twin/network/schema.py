"""The one schema: every attribute of every table, with dtype, unit and default.

Record classes in :mod:`corridor_twin.network.records` declare their fields
with :func:`attr`; this module turns those declarations into
:class:`Attribute` rows. Validation (:mod:`~corridor_twin.network.validate`),
the YAML format (:mod:`~corridor_twin.io.yaml_io`) and the documentation table
(:func:`corridor_twin.network.records.describe`) all read the schema from here,
so an attribute is declared exactly once. This module imports nothing of the
package: everything else builds on it.

Examples
--------
>>> from corridor_twin.network.records import Link
>>> length = next(a for a in attributes(Link, "links") if a.name == "length_km")
>>> (length.unit, length.required)
('km', True)
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass
from typing import Any, Literal

__all__ = [
    "COMMODITY_UNITS",
    "DIRECTIONS",
    "ENERGIES",
    "MODES",
    "NODE_KINDS",
    "RESTRICTION_SCOPES",
    "STATUSES",
    "TRANSFER_METHODS",
    "Attribute",
    "Mode",
    "attr",
    "attributes",
]

NODE_KINDS = (
    "city",
    "rail_terminal",
    "seaport",
    "border_crossing",
    "gauge_change",
    "pipeline_terminal",
    "junction",
)
Mode = Literal["rail", "road", "ferry", "sea", "pipeline"]
"""A transport mode: the static type of :data:`MODES`' members (API schemas use it)."""
MODES: tuple[str, ...] = typing.get_args(Mode)
"""Transport modes, in the order compiled arrays index them."""
STATUSES = ("open", "closed", "planned")
TRANSFER_METHODS = ("transship", "bogie_exchange", "transloading", "roll_on_roll_off", "pumping")
DIRECTIONS = ("entry", "exit")
RESTRICTION_SCOPES = ("node", "link", "country")
COMMODITY_UNITS = ("teu", "t")
ENERGIES = ("any", "electric", "diesel", "hfo", "mgo", "lng", "none")
ID_KEYS = {"modes": "mode"}
"""Tables whose record id is written under another key in files."""


@dataclass(frozen=True)
class Attribute:
    """One declared attribute of a table.

    Attributes
    ----------
    table
        Table name as in the network file (``nodes``, ``links``, ...).
    name
        Attribute name in Python and in the file (``from``/``to`` in files for
        ``from_node``/``to_node``).
    dtype
        One of {str, float, int, bool, list[str]}.
    unit
        Physical or money unit, or ``None`` for unitless attributes.
    default
        Default value; ``None`` means "not given".
    required
        Whether a record must give it.
    description
        What it means.
    allowed
        Allowed values, or ``None`` for any.
    minimum, maximum
        Inclusive numeric bounds, or ``None``.
    figure
        Whether it is a sourced figure (needs a source and year in strict
        validation).
    file_name
        Name used in files, if it differs from ``name``.
    """

    table: str
    name: str
    dtype: str
    unit: str | None
    default: Any
    required: bool
    description: str
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    figure: bool = False
    file_name: str | None = None

    @property
    def key(self) -> str:
        """Name of the attribute in network files."""
        return self.file_name or self.name


def attr(
    *,
    description: str,
    unit: str | None = None,
    default: Any = MISSING,
    allowed: tuple[str, ...] | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    figure: bool = False,
    file_name: str | None = None,
) -> Any:
    """Declare a record field with its schema metadata.

    A field declared without ``default`` is required.
    """
    meta = {
        "description": description,
        "unit": unit,
        "allowed": allowed,
        "minimum": minimum,
        "maximum": maximum,
        "figure": figure,
        "file_name": file_name,
    }
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple or None as default")
    return dataclasses.field(default=default, metadata=meta)


_DTYPE_NAMES: Mapping[Any, str] = {str: "str", float: "float", int: "int", bool: "bool"}


def _dtype_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _dtype_name(args[0])
    if origin is tuple:
        return "list[str]"
    return _DTYPE_NAMES.get(tp, "str")


_ATTRIBUTES: dict[tuple[type, str], tuple[Attribute, ...]] = {}


def attributes(cls: type, table: str) -> tuple[Attribute, ...]:
    """Schema rows of a record class declared with :func:`attr`.

    Memoised: record classes do not change at run time, and file reading and
    writing ask for every record (resolving type hints is slow).
    """
    found = _ATTRIBUTES.get((cls, table))
    if found is None:
        found = _ATTRIBUTES[(cls, table)] = _attributes(cls, table)
    return found


def _attributes(cls: type, table: str) -> tuple[Attribute, ...]:
    hints = typing.get_type_hints(cls)
    rows = []
    for f in dataclasses.fields(cls):
        if "description" not in f.metadata:
            continue
        m = f.metadata
        default = None if f.default is MISSING else f.default
        rows.append(
            Attribute(
                table=table,
                name=f.name,
                dtype=_dtype_name(hints[f.name]),
                unit=m["unit"],
                default=default,
                required=f.default is MISSING,
                description=m["description"],
                allowed=m["allowed"],
                minimum=m["minimum"],
                maximum=m["maximum"],
                figure=m["figure"],
                file_name=ID_KEYS.get(table) if f.name == "id" else m["file_name"],
            )
        )
    return tuple(rows)
