"""Legacy versions: ``.inf`` capacities stored before the input boundary, read and repaired.

Every store test runs on SQLite and PostgreSQL (the ``store`` fixture). A
legacy version is planted straight in the database, as the older code wrote
it: the canonical text with ``.inf`` where a capacity was meant unlimited.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from corridor_twin.api import ApiSettings, create_app
from corridor_twin.cli import main
from corridor_twin.errors import StoreError
from corridor_twin.io import dumps_network, loads_network
from corridor_twin.network.model import Network
from corridor_twin.store import Principal, Store, UpdateRecord, _repair
from corridor_twin.store._common import now
from corridor_twin.store._legacy import is_legacy, loads_legacy
from corridor_twin.store.schema import NetworkRow, NetworkVersionRow


def _with_capacities(mini: Network) -> Network:
    nodes = tuple(
        dataclasses.replace(n, capacity_teu_per_year=123456.0) if n.id == "KZ_P" else n
        for n in mini.nodes
    )
    return mini.replace(nodes=nodes)


def _unlimited(mini: Network) -> Network:
    """What the legacy text of ``mini`` means: the ferry's capacity unlimited."""
    ferry = dataclasses.replace(mini.service("ferry"), capacity_teu=None)
    return mini.replace(services=(ferry,))


def _legacy_text(mini: Network, *, length: bool = False) -> str:
    """The canonical text of ``mini`` as older code stored it: infinite capacities."""
    text = dumps_network(_with_capacities(mini))
    text = text.replace("capacity_teu_per_year: 123456", "capacity_teu_per_year: .inf")
    text = text.replace("capacity_teu: 50", "capacity_teu: .inf")
    if length:
        text = text.replace("length_km: 430", "length_km: .inf")
    assert text.count(".inf") == (3 if length else 2)
    return text


def _plant(store: Store, name: str, text: str) -> int:
    """Append ``text`` as the next version of ``name`` directly in the database."""
    with store._session(write=True) as s:
        net = s.scalars(select(NetworkRow).where(NetworkRow.name == name)).one()
        version = net.latest_version + 1
        s.add(
            NetworkVersionRow(
                network_id=net.id,
                version=version,
                yaml_text=text,
                sha256=hashlib.sha256(text.encode()).hexdigest(),
                message="stored by an older release",
                created_at=now(),
            )
        )
        net.latest_version = version
    return version


def _strict_json(data: bytes) -> Any:
    def refuse(token: str) -> None:
        raise AssertionError(f"not JSON: {token}")

    return json.loads(data, parse_constant=refuse)


@pytest.fixture
def legacy(store: Store, mini: Network) -> tuple[Store, Principal]:
    admin, _ = store.bootstrap("Corridor secretariat", "root")
    store.create_network("mini", mini, by=admin)
    assert _plant(store, "mini", _legacy_text(mini)) == 2
    return store, admin


def test_the_quick_scan_finds_only_unquoted_non_finite_numbers() -> None:
    assert is_legacy("a: .inf\n")
    assert is_legacy("a: [-.Inf]\n")
    assert is_legacy("a: {b: .nan}")
    assert not is_legacy("a: '.inf'\n")
    assert not is_legacy("a: 1.5\nnotes: infinite\n")


def test_a_figure_with_provenance_is_read_unlimited_and_other_numbers_are_refused(
    mini: Network,
) -> None:
    text = dumps_network(mini).replace(
        "length_km: 430,", "length_km: 430, capacity_t_per_year: {value: .inf, source: t},"
    )
    net, fixes = loads_legacy(text, network="mini", version=7)
    assert net.link("P-P").capacity_t_per_year is None
    assert [(f.version, f.table, f.record_id, f.field) for f in fixes] == [
        (7, "links", "P-P", "capacity_t_per_year")
    ]
    for bad in ("-.inf", ".nan"):
        with pytest.raises(StoreError, match="version 7: links 'P-P' capacity_t_per_year"):
            loads_legacy(text.replace("value: .inf", f"value: {bad}"), network="mini", version=7)
    with pytest.raises(StoreError, match=r"links 'P-P' length_km is \.inf.*only a capacity"):
        loads_legacy(_legacy_text(mini, length=True), network="mini", version=7)


