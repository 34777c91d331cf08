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
from pathlib import Path
from typing import Any

import numpy as np

from corridor_twin._plot import pyplot
from corridor_twin.network.model import Network
from corridor_twin.scenarios.compare import Comparison

__all__ = ["plot_utilisation", "write_charts"]


def _thousands(ax: Any, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: f"{v:,.0f}")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def _bars(plt: Any, table: Any, metric: str, title: str, ylabel: str, path: Path) -> Path:
    """Horizontal bars per scenario with the value and the change vs baseline written on."""
    rows = table[table["metric"] == metric]
    fig, ax = plt.subplots(figsize=(9, 0.55 * max(len(rows), 1) + 1.8))
    colours = ["#888888" if s == "baseline" else "#1f77b4" for s in rows["scenario"]]
    ax.barh(rows["scenario"], rows["value"], color=colours)
    top = float(rows["value"].max()) if len(rows) else 1.0
    for y, r in enumerate(rows.itertuples()):
        delta = (
            ""
            if r.scenario == "baseline"
            else ("  (no change)" if not r.delta else f"  ({r.delta:+,.0f})")
        )
        ax.text(r.value, y, f" {r.value:,.0f}{delta}", va="center", fontsize=8)
    ax.set_xlim(0, top * 1.3)
    ax.invert_yaxis()
    ax.set_xlabel(ylabel)
    ax.set_title(title)
    _thousands(ax)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _assignment_chart(plt: Any, table: Any, path: Path) -> Path:
    """Change of the system cost and CO2e vs baseline, and unmet demand, per scenario."""
    panels = (
        ("cost_usd", "system transport cost vs baseline, million USD/year", 1e-6, True),
        ("co2e_t", "CO2e vs baseline, thousand t/year", 1e-3, True),
        ("unmet_share", "unmet share of demand, %", 100.0, False),
    )
    scen = list(dict.fromkeys(table["scenario"]))
    fig, axes = plt.subplots(1, 3, figsize=(14, 0.55 * len(scen) + 2.2), sharey=True)
    for ax, (metric, label, scale, as_delta) in zip(axes, panels, strict=True):
        rows = table[table["metric"] == metric].set_index("scenario").reindex(scen)
        vals = (rows["delta"] if as_delta else rows["value"]).fillna(0.0) * scale
        ax.barh(
            scen,
            vals,
            color=[
                "#888888" if s == "baseline" else ("#d62728" if v > 0 else "#2ca02c")
                for s, v in zip(scen, vals, strict=True)
            ],
        )
        span = max(float(vals.abs().max()), 1e-9)
        for y, v in enumerate(vals):
            ax.text(
                v,
                y,
                f" {v:+,.1f}" if as_delta else f" {v:,.1f}",
                va="center",
                fontsize=8,
                ha="left" if v >= 0 else "right",
            )
        if as_delta:
            ax.axvline(0, color="black", lw=0.8)
            ax.set_xlim(-span * 1.5, span * 1.5)
        else:
            ax.set_xlim(0, max(span * 1.4, 1.0))
        ax.set_xlabel(label, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0].invert_yaxis()
    fig.suptitle("Assignment of the demand table: change vs baseline by scenario")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _draw_outlines(ax: Any, bbox: tuple[float, float, float, float]) -> None:
    """Natural Earth countries behind the network, labelled at their centre when in view."""
    from corridor_twin.io.outlines import country_outlines

    lo, la, hi, ha = bbox
    for shape in country_outlines(bbox=bbox):
        biggest = max(shape.rings, key=len)
        for ring in shape.rings:
            ax.fill(
                ring[:, 0],
                ring[:, 1],
                facecolor="#f3f1ea",
                edgecolor="#b8b2a3",
                linewidth=0.5,
                zorder=0,
            )
        cx, cy = float(np.median(biggest[:, 0])), float(np.median(biggest[:, 1]))
        span = np.ptp(biggest[:, 0]) * np.ptp(biggest[:, 1])
        if lo < cx < hi and la < cy < ha and span > 4:
            ax.text(
                cx,
                cy,
                shape.name,
                fontsize=7,
                color="#8c8677",
                ha="center",
                va="center",
                style="italic",
                zorder=0.5,
            )


_LABELLED_KINDS = ("seaport", "gauge_change", "rail_terminal", "pipeline_terminal")
_DETAIL = (38.5, 36.5, 56.5, 47.5)  # lon/lat box of the Caspian-Caucasus detail panel
_LONG_SEA_KM = 5000.0


