"""Reading and writing network files: YAML round trip, error messages, atomic writes, GeoJSON."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor_twin.errors import CorridorError, DataError, NetworkFileError
from corridor_twin.io import (
    dumps_network,
    loads_network,
    read_network,
    to_geojson,
    write_geojson,
    write_network,
    yaml_io,
)
from corridor_twin.network.model import Meta, Network, Node, Provenance
from strategies import rail_cases, yaml_text


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of ``needle``."""
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in text")


# -- loading ---------------------------------------------------------------------------------


def test_reads_the_test_corridor(mini: Network, mini_path: Path) -> None:
    counts = {
        t: len(getattr(mini, t))
        for t in (
            "nodes",
            "links",
            "transfers",
            "borders",
            "services",
            "restrictions",
            "commodities",
            "emission_factors",
            "modes",
            "sources",
        )
    }
    assert counts == {
        "nodes": 6,
        "links": 6,
        "transfers": 5,
        "borders": 6,
        "services": 1,
        "restrictions": 1,
        "commodities": 3,
        "emission_factors": 4,
        "modes": 3,
        "sources": 1,
    }
    assert mini.meta == Meta(
        name="mini", description="test corridor", currency="USD", price_year=2024
    )
    link = mini.link("A-B")
    assert (link.from_node, link.to_node, link.mode, link.gauge_mm) == (
        "CN_A",
        "KZ_B",
        "rail",
        1435,
    )
    assert link.bidirectional is True
    assert isinstance(link.length_km, float)
    assert mini.node("CN_A").aliases == ("Origin",)
    assert mini.find_node("origin").id == "CN_A"
    assert mini.service("ferry").stops == ("KZ_P", "AZ_P")
    assert mini.commodity("container").modes == ("rail", "road", "ferry", "sea")
    assert {m.id for m in mini.modes} == {"rail", "road", "ferry"}
    assert mini.source("t").title == "test figures"
    assert mini.node("KZ_C").provenance == Provenance(source="t", year=2024)
    assert mini.origin.path == str(mini_path)


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_document_is_refused(text: str) -> None:
    with pytest.raises(NetworkFileError, match="holds no network"):
        loads_network(text)


# -- round trip ------------------------------------------------------------------------------


def test_round_trip_is_lossless(mini: Network) -> None:
    assert loads_network(dumps_network(mini)) == mini


def test_dumped_text_is_stable(mini: Network) -> None:
    text = dumps_network(mini)
    assert dumps_network(mini) == text
    assert dumps_network(loads_network(text)) == text


