"""Base classes and helpers shared by every scenario change.

A change is a frozen dataclass with a ``kind`` (its name in scenario files)
and a pure ``apply`` method. Field checks run when the change is built, so a
bad value (a negative factor, an unknown table) fails before any network is
touched, with a :class:`~corridor_twin.errors.ScenarioError` naming the kind
and the field.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from corridor_twin._input import finite_float, safe_text
from corridor_twin.errors import NotFoundError, OptionError, ScenarioError
from corridor_twin.network.model import TABLES, Network, Provenance
from corridor_twin.network.schema import attributes

__all__ = ["EVENT_MODES", "WEEKS_PER_YEAR", "Change", "Cited", "Event"]

EVENT_MODES = ("annual", "during")
"""How an event (a change with a time window) is applied: {annual, during}."""

WEEKS_PER_YEAR = 52
"""A year counts 52 weeks when an event's window is turned into a share of it."""


def singular(table: str) -> str:
    """``links`` -> ``link`` (for messages)."""
    return table[:-1] if table.endswith("s") else table


def fmt(value: float) -> str:
    """A number for notes and messages: ``5000000.0`` -> ``5,000,000``."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


def check_table(table: object, kind: str, allowed: Iterable[str], field: str = "table") -> str:
    """Raise unless ``table`` is one of ``allowed``."""
    choices = tuple(allowed)
    if not isinstance(table, str) or table not in choices:
        close = difflib.get_close_matches(str(table), choices, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ScenarioError(
            f"{table!r} is not a table this change applies to; {hint}"
            f"allowed: {{{', '.join(choices)}}}",
            kind=kind,
            field=field,
        )
    return table


def as_ids(
    value: object, kind: str, field: str = "ids", *, required: bool = True
) -> tuple[str, ...]:
    """An id or a list of ids, as a tuple."""
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(
            f"'{field}' must be an id or a list of ids, got {value!r}", kind=kind, field=field
        )
    if required and not value:
        raise ScenarioError(f"'{field}' names no record", kind=kind, field=field)
    return tuple(value)


def check_number(
    value: object,
    kind: str,
    field: str,
    *,
    positive: bool = False,
    maximum: float | None = None,
    optional: bool = False,
) -> float | None:
    """Raise unless ``value`` is a finite number >= 0 (> 0 if ``positive``)."""
    if value is None and optional:
        return None
    if isinstance(value, str):
        # YAML 1.1 reads 1e7 (no dot, no sign) as text; accept numbers written so.
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = safe_text(repr(value), 60)
        raise ScenarioError(f"'{field}' must be a number, got {shown}", kind=kind, field=field)
    try:
        value = finite_float(value) if isinstance(value, int) else value
    except ValueError as exc:
        raise ScenarioError(f"'{field}' must be a number: {exc}", kind=kind, field=field) from None
    if not math.isfinite(value):
        raise ScenarioError(
            f"'{field}' must be a finite number, got {value!r}", kind=kind, field=field
        )
    if value < 0 or (positive and value == 0):
        need = "positive" if positive else "zero or positive"
        hint = "; to shut something, close it instead" if positive else ""
        raise ScenarioError(
            f"'{field}' must be {need}, got {value!r}{hint}", kind=kind, field=field
        )
    if maximum is not None and value > maximum:
        raise ScenarioError(
            f"'{field}' must be at most {maximum:g}, got {value!r}", kind=kind, field=field
        )
    return float(value)


def suggest(net: Network, table: str, record_id: str) -> str:
    """A "; did you mean ...?" hint for an unknown id ('' if nothing is close)."""
    if table == "nodes":
        names = net.suggest_nodes(record_id, 3)
    else:
        ids = [r.id for r in getattr(net, table)]
        names = difflib.get_close_matches(record_id, ids, n=3, cutoff=0.6)
        names += [i for i in ids if record_id.casefold() in i.casefold() and i not in names]
        names = [repr(n) for n in names[:3]]
    return f"; did you mean {', '.join(names)}?" if names else ""


def require(net: Network, table: str, ids: Iterable[str], kind: str, field: str = "ids") -> None:
    """Raise naming the first id ``table`` lacks, with "did you mean"."""
    for rid in ids:
        if not net.has(table, rid):
            raise ScenarioError(
                f"unknown {singular(table)} {rid!r}{suggest(net, table, rid)}",
                kind=kind,
                field=field,
            )


_FIGURES: dict[str, frozenset[str]] = {}


def figures(table: str) -> frozenset[str]:
    """Names of the sourced figures of a table."""
    names = _FIGURES.get(table)
    if names is None:
        names = frozenset(a.name for a in attributes(TABLES[table], table) if a.figure)
        _FIGURES[table] = names
    return names


def stamp(table: str, rec: Any, values: Mapping[str, Any], prov: Provenance) -> Any:
    """A copy of ``rec`` with ``values`` set; each figure among them cites ``prov``.

    A figure set to ``None`` loses its own provenance too.
    """
    figs = figures(table)
    own = dict(rec.figure_provenance)
    for name, value in values.items():
        if name not in figs:
            continue
        if value is None:
            own.pop(name, None)
        else:
            own[name] = prov
    return dataclasses.replace(rec, **values, figure_provenance=tuple(own.items()))


def derive(prov: Provenance, how: str) -> Provenance:
    """``prov`` marked as derived, with ``how`` added to its note."""
    note = f"{prov.note}; {how}" if prov.note else how
    return dataclasses.replace(prov, derived=True, note=note)


def update(
    net: Network, table: str, rid: str, values: Mapping[str, Any], prov: Provenance
) -> Network:
    """``net`` with one record's values set (figures citing ``prov``)."""
    records = list(getattr(net, table))
    i = net.index_of(table, rid)
    records[i] = stamp(table, records[i], values, prov)
    return net.replace(**{table: tuple(records)})


