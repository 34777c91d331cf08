"""PNG charts of a scenario comparison (needs the ``plot`` extra: matplotlib).

* ``throughput.png``: Middle Corridor max throughput by scenario;
* ``assignment.png``: assigned cost and unmet demand by scenario;
* ``utilisation_<scenario>.png``: a map of the network, links coloured by the
  utilisation of their capacity in that scenario's assignment.

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.scenarios import compare, load_bundled
>>> from corridor_twin.scenarios.analyses import throughput
>>> cmp = compare(load_corridor(), [load_bundled("more-caspian-ferries")],
...               {"throughput": throughput})
>>> import tempfile
>>> [p.name for p in write_charts(cmp, tempfile.mkdtemp())]
['throughput.png']
"""

from __future__ import annotations

import os
import types
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corridor_twin._plot import pyplot
from corridor_twin.flow.assign import assign
from corridor_twin.network.compile import service_capacity_per_year
from corridor_twin.network.model import Network
from corridor_twin.scenarios.compare import Comparison

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["plot_utilisation", "write_charts"]


def _bars(
    plt: types.ModuleType, table: pd.DataFrame, metric: str, title: str, ylabel: str, path: Path
) -> Path:
    rows = table[table["metric"] == metric]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    colours = ["#888888" if s == "baseline" else "#1f77b4" for s in rows["scenario"]]
    ax.barh(rows["scenario"], rows["value"], color=colours)
    ax.invert_yaxis()
    ax.set_xlabel(ylabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_utilisation(net: Network, link_flows: pd.DataFrame, path: str | os.PathLike[str],
                     *, title: str = "") -> Path:
    """A map of links coloured by flow / capacity (grey: no capacity or no flow).

    ``link_flows`` is :attr:`AssignmentResult.link_flows`.
    """
    plt = pyplot()

    # Utilisation per link: the highest flow / capacity over what runs on it (the link's
    # own capacity, or a service's annual capacity from its service data).
    util: dict[str, float] = {}
    lf = link_flows.drop_duplicates(["link", "reverse", "service"])
    totals = lf["total_t_per_year"].to_numpy(dtype=np.float64)
    for link_id, service, total in zip(lf["link"], lf["service"], totals, strict=True):
        link = net.link(str(link_id).removesuffix("~r"))
        cap = link.capacity_t_per_year
        if isinstance(service, str):
            svc_t = service_capacity_per_year(net.service(service))[0]
            cap = svc_t if cap is None or svc_t < cap else cap
        if cap and np.isfinite(cap):
            util[link.id] = max(util.get(link.id, 0.0), float(total) / cap)
    fig, ax = plt.subplots(figsize=(11, 6))
    cmap = plt.get_cmap("RdYlGn_r")
    for lk in net.links:
        a, b = net.node(lk.from_node), net.node(lk.to_node)
        u = util.get(lk.id)
        style = "--" if lk.status != "open" else "-"
        colour = "#bbbbbb" if u is None else cmap(min(u, 1.0))
        ax.plot([a.lon, b.lon], [a.lat, b.lat], style, color=colour,
                linewidth=1 if u is None else 2.5, zorder=1)
    lons = np.asarray([n.lon for n in net.nodes])
    lats = np.asarray([n.lat for n in net.nodes])
    ax.scatter(lons, lats, s=8, color="black", zorder=2)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=ax, label="utilisation of capacity (flow / capacity)")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(title or "Link utilisation")
    ax.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def write_charts(cmp: Comparison, directory: str | os.PathLike[str]) -> list[Path]:
    """Write the comparison's charts as PNG files; returns their paths."""
    plt = pyplot()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    if "throughput" in cmp.results:
        paths.append(_bars(plt, cmp.results["throughput"], "max_teu_per_year",
                           "Middle Corridor max container throughput", "TEU per year",
                           out / "throughput.png"))
    if "assignment" in cmp.results and len(cmp.results["assignment"]):
        table = cmp.results["assignment"]
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
        for ax, metric, label in ((axes[0], "cost_usd", "cost, USD per year"),
                                  (axes[1], "unmet_share", "unmet share of demand")):
            rows = table[table["metric"] == metric]
            ax.barh(rows["scenario"], rows["value"],
                    color=["#888888" if s == "baseline" else "#1f77b4"
                           for s in rows["scenario"]])
            ax.set_xlabel(label)
            ax.grid(axis="x", alpha=0.3)
        axes[0].invert_yaxis()
        fig.suptitle("Assignment of the demand table by scenario")
        fig.tight_layout()
        fig.savefig(out / "assignment.png", dpi=110)
        plt.close(fig)
        paths.append(out / "assignment.png")

        for name, net in cmp.networks.items():
            demand = cmp.demand.get(name)
            if demand is None or not demand.rows:
                continue
            res = assign(net, demand.to_frame())
            if res.status == "optimal":
                paths.append(plot_utilisation(net, res.link_flows,
                                              out / f"utilisation_{name}.png",
                                              title=f"Link utilisation: {name}"))
    return paths
