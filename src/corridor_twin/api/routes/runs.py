"""Runs (jobs): start a long analysis, follow its progress, get its result, cancel it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Request

from corridor_twin.api.deps import AccountDep, StoreDep
from corridor_twin.api.schemas import ErrorOut
from corridor_twin.api.schemas.store import RunIn, RunOut
from corridor_twin.errors import PermissionDeniedError
from corridor_twin.store import Principal as Account
from corridor_twin.store import RunInfo

router = APIRouter(
    prefix="/runs",
    tags=["runs"],
    responses={
        401: {"model": ErrorOut},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
        422: {"model": ErrorOut},
    },
)
RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _out(run: RunInfo) -> RunOut:
    return RunOut.model_validate(run, from_attributes=True)


def _visible(run: RunInfo, account: Account) -> RunInfo:
    if not account.is_admin and run.organisation != account.organisation:
        raise PermissionDeniedError(
            f"run {run.id} belongs to {run.organisation!r}; {account.organisation!r} cannot see it"
        )
    return run


@router.post("", status_code=202)
def start_run(run: Annotated[RunIn, Body()], request: Request, account: AccountDep) -> RunOut:
    """Queue a run; returns at once with its id (poll ``GET /runs/{id}``)."""
    runner = request.app.state.runner
    info = runner.submit(
        run.kind,
        run.inputs,
        by=account,
        network=request.app.state.settings.network_name,
        version=run.version,
    )
    return _out(info)


# Reads of a few rows run on the event loop: cheaper than a threadpool round trip under load.
@router.get("")
async def list_runs(
    store: StoreDep,
    account: AccountDep,
    status: Annotated[Literal["queued", "running", "succeeded", "failed"] | None, Query()] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[RunOut]:
    """Runs of the caller's organisation (all, for an admin), newest first, without results."""
    org = None if account.is_admin else account.organisation
    runs = store.runs(status=status, kind=kind, organisation=org, limit=limit, results=False)
    return [_out(r) for r in runs]


@router.get("/{run_id}")
async def get_run(run_id: RunId, store: StoreDep, account: AccountDep) -> RunOut:
    """A run's status, progress and (once succeeded) result."""
    return _out(_visible(store.run(run_id), account))


@router.delete("/{run_id}")
def cancel_run(run_id: RunId, store: StoreDep, account: AccountDep) -> RunOut:
    """Cancel a queued or running run: it is marked failed at once."""
    return _out(store.cancel_run(run_id, by=account))
