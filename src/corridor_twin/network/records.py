"""The network's records: small, immutable, each field declared once with its schema.

Records are frozen dataclasses whose fields are declared with
:func:`~corridor_twin.network.schema.attr` (unit, default, bounds,
description); :data:`TABLES` maps each table of the network file to its record
class and :func:`describe` lists every attribute. The :class:`Network` that
holds them is in :mod:`corridor_twin.network.model`.

Examples
--------
>>> from corridor_twin.network.records import describe
>>> table = describe()
>>> row = table[(table["table"] == "links") & (table["attribute"] == "length_km")].iloc[0]
>>> (row["unit"], bool(row["required"]))
('km', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corridor_twin.network.schema import (
    COMMODITY_UNITS,
    DIRECTIONS,
    ENERGIES,
    MODES,
    NODE_KINDS,
    RESTRICTION_SCOPES,
    STATUSES,
    TRANSFER_METHODS,
    attr,
    attributes,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "TABLES",
    "Border",
    "Commodity",
    "EmissionFactor",
    "Link",
    "Meta",
    "ModeDefaults",
    "Node",
    "Provenance",
    "Restriction",
    "Service",
    "Source",
    "Transfer",
    "describe",
]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a figure comes from.

    Attributes
    ----------
    source
        Key of a :class:`Source` in the network's bibliography.
    year
        The year the figure refers to.
    estimate
        True when the figure is the modellers' estimate, not a published value.
    derived
        True when the figure is computed from sourced figures.
    note
        How it was estimated or derived.
    """

    source: str | None = None
    year: int | None = None
    estimate: bool = False
    derived: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Record:
    """Common fields: an id and the provenance of the record's figures."""

    id: str = attr(description="Unique identifier within its table.")
    provenance: Provenance = field(default=Provenance())
    # (attribute, provenance) pairs overriding `provenance` for single figures.
    figure_provenance: tuple[tuple[str, Provenance], ...] = field(default=())

    def __post_init__(self) -> None:
        # Figure provenance is a set keyed by attribute: keep one canonical order.
        ordered = tuple(sorted(self.figure_provenance, key=lambda kv: kv[0]))
        if ordered != self.figure_provenance:
            object.__setattr__(self, "figure_provenance", ordered)

    def provenance_of(self, name: str) -> Provenance:
        """Provenance of one figure (its own, else the record's)."""
        for key, prov in self.figure_provenance:
            if key == name:
                return prov
        return self.provenance


