"""The store on SQLite and PostgreSQL: versions, edits, ownership, conflicts, audit, tokens.

Every test runs twice through the parametrised ``store`` fixture (see
``conftest.py``): on a SQLite file and on a throw-away PostgreSQL server.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from corridor_twin.errors import (
    AuthenticationError,
    ConflictError,
    DataError,
    NotFoundError,
    OptionError,
    PermissionDeniedError,
    StoreError,
    ValidationError,
)
from corridor_twin.io import dumps_network
from corridor_twin.network.model import Network
from corridor_twin.store import (
    DeleteRecord,
    InsertRecord,
    Principal,
    Store,
    UpdateRecord,
    edit_from_dict,
)
from corridor_twin.store.schema import Base, NetworkVersionRow, TokenRow


@dataclass
class Parties:
    """The store seeded with the mini corridor and three organisations."""

    admin: Principal
    admin_token: str
    baku: Principal  # Port of Baku editor: owns AZ_P and the links touching it
    ktz: Principal  # Kazakh railway editor: owns the KZ_ nodes and KZ rail links
    viewer: Principal  # a ministry viewer


@pytest.fixture
def parties(store: Store, mini: Network) -> Parties:
    admin, token = store.bootstrap("Corridor secretariat", "root")
    for org in ("Port of Baku", "KTZ", "Ministry"):
        store.create_organisation(org, by=admin)
    store.create_user("baku-editor", "Port of Baku", "editor", by=admin)
    store.create_user("ktz-editor", "KTZ", "editor", by=admin)
    store.create_user("ministry-viewer", "Ministry", "viewer", by=admin)
    store.create_network("mini", mini, by=admin, message="initial import")
    store.grant("mini", "nodes", "AZ_P", "Port of Baku", by=admin)
    store.grant("mini", "links", "@AZ_P", "Port of Baku", by=admin)
    store.grant("mini", "nodes", "KZ_*", "KTZ", by=admin)
    store.grant("mini", "links", "B-C", "KTZ", by=admin)
    store.grant("mini", "links", "C-P", "KTZ", by=admin)
    return Parties(
        admin,
        token,
        store.principal("baku-editor"),
        store.principal("ktz-editor"),
        store.principal("ministry-viewer"),
    )


def _audit_count(store: Store) -> int:
    return len(store.audit_log(object_kind="network", object_name="mini"))


# -- versions -------------------------------------------------------------------------
def test_create_network_is_version_1_and_reads_back_exactly(
    store: Store, parties: Parties, mini: Network
) -> None:
    assert store.network("mini") == mini
    assert store.network_text("mini") == dumps_network(mini)
    info = store.version("mini")
    assert (info.version, info.user, info.organisation, info.message) == (
        1,
        "root",
        "Corridor secretariat",
        "initial import",
    )
    assert info.sha256 == hashlib.sha256(dumps_network(mini).encode()).hexdigest()
    assert [n.name for n in store.networks()] == ["mini"]


def test_edit_makes_a_new_version_and_old_versions_stay_readable(
    store: Store, parties: Parties, mini: Network
) -> None:
    v2 = store.edit(
        "mini",
        [UpdateRecord("links", "P-P", {"duration_h": 20, "capacity_teu_per_year": 90000})],
        expected_version=1,
        by=parties.baku,
        message="new ferry timetable",
    )
    v3 = store.edit(
        "mini",
        [UpdateRecord("nodes", "AZ_P", {"transit_dwell_h": 4})],
        expected_version=2,
        by=parties.baku,
    )
    assert (v2.version, v3.version) == (2, 3)
    assert store.network("mini", version=1) == mini
    assert store.network("mini", version=2).link("P-P").duration_h == 20.0
    assert store.network("mini", version=2).node("AZ_P").transit_dwell_h == 0.0
    latest = store.network("mini")
    assert latest.link("P-P").capacity_teu_per_year == 90000.0
    assert latest.node("AZ_P").transit_dwell_h == 4.0
    assert [v.version for v in store.versions("mini")] == [1, 2, 3]
    assert store.versions("mini")[1].message == "new ferry timetable"
    assert store.versions("mini")[1].organisation == "Port of Baku"
    with pytest.raises(NotFoundError, match="no version 9"):
        store.network("mini", version=9)
    with pytest.raises(NotFoundError):
        store.network("nope")


def test_audit_rows_record_who_what_when_old_and_new(store: Store, parties: Parties) -> None:
    store.edit(
        "mini",
        [UpdateRecord("links", "P-P", {"duration_h": 20})],
        expected_version=1,
        by=parties.baku,
    )
    rows = [a for a in store.audit_log(object_name="mini") if a.action == "update"]
    assert len(rows) == 1
    (row,) = rows
    assert (row.user, row.organisation, row.version) == ("baku-editor", "Port of Baku", 2)
    assert (row.table, row.record_id, row.field) == ("links", "P-P", "duration_h")
    assert (row.old_value, row.new_value) == (18, 20)
    assert row.at.tzinfo is not None
    assert [a.action for a in store.audit_log(record_id="@AZ_P")] == ["grant"]


def test_insert_and_delete_records(store: Store, parties: Parties) -> None:
    new_link = {
        "id": "AZ_P-GE_T-road",
        "from": "AZ_P",
        "to": "GE_T",
        "mode": "road",
        "length_km": 560,
        "bidirectional": True,
    }
    v2 = store.edit("mini", [InsertRecord("links", new_link)], expected_version=1, by=parties.baku)
    assert store.network("mini").link("AZ_P-GE_T-road").length_km == 560.0
    store.edit(
        "mini",
        [DeleteRecord("links", "AZ_P-GE_T-road")],
        expected_version=v2.version,
        by=parties.baku,
    )
    assert not store.network("mini").has("links", "AZ_P-GE_T-road")
    actions = [a.action for a in store.audit_log(object_name="mini") if a.version]
    assert actions[-2:] == ["insert", "delete"]


def test_edit_from_dict_round_trips_the_json_form(store: Store, parties: Parties) -> None:
    edit = edit_from_dict(
        {"op": "update", "table": "links", "id": "P-P", "values": {"length_km": 440}}
    )
    store.edit("mini", [edit], expected_version=1, by=parties.baku)
    assert store.network("mini").link("P-P").length_km == 440.0
    with pytest.raises(DataError, match="op"):
        edit_from_dict({"op": "rename", "table": "links", "id": "P-P"})


# -- concurrency -----------------------------------------------------------------------
def test_stale_version_is_a_conflict_not_an_overwrite(store: Store, parties: Parties) -> None:
    store.edit(
        "mini",
        [UpdateRecord("links", "P-P", {"duration_h": 20})],
        expected_version=1,
        by=parties.baku,
    )
    with pytest.raises(ConflictError, match="version 2, not 1") as err:
        store.edit(
            "mini",
            [UpdateRecord("links", "P-P", {"duration_h": 30})],
            expected_version=1,
            by=parties.admin,
        )
    assert (err.value.expected, err.value.actual) == (1, 2)
    assert store.network("mini").link("P-P").duration_h == 20.0
    assert [v.version for v in store.versions("mini")] == [1, 2]


def test_concurrent_editors_exactly_one_wins_per_version(
    store_url: str, store: Store, parties: Parties
) -> None:
    import threading

    results: list[str] = []

    def edit(i: int) -> None:
        with Store.open(store_url, upgrade=False) as other:
            try:
                other.edit(
                    "mini",
                    [UpdateRecord("links", "P-P", {"duration_h": 10 + i})],
                    expected_version=1,
                    by=parties.admin,
                )
                results.append("ok")
            except ConflictError:
                results.append("conflict")

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 3 + ["ok"]
    assert [v.version for v in store.versions("mini")] == [1, 2]


# -- permissions -------------------------------------------------------------------------
def test_an_organisation_cannot_change_anothers_link(store: Store, parties: Parties) -> None:
    before = _audit_count(store)
    with pytest.raises(PermissionDeniedError, match=r"'Port of Baku' may not change links 'B-C'"):
        store.edit(
            "mini",
            [
                UpdateRecord("links", "P-P", {"duration_h": 20}),
                UpdateRecord("links", "B-C", {"length_km": 900}),
            ],
            expected_version=1,
            by=parties.baku,
        )
    with pytest.raises(PermissionDeniedError, match="owned by KTZ"):
        store.edit(
            "mini",
            [UpdateRecord("nodes", "KZ_C", {"transit_dwell_h": 1})],
            expected_version=1,
            by=parties.baku,
        )
    assert [v.version for v in store.versions("mini")] == [1]
    assert _audit_count(store) == before
    # the owner may; the co-owned ferry link (it touches AZ_P) too
    store.edit(
        "mini",
        [UpdateRecord("links", "B-C", {"length_km": 900})],
        expected_version=1,
        by=parties.ktz,
    )
    assert store.owners("mini", "links", "P-P") == ["Port of Baku"]
    assert store.owners("mini", "links", "A-B") == []


def test_unowned_records_are_for_admins_only(store: Store, parties: Parties) -> None:
    with pytest.raises(PermissionDeniedError, match="admins only"):
        store.edit(
            "mini",
            [UpdateRecord("links", "A-B", {"length_km": 90})],
            expected_version=1,
            by=parties.ktz,
        )
    store.edit(
        "mini",
        [UpdateRecord("links", "A-B", {"length_km": 90})],
        expected_version=1,
        by=parties.admin,
    )


def test_moving_a_record_out_of_ones_ownership_is_denied(store: Store, parties: Parties) -> None:
    # Port of Baku owns P-P through @AZ_P; re-pointing it away from AZ_P would hand
    # a link to nobody, so the new record must be owned too.
    with pytest.raises(PermissionDeniedError):
        store.edit(
            "mini",
            [UpdateRecord("links", "P-P", {"to": "GE_T"})],
            expected_version=1,
            by=parties.baku,
        )


def test_viewer_cannot_edit_and_roles_gate_admin_actions(store: Store, parties: Parties) -> None:
    with pytest.raises(PermissionDeniedError, match="editor or admin role"):
        store.edit(
            "mini",
            [UpdateRecord("links", "P-P", {"duration_h": 1})],
            expected_version=1,
            by=parties.viewer,
        )
    with pytest.raises(PermissionDeniedError, match="admin"):
        store.create_organisation("Rogue", by=parties.baku)
    with pytest.raises(PermissionDeniedError, match="admin"):
        store.create_user("x", "KTZ", "admin", by=parties.ktz)
    with pytest.raises(PermissionDeniedError, match="admin"):
        store.grant("mini", "links", "*", "KTZ", by=parties.ktz)
    with pytest.raises(PermissionDeniedError, match="admin"):
        store.create_network("mine", store.network("mini"), by=parties.ktz)
    with pytest.raises(OptionError, match="role"):
        store.create_user("x", "KTZ", "superuser", by=parties.admin)
    assert [v.version for v in store.versions("mini")] == [1]


# -- invalid edits ------------------------------------------------------------------------
def test_invalid_edit_is_rejected_with_messages_and_nothing_written(
    store: Store, parties: Parties
) -> None:
    before = _audit_count(store)
    with pytest.raises(ValidationError, match="unknown") as err:
        store.edit(
            "mini",
            [UpdateRecord("links", "A-B", {"to": "XX_NOWHERE"})],
            expected_version=1,
            by=parties.admin,
        )
    assert err.value.issues
    assert any("check_unknown_nodes" in str(f) for f in err.value.issues)
    with pytest.raises(DataError, match="length_km"):
        store.edit(
            "mini",
            [UpdateRecord("links", "A-B", {"length_km": "far"})],
            expected_version=1,
            by=parties.admin,
        )
    with pytest.raises(DataError, match="id cannot change"):
        store.edit(
            "mini",
            [UpdateRecord("links", "A-B", {"id": "A-B2"})],
            expected_version=1,
            by=parties.admin,
        )
    with pytest.raises(NotFoundError):
        store.edit(
            "mini",
            [UpdateRecord("links", "nope", {"length_km": 1})],
            expected_version=1,
            by=parties.admin,
        )
    with pytest.raises(StoreError, match="changes nothing"):
        store.edit(
            "mini",
            [UpdateRecord("links", "A-B", {"length_km": 100})],
            expected_version=1,
            by=parties.admin,
        )
    assert [v.version for v in store.versions("mini")] == [1]
    assert _audit_count(store) == before


def test_create_network_validates_and_names_are_unique(
    store: Store, parties: Parties, mini: Network
) -> None:
    broken = mini.update_link("A-B", to_node="XX")
    with pytest.raises(ValidationError):
        store.create_network("broken", broken, by=parties.admin)
    with pytest.raises(ConflictError, match="already exists"):
        store.create_network("mini", mini, by=parties.admin)
    assert [n.name for n in store.networks()] == ["mini"]


# -- users and tokens ------------------------------------------------------------------------
def test_tokens_are_stored_hashed_and_authenticate(store: Store, parties: Parties) -> None:
    token = store.issue_token("baku-editor", by=parties.admin, label="ci")
    assert store.authenticate(token) == parties.baku
    assert store.authenticate(parties.admin_token) == parties.admin
    with store._session() as s:
        rows = list(s.scalars(select(TokenRow)))
        stored = {r.token_sha256 for r in rows}
        # the plaintext appears in no column of any table
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)).all():
                assert not any(token in str(v) or parties.admin_token in str(v) for v in row)
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert len(rows) == 2


def test_bad_revoked_and_deactivated_tokens_are_refused(store: Store, parties: Parties) -> None:
    token = store.issue_token("ktz-editor", by=parties.ktz)
    for bad in (None, "", "ct_nope", token + "x"):
        with pytest.raises(AuthenticationError):
            store.authenticate(bad)
    (info,) = store.tokens("ktz-editor", by=parties.ktz)
    store.revoke_token(info.id, by=parties.ktz)
    with pytest.raises(AuthenticationError, match="revoked"):
        store.authenticate(token)
    other = store.issue_token("ktz-editor", by=parties.admin)
    store.set_user("ktz-editor", active=False, by=parties.admin)
    with pytest.raises(AuthenticationError, match="deactivated"):
        store.authenticate(other)
    with pytest.raises(PermissionDeniedError):
        store.issue_token("root", by=parties.baku)


def test_bootstrap_only_on_an_empty_store(store: Store, parties: Parties) -> None:
    with pytest.raises(ConflictError, match="already has users"):
        store.bootstrap("Another", "root2")
    assert [o.name for o in store.organisations()] == [
        "Corridor secretariat",
        "KTZ",
        "Ministry",
        "Port of Baku",
    ]
    assert {u.name: u.role for u in store.users("KTZ")} == {"ktz-editor": "editor"}
    store.set_user("ministry-viewer", role="editor", by=parties.admin)
    assert store.principal("ministry-viewer").role == "editor"


def test_sqlite_raw_versions_table_holds_whole_versions(store: Store, parties: Parties) -> None:
    store.edit(
        "mini",
        [UpdateRecord("links", "P-P", {"duration_h": 20})],
        expected_version=1,
        by=parties.baku,
    )
    with store._session() as s:
        rows = list(s.scalars(select(NetworkVersionRow).order_by(NetworkVersionRow.version)))
        assert [r.version for r in rows] == [1, 2]
        for r in rows:
            assert hashlib.sha256(r.yaml_text.encode()).hexdigest() == r.sha256
        assert s.execute(text("SELECT latest_version FROM networks")).scalar_one() == 2


@pytest.mark.slow  # whole-corridor YAML round trips: a few seconds per backend
def test_port_of_baku_edits_alat_and_its_ferries_on_the_bundled_corridor(store: Store) -> None:
    from corridor_twin import load_corridor

    net = load_corridor()
    admin, _ = store.bootstrap("Corridor secretariat", "root")
    store.create_organisation("Port of Baku", by=admin)
    store.create_user("alat", "Port of Baku", "editor", by=admin)
    baku = store.principal("alat")
    store.create_network("titr", net, by=admin)
    store.grant("titr", "nodes", "AZ_ALAT", "Port of Baku", by=admin)
    store.grant("titr", "links", "@AZ_ALAT", "Port of Baku", by=admin)
    ferry = "KZ_AKT-AZ_ALAT-FERRY"
    before = net.link(ferry).duration_h
    v2 = store.edit(
        "titr",
        [
            UpdateRecord("nodes", "AZ_ALAT", {"transit_dwell_h": 6}),
            UpdateRecord("links", ferry, {"duration_h": 20}),
        ],
        expected_version=1,
        by=baku,
        message="winter timetable",
    )
    assert store.network("titr").link(ferry).duration_h == 20.0
    assert store.network("titr", version=1).link(ferry).duration_h == before
    assert store.network("titr", version=1) == net
    other = next(
        lk.id for lk in net.links if lk.from_node.startswith("GE_") and lk.to_node.startswith("GE_")
    )
    with pytest.raises(PermissionDeniedError, match="Port of Baku"):
        store.edit(
            "titr",
            [UpdateRecord("links", other, {"length_km": 1})],
            expected_version=v2.version,
            by=baku,
        )
