"""What each endpoint computes: request model in, response model out.

Handlers and ``corridor export html`` both call these, so the page gets the
same data from the API and from an exported file. Each function only turns a
request into library calls and the results into response models.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from corridor_twin._version import __version__
from corridor_twin.api.errors import FieldError
from corridor_twin.api.provider import NetworkProvider
from corridor_twin.api.schemas import (
    AssignmentOut,
    AssignmentRequest,
    CapacityOut,
    CapacityRequest,
    CompareOut,
    CompareRequest,
    CorridorCompareOut,
    CorridorCompareRequest,
    MetaOut,
    NodeOut,
    ParetoRequest,
    ReliabilityOut,
    ReliabilityRequest,
    RouteRequest,
    RouteSetOut,
    ScenarioOut,
    UtilisationOut,
)
from corridor_twin.api.schemas.common import finite
from corridor_twin.api.schemas.flow import CutItemOut, LinkUtilisationOut, NodeUtilisationOut
from corridor_twin.api.schemas.reliability import (
    HistogramOut,
    RouteReliabilityOut,
    TransitStatsOut,
)
from corridor_twin.api.schemas.routing import CorridorRowOut, RouteOut
from corridor_twin.errors import CorridorError, NoRouteError, OptionError, UnknownNodeError
from corridor_twin.flow import capacity_table, max_flow
from corridor_twin.network.model import Network
from corridor_twin.network.schema import MODES
from corridor_twin.routing import GeneralizedCost, k_routes, pareto_routes, route
from corridor_twin.routing.corridors import get_corridor
from corridor_twin.scenarios import Analysis, compare
from corridor_twin.scenarios.analyses import MIDDLE_CORRIDOR, STANDARD_ANALYSES
from corridor_twin.simulate import route_components, simulate_transit_h, summarize

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "assignment",
    "capacity",
    "compare_corridors",
    "compare_scenarios",
    "meta",
    "nodes",
    "pareto",
    "reliability",
    "routes",
    "scenarios",
    "utilisation",
]


def _check_nodes(
    net: Network, fields: Sequence[tuple[str | int, ...]], values: Sequence[str]
) -> None:
    """Look nodes up first, so an unknown name is reported against its field."""
    for loc, value in zip(fields, values, strict=True):
        try:
            net.find_node(value)
        except UnknownNodeError as exc:
            raise FieldError(("body", *loc), exc) from exc


def _check_countries(net: Network, field: str, codes: Sequence[str]) -> None:
    """Countries to avoid must be ISO codes of countries the network has nodes in."""
    known = sorted({n.country for n in net.nodes})
    for i, code in enumerate(codes):
        if code.upper() not in known:
            raise FieldError(
                ("body", field, i),
                OptionError(
                    f"no place of the network is in {code.upper()!r}; its countries are "
                    f"{', '.join(known)}"
                ),
            )


def _options(
    net: Network, corridor: str | None, avoid: Sequence[str], modes: Sequence[str] | None
) -> dict[str, Any]:
    """The routing options of a request; countries checked first (a 422 on the field)."""
    _check_countries(net, "avoid_countries", avoid)
    return {
        "avoid_countries": tuple(dict.fromkeys(c.upper() for c in avoid)),
        "modes": None if modes is None else list(modes),
        "corridor": corridor,
    }


def _via(corridor: str | None) -> str:
    return f" via the {get_corridor(corridor).label}" if corridor else ""


def meta(
    provider: NetworkProvider, *, editing: bool = False, stored_network: str | None = None
) -> MetaOut:
    """What the service offers."""
    net = provider.network(None)
    return MetaOut(
        name="corridor-twin",
        version=__version__,
        network=net.meta.name,
        n_nodes=len(net.nodes),
        n_links=len(net.links),
        commodities=[c.id for c in net.commodities],
        objectives=["time", "cost", "co2", "distance", "generalized"],
        modes=list(MODES),
        scenarios=provider.scenario_names(),
        stored_network=stored_network,
        features={"editing": editing, "persistence": editing},
    )


def nodes(net: Network) -> list[NodeOut]:
    """Every node."""
    return [
        NodeOut(
            id=n.id,
            name=n.name,
            kind=n.kind,
            country=n.country,
            lon=n.lon,
            lat=n.lat,
            aliases=list(n.aliases),
        )
        for n in net.nodes
    ]


def routes(provider: NetworkProvider, req: RouteRequest) -> RouteSetOut:
    """The best route or the k best by the request's objective."""
    net = provider.network(req.scenario)
    _check_nodes(net, [("origin",), ("destination",)], [req.origin, req.destination])
    common: dict[str, Any] = {
        "cargo": req.cargo,
        "optimize": req.objective,
        **_options(net, req.corridor, req.avoid_countries, req.modes),
    }
    if req.objective == "generalized":
        common["generalized"] = GeneralizedCost(
            value_of_time_usd_per_unit_h=req.value_of_time_usd_per_unit_h,
            co2_price_usd_per_t=req.co2_price_usd_per_t,
        )
    via = _via(req.corridor)
    if req.k == 1:
        found = [route(net, req.origin, req.destination, **common)]
        return RouteSetOut.from_routes(found, net, f"best by {req.objective}{via}")
    rs = k_routes(net, req.origin, req.destination, k=req.k, **common)
    return RouteSetOut.from_routes(rs, net, f"{req.k} best by {req.objective}{via}")