def test_a_legacy_version_loads_with_its_infinite_capacities_unlimited(
    legacy: tuple[Store, Principal], mini: Network
) -> None:
    store, _ = legacy
    net = store.network("mini")
    assert net.node("KZ_P").capacity_teu_per_year is None
    assert net.service("ferry").capacity_teu is None
    assert net == _unlimited(mini)  # the unlimited capacities are the fields left out
    assert ".inf" in store.network_text("mini", 2, as_stored=True)  # history as stored
    served = store.network_text("mini", 2)
    assert ".inf" not in served
    assert loads_network(served) == _unlimited(mini)
    v, rec, owners = store.record("mini", "nodes", "KZ_P")
    assert (v, rec.capacity_teu_per_year, owners) == (2, None, [])


def test_a_dry_run_reports_and_writes_nothing(legacy: tuple[Store, Principal]) -> None:
    store, admin = legacy
    info = store.repair_versions("mini", by=admin, dry_run=True)
    assert (info.latest, info.affected, info.written) == (2, (2,), None)
    assert {(f.table, f.record_id, f.field, f.old) for f in info.fixes} == {
        ("nodes", "KZ_P", "capacity_teu_per_year", ".inf"),
        ("services", "ferry", "capacity_teu", ".inf"),
    }
    assert store.latest_version("mini") == 2
    assert not [a for a in store.audit_log() if a.action == "repair"]


def test_the_repair_stores_a_new_version_with_an_audit_row_per_field(
    legacy: tuple[Store, Principal], mini: Network
) -> None:
    store, admin = legacy
    before = store.version("mini", 2)
    stored_before = store.network_text("mini", 2, as_stored=True)
    info = store.repair_versions("mini", by=admin)
    assert info.written is not None
    assert info.written.version == 3
    assert "2 non-finite capacities of version 2" in (info.written.message or "")
    assert store.latest_version("mini") == 3
    text = store.network_text("mini", 3, as_stored=True)
    assert not is_legacy(text)
    assert loads_network(text) == _unlimited(mini) == store.network("mini")
    # history untouched: version 2 keeps its text and hash
    assert store.network_text("mini", 2, as_stored=True) == stored_before
    assert store.version("mini", 2).sha256 == before.sha256
    rows = [a for a in store.audit_log(object_name="mini") if a.action == "repair"]
    assert sorted(
        (a.version, a.table, a.record_id, a.field, a.old_value, a.new_value) for a in rows
    ) == [
        (3, "nodes", "KZ_P", "capacity_teu_per_year", ".inf", None),
        (3, "services", "ferry", "capacity_teu", ".inf", None),
    ]
    assert all(a.user == "root" for a in rows)
    # once repaired there is nothing left to do; the old version is still reported
    again = store.repair_versions("mini", by=admin)
    assert (again.affected, again.fixes, again.written) == ((2,), (), None)
    assert store.latest_version("mini") == 3


