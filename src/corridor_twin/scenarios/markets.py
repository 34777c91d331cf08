"""The market-model data: freight markets, behavioural parameters and observed figures.

Three kinds of file (the market-model data contract; bundled in
``corridor_twin/data/markets/``):

* ``markets_<year>.yaml`` (:func:`load_markets`): the whole annual market of
  each segment (origin, destination, commodity, direction; all routes
  together; the route is the model's output);
* ``parameters.yaml`` (:func:`load_parameters`): values of time and
  reliability per commodity, risk and compliance costs per corridor and
  congestion parameters per element kind;
* ``observed.yaml`` (:func:`load_observed`): the observed figures the model is
  fitted on (2024) and tested on (2025), each with how the model's counterpart
  is measured.

Every figure carries its source and year. Errors name the file, the record
and the field (:class:`~corridor_twin.errors.DemandError`).

Examples
--------
>>> m = loads_markets('''
... meta: {name: tiny, year: 2024}
... segments:
...   - {id: a, market: china-eu, origin: CN_XIAN, destination: DE_DUI, commodity: container,
...      direction: westbound, amount_per_year: 1000, unit: teu, source: s, year: 2024}
... ''')
>>> m.year, m.segments[0].amount_per_year
(2024, 1000.0)
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from corridor_twin.errors import DemandError, NotFoundError
from corridor_twin.flow.choice import ELEMENT_KINDS
from corridor_twin.flow.equilibrium import Congestion

__all__ = [
    "CORRIDOR_NAMES",
    "MEASURE_KINDS",
    "REGIONS",
    "MarketSegment",
    "Markets",
    "ObservedFigure",
    "Parameters",
    "RiskCost",
    "ValueOfTime",
    "load_markets",
    "load_observed",
    "load_parameters",
    "load_references",
    "loads_markets",
    "loads_observed",
    "loads_parameters",
]

MARKET_UNITS = ("teu", "t", "trucks", "wagons")
MEASURE_KINDS = ("corridor", "services", "node", "links", "border", "segments")
CORRIDOR_NAMES = ("middle", "northern", "southern", "sea_suez", "sea_cape", "road", "any")
DIRECTIONS = ("westbound", "eastbound", "northbound", "southbound")
REGIONS: Mapping[str, frozenset[str]] = {
    "EU": frozenset(
        "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
    ),
}
"""Region names a risk cost may name in ``applies_to`` (ISO country sets)."""


def _data_dir() -> Any:
    return resources.files("corridor_twin.data").joinpath("markets")


def _read(name_or_path: str | os.PathLike[str]) -> tuple[str, str]:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p.read_text(encoding="utf-8"), str(p)
    entry = _data_dir().joinpath(f"{name_or_path}.yaml")
    if not entry.is_file():
        raise NotFoundError(f"no market data file {name_or_path!r} (looked in {p} and the bundle)")
    return entry.read_text(encoding="utf-8"), f"<bundled markets/{name_or_path}.yaml>"


def _doc(text: str, path: str | None) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DemandError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            path=path,
            line=mark.line + 1 if mark else None,
        ) from None
    if not isinstance(doc, dict):
        raise DemandError("the file must be a mapping", path=path)
    return doc


def _num(
    rec: Mapping[str, Any],
    key: str,
    where: str,
    path: str | None,
    *,
    minimum: float = 0.0,
    required: bool = True,
    default: float = 0.0,
) -> float:
    if key not in rec or rec[key] is None:
        if required:
            raise DemandError(f"{where}: missing {key}", path=path, field=key)
        return default
    raw = rec[key]
    if isinstance(raw, Mapping):
        raw = raw.get("value")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise DemandError(
            f"{where}: {key} must be a number, got {raw!r}", path=path, field=key
        ) from None
    if not math.isfinite(value) or value < minimum:
        raise DemandError(
            f"{where}: {key} must be a finite number >= {minimum:g}, got {value}",
            path=path,
            field=key,
        )
    return value


def _choice(
    rec: Mapping[str, Any],
    key: str,
    allowed: tuple[str, ...],
    where: str,
    path: str | None,
    *,
    required: bool = True,
) -> str | None:
    value = rec.get(key)
    if value is None:
        if required:
            raise DemandError(f"{where}: missing {key}", path=path, field=key)
        return None
    if value not in allowed:
        raise DemandError(
            f"{where}: {key} {value!r} is not one of {{{', '.join(allowed)}}}", path=path, field=key
        )
    return str(value)


def _ids(rec: Mapping[str, Any], key: str, where: str, path: str | None) -> tuple[str, ...]:
    value = rec.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DemandError(f"{where}: {key} must be a list of ids", path=path, field=key)
    return tuple(value)


@dataclass(frozen=True)
class MarketSegment:
    """One market segment of a markets file (see the module docstring)."""

    id: str
    market: str
    origin: str
    destination: str
    commodity: str
    direction: str
    amount_per_year: float
    unit: str
    source: str
    year: int
    estimate: bool = False
    derived: bool = False
    note: str = ""
    restrictions: tuple[str, ...] = ()
    """Ids of the network's restrictions in force for this segment: the part of
    the year it stands for (e.g. the months a transit ban held), whether or not
    the network has them active."""


@dataclass(frozen=True)
class Markets:
    """A markets file: name, year, sources and segments."""

    name: str
    year: int
    description: str
    sources: Mapping[str, Any] = field(repr=False)
    segments: tuple[MarketSegment, ...] = field(repr=False)

    def to_frame(self) -> Any:
        """One row per segment."""
        import pandas as pd

        return pd.DataFrame([s.__dict__ for s in self.segments])

    def __repr__(self) -> str:
        return f"<Markets {self.name!r} {self.year}: {len(self.segments)} segments>"


def loads_markets(text: str, *, path: str | None = None) -> Markets:
    """Parse a markets file (see the module docstring)."""
    doc = _doc(text, path)
    meta = doc.get("meta") or {}
    if "year" not in meta:
        raise DemandError("meta: missing year", path=path, field="year")
    year = int(meta["year"])
    raw = doc.get("segments")
    if not isinstance(raw, list):
        raise DemandError("the file needs a 'segments:' list", path=path, field="segments")
    segs: list[MarketSegment] = []
    seen: set[str] = set()
    for i, rec in enumerate(raw):
        if not isinstance(rec, Mapping):
            raise DemandError(f"segment {i}: must be a mapping", path=path)
        sid = str(rec.get("id", f"#{i}"))
        where = f"segment {sid}"
        if sid in seen:
            raise DemandError(f"{where}: duplicate id", path=path, field="id")
        seen.add(sid)
        for key in ("market", "origin", "destination", "commodity", "source"):
            if not rec.get(key):
                raise DemandError(f"{where}: missing {key}", path=path, field=key)
        segs.append(
            MarketSegment(
                id=sid,
                market=str(rec["market"]),
                origin=str(rec["origin"]),
                destination=str(rec["destination"]),
                commodity=str(rec["commodity"]),
                direction=str(
                    _choice(rec, "direction", DIRECTIONS, where, path, required=False) or ""
                ),
                amount_per_year=_num(rec, "amount_per_year", where, path),
                unit=str(_choice(rec, "unit", MARKET_UNITS, where, path)),
                source=str(rec["source"]),
                year=int(rec.get("year", year)),
                estimate=bool(rec.get("estimate", False)),
                derived=bool(rec.get("derived", False)),
                note=str(rec.get("note", "")),
                restrictions=_ids(rec, "restrictions", where, path),
            )
        )
    return Markets(
        name=str(meta.get("name", f"markets_{year}")),
        year=year,
        description=str(meta.get("description", "")),
        sources=dict(doc.get("sources") or {}),
        segments=tuple(segs),
    )


def load_markets(year_or_path: int | str | os.PathLike[str] = 2024) -> Markets:
    """The bundled markets of a year (``2024``, ``2025``) or a markets file."""
    name = f"markets_{year_or_path}" if isinstance(year_or_path, int) else year_or_path
    text, path = _read(name)
    return loads_markets(text, path=path)


@dataclass(frozen=True)
class ValueOfTime:
    """Value of time and of reliability of one commodity, USD per unit-hour."""

    commodity: str
    value_of_time_usd_per_unit_h: float
    value_of_reliability_usd_per_unit_h: float
    source: str = ""
    year: int | None = None
    note: str = ""


@dataclass(frozen=True)
class RiskCost:
    """A risk or compliance cost of using a corridor (see :meth:`applies`)."""

    id: str
    corridor: str
    cost_usd_per_unit: float
    unit: str
    years: tuple[int, ...] = ()
    countries: tuple[str, ...] = ()
    applies_to: tuple[str, ...] = ()
    source: str = ""
    note: str = ""

    def applies(
        self,
        *,
        corridor: str,
        year: int,
        countries: set[str],
        destination_country: str,
        commodity: str,
        direction: str = "",
    ) -> bool:
        """Whether the cost applies to a route of ``corridor`` touching ``countries``.

        ``applies_to`` matches the destination country, a region of
        :data:`REGIONS` holding it, the commodity or the segment's direction;
        ``countries`` must meet the route's countries; ``years`` must hold the
        year (empty: every year).
        """
        if self.corridor not in ("any", corridor):
            return False
        if self.years and year not in self.years:
            return False
        if self.countries and not set(self.countries) & countries:
            return False
        if self.applies_to:
            ok = False
            for a in self.applies_to:
                in_region = a in REGIONS and destination_country in REGIONS[a]
                if a in (commodity, destination_country) or in_region or a == direction:
                    ok = True
            if not ok:
                return False
        return True


@dataclass(frozen=True)
class Parameters:
    """Behavioural parameters of the market model (``parameters.yaml``)."""

    values_of_time: Mapping[str, ValueOfTime] = field(default_factory=dict)
    risk_costs: tuple[RiskCost, ...] = ()
    congestion: Mapping[str, Congestion] = field(default_factory=dict)
    units: Mapping[str, float] = field(default_factory=dict)
    sources: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def t_per(self, unit: str) -> float:
        """Net tonnes per counted truck or wagon (``units:`` in the file; default 20 t, 60 t)."""
        return float(self.units.get(unit, {"trucks": 20.0, "wagons": 60.0}.get(unit, 1.0)))


def loads_parameters(text: str, *, path: str | None = None) -> Parameters:
    """Parse a parameters file (see the module docstring)."""
    doc = _doc(text, path)
    vots: dict[str, ValueOfTime] = {}
    for com, rec in (doc.get("values_of_time") or {}).items():
        where = f"values_of_time.{com}"
        if not isinstance(rec, Mapping):
            raise DemandError(f"{where}: must be a mapping", path=path)
        vots[str(com)] = ValueOfTime(
            commodity=str(com),
            value_of_time_usd_per_unit_h=_num(rec, "value_of_time_usd_per_unit_h", where, path),
            value_of_reliability_usd_per_unit_h=_num(
                rec, "value_of_reliability_usd_per_unit_h", where, path, required=False
            ),
            source=str(rec.get("source", "")),
            year=rec.get("year"),
            note=str(rec.get("note", "")),
        )
    risks: list[RiskCost] = []
    for i, rec in enumerate(doc.get("risk_costs") or []):
        rid = str(rec.get("id", f"#{i}"))
        where = f"risk_costs.{rid}"
        corridor = _choice(rec, "corridor", CORRIDOR_NAMES, where, path)
        unit = str(rec.get("unit", "t"))
        if unit not in ("t", "teu"):
            raise DemandError(
                f"{where}: unit must be t or teu, got {unit!r}", path=path, field="unit"
            )

        def strings(key: str, rec: Mapping[str, Any] = rec) -> tuple[str, ...]:
            v = rec.get(key) or ()
            return tuple(str(x) for x in ([v] if isinstance(v, str) else v))

        risks.append(
            RiskCost(
                id=rid,
                corridor=str(corridor),
                cost_usd_per_unit=_num(rec, "cost_usd_per_unit", where, path),
                unit=unit,
                years=tuple(int(y) for y in (rec.get("years") or ())),
                countries=strings("countries"),
                applies_to=strings("applies_to"),
                source=str(rec.get("source", "")),
                note=str(rec.get("note", "")),
            )
        )
    cong: dict[str, Congestion] = {}
    for kind, rec in (doc.get("congestion") or {}).items():
        where = f"congestion.{kind}"
        if kind not in ELEMENT_KINDS and kind != "default":
            raise DemandError(
                f"{where}: unknown element kind; known: {', '.join(ELEMENT_KINDS)}", path=path
            )
        cong[str(kind)] = Congestion(
            alpha=_num(rec, "alpha", where, path),
            beta=_num(rec, "beta", where, path),
            reference_delay_h=_num(rec, "reference_delay_h", where, path),
        )
    units: dict[str, float] = {}
    for unit, rec in (doc.get("units") or {}).items():
        rec = rec if isinstance(rec, Mapping) else {"value": rec}
        units[str(unit)] = _num(
            rec,
            "t_per_unit" if "t_per_unit" in rec else "value",
            f"units.{unit}",
            path,
            minimum=1e-9,
        )
    return Parameters(vots, tuple(risks), cong, units, dict(doc.get("sources") or {}))


def load_parameters(path: str | os.PathLike[str] | None = None) -> Parameters:
    """The bundled parameters (or a parameters file)."""
    text, where = _read(path or "parameters")
    return loads_parameters(text, path=where)


@dataclass(frozen=True)
class ObservedFigure:
    """An observed figure and how the model's counterpart is measured.

    ``fit`` false: the figure is reported beside the model but left out of the
    fit, because it also counts markets the model does not hold (its ``note``
    says which and how much), so fitting it would bend the constants to
    reproduce traffic the model has no segment for.
    """

    id: str
    year: int
    value: float
    unit: str
    measure: Mapping[str, Any]
    source: str
    note: str = ""
    tolerance_pct: float | None = None
    scenario: str | None = None
    fit: bool = True

    @property
    def kind(self) -> str:
        """The measure kind (one of :data:`MEASURE_KINDS`)."""
        return str(self.measure["kind"])


def loads_observed(
    text: str, *, path: str | None = None, key: str = "figures"
) -> tuple[ObservedFigure, ...]:
    """Parse an observed-figures file (see the module docstring; ``key``: the list's key)."""
    doc = _doc(text, path)
    out: list[ObservedFigure] = []
    for i, rec in enumerate(doc.get(key) or []):
        fid = str(rec.get("id", f"#{i}"))
        where = f"figure {fid}"
        measure = rec.get("measure")
        if not isinstance(measure, Mapping):
            raise DemandError(f"{where}: missing measure", path=path, field="measure")
        kind = _choice(measure, "kind", MEASURE_KINDS, f"{where}.measure", path)
        if kind in ("corridor", "segments"):
            _choice(
                measure,
                "corridor",
                CORRIDOR_NAMES,
                f"{where}.measure",
                path,
                required=kind == "corridor",
            )
        if kind in ("services", "links") and not measure.get("ids"):
            raise DemandError(f"{where}.measure: needs ids", path=path, field="ids")
        if kind in ("node", "border") and not measure.get("id"):
            raise DemandError(f"{where}.measure: needs id", path=path, field="id")
        tol = rec.get("tolerance_pct")
        fit = rec.get("fit", True)
        if not isinstance(fit, bool):
            raise DemandError(f"{where}: fit must be true or false", path=path, field="fit")
        out.append(
            ObservedFigure(
                id=fid,
                year=int(_num(rec, "year", where, path)),
                value=_num(rec, "value", where, path),
                unit=str(_choice(rec, "unit", MARKET_UNITS, where, path)),
                measure=dict(measure),
                source=str(rec.get("source", "")),
                note=str(rec.get("note", "")),
                tolerance_pct=None if tol is None else float(tol),
                scenario=rec.get("scenario"),
                fit=fit,
            )
        )
    return tuple(out)


def load_observed(path: str | os.PathLike[str] | None = None) -> tuple[ObservedFigure, ...]:
    """The bundled observed figures (or a file of them)."""
    text, where = _read(path or "observed")
    return loads_observed(text, path=where)


def load_references(path: str | os.PathLike[str] | None = None) -> tuple[ObservedFigure, ...]:
    """Published reference values (e.g. a study's forecast for a scenario), never fitted.

    ``references.yaml``: like the observed figures, each with the bundled
    ``scenario`` it belongs to.
    """
    text, where = _read(path or "references")
    return loads_observed(text, path=where, key="references")
