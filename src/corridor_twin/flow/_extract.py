"""Tidy results of a solved assignment: flows, utilisation, totals, shadow prices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from corridor_twin._typing import FloatArray
from corridor_twin.flow._lp import AssignmentModel, AssignmentSolution
from corridor_twin.network.compile import EDGE_KINDS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AssignmentResult", "extract_assignment"]

_MOVE = (EDGE_KINDS.index("link"), EDGE_KINDS.index("ride"))


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """Assignment results: flows, utilisation, totals, unmet demand, shadow prices.

    ``shadow_prices`` gives, for every binding capacity, how much the total
    objective would fall per extra unit (t or TEU) of annual capacity: the
    value of expanding that bottleneck, in USD per unit per year.
    ``capacity_use`` lists every capacity with its flow and utilisation (and,
    for a user equilibrium, the congestion delay per unit passing it).
    """

    status: str
    message: str
    objective_value: float
    link_flows: pd.DataFrame = field(repr=False)
    node_flows: pd.DataFrame = field(repr=False)
    unmet: pd.DataFrame = field(repr=False)
    shadow_prices: pd.DataFrame = field(repr=False)
    totals: dict[str, float] = field(default_factory=dict)
    capacity_use: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def unmet_demand(self) -> FloatArray:
        """Unmet amount of each demand row's group-destination (unit per year)."""
        return (
            np.asarray(self.unmet["unmet_per_year"], dtype=np.float64)
            if len(self.unmet)
            else np.zeros(0)
        )

    def to_frame(self) -> pd.DataFrame:
        """Link flows (the main table)."""
        return self.link_flows

    def __repr__(self) -> str:
        t = self.totals
        return (
            f"<AssignmentResult {self.status}: cost {t.get('cost_usd', 0):,.0f} USD/yr, "
            f"unmet {t.get('unmet_share', 0):.1%}, "
            f"{len(self.shadow_prices)} binding capacities>"
        )


def extract_assignment(
    model: AssignmentModel, solution: AssignmentSolution, *, tol: float = 1e-6
) -> AssignmentResult:
    """Tidy results from a solved model (empty tables when it was not solved)."""
    import pandas as pd

    comp = model.comp
    net = comp.network
    ed = comp.edge
    if solution.x is None:
        empty = pd.DataFrame()
        return AssignmentResult(
            solution.status, solution.message, np.nan, empty, empty, empty, empty, {}
        )
    x = solution.x
    real = (model.var_edge >= 0) & (x > tol)
    e = model.var_edge[real]
    g = model.var_group[real]
    flow = x[real]
    com = np.asarray([model.groups[i][0] for i in range(len(model.groups))], dtype=object)
    tpu = model.group_t_per_unit
    moving = np.isin(ed.kind[e], _MOVE)
    lf = pd.DataFrame(
        {
            "link": [net.links[i].id for i in ed.link[e[moving]]],
            "reverse": ed.reverse[e[moving]].astype(bool),
            "service": [net.services[i].id if i >= 0 else None for i in ed.service[e[moving]]],
            "from_node": [net.nodes[i].id for i in ed.node_from[e[moving]]],
            "to_node": [net.nodes[i].id for i in ed.node_to[e[moving]]],
            "commodity": com[g[moving]],
            "flow_per_year": flow[moving],
            "flow_t_per_year": flow[moving] * tpu[g[moving]],
        }
    )
    if len(lf):
        lf = lf.groupby(
            ["link", "reverse", "service", "from_node", "to_node", "commodity"],
            dropna=False,
            as_index=False,
        ).sum()
        tot = lf.groupby(["link", "reverse", "service"], dropna=False)["flow_t_per_year"]
        lf["total_t_per_year"] = tot.transform("sum")
    nodes_e = np.where(
        np.isin(ed.kind[e], _MOVE) & (ed.node_from[e] != ed.node_to[e]),
        ed.node_to[e],
        -1,
    )
    nf = pd.DataFrame(
        {
            "node": nodes_e,
            "commodity": com[g],
            "flow_per_year": flow,
            "flow_t_per_year": flow * tpu[g],
        }
    )
    nf = nf[nf["node"] >= 0]
    nf = nf.groupby(["node", "commodity"], as_index=False).sum()
    node_cap = np.asarray(
        [np.nan if n.capacity_t_per_year is None else n.capacity_t_per_year for n in net.nodes]
    )
    nf["capacity_t_per_year"] = node_cap[nf["node"].to_numpy(dtype=np.int64)]
    nf["node"] = [net.nodes[i].id for i in nf["node"]]
    nf["utilisation"] = (
        nf.groupby("node")["flow_t_per_year"].transform("sum") / nf["capacity_t_per_year"]
    )
    byp = model.var_edge < 0
    un = pd.DataFrame(
        {
            "commodity": com[model.var_group[byp]],
            "origin": [model.groups[i][1] for i in model.var_group[byp]],
            "destination": [net.nodes[i].id for i in model.var_dest[byp]],
            "unmet_per_year": np.where(x[byp] > tol, x[byp], 0.0),
        }
    )
    duals = solution.capacity_duals if solution.capacity_duals is not None else np.zeros(0)
    act = model.A_ub @ x if model.A_ub.shape[0] else np.zeros(0)
    binding = np.abs(duals) > 1e-9
    sh = pd.DataFrame(
        {
            "kind": [model.ub_names[i][0] for i in np.flatnonzero(binding)],
            "id": [model.ub_names[i][1] for i in np.flatnonzero(binding)],
            "unit": [model.ub_names[i][2] for i in np.flatnonzero(binding)],
            "capacity_per_year": model.b_ub[binding],
            "flow_per_year": act[binding],
            "shadow_price_usd_per_unit_year": -duals[binding],
        }
    ).sort_values("shadow_price_usd_per_unit_year", ascending=False, ignore_index=True)
    cu = pd.DataFrame(
        {
            "kind": [n[0] for n in model.ub_names],
            "id": [n[1] for n in model.ub_names],
            "unit": [n[2] for n in model.ub_names],
            "capacity_per_year": model.b_ub,
            "flow_per_year": act,
            "utilisation": np.divide(
                act, model.b_ub, out=np.full(len(act), np.nan), where=model.b_ub > 0
            ),
            "delay_h": (
                solution.capacity_delay_h
                if solution.capacity_delay_h is not None
                else np.full(len(act), np.nan)
            ),
        }
    ).sort_values("utilisation", ascending=False, ignore_index=True)
    served = x[model.var_edge >= 0]
    demand_total = float(sum(r.amount_per_year for r in model.demand if r.origin != r.destination))
    unmet_total = float(un["unmet_per_year"].sum()) if len(un) else 0.0
    totals = {
        "objective": float(solution.objective_value),
        "cost_usd": float(model.var_cost_usd[model.var_edge >= 0] @ served),
        "time_unit_h": float(model.var_time_h[model.var_edge >= 0] @ served),
        "co2e_t": float(model.var_co2e_kg[model.var_edge >= 0] @ served) / 1000.0,
        "demand_per_year": demand_total,
        "unmet_per_year": unmet_total,
        "unmet_share": unmet_total / demand_total if demand_total else 0.0,
        "solve_s": solution.solve_s,
        **solution.totals,
    }
    return AssignmentResult(
        solution.status,
        solution.message,
        float(solution.objective_value),
        lf,
        nf,
        un,
        sh,
        totals,
        cu,
    )
