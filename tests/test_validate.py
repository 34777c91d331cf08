"""Validation: each named rule catches its case; reports, strictness and file locations."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from corridor_twin.errors import DataError, ValidationError
from corridor_twin.io import loads_network, read_network
from corridor_twin.network import Finding, Network, ValidationReport, validate
from corridor_twin.network.model import Node, Provenance, Restriction, Service, Transfer
from corridor_twin.network.validate import RULES


def findings(net: Network, rule: str, **kw: object) -> list[Finding]:
    return [f for f in validate(net, **kw).findings if f.rule == rule]  # type: ignore[arg-type]


def only(found: list[Finding]) -> Finding:
    assert len(found) == 1, found
    return found[0]


def _svc(net: Network, **changes: object) -> Network:
    return net.replace(services=(dataclasses.replace(net.service("ferry"), **changes),))


def test_the_test_corridor_is_clean_even_when_strict(mini: Network) -> None:
    report = validate(mini, strict=True)
    assert report.findings == ()
    assert report.ok
    assert str(report) == "no findings"


def test_rules_are_named_documented_functions() -> None:
    assert list(RULES)
    for name, fn in RULES.items():
        assert name.startswith("check_")
        assert fn.__name__ == name
        assert (fn.__doc__ or "").strip()


# (edit of the test corridor, rule, severity, table, record id, field, words in message)
Edit = Callable[[Network], Network]
CASES: dict[str, tuple[Edit, str, str, str, str, str | None, list[str]]] = {
    "unknown-node": (
        lambda n: n.update_link("B-C", to_node="KZ_CC"),
        "check_unknown_nodes",
        "error",
        "links",
        "B-C",
        "to",
        ["unknown node 'KZ_CC'", "did you mean", "Junction (KZ_C)"],
    ),
    "unknown-service-stop": (
        lambda n: _svc(n, stops=("KZ_P", "AZ_PP")),
        "check_unknown_nodes",
        "error",
        "services",
        "ferry",
        "stops",
        ["unknown node 'AZ_PP'", "Port East (AZ_P)"],
    ),
    "duplicate-id": (
        lambda n: n.add("nodes", [n.node("KZ_C")]),
        "check_duplicate_ids",
        "error",
        "nodes",
        "KZ_C",
        "id",
        ["used 2 times"],
    ),
    "zero-capacity": (
        lambda n: n.update_node("KZ_C", capacity_teu_per_year=0.0),
        "check_nonpositive_capacity",
        "error",
        "nodes",
        "KZ_C",
        "capacity_teu_per_year",
        ["must be positive", "status: closed"],
    ),
    "bad-country": (
        lambda n: n.update_node("KZ_C", country="XK"),
        "check_country_codes",
        "error",
        "nodes",
        "KZ_C",
        "country",
        ["'XK'", "ISO 3166"],
    ),
    "lowercase-country": (
        lambda n: n.update_node("KZ_C", country="kz"),
        "check_country_codes",
        "error",
        "nodes",
        "KZ_C",
        "country",
        ["'kz'"],
    ),
    "restriction-country": (
        lambda n: n.update_record("restrictions", "no-grain-GE", destination_country="Georgia"),
        "check_country_codes",
        "error",
        "restrictions",
        "no-grain-GE",
        "destination_country",
        ["'Georgia'"],
    ),
    "rail-without-gauge": (
        lambda n: n.update_link("B-C", gauge_mm=None),
        "check_links",
        "error",
        "links",
        "B-C",
        "gauge_mm",
        ["needs gauge_mm"],
    ),
    "gauge-on-road": (
        lambda n: n.update_link("B-P-road", gauge_mm=1520),
        "check_links",
        "error",
        "links",
        "B-P-road",
        "gauge_mm",
        ["rail links only", "road"],
    ),
    "self-loop": (
        lambda n: n.update_link("B-C", to_node="KZ_B"),
        "check_links",
        "error",
        "links",
        "B-C",
        "to",
        ["same node"],
    ),
    "no-speed": (
        lambda n: n.remove("modes", ["road"]),
        "check_links",
        "error",
        "links",
        "B-P-road",
        "speed_kmh",
        ["speed_kmh or duration_h"],
    ),
    "ferry-without-service": (
        lambda n: n.replace(services=()),
        "check_services",
        "warning",
        "links",
        "P-P",
        None,
        ["no service"],
    ),
    "service-stops-not-linked": (
        lambda n: _svc(n, stops=("KZ_P", "GE_T")),
        "check_services",
        "error",
        "services",
        "ferry",
        "stops",
        ["no ferry link from KZ_P to GE_T"],
    ),
    "service-one-stop": (
        lambda n: _svc(n, stops=("KZ_P",)),
        "check_services",
        "error",
        "services",
        "ferry",
        "stops",
        ["at least two stops"],
    ),
    "service-without-frequency": (
        lambda n: _svc(n, sailings_per_week=None),
        "check_services",
        "error",
        "services",
        "ferry",
        "sailings_per_week",
        ["sailings_per_week or a departures"],
    ),
    "timetable-both-ways": (
        lambda n: _svc(n, departures=("Mon 08:00",)),
        "check_services",
        "error",
        "services",
        "ferry",
        "bidirectional",
        ["runs one way"],
    ),
    "unknown-commodity": (
        lambda n: n.update_link("B-C", commodities=("coal",)),
        "check_commodities",
        "error",
        "links",
        "B-C",
        "commodities",
        ["unknown commodity 'coal'", "container"],
    ),
    "teu-without-weight": (
        lambda n: n.update_record("commodities", "container", t_per_teu=None),
        "check_commodities",
        "error",
        "commodities",
        "container",
        "t_per_teu",
        ["t_per_teu"],
    ),
    "unknown-emission-factor": (
        lambda n: n.update_link("B-C", emission_factor="rail-hydrogen"),
        "check_emission_factors",
        "error",
        "links",
        "B-C",
        "emission_factor",
        ["unknown emission factor 'rail-hydrogen'"],
    ),
    "no-emission-factor": (
        lambda n: n.remove("emission_factors", ["ferry"]),
        "check_emission_factors",
        "warning",
        "links",
        "P-P",
        "energy",
        ["no emission factor"],
    ),
    "unknown-source": (
        lambda n: n.update_node("KZ_C", provenance=Provenance(source="nope", year=2024)),
        "check_provenance",
        "error",
        "nodes",
        "KZ_C",
        "source",
        ["'nope'", "not in 'sources'"],
    ),
    "unknown-figure-source": (
        lambda n: n.update_link(
            "B-C", figure_provenance=(("length_km", Provenance(source="nope", year=2020)),)
        ),
        "check_provenance",
        "error",
        "links",
        "B-C",
        "length_km",
        ["'nope'"],
    ),
    "unknown-restricted-link": (
        lambda n: n.add("restrictions", [Restriction(id="r", scope="link", target="X-Y")]),
        "check_restrictions",
        "error",
        "restrictions",
        "r",
        "target",
        ["unknown link 'X-Y'"],
    ),
    "gauge-on-road-transfer": (
        lambda n: n.update_record("transfers", "B-road", to_gauge_mm=1520),
        "check_transfers",
        "error",
        "transfers",
        "B-road",
        "to_gauge_mm",
        ["only for rail"],
    ),
    "rail-rail-without-gauges": (
        lambda n: n.add(
            "transfers",
            [Transfer(id="x", node="KZ_C", from_mode="rail", to_mode="rail", method="transship")],
        ),
        "check_transfers",
        "error",
        "transfers",
        "x",
        "to_mode",
        ["same mode"],
    ),
    "not-allowed-value": (
        lambda n: n.update_node("KZ_C", kind="village"),
        "check_field_values",
        "error",
        "nodes",
        "KZ_C",
        "kind",
        ["'village'", "junction"],
    ),
    "out-of-range": (
        lambda n: n.update_node("KZ_C", lat=91.0),
        "check_field_values",
        "error",
        "nodes",
        "KZ_C",
        "lat",
        ["above the maximum 90"],
    ),
    "nan": (
        lambda n: n.update_link("B-C", length_km=float("nan")),
        "check_field_values",
        "error",
        "links",
        "B-C",
        "length_km",
        ["NaN"],
    ),
    "isolated-node": (
        lambda n: n.add(
            "nodes",
            [
                Node(
                    id="KZ_X",
                    name="Lonely",
                    kind="city",
                    country="KZ",
                    lat=45.0,
                    lon=70.0,
                    provenance=Provenance(source="t", year=2024),
                )
            ],
        ),
        "check_connectivity",
        "warning",
        "nodes",
        "KZ_X",
        None,
        ["no links"],
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_rule_catches_its_case(case: str, mini: Network) -> None:
    edit, rule, severity, table, rid, field, words = CASES[case]
    net = edit(mini)
    found = [f for f in findings(net, rule) if (f.table, f.record_id) == (table, rid)]
    f = only([f for f in found if f.field == field])
    assert f.severity == severity
    for word in words:
        assert word in f.message
    report = validate(net)
    assert report.ok is (severity == "warning")
    assert not validate(net, strict=True).ok


def test_negative_capacity_is_out_of_range_and_nonpositive(mini: Network) -> None:
    net = mini.update_link("B-C", capacity_t_per_year=-1.0)
    assert only(findings(net, "check_field_values")).field == "capacity_t_per_year"
    assert "below the minimum 0" in findings(net, "check_field_values")[0].message
    assert only(findings(net, "check_nonpositive_capacity")).record_id == "B-C"


@pytest.mark.parametrize(
    "departure", ["Wed 25:00", "Wednesday 10:00", "Wed 9:00", "wed 10:00", "Wed 10:60", "10:00"]
)
def test_bad_departure_strings(mini_timetabled: Network, departure: str) -> None:
    net = _svc(mini_timetabled, departures=(departure,))
    f = only(findings(net, "check_services"))
    assert (f.field, f.severity) == ("departures", "error")
    assert repr(departure) in f.message


@pytest.mark.parametrize("departure", ["Mon 00:00", "Sun 23:59", "Wed 10:00"])
def test_good_departure_strings(mini_timetabled: Network, departure: str) -> None:
    assert findings(_svc(mini_timetabled, departures=(departure,)), "check_services") == []


def test_ambiguous_service_stops(mini: Network) -> None:
    net = mini.add("links", [dataclasses.replace(mini.link("P-P"), id="P-P-2")])
    assert "ambiguous" in only(findings(net, "check_services")).message


def test_service_duration_only_for_two_stops(mini: Network) -> None:
    net = _svc(mini, stops=("KZ_P", "AZ_P", "KZ_P"), duration_h=20.0, bidirectional=False)
    assert only(findings(net, "check_services")).field == "duration_h"


def test_strict_provenance(mini: Network) -> None:
    net = mini.update_node("KZ_C", provenance=Provenance(source="t"))  # no year
    found = findings(net, "check_provenance")
    assert {f.field for f in found} == {"lat", "lon", "transit_dwell_h"}
    assert {f.severity for f in found} == {"warning"}
    assert all("no year" in f.message for f in found)
    relaxed = validate(net)
    assert relaxed.ok
    assert relaxed.errors == ()
    assert len(relaxed.warnings) == 3
    strict = validate(net, strict=True)
    assert not strict.ok
    assert set(strict.errors) == set(found)
    # a default-valued figure is not cited, an explicitly sourced one is checked
    net = mini.update_node("KZ_C", provenance=Provenance())
    assert {f.field for f in findings(net, "check_provenance")} == {"lat", "lon", "transit_dwell_h"}
    assert all("no source" in f.message for f in findings(net, "check_provenance"))
    net = mini.update_node(
        "KZ_C",
        provenance=Provenance(),
        figure_provenance=(
            ("lat", Provenance(source="t", year=2024)),
            ("lon", Provenance(source="t", year=2024)),
            ("transit_dwell_h", Provenance(source="t", year=2024)),
        ),
    )
    assert findings(net, "check_provenance") == []


def test_raise_on_error(mini: Network) -> None:
    net = mini.update_link("B-C", to_node="KZ_CC").update_node("KZ_C", country="XK")
    with pytest.raises(ValidationError) as info:
        validate(net, raise_on="error")
    err = info.value
    assert isinstance(err, DataError)
    assert len(err.issues) == 2
    assert all(isinstance(f, Finding) and f.severity == "error" for f in err.issues)
    assert "(and 1 more)" in str(err)
    assert str(err.issues[0]) in str(err)


def test_raise_on_error_ignores_warnings_unless_strict(mini: Network) -> None:
    net = mini.replace(services=())
    assert validate(net, raise_on="error").ok
    with pytest.raises(ValidationError, match="no service"):
        validate(net, strict=True, raise_on="error")


def test_rules_subset(mini: Network) -> None:
    net = mini.update_link("B-C", to_node="KZ_CC").update_node("KZ_C", country="XK")
    report = validate(net, rules=["check_country_codes"])
    assert [f.rule for f in report.findings] == ["check_country_codes"]


def test_report_frame(mini: Network) -> None:
    net = mini.update_node("KZ_C", country="XK")
    frame = validate(net).to_frame()
    assert list(frame.columns) == [
        "rule",
        "severity",
        "table",
        "record_id",
        "field",
        "message",
        "line",
        "path",
    ]
    assert frame.loc[0, "record_id"] == "KZ_C"
    assert isinstance(validate(net), ValidationReport)


# -- file locations ----------------------------------------------------------------------------


def test_findings_carry_file_and_line(mini_path: Path, tmp_path: Path) -> None:
    text = mini_path.read_text(encoding="utf-8").replace(
        "country: KZ, lat: 44.0, lon: 70.0", "country: QQ, lat: 44.0, lon: 70.0"
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    f = only(findings(read_network(path), "check_country_codes"))
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "country: QQ" in s)
    assert (f.path, f.line) == (str(path), line)
    assert str(f).startswith(f"{path}:{line}: error: nodes 'KZ_C' field 'country': ")
    assert str(f).endswith("[check_country_codes]")


BLOCK = """\
sources: {t: {title: T}}
modes:
  - {mode: road, speed_kmh: 50, source: t, year: 2024}
