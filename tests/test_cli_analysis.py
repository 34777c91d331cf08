"""CLI commands for capacity, assignment and scenarios, on the bundled corridor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor_twin.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_capacity_default_is_the_middle_corridor_and_names_the_caspian(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "capacity")
    assert code == 0
    assert "TEU/year" in out
    assert "AZ_ALAT" in out  # Alat port, where every Caspian ship lands, binds


def test_capacity_json_and_scenario_raise_throughput(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "capacity", "--format", "json")
    base = json.loads(out)["value_per_year"]
    code2, out2, _ = run(capsys, "capacity", "--format", "json", "--scenario", "baku-port-phase-2")
    code3, out3, _ = run(
        capsys, "capacity", "--format", "json", "--scenario", "more-caspian-ferries"
    )
    assert code == code2 == code3 == 0
    assert json.loads(out2)["value_per_year"] > base  # the binding port expands
    # More ferries alone do not help while Alat binds.
    assert json.loads(out3)["value_per_year"] == pytest.approx(base)


def test_capacity_bad_input_exits_2(capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "capacity", "--from", "Nowhereville", "--to", "Alat")
    assert code == 2
    assert err.startswith("corridor: error:")
    code, _, err = run(capsys, "capacity", "--scenario", "no-such-scenario")
    assert code == 2
    assert "bundled" in err


def test_assign_prints_totals_and_json(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "assign", "--method", "restricted_arcs", "--top", "3")
    assert code == 0
    assert "unmet" in out
    assert "USD/year" in out
    code, out, _ = run(capsys, "assign", "--method", "restricted_arcs", "--format", "json")
    doc = json.loads(out)
    assert doc["status"] == "optimal"
    assert doc["totals"]["demand_per_year"] > 0


def test_assign_bad_demand_file_exits_2(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "demand.yaml"
    bad.write_text(
        "rows: [{id: x, origin: KZ_ALA, destination: Nowhere, commodity: container,"
        " amount_per_year: 5, unit: teu}]\n"
    )
    code, _, err = run(capsys, "assign", "--method", "restricted_arcs", "--demand", str(bad))
    assert code == 2
    assert "corridor: error:" in err


def test_compare_writes_tables_and_report(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = run(
        capsys,
        "compare",
        "baku-port-phase-2",
        "more-caspian-ferries",
        "--analyses",
        "throughput,bottlenecks",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    assert "more-caspian-ferries" in out
    for name in (
        "changes.csv",
        "throughput.csv",
        "bottlenecks.csv",
        "comparison.json",
        "report.md",
    ):
        assert (tmp_path / name).exists(), name
    report = (tmp_path / "report.md").read_text()
    assert "AZ_ALAT" in report
    assert "max_teu_per_year" in report


def test_scenarios_lists_the_bundled_ones(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "scenarios")
    assert code == 0
    assert "baku-port-phase-2" in out
    assert "caspian-storm-week" in out


def test_compare_charts_are_pngs(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    code, _, _ = run(
        capsys,
        "compare",
        "more-caspian-ferries",
        "--analyses",
        "throughput,assignment",
        "--charts",
        str(tmp_path),
    )
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "throughput.png" in names
    assert "assignment.png" in names
    assert "utilisation_baseline.png" in names
    for p in tmp_path.iterdir():
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reliability_is_reproducible_and_reports_on_time(capsys) -> None:  # type: ignore[no-untyped-def]
    args = (
        "reliability",
        "--from",
        "Almaty",
        "--to",
        "Istanbul",
        "--deadline-days",
        "14",
        "--draws",
        "20000",
        "--seed",
        "3",
        "--format",
        "json",
    )
    code, out, _ = run(capsys, *args)
    code2, out2, _ = run(capsys, *args)
    assert code == code2 == 0
    assert out == out2  # same seed, same numbers
    row = json.loads(out)[0]
    assert 0 < row["on_time_probability"] < 1
    assert row["p50_h"] <= row["p90_h"] <= row["p95_h"]
    code, _, err = run(
        capsys, "reliability", "--from", "Almaty", "--to", "Istanbul", "--draws", "0"
    )
    assert code == 2
    assert "draws" in err