def pareto(provider: NetworkProvider, req: ParetoRequest) -> RouteSetOut:
    """Every Pareto-optimal route over time, cost and CO2e."""
    net = provider.network(req.scenario)
    _check_nodes(net, [("origin",), ("destination",)], [req.origin, req.destination])
    rs = pareto_routes(
        net,
        req.origin,
        req.destination,
        cargo=req.cargo,
        **_options(net, req.corridor, req.avoid_countries, req.modes),
    )
    kind = f"Pareto-optimal (time, cost, CO2e){_via(req.corridor)}"
    return RouteSetOut.from_routes(rs, net, kind)


def compare_corridors(provider: NetworkProvider, req: CorridorCompareRequest) -> CorridorCompareOut:
    """The best route via each corridor, side by side (a row says why one has none)."""
    net = provider.network(req.scenario)
    _check_nodes(net, [("origin",), ("destination",)], [req.origin, req.destination])
    rows = []
    for name in dict.fromkeys(req.corridors):
        lens = get_corridor(name)
        opts = _options(net, name, req.avoid_countries, None)
        try:
            r = route(
                net, req.origin, req.destination, cargo=req.cargo, optimize=req.objective, **opts
            )
        except (NoRouteError, OptionError) as exc:
            rows.append(
                CorridorRowOut(
                    corridor=name,
                    label=lens.label,
                    description=lens.description,
                    route=None,
                    error=str(exc),
                )
            )
            continue
        rows.append(
            CorridorRowOut(
                corridor=name,
                label=lens.label,
                description=lens.description,
                route=RouteOut.from_route(r, net),
            )
        )
    return CorridorCompareOut(
        origin=net.find_node(req.origin).id,
        destination=net.find_node(req.destination).id,
        objective=req.objective,
        rows=rows,
    )


