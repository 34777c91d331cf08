"""Assignment benchmark: our column generation vs the plain arc-based HiGHS LP.

Both solve the same LP (`build_assignment` of the same network and demand);
the peer is the whole arc-based LP handed to HiGHS at once (`method="full_lp"`),
ours is column generation with our shortest-path kernels for pricing, with a
master of path columns (`method="paths"`) or of the paths' arcs
(`method="restricted_arcs"`); the faster of the two counts. Commodities are
origin-destination pairs with distinct random origins, so aggregating by origin gives
no advantage here.
Build and solve are timed separately; memory peaks are reported.

Run: ``python benchmarks/bench_assign.py [--nodes 10000] [--commodities 10 30 60 100]
[--arc-time-limit 3600] [--methods restricted_arcs paths] [--no-arc] [--no-memory]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corridor_twin.flow.assign import Demand, build_assignment, solve_assignment
from corridor_twin.network.compile import compile_network
from synthetic import synthetic_network


def _network(n: int, seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    net = synthetic_network(n, rng)
    caps = rng.uniform(2_000, 20_000, len(net.links))
    links = tuple(
        dataclasses.replace(lk, capacity_teu_per_year=float(c))
        for lk, c in zip(net.links, caps, strict=True)
    )
    return net.replace(links=links)


def _demand(net, k: int, seed: int) -> list[Demand]:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    ids = [x.id for x in net.nodes]
    origins = rng.choice(len(ids), size=k, replace=False)
    out = []
    for o in origins:
        d = int(rng.integers(len(ids)))
        while d == o:
            d = int(rng.integers(len(ids)))
        out.append(Demand(ids[o], ids[d], "container", float(rng.uniform(5_000, 30_000))))
    return out


def _hwm_mb() -> float:
    """Peak resident memory of this process so far (VmHWM), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


_CPU: dict[int, float] = {}  # id(result) -> process CPU seconds of the call that made it


def _timed(fn, *, trace: bool = True):  # type: ignore[no-untyped-def]
    """Time ``fn`` untraced (wall clock; its process CPU time goes to ``_CPU``); then, if
    ``trace``, run it again under tracemalloc for its Python-level memory peak
    (tracemalloc slows Python code, so it never times)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    dt = time.perf_counter() - t0
    _CPU[id(out)] = time.process_time() - c0
    peak = float("nan")
    if trace:
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out, dt, peak


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--commodities", type=int, nargs="+", default=[10, 30, 60, 100])
    ap.add_argument(
        "--arc-time-limit",
        type=float,
        default=3600.0,
        help="seconds the plain arc LP may take before it is stopped",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--methods",
        nargs="+",
        default=["restricted_arcs"],
        choices=["paths", "restricted_arcs"],
        help="our column-generation variants to time (restricted_arcs: the default method)",
    )
    ap.add_argument(
        "--no-arc",
        action="store_true",
        help="do not run the plain arc LP peer (e.g. when it runs in another "
        "process; no ratio then)",
    )
    ap.add_argument(
        "--no-memory",
        action="store_true",
        help="skip the second, tracemalloc-traced run of ours and of the build",
    )
    args = ap.parse_args(argv)
    net = _network(args.nodes, args.seed)
    comp = compile_network(net, check=False)
    print(
        f"## Assignment, {args.nodes:,} nodes -> {comp.n_vertices:,} vertices, "
        f"{comp.n_edges:,} edges (every link capacitated)"
    )
    print(
        "| commodities | variables | build | ours: best column generation, wall (CPU) |"
        " peer: arc LP solve (HiGHS), wall (CPU) | ratio (arc / ours), wall (CPU) |"
        " same optimum | target | result |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    ok = True
    for k in args.commodities:
        demand = _demand(net, k, args.seed + k)
        trace = not args.no_memory
        model, t_build, m_build = _timed(lambda d=demand: build_assignment(comp, d), trace=trace)
        best = None
        for meth in args.methods:
            res_m, t_m, m_m = _timed(
                lambda m=model, meth=meth: solve_assignment(m, method=meth), trace=trace
            )
            print(
                f"  - {meth}: {t_m:.2f} s, {_CPU[id(res_m)]:.2f} s CPU ({m_m:.0f} MB); "
                f"{res_m.status}; {res_m.message}"
            )
            if res_m.status == "optimal" and (best is None or t_m < best[1]):
                best = (res_m, t_m, m_m, meth)
        if best is None:
            print(
                f"| {k} | {model.n_variables:,} | {t_build:.2f} s | no method solved | | | | "
                ">= 5x | FAIL |"
            )
            ok = False
            continue
        ours, t_paths, m_paths, meth = best
        if args.no_arc:
            print(
                f"| {k} | {model.n_variables:,} | {t_build:.2f} s ({m_build:.0f} MB) | "
                f"{t_paths:.2f} s ({_CPU[id(ours)]:.1f} s), {meth} ({m_paths:.0f} MB) | "
                "not run | | | >= 5x | |"
            )
            print(f"  - {meth}: objective {ours.objective_value:,.2f}")
            continue
        hwm0 = _hwm_mb()
        arc, t_arc, _ = _timed(
            lambda m=model: solve_assignment(m, method="full_lp", time_limit_s=args.arc_time_limit),
            trace=False,
        )
        m_arc = _hwm_mb() - hwm0  # HiGHS allocates in C: process peak growth
        if arc.status == "optimal":
            same = abs(ours.objective_value - arc.objective_value) <= 1e-6 * max(
                1.0, abs(arc.objective_value)
            )
            arc_cell = f"{t_arc:.2f} s"
        else:
            same = None
            arc_cell = f">= {t_arc:.0f} s ({arc.status})"
        c_arc, c_ours = _CPU[id(arc)], _CPU[id(ours)]
        print(f"  - arc LP: {t_arc:.2f} s, {c_arc:.2f} s CPU; {arc.status}; {arc.message}")
        ratio = t_arc / t_paths
        passed = ratio >= 5 and same is not False
        ok &= passed
        ge = ">= " if same is None else ""
        print(
            f"| {k} | {model.n_variables:,} | {t_build:.2f} s ({m_build:.0f} MB) | "
            f"{t_paths:.2f} s ({c_ours:.1f} s), {meth} ({m_paths:.0f} MB) | "
            f"{arc_cell} ({ge}{c_arc:.1f} s; {m_arc:.0f} MB) | "
            f"{ge}{ratio:.1f}x ({ge}{c_arc / max(c_ours, 1e-9):.1f}x) | "
            f"{'n/a' if same is None else 'yes' if same else 'NO'} | >= 5x | "
            f"{'PASS' if passed else 'FAIL'} |"
        )
        print(
            f"  - {meth}: objective {ours.objective_value:,.2f}"
            + (f"; arc objective {arc.objective_value:,.2f}" if same is not None else "")
        )
    print(
        "memory in parentheses: build and paths: Python-level peak (tracemalloc, separate "
        "run); arc LP: growth of the process's peak RSS during the HiGHS solve"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
