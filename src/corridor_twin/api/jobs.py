"""Runs (jobs): long analyses executed by an in-process worker pool, state in the store.

``POST /api/v1/runs {kind, inputs}`` stores a queued run and hands it to
:class:`JobRunner`, whose worker threads run it on the network version the
run is pinned to. The worker marks it running, heartbeats every
``heartbeat_s`` seconds while it computes, and stores the JSON result
(succeeded) or the error (failed). A cancelled run (``DELETE``) is marked
failed by the store at once; the worker notices at its next heartbeat or
progress update (``ConflictError``) and drops its result. A run abandoned by
a killed server is failed when the next server starts
(:meth:`~corridor_twin.store.Store.fail_stale_runs`) and by the periodic check.

Kinds come from :data:`JOB_KINDS`, a registry of request model + function;
:func:`register_job` adds one. The run kind must also be one of the store's
:data:`~corridor_twin.store.RUN_KINDS`, and ``POST /runs`` accepts the kinds of
:data:`~corridor_twin.api.schemas.store.RunIn`.

``simulation`` runs replications of the discrete-event simulation
(:func:`corridor_twin.simulate.replicate`) in the worker thread, reporting
progress after each replication; a cancel takes effect at the next one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from corridor_twin.api import actions
from corridor_twin.api.errors import FieldError
from corridor_twin.api.provider import NetworkProvider
from corridor_twin.api.schemas import (
    AssignmentRequest,
    CapacityRequest,
    CompareRequest,
    ReliabilityRequest,
    RouteRequest,
)
from corridor_twin.api.schemas.common import finite
from corridor_twin.api.schemas.simulation import (
    FlowTransitOut,
    SimulationOut,
    SimulationRequest,
)
from corridor_twin.api.simsummary import timeline, waits_by_place
from corridor_twin.errors import ConflictError, CorridorError, OptionError
from corridor_twin.simulate import replicate
from corridor_twin.store import RUN_KINDS, RunInfo, Store
from corridor_twin.store import Principal as Account

__all__ = ["JOB_KINDS", "JobKind", "JobRunner", "Progress", "register_job"]

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
"""Report progress: share done (0 to 1) and a message; raises ``ConflictError`` if cancelled."""


@dataclass(frozen=True)
class JobKind:
    """A kind of run: its input model and the function computing its result."""

    request: type[BaseModel]
    run: Callable[[NetworkProvider, Any, Progress], BaseModel]
    description: str


def _simple(fn: Callable[[NetworkProvider, Any], BaseModel]) -> Callable[..., BaseModel]:
    def run(provider: NetworkProvider, req: Any, progress: Progress) -> BaseModel:
        progress(0.0, "computing")
        return fn(provider, req)

    return run


def _compare(provider: NetworkProvider, req: CompareRequest, progress: Progress) -> BaseModel:
    # one case at a time, so progress moves and a cancel stops between cases
    names = list(dict.fromkeys(req.scenarios))
    for i, name in enumerate(names):
        progress(i / (len(names) + 1), f"preparing scenario {i + 1} of {len(names)}: {name}")
        try:
            provider.network(name)
        except CorridorError as exc:
            raise FieldError(("inputs", "scenarios", i), exc) from exc
    progress(len(names) / (len(names) + 1), "running the analyses on every case")
    return actions.compare_scenarios(provider, req)


def _simulation(provider: NetworkProvider, req: SimulationRequest, progress: Progress) -> BaseModel:

    progress(0.0, f"replication 1 of {req.replications}")
    scenario = None if req.scenario is None else provider.scenario(req.scenario)
    reps = replicate(
        provider.network(None),
        provider.demand(None),
        scenario=scenario,
        replications=req.replications,
        days=req.days,
        seed=req.seed,
        workers=1,  # in this worker thread: the server's cores serve requests too
        drain_days=req.drain_days,
        keep_results=True,  # for the daily backlog and queues; dropped after the summary
        progress=lambda done, total: progress(
            done / total, f"replication {min(done + 1, total)} of {total}"
        ),
    )
    summary = reps.summary()
    results = [r.result for r in reps.runs if r.result is not None]
    net = provider.network(None)
    return SimulationOut(
        replications=len(reps.runs),
        days=req.days,
        seed=req.seed,
        events=sum(r.events for r in reps.runs),
        released=sum(r.released for r in reps.runs),
        delivered=sum(r.delivered for r in reps.runs),
        backlog_mean=float(summary.attrs.get("backlog_mean", 0.0)),
        flows=[
            FlowTransitOut.model_validate(
                {
                    k: finite(v) if str(k).endswith(("_days", "_lo", "_hi")) else v
                    for k, v in row.items()
                }
            )
            for row in summary.to_dict("records")
        ],
        waits=waits_by_place(net, reps.runs),
        timeline=timeline(net, results, req.days + req.drain_days),
    )


JOB_KINDS: dict[str, JobKind] = {
    "route": JobKind(RouteRequest, _simple(actions.routes), "best or k best routes"),
    "capacity": JobKind(CapacityRequest, _simple(actions.capacity), "max-flow and min cut"),
    "assignment": JobKind(
        AssignmentRequest, _simple(actions.assignment), "system-optimal assignment (LP)"
    ),
    "compare": JobKind(CompareRequest, _compare, "scenarios against the baseline"),
    "reliability": JobKind(
        ReliabilityRequest, _simple(actions.reliability), "Monte Carlo transit times"
    ),
    "simulation": JobKind(SimulationRequest, _simulation, "discrete-event simulation, replicated"),
}
"""The run kinds the service executes."""


def register_job(kind: str, job: JobKind) -> None:
    """Add (or replace) a run kind; it must be one of the store's ``RUN_KINDS``."""
    if kind not in RUN_KINDS:
        raise OptionError(f"run kind must be one of {{{', '.join(RUN_KINDS)}}}, got {kind!r}")
    JOB_KINDS[kind] = job


