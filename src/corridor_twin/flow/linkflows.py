"""Comparing link flows with a reference solution (the TNTP ``*_flow.tntp`` tables).

Examples
--------
>>> import pandas as pd
>>> ours = pd.DataFrame({"from": [1, 2], "to": [2, 3], "volume": [99.0, 50.0], "cost": [1.0, 2.0]})
>>> ref = pd.DataFrame({"from": [1, 2], "to": [2, 3], "volume": [100.0, 50.0], "cost": [1.0, 2.0]})
>>> compare_link_flows(ours, ref)
<FlowComparison 2 links: max volume diff 1 % of the largest volume, total cost diff -0.5 %>
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from corridor_twin.errors import DataError

__all__ = ["FlowComparison", "compare_link_flows"]


@dataclass(frozen=True)
class FlowComparison:
    """How far link flows are from a reference solution.

    ``max_volume_diff_pct`` is the largest absolute volume difference as a
    share of the largest reference volume (percent); ``total_cost_diff_pct``
    the relative difference of ``sum volume x cost`` (percent).
    """

    links: int
    max_volume_diff: float
    max_volume_diff_pct: float
    total_cost: float
    reference_total_cost: float
    total_cost_diff_pct: float

    def __repr__(self) -> str:
        return (
            f"<FlowComparison {self.links} links: max volume diff "
            f"{self.max_volume_diff_pct:.3g} % of the largest volume, total cost diff "
            f"{self.total_cost_diff_pct:+.3g} %>"
        )


def compare_link_flows(ours: Any, reference: Any) -> FlowComparison:
    """Compare two link tables with columns from, to, volume, cost (matched on from, to).

    Raises
    ------
    DataError
        The tables do not hold the same links.
    """
    key = ["from", "to"]
    a = ours[[*key, "volume", "cost"]]
    b = reference[[*key, "volume", "cost"]]
    if a.duplicated(key).any() or b.duplicated(key).any():
        # parallel links: match them in order of appearance
        a = a.assign(k=a.groupby(key).cumcount())
        b = b.assign(k=b.groupby(key).cumcount())
        key = [*key, "k"]
    merged = a.merge(b, on=key, how="outer", suffixes=("", "_ref"), indicator=True)
    if (merged["_merge"] != "both").any():
        row = merged[merged["_merge"] != "both"].iloc[0]
        raise DataError(
            f"link {int(row['from'])}->{int(row['to'])} is in only one of the two flow tables"
        )
    diff = np.abs(merged["volume"].to_numpy() - merged["volume_ref"].to_numpy())
    vmax = float(np.abs(merged["volume_ref"]).max()) if len(merged) else 0.0
    tc = float((merged["volume"] * merged["cost"]).sum())
    tc_ref = float((merged["volume_ref"] * merged["cost_ref"]).sum())
    md = float(diff.max()) if len(diff) else 0.0
    return FlowComparison(
        len(merged),
        md,
        100.0 * md / vmax if vmax > 0 else 0.0,
        tc,
        tc_ref,
        100.0 * (tc - tc_ref) / tc_ref if tc_ref else 0.0,
    )
