"""Scenarios: a name, a base network, a citation and a list of typed changes.

:func:`apply_scenario` makes the changes one by one on a base network and
validates after each, so a change that breaks the network is named in the
error; :func:`apply_demand` does the same for the demand changes on a demand
table. Both are pure: they return new objects.

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.scenarios import Scenario, ScaleCapacity, apply_scenario
>>> btk = Scenario(
...     name="btk-x2",
...     description="Double the Georgian BTK section",
...     changes=(ScaleCapacity(table="links", ids=("GE_MAR-GE_AKH",), factor=2.0),),
...     source="trend-2024-05-06",
...     year=2024,
... )
>>> net = apply_scenario(load_corridor(), btk)
>>> net.link("GE_MAR-GE_AKH").capacity_t_per_year
10000000.0
>>> net.link("GE_MAR-GE_AKH").provenance_of("capacity_t_per_year").derived
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from corridor_twin.errors import ScenarioError
from corridor_twin.network.model import Network, Provenance, Source
from corridor_twin.network.validate import Finding, validate
from corridor_twin.scenarios._base import Change, Cited
from corridor_twin.scenarios.demand import AddDemand, DemandChange, DemandTable

__all__ = ["Scenario", "ScenarioOrigin", "apply_demand", "apply_scenario"]


@dataclass(frozen=True)
class ScenarioOrigin:
    """Where a scenario was read from, to point errors at the file.

    Attributes
    ----------
    path
        The file, if any.
    line
        Line of the scenario document (1).
    lines
        Line of each change's item and fields: keys ``(list, index, field)``
        with ``list`` one of {changes, demand_changes} and ``field`` ``None``
        for the item itself; top-level keys as ``("", 0, key)``.
    """

    path: str | None
    line: int | None = 1
    lines: Mapping[tuple[str, int, str | None], int] = field(default_factory=dict)

    def line_of(self, demand: bool, index: int | None, key: str | None = None) -> int | None:
        """Line of a change's field (else of the change; else of the document)."""
        if index is None:
            return self.lines.get(("", 0, key)) if key is not None else self.line
        lst = "demand_changes" if demand else "changes"
        if key is not None and (lst, index, key) in self.lines:
            return self.lines[(lst, index, key)]
        return self.lines.get((lst, index, None), self.line)


@dataclass(frozen=True)
class Scenario:
    """A named what-if: typed changes to a base network (and its demand).

    Parameters
    ----------
    name
        Short unique name (file names of bundled scenarios).
    description
        What the scenario represents and why.
    base
        The network it applies to: ``titr`` (the bundled corridor) or a path.
    changes
        Network changes, applied in order.
    source
        Key of the source the changed figures cite, unless a change gives its
        own; it must be in ``sources`` or the base network's bibliography.
    year
        The year the scenario's figures refer to.
    demand_changes
        Changes to a demand table, applied in order by :func:`apply_demand`.
    sources
        Citations the scenario brings; added to the result's bibliography.
    origin
        Where it was read from (not part of equality).
    """

    name: str
    description: str = ""
    base: str = "titr"
    changes: tuple[Change, ...] = ()
    source: str | None = None
    year: int | None = None
    demand_changes: tuple[DemandChange, ...] = ()
    sources: tuple[Source, ...] = ()
    origin: ScenarioOrigin | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ScenarioError("a scenario needs a non-empty 'name'", field="name")
        for attr, cls in (("changes", Change), ("demand_changes", DemandChange)):
            items = tuple(getattr(self, attr))
            object.__setattr__(self, attr, items)
            for i, ch in enumerate(items):
                if not isinstance(ch, cls):
                    raise ScenarioError(
                        f"{attr}[{i}] is a {type(ch).__name__}, not a {cls.__name__}",
                        scenario=self.name,
                    )
        object.__setattr__(self, "sources", tuple(self.sources))

    def __repr__(self) -> str:
        extra = f", {len(self.demand_changes)} demand changes" if self.demand_changes else ""
        return f"<Scenario {self.name!r}: {len(self.changes)} changes{extra}>"

    def provenance(self) -> Provenance:
        """Default provenance of the figures the scenario sets."""
        return Provenance(source=self.source, year=self.year)

    def locate(
        self, exc: ScenarioError, index: int | None = None, *, demand: bool = False
    ) -> ScenarioError:
        """``exc`` with this scenario, the change index and the file line filled in."""
        line = path = None
        if self.origin is not None:
            path = self.origin.path
            line = self.origin.line_of(demand, index, exc.field)
        kinds = self.demand_changes if demand else self.changes
        kind = kinds[index].kind if index is not None and index < len(kinds) else None
        return exc.located(
            scenario=self.name, change=index, kind=kind, path=path, line=line, demand=demand
        )

    def cited(self) -> list[tuple[int | None, bool, str]]:
        """``(change index or None, is demand change, source key)`` of every citation."""
        out: list[tuple[int | None, bool, str]] = []
        if self.source is not None:
            out.append((None, False, self.source))
        for demand, items in ((False, self.changes), (True, self.demand_changes)):
            for i, ch in enumerate(items):
                keys = [ch.source, *_record_sources(ch)]
                out += [(i, demand, k) for k in keys if k is not None]
        return out