@dataclass(frozen=True, kw_only=True)
class Cited:
    """Fields every change has: the provenance of the figures it sets.

    Parameters
    ----------
    source
        Key of the source the changed figures cite (default: the scenario's).
    year
        Year the changed figures refer to (default: the scenario's).
    estimate
        True when the new figures are the modellers' estimate.
    note
        How the figures were obtained; kept in their provenance.
    """

    kind: ClassVar[str] = ""
    source: str | None = None
    year: int | None = None
    estimate: bool = False
    note: str | None = None

    def __post_init__(self) -> None:
        if self.source is not None and not isinstance(self.source, str):
            raise ScenarioError("'source' must be a source key", kind=self.kind, field="source")
        if self.year is not None and (
            isinstance(self.year, bool) or not isinstance(self.year, int)
        ):
            raise ScenarioError(
                f"'year' must be a year like 2025, got {self.year!r}", kind=self.kind, field="year"
            )
        if not isinstance(self.estimate, bool):
            raise ScenarioError(
                f"'estimate' must be true or false, got {self.estimate!r}",
                kind=self.kind,
                field="estimate",
            )
        if self.note is not None and not isinstance(self.note, str):
            raise ScenarioError("'note' must be text", kind=self.kind, field="note")
        self._check()

    def _check(self) -> None:
        """Check and normalise fields; raise :class:`ScenarioError` on bad values."""

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def provenance(self, default: Provenance | None = None) -> Provenance:
        """Provenance of the figures this change sets.

        The change's own ``source``, ``year`` and ``note`` win over
        ``default`` (the scenario's).
        """
        base = default or Provenance()
        return Provenance(
            source=self.source if self.source is not None else base.source,
            year=self.year if self.year is not None else base.year,
            estimate=self.estimate or base.estimate,
            note=self.note,
        )


