"""Scenarios and demand tables in the store: versioned text, ownership, conflicts."""

from __future__ import annotations

from importlib import resources

import pytest

from corridor_twin.errors import (
    ConflictError,
    DemandError,
    NotFoundError,
    PermissionDeniedError,
    ScenarioError,
)
from corridor_twin.scenarios import load_bundled, load_bundled_demand
from corridor_twin.store import Principal, Store


def _bundled_text(name: str) -> str:
    data = resources.files("corridor_twin.scenarios").joinpath("data")
    return data.joinpath(f"{name}.yaml").read_text(encoding="utf-8")


@pytest.fixture
def editors(store: Store) -> tuple[Principal, Principal, Principal]:
    admin, _ = store.bootstrap("Secretariat", "root")
    for org in ("Port of Baku", "KTZ", "Ministry"):
        store.create_organisation(org, by=admin)
    store.create_user("baku", "Port of Baku", "editor", by=admin)
    store.create_user("ktz", "KTZ", "editor", by=admin)
    store.create_user("viewer", "Ministry", "viewer", by=admin)
    return store.principal("baku"), store.principal("ktz"), store.principal("viewer")


def test_scenarios_are_versioned_text_that_reads_back_equal(
    store: Store, editors: tuple[Principal, Principal, Principal]
) -> None:
    baku, ktz, viewer = editors
    text = _bundled_text("baku-port-phase-2")
    v1 = store.save_scenario(text, by=baku)
    assert (v1.kind, v1.name, v1.version, v1.fmt, v1.organisation) == (
        "scenario",
        "baku-port-phase-2",
        1,
        "yaml",
        "Port of Baku",
    )
    assert store.document("scenario", "baku-port-phase-2").text == text  # comments kept
    assert store.scenario("baku-port-phase-2") == load_bundled("baku-port-phase-2")
    v2 = store.save_scenario(load_bundled("baku-port-phase-2"), by=baku, expected_version=1)
    assert v2.version == 2
    assert [d.version for d in store.document_versions("scenario", "baku-port-phase-2")] == [1, 2]
    assert store.document("scenario", "baku-port-phase-2", version=1).text == text
    with pytest.raises(ConflictError, match="version 2"):
        store.save_scenario(text, by=baku, expected_version=1)
    with pytest.raises(ConflictError, match="version 2"):
        store.save_scenario(text, by=baku)  # "new" but it exists
    with pytest.raises(PermissionDeniedError, match="another organisation"):
        store.save_scenario(text, by=ktz, expected_version=2)
    with pytest.raises(PermissionDeniedError):
        store.save_scenario(_bundled_text("btk-modernisation"), by=viewer)
    assert [d.name for d in store.documents("scenario")] == ["baku-port-phase-2"]
    audit = store.audit_log(object_kind="scenario")
    assert [(a.action, a.version, a.user) for a in audit] == [
        ("save", 1, "baku"),
        ("save", 2, "baku"),
    ]


def test_unreadable_documents_are_refused(
    store: Store, editors: tuple[Principal, Principal, Principal]
) -> None:
    baku, _, _ = editors
    with pytest.raises(ScenarioError):
        store.save_scenario("name: x\nchanges: [{kind: teleport}]\n", by=baku)
    with pytest.raises(DemandError):
        store.save_demand("id,origin\nx\n", fmt="csv", name="bad", by=baku)
    assert store.documents("scenario") == []
    with pytest.raises(NotFoundError):
        store.scenario("x")


def test_demand_tables_in_yaml_and_csv(
    store: Store, editors: tuple[Principal, Principal, Principal]
) -> None:
    _, ktz, _ = editors
    info = store.save_demand(_bundled_text("demand_2024"), by=ktz)
    assert (info.name, info.fmt, info.version) == ("demand_2024", "yaml", 1)
    assert store.demand("demand_2024") == load_bundled_demand()
    csv_text = (
        "id,origin,destination,commodity,amount_per_year,unit,source,year\n"
        "g1,KZ_KOS,AM_DAL,grain,210000,t,assumption-corridor-twin,2025\n"
    )
    store.save_demand(csv_text, fmt="csv", name="grain-2025", by=ktz)
    assert store.demand("grain-2025").row("g1").amount_per_year == 210000.0
    assert [d.name for d in store.documents("demand")] == ["demand_2024", "grain-2025"]
