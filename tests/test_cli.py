"""The ``corridor`` command: ``cli.main(argv)`` in-process, and the installed script once."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from corridor_twin import __version__
from corridor_twin.cli import main
from corridor_twin.network import Network
from corridor_twin.routing import k_routes, pareto_routes, route

Run = tuple[int, str, str]


def run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> Run:
    """Exit status, stdout and stderr of one command (argparse errors exit via SystemExit)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], mini_path: Path):  # type: ignore[no-untyped-def]
    """Run a command against the test corridor (``--network`` added after the subcommand)."""

    def call(*args: str, network: bool = True) -> Run:
        argv = list(args)
        if network:
            argv[1:1] = ["--network", str(mini_path)]
        return run(argv, capsys)

    return call


def assert_one_line_error(code: int, out: str, err: str, *words: str) -> None:
    assert code == 2
    assert out == ""
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert "error:" in lines[0]
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0]


ROUTE = ("route", "--from", "CN_A", "--to", "GE_T")


# -- info, validate, schema, export -------------------------------------------------------------


def test_info(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("info")
    assert (code, err) == (0, "")
    assert out.startswith("mini: test corridor\n")
    assert "nodes 6, links 6, transfers 5, borders 6, services 1" in out
    assert "countries: AZ 1, CN 1, GE 1, KZ 3" in out
    assert "active restrictions: no-grain-GE" in out
    assert "compiled: 32 vertices, 53 edges" in out


def test_validate_clean_file(cli, mini_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("validate", str(mini_path), network=False)
    assert (code, err) == (0, "")
    assert out.strip() == f"{mini_path}: 6 nodes, 6 links; 0 error(s), 0 warning(s)"
    code, _, _ = cli("validate", str(mini_path), "--strict", network=False)
    assert code == 0


def _variant(mini_path: Path, tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    text = mini_path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path = tmp_path / "variant.yaml"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if new.strip() in s)
    return path, line


def test_validate_file_with_errors(cli, mini_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, line = _variant(mini_path, tmp_path, "country: GE,", "country: XG,")
    code, out, err = cli("validate", str(path), network=False)
    assert code == 2
    assert f"{path}:{line}: error: nodes 'GE_T' field 'country'" in err
    assert "1 error(s), 0 warning(s)" in out


def test_validate_warnings_fail_only_when_strict(cli, mini_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, _ = _variant(
        mini_path,
        tmp_path,
        "GE_T, name: Terminal, kind: city, country: GE, "
        "lat: 41.7, lon: 44.8, source: t, year: 2024",
        "GE_T, name: Terminal, kind: city, country: GE, lat: 41.7, lon: 44.8, source: t",
    )
    code, out, err = cli("validate", str(path), network=False)
    assert code == 0
    assert "warning: nodes 'GE_T' field 'lat': figure has no year" in out
    assert "0 error(s), 2 warning(s)" in out
    assert err == ""
    code, out, err = cli("validate", str(path), "--strict", network=False)
    assert code == 2
    assert "figure has no year" in err


def test_validate_malformed_file(cli, mini_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, line = _variant(mini_path, tmp_path, "length_km: 800", "length_km: abc")
    code, out, err = cli("validate", str(path), network=False)
    assert_one_line_error(code, out, err, f"{path}:{line}:", "'length_km' must be a number")


def test_schema(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("schema", network=False)
    assert (code, err) == (0, "")
    header = out.splitlines()[0].split()
    assert header == ["table", "attribute", "dtype", "unit", "default", "required", "description"]
    assert any(
        line.startswith("links") and "length_km" in line and " km " in line
        for line in out.splitlines()
    )
    code, out, _ = cli("schema", "--table", "links", "--format", "csv", network=False)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["table"] for r in rows} == {"links"}
    assert {"from", "to", "length_km"} <= {r["attribute"] for r in rows}


def test_export_geojson_to_a_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "mini.geojson"
    code, out, err = cli("export", "geojson", "-o", str(target))
    assert code == 0
    assert out == ""
    assert f"wrote {target}" in err
    fc = json.loads(target.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    kinds = sorted(f["geometry"]["type"] for f in fc["features"])
    assert kinds == ["LineString"] * 6 + ["Point"] * 6


def test_export_geojson_to_stdout(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("export", "geojson")
    assert code == 0
    assert len(json.loads(out)["features"]) == 12


# -- route ---------------------------------------------------------------------------------------


def test_route_table(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(*ROUTE)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Route (best by time): CN_A -> GE_T, container (figures per TEU)"
    assert lines[1].split()[:3] == ["leg", "mode", "km"]
    assert set(lines[2]) <= {"-", " "}
    # Legs use short place names (issue 16: no 225-character tables).
    assert lines[3].startswith("Origin -> Border Station")
    assert any(line.startswith("TOTAL") for line in lines)
    assert "time 152.2 h = 6.3 days" in out
    assert "operations: transship rail:1435->road at Border Station" in out


def test_route_json(cli, mini: Network) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(*ROUTE, "--format", "json", "--optimize", "cost")
    assert code == 0
    doc = json.loads(out)
    assert doc["kind"] == "best by cost"
    (r,) = doc["routes"]
    best = route(mini, "CN_A", "GE_T", optimize="cost")
    assert (r["origin"], r["destination"], r["objective"]) == ("CN_A", "GE_T", "cost")
    assert r["cost_usd"] == pytest.approx(best.cost_usd)
    assert r["time_h"] == pytest.approx(best.time_h)
    assert [leg["link"] for leg in r["legs"]] == [leg.link for leg in best.legs]


def test_route_csv(cli, mini: Network) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(*ROUTE, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.splitlines()[0].startswith("from_node,to_node,from_name,to_name,mode,link")
    assert [r["link"] for r in rows] == [leg.link for leg in route(mini, "CN_A", "GE_T").legs]
    assert {r["route"] for r in rows} == {"1"}
    assert sum(float(r["time_h"]) for r in rows) == pytest.approx(152.25)


def test_route_k(cli, mini: Network) -> None:  # type: ignore[no-untyped-def]
    # Issue 16: several routes print one side-by-side summary (legs only with --legs).
    code, out, _ = cli(*ROUTE, "--k", "2")
    assert code == 0
    assert out.startswith("2 routes (2 best by time)")
    assert "Route 1 of 2" not in out
    header = out.splitlines()[1].split()
    assert header[:4] == ["#", "corridor", "via", "modes"]
    code, out, _ = cli(*ROUTE, "--k", "2", "--legs")
    assert "Route 1 of 2 (2 best by time)" in out
    assert "Route 2 of 2 (2 best by time)" in out
    code, out, _ = cli(*ROUTE, "--k", "2", "--format", "json")
    times = [r["time_h"] for r in json.loads(out)["routes"]]
    assert times == pytest.approx([r.time_h for r in k_routes(mini, "CN_A", "GE_T", k=2)])


def test_route_pareto(cli, mini: Network) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(*ROUTE, "--pareto", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["kind"] == "Pareto-optimal (time, cost, CO2e)"
    assert len(doc["routes"]) == len(pareto_routes(mini, "CN_A", "GE_T"))


def test_route_avoid(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(
        "route", "--from", "KZ_B", "--to", "KZ_P", "--avoid", "CN", "--format", "json"
    )
    assert code == 0
    assert "CN_A" not in json.loads(out)["routes"][0]["via"]
    assert_one_line_error(*cli(*ROUTE, "--avoid", "KZ"), "no route", "avoiding KZ")
    assert_one_line_error(*cli(*ROUTE, "--avoid", "CN"), "which you avoid")


def test_route_departure(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(*ROUTE, "--departure", "2025-11-03T00:00", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["kind"] == "earliest arrival"
    r = doc["routes"][0]
    assert r["departure"].startswith("2025-11-03T00:00")
    assert r["arrival"] > r["departure"]
    assert all(leg["departure"] and leg["arrival"] for leg in r["legs"])
    code, out, _ = cli(*ROUTE, "--departure", "2025-11-03T00:00")
    assert "departs 2025-11-03 00:00, arrives" in out


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--departure", "next monday"], ["not an ISO date-time"]),
        (["--departure", "2025-11-03T00:00", "--k", "2"], ["--departure"]),
        (["--departure", "2025-11-03T00:00", "--optimize", "cost"], ["--departure"]),
        (["--cargo", "coal"], ["unknown cargo 'coal'"]),
        (["--cargo", "crude_oil"], ["no route from CN_A to GE_T for crude_oil"]),
        (["--modes", "rail,hyperloop"], ["unknown mode"]),
        (["--optimize", "fastest"], ["invalid choice: 'fastest'"]),
        (["--format", "xml"], ["invalid choice: 'xml'"]),
        (["--k", "two"], ["invalid int value"]),
        (["--value-of-time", "-5", "--optimize", "generalized"], ["value_of_time"]),
        (["--bogus"], ["unrecognized arguments"]),
    ],
)
def test_route_bad_options(cli, extra: list[str], words: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert_one_line_error(*cli(*ROUTE, *extra), *words)


def test_unknown_node_suggests(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("route", "--from", "Junktion", "--to", "GE_T")
    assert_one_line_error(
        code,
        out,
        err,
        "corridor: error: unknown node 'Junktion'",
        "did you mean",
        "Junction (KZ_C)",
    )


def test_malformed_network_file(cli, mini_path: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, line = _variant(mini_path, tmp_path, "aliases: [Origin]", "aliases: Origin")
    for command in (list(ROUTE), ["info"], ["export", "geojson"]):
        argv = [command[0], "--network", str(path), *command[1:]]
        assert_one_line_error(*run(argv, capsys), f"{path}:{line}:", "'aliases' must be a list")
    assert_one_line_error(
        *run(["info", "--network", str(tmp_path / "none.yaml")], capsys), "no such file"
    )


def test_invalid_network_file(cli, mini_path: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, _ = _variant(mini_path, tmp_path, "to: KZ_C,", "to: KZ_X,")
    argv = ["route", "--network", str(path), "--from", "CN_A", "--to", "GE_T"]
    assert_one_line_error(
        *run(argv, capsys), "cannot compile an invalid network", "unknown node 'KZ_X'"
    )


def test_skim(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("skim", "--from", "CN_A,KZ_B", "--to", "GE_T,AZ_P", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["origin"], r["destination"]) for r in rows] == [
        ("CN_A", "GE_T"),
        ("CN_A", "AZ_P"),
        ("KZ_B", "GE_T"),
        ("KZ_B", "AZ_P"),
    ]
    assert float(rows[0]["time_h"]) == pytest.approx(152.25)


def test_version_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert out.strip() == f"corridor-twin {__version__}"
    code, _, err = run([], capsys)
    assert code == 2
    assert "error:" in err


def test_no_route_message_names_only_relevant_restrictions(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(*ROUTE, "--avoid", "KZ")
    assert code == 2
    assert "no-grain-GE" not in err


# -- the installed console script -----------------------------------------------------------------


def _script() -> Path:
    path = Path(sys.executable).parent / ("corridor.exe" if sys.platform == "win32" else "corridor")
    if not path.exists():
        pytest.skip("the corridor console script is not installed next to the interpreter")
    return path


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["route", "--from", "Nowhere", "--to", "GE_T"], "unknown node 'Nowhere'"),
        (["route", "--from", "CN_A", "--to", "GE_T", "--optimize", "fastest"], "invalid choice"),
        (["route", "--from", "CN_A", "--to", "GE_T", "--cargo", "crude_oil"], "no route"),
    ],
)
def test_console_script_fails_cleanly(mini_path: Path, args: list[str], words: str) -> None:
    argv = [str(_script()), args[0], "--network", str(mini_path), *args[1:]]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert words in done.stderr


def test_console_script_runs(mini_path: Path) -> None:
    argv = [
        str(_script()),
        "route",
        "--network",
        str(mini_path),
        "--from",
        "Origin",
        "--to",
        "Terminal",
        "--format",
        "json",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["routes"][0]["destination"] == "GE_T"