def _record_sources(ch: Cited) -> list[str | None]:
    if isinstance(ch, AddDemand):
        return [r.provenance.source for r in ch.rows]
    return []


def _with_sources(existing: tuple[Source, ...], extra: Iterable[Source]) -> tuple[Source, ...]:
    known = {s.key for s in existing}
    return existing + tuple(s for s in extra if s.key not in known)


def _check_cited(scenario: Scenario, keys: set[str], *, demand: bool) -> None:
    items = scenario.demand_changes if demand else scenario.changes
    for index, is_demand, key in scenario.cited():
        if key in keys or is_demand != demand or (index is None and not items):
            continue
        own = index is None or items[index].source == key
        raise scenario.locate(
            ScenarioError(
                f"source {key!r} is neither in the scenario's 'sources' nor in the "
                f"{'demand table' if demand else 'base network'}'s bibliography; "
                "add it to the scenario's 'sources'",
                field="source" if own else "rows",
            ),
            index,
            demand=demand,
        )


def _describe(f: Finding) -> str:
    # A finding on a record the scenario added has no line; don't point at the base file.
    where = f"{f.path}:{f.line}: " if f.line is not None and f.path else ""
    fld = f" field '{f.field}'" if f.field else ""
    return f"{where}{f.table} '{f.record_id}'{fld}: {f.message} [{f.rule}]"


def _key(f: Finding) -> tuple[str, str, str, str | None, str]:
    return (f.rule, f.table, f.record_id, f.field, f.message)


def apply_scenario(
    net: Network, scenario: Scenario, *, events: str = "annual", check: bool = True
) -> Network:
    """The network with a scenario's changes made (``net`` is left untouched).

    Parameters
    ----------
    net
        The base network.
    scenario
        The scenario; its ``demand_changes`` are not applied here (see
        :func:`apply_demand`).
    events
        How changes with a time window act, one of {annual, during}; see
        :class:`~corridor_twin.scenarios.Event`.
    check
        Validate after each change. Only errors the base network did not
        already have count.

    Returns
    -------
    Network
        The changed network; the scenario's sources are added to its
        bibliography and its name becomes ``"<base name>+<scenario name>"``.

    Raises
    ------
    ScenarioError
        If a change names a record the network lacks, cannot act on it, cites
        an unknown source, or makes the network invalid. The message names
        the scenario, the change (index and kind) and, for a scenario read
        from a file, the file and line.
    """
    cur = net.replace(sources=_with_sources(net.sources, scenario.sources))
    _check_cited(scenario, {s.key for s in cur.sources}, demand=False)
    known = {_key(f) for f in validate(cur).errors} if check else set()
    default = scenario.provenance()
    for i, change in enumerate(scenario.changes):
        try:
            nxt = change.apply(cur, provenance=default, events=events)
        except ScenarioError as exc:
            raise scenario.locate(exc, i) from exc.__cause__
        if check:
            new = [f for f in validate(nxt).errors if _key(f) not in known]
            if new:
                more = f" (and {len(new) - 1} more)" if len(new) > 1 else ""
                err = ScenarioError(f"makes the network invalid: {_describe(new[0])}{more}")
                raise scenario.locate(err, i)
        cur = nxt
    meta = dataclasses.replace(cur.meta, name=f"{net.meta.name}+{scenario.name}")
    return cur.replace(meta=meta)


def apply_demand(table: DemandTable, scenario: Scenario, net: Network | None = None) -> DemandTable:
    """The demand table with a scenario's demand changes made (``table`` is left untouched).

    Parameters
    ----------
    table
        The base demand table.
    scenario
        The scenario; only its ``demand_changes`` act.
    net
        The network the demand goes with: sources the changes cite may come
        from its bibliography (they are copied into the table's).

    Raises
    ------
    ScenarioError
        If a change matches no row or clashes with the table; the message
        names the scenario and the change (``demand_changes[i]``).

    Examples
    --------
    >>> from corridor_twin import load_corridor
    >>> from corridor_twin.scenarios import load_bundled, load_bundled_demand
    >>> demand = load_bundled_demand()
    >>> triple = apply_demand(demand, load_bundled("volumes-triple-2030"), load_corridor())
    >>> titr = triple.with_rows(triple.select(corridor="titr"))
    >>> titr.total("t", t_per_teu=10)  # 3 x (4.484 Mt less the 0.635 Mt by truck)
    11547000.0
    """
    cited = {key for _, _, key in scenario.cited()}
    from_net = [s for s in net.sources if s.key in cited] if net is not None else []
    cur = table.with_rows(table.rows, (*scenario.sources, *from_net))
    _check_cited(scenario, {s.key for s in cur.sources}, demand=True)
    default = scenario.provenance()
    for i, change in enumerate(scenario.demand_changes):
        try:
            cur = change.apply_demand(cur, provenance=default)
        except ScenarioError as exc:
            raise scenario.locate(exc, i, demand=True) from exc.__cause__
    return cur