def test_a_repair_that_fails_midway_writes_nothing(
    legacy: tuple[Store, Principal], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, admin = legacy

    def boom(*args: object) -> None:
        raise StoreError("disk full")

    monkeypatch.setattr(_repair, "audit_fixes", boom)  # after the new version row is added
    with pytest.raises(StoreError, match="disk full"):
        store.repair_versions("mini", by=admin)
    assert store.latest_version("mini") == 2
    assert [v.version for v in store.versions("mini")] == [1, 2]
    monkeypatch.undo()
    assert store.repair_versions("mini", by=admin).written is not None
    assert [v.version for v in store.versions("mini")] == [1, 2, 3]


def test_an_unrepairable_version_is_refused_in_one_line(store: Store, mini: Network) -> None:
    admin, _ = store.bootstrap("Corridor secretariat", "root")
    store.create_network("mini", mini, by=admin)
    _plant(store, "mini", _legacy_text(mini, length=True))
    with pytest.raises(StoreError, match=r"version 2: links 'P-P' length_km is \.inf"):
        store.network("mini")
    with pytest.raises(StoreError, match="length_km"):
        store.repair_versions("mini", by=admin)
    assert store.latest_version("mini") == 2


def test_only_admins_repair(legacy: tuple[Store, Principal]) -> None:
    from corridor_twin.errors import PermissionDeniedError

    store, admin = legacy
    store.create_organisation("KTZ", by=admin)
    store.create_user("ktz", "KTZ", "editor", by=admin)
    with pytest.raises(PermissionDeniedError, match="admin"):
        store.repair_versions("mini", by=store.principal("ktz"))


def test_an_edit_of_a_legacy_latest_audits_the_values_it_no_longer_stores(
    legacy: tuple[Store, Principal],
) -> None:
    store, admin = legacy
    v3 = store.edit(
        "mini",
        [UpdateRecord("nodes", "KZ_C", {"transit_dwell_h": 7})],
        expected_version=2,
        by=admin,
    )
    assert not is_legacy(store.network_text("mini", v3.version, as_stored=True))
    actions = {(a.action, a.field) for a in store.audit_log() if a.version == v3.version}
    assert actions == {
        ("update", "transit_dwell_h"),
        ("repair", "capacity_teu_per_year"),
        ("repair", "capacity_teu"),
    }


def test_the_api_serves_a_legacy_version_as_strict_json(
    legacy: tuple[Store, Principal], store_url: str
) -> None:
    store, admin = legacy
    token = store.issue_token("root", by=admin)
    app = create_app(ApiSettings(web=False, network_name="mini"), store=store)
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        r = client.get("/api/v1/networks/mini/versions/2", params={"format": "json"})
        assert r.status_code == 200
        doc = _strict_json(r.content)
        port = next(n for n in doc["nodes"] if n["id"] == "KZ_P")
        assert "capacity_teu_per_year" not in port
        r = client.get("/api/v1/networks/mini/versions/2")
        assert r.status_code == 200
        assert ".inf" not in r.text
        r = client.get("/api/v1/networks/mini/nodes/KZ_P")
        assert r.status_code == 200
        assert _strict_json(r.content)["values"].get("capacity_teu_per_year") is None
        r = client.get("/api/v1/network/geojson")
        assert r.status_code == 200
        _strict_json(r.content)
        r = client.post("/api/v1/capacity", json={"sources": ["CN_A"], "sinks": ["GE_T"]})
        assert r.status_code in (200, 422), r.text  # never a 500 or Infinity
        _strict_json(r.content)


def test_the_admin_command_repairs_every_network(
    store_url: str, mini: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(store_url) as store:
        admin, _ = store.bootstrap("Corridor administration", "admin")
        store.create_network("mini", mini, by=admin)
        store.create_network("clean", mini, by=admin)
        _plant(store, "mini", _legacy_text(mini))
        _plant(store, "mini", _legacy_text(mini))  # versions 2 and 3 both legacy
    d = ["admin", "--database-url", store_url, "repair-versions"]
    assert main([*d, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "clean: no version holds a non-finite number" in out
    assert "mini: would store version 4: version 3 with 2 non-finite capacities" in out
    assert "version(s) 2 stay as stored" in out
    assert "  nodes KZ_P capacity_teu_per_year: .inf -> unlimited (left out)" in out
    assert main(d) == 0
    assert "mini: stored version 4" in capsys.readouterr().out
    assert main([*d, "--network", "mini"]) == 0
    assert "the latest version 4 needs no repair; version(s) 2, 3 stay" in (capsys.readouterr().out)
    assert main([*d, "--network", "nowhere"]) == 2
    assert "nowhere" in capsys.readouterr().err
    with Store.open(store_url) as store:
        assert store.latest_version("mini") == 4
        assert store.latest_version("clean") == 1


def test_the_admin_command_on_the_default_sqlite_store(
    tmp_path: Path, mini: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'corridor.sqlite3'}"
    with Store.open(url) as store:
        admin, _ = store.bootstrap("Corridor administration", "admin")
        store.create_network("titr", mini, by=admin)
        _plant(store, "titr", _legacy_text(mini))
    assert main(["admin", "--data-dir", str(tmp_path), "repair-versions"]) == 0
    assert "titr: stored version 3" in capsys.readouterr().out
