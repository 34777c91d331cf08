"""Annual freight demand between nodes, and the scenario changes that act on it.

A :class:`DemandTable` holds :class:`DemandRow` records (origin, destination,
commodity, amount per year with its unit) with the same provenance as network
figures: a source key, a year, and estimate/derived flags. Tables are read from
YAML (``meta``, ``sources``, ``demand``) or CSV (one row per line, the same
keys as columns). Demand changes (:class:`ScaleDemand`, :class:`AddDemand`)
return new tables and leave the network alone.

Examples
--------
>>> from corridor_twin.scenarios import ScaleDemand, load_bundled_demand
>>> demand = load_bundled_demand()
>>> tripled = ScaleDemand(corridor="titr", factor=3).apply_demand(demand)
>>> row = tripled.row("titr-containers")
>>> row.amount_per_year, row.unit, demand.row("titr-containers").amount_per_year
(155940.0, 'teu', 51980.0)
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from corridor_twin._files import read_text_file
from corridor_twin._input import csv_rows, finite_float
from corridor_twin.errors import DemandError, NetworkFileError, ScenarioError
from corridor_twin.io.yaml_io import line_of, load_yaml
from corridor_twin.network.model import Network, Provenance, Source
from corridor_twin.network.schema import COMMODITY_UNITS
from corridor_twin.scenarios._base import Cited, check_number, derive, fmt

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEMAND_CHANGE_KINDS",
    "AddDemand",
    "DemandChange",
    "DemandRow",
    "DemandTable",
    "ScaleDemand",
    "check_demand",
    "loads_demand",
    "loads_demand_csv",
    "parse_demand_row",
    "read_demand",
]

_ROW_KEYS = (
    "id",
    "origin",
    "destination",
    "commodity",
    "amount_per_year",
    "unit",
    "corridor",
    "definition",
    "notes",
)
_PROV_KEYS = ("source", "year", "estimate", "derived", "note")


@dataclass(frozen=True, slots=True, kw_only=True)
class DemandRow:
    """Annual demand for one commodity between two nodes.

    Attributes
    ----------
    id
        Unique id within the table.
    origin, destination
        Node ids.
    commodity
        Commodity id (as in the network's ``commodities``).
    amount_per_year
        Amount per year, in ``unit``.
    unit
        One of {t, teu}; should be the commodity's unit.
    corridor
        Label of the corridor the flow is counted in (e.g. ``titr``), for
        scaling by corridor.
    definition
        What the source's figure counts (volumes are reported inconsistently).
    notes
        Free text.
    provenance
        Source, year and estimate/derived flags of the amount.
    """

    id: str
    origin: str
    destination: str
    commodity: str
    amount_per_year: float
    unit: str
    corridor: str | None = None
    definition: str | None = None
    notes: str | None = None
    provenance: Provenance = field(default=Provenance())

    def __post_init__(self) -> None:
        if self.unit not in COMMODITY_UNITS:
            raise DemandError(
                f"demand {self.id!r}: unit must be one of {{{', '.join(COMMODITY_UNITS)}}}, "
                f"got {self.unit!r}",
                field="unit",
            )
        a = self.amount_per_year
        if isinstance(a, bool) or not isinstance(a, (int, float)) or not math.isfinite(a) or a < 0:
            raise DemandError(
                f"demand {self.id!r}: amount_per_year must be a number >= 0, got {a!r}",
                field="amount_per_year",
            )


@dataclass(frozen=True)
class DemandTable:
    """An immutable table of annual demand.

    Parameters
    ----------
    rows
        The demand rows.
    name, year, description
        What the table is; ``year`` is the year it describes.
    sources
        Bibliography the rows cite (keys of the network's sources may be
        cited too).
    origin
        Where it was read from: ``(path, {row id: line})``; not part of equality.
    """

    rows: tuple[DemandRow, ...] = ()
    name: str = "demand"
    year: int | None = None
    description: str | None = None
    sources: tuple[Source, ...] = ()
    origin: tuple[str | None, Mapping[str, int]] | None = field(
        default=None, compare=False, repr=False
    )

    def __repr__(self) -> str:
        return f"<DemandTable {self.name!r}: {len(self.rows)} rows>"

    def row(self, row_id: str) -> DemandRow:
        """The row with this id."""
        for r in self.rows:
            if r.id == row_id:
                return r
        close = difflib.get_close_matches(row_id, [r.id for r in self.rows], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DemandError(f"no demand row {row_id!r}{hint}")

    def line_of(self, row_id: str) -> int | None:
        """Line of a row in the file it was read from."""
        return None if self.origin is None else self.origin[1].get(row_id)

    def select(
        self,
        *,
        commodity: str | None = None,
        corridor: str | None = None,
        origin: str | None = None,
        destination: str | None = None,
    ) -> tuple[DemandRow, ...]:
        """Rows matching every filter given."""
        return tuple(
            r
            for r in self.rows
            if commodity in (None, r.commodity)
            and corridor in (None, r.corridor)
            and origin in (None, r.origin)
            and destination in (None, r.destination)
        )

    def total(self, unit: str, *, t_per_teu: float | None = None) -> float:
        """Sum of the amounts in ``unit`` ({t, teu}); TEU and t convert at ``t_per_teu``.

        Raises
        ------
        DemandError
            If rows in the other unit need converting and ``t_per_teu`` is not given.
        """
        total = 0.0
        for r in self.rows:
            if r.unit == unit:
                total += r.amount_per_year
            elif t_per_teu is None:
                raise DemandError(f"row {r.id!r} is in {r.unit}; give t_per_teu to convert")
            elif unit == "t":
                total += r.amount_per_year * t_per_teu
            else:
                total += r.amount_per_year / t_per_teu
        return total

    def with_rows(self, rows: Iterable[DemandRow], sources: Iterable[Source] = ()) -> DemandTable:
        """A copy with other rows (and extra sources not already listed)."""
        known = {s.key for s in self.sources}
        extra = tuple(s for s in sources if s.key not in known)
        return dataclasses.replace(self, rows=tuple(rows), sources=self.sources + extra)

    def to_frame(self) -> pd.DataFrame:
        """The rows as a tidy table, one row per flow, with provenance columns."""
        import pandas as pd

        cols = [*_ROW_KEYS, *_PROV_KEYS]
        data = [
            [getattr(r, k) for k in _ROW_KEYS] + [getattr(r.provenance, k) for k in _PROV_KEYS]
            for r in self.rows
        ]
        return pd.DataFrame(data, columns=cols)


def check_demand(table: DemandTable, net: Network) -> list[str]:
    """Problems of a demand table against a network (empty if it fits).

    Checks that ids are unique, nodes and commodities exist, each row's unit
    is its commodity's, and cited sources are in the table's or the
    network's bibliography.
    """
    out: list[str] = []
    seen: set[str] = set()
    keys = {s.key for s in table.sources} | {s.key for s in net.sources}
    units = {c.id: c.unit for c in net.commodities}
    path = table.origin[0] if table.origin else None
    for r in table.rows:
        line = table.line_of(r.id)
        where = "" if line is None else (f"{path}:{line}: " if path else f"line {line}: ")
        if r.id in seen:
            out.append(f"{where}demand {r.id!r}: id used twice")
        seen.add(r.id)
        for name in ("origin", "destination"):
            node = getattr(r, name)
            if not net.has("nodes", node):
                hint = net.suggest_nodes(node, 3)
                tip = f"; did you mean {', '.join(hint)}?" if hint else ""
                out.append(f"{where}demand {r.id!r}: unknown {name} node {node!r}{tip}")
        if r.commodity not in units:
            out.append(
                f"{where}demand {r.id!r}: unknown commodity {r.commodity!r}; "
                f"known: {', '.join(sorted(units))}"
            )
        elif units[r.commodity] != r.unit:
            out.append(
                f"{where}demand {r.id!r}: {r.commodity} is counted in "
                f"{units[r.commodity]}, not {r.unit}"
            )
        if r.provenance.source is not None and r.provenance.source not in keys:
            out.append(f"{where}demand {r.id!r}: source {r.provenance.source!r} is not listed")
    return out


# -- reading -----------------------------------------------------------------------
def parse_demand_row(
    raw: Mapping[str, Any],
    *,
    path: str | None = None,
    line: int | None = None,
    key_line: Callable[[str], int | None] | None = None,
) -> DemandRow:
    """Build a :class:`DemandRow` from a mapping of its keys (YAML or CSV).

    Raises
    ------
    DemandError
        Naming the file, line and key of anything wrong.
    """

    def fail(message: str, key: str | None = None) -> DemandError:
        at = key_line(key) if key_line is not None and key is not None else None
        return DemandError(message, path=path, line=at or line, field=key)

    unknown = [str(k) for k in raw if k not in (*_ROW_KEYS, *_PROV_KEYS)]
    if unknown:
        close = difflib.get_close_matches(unknown[0], [*_ROW_KEYS, *_PROV_KEYS], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise fail(f"unknown demand key '{unknown[0]}'{hint}", unknown[0])
    values: dict[str, Any] = {}
    for key in _ROW_KEYS:
        value = raw.get(key)
        if value in (None, ""):
            if key in ("id", "origin", "destination", "commodity", "amount_per_year", "unit"):
                rid = raw.get("id") or "?"
                raise fail(f"demand {rid!r}: missing '{key}'", key)
            continue
        if key == "amount_per_year":
            try:
                value = finite_float(value)
            except ValueError as exc:
                raise fail(f"'{key}' must be a finite number: {exc}", key) from None
        elif isinstance(value, (dict, list)):
            raise fail(f"'{key}' must be text, got {value!r}", key)
        else:
            value = str(value)
        values[key] = value
    prov: dict[str, Any] = {}
    for key in _PROV_KEYS:
        value = raw.get(key)
        if value in (None, ""):
            continue
        if key == "year":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise fail(f"'year' must be a year like 2024, got {value!r}", key) from None
        elif key in ("estimate", "derived"):
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                value = value.lower() in ("true", "1")
            if not isinstance(value, bool):
                raise fail(f"'{key}' must be true or false, got {value!r}", key)
        else:
            value = str(value)
        prov[key] = value
    try:
        return DemandRow(**values, provenance=Provenance(**prov))
    except DemandError as exc:
        raise fail(str(exc), exc.field) from None


def _sources(raw: Any, fail: Callable[[str], DemandError]) -> tuple[Source, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise fail("'sources' must be a mapping of key -> citation")
    out = []
    for key, cite in raw.items():
        if isinstance(cite, str):
            cite = {"title": cite}
        if not isinstance(cite, dict) or "title" not in cite:
            raise fail(f"source '{key}' needs at least a title")
        allowed = {"title", "publisher", "date", "url"}
        bad = [k for k in cite if k not in allowed]
        if bad:
            raise fail(f"source '{key}': unknown attribute '{bad[0]}'")
        out.append(Source(key=str(key), **{str(k): str(v) for k, v in cite.items()}))
    return tuple(out)


def loads_demand(text: str, *, path: str | os.PathLike[str] | None = None) -> DemandTable:
    """Parse a demand table from YAML (or JSON) text.

    The document has ``meta`` (``name``, ``year``, ``description``),
    ``sources`` (key -> citation) and ``demand`` (a list of rows).

    Raises
    ------
    DemandError
        On syntax errors and bad rows, naming the file, line and key.
    """
    spath = None if path is None else str(path)
    try:
        doc = load_yaml(text, path=spath)
    except NetworkFileError as exc:
        err = DemandError(str(exc))  # the message already names the file and line
        err.path, err.line = spath, exc.line
        raise err from None
    if not isinstance(doc, dict):
        raise DemandError("a demand file must be a mapping with 'demand' rows", path=spath, line=1)
    bad = [k for k in doc if k not in ("meta", "sources", "demand")]
    if bad:
        raise DemandError(
            f"unknown key '{bad[0]}'; known: meta, sources, demand",
            path=spath,
            line=line_of(doc, str(bad[0])),
        )
    meta = doc.get("meta") or {}
    if not isinstance(meta, dict) or any(k not in ("name", "year", "description") for k in meta):
        raise DemandError(
            "'meta' must be a mapping of name, year, description",
            path=spath,
            line=line_of(doc, "meta"),
        )
    sources = _sources(
        doc.get("sources"), lambda m: DemandError(m, path=spath, line=line_of(doc, "sources"))
    )
    raw_rows = doc.get("demand") or []
    if not isinstance(raw_rows, list):
        raise DemandError(
            "'demand' must be a list of rows", path=spath, line=line_of(doc, "demand")
        )
    rows, lines = [], {}
    for i, raw in enumerate(raw_rows):
        if not isinstance(raw, dict):
            raise DemandError(f"demand[{i}] must be a mapping", path=spath, line=line_of(raw_rows))
        row = parse_demand_row(
            raw, path=spath, line=line_of(raw), key_line=functools.partial(line_of, raw)
        )
        rows.append(row)
        lines[row.id] = line_of(raw) or 0
    year = meta.get("year")
    return DemandTable(
        rows=tuple(rows),
        name=str(meta.get("name", "demand")),
        year=int(year) if year is not None else None,
        description=meta.get("description"),
        sources=sources,
        origin=(spath, lines),
    )


def loads_demand_csv(text: str, *, path: str | os.PathLike[str] | None = None) -> DemandTable:
    """Parse a demand table from CSV text with a header row of row keys.

    Columns: ``id, origin, destination, commodity, amount_per_year, unit`` and
    optionally ``corridor, definition, notes, source, year, estimate, derived,
    note``. Sources cited must be in the network's bibliography.

    Examples
    --------
    >>> table = loads_demand_csv(
    ...     "id,origin,destination,commodity,amount_per_year,unit,source,year\\n"
    ...     "g1,KZ_KOS,AM_DAL,grain,210000,t,assumption-corridor-twin,2025\\n")
    >>> table.row("g1").amount_per_year
    210000.0
    """
    spath = None if path is None else str(path)
    rows, lines = [], {}
    for line, raw in csv_rows(text, required=("id",), path=spath, error=DemandError):
        row = parse_demand_row(raw, path=spath, line=line)
        rows.append(row)
        lines[row.id] = line
    name = Path(spath).stem if spath else "demand"
    return DemandTable(rows=tuple(rows), name=name, origin=(spath, lines))


def read_demand(path: str | os.PathLike[str]) -> DemandTable:
    """Read a demand table from a ``.yaml``/``.yml``/``.json`` or ``.csv`` file."""
    p, text = read_text_file(path, DemandError)
    if p.suffix.lower() == ".csv":
        return loads_demand_csv(text, path=p)
    return loads_demand(text, path=p)


# -- changes -----------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class DemandChange(Cited):
    """Base of changes that act on a demand table (see :class:`Cited` for the fields)."""

    def apply_demand(
        self, table: DemandTable, *, provenance: Provenance | None = None
    ) -> DemandTable:
        """A new demand table with this change made; ``table`` is left untouched.

        Raises
        ------
        ScenarioError
            If the change matches no row or clashes with the table.
        """
        try:
            return self._apply_demand(table, self.provenance(provenance))
        except ScenarioError as exc:
            raise exc.located(kind=self.kind) from None

    def _apply_demand(self, table: DemandTable, prov: Provenance) -> DemandTable:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class ScaleDemand(DemandChange):
    """Multiply the demand of matching rows by a factor.

    Parameters
    ----------
    factor
        Multiplier, >= 0.
    commodity, corridor, origin, destination
        Filters; a row must match every one given (none: every row).
    """

    kind: ClassVar[str] = "scale_demand"
    factor: float
    commodity: str | None = None
    corridor: str | None = None
    origin: str | None = None
    destination: str | None = None

    def _check(self) -> None:
        self._set("factor", check_number(self.factor, self.kind, "factor"))
        for name in ("commodity", "corridor", "origin", "destination"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ScenarioError(f"'{name}' must be text", kind=self.kind, field=name)

    def _apply_demand(self, table: DemandTable, prov: Provenance) -> DemandTable:
        filters = {
            k: getattr(self, k)
            for k in ("commodity", "corridor", "origin", "destination")
            if getattr(self, k) is not None
        }
        hits = {r.id for r in table.select(**filters)}
        if not hits:
            what = ", ".join(f"{k}={v!r}" for k, v in filters.items())
            first = next(iter(filters), None)
            known = sorted({str(getattr(r, first)) for r in table.rows}) if first else []
            hint = f"; the table has {', '.join(known)}" if known else ""
            raise ScenarioError(
                f"no demand row matches {what}{hint}", field=next(iter(filters), "factor")
            )
        rows = []
        for r in table.rows:
            if r.id in hits:
                how = f"scenario: x{self.factor:g} (was {fmt(r.amount_per_year)} {r.unit})"
                r = dataclasses.replace(
                    r, amount_per_year=r.amount_per_year * self.factor, provenance=derive(prov, how)
                )
            rows.append(r)
        return table.with_rows(rows)


@dataclass(frozen=True, kw_only=True)
class AddDemand(DemandChange):
    """Add demand rows (a new flow, e.g. an export offer).

    Parameters
    ----------
    rows
        The :class:`DemandRow` records; ids must be new. Rows without a source
        of their own cite the change's.
    """

    kind: ClassVar[str] = "add_demand"
    rows: tuple[DemandRow, ...]

    def _check(self) -> None:
        if not isinstance(self.rows, (tuple, list)) or not self.rows:
            raise ScenarioError(
                "'rows' must list at least one demand row", kind=self.kind, field="rows"
            )
        if not all(isinstance(r, DemandRow) for r in self.rows):
            raise ScenarioError("'rows' must be DemandRow records", kind=self.kind, field="rows")
        self._set("rows", tuple(self.rows))

    def _apply_demand(self, table: DemandTable, prov: Provenance) -> DemandTable:
        ids = {r.id for r in table.rows}
        new = []
        for r in self.rows:
            if r.id in ids:
                raise ScenarioError(f"demand row {r.id!r} already exists", field="rows")
            if r.provenance == Provenance():
                r = dataclasses.replace(r, provenance=prov)
            new.append(r)
        return table.with_rows((*table.rows, *new))


DEMAND_CHANGE_KINDS: Mapping[str, type[DemandChange]] = {
    cls.kind: cls for cls in (ScaleDemand, AddDemand)
}
"""Every demand change class by its ``kind``."""
