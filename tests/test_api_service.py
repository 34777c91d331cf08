"""The service on the store: token auth, roles and ownership, versioned edits, documents, runs.

Every test runs on SQLite and on PostgreSQL (the throw-away server of
``store_support``): one app per backend and module, bootstrapped like a
first ``corridor serve`` (network ``titr``, admin, demo organisations).
Tests read the current version before editing, so they do not depend on
their order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from corridor_twin.api import ApiSettings, create_app
from corridor_twin.api.jobs import JOB_KINDS, JobKind
from corridor_twin.api.schemas import HealthOut
from store_support import PostgresServer

FERRY = "KZ_AKT-AZ_ALAT-FERRY"  # co-owned by the Port of Baku (@AZ_ALAT) and others
GE_LINK_OWNER = "gr"  # Georgian Railway: owns @GE_* only
LINK = "/api/v1/networks/titr/links/"
NODE = "/api/v1/networks/titr/nodes/"


class Service:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.anon = TestClient(app)
        self.anon.__enter__()
        self.store = app.state.store
        self.admin = self.client(app.state.initial_token)
        admin = self.store.principal("admin")
        self.store.create_user("baku-viewer", "Port of Baku", "viewer", by=admin)
        self.baku = self.client(self.store.issue_token("baku-port", by=admin))
        self.gr = self.client(self.store.issue_token("gr", by=admin))
        self.viewer = self.client(self.store.issue_token("baku-viewer", by=admin))

    def client(self, token: str) -> TestClient:
        c = TestClient(self.app)
        c.headers["Authorization"] = f"Bearer {token}"
        return c

    def version(self) -> int:
        v: int = self.admin.get("/api/v1/networks").json()[0]["latest_version"]
        return v

    def close(self) -> None:
        self.anon.__exit__(None, None, None)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def svc(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('svc') / 'store.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.new_database()
    app = create_app(ApiSettings(web=False, database_url=url, job_workers=2, token_cache_s=0))
    s = Service(app)
    yield s
    s.close()


def _patch(
    client: TestClient, path: str, values: dict[str, Any], version: int | None, **kw: Any
) -> Any:
    body: dict[str, Any] = {"values": values}
    if version is not None:
        body["expected_version"] = version
    return client.patch(path, json=body, **kw)


# -- authentication -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/networks"),
        ("GET", "/api/v1/meta"),
        ("POST", "/api/v1/routes"),
        ("GET", "/api/v1/network/geojson"),
        ("GET", LINK + FERRY),
        ("PATCH", LINK + FERRY),
        ("POST", "/api/v1/runs"),
        ("GET", "/api/v1/runs/1"),
        ("GET", "/api/v1/users"),
        ("PUT", "/api/v1/scenarios/x"),
    ],
)
def test_anonymous_requests_get_401(svc: Service, method: str, path: str) -> None:
    r = svc.anon.request(method, path, json={})
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    bad = svc.anon.request(method, path, json={}, headers={"Authorization": "Bearer ct_nope"})
    assert bad.status_code == 401


def test_health_needs_no_token_and_tokens_are_stored_hashed(svc: Service) -> None:
    assert svc.anon.get("/api/v1/health").json() == HealthOut().model_dump()
    token = svc.app.state.initial_token
    from sqlalchemy import text

    with svc.store._session() as s:
        hashes = [r[0] for r in s.execute(text("SELECT token_sha256 FROM api_tokens"))]
    assert token not in hashes
    assert all(len(h) == 64 for h in hashes)


def test_me_names_user_organisation_and_role(svc: Service) -> None:
    assert svc.baku.get("/api/v1/me").json() == {
        "user": "baku-port",
        "organisation": "Port of Baku",
        "role": "editor",
    }
    assert svc.viewer.get("/api/v1/me").json()["role"] == "viewer"


# -- editing: ownership, roles, versions ------------------------------------------------------
def test_owner_edits_a_link_making_a_new_version(svc: Service) -> None:
    v = svc.version()
    rec = svc.baku.get(LINK + FERRY).json()
    assert rec["editable"] is True
    assert "Port of Baku" in rec["owners"]
    old = rec["values"].get("capacity_t_per_year")
    r = _patch(svc.baku, LINK + FERRY, {"capacity_t_per_year": 3_000_000 + v}, v)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["version"]["version"] == v + 1
    assert out["version"]["organisation"] == "Port of Baku"
    assert out["changes"] == [
        {
            "table": "links",
            "record_id": FERRY,
            "field": "capacity_t_per_year",
            "old_value": old,
            "new_value": 3_000_000 + v,
        }
    ]
    # the old version stays readable and unchanged
    before = svc.baku.get(LINK + FERRY, params={"version": v}).json()
    assert before["values"].get("capacity_t_per_year") == old
    assert svc.baku.get(LINK + FERRY).headers["etag"] == f'"{v + 1}"'
    versions = svc.baku.get("/api/v1/networks/titr/versions").json()
    assert [x["version"] for x in versions][-2:] == [v, v + 1]
    text = svc.baku.get(f"/api/v1/networks/titr/versions/{v + 1}").text
    assert f"capacity_t_per_year: {3_000_000 + v}" in text
    as_json = svc.baku.get(
        f"/api/v1/networks/titr/versions/{v + 1}", params={"format": "json"}
    ).json()
    assert any(link["id"] == FERRY for link in as_json["links"])
    audit = svc.baku.get("/api/v1/networks/titr/audit", params={"record_id": FERRY}).json()
    assert (audit[-1]["user"], audit[-1]["version"], audit[-1]["new_value"]) == (
        "baku-port",
        v + 1,
        3_000_000 + v,
    )

    # the compute endpoints see the edit; ?version= pins the old one
    def cap(params: dict[str, Any]) -> Any:
        fc = svc.baku.get("/api/v1/network/geojson", params=params).json()
        (f,) = [f for f in fc["features"] if f["properties"].get("id") == FERRY]
        return f["properties"].get("capacity_t_per_year")

    assert cap({}) == 3_000_000 + v
    assert cap({"version": v}) == old


def test_another_organisation_cannot_edit_403(svc: Service) -> None:
    v = svc.version()
    assert svc.gr.get(LINK + FERRY).json()["editable"] is False
    r = _patch(svc.gr, LINK + FERRY, {"capacity_t_per_year": 1_000_000}, v)
    assert r.status_code == 403, r.text
    assert "Georgian Railway" in r.json()["detail"]
    r = _patch(svc.baku, NODE + "GE_POT", {"name": "Poti (edited)"}, v)
    assert r.status_code == 403
    assert svc.version() == v
    # but it edits its own: Poti
    r = _patch(svc.gr, NODE + "GE_POT", {"operator": f"APM Terminals Poti {v}"}, v)
    assert r.status_code == 200, r.text
    assert svc.version() == v + 1


def test_viewer_cannot_edit_403(svc: Service) -> None:
    v = svc.version()
    assert svc.viewer.get(LINK + FERRY).json()["editable"] is False
    r = _patch(svc.viewer, LINK + FERRY, {"capacity_t_per_year": 1_000_000}, v)
    assert r.status_code == 403
    assert "viewer" in r.json()["detail"]
    assert svc.version() == v


def test_stale_version_409(svc: Service) -> None:
    v = svc.version()
    r = _patch(svc.baku, LINK + FERRY, {"capacity_t_per_year": 2_000_000 + v}, v)
    assert r.status_code == 200
    stale = _patch(svc.baku, LINK + FERRY, {"capacity_t_per_year": 7}, v)
    assert stale.status_code == 409
    assert (stale.json()["expected"], stale.json()["actual"]) == (v, v + 1)
    by_header = _patch(
        svc.baku, LINK + FERRY, {"capacity_t_per_year": 7}, None, headers={"If-Match": f'"{v}"'}
    )
    assert by_header.status_code == 409
    ok = _patch(
        svc.baku,
        LINK + FERRY,
        {"capacity_t_per_year": 2_500_000 + v},
        None,
        headers={"If-Match": f'"{v + 1}"'},
    )
    assert ok.status_code == 200
    missing = _patch(svc.baku, LINK + FERRY, {"capacity_t_per_year": 7}, None)
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "expected_version"]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"capacity_t_per_year": -5}, "capacity_t_per_year", "below the minimum"),
        ({"capacity_t_per_year": "lots"}, "capacity_t_per_year", "must be a number"),
        ({"mode": "teleport"}, "mode", "teleport"),
        ({"warp_factor": 9}, "warp_factor", "unknown attribute"),
    ],
)
def test_invalid_edit_422_with_the_field_path(
    svc: Service, values: dict[str, Any], field: str, words: str
) -> None:
    v = svc.version()
    r = _patch(svc.baku, LINK + FERRY, values, v)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert ["body", "values", field] in [d["loc"] for d in detail]
    assert any(words in d["msg"] for d in detail), detail
    assert svc.version() == v  # nothing written


def test_request_shape_errors_and_unknown_records(svc: Service) -> None:
    v = svc.version()
    r = svc.baku.patch(LINK + FERRY, json={"values": {}, "expected_version": v})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:2] == ["body", "values"]
    r = svc.baku.patch(LINK + FERRY, json={"values": {"x": 1}, "expected_version": v, "z": 1})
    assert r.status_code == 422
    assert _patch(svc.baku, LINK + "NOPE", {"length_km": 1}, v).status_code == 404
    assert svc.baku.get(NODE + "ATLANTIS").status_code == 404
    assert svc.baku.get("/api/v1/networks/nope/versions").status_code == 404
    assert svc.baku.get(LINK + FERRY, params={"version": 10_000}).status_code == 404
    assert svc.baku.get("/api/v1/network/nodes", params={"version": 10_000}).status_code == 404
    # no change: no version
    same = svc.baku.get(LINK + FERRY).json()["values"]["length_km"]
    r = _patch(svc.baku, LINK + FERRY, {"length_km": same}, v)
    assert r.status_code == 200
    assert r.json()["changes"] == []
    assert svc.version() == v


# -- administration --------------------------------------------------------------------------
def test_admin_only_endpoints(svc: Service) -> None:
    for c in (svc.baku, svc.viewer):
        assert c.get("/api/v1/users").status_code == 403
        assert c.get("/api/v1/organisations").status_code == 403
        assert c.post("/api/v1/organisations", json={"name": "Rogue"}).status_code == 403
        assert (
            c.post(
                "/api/v1/users", json={"name": "r", "organisation": "Port of Baku", "role": "admin"}
            ).status_code
            == 403
        )
        assert (
            c.post(
                "/api/v1/networks/titr/ownership",
                json={"table": "links", "pattern": "*", "organisation": "Port of Baku"},
            ).status_code
            == 403
        )
        assert c.patch("/api/v1/users/gr", json={"active": False}).status_code == 403
        assert c.post("/api/v1/users/gr/tokens", json={}).status_code == 403
    n = len(svc.admin.get("/api/v1/organisations").json())
    r = svc.admin.post("/api/v1/organisations", json={"name": f"Poti Sea Port {n}"})
    assert r.status_code == 201
    assert (
        svc.admin.post("/api/v1/organisations", json={"name": f"Poti Sea Port {n}"}).status_code
        == 409
    )
    r = svc.admin.post(
        "/api/v1/users",
        json={"name": f"poti{n}", "organisation": f"Poti Sea Port {n}", "role": "editor"},
    )
    assert r.status_code == 201
    rule = svc.admin.post(
        "/api/v1/networks/titr/ownership",
        json={"table": "nodes", "pattern": "GE_POT", "organisation": f"Poti Sea Port {n}"},
    )
    assert rule.status_code == 201
    issued = svc.admin.post(f"/api/v1/users/poti{n}/tokens", json={"label": "test"}).json()
    poti = svc.client(issued["token"])
    assert poti.get("/api/v1/me").json()["organisation"] == f"Poti Sea Port {n}"
    v = svc.version()
    assert _patch(poti, NODE + "GE_POT", {"operator": f"Poti {n}"}, v).status_code == 200
    # revoking the rule takes the right away; revoking the token locks the user out
    assert (
        svc.admin.delete(f"/api/v1/networks/titr/ownership/{rule.json()['id']}").status_code == 204
    )
    assert _patch(poti, NODE + "GE_POT", {"operator": "x"}, v + 1).status_code == 403
    (tok,) = poti.get(f"/api/v1/users/poti{n}/tokens").json()
    assert poti.delete(f"/api/v1/tokens/{tok['id']}").status_code == 204
    assert poti.get("/api/v1/me").status_code == 401
    # deactivating a user locks their tokens
    other = svc.client(svc.admin.post(f"/api/v1/users/poti{n}/tokens", json={}).json()["token"])
    assert svc.admin.patch(f"/api/v1/users/poti{n}", json={"active": False}).status_code == 200
    assert other.get("/api/v1/me").status_code == 401


# -- scenarios and demand -------------------------------------------------------------------
def test_scenarios_and_demand_documents(svc: Service) -> None:
    doc = svc.viewer.get("/api/v1/scenarios/more-caspian-ferries").json()
    assert doc["version"] >= 1
    assert "more-caspian-ferries" in doc["text"]
    body = {
        "text": doc["text"] + "\n# reviewed by the secretariat\n",
        "expected_version": doc["version"],
    }
    assert svc.viewer.put("/api/v1/scenarios/more-caspian-ferries", json=body).status_code == 403
    r = svc.admin.put("/api/v1/scenarios/more-caspian-ferries", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == doc["version"] + 1
    assert svc.admin.put("/api/v1/scenarios/more-caspian-ferries", json=body).status_code == 409
    wrong = svc.admin.put("/api/v1/scenarios/other-name", json={"text": doc["text"]})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "text"]
    bad = svc.admin.put("/api/v1/scenarios/x", json={"text": "name: [unclosed"})
    assert bad.status_code == 422
    versions = svc.viewer.get("/api/v1/scenarios/more-caspian-ferries/versions").json()
    assert [d["version"] for d in versions][-2:] == [doc["version"], doc["version"] + 1]
    assert [d["name"] for d in svc.viewer.get("/api/v1/demand").json()] == ["demand_2024"]
    demand = svc.viewer.get("/api/v1/demand/demand_2024").json()
    assert "titr-crude-btc" in demand["text"]
    assert (
        svc.admin.put(
            "/api/v1/demand/demand_2024",
            json={"text": "meta: [unclosed\n", "expected_version": demand["version"]},
        ).status_code
        == 422
    )
    # the compute endpoints use the stored scenarios
    names = [s["name"] for s in svc.viewer.get("/api/v1/scenarios").json()]
    assert "more-caspian-ferries" in names


# -- runs (jobs) -----------------------------------------------------------------------------
def _wait(client: TestClient, run_id: int, statuses: set[str], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(f"/api/v1/runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.05)


def test_run_lifecycle_and_result_equals_the_direct_call(svc: Service) -> None:
    r = svc.viewer.post("/api/v1/runs", json={"kind": "capacity", "inputs": {}})
    assert r.status_code == 202, r.text
    run = r.json()
    assert run["status"] in {"queued", "running", "succeeded"}
    done = _wait(svc.viewer, run["id"], {"succeeded", "failed"})
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0
    assert done["network"] == "titr"
    direct = svc.viewer.post("/api/v1/capacity", json={}).json()
    assert done["result"]["value_per_year"] == pytest.approx(direct["value_per_year"])
    listed = svc.viewer.get("/api/v1/runs").json()
    assert run["id"] in [x["id"] for x in listed]
    # another organisation cannot see or cancel it; an admin can see it
    assert svc.gr.get(f"/api/v1/runs/{run['id']}").status_code == 403
    assert svc.admin.get(f"/api/v1/runs/{run['id']}").status_code == 200
    assert run["id"] not in [x["id"] for x in svc.gr.get("/api/v1/runs").json()]


def test_run_inputs_are_validated_with_the_field_path(svc: Service) -> None:
    r = svc.viewer.post(
        "/api/v1/runs", json={"kind": "reliability", "inputs": {"origin": "Almaty", "draws": 5}}
    )
    assert r.status_code == 422
    locs = [d["loc"] for d in r.json()["detail"]]
    assert any(loc[-1] == "draws" for loc in locs), locs
    assert (
        svc.viewer.post("/api/v1/runs", json={"kind": "teleport", "inputs": {}}).status_code == 422
    )
    # a run whose inputs name an unknown node fails with the reason
    r = svc.viewer.post(
        "/api/v1/runs",
        json={"kind": "route", "inputs": {"origin": "Atlantis", "destination": "Baku"}},
    )
    failed = _wait(svc.viewer, r.json()["id"], {"succeeded", "failed"})
    assert failed["status"] == "failed"
    assert "Atlantis" in failed["error"]


def test_simulation_run_reports_progress_per_replication(svc: Service) -> None:
    r = svc.viewer.post(
        "/api/v1/runs",
        json={
            "kind": "simulation",
            "inputs": {"days": 20, "replications": 2, "seed": 7, "scenario": "caspian-storm-week"},
        },
    )
    assert r.status_code == 202, r.text
    done = _wait(svc.viewer, r.json()["id"], {"succeeded", "failed"}, timeout=120)
    assert done["status"] == "succeeded", done
    assert done["message"] == "replication 2 of 2"
    result = done["result"]
    assert result["replications"] == 2
    assert result["events"] > 0
    assert result["delivered"] <= result["released"]
    assert {"origin", "destination", "p50_days", "p90_days"} <= set(result["flows"][0])
    bad = svc.viewer.post(
        "/api/v1/runs",
        json={
            "kind": "simulation",
            "inputs": {"scenario": "no-such-scenario", "days": 5, "replications": 1},
        },
    )
    failed = _wait(svc.viewer, bad.json()["id"], {"succeeded", "failed"})
    assert failed["status"] == "failed"
    assert "no-such-scenario" in failed["error"]


class _Gate(BaseModel):
    steps: int = 3


def test_progress_and_cancel_of_a_running_job(svc: Service) -> None:
    """A job kind registered for the test (the registry's extension point) that waits on a gate."""
    gate, started = threading.Event(), threading.Event()

    def slow(provider: Any, req: _Gate, progress: Any) -> BaseModel:
        for i in range(req.steps):
            progress(i / req.steps, f"step {i + 1} of {req.steps}")
            started.set()
            gate.wait(30)
            gate.clear()
        return _Gate(steps=req.steps)

    real = JOB_KINDS["simulation"]
    JOB_KINDS["simulation"] = JobKind(_Gate, slow, "test job")
    try:
        runner = svc.app.state.runner
        baku = svc.store.principal("baku-port")
        run = runner.submit("simulation", _Gate(steps=3), by=baku, network="titr", version=None)
        assert started.wait(30)
        running = svc.baku.get(f"/api/v1/runs/{run.id}").json()
        assert (running["status"], running["message"]) == ("running", "step 1 of 3")
        gate.set()
        deadline = time.monotonic() + 30
        while svc.baku.get(f"/api/v1/runs/{run.id}").json()["progress"] < 0.3:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert svc.gr.delete(f"/api/v1/runs/{run.id}").status_code == 403
        cancelled = svc.baku.delete(f"/api/v1/runs/{run.id}").json()
        assert cancelled["status"] == "failed"
        assert "cancelled" in cancelled["error"]
        gate.set()  # the worker's next progress update learns it was cancelled and stops
        time.sleep(0.3)
        final = svc.baku.get(f"/api/v1/runs/{run.id}").json()
        assert final["status"] == "failed"
        assert final["result"] is None
        # and a finished job runs to the end with its progress
        gate.set()
        run2 = runner.submit("simulation", _Gate(steps=1), by=baku, network="titr", version=None)
        gate.set()
        assert _wait(svc.baku, run2.id, {"succeeded", "failed"})["status"] == "succeeded"
    finally:
        gate.set()
        JOB_KINDS["simulation"] = real


def test_runs_left_by_a_stopped_app_are_failed_at_the_next_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    app = create_app(ApiSettings(web=False, database_url=url))
    with TestClient(app):
        store = app.state.store
        admin = store.principal("admin")
        queued = store.create_run("capacity", {}, by=admin, network="titr")
        running = store.create_run("capacity", {}, by=admin, network="titr")
        store.start_run(running.id)
        # pretend the process that runs it is gone
        from sqlalchemy import text

        with store._session(write=True) as s:
            s.execute(text("UPDATE runs SET pid = 999999999 WHERE id = :i"), {"i": running.id})
    again = create_app(ApiSettings(web=False, database_url=url))
    with TestClient(again):
        for run_id in (queued.id, running.id):
            assert again.state.store.run(run_id).status == "failed"


def test_a_warm_start_loads_the_network_and_freezes_it_out_of_the_collector(
    tmp_path: Path,
) -> None:
    import gc

    app = create_app(ApiSettings(web=False, data_dir=tmp_path, warm_start=True))
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # modules, the app and the parsed network
        client.headers["Authorization"] = f"Bearer {app.state.initial_token}"
        r = client.post("/api/v1/routes", json={"origin": "Almaty", "destination": "Istanbul"})
        assert r.status_code == 200
    assert gc.get_freeze_count() == 0  # unfrozen when the app stops