def test_write_then_read_gives_an_equal_network(mini: Network, tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    write_network(mini, path)
    first = path.read_text(encoding="utf-8")
    back = read_network(path)
    assert back == mini
    write_network(back, path)
    assert path.read_text(encoding="utf-8") == first


FIGURE_TEXT = """
sources: {me: {title: My survey}, ktz: {title: KTZ, publisher: KTZ, date: "2025-09"}}
nodes:
  - {id: A, name: Alpha, kind: city, country: KZ, lat: 43.2, lon: 76.9, source: me, year: 2024}
  - {id: B, name: Beta, kind: seaport, country: KZ, lat: 43.6, lon: 51.2, source: me,
     year: 2024, estimate: true}
links:
  - id: A-B
    from: A
    to: B
    mode: rail
    gauge_mm: 1520
    source: me
    year: 2023
    length_km: 3000
    speed_kmh: {value: 62.5, source: ktz, year: 2025, estimate: true,
                note: "1,500 km/day target"}
    duration_h: {value: 0, source: ktz, year: 2025, derived: true}
"""


def test_per_figure_provenance_is_kept() -> None:
    net = loads_network(FIGURE_TEXT)
    link = net.link("A-B")
    assert link.speed_kmh == 62.5
    assert link.provenance == Provenance(source="me", year=2023)
    assert link.provenance_of("speed_kmh") == Provenance(
        source="ktz", year=2025, estimate=True, note="1,500 km/day target"
    )
    assert link.provenance_of("length_km") == link.provenance
    # a figure equal to its default is still kept when it carries its own provenance
    assert link.duration_h == 0.0
    assert link.provenance_of("duration_h").derived is True
    assert net.node("B").provenance.estimate is True
    back = loads_network(dumps_network(net))
    assert back == net
    assert back.link("A-B").provenance_of("speed_kmh") == link.provenance_of("speed_kmh")
    assert "1,500 km/day target" in dumps_network(net)


@given(
    case=rail_cases(max_nodes=6),
    names=st.lists(yaml_text, min_size=6, max_size=6),
    notes=st.lists(st.none() | yaml_text, min_size=6, max_size=6),
    prov=st.builds(
        Provenance,
        source=st.none() | yaml_text,
        year=st.none() | st.integers(1900, 2100),
        estimate=st.booleans(),
        derived=st.booleans(),
    ),
)
def test_round_trip_of_random_networks(case, names, notes, prov) -> None:  # type: ignore[no-untyped-def]
    net = case.net
    nodes = tuple(
        dataclasses.replace(n, name=names[i], notes=notes[i], aliases=(names[i],), provenance=prov)
        for i, n in enumerate(net.nodes)
    )
    links = tuple(
        dataclasses.replace(
            lk, figure_provenance=(("speed_kmh", dataclasses.replace(prov, note=notes[0])),)
        )
        for lk in net.links
    )
    net = net.replace(nodes=nodes, links=links, meta=Meta(name=names[0], description=notes[1]))
    text = dumps_network(net)
    back = loads_network(text)
    assert back == net
    assert dumps_network(back) == text


def test_round_trip_keeps_next_line_character() -> None:
    net = Network(
        nodes=(Node(id="A", name="A", kind="city", country="KZ", lat=1.0, lon=2.0, notes="a\x85b"),)
    )
    assert loads_network(dumps_network(net)) == net


# -- malformed input -------------------------------------------------------------------------


def _broken(mini_path: Path, tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    text = mini_path.read_text(encoding="utf-8")
    assert old in text
    bad = text.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(bad, encoding="utf-8")
    return path, bad


# (old text, new text, line marker in the new text, field, words in the message)
MALFORMED = {
    "yaml-syntax": ("  - {id: KZ_C,", "  - {id: KZ_C,,", "{id: KZ_C,,", None, ["invalid YAML"]),
    "unknown-table": (
        "borders:",
        "bordres:",
        "bordres:",
        "bordres",
        ["unknown table 'bordres'", "did you mean 'borders'"],
    ),
    "unknown-attribute": (
        "length_km: 800",
        "lenght_km: 800",
        "lenght_km",
        "lenght_km",
        ["unknown attribute 'lenght_km'", "did you mean 'length_km'"],
    ),
    "wrong-type": (
        "length_km: 800",
        "length_km: abc",
        "length_km: abc",
        "length_km",
        ["'length_km' must be a number", "'abc'"],
    ),
    "missing-required": (
        ", lat: 44.0, lon: 70.0",
        "",
        "{id: KZ_C",
        None,
        ["missing required", "'lat'", "'lon'", "KZ_C"],
    ),
    "list-as-string": (
        "aliases: [Origin]",
        "aliases: Origin",
        "aliases: Origin",
        "aliases",
        ["'aliases' must be a list"],
    ),
    "bad-year": (
        "transit_dwell_h: 5, source: t, year: 2024",
        "transit_dwell_h: 5, source: t, year: twenty",
        "year: twenty",
        "year",
        ["'year' must be a year"],
    ),
    "bool-as-number": (
        "length_km: 800",
        "length_km: true",
        "length_km: true",
        "length_km",
        ["must be a number"],
    ),
    "not-a-whole-number": (
        "gauge_mm: 1435",
        "gauge_mm: 1435.5",
        "gauge_mm: 1435.5",
        "gauge_mm",
        ["whole number"],
    ),
    "bad-bool": (
        "bidirectional: true, length_km: 800",
        "bidirectional: 1, length_km: 800",
        "bidirectional: 1",
        "bidirectional",
        ["true or false"],
    ),
    "plain-attribute-as-figure": (
        "name: Junction",
        "name: {value: Junction, source: t}",
        "{value: Junction",
        "name",
        ["not a sourced figure"],
    ),
    "unknown-meta": (
        "price_year: 2024}",
        "price_year: 2024, owner: me}",
        "owner: me",
        "owner",
        ["unknown meta attribute 'owner'"],
    ),
    "table-not-a-list": (
        "restrictions:\n",
        "restrictions: {}\nx_restrictions:\n",
        "x_restrictions",
        "x_restrictions",
        ["unknown table"],
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_file_names_file_line_and_field(
    case: str, mini_path: Path, tmp_path: Path
) -> None:
    old, new, marker, field, words = MALFORMED[case]
    path, text = _broken(mini_path, tmp_path, old, new)
    with pytest.raises(NetworkFileError) as info:
        read_network(path)
    err = info.value
    line = line_of(text, marker)
    assert err.path == str(path)
    assert err.line == line
    assert err.field == field
    message = str(err)
    assert message.startswith(f"{path}:{line}: ")
    for word in words:
        assert word in message
    assert "\n" not in message


def test_figure_mapping_errors_point_at_the_figure() -> None:
    text = FIGURE_TEXT.replace("year: 2025, estimate: true,", "year: soon, estimate: true,")
    with pytest.raises(NetworkFileError, match="'year' must be a year") as info:
        loads_network(text, path="f.yaml")
    assert info.value.line == line_of(text, "year: soon")
    text = FIGURE_TEXT.replace("derived: true}", "derived: true, sauce: x}")
    with pytest.raises(NetworkFileError, match=r"unknown keys \['sauce'\]"):
        loads_network(text, path="f.yaml")


def test_block_style_errors_point_at_the_field_line() -> None:
    text = FIGURE_TEXT.replace("gauge_mm: 1520", "gauge_mm: wide")
    with pytest.raises(NetworkFileError) as info:
        loads_network(text, path="f.yaml")
    assert info.value.line == line_of(text, "gauge_mm: wide")
    assert info.value.field == "gauge_mm"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("- just\n- a list\n", "must be a mapping of tables"),
        ("nodes: [5]\n", "nodes[0] must be a mapping"),
        ("nodes:\n  - {name: x}\n", "nodes[0] has no 'id'"),
        ("sources: {k: {publisher: x}}\n", "source 'k' needs at least a title"),
        ("sources: [a, b]\n", "'sources' must be a mapping"),
        ("meta: [a]\n", "'meta' must be a mapping"),
    ],
)
def test_other_malformed_documents(text: str, words: str) -> None:
    with pytest.raises(NetworkFileError, match=re.escape(words)) as info:
        loads_network(text, path="x.yaml")
    assert str(info.value).startswith("x.yaml:")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(NetworkFileError, match="no such file") as info:
        read_network(path)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)


def test_file_errors_belong_to_the_error_tree() -> None:
    assert issubclass(NetworkFileError, DataError)
    assert issubclass(NetworkFileError, CorridorError)
    assert issubclass(NetworkFileError, ValueError)


# -- atomic write ------------------------------------------------------------------------------


def test_write_is_a_rename_of_a_complete_temporary_file(
    mini: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "net.yaml"
    calls: list[tuple[Path, Path, str]] = []
    real_replace = os.replace

    def spy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append((Path(src), Path(dst), Path(src).read_text(encoding="utf-8")))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_network(mini, target)
    assert len(calls) == 1
    src, dst, content = calls[0]
    assert dst == target
    assert src != target
    assert src.parent == target.parent  # same file system, so the rename is atomic
    assert content == dumps_network(mini)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.yaml"]


def test_failed_dump_leaves_existing_file_intact(
    mini: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "net.yaml"
    target.write_text("original\n", encoding="utf-8")

    def boom(net: Network) -> str:
        raise RuntimeError("dump failed")

    monkeypatch.setattr(yaml_io, "dumps_network", boom)
    with pytest.raises(RuntimeError, match="dump failed"):
        write_network(mini, target)
    assert target.read_text(encoding="utf-8") == "original\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.yaml"]


def test_failed_rename_leaves_no_temporary_file(
    mini: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "net.yaml"
    target.write_text("original\n", encoding="utf-8")

    def fail(src: object, dst: object) -> None:
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="rename failed"):
        write_network(mini, target)
    assert target.read_text(encoding="utf-8") == "original\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.yaml"]


# -- GeoJSON -------------------------------------------------------------------------------------


def test_geojson_points_and_lines(mini: Network) -> None:
    fc = to_geojson(mini)
    assert fc["type"] == "FeatureCollection"
    assert fc["name"] == "mini"
    points = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
    lines = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    assert [f["id"] for f in points] == [n.id for n in mini.nodes]
    assert [f["id"] for f in lines] == [lk.id for lk in mini.links]
    assert len(fc["features"]) == len(points) + len(lines)
    node = mini.node("KZ_P")
    point = next(f for f in points if f["id"] == "KZ_P")
    assert point["geometry"]["coordinates"] == [node.lon, node.lat]  # GeoJSON is lon, lat
    line = next(f for f in lines if f["id"] == "P-P")
    a, b = mini.node("KZ_P"), mini.node("AZ_P")
    assert line["geometry"]["coordinates"] == [[a.lon, a.lat], [b.lon, b.lat]]


def test_geojson_properties_carry_attributes_and_provenance(mini: Network) -> None:
    fc = to_geojson(mini)
    for f in fc["features"]:
        props = f["properties"]
        assert props["table"] in ("nodes", "links")
        assert (props["source"], props["year"]) == ("t", 2024)
        assert props["estimate"] is False
        assert props["id"] == f["id"]
    link = next(f for f in fc["features"] if f["id"] == "B-C")["properties"]
    assert (link["from"], link["to"], link["length_km"], link["gauge_mm"]) == (
        "KZ_B",
        "KZ_C",
        800.0,
        1520,
    )
    node = next(f for f in fc["features"] if f["id"] == "CN_A")["properties"]
    assert node["aliases"] == ["Origin"]


def test_write_geojson(mini: Network, tmp_path: Path) -> None:
    path = tmp_path / "mini.geojson"
    write_geojson(mini, path)
    assert json.loads(path.read_text(encoding="utf-8")) == to_geojson(mini)
