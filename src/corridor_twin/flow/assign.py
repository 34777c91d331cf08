"""System-optimal multi-commodity flow assignment as a linear programme (HiGHS).

Given an annual demand table (origin, destination, commodity, amount per
year), find the flows that serve it at least total (generalized) cost within
the capacities of links, services, transfers, borders and nodes. Three public
steps, each testable on its own, in the manner of PyPSA:

* :func:`build_assignment` makes the LP (arrays only, nothing solved);
* :func:`solve_assignment` solves it with HiGHS and returns a status the
  caller can inspect (never a bare solver exception);
* :func:`extract_assignment` turns the solution into tidy results: link and
  node flows by commodity, utilisation, totals, unmet demand and the shadow
  price of every binding capacity.

:func:`assign` runs the three. Demand that cannot be served within capacity
goes on a penalised bypass arc, so the model is always feasible and returns
the best partial answer; the result says how much was left unmet.

Formulation (arc-based, aggregated by origin)
----------------------------------------------
Shipments of one commodity from one origin to destinations in one country
share a flow variable per edge (flows from one origin need not be told apart
by destination in a min-cost flow), which cuts the number of variables by
the number of destinations per origin compared with one commodity per OD
pair. For group ``g`` and usable edge ``e``: ``x[g, e] >= 0`` in the
commodity's unit (TEU or t). Constraints: flow conservation at every vertex
of every group; ``sum_g t_per_unit(g) * x[g, e] <= capacity_t[e]`` and, for
TEU-counted commodities, ``sum_g x[g, e] <= capacity_teu[e]``; node
throughput (flow arriving from other nodes plus flow starting there; at a
seaport, only the ferry and sea moves arriving or leaving, the cargo over its
berths, not trains passing its node) within the node's capacity. Objective:
cost per unit on each edge times flow, plus the unmet-demand penalty.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.flow.assign import Demand, assign
>>> res = assign(load_corridor(), [Demand("Almaty", "Istanbul", "container", 20_000)])
>>> res.status, float(round(res.unmet_demand.sum(), 6))
('optimal', 0.0)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TypeAlias, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from corridor_twin._typing import BoolArray, FloatArray, IntArray
from corridor_twin.errors import DataError, OptionError
from corridor_twin.flow._extract import AssignmentResult, extract_assignment
from corridor_twin.flow._full import solve_full_lp
from corridor_twin.flow._lp import AssignmentModel, AssignmentSolution, Demand, no_demand_solution
from corridor_twin.flow._paths import solve_by_paths
from corridor_twin.flow._restricted import solve_by_arcs
from corridor_twin.flow.capacity import edge_capacity
from corridor_twin.flow.equilibrium import solve_equilibrium
from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork, as_compiled
from corridor_twin.network.model import Network
from corridor_twin.network.schema import MODES
from corridor_twin.routing.costs import GeneralizedCost, edge_costs, objective_weights

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ASSIGNMENT_METHODS",
    "AssignmentMethod",
    "AssignmentModel",
    "AssignmentResult",
    "AssignmentSolution",
    "Demand",
    "DemandRows",
    "assign",
    "build_assignment",
    "extract_assignment",
    "solve_assignment",
]

_MOVE = (EDGE_KINDS.index("link"), EDGE_KINDS.index("ride"))
_LOAD = EDGE_KINDS.index("load")
_WATER = (MODES.index("ferry"), MODES.index("sea"))


DemandRows: TypeAlias = "Iterable[Demand] | Iterable[Mapping[str, object]] | pd.DataFrame"
"""Demand as :class:`Demand` rows, dicts (or objects) with the same fields, or a DataFrame
with columns origin, destination, commodity, amount_per_year."""


def _demand_rows(demand: DemandRows) -> tuple[Demand, ...]:
    records: Iterable[object] = demand
    if hasattr(demand, "to_dict") and hasattr(demand, "columns"):
        frame = cast("pd.DataFrame", demand)  # any frame-like with columns and to_dict
        need = {"origin", "destination", "commodity", "amount_per_year"}
        missing = need - set(frame.columns)
        if missing:
            raise DataError(f"demand table lacks column(s) {sorted(missing)}")
        records = frame[list(need)].to_dict("records")
    rows = []
    for i, r in enumerate(records):
        if isinstance(r, Demand):
            rows.append(r)
            continue
        get = r.get if isinstance(r, dict) else (lambda k, r=r: getattr(r, k, None))
        try:
            rows.append(
                Demand(
                    str(get("origin")),
                    str(get("destination")),
                    str(get("commodity")),
                    float(get("amount_per_year")),  # type: ignore[arg-type]
                )
            )
        except (TypeError, ValueError) as exc:
            raise DataError(f"demand row {i}: {exc}") from None
    for i, r in enumerate(rows):
        if not np.isfinite(r.amount_per_year) or r.amount_per_year < 0:
            raise DataError(
                f"demand row {i} ({r.origin} -> {r.destination}, {r.commodity}): "
                f"amount_per_year must be a non-negative number, got "
                f"{r.amount_per_year}"
            )
    return tuple(rows)


def _edge_caps(comp: CompiledNetwork) -> tuple[FloatArray, FloatArray]:
    """Per-edge annual capacity in t and TEU (inf = none), borders included."""
    # No unit conversion: a tonnage limit binds every cargo (containers by their weight),
    # a TEU limit binds containers only.
    return edge_capacity(comp, "t", convert=False), edge_capacity(comp, "teu", convert=False)


def build_assignment(
    net: Network | CompiledNetwork,
    demand: DemandRows,
    *,
    objective: str = "generalized",
    generalized: GeneralizedCost | None = None,
    unmet_penalty_usd_per_unit: float = 50_000.0,
    node_capacities: bool = True,
) -> AssignmentModel:
    """Build the assignment LP (see the module docstring for the formulation).

    Parameters
    ----------
    net
        Network or compiled network.
    demand
        :class:`Demand` rows, dicts, or a DataFrame with columns origin,
        destination, commodity, amount_per_year (unit of the commodity per year).
    objective
        Edge cost to minimise: {generalized, cost, time, co2}.
    generalized
        Value of time and CO2 price for ``objective="generalized"``.
    unmet_penalty_usd_per_unit
        Cost of leaving one unit unserved. It also caps the shadow prices.
    node_capacities
        Whether node throughput capacities are constraints.

    Raises
    ------
    DataError
        On malformed demand (negative amounts, unknown nodes or commodities).
    """
    comp = as_compiled(net)
    netw = comp.network
    rows = _demand_rows(demand)
    if unmet_penalty_usd_per_unit <= 0:
        raise OptionError("unmet_penalty_usd_per_unit must be positive")
    groups: dict[tuple[str, str, str], dict[str, float]] = {}
    for i, r in enumerate(rows):
        try:
            o, d = netw.find_node(r.origin), netw.find_node(r.destination)
        except LookupError as exc:
            raise DataError(f"demand row {i}: {exc}") from None
        if r.commodity not in comp.commodity_ids:
            raise DataError(
                f"demand row {i}: unknown commodity {r.commodity!r}; known: "
                f"{', '.join(comp.commodity_ids)}"
            )
        if o.id == d.id or r.amount_per_year == 0:
            continue
        dests = groups.setdefault((r.commodity, o.id, d.country), {})
        dests[d.id] = dests.get(d.id, 0.0) + r.amount_per_year
    cap_t, cap_teu = _edge_caps(comp)
    tail, head = comp.tail, comp.indices
    nv = comp.n_vertices
    cols_c, cols_time, cols_cost, cols_co2 = [], [], [], []
    var_g, var_e, var_d = [], [], []
    eq_r, eq_c, eq_v = [], [], []
    b_eq: list[float] = []
    g_unit, g_tpu, g_origin = [], [], []
    byp_dem: list[FloatArray] = []
    offset = 0
    row0 = 0
    for g, ((com, onode, dcountry), dests) in enumerate(groups.items()):
        ocountry = netw.node(onode).country
        costs = edge_costs(comp, com, origin_country=ocountry, destination_country=dcountry)
        w = objective_weights(costs, objective, generalized)
        edges = np.flatnonzero(np.isfinite(w))
        verts, inv = np.unique(np.concatenate([tail[edges], head[edges]]), return_inverse=True)
        vrow = np.full(nv, -1, dtype=np.int64)
        vrow[verts] = row0 + np.arange(len(verts))
        m = len(edges)
        # conservation: +1 at tail row, -1 at head row
        eq_r += [row0 + inv[:m], row0 + inv[m:]]
        eq_c += [offset + np.arange(m), offset + np.arange(m)]
        eq_v += [np.ones(m), -np.ones(m)]
        b = np.zeros(len(verts))
        ov = int(comp.origin_vertex[comp.node_index(onode)])
        dids = list(dests)
        dvs = [int(comp.destination_vertex[comp.node_index(x)]) for x in dids]
        # Bypass arcs origin -> destination carry unmet demand at the penalty.
        for v in (ov, *dvs):
            if vrow[v] < 0:  # the vertex has no usable edge at all
                vrow[v] = row0 + len(b)
                b = np.append(b, 0.0)
        b[vrow[ov] - row0] += sum(dests.values())
        for x, dv in zip(dids, dvs, strict=True):
            b[vrow[dv] - row0] -= dests[x]
        k = len(dids)
        byp = offset + m + np.arange(k)
        eq_r += [np.full(k, vrow[ov]), np.asarray([vrow[dv] for dv in dvs])]
        eq_c += [byp, byp]
        eq_v += [np.ones(k), -np.ones(k)]
        b_eq += b.tolist()
        cols_c += [w[edges], np.full(k, unmet_penalty_usd_per_unit)]
        cols_time += [costs.time_h[edges], np.zeros(k)]
        cols_cost += [costs.cost_usd[edges], np.zeros(k)]
        cols_co2 += [costs.co2e_kg[edges], np.zeros(k)]
        var_g += [np.full(m + k, g)]
        var_e += [edges, np.full(k, -1)]
        var_d += [np.full(m, -1), np.asarray([comp.node_index(x) for x in dids])]
        g_unit.append(costs.unit)
        g_origin.append(ov)
        byp_dem += [np.zeros(m), np.asarray([dests[x] for x in dids], dtype=np.float64)]
        g_tpu.append(costs.t_per_unit)
        offset += m + k
        row0 += len(b)
    c = _floats(cols_c)
    vg, ve, vd = _ints(var_g), _ints(var_e), _ints(var_d)
    a_eq = sp.csr_matrix((_floats(eq_v), (_ints(eq_r), _ints(eq_c))), shape=(row0, offset))
    tpu = np.asarray(g_tpu, dtype=np.float64)
    is_teu = np.asarray([u == "teu" for u in g_unit], dtype=bool)
    ub_rows, ub_cols, ub_vals, ub_b, names = _capacity_rows(
        comp, vg, ve, tpu, is_teu, cap_t, cap_teu, node_capacities
    )
    a_ub = sp.csr_matrix((ub_vals, (ub_rows, ub_cols)), shape=(len(ub_b), offset))
    return AssignmentModel(
        comp=comp,
        demand=rows,
        groups=tuple(groups),
        group_unit=tuple(g_unit),
        group_t_per_unit=tpu,
        c=c,
        A_eq=a_eq,
        b_eq=np.asarray(b_eq, dtype=np.float64),
        A_ub=a_ub,
        b_ub=np.asarray(ub_b, dtype=np.float64),
        ub_names=tuple(names),
        var_group=vg,
        var_edge=ve,
        var_dest=vd,
        var_time_h=_floats(cols_time),
        var_cost_usd=_floats(cols_cost),
        var_co2e_kg=_floats(cols_co2),
        group_origin_vertex=np.asarray(g_origin, dtype=np.int64),
        bypass_demand=_floats(byp_dem),
        objective=objective,
        unmet_penalty_usd_per_unit=float(unmet_penalty_usd_per_unit),
    )


def _floats(parts: Sequence[npt.ArrayLike]) -> FloatArray:
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)


def _ints(parts: Sequence[npt.ArrayLike]) -> IntArray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def berth_moves(comp: CompiledNetwork) -> BoolArray:
    """Edges a seaport's berths handle: ferry and sea moves from one node to another."""
    ed = comp.edge
    moves: BoolArray = (
        np.isin(ed.kind, _MOVE) & (ed.node_from != ed.node_to) & np.isin(ed.mode, _WATER)
    )
    return moves