def capacity(provider: NetworkProvider, req: CapacityRequest) -> CapacityOut:
    """Max flow and min cut between node sets (default: the Middle Corridor question)."""
    net = provider.network(req.scenario)
    mc = MIDDLE_CORRIDOR
    default = req.sources is None and req.sinks is None
    sources = list(mc["sources"]) if req.sources is None else req.sources
    sinks = list(mc["sinks"]) if req.sinks is None else req.sinks
    _check_nodes(
        net,
        [("sources", i) for i in range(len(sources))] + [("sinks", i) for i in range(len(sinks))],
        [*sources, *sinks],
    )
    if req.avoid_countries is not None:
        avoid: tuple[str, ...] = tuple(c.upper() for c in req.avoid_countries)
    else:
        avoid = tuple(mc["avoid_countries"]) if default else ()
    res = max_flow(
        net,
        sources,
        sinks,
        unit=req.unit,
        cargo=req.cargo,
        avoid_countries=avoid,
        exclude=tuple(mc["exclude"]) if default else (),
    )
    return CapacityOut(
        value_per_year=finite(res.value),
        unit=res.unit,
        bounded=res.bounded,
        sources=list(res.sources),
        sinks=list(res.sinks),
        cut=[
            CutItemOut(
                kind=c.kind,
                id=c.id,
                name=c.name,
                from_node=c.from_node,
                to_node=c.to_node,
                capacity_per_year=finite(c.capacity),
            )
            for c in res.cut
        ],
        unlimited_path=list(res.unlimited_path),
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON records (NaN and infinities become null)."""
    out: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return out


def _market(provider: NetworkProvider, scenario: str | None, objective: str) -> Any:
    """The calibrated market model on the provider's (scenario) network (cached on it)."""
    from corridor_twin.errors import OptionError
    from corridor_twin.scenarios.calibration import market_equilibrium

    if objective != "generalized":
        raise OptionError(
            "method market uses the calibrated generalized cost; objective applies to method lp"
        )
    return market_equilibrium(provider.network(scenario))


def _market_assignment(provider: NetworkProvider, req: AssignmentRequest) -> AssignmentOut:
    res = _market(provider, req.scenario, req.objective)
    ch = res.choice
    totals: dict[str, float | None] = {
        "demand_per_year": finite(float((ch.model.demand * ch.model.segment_t_per_unit).sum())),
        "unmet_per_year": finite(float((ch.unmet * ch.model.segment_t_per_unit).sum())),
        "relative_gap": finite(ch.solution.gap),
        "iterations": float(ch.solution.iterations),
    }
    for row in res.corridor_totals().itertuples():
        totals[f"{row.corridor}_t_per_year"] = finite(row.flow_t_per_year)
        totals[f"{row.corridor}_teu_per_year"] = finite(row.flow_teu_per_year)
    lf = ch.link_flows()
    if len(lf):
        lf = lf.sort_values("flow_t_per_year", ascending=False)
    seg = ch.segments_frame()
    el = ch.elements_frame()
    return AssignmentOut(
        status=res.status,
        message=ch.solution.message,
        totals=totals,
        link_flows=_records(lf.head(req.top)),
        unmet=_records(seg[seg["unmet_per_year"] > 1e-6]),
        shadow_prices=_records(el[el["queue_price_usd"] > 0]),
    )


def assignment(provider: NetworkProvider, req: AssignmentRequest) -> AssignmentOut:
    """The calibrated market model (``method="market"``, default) or the system-optimal
    assignment of the demand table (``method="lp"``); for the market model the shadow
    prices are the queue prices of full capacities."""
    if req.method == "market":
        return _market_assignment(provider, req)
    res = provider.assignment(req.scenario, req.objective)
    lf = res.link_flows
    if len(lf) and "total_t_per_year" in lf.columns:
        lf = lf.sort_values("total_t_per_year", ascending=False)
    return AssignmentOut(
        status=res.status,
        message=res.message,
        totals={k: finite(v) for k, v in res.totals.items()},
        link_flows=_records(lf.head(req.top)),
        unmet=_records(res.unmet),
        shadow_prices=_records(res.shadow_prices),
    )


def utilisation(
    provider: NetworkProvider,
    scenario: str | None,
    objective: str = "generalized",
    method: str = "market",
) -> UtilisationOut:
    """Per link utilisation from the calibrated market model (``method="market"``) or the
    system-optimal assignment (``lp``): the busiest direction (or ferry service on the
    link) against its annual capacity in tonnes."""
    net = provider.network(scenario)
    if method == "market":
        market = _market(provider, scenario, objective)
        lf_market = market.choice.link_flows()
        status = market.status
    else:
        res = provider.assignment(scenario, objective)
        status = res.status
    caps = capacity_table(net, unit="t").to_frame()
    cap = {
        (k, i, a, b): float(c)
        for k, i, a, b, c in caps[["kind", "id", "from_node", "to_node", "capacity"]].itertuples(
            index=False
        )
    }
    best: dict[str, tuple[float, float | None]] = {}
    lf = lf_market if method == "market" else res.link_flows
    if len(lf):
        keys = ["link", "service", "from_node", "to_node"]
        flows = lf.groupby(keys, dropna=False, sort=True)["flow_t_per_year"].sum()
        for key, flow in flows.items():
            link, service, a, b = cast(tuple[str, object, str, str], key)
            if isinstance(service, str):
                c = cap.get(("service", service, a, b), cap.get(("service", service, b, a)))
            else:
                c = cap.get(("link", link, a, b))
            util = finite(flow / c) if c and math.isfinite(c) else None
            old_flow, old_util = best.get(link, (0.0, None))
            if util is not None and (old_util is None or util > old_util):
                best[link] = (max(old_flow, float(flow)), util)
            else:
                best[link] = (max(old_flow, float(flow)), old_util)
    links = [
        LinkUtilisationOut(link=k, flow_t_per_year=f, utilisation=u)
        for k, (f, u) in sorted(best.items())
    ]
    if method == "market":
        elements = market.choice.elements_frame()
        arriving = (
            lf_market.groupby("to_node", sort=True)["flow_t_per_year"].sum()
            if len(lf_market)
            else lf_market
        )
        nodes = _node_utilisation(arriving, elements[elements["kind"] == "node"])
    else:
        nf = res.node_flows
        node_flow = nf.groupby("node", sort=True)["flow_t_per_year"].sum() if len(nf) else nf
        use = res.capacity_use
        nodes = (
            []
            if use is None
            else _node_utilisation(node_flow, use[use["kind"] == "node"] if len(use) else use)
        )
    return UtilisationOut(
        scenario=scenario, objective=objective, status=status, links=links, nodes=nodes
    )


def _node_utilisation(flows: Any, use: Any) -> list[NodeUtilisationOut]:
    """Throughput (t/year) per node with flow, against its capacities (the tightest counts).

    ``flows``: tonnes per year by node id; ``use``: the node capacity rows (id, unit,
    capacity_per_year, utilisation) of the assignment or the market equilibrium.
    """
    if not len(flows):
        return []
    tightest: dict[str, tuple[float | None, str]] = {}
    cap_t: dict[str, float] = {}
    for node, unit, capacity, util in use[
        ["id", "unit", "capacity_per_year", "utilisation"]
    ].itertuples(index=False):
        u = finite(util)
        if unit == "t" and finite(capacity) is not None:
            cap_t[node] = float(capacity)
        old = tightest.get(node)
        if u is not None and (old is None or old[0] is None or u > old[0]):
            tightest[node] = (u, str(unit))
    out = []
    for node, flow in flows.items():
        if not flow > 0:
            continue
        u, unit = tightest.get(str(node), (None, None))
        out.append(
            NodeUtilisationOut(
                node=str(node),
                flow_t_per_year=float(flow),
                capacity_t_per_year=cap_t.get(str(node)),
                utilisation=u,
                unit=unit,
            )
        )
    return out


def scenarios(provider: NetworkProvider) -> list[ScenarioOut]:
    """The scenarios the provider knows."""
    out = []
    for name in provider.scenario_names():
        s = provider.scenario(name)
        out.append(
            ScenarioOut(
                name=name,
                description=" ".join((s.description or "").split()),
                n_changes=len(s.changes),
                n_demand_changes=len(s.demand_changes),
            )
        )
    return out


def compare_scenarios(provider: NetworkProvider, req: CompareRequest) -> CompareOut:
    """Run the chosen standard analyses on the baseline and each scenario."""
    names = list(dict.fromkeys(req.scenarios))
    picked = []
    for i, name in enumerate(names):
        try:
            picked.append(provider.scenario(name))
        except CorridorError as exc:
            raise FieldError(("body", "scenarios", i), exc) from exc
    analyses: dict[str, Analysis] = {
        str(k): STANDARD_ANALYSES[k] for k in dict.fromkeys(req.analyses)
    }
    cmp = compare(provider.network(None), picked, analyses, demand=provider.demand(None))
    return CompareOut(
        baseline=cmp.baseline,
        scenarios=[n for n in cmp.networks if n != cmp.baseline],
        changes=_records(cmp.changes()),
        results={k: _records(v) for k, v in cmp.results.items()},
    )


def reliability(provider: NetworkProvider, req: ReliabilityRequest) -> ReliabilityOut:
    """Transit-time distribution of the best (or k best) routes, seeded."""
    net = provider.network(req.scenario)
    _check_nodes(net, [("origin",), ("destination",)], [req.origin, req.destination])
    opts = _options(net, req.corridor, req.avoid_countries, req.modes)
    k = max(req.k, req.rank or 1)
    if req.objective == "pareto":
        ranked = sorted(
            pareto_routes(net, req.origin, req.destination, cargo=req.cargo, **opts),
            key=lambda r: r.time_h,
        )
    elif k == 1:
        ranked = [
            route(net, req.origin, req.destination, cargo=req.cargo, optimize=req.objective, **opts)
        ]
    else:
        ranked = list(
            k_routes(
                net,
                req.origin,
                req.destination,
                k=k,
                cargo=req.cargo,
                optimize=req.objective,
                **opts,
            )
        )
    if req.rank is not None:
        if req.rank > len(ranked):
            raise FieldError(
                ("body", "rank"),
                NoRouteError(f"there are only {len(ranked)} route(s), no route {req.rank}"),
            )
        found = [ranked[req.rank - 1]]
    else:
        found = ranked[: req.k]
    deadline_h = None if req.deadline_days is None else req.deadline_days * 24.0
    children = np.random.default_rng(req.seed).spawn(len(found))
    results = []
    for r, rng in zip(found, children, strict=True):
        samples = simulate_transit_h(route_components(net, r), req.draws, rng)
        s = summarize(samples, deadline_h=deadline_h)
        counts, edges = np.histogram(samples, bins=req.bins)
        results.append(
            RouteReliabilityOut(
                route=RouteOut.from_route(r, net),
                stats=TransitStatsOut.model_validate(s, from_attributes=True),
                histogram=HistogramOut(
                    edges_h=[float(e) for e in edges], counts=[int(c) for c in counts]
                ),
            )
        )
    return ReliabilityOut(seed=req.seed, confidence=0.95, results=results)
