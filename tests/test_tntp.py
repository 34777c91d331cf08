"""TNTP reader and ``corridor equilibrium``: the field's test networks and their published flows."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corridor_twin.cli import main
from corridor_twin.errors import DemandError, NetworkFileError
from corridor_twin.flow.traffic import compare_link_flows, traffic_equilibrium
from corridor_twin.io.tntp import (
    read_tntp_flow,
    read_tntp_network,
    read_tntp_readme,
    read_tntp_trips,
)

DATA = Path(__file__).parent / "data" / "tntp"
BENCH = Path(__file__).parents[1] / "benchmarks" / "data" / "tntp"
NET, TRIPS, FLOW = (DATA / f"SiouxFalls_{k}.tntp" for k in ("net", "trips", "flow"))

HEADER = "<NUMBER OF NODES> 3\n<NUMBER OF LINKS> 2\n<FIRST THRU NODE> 1\n<END OF METADATA>\n"


def test_sioux_falls_is_read_whole() -> None:
    net = read_tntp_network(NET)
    trips = read_tntp_trips(TRIPS)
    assert (net.n_nodes, net.n_links, net.first_thru_node) == (24, 76, 1)
    assert (net.toll_factor, net.distance_factor) == (0.0, 0.0)
    assert net.capacity[0] == pytest.approx(25900.20064)
    assert np.all(net.b == 0.15)
    assert np.all(net.power == 4.0)
    assert trips.total == pytest.approx(360600.0)
    assert len(read_tntp_flow(FLOW)) == 76


def test_sioux_falls_matches_the_published_equilibrium() -> None:
    res = traffic_equilibrium(read_tntp_network(NET), read_tntp_trips(TRIPS), relative_gap=1e-5)
    assert res.status == "converged"
    assert res.relative_gap <= 1e-5
    cmp = compare_link_flows(res.to_frame(), read_tntp_flow(FLOW))
    assert cmp.links == 76
    assert cmp.max_volume_diff_pct <= 1.0
    assert abs(cmp.total_cost_diff_pct) <= 0.1


def test_readme_weights_and_units_are_read() -> None:
    w = read_tntp_readme(BENCH / "ChicagoSketch_README.md")
    assert (w.toll_factor, w.distance_factor) == (0.02, 0.04)
    assert w.units["distance"] == "miles"
    net = read_tntp_network(BENCH / "ChicagoSketch_net.tntp")
    assert (net.toll_factor, net.distance_factor) == (0.02, 0.04)
    anaheim = read_tntp_network(BENCH / "Anaheim_net.tntp")
    assert anaheim.first_thru_node == 39
    assert read_tntp_network(BENCH / "ChicagoSketch_net.tntp", use_readme=False).toll_factor == 0


def test_metadata_weights_win_over_the_readme(tmp_path: Path) -> None:
    (tmp_path / "T_net.tntp").write_text(
        "<NUMBER OF LINKS> 1\n<TOLL FACTOR> 0.5\n<DISTANCE FACTOR> 2\n<END OF METADATA>\n"
        "1 2 10 3 1 0.15 4 0 2 1 ;\n"
    )
    (tmp_path / "T_README.md").write_text(
        "## Generalized Cost Weights\nToll: 0.1 minutes/cent\nDistance: 0.3 minutes/mile\n"
    )
    net = read_tntp_network(tmp_path / "T_net.tntp")
    assert (net.toll_factor, net.distance_factor) == (0.5, 2.0)
    (tmp_path / "T_net.tntp").write_text(
        "<NUMBER OF LINKS> 1\n<END OF METADATA>\n1 2 10 3 1 0.15 4 0 2 1 ;\n"
    )
    net = read_tntp_network(tmp_path / "T_net.tntp")
    assert (net.toll_factor, net.distance_factor) == (0.1, 0.3)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("1 2 100 1 1 0.15 4 0 0 1\n2 3 100 1 1 0.15 4 0 0 1 ;\n", r"x_net.tntp:5: .*';'"),
        (
            "1 2 100 1 one 0.15 4 0 0 1 ;\n2 3 100 1 1 0.15 4 0 0 1 ;\n",
            r":5: field 5 is not a number",
        ),
        ("1 2 100 1 1 0.15 4 0 0 1 ;\n2 3 0 1 1 0.15 4 0 0 1 ;\n", r":6: capacity must be > 0"),
        ("1 2 100 1 1 0.15 4 0 0 1 ;\n", r"<NUMBER OF LINKS> says 2 but the file has 1"),
        ("1 2 ;\n2 3 100 1 1 ;\n", r":5: a link needs at least 5 fields"),
        ("1.5 2 100 1 1 ;\n2 3 100 1 1 ;\n", r":5: node id 1.5 is not an integer"),
    ],
)
def test_malformed_net_files_name_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "x_net.tntp"
    path.write_text(HEADER + body)
    with pytest.raises(NetworkFileError, match=message):
        read_tntp_network(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  2 : 5;\n", r"x_trips.tntp:3: a demand record before any 'Origin' line"),
        ("Origin 1\n  2 = 5;\n", r":4: expected 'destination : trips'"),
        ("Origin 1\n  2 : -5;\n", r":4: trips must be a number >= 0"),
        ("Origin x\n", r":3: expected 'Origin <node id>'"),
        ("Origin 1\n  2 : 5;\n", r"<TOTAL OD FLOW> says 9 but the pairs sum to 5"),
    ],
)
def test_malformed_trips_files_name_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "x_trips.tntp"
    path.write_text("<TOTAL OD FLOW> 9\n<END OF METADATA>\n" + body)
    with pytest.raises(DemandError, match=message):
        read_tntp_trips(path)


def test_comments_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "c_net.tntp"
    path.write_text(
        HEADER + "~ a comment line\n1 2 100 1 1 ; ~ trailing comment\n2 3 100 1 1 0.15 4 0 0 1 ;\n"
    )
    assert read_tntp_network(path).n_links == 2
    with pytest.raises(NetworkFileError, match="cannot read"):
        read_tntp_network(tmp_path / "none_net.tntp")


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_csv_has_the_published_columns() -> None:
    code, out, err = _cli(
        "equilibrium",
        "--tntp-net",
        str(NET),
        "--tntp-trips",
        str(TRIPS),
        "--gap",
        "1e-5",
        "--format",
        "csv",
        "--tntp-flow",
        str(FLOW),
    )
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == ["from", "to", "volume", "cost"]
    assert len(frame) == 76
    cmp = compare_link_flows(frame, read_tntp_flow(FLOW))
    assert cmp.max_volume_diff_pct <= 1.0
    assert "largest volume difference" in err


def test_cli_json_and_table() -> None:
    code, out, _ = _cli(
        "equilibrium", "--tntp-net", str(NET), "--tntp-trips", str(TRIPS), "--format", "json"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "converged"
    assert doc["relative_gap"] <= 1e-5
    assert len(doc["flows"]) == 76
    code, out, _ = _cli(
        "equilibrium",
        "--tntp-net",
        str(NET),
        "--tntp-trips",
        str(TRIPS),
        "--method",
        "conjugate_frank_wolfe",
        "--gap",
        "1e-3",
    )
    assert code == 0
    assert "conjugate_frank_wolfe" in out.splitlines()[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gap", "0"], "--gap must be a finite number > 0"),
        (["--toll-factor", "-1"], "--toll-factor must be a finite number >= 0"),
        (["--method", "bogus"], "invalid choice"),
        (["--gap", "abc"], "invalid float value"),
    ],
)
def test_cli_bad_options_exit_2_with_one_line(args: list[str], message: str) -> None:
    code, _, err = _cli("equilibrium", "--tntp-net", str(NET), "--tntp-trips", str(TRIPS), *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_cli_missing_file_exit_2() -> None:
    code, _, err = _cli("equilibrium", "--tntp-net", "nope_net.tntp", "--tntp-trips", str(TRIPS))
    assert code == 2
    assert "nope_net.tntp" in err
