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
import types
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corridor_twin._plot import pyplot
from corridor_twin.simulate.results import SimulationResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["write_charts"]


def _save(plt: types.ModuleType, fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def transit_histogram(res: SimulationResult, path: Path) -> Path:
    """Histogram of transit days per flow, P50 and P90 marked."""
    plt = pyplot()
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
        ax.set_title(f"{o} → {d} ({c}), {len(x):,} shipments", fontsize=9)
        ax.set_xlabel("transit time, days")
        ax.legend(fontsize=8)
    return _save(plt, fig, path)


def port_queues(res: SimulationResult, path: Path) -> Path:
    """Shipments waiting for a sailing at each port line over time."""
    plt = pyplot()
    q = res.queues()
    q = q[q["kind"] == "sailing"]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for place, g in q.groupby("place", sort=True):
        ax.plot(g["date"], g["waiting"], label=place, lw=1.2)
    ax.set_ylabel("shipments waiting for a sailing")
    ax.set_title("Queues at the ports")
    ax.grid(alpha=0.3)
    if len(q):
        ax.legend(fontsize=7)
    fig.autofmt_xdate()
    return _save(plt, fig, path)


def time_breakdown(res: SimulationResult, path: Path) -> Path:
    """Stacked bars: mean hours per delivered shipment by activity, per flow."""
    plt = pyplot()
    b = res.breakdown()
    b["flow"] = b["origin"] + "→" + b["destination"] + " (" + b["commodity"] + ")"
    pivot = b.pivot_table(index="flow", columns="activity", values="mean_h", fill_value=0.0) / 24
    fig, ax = plt.subplots(figsize=(10, 0.6 * max(len(pivot), 1) + 2.5))
    left = np.zeros(len(pivot))
    cmap = plt.get_cmap("tab20")
    for i, col in enumerate(pivot.columns):
        ax.barh(pivot.index, pivot[col], left=left, label=col, color=cmap(i % 20))
        left += pivot[col].to_numpy()
    ax.set_xlabel("days per shipment (mean)")
    ax.set_title("Where the time goes")
    ax.legend(fontsize=7, ncol=3, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return _save(plt, fig, path)


def write_charts(res: SimulationResult, directory: str | os.PathLike[str]) -> list[Path]:
    """Write the three charts to a directory (created if missing); returns their paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    return [
        transit_histogram(res, out / "transit_hist.png"),
        port_queues(res, out / "port_queues.png"),
        time_breakdown(res, out / "time_breakdown.png"),
    ]