nodes:
  - {id: A, name: Alpha, kind: city, country: KZ, lat: 43.0, lon: 77.0, source: t, year: 2024}
  - {id: B, name: Beta, kind: city, country: KZ, lat: 44.0, lon: 78.0, source: t, year: 2024}
links:
  - id: A-B
    from: A
    to: Bx
    mode: road
    length_km: 10
    capacity_t_per_year: -5
    source: t
    year: 2024
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, s in enumerate(text.splitlines(), 1) if needle in s)


def test_block_style_findings_point_at_the_field_line() -> None:
    net = loads_network(BLOCK, path="b.yaml")
    f = only(findings(net, "check_nonpositive_capacity"))
    assert (f.path, f.line) == ("b.yaml", _line(BLOCK, "capacity_t_per_year"))


def test_unknown_node_finding_points_at_the_to_line() -> None:
    net = loads_network(BLOCK, path="b.yaml")
    f = only(findings(net, "check_unknown_nodes"))
    assert f.line == _line(BLOCK, "to: Bx")


def test_findings_without_a_file_have_no_line(mini: Network) -> None:
    net = Network(nodes=(Node(id="A", name="A", kind="city", country="XK", lat=1.0, lon=1.0),))
    f = only(findings(net, "check_country_codes"))
    assert (f.line, f.path) == (None, None)
    assert str(f).startswith("error: nodes 'A'")


def test_unknown_node_validation_in_a_service(mini: Network) -> None:
    net = mini.replace(
        services=(
            Service(id="s", name="S", mode="ferry", stops=("KZ_P", "XX"), sailings_per_week=1.0),
        )
    )
    assert [f.rule for f in validate(net).errors] == ["check_unknown_nodes", "check_services"]