def seaport_nodes(net: Network) -> BoolArray:
    """Per node of ``net``: whether it is a seaport (capacity counted over its berths)."""
    return np.asarray([n.kind == "seaport" for n in net.nodes], dtype=bool)


def _capacity_rows(
    comp: CompiledNetwork,
    vg: IntArray,
    ve: IntArray,
    tpu: FloatArray,
    is_teu: BoolArray,
    cap_t: FloatArray,
    cap_teu: FloatArray,
    node_capacities: bool,
) -> tuple[IntArray, IntArray, FloatArray, list[float], list[tuple[str, str, str]]]:
    """Capacity rows: per capacitated edge (t, TEU) and per capacitated node."""
    net = comp.network
    ed = comp.edge
    real = ve >= 0
    var_idx = np.flatnonzero(real)
    e_of = ve[real]
    g_of = vg[real]
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    rhs: list[float] = []
    names: list[tuple[str, str, str]] = []

    def add_rows(
        keys: IntArray,
        coef: FloatArray,
        caps: FloatArray,
        label: Callable[[int], tuple[str, str]],
        unit: str,
        sel: BoolArray,
    ) -> None:
        """One row per distinct key among the selected variables."""
        pos = np.flatnonzero(sel)
        add_entries(keys[pos], pos, coef, caps, label, unit)

    def add_entries(
        k: IntArray,
        pos: IntArray,
        coef: FloatArray,
        caps: FloatArray,
        label: Callable[[int], tuple[str, str]],
        unit: str,
    ) -> None:
        """One row per distinct key ``k``; entry ``i`` puts variable ``pos[i]`` in row
        ``k[i]`` with coefficient ``coef[pos[i]]``."""
        if not len(k):
            return
        uniq, inv = np.unique(k, return_inverse=True)
        base = len(rhs)
        rows.append(base + inv)
        cols.append(var_idx[pos])
        vals.append(coef[pos])
        for key in uniq.tolist():
            rhs.append(float(caps[key]))
            names.append((*label(key), unit))

    def edge_label(e: int) -> tuple[str, str]:
        kind = EDGE_KINDS[ed.kind[e]]
        # A bidirectional service or link has one capacity per direction: "~r" marks the
        # direction against the link's from -> to, so the two rows can be told apart.
        rev = "~r" if ed.reverse[e] else ""
        if ed.service[e] >= 0 and kind == "ride":
            return "service", net.services[ed.service[e]].id + rev
        if ed.link[e] >= 0:
            return "link", net.links[ed.link[e]].id + rev
        if ed.transfer[e] >= 0:
            return "transfer", net.transfers[ed.transfer[e]].id
        return kind, str(e)

    t_coef = tpu[g_of]
    sel_t = np.isfinite(cap_t[e_of])
    add_rows(e_of, t_coef, cap_t, edge_label, "t", sel_t)
    sel_teu = np.isfinite(cap_teu[e_of]) & is_teu[g_of]
    add_rows(e_of, np.ones(len(e_of)), cap_teu, edge_label, "teu", sel_teu)
    if node_capacities:
        nf, nt, kind = ed.node_from[e_of], ed.node_to[e_of], ed.kind[e_of]
        arriving = np.isin(kind, _MOVE) & (nf != nt)
        starting = kind == _LOAD
        node_of = np.where(arriving, nt, nf)
        node_t = np.asarray(
            [np.nan if n.capacity_t_per_year is None else n.capacity_t_per_year for n in net.nodes]
        )
        node_teu = np.asarray(
            [
                np.nan if n.capacity_teu_per_year is None else n.capacity_teu_per_year
                for n in net.nodes
            ]
        )
        through = (arriving | starting) & (node_of >= 0)
        safe = np.where(node_of >= 0, node_of, 0)
        # A seaport's capacity is what it handles over its berths (as the market model
        # counts it): ships arriving at it or leaving it, not trains passing its node
        # (Alat is also a junction of the Baku - Georgia main line).
        port = seaport_nodes(net)
        water = berth_moves(comp)[e_of]
        through &= ~port[safe]
        departs = water & port[np.maximum(nf, 0)] & (nf >= 0)
        arrives = water & port[np.maximum(nt, 0)] & (nt >= 0)

        def node_label(i: int) -> tuple[str, str]:
            return "node", net.nodes[i].id

        # Each (variable, node) entry: the node arrived at or started from, and at
        # seaports the port a ship leaves (a ship-to-ship transshipment counts twice).
        at = np.concatenate([np.where(arrives, nt, safe), np.where(departs, nf, 0)])
        sel = np.concatenate([through | arrives, departs])
        var2 = np.concatenate([np.arange(len(e_of)), np.arange(len(e_of))])
        at = np.where(sel, at, 0)
        for caps, unit, coef_all, extra in (
            (node_t, "t", t_coef, np.ones(len(e_of), dtype=bool)),
            (node_teu, "teu", np.ones(len(e_of)), is_teu[g_of]),
        ):
            keep = sel & np.isfinite(caps[at]) & extra[var2]
            add_entries(at[keep], var2[keep], coef_all, caps, node_label, unit)
    return _ints(rows), _ints(cols), _floats(vals), rhs, names


