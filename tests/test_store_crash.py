"""Crash safety: a process killed with SIGKILL mid-edit or mid-run leaves the store intact.

A child process opens the same database, starts an edit and is killed after
the new version and its audit rows are written inside the transaction but
before it commits; another child is killed while its run is ``running``.
After the kill the store is reopened: the previous version is intact, there
is no half-written version, the next edit goes through, and the abandoned
run is marked failed at start-up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import text

from corridor_twin.network.model import Network
from corridor_twin.store import Store, UpdateRecord

EDIT_CHILD = textwrap.dedent(
    """
    import sys, time
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from corridor_twin.store import Store, UpdateRecord
    from corridor_twin.store.schema import AuditRow, NetworkVersionRow

    @event.listens_for(Session, "after_flush")
    def pause(session, ctx):
        # the rows are written (not committed); session.new still lists them
        objs = list(session.new)
        if any(isinstance(o, NetworkVersionRow) and o.version == 2 for o in objs) and any(
            isinstance(o, AuditRow) and o.version == 2 for o in objs
        ):
            print("IN-TRANSACTION", flush=True)
            time.sleep(600)

    store = Store.open(sys.argv[1], upgrade=False)
    store.edit("mini", [UpdateRecord("links", "P-P", {"duration_h": 99})],
               expected_version=1, by=store.principal("root"))
    print("COMMITTED", flush=True)
    """
)

RUN_CHILD = textwrap.dedent(
    """
    import sys, time
    from corridor_twin.store import Store

    store = Store.open(sys.argv[1], upgrade=False)
    run = store.create_run("simulation", {"replications": 1000}, network="mini",
                           by=store.principal("root"))
    store.start_run(run.id)
    store.update_run(run.id, progress=0.25, message="replication 250 of 1000")
    print(run.id, flush=True)
    time.sleep(600)
    """
)


@pytest.fixture
def seeded_url(store_url: str, mini: Network) -> str:
    with Store.open(store_url) as store:
        admin, _ = store.bootstrap("Corridor secretariat", "root")
        store.create_network("mini", mini, by=admin)
    return store_url


def _child(code: str, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def _first_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line:
        proc.kill()
        _, err = proc.communicate(timeout=30)
        pytest.fail(f"child died early: {err[-2000:]}")
    return line


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_kill_during_an_edit_leaves_the_previous_version_intact(
    seeded_url: str, mini: Network
) -> None:
    proc = _child(EDIT_CHILD, seeded_url)
    try:
        assert _first_line(proc) == "IN-TRANSACTION"
        # meanwhile readers see only committed data
        with Store.open(seeded_url, upgrade=False) as reader:
            assert reader.version("mini").version == 1
            if reader.dialect == "postgresql":  # the child holds an open write transaction
                with reader._session() as s:
                    busy = s.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE state = 'idle in transaction'"
                        )
                    ).scalar_one()
                assert busy == 1
    finally:
        _kill(proc)
    with Store.open(seeded_url) as store:
        assert [v.version for v in store.versions("mini")] == [1]
        assert store.network("mini") == mini
        assert not [a for a in store.audit_log(object_name="mini") if a.version == 2]
        # no lock or half state is left behind: the next edit goes through
        v2 = store.edit(
            "mini",
            [UpdateRecord("links", "P-P", {"duration_h": 20})],
            expected_version=1,
            by=store.principal("root"),
        )
        assert v2.version == 2
        assert store.network("mini").link("P-P").duration_h == 20.0


def test_kill_during_a_run_marks_it_failed_at_restart(seeded_url: str) -> None:
    proc = _child(RUN_CHILD, seeded_url)
    try:
        run_id = int(_first_line(proc))
    finally:
        _kill(proc)
    with Store.open(seeded_url) as store:
        left = store.run(run_id)
        assert (left.status, left.progress, left.network_version) == ("running", 0.25, 1)
        assert store.fail_stale_runs() == [run_id]
        run = store.run(run_id)
        assert run.status == "failed"
        assert run.error is not None
        assert "died" in run.error
        assert run.finished_at is not None
        assert store.fail_stale_runs() == []
        assert store.network("mini").meta.name == "mini"
