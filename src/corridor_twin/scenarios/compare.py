"""Compare scenarios with a baseline: what each changed, and how results move.

:func:`compare` applies each scenario to the base network (and demand table),
runs the given analyses on the baseline and on every scenario, and returns a
:class:`Comparison` in two parts: the changes each scenario made (network and
demand diffs, one tidy table) and one tidy result table per analysis, keyed by
scenario, with the baseline value and the delta.

An analysis is any callable ``(network, demand) -> result`` where the result
is a number, a mapping of metric names to numbers, or a pandas DataFrame
(text columns are keys, numeric columns are metrics). Analyses are pure
functions of their inputs, so the flow and routing modules plug in directly.

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.scenarios import compare, load_bundled
>>> def port_capacity(net, demand):
...     return {"alat_teu": net.node("AZ_ALAT").capacity_teu_per_year}
>>> cmp = compare(load_corridor(), [load_bundled("baku-port-phase-2")],
...               {"ports": port_capacity})
>>> cmp.results["ports"][["scenario", "metric", "value", "delta"]].values.tolist()
[['baseline', 'alat_teu', 100000.0, 0.0],
 ['baku-port-phase-2', 'alat_teu', 500000.0, 400000.0]]
>>> ch = cmp.changes()
>>> ch[ch["table"] == "nodes"][["scenario", "id", "attribute", "old", "new"]].values.tolist()
[['baku-port-phase-2', 'AZ_ALAT', 'capacity_t_per_year', 15000000.0, 25000000.0],
 ['baku-port-phase-2', 'AZ_ALAT', 'capacity_teu_per_year', 100000.0, 500000.0]]
"""

from __future__ import annotations

import json
import numbers
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from corridor_twin.errors import OptionError, ScenarioError
from corridor_twin.network.model import Network
from corridor_twin.scenarios.demand import DemandTable
from corridor_twin.scenarios.diff import NetworkDiff, demand_diff, network_diff
from corridor_twin.scenarios.model import Scenario, apply_demand, apply_scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Analysis", "Comparison", "compare"]

Analysis: TypeAlias = Callable[[Network, "DemandTable | None"], Any]
"""``(network, demand) -> number | Mapping[str, number] | pandas.DataFrame``."""


