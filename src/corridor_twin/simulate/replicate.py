"""Replications of the discrete-event simulation, in parallel.

Each replication ``i`` runs with the ``i``-th child of
``SeedSequence(seed).spawn(n)``, so its numbers depend only on the seed and
``i``: the results are identical whatever the number of workers or where they
run. Replications run in worker processes on this machine
(:class:`concurrent.futures.ProcessPoolExecutor`) or, given a scheduler
address, on a Dask distributed cluster (needs ``dask[distributed]``; install
the ``dask`` extra).

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.scenarios import load_bundled_demand
>>> rs = replicate(load_corridor(), load_bundled_demand(), replications=2, days=5,
...                seed=7, workers=1)
>>> len(rs.runs), list(rs.summary().columns[:3])
(2, ['origin', 'destination', 'commodity'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor_twin.errors import OptionError
from corridor_twin.network.model import Network
from corridor_twin.scenarios import DemandTable, Scenario
from corridor_twin.simulate.model import SimulationOptions
from corridor_twin.simulate.results import SimulationResult
from corridor_twin.simulate.run import simulate
from corridor_twin.simulate.shipments import Shipments

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ReplicationRun", "ReplicationSet", "replicate"]


@dataclass(frozen=True, eq=False)
class ReplicationRun:
    """The compact record of one replication (the full result only if kept)."""

    index: int
    manifest: dict[str, Any]
    events: int
    wall_s: float
    released: int
    delivered: int
    transit: pd.DataFrame
    waits: pd.DataFrame
    backlog_shipments: int
    result: SimulationResult | None = None


def _one(task: tuple[Any, ...]) -> ReplicationRun:
    i, net, demand, shipments, scenario, days, seed, options, keep, season, drain = task
    res = simulate(
        net,
        demand,
        shipments=shipments,
        scenario=scenario,
        days=days,
        seed=seed,
        options=options,
        seasonality=season,
        drain_days=drain,
    )
    tr = res.shipments()
    tr = tr[tr["status"] == "delivered"]
    g = tr.groupby(["origin", "destination", "commodity"])["transit_h"]
    transit = g.agg(
        shipments="size",
        mean_h="mean",
        p50_h=lambda x: float(np.quantile(x, 0.5)),
        p90_h=lambda x: float(np.quantile(x, 0.9)),
    ).reset_index()
    return ReplicationRun(
        index=i,
        manifest=res.manifest,
        events=res.events,
        wall_s=res.wall_s,
        released=res.n_released,
        delivered=res.n_delivered,
        transit=transit,
        waits=res.waits(),
        backlog_shipments=res.n_released - res.n_delivered,
        result=res if keep else None,
    )


@dataclass(frozen=True, eq=False)
class ReplicationSet:
    """Replications of one configuration, in replication order."""

    runs: tuple[ReplicationRun, ...]
    seed: int | None
    workers: int

    def __repr__(self) -> str:
        ev = sum(r.events for r in self.runs)
        return f"<ReplicationSet {len(self.runs)} replications, {ev:,} events, seed={self.seed}>"

    def transit(self) -> pd.DataFrame:
        """Per replication and flow: shipments delivered, mean, P50 and P90 transit (hours)."""
        import pandas as pd

        return pd.concat(
            [r.transit.assign(replication=r.index) for r in self.runs], ignore_index=True
        )

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Per flow: the mean over replications of P50 and P90 (days) with a normal CI."""
        from statistics import NormalDist

        z = NormalDist().inv_cdf((1 + confidence) / 2)
        df = self.transit()
        rows = []
        for key, g in df.groupby(["origin", "destination", "commodity"], sort=True):
            row: dict[str, Any] = dict(
                zip(("origin", "destination", "commodity"), key, strict=True)
            )
            row["replications"] = len(g)
            for q in ("p50", "p90"):
                x = g[f"{q}_h"].to_numpy() / 24.0
                m = float(x.mean())
                half = z * float(x.std(ddof=1)) / math.sqrt(len(x)) if len(x) > 1 else math.nan
                row[f"{q}_days"] = m
                row[f"{q}_days_lo"] = m - half
                row[f"{q}_days_hi"] = m + half
            rows.append(row)
        import pandas as pd

        out = pd.DataFrame(rows)
        backlog = [r.backlog_shipments for r in self.runs]
        out.attrs["backlog_mean"] = float(np.mean(backlog)) if backlog else 0.0
        return out

    def waits(self) -> pd.DataFrame:
        """Mean wait by kind and place, averaged over replications."""
        import pandas as pd

        df = pd.concat([r.waits.assign(replication=r.index) for r in self.runs])
        out = df.groupby(["kind", "place"]).agg(
            mean_wait_h=("mean_wait_h", "mean"), total_wait_h=("total_wait_h", "mean")
        )
        return out.reset_index().sort_values("total_wait_h", ascending=False, ignore_index=True)


