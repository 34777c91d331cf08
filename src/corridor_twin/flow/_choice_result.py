"""Tidy results of a corridor-choice equilibrium (:class:`ChoiceResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor_twin._typing import FloatArray
from corridor_twin.flow._choice_solve import ChoiceSolution
from corridor_twin.network.compile import EDGE_KINDS

if TYPE_CHECKING:
    import pandas as pd

    from corridor_twin.flow.choice import ChoiceModel

__all__ = ["ChoiceResult", "extract_choice"]

_LINK = EDGE_KINDS.index("link")
_RIDE = EDGE_KINDS.index("ride")


@dataclass(frozen=True, eq=False)
class ChoiceResult:
    """Route shares, element flows and corridor totals of a solved choice model.

    Attributes
    ----------
    model, solution
        What was solved and the solver's answer.
    route_flow
        Units per year on each route (the model's route order).
    unmet
        Units per year of each segment not shipped.
    route_cost_usd
        Generalized cost of each route at the solution, USD per unit.
    """

    model: ChoiceModel = field(repr=False)
    solution: ChoiceSolution = field(repr=False)

    @property
    def status(self) -> str:
        """The solver status (see :class:`~corridor_twin.flow._choice_solve.ChoiceSolution`)."""
        return self.solution.status

    @property
    def route_flow(self) -> FloatArray:
        """Units per year on each route."""
        return self.solution.route_flow

    @property
    def unmet(self) -> FloatArray:
        """Units per year of each segment not shipped."""
        return self.solution.unmet

    @property
    def route_cost_usd(self) -> FloatArray:
        """Generalized cost of each route at the solution, USD per unit."""
        return self.solution.route_cost_usd

    @property
    def route_share(self) -> FloatArray:
        """Share of its segment's demand on each route."""
        d = self.model.demand[self.model.route_segment]
        return np.divide(self.route_flow, d, out=np.zeros_like(d), where=d > 0)

    @property
    def route_flow_t(self) -> FloatArray:
        """Tonnes per year on each route."""
        m = self.model
        return np.asarray(self.route_flow * m.segment_t_per_unit[m.route_segment])

    def edge_flow(self, unit: str = "t") -> FloatArray:
        """Flow on every compiled edge per year: tonnes (``t``) or TEU (``teu``, containers)."""
        m = self.model
        if unit == "t":
            w = self.route_flow_t
        else:
            teu = np.asarray([m.segment_unit[s] == "teu" for s in m.route_segment.tolist()])
            w = np.where(teu, self.route_flow, 0.0)
        return np.asarray(m.route_edges.T @ w, dtype=np.float64)

    def link_flows(self) -> pd.DataFrame:
        """Flow per link direction and service (rows with flow only), t and TEU per year."""
        import pandas as pd

        m = self.model
        comp = m.comp
        net = comp.network
        ed = comp.edge
        move = (ed.kind == _LINK) | (ed.kind == _RIDE)
        t = self.edge_flow("t")
        teu = self.edge_flow("teu")
        idx = np.flatnonzero(move & (t > 0))
        frame = pd.DataFrame(
            {
                "link": [net.links[int(ed.link[e])].id for e in idx],
                "service": [
                    net.services[int(ed.service[e])].id if ed.service[e] >= 0 else None for e in idx
                ],
                "from_node": [comp.node_ids[int(ed.node_from[e])] for e in idx],
                "to_node": [comp.node_ids[int(ed.node_to[e])] for e in idx],
                "flow_t_per_year": t[idx],
                "flow_teu_per_year": teu[idx],
            }
        )
        if frame.empty:
            return frame
        keys = ["link", "service", "from_node", "to_node"]
        return frame.groupby(keys, dropna=False, as_index=False, sort=True).sum()

    def corridor_flow(self, corridor: str, *, unit: str = "t", markets: Any = None) -> float:
        """Flow routed via one corridor, tonnes or TEU per year (optionally some markets only)."""
        m = self.model
        if corridor not in m.corridors:
            return 0.0
        sel = m.route_corridor == m.corridors.index(corridor)
        if markets is not None:
            mk = set(markets)
            sel &= np.asarray([m.segments[s].market in mk for s in m.route_segment.tolist()])
        if unit == "t":
            return float(self.route_flow_t[sel].sum())
        teu = np.asarray([m.segment_unit[s] == unit for s in m.route_segment.tolist()], dtype=bool)
        return float(self.route_flow[sel & teu].sum())

    def to_frame(self) -> pd.DataFrame:
        """One row per segment x route: corridor, share, flow and costs."""
        import pandas as pd

        m = self.model
        segs = m.segments
        rows = []
        for i, r in enumerate(m.routes):
            s = segs[int(m.route_segment[i])]
            rows.append(
                {
                    "segment": s.id,
                    "market": s.market,
                    "origin": s.origin,
                    "destination": s.destination,
                    "commodity": s.commodity,
                    "unit": m.segment_unit[int(m.route_segment[i])],
                    "corridor": m.corridors[int(m.route_corridor[i])],
                    "rank": int(m.route_rank[i]),
                    "via": " ".join(r.nodes),
                    "share": float(self.route_share[i]),
                    "flow_per_year": float(self.route_flow[i]),
                    "flow_t_per_year": float(self.route_flow_t[i]),
                    "generalized_cost_usd": float(self.route_cost_usd[i]),
                    "charges_usd": float(m.charges_usd[i]),
                    "time_h": float(m.time_h[i]),
                    "spread_h": float(m.spread_h[i]),
                    "risk_usd": float(m.risk_usd[i]),
                    "path_size": float(m.path_size[i]),
                }
            )
        return pd.DataFrame(rows)

    def segments_frame(self) -> pd.DataFrame:
        """One row per segment: demand, unmet and the share of each corridor."""
        import pandas as pd

        m = self.model
        out = []
        for si, s in enumerate(m.segments):
            a, b = int(m.seg_ptr[si]), int(m.seg_ptr[si + 1])
            row: dict[str, Any] = {
                "segment": s.id,
                "market": s.market,
                "commodity": s.commodity,
                "unit": m.segment_unit[si],
                "demand_per_year": float(m.demand[si]),
                "unmet_per_year": float(self.unmet[si]),
            }
            for ci, c in enumerate(m.corridors):
                sel = m.route_corridor[a:b] == ci
                d = float(m.demand[si])
                row[f"share_{c}"] = float(self.route_flow[a:b][sel].sum() / d) if d > 0 else 0.0
            out.append(row)
        return pd.DataFrame(out)

    def elements_frame(self) -> pd.DataFrame:
        """One row per capacity element: flow, capacity, utilisation, delay and queue price."""
        import pandas as pd

        m, sol = self.model, self.solution
        cap = m.capacity
        util = np.divide(sol.element_flow, cap, out=np.zeros_like(cap), where=cap > 0)
        return pd.DataFrame(
            {
                "kind": [n[0] for n in m.element_names],
                "id": [n[1] for n in m.element_names],
                "unit": [n[2] for n in m.element_names],
                "element_kind": list(m.element_kind),
                "flow_per_year": sol.element_flow,
                "capacity_per_year": cap,
                "utilisation": util,
                "delay_h": sol.element_delay_h,
                "queue_price_usd": sol.element_price_usd,
            }
        )

    def corridor_totals(self) -> pd.DataFrame:
        """Flow per corridor: tonnes, TEU and the share of all demand (by tonnes)."""
        import pandas as pd

        m = self.model
        total_t = float((m.demand * m.segment_t_per_unit).sum())
        rows = []
        for c in m.corridors:
            t = self.corridor_flow(c, unit="t")
            rows.append(
                {
                    "corridor": c,
                    "flow_t_per_year": t,
                    "flow_teu_per_year": self.corridor_flow(c, unit="teu"),
                    "share_t": t / total_t if total_t > 0 else 0.0,
                }
            )
        unmet_t = float((self.unmet * m.segment_t_per_unit).sum())
        rows.append(
            {
                "corridor": "unmet",
                "flow_t_per_year": unmet_t,
                "flow_teu_per_year": float(
                    sum(
                        u
                        for u, unit in zip(self.unmet.tolist(), m.segment_unit, strict=True)
                        if unit == "teu"
                    )
                ),
                "share_t": unmet_t / total_t if total_t > 0 else 0.0,
            }
        )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        sol = self.solution
        t = {c: self.corridor_flow(c) for c in self.model.corridors}
        best = ", ".join(
            f"{c} {v / 1e6:.2f} Mt" for c, v in sorted(t.items(), key=lambda kv: -kv[1])
        )
        return (
            f"<ChoiceResult {sol.status}: {len(self.model.segments)} segments; {best}; "
            f"gap {sol.gap:.1e}, {sol.iterations} iterations>"
        )


def extract_choice(model: ChoiceModel, solution: ChoiceSolution) -> ChoiceResult:
    """Wrap a solution with its model into a :class:`ChoiceResult`."""
    return ChoiceResult(model=model, solution=solution)