@dataclass(frozen=True)
class Comparison:
    """Scenarios side by side with a baseline.

    Attributes
    ----------
    baseline
        Name of the baseline case.
    networks, demand
        Network and demand table of every case (baseline first).
    diffs, demand_diffs
        What each scenario changed in the network and in the demand.
    results
        Per analysis, a tidy table: ``scenario``, the result's key columns,
        ``metric``, ``value``, ``baseline``, ``delta`` (value - baseline) and
        ``delta_pct`` (NaN where the baseline is 0 or missing).
    """

    baseline: str
    networks: Mapping[str, Network]
    demand: Mapping[str, DemandTable | None]
    diffs: Mapping[str, NetworkDiff]
    demand_diffs: Mapping[str, NetworkDiff]
    results: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    def __repr__(self) -> str:
        names = [n for n in self.networks if n != self.baseline]
        return (
            f"<Comparison vs {self.baseline!r}: {', '.join(names)}; analyses {list(self.results)}>"
        )

    def changes(self) -> pd.DataFrame:
        """Every scenario's network and demand changes as one tidy table.

        Columns: scenario, then those of :meth:`NetworkDiff.to_frame`.
        """
        import pandas as pd

        frames = []
        for name, d in self.diffs.items():
            for diff in (d, self.demand_diffs.get(name, NetworkDiff())):
                f = diff.to_frame()
                f.insert(0, "scenario", name)
                frames.append(f)
        if not frames:
            empty = NetworkDiff().to_frame()
            empty.insert(0, "scenario", [])
            return empty
        return pd.concat(frames, ignore_index=True)

    def write(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Write ``changes.csv``, one ``<analysis>.csv`` per analysis, ``comparison.json``
        and ``report.md`` into ``directory`` (created if needed); returns the paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "changes.csv"]
        self.changes().to_csv(paths[0], index=False)
        for name, table in self.results.items():
            paths.append(out / f"{name}.csv")
            table.to_csv(paths[-1], index=False)
        doc = {
            "baseline": self.baseline,
            "scenarios": [n for n in self.networks if n != self.baseline],
            "changes": json.loads(self.changes().to_json(orient="records")),
            "results": {
                k: json.loads(v.to_json(orient="records")) for k, v in self.results.items()
            },
        }
        paths.append(out / "comparison.json")
        paths[-1].write_text(json.dumps(doc, indent=1), encoding="utf-8")
        paths.append(out / "report.md")
        paths[-1].write_text(self.to_markdown(), encoding="utf-8")
        return paths

    def headline(self) -> list[str]:
        """One sentence per scenario: the compared figures it moves, with their change.

        Figures come from the ``throughput`` and ``assignment`` analyses when
        present (the others are in their tables); a scenario that moves none
        says so.
        """
        out = []
        names = [n for n in self.networks if n != self.baseline]
        for name in names:
            moved = []
            for analysis in ("throughput", "assignment"):
                table = self.results.get(analysis)
                if table is None:
                    continue
                rows = table[(table["scenario"] == name) & (table["metric"].isin(METRIC_LABELS))]
                for rec in rows.to_dict("records"):
                    metric, base = str(rec["metric"]), float(rec["baseline"])
                    value, delta, pct = float(rec["value"]), float(rec["delta"]), rec["delta_pct"]
                    if not delta or delta != delta or abs(delta) < 1e-9 * max(1.0, abs(base)):
                        continue
                    rel = f", {_pct(float(pct))}" if pct == pct else ""
                    change = f"{_num(base)} -> {_num(value)} ({delta:+,.0f}{rel})"
                    moved.append(f"{METRIC_LABELS[metric]} {change}")
            why = self._unmoved_throughput(name)
            if why:
                moved.append(why)
            out.append(
                f"{name}: " + ("; ".join(moved) if moved else "none of the compared figures move")
            )
        return out

    def _unmoved_throughput(self, name: str) -> str:
        """ "throughput unchanged, because ..." when the throughput does not move and the
        bottlenecks analysis says what binds."""
        tp, bn = self.results.get("throughput"), self.results.get("bottlenecks")
        if tp is None or bn is None:
            return ""
        row = tp[(tp["scenario"] == name) & (tp["metric"] == "max_teu_per_year")]
        if not len(row) or float(row["delta"].iloc[0]) != 0.0:
            return ""
        base = bn[bn["scenario"] == self.baseline]
        binding = list(
            dict.fromkeys(f"{k} {i}" for k, i in zip(base["kind"], base["id"], strict=True))
        )
        touched = set(self.diffs[name].to_frame()["id"]) if name in self.diffs else set()
        if not binding or touched & set(base["id"]):
            return ""
        return (
            f"Middle Corridor throughput unchanged at {_num(float(row['value'].iloc[0]))} "
            f"TEU/year, because what binds ({', '.join(binding)}) is not among its changes"
        )

    def to_markdown(self) -> str:
        """A Markdown report: the headline, what each scenario changed, each analysis's deltas."""
        lines = [f"# Scenario comparison (baseline: {self.baseline})", ""]
        lines += ["## Headline", ""]
        lines += [f"- {h}" for h in self.headline()] + [""]
        ch = self.changes()
        lines += ["## What the scenarios change", ""]
        if len(ch):
            cols = [
                c
                for c in (
                    "scenario",
                    "table",
                    "id",
                    "change",
                    "attribute",
                    "old",
                    "new",
                    "source",
                    "year",
                )
                if c in ch.columns
            ]
            lines += [_md_table(ch[cols]), ""]
        for name, table in self.results.items():
            lines += [f"## {name}", ""]
            moved = table[table["scenario"] != self.baseline]
            base = table[table["scenario"] == self.baseline]
            lines += [
                "Baseline:",
                "",
                _md_table(base.drop(columns=["baseline", "delta", "delta_pct"])),
                "",
            ]
            changed = moved[moved["delta"].fillna(1.0) != 0]
            lines += ["Changes vs baseline:" if len(changed) else "No scenario changes it.", ""]
            if len(changed):
                lines += [_md_table(changed), ""]
        return "\n".join(lines)


METRIC_LABELS: Mapping[str, str] = {
    "max_teu_per_year": "Middle Corridor throughput (TEU/year)",
    "max_t_per_year": "throughput (t/year)",
    "cost_usd": "system transport cost (USD/year)",
    "co2e_t": "CO2e (t/year)",
    "unmet_per_year": "unmet demand (TEU + t per year)",
}
"""Readable names of the headline metrics of the standard analyses."""


