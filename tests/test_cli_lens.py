"""Issue 16 on the command line: the corridor lens, one validation rule per test, human output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corridor_twin.cli import main
from corridor_twin.data import load_corridor
from corridor_twin.routing import route

Run = tuple[int, str, str]
AI = ("route", "--from", "Almaty", "--to", "Istanbul")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # pragma: no cover - main turns usage errors into 2
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(result: Run, *words: str) -> None:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert lines[0].startswith("corridor: error:")
    for w in words:
        assert w in lines[0], (w, lines[0])


def countries(doc: dict[str, object]) -> set[str]:
    net = load_corridor()
    routes = doc["routes"]
    assert isinstance(routes, list)
    return {
        net.node(leg[k]).country
        for r in routes
        for leg in r["legs"]
        for k in ("from_node", "to_node")
    }


# -- the corridor lens ---------------------------------------------------------------------------


def test_corridor_middle_crosses_the_caspian(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *AI, "--corridor", "middle")
    assert code == 0
    assert "middle corridor" in out.splitlines()[0]
    assert "via Kuryk, Alat" in out or "via Aktau, Alat" in out
    code, out, _ = run(capsys, *AI, "--corridor", "middle", "--format", "json")
    assert not countries(json.loads(out)) & {"RU", "BY", "IR"}


def test_compare_corridors_one_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *AI, "--compare-corridors", "middle,northern", "--draws", "2000")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[1].split()[:2] == ["corridor", "via"]
    assert "P50 days" in lines[1]
    assert "USD/TEU" in lines[1]
    assert lines[3].startswith("middle ")
    assert lines[4].startswith("northern ")
    assert re.search(r"middle vs northern: [\d.]+ days (longer|shorter)", out)
    net = load_corridor()
    days = route(net, "Almaty", "Istanbul", corridor="middle").time_days
    assert f"{days:.1f}" in lines[3]


def test_compare_corridors_json_and_bad_list(capsys: pytest.CaptureFixture[str]) -> None:
    _code, out, _ = run(
        capsys, *AI, "--compare-corridors", "middle,northern", "--draws", "0", "--format", "json"
    )
    doc = json.loads(out)
    assert [r["corridor"] for r in doc["routes"]] == ["middle", "northern"]
    one_line_error(run(capsys, *AI, "--compare-corridors", "middle"), "two or more")
    one_line_error(run(capsys, *AI, "--compare-corridors", "middle,atlantis"), "atlantis")
    one_line_error(
        run(capsys, *AI, "--compare-corridors", "middle,northern", "--k", "2"),
        "--compare-corridors",
    )


def test_unknown_corridor_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(run(capsys, *AI, "--corridor", "atlantis"), "invalid choice: 'atlantis'")


def test_corridor_on_skim_reliability_capacity(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "skim",
        "--from",
        "Almaty",
        "--to",
        "Istanbul",
        "--corridor",
        "middle",
        "--format",
        "json",
    )
    assert code == 0
    middle = route(load_corridor(), "Almaty", "Istanbul", corridor="middle")
    assert json.loads(out)[0]["time_h"] == pytest.approx(middle.time_h)
    code, out, _ = run(
        capsys,
        "reliability",
        "--from",
        "Almaty",
        "--to",
        "Istanbul",
        "--corridor",
        "middle",
        "--draws",
        "2000",
        "--seed",
        "1",
    )
    assert code == 0
    assert "Alat" in out
    assert "P90 days" in out
    assert "<" not in out
    code, out, _ = run(capsys, "capacity", "--corridor", "middle", "--format", "json")
    assert json.loads(out)["value_per_year"] == pytest.approx(100_000)


# -- validation: one rule per test ------------------------------------------------------------


def test_avoid_takes_a_comma_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *AI, "--avoid", "RU,IR", "--format", "json")
    assert code == 0
    assert not countries(json.loads(out)) & {"RU", "IR"}


def test_avoid_takes_country_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, by_name, _ = run(capsys, *AI, "--avoid", "Russia", "--avoid", "iran", "--format", "json")
    _, by_code, _ = run(capsys, *AI, "--avoid", "RU,IR", "--format", "json")
    assert code == 0
    assert json.loads(by_name) == json.loads(by_code)


@pytest.mark.parametrize(
    ("value", "word"),
    [("XX", "no node in XX"), ("Atlantis", "not a country"), ("FR", "no node in FR")],
)
def test_avoid_unknown_country_is_refused(
    capsys: pytest.CaptureFixture[str], value: str, word: str
) -> None:
    one_line_error(run(capsys, *AI, "--avoid", value), f"--avoid '{value}'", word)
    one_line_error(run(capsys, "capacity", "--avoid", value), word)
    one_line_error(
        run(capsys, "reliability", "--from", "Almaty", "--to", "Istanbul", "--avoid", value), word
    )


def test_k_zero_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(run(capsys, *AI, "--k", "0"), "--k", "at least 1")
    one_line_error(
        run(capsys, "reliability", "--from", "Almaty", "--to", "Istanbul", "--k", "0"), "--k"
    )
    one_line_error(run(capsys, "export", "html", "--k", "0"), "--k")


def test_value_of_time_needs_generalized(capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(
        run(capsys, *AI, "--value-of-time", "5"), "--value-of-time", "--optimize generalized"
    )
    one_line_error(run(capsys, *AI, "--co2-price", "80", "--optimize", "cost"), "--co2-price")
    code, _, _ = run(capsys, *AI, "--value-of-time", "5", "--optimize", "generalized")
    assert code == 0


def test_k_with_pareto_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(run(capsys, *AI, "--k", "3", "--pareto"), "--k and --pareto")


def test_modes_without_a_route_say_why(capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(
        run(capsys, *AI, "--modes", "ferry"), "no route", "with ferry only", "has only rail links"
    )
    one_line_error(run(capsys, *AI, "--modes", "rail,teleport"), "unknown mode", "teleport")


def test_cargo_is_case_insensitive(capsys: pytest.CaptureFixture[str]) -> None:
    _, lower, _ = run(capsys, *AI, "--format", "json")
    code, upper, _ = run(capsys, *AI, "--cargo", "Container", "--format", "json")
    assert code == 0
    assert json.loads(upper) == json.loads(lower)
    one_line_error(run(capsys, *AI, "--cargo", "unobtainium"), "unknown cargo")


def test_export_html_route_options_need_a_route(capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(run(capsys, "export", "html", "--avoid", "RU"), "--avoid", "--route")


# -- human output -----------------------------------------------------------------------------


def test_k_routes_are_one_table_named_by_places(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *AI, "--k", "3")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 6  # title, header, rule, three routes
    assert max(len(x) for x in lines) < 160
    assert "Ganyushkino, Derbent" in out


def test_capacity_is_a_table_and_names_the_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "capacity")
    assert code == 0
    assert "<" not in out
    assert "100,000 TEU/year" in out
    assert "Alat seaport (AZ_ALAT)" in out
    code, out, _ = run(capsys, "capacity", "--scenario", "more-caspian-ferries")
    assert "scenario more-caspian-ferries" in out
    assert "no change to this figure" in out
    assert "because the binding capacity is elsewhere" in out
    code, out, _ = run(capsys, "capacity", "--scenario", "baku-port-phase-2")
    assert "baseline 100,000 TEU/year: +" in out


def test_reliability_is_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "reliability",
        "--from",
        "Almaty",
        "--to",
        "Istanbul",
        "--k",
        "2",
        "--draws",
        "2000",
        "--seed",
        "2",
        "--deadline-days",
        "14",
    )
    assert code == 0
    assert "<ReliabilityResult" not in out
    assert "P50 days" in out
    assert "on time <= 14 d" in out
    assert "seed 2" in out


def test_assign_has_units_and_no_raw_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "assign", "--method", "restricted_arcs", "--top", "5")
    assert code == 0
    assert "NaN" not in out
    assert "e+0" not in out
    assert "units/year" not in out
    assert re.search(r"demand [\d,]+ t \+ [\d,]+ TEU per year", out)
    # A bidirectional ferry has a capacity row per direction: each row says which.
    # (a Caspian vessel: the Kuryk rail ferry or, since December 2026, the Aktau bulk carriers)
    assert re.search(r"S_(ASCO_KUR|DRY_AKT)_ALAT (Kuryk|Aktau) -> Alat", out)
    code, out, _ = run(capsys, "assign", "--top", "5")  # the calibrated market model
    assert code == 0
    assert "NaN" not in out
    assert "e+0" not in out


def test_compare_report_starts_with_the_headline(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys,
        "compare",
        "baku-port-phase-2",
        "more-caspian-ferries",
        "--analyses",
        "throughput,assignment",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    assert "NaN" not in out
    assert "e+0" not in out
    assert re.search(
        r"baku-port-phase-2: Middle Corridor throughput \(TEU/year\) [\d,]+ -> [\d,]+ \(\+", out
    )
    report = (tmp_path / "report.md").read_text(encoding="utf-8").splitlines()
    assert report[2] == "## Headline"
    assert report[4].startswith("- baku-port-phase-2: Middle Corridor throughput")
    assert report.index("## Headline") < report.index("## What the scenarios change")


def test_shipment_csv_takes_names_and_a_corridor(tmp_path: Path) -> None:
    from corridor_twin.errors import DemandError
    from corridor_twin.simulate import read_shipments_csv

    net = load_corridor()
    f = tmp_path / "s.csv"
    f.write_text(
        "origin,destination,commodity,amount,unit,release_h,corridor\n"
        "almaty,Istanbul,Container,2,teu,0,middle\n"
        "KZ_ALA,TR_IST,container,1,teu,5,\n",
        encoding="utf-8",
    )
    sh = read_shipments_csv(f, net)
    assert sh.n == 2
    assert {(o.origin, o.destination, o.commodity, o.corridor) for o in sh.ods} == {
        ("KZ_ALA", "TR_IST", "container", "middle"),
        ("KZ_ALA", "TR_IST", "container", None),
    }
    f.write_text(
        "origin,destination,commodity,amount,unit,release_h,corridor\n"
        "Almaty,Istanbul,container,2,teu,0,atlantis\n",
        encoding="utf-8",
    )
    with pytest.raises(DemandError, match=r"s\.csv:2: unknown corridor 'atlantis'"):
        read_shipments_csv(f, net)


def test_simulate_names_the_scenario_and_keeps_to_a_corridor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        "--days",
        "3",
        "--seed",
        "1",
        "--scenario",
        "caspian-storm-week",
        "--corridor",
        "middle",
    )
    assert code == 0
    assert out.startswith("Simulation, scenario caspian-storm-week")
    one_line_error(
        run(capsys, "simulate", "--days", "3", "--corridor", "atlantis"), "invalid choice"
    )


def test_corridor_serves_and_simulation_option() -> None:
    from corridor_twin.errors import OptionError
    from corridor_twin.routing.paths import corridor_serves
    from corridor_twin.simulate import SimulationOptions

    comp = load_corridor().compiled()
    assert corridor_serves(comp, "middle", "KZ_ALA")
    assert not corridor_serves(comp, "middle", "RU_AKS")
    with pytest.raises(OptionError, match="corridor must be one of"):
        SimulationOptions(corridor="atlantis")


def test_compare_headline_says_why_the_throughput_does_not_move(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "compare", "more-caspian-ferries", "--analyses", "throughput,bottlenecks"
    )
    assert code == 0
    assert (
        "more-caspian-ferries: Middle Corridor throughput unchanged at 100,000 TEU/year, "
        "because what binds (node AZ_ALAT) is not among its changes"
    ) in out