class AssignmentMethod(Protocol):
    """Signature of a solver in :data:`ASSIGNMENT_METHODS` (or passed as ``method=``)."""

    def __call__(
        self,
        model: AssignmentModel,
        *,
        time_limit_s: float | None,
        generalized: GeneralizedCost | None,
    ) -> AssignmentSolution: ...


def _restricted_arcs(
    model: AssignmentModel, *, time_limit_s: float | None, generalized: GeneralizedCost | None
) -> AssignmentSolution:
    return solve_by_arcs(model)


def _paths(
    model: AssignmentModel, *, time_limit_s: float | None, generalized: GeneralizedCost | None
) -> AssignmentSolution:
    return solve_by_paths(model)


def _full_lp(
    model: AssignmentModel, *, time_limit_s: float | None, generalized: GeneralizedCost | None
) -> AssignmentSolution:
    return solve_full_lp(model, time_limit_s=time_limit_s)


def _equilibrium(
    model: AssignmentModel, *, time_limit_s: float | None, generalized: GeneralizedCost | None
) -> AssignmentSolution:
    return solve_equilibrium(model, generalized=generalized)


ASSIGNMENT_METHODS: dict[str, AssignmentMethod] = {
    "restricted_arcs": _restricted_arcs,
    "paths": _paths,
    "full_lp": _full_lp,
    "equilibrium": _equilibrium,
}
"""Assignment solvers by name; the default is ``"restricted_arcs"``.

``restricted_arcs``: column generation with shortest-path pricing and a sparse
restricted master made of the arcs of the paths found so far
(:mod:`corridor_twin.flow._restricted`), the same LP to the same optimum in few
rounds; ``paths``: the same pricing with a master of path columns
(:mod:`corridor_twin.flow._paths`), more rounds but smaller masters;
``full_lp``: the whole arc-based LP handed to HiGHS at once
(:mod:`corridor_twin.flow._full`), the exact reference; ``equilibrium``: not the
LP but the user equilibrium with congestion delays at capacities
(:func:`corridor_twin.flow.equilibrium.solve_equilibrium` with its defaults). A
callable with the signature of :class:`AssignmentMethod` may be passed instead."""


