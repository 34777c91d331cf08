"""The REST API on the bundled corridor, through FastAPI's TestClient."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

import corridor_twin as ct
from corridor_twin.api import (
    ApiSettings,
    BundledProvider,
    Principal,
    create_app,
    get_principal,
)

R = "/api/v1/routes"


def signed_in(app: Any) -> TestClient:
    """A client of ``app`` (started) with the bootstrap admin's token."""
    c = TestClient(app)
    c.__enter__()
    c.headers["Authorization"] = f"Bearer {app.state.initial_token}"
    return c


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(ApiSettings(data_dir=tmp_path_factory.mktemp("store")))
    c = signed_in(app)
    yield c
    c.__exit__(None, None, None)


def post(client: TestClient, path: str, body: Any) -> tuple[int, Any]:
    r = client.post(path, json=body)
    return r.status_code, r.json()


def test_route_matches_the_library(client: TestClient) -> None:
    code, body = post(
        client, R, {"origin": "Almaty", "destination": "Istanbul", "objective": "cost"}
    )
    assert code == 200
    lib = ct.route(ct.load_corridor(), "Almaty", "Istanbul", optimize="cost")
    (r,) = body["routes"]
    assert r["cost_usd"] == pytest.approx(lib.cost_usd)
    assert r["time_h"] == pytest.approx(lib.time_h)
    assert r["nodes"] == list(lib.nodes)
    assert len(r["legs"]) == len(lib.legs)
    assert len(r["coordinates_lonlat"]) == len(r["nodes"])
    assert sum(leg["cost_usd"] for leg in r["legs"]) == pytest.approx(r["cost_usd"])


def test_k_routes_are_best_first_and_distinct(client: TestClient) -> None:
    code, body = post(client, R, {"origin": "Xian", "destination": "Duisburg", "k": 3})
    assert code == 200
    times = [r["time_h"] for r in body["routes"]]
    assert len(times) == 3
    assert times == sorted(times)
    assert len({tuple(r["nodes"]) for r in body["routes"]}) == 3


def test_avoid_country_and_scenario(client: TestClient) -> None:
    code, body = post(
        client, R, {"origin": "Almaty", "destination": "Istanbul", "avoid_countries": ["RU"]}
    )
    assert code == 200
    countries = {ct.load_corridor().node(n).country for n in body["routes"][0]["nodes"]}
    assert "RU" not in countries
    code, body = post(
        client,
        R,
        {
            "origin": "Kostanay",
            "destination": "Yerevan",
            "cargo": "grain",
            "scenario": "armenia-transit-open",
        },
    )
    assert code == 200


def test_pareto_front_is_not_dominated(client: TestClient) -> None:
    code, body = post(client, R + "/pareto", {"origin": "Xian", "destination": "Duisburg"})
    assert code == 200
    pts = [(r["time_h"], r["cost_usd"], r["co2e_kg"]) for r in body["routes"]]
    for a in pts:
        assert not any(all(x <= y for x, y in zip(b, a, strict=True)) and b != a for b in pts)


def test_unknown_node_is_422_at_its_field_with_suggestions(client: TestClient) -> None:
    code, body = post(client, R, {"origin": "Almatyy", "destination": "Istanbul"})
    assert code == 422
    (err,) = body["detail"]
    assert err["loc"] == ["body", "origin"]
    assert "did you mean" in err["msg"]
    assert "KZ_ALA" in err["msg"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"origin": "Almaty"}, ["body", "destination"]),
        (
            {"origin": "Almaty", "destination": "Baku", "objective": "fastest"},
            ["body", "objective"],
        ),
        ({"origin": "Almaty", "destination": "Baku", "k": 0}, ["body", "k"]),
        ({"origin": "Almaty", "destination": "Baku", "k": 99}, ["body", "k"]),
        (
            {"origin": "Almaty", "destination": "Baku", "avoid_countries": ["Russia"]},
            ["body", "avoid_countries", 0],
        ),
        ({"origin": "Almaty", "destination": "Baku", "colour": "red"}, ["body", "colour"]),
    ],
)
def test_validation_errors_are_422_with_the_field_path(
    client: TestClient, body: dict[str, Any], loc: list[Any]
) -> None:
    code, out = post(client, R, body)
    assert code == 422
    assert loc in [e["loc"] for e in out["detail"]]


