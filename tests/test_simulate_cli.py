"""``corridor simulate``: summary, files, charts, replications, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor_twin.cli import main


def test_simulate_prints_summary_and_writes_files(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    code = main(["simulate", "--days", "6", "--seed", "1", "--out", str(out), "--charts"])
    assert code == 0
    text = capsys.readouterr().out
    assert "Transit time per flow" in text
    assert "Waits by place" in text
    assert "Backlog at the end" in text
    names = {p.name for p in out.iterdir()}
    assert {
        "shipments.csv",
        "transit.csv",
        "waits.csv",
        "queues.csv",
        "throughput.csv",
        "backlog.csv",
        "manifest.json",
        "transit_hist.png",
        "port_queues.png",
        "time_breakdown.png",
    } <= names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"]["entropy"] == 1
    assert manifest["days"] == 6


def test_simulate_replications_progress(capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["simulate", "--days", "3", "--seed", "2", "--replications", "2", "--workers", "1"])
    assert code == 0
    cap = capsys.readouterr()
    assert "2 replications on 1 workers" in cap.out
    assert "replications [" in cap.err
    assert "2/2" in cap.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--days", "-1"], "--days must be positive"),
        (["--replications", "0"], "--replications"),
        (["--scenario", "no-such-scenario"], "no bundled scenario"),
        (["--charts"], "--charts needs --out"),
        (["--demand", "missing.yaml"], "missing.yaml"),
        (["--days", "abc"], "invalid float"),
        (["--seasonality", "1,2,3"], "12 monthly factors"),
    ],
)
def test_simulate_bad_input_exits_2(argv: list[str], message: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["simulate", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.strip().splitlines()[-1].startswith("corridor")


def test_simulate_replays_a_shipment_csv(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "s.csv"
    csv.write_text(
        "origin,destination,commodity,amount,unit,release_h,corridor\n"
        "CN_XIAN,RO_CND,container,2,teu,1.5,titr\n"
        "KZ_AKT,TR_CEY,crude_oil,1000,t,2.0,\n"
    )
    assert main(["simulate", "--shipments", str(csv), "--days", "60", "--seed", "1"]) == 0
    assert "2 shipments released, 2 delivered" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "origin,destination,commodity,amount,unit,release_h\nCN_XIAN,NOWHERE,container,2,teu,1\n"
    )
    assert main(["simulate", "--shipments", str(bad)]) == 2
    assert "bad.csv:2" in capsys.readouterr().err


def test_parquet_needs_pyarrow(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        code = main(
            [
                "simulate",
                "--days",
                "2",
                "--seed",
                "1",
                "--out",
                str(tmp_path),
                "--format",
                "parquet",
            ]
        )
        assert code == 2
        assert "pyarrow" in capsys.readouterr().err
    else:
        code = main(
            [
                "simulate",
                "--days",
                "2",
                "--seed",
                "1",
                "--out",
                str(tmp_path),
                "--format",
                "parquet",
            ]
        )
        assert code == 0
        assert (tmp_path / "shipments.parquet").exists()
