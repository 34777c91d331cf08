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
throughput (flow arriving from other nodes plus flow starting there) within
the node's capacity. Objective: cost per unit on each edge times flow, plus
the unmet-demand penalty.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.flow.assign import Demand, assign
>>> res = assign(load_corridor(), [Demand("Almaty", "Istanbul", "container", 20_000)])
>>> res.status, float(round(res.unmet_demand.sum(), 6))
('optimal', 0.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from corridor_twin._typing import FloatArray, IntArray
from corridor_twin.errors import DataError, OptionError
from corridor_twin.flow._extract import AssignmentResult, extract_assignment
from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork
from corridor_twin.network.model import Network
from corridor_twin.routing.costs import GeneralizedCost, edge_costs, objective_weights
from corridor_twin.routing.paths import as_compiled

if TYPE_CHECKING:
    pass

__all__ = [
    "AssignmentModel",
    "AssignmentResult",
    "AssignmentSolution",
    "Demand",
    "assign",
    "build_assignment",
    "extract_assignment",
    "solve_assignment",
]

_MOVE = (EDGE_KINDS.index("link"), EDGE_KINDS.index("ride"))
_LOAD = EDGE_KINDS.index("load")


@dataclass(frozen=True)
class Demand:
    """Annual demand between two nodes, in the commodity's unit (TEU or t) per year."""

    origin: str
    destination: str
    commodity: str
    amount_per_year: float


@dataclass(frozen=True, eq=False)
class AssignmentModel:
    """The built LP: ``min c x`` s.t. ``A_eq x = b_eq``, ``A_ub x <= b_ub``, ``x >= 0``.

    Variables are the flows ``x[g, e]`` of each group on its usable edges
    (``var_group``, ``var_edge``; ``var_edge == -1`` marks an unmet-demand
    bypass for destination ``var_dest``), then nothing else. ``ub_names``
    names each capacity row as (kind, id, unit).
    """

    comp: CompiledNetwork
    demand: tuple[Demand, ...]
    groups: tuple[tuple[str, str, str], ...]  # (commodity, origin node, destination country)
    group_unit: tuple[str, ...]
    group_t_per_unit: FloatArray
    c: FloatArray
    A_eq: sp.csr_matrix
    b_eq: FloatArray
    A_ub: sp.csr_matrix
    b_ub: FloatArray
    ub_names: tuple[tuple[str, str, str], ...]
    var_group: IntArray
    var_edge: IntArray
    var_dest: IntArray
    var_time_h: FloatArray
    var_cost_usd: FloatArray
    var_co2e_kg: FloatArray
    group_origin_vertex: IntArray
    bypass_demand: FloatArray
    objective: str
    unmet_penalty_usd_per_unit: float

    @property
    def n_variables(self) -> int:
        """Number of LP variables."""
        return int(self.c.shape[0])

    def __repr__(self) -> str:
        return (
            f"<AssignmentModel {len(self.groups)} groups, {self.n_variables} variables, "
            f"{self.A_eq.shape[0]} balance rows, {self.A_ub.shape[0]} capacity rows>"
        )


@dataclass(frozen=True, eq=False)
class AssignmentSolution:
    """What the solver returned.

    ``status`` is one of {optimal, infeasible, unbounded, limit, error}; for
    anything but ``optimal`` the ``message`` explains it and ``x`` is None.
    """

    status: str
    message: str
    objective_value: float
    x: FloatArray | None
    capacity_duals: FloatArray | None
    solve_s: float = 0.0
    totals: dict[str, float] = field(default_factory=dict)
    capacity_delay_h: FloatArray | None = None


def _demand_rows(demand: Any) -> tuple[Demand, ...]:
    if hasattr(demand, "to_dict") and hasattr(demand, "columns"):
        need = {"origin", "destination", "commodity", "amount_per_year"}
        missing = need - set(demand.columns)
        if missing:
            raise DataError(f"demand table lacks column(s) {sorted(missing)}")
        demand = demand[list(need)].to_dict("records")
    rows = []
    for i, r in enumerate(demand):
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
    from corridor_twin.flow.capacity import edge_capacity

    # No unit conversion: a tonnage limit binds every cargo (containers by their weight),
    # a TEU limit binds containers only.
    return edge_capacity(comp, "t", convert=False), edge_capacity(comp, "teu", convert=False)


def build_assignment(
    net: Network | CompiledNetwork,
    demand: Iterable[Demand] | Any,
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


def _floats(parts: list[Any]) -> FloatArray:
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)


def _ints(parts: list[Any]) -> IntArray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def _capacity_rows(
    comp: CompiledNetwork,
    vg: IntArray,
    ve: IntArray,
    tpu: FloatArray,
    is_teu: Any,
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
        keys: IntArray, coef: FloatArray, caps: FloatArray, label: Any, unit: str, sel: Any
    ) -> None:
        """One row per distinct key among the selected variables."""
        if not sel.any():
            return
        k = keys[sel]
        uniq, inv = np.unique(k, return_inverse=True)
        base = len(rhs)
        rows.append(base + inv)
        cols.append(var_idx[sel])
        vals.append(coef[sel])
        for key in uniq.tolist():
            rhs.append(float(caps[key]))
            names.append((*label(key), unit))

    def edge_label(e: int) -> tuple[str, str]:
        kind = EDGE_KINDS[ed["kind"][e]]
        # A bidirectional service or link has one capacity per direction: "~r" marks the
        # direction against the link's from -> to, so the two rows can be told apart.
        rev = "~r" if ed["reverse"][e] else ""
        if ed["service"][e] >= 0 and kind == "ride":
            return "service", net.services[ed["service"][e]].id + rev
        if ed["link"][e] >= 0:
            return "link", net.links[ed["link"][e]].id + rev
        if ed["transfer"][e] >= 0:
            return "transfer", net.transfers[ed["transfer"][e]].id
        return kind, str(e)

    t_coef = tpu[g_of]
    sel_t = np.isfinite(cap_t[e_of])
    add_rows(e_of, t_coef, cap_t, edge_label, "t", sel_t)
    sel_teu = np.isfinite(cap_teu[e_of]) & is_teu[g_of]
    add_rows(e_of, np.ones(len(e_of)), cap_teu, edge_label, "teu", sel_teu)
    if node_capacities:
        nf, nt, kind = ed["node_from"][e_of], ed["node_to"][e_of], ed["kind"][e_of]
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

        def node_label(i: int) -> tuple[str, str]:
            return "node", net.nodes[i].id

        add_rows(safe, t_coef, node_t, node_label, "t", through & np.isfinite(node_t[safe]))
        add_rows(
            safe,
            np.ones(len(e_of)),
            node_teu,
            node_label,
            "teu",
            through & np.isfinite(node_teu[safe]) & is_teu[g_of],
        )
    return _ints(rows), _ints(cols), _floats(vals), rhs, names


def solve_assignment(
    model: AssignmentModel,
    *,
    method: str = "arcs",
    time_limit_s: float | None = None,
) -> AssignmentSolution:
    """Solve the LP with HiGHS (``scipy.optimize.linprog(method="highs")``).

    Parameters
    ----------
    model
        From :func:`build_assignment`.
    method : {"paths", "arcs", "arc", "equilibrium"}
        ``arcs`` (default): column generation with shortest-path pricing
        and a sparse restricted master made of the arcs of the paths found
        so far (:mod:`corridor_twin.flow._restricted`), which solves the
        same LP to the same optimum in few rounds; ``paths``: the same
        pricing with a master of path columns
        (:mod:`corridor_twin.flow._paths`), more rounds but smaller masters;
        ``arc``: hand the whole
        arc-based LP to HiGHS at once; ``equilibrium``: not the LP but the
        user equilibrium with congestion delays at capacities
        (:func:`corridor_twin.flow.equilibrium.solve_equilibrium` with its
        defaults).
    time_limit_s
        Time limit for the ``arc`` solve.

    Returns
    -------
    AssignmentSolution
        ``status`` in {optimal, infeasible, unbounded, limit, error}, with a
        readable message; solver failures are reported, not raised.
    """
    import time

    if method == "paths":
        from corridor_twin.flow._paths import solve_by_paths

        if model.n_variables == 0:
            return AssignmentSolution("optimal", "no demand to assign", 0.0, np.zeros(0),
                                      np.zeros(model.A_ub.shape[0]))
        return solve_by_paths(model)
    if method == "arcs":
        from corridor_twin.flow._restricted import solve_by_arcs

        if model.n_variables == 0:
            return AssignmentSolution("optimal", "no demand to assign", 0.0, np.zeros(0),
                                      np.zeros(model.A_ub.shape[0]))
        return solve_by_arcs(model)
    if method == "equilibrium":
        from corridor_twin.flow.equilibrium import solve_equilibrium

        if model.n_variables == 0:
            return AssignmentSolution("optimal", "no demand to assign", 0.0, np.zeros(0),
                                      np.zeros(model.A_ub.shape[0]))
        return solve_equilibrium(model)
    if method != "arc":
        raise OptionError(
            f"unknown method {method!r}; choose from {{paths, arcs, arc, equilibrium}}"
        )
    from scipy.optimize import linprog

    if model.n_variables == 0:
        return AssignmentSolution(
            "optimal", "no demand to assign", 0.0, np.zeros(0), np.zeros(model.A_ub.shape[0])
        )
    options: dict[str, Any] = {"presolve": True}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    t0 = time.perf_counter()
    try:
        res = linprog(
            model.c,
            A_ub=model.A_ub if model.A_ub.shape[0] else None,
            b_ub=model.b_ub if model.A_ub.shape[0] else None,
            A_eq=model.A_eq,
            b_eq=model.b_eq,
            bounds=(0, None),
            method="highs",
            options=options,
        )
    except (ValueError, MemoryError) as exc:
        return AssignmentSolution(
            "error",
            f"the solver could not run: {exc}",
            np.nan,
            None,
            None,
            time.perf_counter() - t0,
        )
    elapsed = time.perf_counter() - t0
    status = {0: "optimal", 1: "limit", 2: "infeasible", 3: "unbounded"}.get(res.status, "error")
    if status != "optimal":
        hint = {
            "infeasible": "the demand cannot be balanced even with the unmet-demand bypass; "
            "check for negative capacities or inconsistent demand",
            "unbounded": "some flow cost is negative, so cost can fall without limit; check "
            "tariffs and the objective",
            "limit": "the time or iteration limit stopped the solver; raise time_limit_s",
        }.get(status, "the solver reported a numerical failure")
        return AssignmentSolution(
            status, f"{status}: {hint} (HiGHS: {res.message})", np.nan, None, None, elapsed
        )
    duals = np.asarray(res.ineqlin.marginals) if model.A_ub.shape[0] else np.zeros(0)
    return AssignmentSolution(
        "optimal", str(res.message), float(res.fun), np.asarray(res.x), duals, elapsed
    )


def assign(
    net: Network | CompiledNetwork,
    demand: Sequence[Demand] | Any,
    *,
    objective: str = "generalized",
    generalized: GeneralizedCost | None = None,
    unmet_penalty_usd_per_unit: float = 50_000.0,
    node_capacities: bool = True,
    method: str = "arcs",
    time_limit_s: float | None = None,
) -> AssignmentResult:
    """Build, solve and extract the system-optimal assignment in one call.

    See :func:`build_assignment` for the parameters. The result's ``status``
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
    if method == "equilibrium" and model.n_variables:
        from corridor_twin.flow.equilibrium import solve_equilibrium

        return extract_assignment(model, solve_equilibrium(model, generalized=generalized))
    return extract_assignment(
        model, solve_assignment(model, method=method, time_limit_s=time_limit_s)
    )
