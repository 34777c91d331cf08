"""Validation of the simulation against observed figures: table, metrics, CLI, calibration."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from corridor_twin import load_corridor
from corridor_twin.cli import main
from corridor_twin.errors import OptionError
from corridor_twin.simulate.validation import (
    EXTRA_SOURCES,
    OBSERVED,
    ModelValidationReport,
    ObservedFigure,
    ValidationRow,
    bias,
    validate_model,
    wape,
)


def _fig(name: str, low: float, high: float, unit: str = "h") -> ObservedFigure:
    return ObservedFigure(name, low, high, unit, "cpmm-2020", 2020, "test", "caspian_wait")


def test_every_observed_figure_has_a_source_year_and_measure() -> None:
    keys = {s.key for s in load_corridor().sources} | set(EXTRA_SOURCES)
    assert len(OBSERVED) >= 8
    for f in OBSERVED:
        assert f.source in keys, f.name
        assert 2000 < f.year < 2030
        assert f.measure
        assert f.unit in {"d", "h", "teu", "wagons"}
        assert f.low <= f.high


def test_metrics_on_a_hand_made_example() -> None:
    obs, sim = [10.0, 20.0, 30.0], [12.0, 15.0, 30.0]
    # WAPE = (2 + 5 + 0) / 60, bias = (2 - 5 + 0) / 60
    assert wape(obs, sim) == pytest.approx(7 / 60)
    assert bias(obs, sim) == pytest.approx(-3 / 60)
    assert math.isnan(wape([0.0], [1.0]))


def test_rows_errors_and_range_flags() -> None:
    in_range = ValidationRow(_fig("r", 48.0, 192.0), 92.0)
    assert in_range.figure.observed == 120.0
    assert in_range.abs_error == -28.0
    assert in_range.pct_error == pytest.approx(-28.0 / 120.0 * 100)
    assert in_range.within
    assert not ValidationRow(_fig("r", 48.0, 192.0), 200.0).within
    point = _fig("p", 20.1, 20.1)
    assert ValidationRow(point, 21.0).within  # within 10 %
    assert not ValidationRow(point, 23.0).within
    assert not ValidationRow(point, math.nan).within


def test_summary_groups_days_with_hours_and_computes_wape_and_bias() -> None:
    rows = (
        ValidationRow(_fig("a", 1.0, 1.0, "d"), 2.0),  # 24 h observed, 48 h simulated
        ValidationRow(_fig("b", 24.0, 24.0, "h"), 12.0),
        ValidationRow(_fig("c", 100.0, 100.0, "teu"), 90.0),
    )
    rep = ModelValidationReport(rows=rows, days=10.0, seed=1, replications=1)
    s = rep.summary().set_index("group")
    assert s.loc["time_h", "figures"] == 2
    assert s.loc["time_h", "wape"] == pytest.approx((24 + 12) / 48)
    assert s.loc["time_h", "bias"] == pytest.approx((24 - 12) / 48)
    assert s.loc["teu", "wape"] == pytest.approx(0.1)
    assert s.loc["teu", "bias"] == pytest.approx(-0.1)
    frame = rep.to_frame()
    assert list(frame["figure"]) == ["a", "b", "c"]
    assert {"observed", "simulated", "abs_error", "pct_error", "within_range", "source"} <= set(
        frame.columns
    )


def test_validate_model_short_run_reports_every_figure_with_its_source() -> None:
    rep = validate_model(days=8, seed=2)
    frame = rep.to_frame()
    assert len(frame) == len(OBSERVED)
    assert frame["source"].notna().all()
    assert all(rep.sources[k] for k in frame["source"])
    assert rep.manifests[0]["days"] == 8
    assert "ValidationReport" in repr(rep)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"days": 0}, "days"), ({"seed": 1.5}, "seed"), ({"replications": 0}, "replications")],
)
def test_validate_model_bad_options(kwargs: dict[str, float], words: str) -> None:
    with pytest.raises(OptionError, match=words):
        validate_model(**kwargs)  # type: ignore[arg-type]


def test_cli_table_json_csv(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["validate-model", "--days", "6", "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert "WAPE" in text
    assert "Sources:" in text
    assert "cpmm-2020" in text
    out = tmp_path / "report.json"
    assert main(["validate-model", "--days", "6", "--format", "json", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("wrote ")
    doc = json.loads(out.read_text())
    assert len(doc["figures"]) == len(OBSERVED)
    assert {"group", "wape", "bias"} <= set(doc["summary"][0])
    assert main(["validate-model", "--days", "6", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("figure,unit,observed")


@pytest.mark.parametrize(
    "argv",
    [
        ["validate-model", "--days", "0"],
        ["validate-model", "--replications", "0"],
        ["validate-model", "--format", "xml"],
        ["validate-model", "--days", "abc"],
        ["validate-model", "--demand", "/nonexistent/demand.yaml"],
    ],
)
def test_cli_bad_input_exits_2(argv: list[str], capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(argv) == 2
    assert "corridor: error:" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known gap (docs/simulation.md, 'Known gap', measured December 2026): seed 1, a "
    "year: Alat time at port 35.5 h (range 20.1-30 h), Baku port wagons 58,106 (observed "
    "37,515). 27,500 of the wagon loads are the TITR containers, which the simulation's "
    "time-based routing sends over the rail ferries (KMG: 55,000 of the 56,500 TEU crossed on "
    "the Aktau - Baku container route in 2024); with them on the feeders the wagons are 31,100 "
    "(-17 %, the demand table holds TITR cargo only, not the Turkmenbashi line's) whatever the "
    "sailings; operated sailings alone do not close it; strict: fails once back in range",
)
def test_calibrated_figures_stay_within_their_sourced_ranges() -> None:
    """Seed 1, a year: the figures the calibration reached (docs/simulation.md)."""
    rep = validate_model(days=365, seed=1)
    rows = {r.figure.name: r for r in rep.rows}
    for name in (
        "Xi'an -> Malaszewicze, Northern route",
        "Caspian rail-ferry wait for a sailing",
        "AZ-GE rail border (Boyuk Kesik / Gardabani)",
        "Alat (Baku port) vessel handling time",
        "Alat (Baku port) vessel time at port incl. berth wait",  # 4 berths; see the docs
        "Baku port rail wagons (both directions)",
    ):
        assert rows[name].within, (name, rows[name].simulated)
    # Between the official (18-23 d) and the forwarders' (31-34 d) China -> Constanta times.
    transit = rows["Xi'an -> Constanta via TITR, official"].simulated
    assert 18.0 <= transit <= 34.0
