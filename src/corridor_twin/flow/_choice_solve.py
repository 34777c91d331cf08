"""The capacity-constrained stochastic user equilibrium of a choice model.

The fixed point: route flows ``f = D * P(C(f, price))`` (path-size logit on the
generalized costs, see :mod:`corridor_twin.flow.choice`), with element
flows ``x = coef @ f``, BPR delays at every capacity element and, for hard
capacities, queue prices ``price_e >= 0`` with ``x_e <= cap_e`` and
``price_e * (cap_e - x_e) = 0`` (a full ferry or border rations its slots by
a queue whose cost every user pays; Bell 1995).

Algorithm. Inner loop at fixed prices: the method of successive averages
with the self-regulated step of Liu, He and He (2009): the step ``1 / beta``
where ``beta`` grows by ``eta = 1.5`` when the residual ``|y - f|`` rose and
by ``gamma = 0.05`` when it fell, so the step stays near 1 while the map is
contracting and shrinks fast when it oscillates. Outer loop: projected
dual ascent on the prices with per-element adaptive steps (grow x1.5 while
the sign of the violation holds, halve when it flips). The reported gap is
the share of demand that would still switch (``|y - f|_1 / D``) and, for the
deterministic limit, the Wardrop relative gap.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import minimize

from corridor_twin._typing import FloatArray
from corridor_twin.errors import OptionError
from corridor_twin.flow.equilibrium import Congestion

if TYPE_CHECKING:
    from corridor_twin.flow.choice import ChoiceModel

__all__ = ["ELEMENT_KINDS", "ChoiceSolution", "solve_choice"]

ELEMENT_KINDS = (
    "ferry",
    "sea",
    "service",
    "border",
    "rail_line",
    "road",
    "pipeline",
    "gauge_change",
    "transfer",
    "port",
    "node",
)
"""Kinds of capacity element, each with its own congestion parameters."""


@dataclass(frozen=True, eq=False)
class ChoiceSolution:
    """What :func:`solve_choice` found.

    ``status`` is ``optimal`` (converged), ``limit`` (iteration limit hit;
    the flows are the last iterate) or ``empty`` (no demand).
    """

    status: str
    message: str
    route_flow: FloatArray
    unmet: FloatArray
    route_cost_usd: FloatArray
    element_flow: FloatArray
    element_delay_h: FloatArray
    element_price_usd: FloatArray
    scale: float
    constants: Mapping[str, float]
    gap: float
    relative_gap: float
    max_utilisation: float
    iterations: int
    solve_s: float
    totals: dict[str, float] = field(default_factory=dict)


def _congestion_arrays(
    model: ChoiceModel, congestion: Congestion | Mapping[str, Congestion] | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    default = Congestion()
    if congestion is None or isinstance(congestion, Congestion):
        one = congestion or default
        per = [one] * len(model.element_kind)
    else:
        unknown = set(congestion) - {*model.element_kind, "default"}
        bad = unknown - set(ELEMENT_KINDS)
        if bad:
            raise OptionError(
                f"congestion: unknown element kind(s) {sorted(bad)}; "
                f"known: {', '.join(ELEMENT_KINDS)}"
            )
        fallback = congestion.get("default", default)
        per = [congestion.get(k, fallback) for k in model.element_kind]
    return (
        np.asarray([c.alpha for c in per], dtype=np.float64),
        np.asarray([c.beta for c in per], dtype=np.float64),
        np.asarray([c.reference_delay_h for c in per], dtype=np.float64),
    )


def solve_choice(
    model: ChoiceModel,
    *,
    scale: float = 5.0,
    constants: Mapping[str, float] | None = None,
    route_constants: FloatArray | None = None,
    path_size_weight: float = 1.0,
    unmet_factor: float = 10.0,
    congestion: Congestion | Mapping[str, Congestion] | None = None,
    hard_capacity: bool = True,
    tolerance: float = 1e-6,
    capacity_tolerance: float = 1e-4,
    max_iterations: int = 20_000,
) -> ChoiceSolution:
    """Solve the stochastic user equilibrium of a choice model.

    Parameters
    ----------
    model
        From :func:`~corridor_twin.flow.choice.build_choice`.
    scale
        Logit scale ``mu`` (dimensionless, relative to each segment's
        reference cost); ``math.inf`` gives the deterministic user equilibrium.
    constants
        Corridor constants (preset name -> fraction of the segment's reference
        cost added to every route of that corridor); missing corridors 0.
    path_size_weight
        Weight of ``ln PS`` in the utility (0: plain multinomial logit).
    unmet_factor
        Cost of the outside option "not shipped" as a multiple of the
        reference cost (``inf``: demand must be carried).
    congestion
        One :class:`~corridor_twin.flow.equilibrium.Congestion` for all
        elements or one per element kind (see
        :data:`~corridor_twin.flow.choice.ELEMENT_KINDS`; key ``default``
        for the rest).
    hard_capacity
        Whether elements may not carry more than capacity (queue prices); if
        False capacities only slow flows down (BPR).
    tolerance
        Stop when the switching share ``|y - f|_1 / D`` (or, at ``scale=inf``,
        the Wardrop relative gap) is below this.
    capacity_tolerance
        Largest over-capacity accepted, as a fraction of capacity.
    max_iterations
        Limit on inner iterations in all.

    Returns
    -------
    ChoiceSolution
    """
    t0 = time.perf_counter()
    if not (scale > 0):
        raise OptionError(f"scale must be > 0 (or inf), got {scale}")
    if not (tolerance > 0 and capacity_tolerance > 0):
        raise OptionError("tolerance and capacity_tolerance must be > 0")
    if not unmet_factor > 0:
        raise OptionError("unmet_factor must be > 0")
    if math.isinf(scale) and hard_capacity and np.isfinite(model.capacity).any():
        raise OptionError(
            "hard capacities need a finite logit scale (queue prices come from the logit's "
            "smooth dual); for the deterministic limit pass hard_capacity=False, or a large scale"
        )
    consts = dict(constants or {})
    unknown = set(consts) - set(model.corridors)
    if unknown:
        raise OptionError(
            f"constants for unknown corridor(s) {sorted(unknown)}; the model has "
            f"{', '.join(model.corridors)}"
        )
    seg = model.route_segment
    n_s = len(model.segments)
    ptr = model.seg_ptr
    has = ptr[1:] > ptr[:-1]
    starts = ptr[:-1][has]
    ref = model.reference_cost_usd
    ref_safe = np.where(np.isfinite(ref) & (ref > 0), ref, 1.0)
    base = model.base_cost_usd
    asc = np.asarray([consts.get(c, 0.0) for c in model.corridors], dtype=np.float64)
    per_route = asc[model.route_corridor] if model.n_routes else np.zeros(0)
    if route_constants is not None:
        rc = np.asarray(route_constants, dtype=np.float64)
        if rc.shape != (model.n_routes,) or not np.all(np.isfinite(rc)):
            raise OptionError("route_constants needs one finite number per route")
        per_route = per_route + rc
    fixed = base + per_route * ref_safe[seg] if model.n_routes else base
    lnps = path_size_weight * np.log(np.maximum(model.path_size, 1e-300))
    demand = model.demand
    total_demand = float(demand.sum())
    coef = model.coef
    coef_t = coef.T.tocsr()
    ind = coef.copy()
    ind.data = np.ones_like(ind.data)
    ind_t = ind.T.tocsr()
    cap = model.capacity
    alpha, beta, ref_delay = _congestion_arrays(model, congestion)
    vot = model.value_of_time
    mu_s = scale / ref_safe
    unmet_cost = unmet_factor * ref_safe
    deterministic = math.isinf(scale)
    empty_seg = ~has

    def costs(f: FloatArray, price: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        x = coef @ f
        rho = np.divide(x, cap, out=np.zeros_like(x), where=cap > 0)
        delay = ref_delay * alpha * np.power(rho, beta)
        c = fixed + vot * (ind_t @ delay) + coef_t @ price
        return np.asarray(c, dtype=np.float64), x, delay

    def choose(c: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Route flows and unmet flows for costs c (logit or all-or-nothing)."""
        if model.n_routes == 0:
            return np.zeros(0), demand.copy()
        if deterministic:
            best = np.full(n_s, np.inf)
            best[has] = np.minimum.reduceat(c, starts)
            best = np.minimum(best, np.where(math.isinf(unmet_factor), np.inf, unmet_cost))
            tie = c <= best[seg] * (1 + 1e-12) + 1e-12
            n_tie = np.zeros(n_s)
            n_tie[has] = np.add.reduceat(tie.astype(np.float64), starts)
            unmet_best = (unmet_cost <= best * (1 + 1e-12)) & np.isfinite(unmet_cost)
            unmet_best &= not math.isinf(unmet_factor)
            n_all = n_tie + unmet_best
            n_all = np.where(n_all > 0, n_all, 1.0)
            y = np.where(tie, demand[seg] / n_all[seg], 0.0)
            u = np.where(unmet_best | empty_seg, demand / n_all, 0.0)
            u = np.where(empty_seg, demand, u)
            return y, u
        v = -mu_s[seg] * c + lnps
        vmax = np.full(n_s, -np.inf)
        vmax[has] = np.maximum.reduceat(v, starts)
        vu = -mu_s * unmet_cost if not math.isinf(unmet_factor) else np.full(n_s, -np.inf)
        m = np.maximum(vmax, vu)
        m = np.where(np.isfinite(m), m, 0.0)
        ev = np.exp(v - m[seg])
        z = np.zeros(n_s)
        z[has] = np.add.reduceat(ev, starts)
        eu = np.exp(vu - m)
        zt = z + eu
        zt = np.where(zt > 0, zt, 1.0)
        y = demand[seg] * ev / zt[seg]
        u = np.where(empty_seg, demand, demand * eu / zt)
        return y, u

    stats = [0, 0]  # dual solves, dual evaluations
    price = np.zeros(len(cap))
    hard_idx = np.flatnonzero(hard_capacity & np.isfinite(cap) & (cap > 0))
    coef_h = coef[hard_idx].tocsr()
    coef_h_t = coef_h.T.tocsr()
    cap_h = cap[hard_idx]

    def priced(c0: FloatArray, lam0: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Logit flows for costs c0 with the queue prices that keep hard elements within
        capacity: the minimum over prices >= 0 of the convex dual
        ``sum_s d_s / mu_s * log(sum_r exp(-mu_s * (c0_r + coef_r . price)) + ...) + price . cap``,
        whose gradient is ``cap - x``. Variables ``z = price * cap`` so the gradient is the
        relative slack ``1 - x / cap``."""
        if not len(hard_idx) or deterministic:
            y, uu = choose(c0)
            return y, uu, np.zeros(len(cap))
        y0, u0 = choose(c0)
        if np.all(coef_h @ y0 <= cap_h * (1 + capacity_tolerance)) and not lam0.any():
            return y0, u0, np.zeros(len(cap))

        def fun(z: FloatArray) -> tuple[float, FloatArray]:
            lam = z / cap_h
            c = c0 + coef_h_t @ lam
            v = -mu_s[seg] * c + lnps
            vmax = np.full(n_s, -np.inf)
            vmax[has] = np.maximum.reduceat(v, starts)
            vu = -mu_s * unmet_cost
            mm = np.maximum(vmax, vu)
            mm = np.where(np.isfinite(mm), mm, 0.0)
            ev = np.exp(v - mm[seg])
            zs = np.zeros(n_s)
            zs[has] = np.add.reduceat(ev, starts)
            zt = zs + np.exp(vu - mm)
            lse = np.log(np.where(zt > 0, zt, 1.0)) + mm
            val = float(np.sum((demand / mu_s) * lse)) + float(lam @ cap_h)
            y = demand[seg] * ev / np.where(zt > 0, zt, 1.0)[seg]
            grad = 1.0 - (coef_h @ y) / cap_h
            return val, np.asarray(grad, dtype=np.float64)

        res = minimize(
            fun,
            lam0[hard_idx] * cap_h,
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, None)] * len(hard_idx),
            options={"maxiter": 2000, "gtol": capacity_tolerance * 0.1, "ftol": 1e-15},
        )
        stats[0] += 1
        stats[1] += int(res.nfev)
        lam = np.zeros(len(cap))
        lam[hard_idx] = np.maximum(res.x, 0.0) / cap_h
        y, uu = choose(c0 + coef_t @ lam)
        return y, uu, lam

    c, x, delay = costs(np.zeros(model.n_routes), price)
    f, u, price = priced(c, price)
    it = 0
    gap = math.inf
    rel_gap = math.inf
    beta_k = 1.0
    last_res = math.inf
    converged = False
    while it < max_iterations:
        it += 1
        c0, x, delay = costs(f, np.zeros(len(cap)))
        y, uy, price = priced(c0, price)
        c = c0 + coef_t @ price
        d = y - f
        res = float(np.abs(d).sum() + np.abs(uy - u).sum()) / max(total_demand, 1e-300)
        if deterministic:
            best = np.full(n_s, np.inf)
            if model.n_routes:
                best[has] = np.minimum.reduceat(c, starts)
            unmet_c = np.where(
                np.isfinite(unmet_cost) & (not math.isinf(unmet_factor)), unmet_cost, np.inf
            )
            best = np.minimum(best, unmet_c)
            fin = np.isfinite(unmet_c)
            tc = float(f @ c) + float(u[fin] @ unmet_c[fin])
            bc = float(np.where(np.isfinite(best), best, 0.0) @ demand)
            rel_gap = (tc - bc) / tc if tc > 0 else 0.0
            gap = rel_gap
        else:
            gap = res
        if gap <= tolerance:
            converged = True
            break
        beta_k += 1.5 if res >= last_res else 0.05
        last_res = res
        a = 1.0 / beta_k
        f = f + a * d
        u = u + a * (uy - u)
    c, x, delay = costs(f, price)
    util = np.divide(x, cap, out=np.zeros_like(x), where=cap > 0)
    max_util = float(util.max()) if len(util) else 0.0
    status = "optimal" if converged else "limit"
    if total_demand == 0:
        status = "empty"
    msg = (
        f"stochastic user equilibrium (scale {scale:g}): {it} iterations, "
        f"gap {gap:.1e}, largest utilisation {max_util:.3f}"
        if converged
        else f"limit: stopped after {it} iterations at gap {gap:.1e} (asked {tolerance:.0e}), "
        f"largest utilisation {max_util:.3f}; raise max_iterations"
    )
    return ChoiceSolution(
        status=status,
        message=msg,
        route_flow=f,
        unmet=u,
        route_cost_usd=c,
        element_flow=x,
        element_delay_h=delay,
        element_price_usd=price,
        scale=float(scale),
        constants=consts,
        gap=float(gap),
        relative_gap=float(rel_gap),
        max_utilisation=max_util,
        iterations=it,
        solve_s=time.perf_counter() - t0,
        totals={
            "demand": total_demand,
            "unmet": float(u.sum()),
            "price_solves": float(stats[0]),
            "price_evaluations": float(stats[1]),
        },
    )
