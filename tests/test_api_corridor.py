"""The corridor lens through the API: corridor= on routes, Pareto and reliability; via."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import corridor_twin as ct
from corridor_twin.api import ApiSettings, create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(ApiSettings(web=False, data_dir=tmp_path_factory.mktemp("store")))
    c = TestClient(app)
    c.__enter__()
    c.headers["Authorization"] = f"Bearer {app.state.initial_token}"
    yield c
    c.__exit__(None, None, None)


def post(client: TestClient, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    r = client.post(path, json=body)
    return r.status_code, r.json()


AI = {"origin": "Almaty", "destination": "Istanbul"}


def test_route_in_a_corridor_is_named_by_its_places(client: TestClient) -> None:
    code, body = post(client, "/api/v1/routes", {**AI, "corridor": "middle", "k": 2})
    assert code == 200
    lib = ct.route(ct.load_corridor(), "Almaty", "Istanbul", corridor="middle")
    first = body["routes"][0]
    assert first["time_h"] == pytest.approx(lib.time_h)
    assert first["via"] == lib.via
    assert "AZ_ALAT" in first["key_nodes"]
    assert not {n[:2] for r in body["routes"] for n in r["nodes"]} & {"RU", "BY", "IR"}


def test_pareto_and_reliability_take_the_corridor(client: TestClient) -> None:
    code, body = post(client, "/api/v1/routes/pareto", {**AI, "corridor": "middle"})
    assert code == 200
    assert all("Alat" in r["via"] for r in body["routes"])
    code, body = post(
        client, "/api/v1/reliability", {**AI, "corridor": "middle", "draws": 500, "seed": 1}
    )
    assert code == 200
    assert "Alat" in body["results"][0]["route"]["via"]
    code, body = post(
        client,
        "/api/v1/reliability",
        {**AI, "avoid_countries": ["RU", "IR"], "draws": 500, "seed": 1},
    )
    assert code == 200
    assert not {n[:2] for n in body["results"][0]["route"]["nodes"]} & {"RU", "IR"}


def test_unknown_corridor_is_422(client: TestClient) -> None:
    code, body = post(client, "/api/v1/routes", {**AI, "corridor": "atlantis"})
    assert code == 422
    assert ["body", "corridor"] in [e["loc"] for e in body["detail"]]
