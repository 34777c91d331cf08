"""What a simulation run shows a planner: waits by place with confidence intervals,
shipments in the system and queues over time (daily), for the page's charts and its
time slider on the map.

Places come from the simulation as ``vessel:KZ_KUR>AZ_ALAT`` (waiting for a
sailing at Kuryk), ``S_ASCO_KUR_ALAT@KZ_KUR`` (a sailing's queue at Kuryk),
``train:CN_XIAN>KZ_AKT`` (a train forming at Xi'an) or ``transfer:AZ_ALAT``;
each is named in words and tied to the node where shipments wait.

Examples
--------
>>> from corridor_twin import load_corridor
>>> net = load_corridor()
>>> place_node("vessel:KZ_KUR>AZ_ALAT"), place_label(net, "vessel:KZ_KUR>AZ_ALAT")
('KZ_KUR', 'Kuryk: waiting for a ship to Alat')
>>> place_label(net, "S_ASCO_KUR_ALAT@KZ_KUR")
'Kuryk: queue for ASCO rail ferry Kuryk - Alat'
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from corridor_twin.api.schemas.simulation import (
    PlaceSeriesOut,
    PlaceWaitOut,
    SimulationTimelineOut,
)
from corridor_twin.errors import CorridorError
from corridor_twin.network.model import Network
from corridor_twin.routing.places import short_name

__all__ = ["place_label", "place_node", "timeline", "waits_by_place"]

_KINDS = {
    "vessel": "waiting for a ship to",
    "train": "waiting for a train to",
    "truck": "waiting for a truck to",
}


def place_node(place: str) -> str | None:
    """The node id where shipments at ``place`` wait (``None`` if it names none)."""
    if "@" in place:
        return place.rsplit("@", 1)[1] or None
    if ":" in place:
        rest = place.split(":", 1)[1]
        return rest.split(">")[0].split(":")[0] or None
    return None


def _name(net: Network, node_id: str) -> str:
    try:
        return short_name(net.node(node_id))
    except CorridorError:
        return node_id


def place_label(net: Network, place: str) -> str:
    """A place in words: where, and what shipments wait for there."""
    node = place_node(place)
    where = _name(net, node) if node else place
    if "@" in place:
        sid = place.rsplit("@", 1)[0]
        svc = next((s.name for s in net.services if s.id == sid), sid)
        return f"{where}: queue for {svc}"
    kind, _, rest = place.partition(":")
    if kind in _KINDS and ">" in rest:
        return f"{where}: {_KINDS[kind]} {_name(net, rest.split('>')[1].split(':')[0])}"
    if kind == "transfer":
        extra = rest.split(":")[1:]
        return f"{where}: transfer" + (f" to {extra[0]}" if extra else "")
    return f"{where}: {kind}" if kind else where


def _ci(x: np.ndarray[Any, Any], z: float) -> tuple[float, float | None, float | None]:
    m = float(x.mean())
    if len(x) < 2:
        return m, None, None
    half = z * float(x.std(ddof=1)) / math.sqrt(len(x))
    return m, m - half, m + half


def waits_by_place(
    net: Network, runs: Any, *, top: int = 12, confidence: float = 0.95
) -> list[PlaceWaitOut]:
    """The places where shipments wait longest in total, with the mean wait and its CI."""
    import pandas as pd

    z = NormalDist().inv_cdf((1 + confidence) / 2)
    frames = [r.waits.assign(replication=r.index) for r in runs]
    if not frames:
        return []
    df = pd.concat(frames, ignore_index=True)
    n = len(runs)
    out = []
    for (kind, place), g in df.groupby(["kind", "place"], sort=False):
        # a replication where nobody passed the place waited 0 there
        waits = np.zeros(n)
        waits[: len(g)] = g["mean_wait_h"].to_numpy(dtype=float)
        totals = np.zeros(n)
        totals[: len(g)] = g["total_wait_h"].to_numpy(dtype=float)
        m, lo, hi = _ci(waits, z)
        out.append(
            PlaceWaitOut(
                kind=str(kind),
                place=str(place),
                node=place_node(str(place)),
                label=place_label(net, str(place)),
                mean_wait_h=m,
                mean_wait_lo_h=lo,
                mean_wait_hi_h=hi,
                total_wait_h=float(totals.mean()),
                shipments=float(g["shipments"].sum()) / n,
            )
        )
    out.sort(key=lambda w: -w.total_wait_h)
    return out[:top]


def timeline(
    net: Network, results: Any, days: float, *, top: int = 8, confidence: float = 0.95
) -> SimulationTimelineOut:
    """Daily shipments in the system (mean and CI over replications) and queues by place."""
    import pandas as pd

    z = NormalDist().inv_cdf((1 + confidence) / 2)
    n_days = math.ceil(days)
    day_h = np.arange(n_days + 1) * 24.0
    in_system = []
    queues: list[pd.DataFrame] = []
    for res in results:
        rel, dlv = res.release_h, res.delivered_h
        done = np.where(np.isnan(dlv), np.inf, dlv)
        in_system.append(
            ((rel[None, :] <= day_h[:, None]) & (done[None, :] > day_h[:, None])).sum(axis=1)
        )
        q = res.queues()
        if len(q):
            q = q.assign(day=np.minimum((q["time_h"] // 24).astype(int), n_days))
            queues.append(q.groupby(["place", "day"])["waiting"].max().reset_index())
    arr = np.asarray(in_system, dtype=float)
    stats = [_ci(arr[:, d], z) for d in range(arr.shape[1])] if len(arr) else []
    by_place: list[PlaceSeriesOut] = []
    if queues:
        q = pd.concat(queues, ignore_index=True)
        runs = len(results)
        wide = (
            q.pivot_table(index="place", columns="day", values="waiting", aggfunc="sum")
            .reindex(columns=range(n_days + 1))
            .fillna(0.0)
            / runs
        )
        peak = wide.max(axis=1).sort_values(ascending=False)
        for place in [p for p in peak.index if peak[p] > 0][:top]:
            by_place.append(
                PlaceSeriesOut(
                    place=str(place),
                    node=place_node(str(place)),
                    label=place_label(net, str(place)),
                    waiting=[float(v) for v in wide.loc[place].to_numpy()],
                )
            )
    return SimulationTimelineOut(
        day=[float(d) for d in range(n_days + 1)],
        in_system=[s[0] for s in stats],
        in_system_lo=[s[1] for s in stats],
        in_system_hi=[s[2] for s in stats],
        queues=by_place,
    )