def plot_utilisation(
    net: Network, link_flows: Any, path: str | os.PathLike[str], *, title: str = ""
) -> Path:
    """A map of links coloured by flow / capacity on Natural Earth outlines.

    Links with flow but no known capacity are drawn blue ("capacity unknown"),
    links without flow thin grey; ports and terminals are labelled.
    ``link_flows`` is :attr:`AssignmentResult.link_flows`.
    """
    plt = pyplot()
    from matplotlib.lines import Line2D

    from corridor_twin.network.compile import service_capacity_per_year
    from corridor_twin.routing.places import short_name

    # Utilisation per link: the highest flow / capacity over what runs on it (the link's
    # own capacity, or a service's annual capacity from its service data).
    util: dict[str, float] = {}
    flowing: set[str] = set()
    for row in link_flows.drop_duplicates(["link", "reverse", "service"]).itertuples():
        link = net.link(str(row.link).removesuffix("~r"))
        if float(row.total_t_per_year) > 0:
            flowing.add(link.id)
        cap = link.capacity_t_per_year
        if isinstance(row.service, str):
            svc_t = service_capacity_per_year(net.service(row.service))[0]
            cap = svc_t if cap is None or svc_t < cap else cap
        if cap and np.isfinite(cap):
            util[link.id] = max(util.get(link.id, 0.0), float(row.total_t_per_year) / cap)
    lons = np.asarray([n.lon for n in net.nodes])
    lats = np.asarray([n.lat for n in net.nodes])
    whole = (
        float(lons.min()) - 2,
        float(lats.min()) - 2,
        float(lons.max()) + 2,
        float(lats.max()) + 2,
    )
    fig, (ax0, ax1) = plt.subplots(
        2, 1, figsize=(11, 11.5), gridspec_kw={"height_ratios": [1, 2.6]}
    )
    cmap = plt.get_cmap("RdYlGn_r")
    long_sea = [lk for lk in net.links if lk.mode == "sea" and lk.length_km > _LONG_SEA_KM]
    for ax, bbox, labels in ((ax0, whole, False), (ax1, _DETAIL, True)):
        _draw_outlines(ax, bbox)
        for lk in net.links:
            if lk in long_sea:
                continue  # an ocean leg drawn straight would cross the continent
            a, b = net.node(lk.from_node), net.node(lk.to_node)
            u = util.get(lk.id)
            style = "--" if lk.status != "open" else "-"
            if u is not None:
                colour, width = cmap(min(u, 1.0)), 3.0
            elif lk.id in flowing:
                colour, width = "#3b6fb6", 2.2
            else:
                colour, width = "#9a9a9a", 0.8
            ax.plot(
                [a.lon, b.lon],
                [a.lat, b.lat],
                style,
                color=colour,
                linewidth=width,
                zorder=2,
                solid_capstyle="round",
            )
        ax.scatter(lons, lats, s=9, color="black", zorder=3)
        if labels:
            for n in net.nodes:
                inside = bbox[0] < n.lon < bbox[2] and bbox[1] < n.lat < bbox[3]
                if inside and n.kind in _LABELLED_KINDS:
                    ax.annotate(
                        short_name(n),
                        (n.lon, n.lat),
                        xytext=(3, 3),
                        textcoords="offset points",
                        fontsize=8,
                        zorder=4,
                        bbox={
                            "boxstyle": "round,pad=0.1",
                            "fc": "white",
                            "ec": "none",
                            "alpha": 0.75,
                        },
                    )
        ax.set_xlim(bbox[0], bbox[2])
        ax.set_ylim(bbox[1], bbox[3])
        ax.set_aspect(1 / np.cos(np.radians((bbox[1] + bbox[3]) / 2)))
        ax.tick_params(labelsize=7)
    ax0.add_patch(
        plt.Rectangle(
            (_DETAIL[0], _DETAIL[1]),
            _DETAIL[2] - _DETAIL[0],
            _DETAIL[3] - _DETAIL[1],
            fill=False,
            ec="black",
            lw=0.8,
            ls=":",
            zorder=5,
        )
    )
    ax0.set_title("Whole network (dotted box: the detail below)", fontsize=10)
    ax1.set_title("Caspian and Caucasus", fontsize=10)
    handles = [
        Line2D([], [], color="#3b6fb6", lw=2.2, label="flow, capacity unknown"),
        Line2D([], [], color="#9a9a9a", lw=0.8, label="no assigned flow"),
        Line2D([], [], color="#9a9a9a", lw=0.8, ls="--", label="planned / closed link"),
    ]
    ax0.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    notes = []
    for lk in long_sea:
        t = max(
            (
                float(r.total_t_per_year)
                for r in link_flows.itertuples()
                if str(r.link).removesuffix("~r") == lk.id
            ),
            default=0.0,
        )
        a, b = net.node(lk.from_node), net.node(lk.to_node)
        notes.append(f"{short_name(a)}-{short_name(b)} by deep sea (not drawn): {t:,.0f} t/year")
    if notes:
        ax0.text(
            0.99,
            0.98,
            "\n".join(notes),
            transform=ax0.transAxes,
            ha="right",
            va="top",
            fontsize=7,
            bbox={"fc": "white", "ec": "#999999", "alpha": 0.9},
        )
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(
        sm, ax=[ax0, ax1], label="utilisation: assigned flow / capacity", shrink=0.5, pad=0.02
    )
    fig.suptitle(title or "Link utilisation", fontsize=12, fontweight="bold")
    out = Path(path)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


def write_charts(cmp: Comparison, directory: str | os.PathLike[str]) -> list[Path]:
    """Write the comparison's charts as PNG files; returns their paths."""
    plt = pyplot()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    if "throughput" in cmp.results:
        paths.append(
            _bars(
                plt,
                cmp.results["throughput"],
                "max_teu_per_year",
                "Middle Corridor max container throughput",
                "TEU per year",
                out / "throughput.png",
            )
        )
    if "assignment" in cmp.results and len(cmp.results["assignment"]):
        _assignment_chart(plt, cmp.results["assignment"], out / "assignment.png")
        paths.append(out / "assignment.png")
        from corridor_twin.flow.assign import assign

        for name, net in cmp.networks.items():
            demand = cmp.demand.get(name)
            if demand is None or not demand.rows:
                continue
            res = assign(net, demand.to_frame())
            if res.status == "optimal":
                paths.append(
                    plot_utilisation(
                        net,
                        res.link_flows,
                        out / f"utilisation_{name}.png",
                        title=f"Link utilisation: {name}",
                    )
                )
    return paths
