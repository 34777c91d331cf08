"""PNG charts of a simulation run (needs the ``plot`` extra: matplotlib).

* ``transit_hist.png``: transit-time histogram per flow with P50 and P90;
* ``port_queues.png``: shipments waiting for a sailing at each port, over time;
* ``time_breakdown.png``: where the time goes, per flow (running, waits by kind).

Examples
--------
>>> import tempfile
>>> from corridor_twin import load_corridor
>>> from corridor_twin.scenarios import load_bundled_demand
>>> from corridor_twin.simulate import simulate
>>> res = simulate(load_corridor(), load_bundled_demand(), days=20, seed=1)
>>> [p.name for p in write_charts(res, tempfile.mkdtemp())]
['transit_hist.png', 'port_queues.png', 'time_breakdown.png']
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from corridor_twin._plot import pyplot
from corridor_twin.network.model import Network
from corridor_twin.simulate.results import SimulationResult

__all__ = ["write_charts"]


def _save(plt: Any, fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def transit_histogram(res: SimulationResult, path: Path, network: Network | None = None) -> Path:
    """Histogram of transit days per flow, P50 and P90 marked."""
    plt = pyplot()
    name = _namer(network)
    sh = res.shipments()
    sh = sh[sh["status"] == "delivered"]
    flows = list(sh.groupby(["origin", "destination", "commodity"], sort=True))
    n = max(len(flows), 1)
    fig, axes = plt.subplots(n, 1, figsize=(8, 2.4 * n), squeeze=False)
    for ax, ((o, d, c), g) in zip(axes[:, 0], flows, strict=False):
        x = g["transit_h"].to_numpy() / 24.0
        ax.hist(x, bins=60, color="#1f77b4", alpha=0.8)
        for q, style in ((0.5, "-"), (0.9, "--")):
            v = float(np.quantile(x, q))
            ax.axvline(v, color="#d62728", linestyle=style, label=f"P{int(q * 100)} {v:.1f} d")
        ax.set_title(f"{name(o)} → {name(d)} ({c}), {len(x):,} shipments", fontsize=9)
        ax.set_xlabel("transit time, days")
        ax.set_ylabel("shipments", fontsize=8)
        ax.legend(fontsize=8)
    return _save(plt, fig, path)


def _namer(network: Network | None) -> Any:
    """Short place names when the network is known, else the ids."""
    if network is None:
        return lambda node_id: node_id
    from corridor_twin.routing.places import short_name

    names = {n.id: short_name(n) for n in network.nodes}
    return lambda node_id: names.get(node_id, node_id)


def port_queues(res: SimulationResult, path: Path, network: Network | None = None) -> Path:
    """Small multiples, one panel per port: shipments waiting for a sailing, one line per
    destination (vessel line), as a 7-day mean with the daily range shaded."""
    plt = pyplot()
    name = _namer(network)
    q = res.queues()
    q = q[q["kind"] == "sailing"].copy()
    if not len(q):
        fig, ax = plt.subplots(figsize=(8, 2))
        ax.text(0.5, 0.5, "no shipment waited for a sailing", ha="center", va="center")
        ax.set_axis_off()
        return _save(plt, fig, path)
    q[["service", "port"]] = q["place"].str.split("@", n=1, expand=True)
    services = {s.id: s for s in network.services} if network is not None else {}

    def to_where(sid: str, port: str) -> str:
        s = services.get(sid)
        if s is None:
            return sid
        others = [x for x in s.stops if x != port]
        return "to " + ", ".join(name(x) for x in others) + f" ({s.mode})"

    peak = q.groupby("port")["waiting"].max().sort_values(ascending=False)
    ports = list(peak.index)
    ncol = 2 if len(ports) > 1 else 1
    nrow = -(-len(ports) // ncol)
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(6.2 * ncol, 2.5 * nrow + 0.8), squeeze=False, sharex=True
    )
    colours = plt.get_cmap("tab10")
    for ax, port in zip(axes.ravel(), ports, strict=False):
        g = q[q["port"] == port]
        for i, (sid, h) in enumerate(g.groupby("service", sort=True)):
            daily = h.groupby("date")["waiting"].agg(["mean", "min", "max"])
            idx = pd_index(daily.index)
            smooth = daily["mean"].rolling(7, min_periods=1).mean()
            c = colours(i % 10)
            ax.fill_between(idx, daily["min"], daily["max"], color=c, alpha=0.15, lw=0)
            ax.plot(idx, smooth, color=c, lw=1.6, label=to_where(sid, port))
        ax.set_title(f"{name(port)}: waiting for a sailing", fontsize=10)
        ax.set_ylabel("shipments")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    for ax in axes.ravel()[len(ports) :]:
        ax.set_axis_off()
    fig.suptitle(
        "Queues at the ports (7-day mean; shaded: daily range)", fontsize=11, fontweight="bold"
    )
    fig.autofmt_xdate()
    return _save(plt, fig, path)


def pd_index(index: Any) -> Any:
    """Dates as datetimes for matplotlib."""
    import pandas as pd

    return pd.to_datetime(index)


# Waits in warm colours, moving in blues, handling in greys: a planner reads the waits first.
_ACTIVITY_COLOURS = {
    "travel": "#4c78a8",
    "travel wait": "#9ecae9",
    "border": "#e45756",
    "sailing wait": "#f58518",
    "consolidation wait": "#eeca3b",
    "transfer wait": "#ff9da6",
    "transfer": "#bab0ac",
    "gauge": "#72b7b2",
    "dwell": "#79706e",
}


def time_breakdown(res: SimulationResult, path: Path, network: Network | None = None) -> Path:
    """Stacked bars: mean days per delivered shipment by activity, per flow (longest on
    top), the legend below the bars so it hides none."""
    plt = pyplot()
    name = _namer(network)
    b = res.breakdown()
    b["flow"] = [
        f"{name(o)} → {name(d)} ({c.replace('_', ' ')})"
        for o, d, c in zip(b["origin"], b["destination"], b["commodity"], strict=True)
    ]
    pivot = b.pivot_table(index="flow", columns="activity", values="mean_h", fill_value=0.0) / 24
    order = [a for a in _ACTIVITY_COLOURS if a in pivot.columns]
    order += [a for a in pivot.columns if a not in order]
    pivot = pivot[order]
    pivot = pivot.loc[pivot.sum(axis=1).sort_values().index]
    fig, ax = plt.subplots(figsize=(10, 0.55 * max(len(pivot), 1) + 2.6))
    left = np.zeros(len(pivot))
    cmap = plt.get_cmap("tab20")
    for i, col in enumerate(pivot.columns):
        ax.barh(
            pivot.index,
            pivot[col],
            left=left,
            label=col,
            color=_ACTIVITY_COLOURS.get(col, cmap(i % 20)),
        )
        left += pivot[col].to_numpy()
    for y, total in enumerate(left):
        ax.text(total, y, f" {total:.1f} d", va="center", fontsize=8)
    ax.set_xlim(0, float(left.max()) * 1.12 if len(left) else 1.0)
    ax.set_xlabel("days per delivered shipment (mean)")
    ax.set_title("Where the time goes, per flow")
    ax.legend(
        fontsize=8,
        ncol=min(5, len(pivot.columns)),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 - 0.1 / max(len(pivot), 1)),
        frameon=False,
    )
    ax.grid(axis="x", alpha=0.3)
    return _save(plt, fig, path)


def write_charts(
    res: SimulationResult, directory: str | os.PathLike[str], *, network: Network | None = None
) -> list[Path]:
    """Write the three charts to a directory (created if missing); returns their paths.

    With the ``network`` the charts name places ("Kuryk") instead of ids.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    return [
        transit_histogram(res, out / "transit_hist.png", network),
        port_queues(res, out / "port_queues.png", network),
        time_breakdown(res, out / "time_breakdown.png", network),
    ]