def replicate(
    net: Network,
    demand: DemandTable | None = None,
    *,
    shipments: Shipments | None = None,
    scenario: Scenario | None = None,
    replications: int = 10,
    days: float = 365.0,
    seed: int | None = None,
    options: SimulationOptions | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    keep_results: bool = False,
    progress: Callable[[int, int], None] | None = None,
    seasonality: Sequence[float] | None = None,
    drain_days: float = 0.0,
) -> ReplicationSet:
    """Run replications of :func:`~corridor_twin.simulate.simulate` in parallel.

    Parameters
    ----------
    net, demand, shipments, scenario, days, options
        As for :func:`~corridor_twin.simulate.simulate`.
    replications
        Number of replications (>= 1).
    seed
        Root seed; replication ``i`` gets child ``i`` of its ``SeedSequence``.
        None draws fresh entropy (recorded in each manifest).
    workers
        Worker processes (default: the CPU count, at most ``replications``);
        1 runs in this process.
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:8786``): run there
        instead of local processes.
    keep_results
        Keep every full :class:`SimulationResult` (memory grows with each).
    progress
        Called as ``progress(done, total)`` after each replication.
    seasonality, drain_days
        As for :func:`~corridor_twin.simulate.simulate`.

    Returns
    -------
    ReplicationSet
    """
    if not isinstance(replications, int) or isinstance(replications, bool) or replications < 1:
        raise OptionError(f"replications must be a positive integer, got {replications!r}")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise OptionError(f"workers must be a positive integer, got {workers!r}")
    root = np.random.SeedSequence(seed)
    children = root.spawn(replications)
    tasks = [
        (
            i,
            net,
            demand,
            shipments,
            scenario,
            days,
            child,
            options,
            keep_results,
            seasonality,
            drain_days,
        )
        for i, child in enumerate(children)
    ]
    import os

    n_workers = workers or min(os.cpu_count() or 1, replications)
    done: list[ReplicationRun] = []

    def tick(run: ReplicationRun) -> None:
        done.append(run)
        if progress is not None:
            progress(len(done), replications)

    if scheduler is not None:
        import importlib

        try:
            # Imported by name: dask is an optional extra, typed as Any here.
            distributed: Any = importlib.import_module("dask.distributed")
        except ImportError:
            raise OptionError(
                "a scheduler address needs dask: pip install 'corridor-twin[dask]'"
            ) from None
        with distributed.Client(scheduler) as client:
            futures = client.map(_one, tasks, pure=False)
            for fut in distributed.as_completed(futures):
                tick(fut.result())
    elif n_workers == 1:
        for task in tasks:
            tick(_one(task))
    else:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            futs = [pool.submit(_one, task) for task in tasks]
            for fut in as_completed(futs):
                tick(fut.result())
    runs = tuple(sorted(done, key=lambda r: r.index))
    return ReplicationSet(runs=runs, seed=seed, workers=n_workers)