def _pct(v: float) -> str:
    return f"{v:+.2f}%" if abs(v) < 0.1 else f"{v:+.1f}%"


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}"


def _md_table(frame: pd.DataFrame) -> str:
    """A pipe table (no extra dependency)."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            if v != v:
                return ""
            if v.is_integer() and abs(v) < 1e4:
                return str(int(v))
            return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
        return "" if v is None else str(v).replace("|", "\\|")

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _tidy(result: Any, analysis: str) -> pd.DataFrame:
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        numeric = [
            c
            for c in result.columns
            if pd.api.types.is_numeric_dtype(result[c])
            and not pd.api.types.is_bool_dtype(result[c])
        ]
        keys = [c for c in result.columns if c not in numeric]
        if not numeric:
            raise ScenarioError(f"analysis {analysis!r} returned a table without numeric columns")
        return result.melt(id_vars=keys, value_vars=numeric, var_name="metric", value_name="value")
    if isinstance(result, Mapping):
        items = list(result.items())
    elif isinstance(result, numbers.Real):
        items = [(analysis, result)]
    else:
        raise ScenarioError(
            f"analysis {analysis!r} returned a {type(result).__name__}; return a number, "
            "a mapping of metric -> number, or a DataFrame"
        )
    return pd.DataFrame(
        {"metric": [str(k) for k, _ in items], "value": [float(v) for _, v in items]}
    )


def compare(
    base: Network,
    scenarios: Sequence[Scenario],
    analyses: Mapping[str, Analysis] | None = None,
    *,
    demand: DemandTable | None = None,
    events: str = "annual",
    baseline: str = "baseline",
) -> Comparison:
    """Apply scenarios to a base network, run analyses, and tabulate deltas.

    Parameters
    ----------
    base
        The baseline network.
    scenarios
        Scenarios with unique names (none called ``baseline``).
    analyses
        Name -> analysis callable ``(network, demand)``; see the module notes.
    demand
        Baseline demand table; needed when a scenario has demand changes.
    events
        How windowed changes act, one of {annual, during}.
    baseline
        Name of the baseline case in the tables.

    Returns
    -------
    Comparison

    Raises
    ------
    ScenarioError
        If a scenario cannot be applied, or has demand changes and no
        ``demand`` is given.
    OptionError
        If scenario names repeat or clash with ``baseline``.
    """
    import numpy as np
    import pandas as pd

    names = [s.name for s in scenarios]
    if len(set(names)) != len(names) or baseline in names:
        raise OptionError(f"scenario names must be unique and not {baseline!r}: {names}")
    networks: dict[str, Network] = {baseline: base}
    tables: dict[str, DemandTable | None] = {baseline: demand}
    diffs: dict[str, NetworkDiff] = {}
    ddiffs: dict[str, NetworkDiff] = {}
    for s in scenarios:
        networks[s.name] = apply_scenario(base, s, events=events)
        diffs[s.name] = network_diff(base, networks[s.name])
        if s.demand_changes and demand is None:
            raise ScenarioError(
                "has demand changes; pass the baseline demand table as compare(..., demand=...)",
                scenario=s.name,
            )
        if demand is not None:
            changed = apply_demand(demand, s, base)
            tables[s.name], ddiffs[s.name] = changed, demand_diff(demand, changed)
        else:
            tables[s.name], ddiffs[s.name] = None, NetworkDiff()
    results: dict[str, pd.DataFrame] = {}
    for aname, fn in (analyses or {}).items():
        frames = []
        for case, net in networks.items():
            frame = _tidy(fn(net, tables[case]), aname)
            frame.insert(0, "scenario", case)
            frames.append(frame)
        tidy = pd.concat(frames, ignore_index=True)
        keys = [c for c in tidy.columns if c not in ("scenario", "value")]
        ref = tidy[tidy["scenario"] == baseline].drop(columns="scenario")
        ref = ref.rename(columns={"value": "baseline"})
        tidy = tidy.merge(ref, on=keys, how="left")
        tidy["delta"] = tidy["value"] - tidy["baseline"]
        base_vals = tidy["baseline"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(
                base_vals != 0, tidy["delta"].to_numpy(dtype=float) / base_vals * 100, np.nan
            )
        tidy["delta_pct"] = pct
        results[aname] = tidy
    return Comparison(baseline, networks, tables, diffs, ddiffs, results)
