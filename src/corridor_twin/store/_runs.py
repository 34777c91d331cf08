"""Runs (jobs): create, start, progress, heartbeat, finish, fail, cancel, recover.

Status moves ``queued -> running -> succeeded | failed``; ``queued -> failed``
when cancelled before it starts. A cancelled run is marked ``failed`` at once
("cancelled by ..."); the worker learns it from the :class:`ConflictError`
that its next heartbeat or progress update raises, and stops. A run whose
process died is marked failed by :func:`fail_stale` (called at server start):
a run ``running`` on this host whose process is gone, or whose last
heartbeat is older than the stale limit, anywhere.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from corridor_twin.errors import ConflictError, NotFoundError, OptionError, PermissionDeniedError
from corridor_twin.store._common import (
    dumps_json,
    loads_json,
    name_of,
    now,
    org_row,
    user_row,
    utc,
    utc_opt,
)
from corridor_twin.store.auth import Principal
from corridor_twin.store.records import RunInfo
from corridor_twin.store.schema import RUN_KINDS, OrganisationRow, RunRow, UserRow

__all__ = ["RUN_KINDS"]


def info(s: Session, row: RunRow, *, result: bool = True) -> RunInfo:
    """A run row as a value object (its ``result`` None unless ``result``)."""
    return RunInfo(
        id=row.id,
        kind=row.kind,
        status=row.status,
        inputs=loads_json(row.inputs_json),
        network=row.network_name,
        network_version=row.network_version,
        progress=row.progress,
        message=row.message,
        result=loads_json(row.result_json) if result else None,
        error=row.error,
        user=name_of(s, UserRow, row.user_id),
        organisation=name_of(s, OrganisationRow, row.organisation_id),
        host=row.host,
        pid=row.pid,
        created_at=utc(row.created_at),
        started_at=utc_opt(row.started_at),
        heartbeat_at=utc_opt(row.heartbeat_at),
        finished_at=utc_opt(row.finished_at),
    )


def get_row(s: Session, run_id: int, *, lock: bool = False) -> RunRow:
    """The run's row (locked for update when ``lock``), else :class:`NotFoundError`."""
    stmt = select(RunRow).where(RunRow.id == run_id)
    if lock:
        stmt = stmt.with_for_update()
    row = s.scalars(stmt).one_or_none()
    if row is None:
        raise NotFoundError(f"no run {run_id}")
    return row


def create(
    s: Session,
    kind: str,
    inputs: Mapping[str, Any],
    by: Principal,
    network: str | None,
    network_version: int | None,
) -> RunRow:
    """A new queued run."""
    if kind not in RUN_KINDS:
        raise OptionError(f"run kind must be one of {{{', '.join(RUN_KINDS)}}}, got {kind!r}")
    row = RunRow(
        kind=kind,
        status="queued",
        inputs_json=dumps_json(dict(inputs)),
        network_name=network,
        network_version=network_version,
        progress=0.0,
        user_id=by.user_id,
        organisation_id=by.organisation_id,
        created_at=now(),
        # the queuing process, until a worker starts it (so an orphaned queue can be found)
        host=socket.gethostname(),
        pid=os.getpid(),
    )
    s.add(row)
    s.flush()
    return row


def _need(row: RunRow, status: str, doing: str) -> None:
    if row.status != status:
        why = f" ({row.error})" if row.error else ""
        raise ConflictError(
            f"run {row.id} is {row.status}{why}, not {status}: cannot {doing}",
            expected=status,
            actual=row.status,
        )


def start(s: Session, run_id: int) -> RunRow:
    """Mark a queued run running in this process."""
    row = get_row(s, run_id, lock=True)
    _need(row, "queued", "start it")
    t = now()
    row.status, row.started_at, row.heartbeat_at = "running", t, t
    row.host, row.pid = socket.gethostname(), os.getpid()
    return row


