"""What changed between two networks (or demand tables), record by record.

:func:`network_diff` matches records by id in every table and reports those
added, removed, and changed attribute by attribute with the old and new value
and the new value's source. Record order, provenance-only edits and the
``origin`` of a network do not count as changes.

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.scenarios import SetCapacity, network_diff
>>> net = load_corridor()
>>> new = SetCapacity(table="nodes", ids=("AZ_ALAT",), t_per_year=25e6,
...                   source="assumption-corridor-twin", year=2025).apply(net)
>>> d = network_diff(net, new)
>>> [(c.table, c.id, c.attribute, c.old, c.new) for c in d.changed]
[('nodes', 'AZ_ALAT', 'capacity_t_per_year', 15000000.0, 25000000.0)]
>>> d.to_frame()[["table", "id", "change", "attribute"]].values.tolist()
[['nodes', 'AZ_ALAT', 'changed', 'capacity_t_per_year']]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor_twin.network.model import TABLES, Network, Provenance, Source
from corridor_twin.network.schema import attributes
from corridor_twin.scenarios.demand import DemandRow, DemandTable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AttributeChange", "NetworkDiff", "demand_diff", "network_diff"]

_COLUMNS = ["table", "id", "change", "attribute", "old", "new", "source", "year"]


@dataclass(frozen=True)
class AttributeChange:
    """One attribute of one record that differs.

    Attributes
    ----------
    table, id
        The record.
    attribute
        Attribute name (as in Python: ``from_node``, ``capacity_t_per_year``).
    old, new
        Its value before and after.
    source, year
        Provenance of the new value.
    """

    table: str
    id: str
    attribute: str
    old: Any
    new: Any
    source: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class NetworkDiff:
    """Records added, removed and changed between two networks.

    Attributes
    ----------
    added, removed
        ``(table, id)`` of records only in the new / only in the old network.
    changed
        Every differing attribute of records in both.
    """

    added: tuple[tuple[str, str], ...] = ()
    removed: tuple[tuple[str, str], ...] = ()
    changed: tuple[AttributeChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def __repr__(self) -> str:
        records = len({(c.table, c.id) for c in self.changed})
        return (
            f"<NetworkDiff: {len(self.added)} added, {len(self.removed)} removed, "
            f"{records} changed records ({len(self.changed)} attributes)>"
        )

    def changed_records(self) -> set[tuple[str, str]]:
        """``(table, id)`` of every record with a changed attribute."""
        return {(c.table, c.id) for c in self.changed}

    def to_frame(self) -> pd.DataFrame:
        """One row per added or removed record and per changed attribute.

        Columns: table, id, change (one of {added, removed, changed}),
        attribute, old, new, source, year (provenance of the new value).
        """
        import pandas as pd

        rows: list[list[Any]] = [
            [t, i, "added", None, None, None, None, None] for t, i in self.added
        ]
        rows += [[t, i, "removed", None, None, None, None, None] for t, i in self.removed]
        rows += [
            [c.table, c.id, "changed", c.attribute, c.old, c.new, c.source, c.year]
            for c in self.changed
        ]
        return pd.DataFrame(rows, columns=_COLUMNS).astype({"old": object, "new": object})


def _diff_table(
    table: str,
    old: Iterable[Any],
    new: Iterable[Any],
    names: Sequence[str],
    prov_of: Callable[[Any, str], Provenance],
    key: Callable[[Any], str] = lambda r: str(r.id),
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[AttributeChange]]:
    before = {key(r): r for r in old}
    after = {key(r): r for r in new}
    added = [(table, k) for k in after if k not in before]
    removed = [(table, k) for k in before if k not in after]
    changed = []
    for k, rec in after.items():
        prev = before.get(k)
        if prev is None:
            continue
        for name in names:
            a, b = getattr(prev, name), getattr(rec, name)
            if a != b and not (a != a and b != b):  # NaN == NaN here
                p = prov_of(rec, name)
                changed.append(AttributeChange(table, k, name, a, b, p.source, p.year))
    return added, removed, changed


def network_diff(base: Network, other: Network) -> NetworkDiff:
    """Records added, removed and changed from ``base`` to ``other``.

    Every table is compared by record id, attribute by attribute (the schema's
    attributes; provenance is reported with each new value, not as a change
    of its own), plus the bibliography (``sources``, by key) and ``meta``.
    """
    added: list[tuple[str, str]] = []
    removed: list[tuple[str, str]] = []
    changed: list[AttributeChange] = []
    for table, cls in TABLES.items():
        names = [a.name for a in attributes(cls, table) if a.name != "id"]
        a, r, c = _diff_table(
            table,
            getattr(base, table),
            getattr(other, table),
            names,
            lambda rec, name: rec.provenance_of(name),
        )
        added += a
        removed += r
        changed += c
    source_fields = [f.name for f in dataclasses.fields(Source) if f.name != "key"]
    a, r, c = _diff_table(
        "sources",
        base.sources,
        other.sources,
        source_fields,
        lambda rec, name: Provenance(),
        key=lambda s: str(s.key),
    )
    added += a
    removed += r
    changed += c
    for f in dataclasses.fields(base.meta):
        old, new = getattr(base.meta, f.name), getattr(other.meta, f.name)
        if old != new:
            changed.append(AttributeChange("meta", "meta", f.name, old, new))
    return NetworkDiff(tuple(added), tuple(removed), tuple(changed))


def demand_diff(base: DemandTable, other: DemandTable) -> NetworkDiff:
    """Rows added, removed and changed between two demand tables (table ``demand``).

    Examples
    --------
    >>> from corridor_twin.scenarios import ScaleDemand, load_bundled_demand
    >>> table = load_bundled_demand()
    >>> d = demand_diff(table, ScaleDemand(commodity="crude_oil", factor=2).apply_demand(table))
    >>> [(c.id, c.attribute, c.old, c.new) for c in d.changed]
    [('titr-crude-btc', 'amount_per_year', 1400000.0, 2800000.0)]
    """
    names = [f.name for f in dataclasses.fields(DemandRow) if f.name not in ("id", "provenance")]
    a, r, c = _diff_table("demand", base.rows, other.rows, names, lambda rec, name: rec.provenance)
    return NetworkDiff(tuple(a), tuple(r), tuple(c))
