"""Kill ``corridor serve`` (SIGKILL) in the middle of a job and of a network edit, restart it.

The server runs as a subprocess on a SQLite file or a PostgreSQL database,
started through a small launcher that installs a test hook before calling
``corridor serve``:

* ``edit``: a SQLAlchemy ``after_flush`` listener that, once the new network
  version and its audit rows are written inside the edit's transaction (not
  yet committed), prints ``IN-TRANSACTION`` and sleeps, so the kill lands
  mid-transaction;
* for the job no hook is needed: a year of the discrete-event simulation,
  ten replications, runs for tens of seconds; the kill lands once the first
  replication has reported progress.

After the kill a fresh server starts on the same store: the job is failed
(its process died), there is no half-written version, everything stored
before is intact, and new edits and jobs work.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from tests.store_support import free_port

LAUNCHER = textwrap.dedent(
    """
    import sys, time
    hook = sys.argv[1]
    if hook == "edit":
        from sqlalchemy import event
        from sqlalchemy.orm import Session
        from corridor_twin.store.schema import AuditRow, NetworkVersionRow

        @event.listens_for(Session, "after_flush")
        def pause(session, ctx):
            objs = list(session.new)
            if any(isinstance(o, NetworkVersionRow) for o in objs) and any(
                isinstance(o, AuditRow) for o in objs
            ):
                print("IN-TRANSACTION", flush=True)
                time.sleep(600)
    from corridor_twin.cli import main
    sys.exit(main(sys.argv[2:]))
    """
)

FERRY = "KZ_AKT-AZ_ALAT-FERRY"


class Server:
    """``corridor serve`` in a subprocess, with its output collected."""

    def __init__(self, url: str, hook: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                LAUNCHER,
                hook,
                "serve",
                "--port",
                str(self.port),
                "--database-url",
                url,
                "--log-level",
                "warning",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._threads = [
            threading.Thread(target=lambda: self.out.extend(self.proc.stdout), daemon=True),  # type: ignore[arg-type]
            threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True),  # type: ignore[arg-type]
        ]
        for t in self._threads:
            t.start()
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=1):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    pytest.fail("corridor serve did not start: " + "".join(self.err))
                time.sleep(0.2)

    def call(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)

    def wait_for(self, marker: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(marker in line for line in self.out):
            assert time.monotonic() < deadline, ("".join(self.out), "".join(self.err))
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        for t in self._threads:
            t.join(timeout=10)
        for f in (self.proc.stdout, self.proc.stderr):
            if f is not None:
                f.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.kill()


def _admin_token(server: Server) -> str:
    for line in server.err:
        if "#token=" in line:
            return line.split("#token=", 1)[1].strip()
    raise AssertionError("".join(server.err))


@pytest.fixture
def seeded(store_url: str) -> Iterator[tuple[str, str]]:
    """A store bootstrapped by a first ``corridor serve``, with one accepted edit (v2)."""
    first = Server(store_url, "none")
    try:
        token = _admin_token(first)
        code, _ = first.call(
            "PATCH",
            f"/networks/titr/links/{FERRY}",
            token,
            {"values": {"capacity_t_per_year": 4_000_000}, "expected_version": 1},
        )
        assert code == 200
    finally:
        first.stop()
    return store_url, token


def test_kill_mid_job_marks_it_failed_and_keeps_the_data(seeded: tuple[str, str]) -> None:
    url, token = seeded
    server = Server(url, "none")
    try:
        code, run = server.call(
            "POST",
            "/runs",
            token,
            {"kind": "simulation", "inputs": {"days": 365, "replications": 10, "seed": 1}},
        )
        assert code == 202
        deadline = time.monotonic() + 120
        while True:
            _, now = server.call("GET", f"/runs/{run['id']}", token)
            if now["status"] == "running" and now["progress"] > 0:
                break
            assert now["status"] in ("queued", "running"), now
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        server.kill()
    again = Server(url, "none")
    try:
        _, after = again.call("GET", f"/runs/{run['id']}", token)
        assert after["status"] == "failed"
        assert "died" in after["error"]
        assert after["result"] is None
        _, versions = again.call("GET", "/networks/titr/versions", token)
        assert [v["version"] for v in versions] == [1, 2]
        _, link = again.call("GET", f"/networks/titr/links/{FERRY}", token)
        assert link["values"]["capacity_t_per_year"] == 4_000_000
        # the service works: a new job runs to the end
        _, new = again.call("POST", "/runs", token, {"kind": "capacity", "inputs": {}})
        deadline = time.monotonic() + 60
        while (state := again.call("GET", f"/runs/{new['id']}", token)[1])["status"] in (
            "queued",
            "running",
        ):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert state["status"] == "succeeded"
    finally:
        again.stop()


def test_kill_mid_edit_leaves_no_half_version(seeded: tuple[str, str]) -> None:
    url, token = seeded
    server = Server(url, "edit")
    result: list[Any] = []

    def edit() -> None:
        try:
            result.append(
                server.call(
                    "PATCH",
                    f"/networks/titr/links/{FERRY}",
                    token,
                    {"values": {"capacity_t_per_year": 9_999_999}, "expected_version": 2},
                )
            )
        except OSError as exc:  # the server died under the request
            result.append((None, str(exc)))

    try:
        patch = threading.Thread(target=edit, daemon=True)
        patch.start()
        server.wait_for("IN-TRANSACTION")
    finally:
        server.kill()
    patch.join(timeout=30)
    assert not result or result[0][0] != 200  # the client never got a success
    again = Server(url, "none")
    try:
        _, versions = again.call("GET", "/networks/titr/versions", token)
        assert [v["version"] for v in versions] == [1, 2]
        _, link = again.call("GET", f"/networks/titr/links/{FERRY}", token)
        assert link["values"]["capacity_t_per_year"] == 4_000_000
        _, audit = again.call("GET", "/networks/titr/audit", token)
        assert not [a for a in audit if a["version"] == 3]
        assert [a["new_value"] for a in audit if a["record_id"] == FERRY] == [4_000_000]
        # no lock or half state is left: the next edit goes through
        code, out = again.call(
            "PATCH",
            f"/networks/titr/links/{FERRY}",
            token,
            {"values": {"capacity_t_per_year": 5_000_000}, "expected_version": 2},
        )
        assert code == 200
        assert out["version"]["version"] == 3
    finally:
        again.stop()
