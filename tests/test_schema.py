"""The one schema: every record field declared once, with unit, default and description."""

from __future__ import annotations

import dataclasses

import pytest

from corridor_twin.io import loads_network
from corridor_twin.network.records import TABLES, describe
from corridor_twin.network.schema import (
    MODES,
    Attribute,
    attr,
    attributes,
)

# Record fields that are not attributes of a table but bookkeeping shared by all records.
_BOOKKEEPING = {"provenance", "figure_provenance"}
_DTYPES = {"str", "float", "int", "bool", "list[str]"}
ALL_ROWS = [a for table, cls in TABLES.items() for a in attributes(cls, table)]


def _row_id(a: Attribute) -> str:
    return f"{a.table}.{a.name}"


@pytest.mark.parametrize("table", list(TABLES))
def test_every_record_field_has_a_schema_row(table: str) -> None:
    cls = TABLES[table]
    fields = {f.name for f in dataclasses.fields(cls)} - _BOOKKEEPING
    assert {a.name for a in attributes(cls, table)} == fields


@pytest.mark.parametrize("a", ALL_ROWS, ids=_row_id)
def test_every_attribute_has_a_description_and_known_dtype(a: Attribute) -> None:
    assert a.description.strip()
    assert a.dtype in _DTYPES
    assert a.table in TABLES


@pytest.mark.parametrize("a", [a for a in ALL_ROWS if a.figure], ids=_row_id)
def test_figures_are_numbers_with_units(a: Attribute) -> None:
    assert a.dtype in ("float", "int")
    is_share = a.minimum == 0.0 and a.maximum == 1.0  # availability, load factor: unitless
    assert a.unit or is_share, f"{a.table}.{a.name} is a figure without a unit"


_SUFFIX_UNITS = {"_km": "km", "_kmh": "km/h", "_h": "h", "_mm": "mm"}


@pytest.mark.parametrize("a", ALL_ROWS, ids=_row_id)
def test_units_in_names_agree_with_declared_units(a: Attribute) -> None:
    for suffix, unit in _SUFFIX_UNITS.items():
        if a.name.endswith(suffix):
            assert a.unit is not None
            if "_per_" in a.name:  # a rate: cost_usd_per_teu_km is USD/(TEU*km)
                assert a.unit.endswith(f"*{unit})")
            else:
                assert a.unit == unit
    if "usd" in a.name:
        assert a.unit is not None
        assert a.unit.startswith("USD")
    if a.name.endswith("per_year"):
        assert a.unit is not None
        assert a.unit.endswith("/year")
    if "co2e" in a.name:
        assert a.unit is not None
        assert "CO2e" in a.unit


@pytest.mark.parametrize("a", ALL_ROWS, ids=_row_id)
def test_defaults_are_immutable_and_within_bounds(a: Attribute) -> None:
    if a.required:
        assert a.default is None
        return
    assert not isinstance(a.default, (list, dict, set))
    if isinstance(a.default, (int, float)) and not isinstance(a.default, bool):
        if a.minimum is not None:
            assert a.default >= a.minimum
        if a.maximum is not None:
            assert a.default <= a.maximum
    if a.allowed is not None and isinstance(a.default, str):
        assert a.default in a.allowed


def test_attr_rejects_mutable_defaults() -> None:
    with pytest.raises(TypeError, match="tuple"):
        attr(description="x", default=[])


@pytest.mark.parametrize(
    ("table", "required"),
    [
        ("nodes", {"id", "name", "kind", "country", "lat", "lon"}),
        ("links", {"id", "from_node", "to_node", "mode", "length_km"}),
        ("transfers", {"id", "node", "from_mode", "to_mode", "method"}),
        ("borders", {"id", "node", "direction"}),
        ("services", {"id", "name", "mode", "stops"}),
        ("restrictions", {"id", "scope", "target"}),
        ("commodities", {"id", "name", "unit", "modes"}),
        ("emission_factors", {"id", "mode", "wtt_g_co2e_per_tkm", "ttw_g_co2e_per_tkm"}),
        ("modes", {"id"}),
    ],
)
def test_required_fields(table: str, required: set[str]) -> None:
    assert {a.name for a in attributes(TABLES[table], table) if a.required} == required


def test_record_without_a_required_field_cannot_be_built() -> None:
    node_cls = TABLES["nodes"]
    with pytest.raises(TypeError):
        node_cls(id="A", name="A", kind="city", country="KZ", lat=1.0)  # no lon


def test_allowed_sets() -> None:
    rows = {(a.table, a.name): a for a in ALL_ROWS}
    assert rows[("links", "mode")].allowed == MODES
    assert rows[("commodities", "modes")].allowed == MODES
    assert rows[("nodes", "country")].allowed is None
    assert rows[("links", "status")].default == "open"


# -- describe() ---------------------------------------------------------------------------

DESCRIBE_COLUMNS = [
    "table",
    "attribute",
    "dtype",
    "unit",
    "default",
    "required",
    "allowed",
    "minimum",
    "maximum",
    "figure",
    "description",
]


def test_describe_has_one_row_per_attribute() -> None:
    frame = describe()
    assert list(frame.columns) == DESCRIBE_COLUMNS
    assert len(frame) == len(ALL_ROWS)
    assert not frame.duplicated(["table", "attribute"]).any()
    assert list(dict.fromkeys(frame["table"])) == list(TABLES)
    assert frame["description"].str.len().gt(0).all()


def test_describe_uses_file_names_and_units() -> None:
    frame = describe()
    links = frame[frame["table"] == "links"].set_index("attribute")
    assert {"from", "to"} <= set(links.index)
    assert "from_node" not in links.index
    assert links.loc["length_km", "unit"] == "km"
    assert bool(links.loc["length_km", "required"]) is True
    assert bool(links.loc["speed_kmh", "required"]) is False
    assert links.loc["mode", "allowed"] == ", ".join(MODES)
    nodes = frame[frame["table"] == "nodes"].set_index("attribute")
    assert (nodes.loc["lat", "minimum"], nodes.loc["lat", "maximum"]) == (-90.0, 90.0)


_SAMPLE = {"str": "x", "float": 1.0, "int": 1000, "bool": True, "list[str]": ["x"]}


def _minimal_record(table: str) -> dict[str, object]:
    """A record giving exactly the attributes describe() lists as required, by their names."""
    frame = describe()
    rows = frame[(frame["table"] == table) & frame["required"]]
    out: dict[str, object] = {}
    for _, row in rows.iterrows():
        value = _SAMPLE[row["dtype"]]
        if isinstance(row["allowed"], str):
            first = row["allowed"].split(", ")[0]
            value = [first] if row["dtype"] == "list[str]" else first
        out[row["attribute"]] = value
    return out


@pytest.mark.parametrize("table", list(TABLES))
def test_describe_names_attributes_as_files_write_them(table: str) -> None:
    import yaml

    net = loads_network(yaml.safe_dump({table: [_minimal_record(table)]}))
    assert len(getattr(net, table)) == 1