class JobRunner:
    """Executes runs in worker threads, keeping their state in the store.

    Parameters
    ----------
    store
        Where runs live.
    provider
        The networks; must have ``at(version)`` to pin a run's version.
    workers
        Worker threads.
    heartbeat_s
        Seconds between heartbeats of a running run.
    """

    def __init__(
        self, store: Store, provider: Any, *, workers: int = 2, heartbeat_s: float = 5.0
    ) -> None:
        self.store = store
        self.provider = provider
        self.heartbeat_s = heartbeat_s
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="corridor-run")
        self._active: set[int] = set()
        self._lock = threading.Lock()
        self._closed = False

    def submit(
        self, kind: str, inputs: BaseModel, *, by: Account, network: str, version: int | None
    ) -> RunInfo:
        """Store a queued run of ``kind`` and schedule it; return it."""
        run = self.store.create_run(
            kind,
            inputs.model_dump(mode="json"),
            by=by,
            network=network,
            network_version=version,
        )
        with self._lock:
            if self._closed:
                self.store.fail_run(run.id, "the server is shutting down")
                return self.store.run(run.id)
            self._active.add(run.id)
            self._pool.submit(self._execute, run.id, kind, inputs, run.network_version)
        return run

    def _heartbeats(self, run_id: int, stop: threading.Event) -> None:
        while not stop.wait(self.heartbeat_s):
            try:
                self.store.heartbeat(run_id)
            except ConflictError:
                return  # cancelled: the store has marked it failed
            except CorridorError as exc:
                log.warning("heartbeat of run %d failed: %s", run_id, exc)

    def _execute(self, run_id: int, kind: str, inputs: BaseModel, version: int | None) -> None:
        try:
            self._run(run_id, kind, inputs, version)
        finally:
            with self._lock:
                self._active.discard(run_id)

    def _run(self, run_id: int, kind: str, inputs: BaseModel, version: int | None) -> None:
        try:
            self.store.start_run(run_id)
        except ConflictError:
            return  # cancelled while queued
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeats, args=(run_id, stop), daemon=True)
        beat.start()

        def progress(share: float, message: str) -> None:
            self.store.update_run(run_id, progress=min(max(share, 0.0), 1.0), message=message)

        try:
            result = JOB_KINDS[kind].run(self.provider.at(version), inputs, progress)
            self.store.finish_run(run_id, result.model_dump(mode="json"))
        except ConflictError:
            log.info("run %d was cancelled; its result is dropped", run_id)
        except CorridorError as exc:
            self._fail(run_id, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a bug: keep the server up, record it on the run
            log.exception("run %d crashed", run_id)
            self._fail(run_id, f"internal error ({type(exc).__name__}); see the server log")
        finally:
            stop.set()

    def _fail(self, run_id: int, error: str) -> None:
        try:
            self.store.fail_run(run_id, error)
        except CorridorError as exc:
            log.warning("could not mark run %d failed: %s", run_id, exc)

    def shutdown(self) -> None:
        """Stop taking runs; mark queued and running ones failed (their threads are abandoned)."""
        with self._lock:
            self._closed = True
            active = sorted(self._active)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for run_id in active:
            with contextlib.suppress(CorridorError):  # already finished or failed
                self.store.fail_run(run_id, "the server stopped before the run finished")
