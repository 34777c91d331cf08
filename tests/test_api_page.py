"""The API endpoints and parameters the map page uses: corridor lens, corridor comparison,
route names, sea lanes, node utilisation, a record's history, revert and sources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from corridor_twin.api import ApiSettings, create_app
from corridor_twin.data import load_corridor
from corridor_twin.routing import route

API = "/api/v1"
FERRY = "KZ_AKT-AZ_ALAT-FERRY"
OD = {"origin": "Almaty", "destination": "Istanbul"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(ApiSettings(data_dir=tmp_path_factory.mktemp("store")))
    c = TestClient(app)
    c.__enter__()
    c.headers["Authorization"] = f"Bearer {app.state.initial_token}"
    yield c
    c.__exit__(None, None, None)


def post(client: TestClient, path: str, body: Any) -> tuple[int, Any]:
    r = client.post(API + path, json=body)
    return r.status_code, r.json()


def countries(client: TestClient, route: dict[str, Any]) -> set[str]:
    nodes = {n["id"]: n for n in client.get(API + "/network/nodes").json()}
    return {nodes[n]["country"] for n in route["nodes"]}


def test_middle_corridor_without_a_country_code(client: TestClient) -> None:
    code, body = post(client, "/routes", {**OD, "corridor": "middle", "k": 3})
    assert code == 200, body
    assert "Middle Corridor" in body["kind"]
    for r in body["routes"]:
        assert "AZ" in countries(client, r)
        assert not {"RU", "IR", "BY"} & countries(client, r)
    best = body["routes"][0]
    assert best["via"].startswith("via Kuryk, Alat")
    assert best["key_nodes"][:2] == ["KZ_KUR", "AZ_ALAT"]
    # the first two alternatives differ by their Caspian port
    assert body["routes"][1]["via"].startswith("via Aktau, Alat")


def test_corridor_adds_to_the_users_avoid_list(client: TestClient) -> None:
    code, body = post(client, "/routes", {**OD, "corridor": "middle", "avoid_countries": ["ge"]})
    assert code == 422  # the Middle Corridor to Istanbul needs Georgia
    assert "GE" in body["detail"]
    code, body = post(client, "/routes", {**OD, "corridor": "northern", "modes": ["rail", "sea"]})
    assert code == 200, body
    assert body["routes"][0]["modes"] == ["rail"]


def test_compare_corridors_side_by_side(client: TestClient) -> None:
    code, body = post(client, "/routes/corridors", OD)
    assert code == 200, body
    rows = {r["corridor"]: r for r in body["rows"]}
    assert list(rows) == ["middle", "northern", "southern", "sea"]
    middle, northern = rows["middle"]["route"], rows["northern"]["route"]
    lib = route(load_corridor(), "Almaty", "Istanbul", cargo="container", corridor="middle")
    assert middle["time_days"] == pytest.approx(lib.time_days)
    assert middle["via"] == lib.via
    assert "RU" in countries(client, northern)
    assert "IR" in countries(client, rows["southern"]["route"])
    assert rows["middle"]["label"].startswith("Middle Corridor")
    # Almaty is not a deep-sea origin: the row says so instead of failing the request
    assert rows["sea"]["route"] is None
    assert "outside the sea_suez corridor" in rows["sea"]["error"]
    code, body = post(
        client,
        "/routes/corridors",
        {"origin": "Xian", "destination": "Duisburg", "corridors": ["sea", "middle"]},
    )
    assert code == 200
    assert "sea" in body["rows"][0]["route"]["modes"]


def test_a_corridor_without_a_route_says_why(client: TestClient) -> None:
    code, body = post(
        client,
        "/routes/corridors",
        {**OD, "corridors": ["sea", "middle"]},
    )
    assert code == 200, body
    sea, middle = body["rows"]
    assert sea["route"] is None
    assert "Almaty" in sea["error"]
    assert middle["route"] is not None
    code, body = post(client, "/routes", {**OD, "corridor": "sea"})
    assert code in (400, 422)
    assert body["detail"] == sea["error"]


@pytest.mark.parametrize("path", ["/routes", "/routes/pareto", "/reliability"])
def test_unknown_country_is_refused(client: TestClient, path: str) -> None:
    code, body = post(client, path, {**OD, "avoid_countries": ["RU", "XX"]})
    assert code == 422, body
    (item,) = body["detail"]
    assert item["loc"] == ["body", "avoid_countries", 1]
    assert "'XX'" in item["msg"]
    assert "AZ" in item["msg"]


def test_unknown_corridor_is_refused(client: TestClient) -> None:
    code, body = post(client, "/routes", {**OD, "corridor": "arctic"})
    assert code == 422
    assert body["detail"][0]["loc"] == ["body", "corridor"]


def test_reliability_follows_the_corridor_and_the_selected_route(client: TestClient) -> None:
    _, routes = post(client, "/routes", {**OD, "corridor": "middle", "k": 3})
    code, body = post(
        client,
        "/reliability",
        {**OD, "corridor": "middle", "k": 3, "rank": 2, "draws": 500, "seed": 1},
    )
    assert code == 200, body
    (res,) = body["results"]
    assert res["route"]["nodes"] == routes["routes"][1]["nodes"]
    # the default (no corridor) is still the 12.5-day route through Russia
    _, plain = post(client, "/reliability", {**OD, "draws": 500, "seed": 1})
    assert "RU" in countries(client, plain["results"][0]["route"])
    code, body = post(client, "/reliability", {**OD, "k": 2, "rank": 3, "draws": 500})
    assert code == 422
    assert "rank 3 is beyond the k=2 routes" in body["detail"][0]["msg"]
    code, body = post(
        client,
        "/reliability",
        {**OD, "corridor": "middle", "objective": "pareto", "rank": 10, "draws": 500},
    )
    assert code == 422
    assert body["detail"][0]["loc"] == ["body", "rank"]


def test_reliability_of_a_pareto_route(client: TestClient) -> None:
    _, pareto = post(client, "/routes/pareto", {**OD, "corridor": "middle"})
    assert pareto["routes"]
    assert all("AZ" in countries(client, r) for r in pareto["routes"])
    code, body = post(
        client,
        "/reliability",
        {**OD, "corridor": "middle", "objective": "pareto", "rank": 1, "draws": 500},
    )
    assert code == 200, body
    assert body["results"][0]["route"]["nodes"] == pareto["routes"][0]["nodes"]


def test_sea_lanes_follow_suez_not_russia(client: TestClient) -> None:
    lanes = {x["link"]: x for x in client.get(API + "/network/sea-lanes").json()}
    suez = lanes["CN_SHA-NL_RTM"]
    assert suez["estimate"] is True
    assert suez["source"] == "assumption-corridor-twin"
    pts = suez["coordinates_lonlat"]
    assert pts[0] == [121.47, 31.23]
    assert pts[-1] == [4.14, 51.95]
    # it passes Malacca (south of 5 N) and Suez, and never crosses Russia or Kazakhstan
    assert min(lat for _, lat in pts) < 5
    assert any(abs(lon - 32.5) < 0.5 and 29 < lat < 32 for lon, lat in pts)
    assert not any(lat > 45 and 40 < lon < 120 for lon, lat in pts)
    assert suez["variants"][0]["name"] == "Cape of Good Hope"
    assert {"KZ_AKT-AZ_ALAT-FERRY", "GE_POT-RO_CND"} <= set(lanes)


def test_utilisation_has_nodes_and_tells_unknown_capacity(client: TestClient) -> None:
    body = client.get(API + "/network/utilisation").json()
    nodes = {n["node"]: n for n in body["nodes"]}
    assert nodes["AZ_ALAT"]["capacity_t_per_year"] == 15_000_000
    # the market equilibrium fills Alat up to its hard capacity (solver tolerance 0.01 %)
    assert 0 < nodes["AZ_ALAT"]["utilisation"] <= 1.0001
    unknown = [n for n in body["nodes"] if n["utilisation"] is None]
    assert unknown
    assert all(n["flow_t_per_year"] > 0 for n in unknown)
    links = body["links"]
    assert any(x["utilisation"] is None and x["flow_t_per_year"] > 0 for x in links)


def _version(client: TestClient) -> int:
    v: int = client.get(API + "/networks").json()[0]["latest_version"]
    return v


def test_history_and_revert_make_a_new_version(client: TestClient) -> None:
    path = f"{API}/networks/titr/links/{FERRY}"
    before = client.get(path).json()["values"]
    v0 = _version(client)
    figure = {
        "value": 4_200_000,
        "source": "assumption-corridor-twin",
        "year": 2026,
        "estimate": True,
        "note": "test",
    }
    r = client.patch(
        path,
        json={
            "values": {"capacity_t_per_year": figure},
            "expected_version": v0,
            "message": "more ferries",
        },
    )
    assert r.status_code == 200, r.json()
    v1 = r.json()["version"]["version"]
    stored = client.get(path).json()["values"]["capacity_t_per_year"]
    assert stored == {
        "value": 4_200_000,
        "source": "assumption-corridor-twin",
        "year": 2026,
        "estimate": True,
        "note": "test",
    }
    hist = client.get(path + "/history").json()
    last = hist["entries"][-1]
    assert (last["version"], last["message"], last["user"]) == (v1, "more ferries", "admin")
    assert last["changes"][0]["field"] == "capacity_t_per_year"
    # revert to the version before: a new version with the old values, audited
    r = client.post(
        path + "/revert", json={"to_version": v0, "expected_version": v1, "message": "wrong figure"}
    )
    assert r.status_code == 200, r.json()
    v2 = r.json()["version"]["version"]
    assert v2 == v1 + 1
    assert client.get(path).json()["values"] == before
    hist = client.get(path + "/history").json()
    assert hist["entries"][-1]["version"] == v2
    assert hist["entries"][-1]["message"] == f"revert {FERRY} to version {v0}: wrong figure"
    # a stale expected version is a conflict; reverting to the same values changes nothing
    assert (
        client.post(path + "/revert", json={"to_version": v0, "expected_version": v1}).status_code
        == 409
    )
    same = client.post(path + "/revert", json={"to_version": v0, "expected_version": v2})
    assert same.status_code == 200
    assert same.json()["changes"] == []


def test_history_of_an_unknown_network_is_404(client: TestClient) -> None:
    assert client.get(f"{API}/networks/nope/links/{FERRY}/history").status_code == 404


def test_edit_with_an_unknown_source_is_refused(client: TestClient) -> None:
    path = f"{API}/networks/titr/links/{FERRY}"
    figure = {"value": 4_000_000, "source": "no-such-report", "year": 2026}
    r = client.patch(
        path, json={"values": {"capacity_t_per_year": figure}, "expected_version": _version(client)}
    )
    assert r.status_code == 422
    assert any("no-such-report" in d["msg"] for d in r.json()["detail"])


def test_sources_lists_the_bibliography(client: TestClient) -> None:
    sources = client.get(f"{API}/networks/titr/sources").json()
    keys = {s["key"] for s in sources}
    assert {"assumption-corridor-twin", "azernews-2025-01"} <= keys
