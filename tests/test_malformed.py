"""The malformed-input corpus (``malformed_corpus.py``) through the CLI and the API.

CLI: every file case exits 2 with one ``corridor: error:`` line (``validate``
may list one finding per line), never a traceback, a hang or exit 0. API:
every body case is a 4xx with a JSON body on SQLite and PostgreSQL alike,
never a 500. Hypothesis adds random corruptions of a valid network, scenario,
demand table and JSON body.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor_twin import _input
from corridor_twin.api import ApiSettings, create_app
from corridor_twin.cli import main
from corridor_twin.errors import CorridorError
from corridor_twin.io import loads_network
from corridor_twin.network import validate
from corridor_twin.scenarios.demand import loads_demand, loads_demand_csv
from corridor_twin.scenarios.io import loads_scenario
from malformed_corpus import (
    BODY_CASES,
    DEMAND_CASES,
    FILE_CASES,
    MINI,
    SCENARIO_CASES,
    BodyCase,
    FileCase,
)
from store_support import PostgresServer

MINI_PATH = str(Path(__file__).parent / "data" / "mini.yaml")


def _argv(case: FileCase, path: Path) -> list[str]:
    f = str(path)
    if case.surface == "network":
        return ["validate", f]
    if case.surface == "scenario":
        return ["capacity", "--scenario", f, "--format", "json"]
    if case.surface == "demand":
        return ["assign", "--network", MINI_PATH, "--demand", f]
    return ["simulate", "--network", MINI_PATH, "--shipments", f, "--days", "1"]


def _write(case: FileCase, tmp_path: Path) -> Path:
    path = tmp_path / f"{case.id}{case.suffix}"
    data = case.data.replace(b"SELF", path.name.encode())
    path.write_bytes(data)
    (tmp_path / "empty.yaml").write_bytes(b"# no network\n")
    return path


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda c: f"{c.surface}-{c.id}")
def test_cli_answers_one_line_and_exit_2(
    case: FileCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(case, tmp_path)
    start = time.perf_counter()
    status = main(_argv(case, path))
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert status == 2, (status, out[-300:], err[-300:])
    assert lines, "no error message"
    assert "Traceback" not in err
    assert elapsed < 60
    if case.surface == "network":  # a report: one line per finding, then the summary
        assert all(": error: " in line or line.startswith("corridor: error:") for line in lines)
    else:
        assert len(lines) == 1, err
        assert lines[0].startswith("corridor: error: ")


def test_validate_is_linear_in_the_number_of_findings(tmp_path: Path) -> None:
    n = 20_000
    nodes = "".join(
        f"  - {{id: N{i}, name: N{i}, kind: city, country: KZ, lat: 43.0, lon: 51.0}}\n"
        for i in range(n)
    )
    path = tmp_path / "many.yaml"
    path.write_text(f"nodes:\n{nodes}", encoding="utf-8")
    start = time.perf_counter()
    status = main(["validate", "--strict", str(path)])
    assert status == 2  # strict: 20,000 unconnected nodes are errors
    assert time.perf_counter() - start < 60


def test_capacity_json_never_prints_infinity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a link without capacity between two nodes: the flow is unbounded
    text = MINI.replace(
        "links:\n",
        "links:\n  - {id: X-Y, from: CN_A, to: KZ_B, mode: road, "
        "length_km: 5, source: t, year: 2024}\n",
        1,
    )
    path = tmp_path / "open.yaml"
    path.write_text(text, encoding="utf-8")
    status = main(
        [
            "capacity",
            "--network",
            str(path),
            "--from",
            "CN_A",
            "--to",
            "KZ_B",
            "--unit",
            "teu",
            "--format",
            "json",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "Infinity" not in out
    assert "NaN" not in out
    json.loads(out)


def test_scenario_base_is_honoured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "net.yaml").write_text(MINI, encoding="utf-8")
    sc = tmp_path / "s.yaml"
    sc.write_text(
        "name: s\nbase: net.yaml\nchanges:\n  - {kind: close_link, id: B-P-road}\n",
        encoding="utf-8",
    )
    status = main(
        [
            "capacity",
            "--scenario",
            str(sc),
            "--from",
            "CN_A",
            "--to",
            "GE_T",
            "--unit",
            "teu",
            "--format",
            "json",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    assert json.loads(out)["unit"] == "teu"


# -- hypothesis: random corruptions ----------------------------------------------------
_HOSTILE = st.sampled_from(
    [
        "\x00",
        "\ud800",
        ".inf",
        "-.nan",
        "9" * 400,
        "2024-13-45",
        "[" * 200,
        "{",
        "&a",
        "*a",
        "!!python/object:os.system",
        "\t",
        ": ",
        "- ",
        "'",
        '"',
        "#",
        "\n",
        "\ufeff",
        "1e999",
    ]
)


def _corrupt(text: str, data: st.DataObject) -> str:
    pos = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 20))
    piece = data.draw(st.one_of(_HOSTILE, st.text(max_size=8)))
    return text[:pos] + piece + text[pos + cut :]


def _one_line_or_ok(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except CorridorError as exc:
        message = str(exc)
    else:
        return
    assert "\n" not in message, message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_corruptions_of_a_network_are_one_line_errors(data: st.DataObject) -> None:
    text = _corrupt(MINI, data)

    def read(t: str) -> None:
        validate(loads_network(t), raise_on="error")

    _one_line_or_ok(read, text)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_random_corruptions_of_scenarios_and_demand_are_one_line_errors(
    data: st.DataObject,
) -> None:
    case = data.draw(
        st.sampled_from(
            [
                c
                for c in SCENARIO_CASES + DEMAND_CASES
                if c.id
                in (
                    "factor-text",
                    "unknown-link",
                    "unknown-node",
                    "missing-amount",
                    "csv-400-digits",
                )
            ]
        )
    )
    text = _corrupt(case.data.decode("utf-8"), data)
    if case.surface == "scenario":
        _one_line_or_ok(loads_scenario, text)
    elif case.suffix == ".csv":
        _one_line_or_ok(loads_demand_csv, text)
    else:
        _one_line_or_ok(loads_demand, text)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(_json)
def test_json_bodies_pass_or_fail_with_a_serialisable_message(value: Any) -> None:
    raw = json.dumps(value, allow_nan=True, ensure_ascii=True)
    try:
        _input.loads_json(raw)
    except CorridorError as exc:
        message = str(exc)
    else:
        return
    json.dumps({"detail": message}, allow_nan=False).encode("utf-8")
    assert "\n" not in message


# -- the API on SQLite and PostgreSQL --------------------------------------------------
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, TestClient]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('bad') / 'store.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.new_database()
    app = create_app(ApiSettings(web=False, database_url=url, job_workers=1, token_cache_s=0))
    with TestClient(app, raise_server_exceptions=False) as admin:
        admin.headers["Authorization"] = f"Bearer {app.state.initial_token}"
        store = app.state.store
        boss = store.principal("admin")
        store.create_user("bad-viewer", "Port of Baku", "viewer", by=boss)
        viewer = TestClient(app, raise_server_exceptions=False)
        viewer.headers["Authorization"] = f"Bearer {store.issue_token('bad-viewer', by=boss)}"
        v = admin.get("/api/v1/networks").json()[0]["latest_version"]
        r = admin.patch(
            "/api/v1/networks/titr/nodes/KZ_AKT",
            json={"expected_version": v, "values": {"transit_dwell_h": 11}},
        )
        assert r.status_code == 200, r.text  # so that version 1 is stale for KZ_AKT
        yield admin, viewer


def _latest(client: TestClient) -> int:
    v: int = client.get("/api/v1/networks").json()[0]["latest_version"]
    return v


def _send(client: TestClient, case: BodyCase) -> Any:
    body = case.body.replace(b"{v}", str(_latest(client)).encode())
    headers = {"content-type": case.content_type}
    if body == b"CHUNKED":

        def chunks() -> Iterator[bytes]:
            for _ in range(80):
                yield b" " * 1024

        return client.request(case.method, case.path, content=chunks(), headers=headers)
    return client.request(case.method, case.path, content=body, headers=headers)


@pytest.mark.parametrize("case", BODY_CASES, ids=lambda c: c.id)
def test_api_answers_bad_bodies_with_a_4xx(
    api: tuple[TestClient, TestClient], case: BodyCase
) -> None:
    admin, _ = api
    r = _send(admin, case)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    doc = r.json()
    assert "detail" in doc
    if case.id == "chunked-over-64k":
        assert r.status_code == 413
    if case.id == "patch-stale-same-record":
        assert r.status_code == 409


@pytest.mark.parametrize(
    "case",
    [c for c in FILE_CASES if c.surface in ("scenario", "demand")],
    ids=lambda c: f"{c.surface}-{c.id}",
)
def test_api_refuses_corpus_documents(api: tuple[TestClient, TestClient], case: FileCase) -> None:
    admin, _ = api
    text = case.data.decode("utf-8", "surrogateescape")
    kind = "scenarios/s" if case.surface == "scenario" else "demand/d"
    fmt = "csv" if case.suffix == ".csv" else None
    body = json.dumps({"text": text or " ", "fmt": fmt}, ensure_ascii=True)
    r = admin.put(f"/api/v1/{kind}", content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    r.json()


def test_a_viewers_stale_edit_is_403(api: tuple[TestClient, TestClient]) -> None:
    _, viewer = api
    r = viewer.patch(
        "/api/v1/networks/titr/nodes/KZ_AKT",
        json={"expected_version": 1, "values": {"transit_dwell_h": 2}},
    )
    assert r.status_code == 403, r.text


def test_edits_of_different_records_do_not_conflict(api: tuple[TestClient, TestClient]) -> None:
    admin, _ = api
    v = _latest(admin)
    a = admin.patch(
        "/api/v1/networks/titr/nodes/KZ_ALA",
        json={"expected_version": v, "values": {"transit_dwell_h": 4}},
    )
    b = admin.patch(
        "/api/v1/networks/titr/nodes/AZ_ALAT",
        json={"expected_version": v, "values": {"transit_dwell_h": 4}},
    )
    assert a.status_code == 200, a.text
    assert b.status_code == 200, b.text
    assert b.json()["version"]["version"] == a.json()["version"]["version"] + 1
    c = admin.patch(
        "/api/v1/networks/titr/nodes/KZ_ALA",
        json={"expected_version": v, "values": {"transit_dwell_h": 5}},
    )
    assert c.status_code == 409


def test_options_answers_with_allow(api: tuple[TestClient, TestClient]) -> None:
    admin, _ = api
    r = admin.options("/api/v1/networks/titr/nodes/KZ_AKT")
    assert r.status_code == 204
    assert {"GET", "PATCH", "OPTIONS"} <= set(r.headers["allow"].split(", "))
    r = admin.delete("/api/v1/routes")
    assert r.status_code == 405
    assert "POST" in r.headers["allow"]


def test_version_json_never_serves_infinity(api: tuple[TestClient, TestClient]) -> None:
    admin, _ = api
    r = admin.get(f"/api/v1/networks/titr/versions/{_latest(admin)}?format=json")
    assert r.status_code == 200
    assert "Infinity" not in r.text
    assert "NaN" not in r.text