def test_no_route_and_bad_option_and_unknown_scenario(client: TestClient) -> None:
    code, body = post(
        client, R, {"origin": "Almaty", "destination": "Istanbul", "modes": ["pipeline"]}
    )
    assert code == 422
    assert body["error"] == "NoRouteError"
    code, body = post(
        client, R, {"origin": "Almaty", "destination": "Istanbul", "avoid_countries": ["KZ"]}
    )
    assert code == 400
    assert "KZ" in body["detail"]
    code, body = post(
        client, R, {"origin": "Almaty", "destination": "Istanbul", "scenario": "no-such"}
    )
    assert code == 404
    assert "no stored scenario" in body["detail"]
    code, body = post(
        client, R, {"origin": "Almaty", "destination": "Istanbul", "cargo": "unobtainium"}
    )
    assert 400 <= code < 500


def test_malformed_and_oversized_bodies(client: TestClient) -> None:
    r = client.post(R, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    big = json.dumps({"origin": "A" * 100_000, "destination": "B"})
    r = client.post(R, content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "larger than" in r.json()["detail"]


def test_capacity_default_and_named_sets(client: TestClient) -> None:
    code, body = post(client, "/api/v1/capacity", {})
    assert code == 200
    assert body["unit"] == "teu"
    assert body["bounded"]
    assert sum(c["capacity_per_year"] for c in body["cut"]) == pytest.approx(body["value_per_year"])
    code, more = post(client, "/api/v1/capacity", {"scenario": "baku-port-phase-2"})
    assert more["value_per_year"] > body["value_per_year"]
    code, body = post(client, "/api/v1/capacity", {"sources": ["Almaty"], "sinks": ["Nowhere"]})
    assert code == 422
    assert body["detail"][0]["loc"] == ["body", "sinks", 0]


def test_assignment_and_utilisation(client: TestClient) -> None:
    code, body = post(client, "/api/v1/assignment", {"top": 5})
    assert code == 200
    assert body["status"] == "optimal"
    assert len(body["link_flows"]) == 5
    assert body["totals"]["demand_per_year"] > 0
    assert body["totals"]["middle_t_per_year"] > 0  # the calibrated market model by default
    code, body = post(client, "/api/v1/assignment", {"top": 5, "method": "lp"})
    assert code == 200
    assert "cost_usd" in body["totals"]
    code, body = post(client, "/api/v1/assignment", {"method": "market", "objective": "cost"})
    assert code in (400, 422)
    r = client.get("/api/v1/network/utilisation", params={"method": "lp"})
    assert r.status_code == 200
    r = client.get("/api/v1/network/utilisation")
    assert r.status_code == 200
    links = r.json()["links"]
    assert links
    assert all(u["utilisation"] is None or u["utilisation"] >= 0 for u in links)
    assert any(u["utilisation"] for u in links)


def test_scenarios_list_and_compare(client: TestClient) -> None:
    r = client.get("/api/v1/scenarios")
    names = [s["name"] for s in r.json()]
    assert "more-caspian-ferries" in names
    code, body = post(
        client,
        "/api/v1/scenarios/compare",
        {"scenarios": ["baku-port-phase-2"], "analyses": ["throughput"]},
    )
    assert code == 200
    rows = {row["scenario"]: row for row in body["results"]["throughput"]}
    assert rows["baku-port-phase-2"]["delta"] > 0
    code, body = post(client, "/api/v1/scenarios/compare", {"scenarios": ["ok", "nope"]})
    assert code == 404 or body["detail"][0]["loc"][:2] == ["body", "scenarios"]


def test_reliability_is_seeded_and_has_a_histogram(client: TestClient) -> None:
    req = {
        "origin": "Almaty",
        "destination": "Istanbul",
        "draws": 2000,
        "seed": 7,
        "deadline_days": 14,
        "bins": 20,
    }
    code, a = post(client, "/api/v1/reliability", req)
    _, b = post(client, "/api/v1/reliability", req)
    assert code == 200
    assert a == b
    res = a["results"][0]
    assert sum(res["histogram"]["counts"]) == 2000
    assert len(res["histogram"]["edges_h"]) == 21
    s = res["stats"]
    assert s["p50_h"] <= s["p90_h"] <= s["p95_h"]
    assert 0 <= s["on_time_probability"] <= 1


def test_network_geojson_nodes_meta_and_page(client: TestClient) -> None:
    fc = client.get("/api/v1/network/geojson").json()
    assert fc["type"] == "FeatureCollection"
    nodes = client.get("/api/v1/network/nodes").json()
    meta = client.get("/api/v1/meta").json()
    assert len(nodes) == meta["n_nodes"]
    assert meta["features"]["editing"] is True
    assert meta["stored_network"] == "titr"
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    page = client.get("/")
    assert page.status_code == 200
    assert "route-form" in page.text
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200


def test_geojson_is_revalidated_with_its_etag(client: TestClient) -> None:
    r = client.get("/api/v1/network/geojson")
    etag = r.headers["etag"]
    again = client.get("/api/v1/network/geojson", headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    other = client.get("/api/v1/network/geojson", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200
    assert other.content == r.content
    scenario = client.get("/api/v1/network/geojson", params={"scenario": "tripp-open"})
    assert scenario.headers["etag"] != etag  # another network, another document


def test_openapi_schema_lists_every_action(tmp_path: Any) -> None:
    schema = create_app(ApiSettings(web=False, data_dir=tmp_path)).openapi()
    paths = set(schema["paths"])
    assert {
        "/api/v1/routes",
        "/api/v1/routes/pareto",
        "/api/v1/capacity",
        "/api/v1/assignment",
        "/api/v1/scenarios",
        "/api/v1/scenarios/compare",
        "/api/v1/reliability",
        "/api/v1/network/geojson",
        "/api/v1/network/nodes",
        "/api/v1/network/utilisation",
        "/api/v1/meta",
        "/api/v1/health",
        "/api/v1/me",
        "/api/v1/networks",
        "/api/v1/networks/{name}/versions",
        "/api/v1/networks/{name}/versions/{version}",
        "/api/v1/networks/{name}/links/{record_id}",
        "/api/v1/networks/{name}/nodes/{record_id}",
        "/api/v1/networks/{name}/audit",
        "/api/v1/networks/{name}/ownership",
        "/api/v1/scenarios/{name}",
        "/api/v1/demand/{name}",
        "/api/v1/runs",
        "/api/v1/runs/{run_id}",
        "/api/v1/organisations",
        "/api/v1/users",
        "/api/v1/users/{name}/tokens",
        "/api/v1/tokens/{token_id}",
    } <= paths
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert set(schema["paths"]["/api/v1/networks/{name}/links/{record_id}"]) == {"get", "patch"}
    assert "security" not in schema["paths"]["/api/v1/health"]["get"]
    assert schema["paths"]["/api/v1/routes"]["post"]["security"] == [{"HTTPBearer": []}]
    props = schema["components"]["schemas"]["RouteOut"]["properties"]
    assert {"time_h", "cost_usd", "co2e_kg", "length_km"} <= set(props)


def test_apps_are_independent_and_the_provider_plugs_in(mini: ct.Network, tmp_path: Any) -> None:
    app = create_app(
        ApiSettings(web=False, data_dir=tmp_path / "a"), provider=BundledProvider(mini)
    )
    one = create_app(ApiSettings(web=False, data_dir=tmp_path / "b"))
    other = create_app(ApiSettings(web=False, data_dir=tmp_path / "c"))
    with TestClient(one), TestClient(other):
        assert one.state.provider.network(None) is not other.state.provider.network(None)
        assert one.state.provider.network(None) is not ct.load_corridor()
    c = signed_in(app)
    try:
        assert c.get("/api/v1/meta").json()["n_nodes"] == len(mini.nodes)
        assert c.get("/").status_code == 404
    finally:
        c.__exit__(None, None, None)


def test_principal_dependency_guards_the_whole_api(tmp_path: Any) -> None:
    from fastapi import HTTPException

    app = create_app(ApiSettings(web=False, data_dir=tmp_path))

    def token_auth() -> Principal:
        raise HTTPException(status_code=401, detail="missing token")

    app.dependency_overrides[get_principal] = token_auth
    with TestClient(app) as c:
        assert c.post(R, json={"origin": "Almaty", "destination": "Baku"}).status_code == 401
        assert c.get("/api/v1/scenarios").status_code == 401


def test_settings_from_env_and_no_inf_in_json(tmp_path: Any) -> None:
    s = ApiSettings.from_env(
        {
            "CORRIDOR_MAX_BODY_BYTES": "40",
            "CORRIDOR_WEB": "false",
            "CORRIDOR_DATA_DIR": str(tmp_path),
        }
    )
    assert s.max_body_bytes == 40
    assert s.web is False
    assert s.data_dir == tmp_path
    with TestClient(create_app(s)) as c:
        r = c.post(R, json={"origin": "Almaty", "destination": "Istanbul", "cargo": "container"})
        assert r.status_code == 413
    from corridor_twin.api.schemas.common import finite

    assert finite(math.inf) is None
    assert finite(1.5) == 1.5