@dataclass(frozen=True, slots=True)
class Source:
    """A bibliography entry that figures cite by key."""

    key: str
    title: str
    publisher: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Meta:
    """Network-level metadata."""

    name: str = "network"
    description: str | None = None
    currency: str = "USD"
    price_year: int | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeDefaults(_Record):
    """Defaults for links of one mode that give no speed or tariff of their own.

    The record's ``id`` is the mode.
    """

    speed_kmh: float | None = attr(
        description="Default commercial speed.",
        unit="km/h",
        default=None,
        minimum=0.0,
        figure=True,
    )
    cost_usd_per_teu_km: float | None = attr(
        description="Default tariff per TEU and km.",
        unit="USD/(TEU*km)",
        default=None,
        minimum=0.0,
        figure=True,
    )
    cost_usd_per_tkm: float | None = attr(
        description="Default tariff per tonne and km.",
        unit="USD/(t*km)",
        default=None,
        minimum=0.0,
        figure=True,
    )
    notes: str | None = attr(description="Free text.", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Commodity(_Record):
    """A kind of cargo, the unit results are given in and the modes that carry it."""

    name: str = attr(description="Human-readable name.")
    unit: str = attr(description="Unit of one shipment unit.", allowed=COMMODITY_UNITS)
    modes: tuple[str, ...] = attr(description="Modes that may carry it.", allowed=MODES)
    t_per_teu: float | None = attr(
        description="Net tonnes per loaded TEU (converts TEU tariffs and tonne-km emissions).",
        unit="t/TEU",
        default=None,
        minimum=0.0,
        figure=True,
    )
    value_of_time_usd_per_unit_h: float = attr(
        description="Default value of time per unit (TEU or t) and hour.",
        unit="USD/(unit*h)",
        default=0.0,
        minimum=0.0,
        figure=True,
    )
    notes: str | None = attr(description="Free text.", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class EmissionFactor(_Record):
    """A GLEC / ISO 14083 well-to-wheel emission factor, split WTT + TTW."""

    mode: str = attr(description="Transport mode.", allowed=MODES)
    energy: str = attr(
        description="Traction or fuel it applies to ('any' = mode default).",
        allowed=ENERGIES,
        default="any",
    )
    country: str = attr(
        description="ISO 3166 alpha-2 country it applies to ('any' = everywhere).",
        default="any",
    )
    wtt_g_co2e_per_tkm: float = attr(
        description="Well-to-tank emissions.",
        unit="g CO2e/(t*km)",
        minimum=0.0,
        figure=True,
    )
    ttw_g_co2e_per_tkm: float = attr(
        description="Tank-to-wheel emissions.",
        unit="g CO2e/(t*km)",
        minimum=0.0,
        figure=True,
    )
    notes: str | None = attr(description="Free text.", default=None)

    @property
    def wtw_g_co2e_per_tkm(self) -> float:
        """Well-to-wheel total."""
        return self.wtt_g_co2e_per_tkm + self.ttw_g_co2e_per_tkm


@dataclass(frozen=True, slots=True, kw_only=True)
class Node(_Record):
    """A place: city, terminal, port, border station, gauge-change point, junction."""

    name: str = attr(description="Human-readable name.")
    kind: str = attr(description="What the place is.", allowed=NODE_KINDS)
    country: str = attr(description="ISO 3166-1 alpha-2 country code.")
    lat: float = attr(
        description="Latitude (WGS84).", unit="deg", minimum=-90.0, maximum=90.0, figure=True
    )
    lon: float = attr(
        description="Longitude (WGS84).", unit="deg", minimum=-180.0, maximum=180.0, figure=True
    )
    aliases: tuple[str, ...] = attr(description="Other names to look the node up by.", default=())
    transit_dwell_h: float = attr(
        description="Time to pass through without a mode change (e.g. locomotive change).",
        unit="h",
        default=0.0,
        minimum=0.0,
        figure=True,
    )
    transit_cost_usd_per_teu: float = attr(
        description="Cost to pass through, per TEU.",
        unit="USD/TEU",
        default=0.0,
        minimum=0.0,
        figure=True,
    )
    transit_cost_usd_per_t: float = attr(
        description="Cost to pass through, per tonne.",
        unit="USD/t",
        default=0.0,
        minimum=0.0,
        figure=True,
    )
    capacity_t_per_year: float | None = attr(
        description="Throughput capacity in tonnes.",
        unit="t/year",
        default=None,
        minimum=0.0,
        figure=True,
    )
    capacity_teu_per_year: float | None = attr(
        description="Throughput capacity in TEU.",
        unit="TEU/year",
        default=None,
        minimum=0.0,
        figure=True,
    )
    operator: str | None = attr(description="Operator or owner.", default=None)
    status: str = attr(description="Operating status.", allowed=STATUSES, default="open")
    notes: str | None = attr(description="Free text.", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Link(_Record):
    """A directed transport link (or a two-way one declared once)."""

    from_node: str = attr(description="Start node id.", file_name="from")
    to_node: str = attr(description="End node id.", file_name="to")
    mode: str = attr(description="Transport mode.", allowed=MODES)
    length_km: float = attr(description="Length.", unit="km", minimum=0.0, figure=True)
    bidirectional: bool = attr(
        description="Whether the link also runs to -> from with the same attributes.",
        default=False,
    )
    speed_kmh: float | None = attr(
        description="Commercial speed (else the mode default).",
        unit="km/h",
        default=None,
        minimum=0.0,
        figure=True,
    )
    duration_h: float | None = attr(
        description="Running time (overrides speed).",
        unit="h",
        default=None,
        minimum=0.0,
        figure=True,
    )
    capacity_t_per_year: float | None = attr(
        description="Capacity in tonnes per direction.",
        unit="t/year",
        default=None,
        minimum=0.0,
        figure=True,
    )
    capacity_teu_per_year: float | None = attr(
        description="Capacity in TEU per direction.",
        unit="TEU/year",
        default=None,
        minimum=0.0,
        figure=True,
    )
    cost_usd_per_teu: float | None = attr(
        description="Tariff for the whole link per TEU.",
        unit="USD/TEU",
        default=None,
        minimum=0.0,
        figure=True,
    )
    cost_usd_per_t: float | None = attr(
        description="Tariff for the whole link per tonne.",
        unit="USD/t",
        default=None,
        minimum=0.0,
        figure=True,
    )
    gauge_mm: int | None = attr(
        description="Track gauge (rail only).", unit="mm", default=None, minimum=500, maximum=2000
    )
    energy: str = attr(
        description="Traction (rail: electric or diesel) or fuel (ships).",
        allowed=ENERGIES,
        default="any",
    )
    emission_factor: str | None = attr(
        description="Id of an emission factor to use instead of the lookup.", default=None
    )
    commodities: tuple[str, ...] = attr(
        description="Commodities it may carry (empty: all its mode carries).", default=()
    )
    operator: str | None = attr(description="Operator or owner.", default=None)
    status: str = attr(description="Operating status.", allowed=STATUSES, default="open")
    notes: str | None = attr(description="Free text.", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer(_Record):
    """A mode change or gauge change at a node."""

    node: str = attr(description="Node id where it happens.")
    from_mode: str = attr(description="Arriving mode.", allowed=MODES)
    to_mode: str = attr(description="Departing mode.", allowed=MODES)
    method: str = attr(description="How cargo changes vehicle.", allowed=TRANSFER_METHODS)
    from_gauge_mm: int | None = attr(
        description="Arriving gauge (rail).", unit="mm", default=None, minimum=500, maximum=2000
    )
    to_gauge_mm: int | None = attr(
        description="Departing gauge (rail).", unit="mm", default=None, minimum=500, maximum=2000
    )
    bidirectional: bool = attr(description="Whether it also works in reverse.", default=True)
    dwell_h: float = attr(
        description="Time the operation takes, waiting included.",
        unit="h",
        default=0.0,
        minimum=0.0,
        figure=True,
    )
    cost_usd_per_teu: float | None = attr(
        description="Handling cost per TEU.",
        unit="USD/TEU",
        default=None,
        minimum=0.0,
        figure=True,
    )
    cost_usd_per_t: float | None = attr(
        description="Handling cost per tonne.",
        unit="USD/t",
        default=None,
        minimum=0.0,
        figure=True,
    )
    capacity_t_per_year: float | None = attr(
        description="Capacity in tonnes.", unit="t/year", default=None, minimum=0.0, figure=True
    )
    capacity_teu_per_year: float | None = attr(
        description="Capacity in TEU.", unit="TEU/year", default=None, minimum=0.0, figure=True
    )
    co2e_kg_per_t: float = attr(
        description="Handling emissions (GLEC hub factor).",
        unit="kg CO2e/t",
        default=0.0,
        minimum=0.0,
        figure=True,
    )
    commodities: tuple[str, ...] = attr(
        description="Commodities it handles (empty: all).", default=()
    )
    status: str = attr(description="Operating status.", allowed=STATUSES, default="open")
    notes: str | None = attr(description="Free text.", default=None)

    @property
    def is_gauge_change(self) -> bool:
        """Whether this is a rail gauge change."""
        return (
            self.from_mode == "rail"
            and self.to_mode == "rail"
            and self.from_gauge_mm is not None
            and self.to_gauge_mm is not None
            and self.from_gauge_mm != self.to_gauge_mm
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Border(_Record):
    """Border processing at a node for links crossing a country boundary there."""

    node: str = attr(description="Node id.")
    direction: str = attr(
        description="Entry into or exit from the node's country.", allowed=DIRECTIONS
    )
    mode: str | None = attr(
        description="Mode it applies to (empty: all).", allowed=MODES, default=None
    )
    dwell_h: float = attr(
        description="Clearance time, waiting included.",
        unit="h",
        default=0.0,
        minimum=0.0,
        figure=True,
    )
    cost_usd_per_teu: float | None = attr(
        description="Cost per TEU.", unit="USD/TEU", default=None, minimum=0.0, figure=True
    )
    cost_usd_per_t: float | None = attr(
        description="Cost per tonne.", unit="USD/t", default=None, minimum=0.0, figure=True
    )
    capacity_t_per_year: float | None = attr(
        description="Capacity in tonnes.", unit="t/year", default=None, minimum=0.0, figure=True
    )
    capacity_teu_per_year: float | None = attr(
        description="Capacity in TEU.", unit="TEU/year", default=None, minimum=0.0, figure=True
    )
    notes: str | None = attr(description="Free text.", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Service(_Record):
    """A scheduled service (ferry line, ship line, block train) along links."""

    name: str = attr(description="Human-readable name.")
    mode: str = attr(description="Mode of the links it runs on.", allowed=MODES)
    stops: tuple[str, ...] = attr(description="Node ids in calling order (at least two).")
    sailings_per_week: float | None = attr(
        description="Departures per week when there is no timetable.",
        unit="1/week",
        default=None,
        minimum=0.0,
        figure=True,
    )
    departures: tuple[str, ...] = attr(
        description="Weekly timetable at the first stop, e.g. 'Mon 08:00' (UTC).", default=()
    )
    bidirectional: bool = attr(
        description="Whether it also runs in reverse (frequency services only).", default=False
    )
    duration_h: float | None = attr(
        description="Running time between the stops of a two-stop service (else the link's).",
        unit="h",
        default=None,
        minimum=0.0,
        figure=True,
    )
    capacity_teu: float | None = attr(
        description="Capacity per departure in TEU.",
        unit="TEU",
        default=None,
        minimum=0.0,
        figure=True,
    )
    capacity_t: float | None = attr(
        description="Capacity per departure in tonnes.",
        unit="t",
        default=None,
        minimum=0.0,
        figure=True,
    )
    capacity_wagons: float | None = attr(
        description="Capacity per departure in rail wagons.",
        unit="wagons",
        default=None,
        minimum=0.0,
        figure=True,
    )
    availability: float = attr(
        description="Share of planned departures that run.",
        default=1.0,
        minimum=0.0,
        maximum=1.0,
        figure=True,
    )
    load_factor: float = attr(
        description="Usable share of capacity (e.g. draft limits).",
        default=1.0,
        minimum=0.0,
        maximum=1.0,
        figure=True,
    )
    cost_usd_per_teu: float | None = attr(
        description="Fare per TEU (replaces link tariff).",
        unit="USD/TEU",
        default=None,
        minimum=0.0,
        figure=True,
    )
    cost_usd_per_t: float | None = attr(
        description="Fare per tonne (replaces link tariff).",
        unit="USD/t",
        default=None,
        minimum=0.0,
        figure=True,
    )
    commodities: tuple[str, ...] = attr(description="Commodities carried (empty: all).", default=())
    operator: str | None = attr(description="Operator.", default=None)
    status: str = attr(description="Operating status.", allowed=STATUSES, default="open")
    notes: str | None = attr(description="Free text.", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Restriction(_Record):
    """A prohibition on using a node, link or country for matching cargo."""

    scope: str = attr(description="What is restricted.", allowed=RESTRICTION_SCOPES)
    target: str = attr(description="Node id, link id or country code.")
    description: str | None = attr(description="What and why.", default=None)
    commodity: str | None = attr(description="Only this commodity (empty: all).", default=None)
    origin_country: str | None = attr(
        description="Only cargo from this country (empty: any).", default=None
    )
    destination_country: str | None = attr(
        description="Only cargo bound to this country (empty: any).", default=None
    )
    active: bool = attr(description="Whether it is in force.", default=True)
    notes: str | None = attr(description="Free text.", default=None)


TABLES: Mapping[str, type[_Record]] = {
    "modes": ModeDefaults,
    "commodities": Commodity,
    "emission_factors": EmissionFactor,
    "nodes": Node,
    "links": Link,
    "transfers": Transfer,
    "borders": Border,
    "services": Service,
    "restrictions": Restriction,
}
"""Record class of each table, in file order."""


def describe() -> pd.DataFrame:
    """Every table's attributes as one tidy table (the format's reference).

    Returns
    -------
    pandas.DataFrame
        Columns: table, attribute, dtype, unit, default, required, allowed,
        minimum, maximum, figure, description.
    """
    import pandas as pd

    rows = [
        {
            "table": a.table,
            "attribute": a.key,
            "dtype": a.dtype,
            "unit": a.unit,
            "default": a.default,
            "required": a.required,
            "allowed": ", ".join(a.allowed) if a.allowed else None,
            "minimum": a.minimum,
            "maximum": a.maximum,
            "figure": a.figure,
            "description": a.description,
        }
        for table, cls in TABLES.items()
        for a in attributes(cls, table)
    ]
    return pd.DataFrame(rows)
