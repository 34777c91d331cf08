"""Runs (jobs) in the store: lifecycle, progress, results, cancel, stale recovery."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from sqlalchemy import text

from corridor_twin.errors import ConflictError, NotFoundError, OptionError, PermissionDeniedError
from corridor_twin.network.model import Network
from corridor_twin.store import Principal, Store


@pytest.fixture
def people(store: Store, mini: Network) -> tuple[Principal, Principal, Principal]:
    admin, _ = store.bootstrap("Secretariat", "root")
    store.create_organisation("Ministry", by=admin)
    store.create_organisation("KTZ", by=admin)
    store.create_user("viewer", "Ministry", "viewer", by=admin)
    store.create_user("ktz", "KTZ", "editor", by=admin)
    store.create_network("mini", mini, by=admin)
    return admin, store.principal("viewer"), store.principal("ktz")


def test_run_lifecycle_stores_inputs_progress_and_result(
    store: Store, people: tuple[Principal, Principal, Principal]
) -> None:
    _, viewer, _ = people
    run = store.create_run(
        "route", {"from": "CN_A", "to": "GE_T", "cargo": "container"}, network="mini", by=viewer
    )
    assert (run.status, run.network, run.network_version, run.user) == (
        "queued",
        "mini",
        1,
        "viewer",
    )
    assert run.inputs == {"from": "CN_A", "to": "GE_T", "cargo": "container"}
    started = store.start_run(run.id)
    assert started.status == "running"
    assert started.pid is not None
    assert started.heartbeat_at is not None
    assert store.update_run(run.id, progress=0.5, message="half").progress == 0.5
    store.heartbeat(run.id)
    done = store.finish_run(run.id, {"time_days": 12.5, "legs": ["A-B", "B-C"]})
    assert (done.status, done.progress) == ("succeeded", 1.0)
    assert store.run(run.id).result == {"time_days": 12.5, "legs": ["A-B", "B-C"]}
    with pytest.raises(ConflictError, match="succeeded"):
        store.update_run(run.id, progress=0.9)
    with pytest.raises(ConflictError):
        store.start_run(run.id)
    assert [r.id for r in store.runs(status="succeeded")] == [run.id]


def test_cancel_marks_failed_and_stops_the_worker(
    store: Store, people: tuple[Principal, Principal, Principal]
) -> None:
    admin, viewer, ktz = people
    run = store.create_run("simulation", {"replications": 100}, by=viewer)
    store.start_run(run.id)
    with pytest.raises(PermissionDeniedError):
        store.cancel_run(run.id, by=ktz)
    cancelled = store.cancel_run(run.id, by=viewer)
    assert (cancelled.status, cancelled.error) == ("failed", "cancelled by viewer")
    with pytest.raises(ConflictError, match="cancelled by viewer"):
        store.heartbeat(run.id)
    queued = store.create_run("capacity", {}, by=ktz)
    assert store.cancel_run(queued.id, by=admin).status == "failed"
    failed = store.create_run("assignment", {}, by=ktz)
    store.start_run(failed.id)
    assert store.fail_run(failed.id, "solver infeasible").error == "solver infeasible"


def test_stale_heartbeat_marks_a_run_failed(
    store: Store, people: tuple[Principal, Principal, Principal]
) -> None:
    _, viewer, _ = people
    run = store.create_run("simulation", {}, by=viewer)
    store.start_run(run.id)
    assert store.fail_stale_runs() == []  # alive here, recent heartbeat
    later = store.run(run.id).heartbeat_at
    assert later is not None
    stale = later + timedelta(seconds=store.settings.stale_run_after_s + 1)
    assert store.fail_stale_runs(at=stale) == [run.id]
    assert "no heartbeat" in (store.run(run.id).error or "")


def test_bad_run_requests(store: Store, people: tuple[Principal, Principal, Principal]) -> None:
    _, viewer, _ = people
    with pytest.raises(OptionError, match="kind"):
        store.create_run("teleport", {}, by=viewer)
    with pytest.raises(NotFoundError):
        store.create_run("route", {}, network="nope", by=viewer)
    with pytest.raises(NotFoundError):
        store.create_run("route", {}, network="mini", network_version=7, by=viewer)
    with pytest.raises(NotFoundError):
        store.run(12345)
    run = store.create_run("route", {}, by=viewer)
    store.start_run(run.id)
    with pytest.raises(OptionError, match="progress"):
        store.update_run(run.id, progress=1.5)


def test_queued_runs_of_a_stopped_in_process_executor_can_be_failed(
    store: Store, people: tuple[Principal, Principal, Principal]
) -> None:
    _, viewer, _ = people
    queued = store.create_run("capacity", {}, by=viewer)
    running = store.create_run("simulation", {}, by=viewer)
    store.start_run(running.id)
    assert store.fail_stale_runs() == []
    assert store.fail_stale_runs(include_queued=True) == [queued.id]
    assert "queued when the server stopped" in (store.run(queued.id).error or "")
    assert store.run(running.id).status == "running"


def test_only_orphaned_queues_are_failed(
    store: Store, people: tuple[Principal, Principal, Principal]
) -> None:
    """Several server processes share a store: a dead one's queue fails, a live one's stays."""
    _, viewer, _ = people
    mine = store.create_run("capacity", {}, by=viewer)  # queued by this (live) process
    orphan = store.create_run("capacity", {}, by=viewer)
    running = store.create_run("simulation", {}, by=viewer)
    store.start_run(running.id)
    assert (store.run(mine.id).host, store.run(mine.id).pid) == (socket.gethostname(), os.getpid())
    with store._session(write=True) as s:  # as if queued by a process that has died
        s.execute(text("UPDATE runs SET pid = 999999999 WHERE id = :i"), {"i": orphan.id})
    assert store.fail_stale_runs(orphaned_queued=True) == [orphan.id]
    assert store.run(mine.id).status == "queued"
    assert store.run(running.id).status == "running"
    # a process starting with the pid of an earlier one (container restart) fails its runs
    assert store.fail_stale_runs(orphaned_queued=True, startup=True) == [mine.id, running.id]
    assert "died" in (store.run(running.id).error or "")