def solve_assignment(
    model: AssignmentModel,
    *,
    method: str | AssignmentMethod = "restricted_arcs",
    time_limit_s: float | None = None,
    generalized: GeneralizedCost | None = None,
) -> AssignmentSolution:
    """Solve the assignment with HiGHS (or find the user equilibrium).

    Parameters
    ----------
    model
        From :func:`build_assignment`.
    method : {"restricted_arcs", "paths", "full_lp", "equilibrium"} or callable
        Solver (see :data:`ASSIGNMENT_METHODS`); default ``"restricted_arcs"``.
    time_limit_s
        Time limit for the ``full_lp`` solve.
    generalized
        Value of time for the congestion delays of ``equilibrium`` (default:
        each commodity's own).

    Returns
    -------
    AssignmentSolution
        ``status`` in {optimal, infeasible, unbounded, limit, error}, with a
        readable message; solver failures are reported, not raised.

    Raises
    ------
    OptionError
        If ``method`` names no solver (the message lists the valid ones).
    """
    if callable(method):
        fn = method
    else:
        try:
            fn = ASSIGNMENT_METHODS[method]
        except KeyError:
            raise OptionError(
                f"unknown assignment method {method!r}; choose from "
                f"{{{', '.join(ASSIGNMENT_METHODS)}}}"
            ) from None
    if model.n_variables == 0:
        return no_demand_solution(model)
    return fn(model, time_limit_s=time_limit_s, generalized=generalized)


def assign(
    net: Network | CompiledNetwork,
    demand: DemandRows,
    *,
    objective: str = "generalized",
    generalized: GeneralizedCost | None = None,
    unmet_penalty_usd_per_unit: float = 50_000.0,
    node_capacities: bool = True,
    method: str | AssignmentMethod = "restricted_arcs",
    time_limit_s: float | None = None,
) -> AssignmentResult:
    """Build, solve and extract the system-optimal assignment in one call.

    See :func:`build_assignment` for the parameters and :func:`solve_assignment`
    for ``method`` (default ``"restricted_arcs"``) and ``time_limit_s``. The result's ``status``
    says whether the LP was solved; unmet demand is reported, not raised.
    """
    model = build_assignment(
        net,
        demand,
        objective=objective,
        generalized=generalized,
        unmet_penalty_usd_per_unit=unmet_penalty_usd_per_unit,
        node_capacities=node_capacities,
    )
    return extract_assignment(
        model,
        solve_assignment(model, method=method, time_limit_s=time_limit_s, generalized=generalized),
    )