@dataclass(frozen=True, kw_only=True)
class Change(Cited):
    """Base of the typed network changes (see :class:`Cited` for the common fields)."""

    def apply(
        self, net: Network, *, provenance: Provenance | None = None, events: str = "annual"
    ) -> Network:
        """A new network with this change made; ``net`` is left untouched.

        Parameters
        ----------
        net
            The network to change.
        provenance
            Default source and year of the changed figures (a scenario passes
            its own); the change's ``source`` and ``year`` override it.
        events
            How a change with a time window acts, one of {annual, during}:
            ``annual`` averages it over a year of :data:`WEEKS_PER_YEAR`
            weeks, ``during`` gives the network while the event lasts.
            Changes without a window ignore it.

        Raises
        ------
        ScenarioError
            If the change names records the network lacks or cannot act on
            them; the message names the kind and the field.
        """
        if events not in EVENT_MODES:
            raise OptionError(f"events must be one of {{{', '.join(EVENT_MODES)}}}, got {events!r}")
        try:
            return self._apply(net, self.provenance(provenance), events)
        except ScenarioError as exc:
            raise exc.located(kind=self.kind) from exc.__cause__
        except NotFoundError as exc:
            raise ScenarioError(str(exc), kind=self.kind) from exc

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Event(Change):
    """A change that may last only a while (a storm, a slowdown).

    Parameters
    ----------
    start, end
        The window, ``end`` excluded (the day things are back to normal):
        ``start=2026-01-12, end=2026-01-19`` is one week. Both or neither;
        without a window the change is permanent.

    Notes
    -----
    Annual analyses see a windowed change averaged over the year: its share
    of the year is the window's length over 52 weeks, so a week-long closure
    keeps (52 - 1)/52 of the annual capacity. Apply with ``events="during"``
    for the network as it is while the event lasts; a simulation can read the
    window itself.
    """

    start: datetime.date | None = None
    end: datetime.date | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, str):
                try:
                    value = datetime.date.fromisoformat(value)
                except ValueError:
                    raise ScenarioError(
                        f"'{name}' must be a date like 2026-01-12, got {value!r}",
                        kind=self.kind,
                        field=name,
                    ) from None
                self._set(name, value)
            elif isinstance(value, datetime.datetime):
                self._set(name, value.date())
            elif value is not None and not isinstance(value, datetime.date):
                raise ScenarioError(
                    f"'{name}' must be a date like 2026-01-12, got {value!r}",
                    kind=self.kind,
                    field=name,
                )
        if (self.start is None) != (self.end is None):
            raise ScenarioError(
                "give both 'start' and 'end' for an event, or neither for a permanent change",
                kind=self.kind,
                field="end" if self.end is None else "start",
            )
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ScenarioError(
                f"'end' ({self.end}) must come after 'start' ({self.start})",
                kind=self.kind,
                field="end",
            )
        super().__post_init__()

    @property
    def is_event(self) -> bool:
        """Whether the change has a time window."""
        return self.start is not None

    @property
    def share_of_year(self) -> float:
        """Share of a 52-week year the window covers (1 without a window).

        Examples
        --------
        >>> from corridor_twin.scenarios import CloseLink
        >>> week = CloseLink(ids=("X",), start="2026-01-12", end="2026-01-19")
        >>> round(week.share_of_year * 52, 6)
        1.0
        """
        if self.start is None or self.end is None:
            return 1.0
        return min((self.end - self.start).days / (7.0 * WEEKS_PER_YEAR), 1.0)

    def window_text(self) -> str:
        """The window for notes, e.g. ``2026-01-12 to 2026-01-19 (1 of 52 weeks)``."""
        weeks = self.share_of_year * WEEKS_PER_YEAR
        return f"{self.start} to {self.end} ({weeks:.3g} of {WEEKS_PER_YEAR} weeks)"

    def annual_factor(self, factor: float, events: str) -> float:
        """Factor that acts on an annual figure for a change of ``factor`` in the window."""
        if events == "during" or not self.is_event:
            return factor
        s = self.share_of_year
        return 1.0 - s + factor * s