def update(s: Session, run_id: int, progress: float | None, message: str | None) -> RunRow:
    """Record progress (0..1) and/or a message of a running run, and a heartbeat."""
    row = get_row(s, run_id, lock=True)
    _need(row, "running", "update it")
    if progress is not None:
        if not 0.0 <= progress <= 1.0:
            raise OptionError(f"progress must be between 0 and 1, got {progress}")
        row.progress = progress
    if message is not None:
        row.message = message
    row.heartbeat_at = now()
    return row


def finish(s: Session, run_id: int, result: Any) -> RunRow:
    """Mark a running run succeeded with its (JSON-able) result."""
    row = get_row(s, run_id, lock=True)
    _need(row, "running", "finish it")
    row.status, row.progress, row.result_json = "succeeded", 1.0, dumps_json(result)
    row.finished_at = row.heartbeat_at = now()
    return row


def fail(s: Session, run_id: int, error: str) -> RunRow:
    """Mark a queued or running run failed with a reason."""
    row = get_row(s, run_id, lock=True)
    if row.status not in ("queued", "running"):
        _need(row, "running", "fail it")
    row.status, row.error, row.finished_at = "failed", error, now()
    return row


def cancel(s: Session, run_id: int, by: Principal) -> RunRow:
    """Cancel (mark failed) a queued or running run of the caller's organisation."""
    row = get_row(s, run_id, lock=True)
    if row.organisation_id != by.organisation_id and not by.is_admin:
        raise PermissionDeniedError(f"run {run_id} belongs to another organisation")
    return fail(s, run_id, f"cancelled by {by.user}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_stale(
    s: Session,
    stale_after_s: float,
    at: datetime | None,
    include_queued: bool,
    orphaned_queued: bool = False,
    startup: bool = False,
) -> list[int]:
    """Mark abandoned runs failed; return their ids.

    ``orphaned_queued`` fails queued runs whose queuing process on this host
    is gone; with ``startup`` a run attributed to this very process id counts
    as another process's (an earlier one that had the same pid, as after a
    container restart), since a starting process has queued nothing yet.
    """
    t = at or now()
    limit = t - timedelta(seconds=stale_after_s)
    host = socket.gethostname()
    me = os.getpid()

    def dead(row: RunRow) -> bool:
        if row.host != host or row.pid is None:
            return False
        return (startup and row.pid == me) or not _alive(row.pid)

    failed = []
    queued = include_queued or orphaned_queued
    statuses = ("running", "queued") if queued else ("running",)
    rows = s.scalars(
        select(RunRow).where(RunRow.status.in_(statuses)).order_by(RunRow.id).with_for_update()
    )
    for row in rows:
        if row.status == "queued":
            if not include_queued and not dead(row):
                continue
            why = "queued when the server stopped"
        else:
            beat = utc_opt(row.heartbeat_at)
            gone = dead(row)
            if not gone and beat is not None and beat >= limit:
                continue
            why = f"process {row.pid} on {row.host} died" if gone else f"no heartbeat since {beat}"
        row.status, row.finished_at = "failed", t
        row.error = f"abandoned: {why}; marked failed at start-up"
        failed.append(row.id)
    return failed


def listing(
    s: Session,
    status: str | None,
    kind: str | None,
    user: str | None,
    organisation: str | None,
    limit: int,
    *,
    results: bool = True,
) -> list[RunRow]:
    """Runs, newest first, filtered (the result column deferred unless ``results``)."""
    stmt = select(RunRow).order_by(RunRow.id.desc()).limit(limit)
    if not results:
        stmt = stmt.options(defer(RunRow.result_json))
    if status is not None:
        stmt = stmt.where(RunRow.status == status)
    if kind is not None:
        stmt = stmt.where(RunRow.kind == kind)
    if user is not None:
        stmt = stmt.where(RunRow.user_id == user_row(s, user).id)
    if organisation is not None:
        stmt = stmt.where(RunRow.organisation_id == org_row(s, organisation).id)
    return list(s.scalars(stmt))
