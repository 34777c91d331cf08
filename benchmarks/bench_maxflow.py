"""Max-flow benchmark: corridor-twin against igraph, scipy and networkx.

Builds the synthetic road/rail-like networks of ``synthetic.py`` (10k and
100k nodes), gives every link an integer capacity (1-100 per year, both
directions) and 5 % of the nodes a throughput capacity (20-200), then asks
for the maximum flow, the flow on every edge and a minimum cut from the
westmost column of nodes to the eastmost one (node sets joined by a
super-source and a super-sink), in the same run and on the same graph:

* ours: ``max_flow()`` end to end (build the problem with node splitting,
  solve, cancel flow cycles, name the cut), and the raw kernel
  (``_flow_kernels.push_relabel`` + ``cancel_cycles``) on the augmented graph;
* igraph ``Graph.maxflow`` (flows, cut and partition in one call);
* scipy ``maximum_flow`` with ``dinic`` and ``edmonds_karp``, plus the cut
  (a BFS on the residual graph);
* networkx ``preflow_push`` plus the cut from its residual network (10k only).

Every peer gets the augmented graph of our flow problem (node gates
included), converted outside the timed region. Values are cross-checked, and
our flows checked against capacities and conservation; the cut's capacity
must equal the value. Peak memory of each solver is measured in a fresh
process. Run on demand, never as a unit test::

    python benchmarks/bench_maxflow.py               # 10k and 100k nodes
    python benchmarks/bench_maxflow.py --quick       # 10k only
    python benchmarks/bench_maxflow.py --sizes 10000 --repeat 5

Exit status: 0 when every correctness check passed (performance targets do
not change it), 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import importlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from _harness import (
    Checks,
    Measured,
    Row,
    finish,
    fmt_s,
    maxrss_mb,
    measure,
    print_table,
    rss_mb,
)
from corridor_twin.flow import FlowProblem, flow_problem, max_flow
from corridor_twin.flow import _flow_kernels as kernels
from corridor_twin.network.compile import compile_network
from corridor_twin.network.model import Network
from synthetic import network_rng, synthetic_network

PEERS = ("igraph", "scipy dinic", "scipy edmonds_karp", "networkx")
NX_MAX_N = 20_000  # networkx runs only up to this size (about 30-40 s at 100k)
EK_BUDGET_S = 60.0  # skip Edmonds-Karp at a size where the smaller one predicts more


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def capacitated(n: int, seed: int) -> tuple[Network, list[str], list[str]]:
    """The synthetic network with capacities, and the west / east node sets."""
    net = synthetic_network(n, network_rng(seed, n))
    rng = np.random.default_rng([seed, n, 7])
    link_cap = rng.integers(1, 101, len(net.links)).astype(float)
    node_cap = np.where(
        rng.random(len(net.nodes)) < 0.05,
        rng.integers(20, 201, len(net.nodes)).astype(float),
        np.nan,
    )
    links = tuple(
        dataclasses.replace(lk, capacity_t_per_year=float(c))
        for lk, c in zip(net.links, link_cap, strict=True)
    )
    nodes = tuple(
        nd if np.isnan(c) else dataclasses.replace(nd, capacity_t_per_year=float(c))
        for nd, c in zip(net.nodes, node_cap, strict=True)
    )
    cols = max(1, round(n**0.5))
    col = np.arange(n) % cols
    west = [nodes[i].id for i in np.flatnonzero(col == 0)]
    east = [nodes[i].id for i in np.flatnonzero(col == cols - 1)]
    return net.replace(links=links, nodes=nodes), west, east


def finite_caps(p: FlowProblem) -> tuple[np.ndarray, float]:
    """Integer-valued capacities with 'unlimited' as a number above any finite cut."""
    fin = np.isfinite(p.capacity)
    big = float(p.capacity[fin].sum()) + 1.0
    return np.where(fin, p.capacity, big), big


# -- peers -------------------------------------------------------------------------------
def scipy_solver(p: FlowProblem, method: str) -> Callable[[Any], tuple[float, np.ndarray]]:
    cap, _ = finite_caps(p)
    n = p.n_vertices
    a = csr_array((cap.astype(np.int32), (p.tails, p.heads)), shape=(n, n))
    a.sum_duplicates()

    def run(_: Any) -> tuple[float, np.ndarray]:
        r = maximum_flow(a, p.s, p.t, method=method)
        residual = (a - r.flow).tocsr()  # reverse arcs: -flow gives +residual below
        residual.data = np.where(residual.data > 0, 1, 0)
        residual.eliminate_zeros()
        side = breadth_first_order(residual, p.s, directed=True, return_predecessors=False)
        return float(r.flow_value), np.asarray(side)

    return run


def igraph_solver(ig: ModuleType, p: FlowProblem) -> Callable[[Any], tuple[float, Any]]:
    cap, _ = finite_caps(p)
    g = ig.Graph(n=p.n_vertices, edges=np.column_stack([p.tails, p.heads]).tolist(), directed=True)
    caps = cap.tolist()

    def run(_: Any) -> tuple[float, Any]:
        f = g.maxflow(p.s, p.t, caps)
        return float(f.value), (f.flow, f.cut, f.partition)

    return run


def networkx_solver(nx: ModuleType, p: FlowProblem) -> Callable[[Any], tuple[float, set[int]]]:
    cap, _ = finite_caps(p)
    g = nx.DiGraph()
    g.add_nodes_from(range(p.n_vertices))
    for u, v, c in zip(p.tails.tolist(), p.heads.tolist(), cap.tolist(), strict=True):
        if g.has_edge(u, v):
            g.edges[u, v]["capacity"] += c
        else:
            g.add_edge(u, v, capacity=c)
    preflow_push = nx.algorithms.flow.preflow_push

    def run(_: Any) -> tuple[float, set[int]]:
        r = preflow_push(g, p.s, p.t)
        res_g = nx.DiGraph((u, v) for u, v, d in r.edges(data=True) if d["flow"] < d["capacity"])
        res_g.add_node(p.s)
        side = set(nx.descendants(res_g, p.s)) | {p.s}
        return float(r.graph["flow_value"]), side

    return run


def kernel_solver(p: FlowProblem) -> Callable[[Any], tuple[float, np.ndarray, np.ndarray]]:
    cap, big = finite_caps(p)
    tol = big * 1e-13

    def run(_: Any) -> tuple[float, np.ndarray, np.ndarray]:
        value, flow, side = kernels.push_relabel(p.n_vertices, p.tails, p.heads, cap, p.s, p.t, tol)
        return value, kernels.cancel_cycles(p.n_vertices, p.tails, p.heads, flow, tol), side

    return run


# -- one size ----------------------------------------------------------------------------
def bench_size(
    n: int,
    args: argparse.Namespace,
    checks: Checks,
    mods: dict[str, ModuleType | None],
    ek_s: list[float],
) -> dict[str, Any]:
    print(f"\n## Synthetic network, n = {n:,}")
    t0 = time.perf_counter()
    net, west, east = capacitated(n, args.seed)
    comp = compile_network(net, check=False)
    t_build = time.perf_counter() - t0
    p = flow_problem(comp, west, east)
    print(
        f"{len(net.nodes):,} nodes, {len(net.links):,} links -> {comp.n_vertices:,} vertices, "
        f"{comp.n_edges:,} edges (build + compile {fmt_s(t_build)}); flow problem "
        f"{p.n_vertices:,} vertices, {p.n_edges:,} edges; {len(west)} sources, "
        f"{len(east)} sinks"
    )
    timed = partial(measure, repeat=args.repeat, budget_s=args.budget)
    api = timed(lambda _: max_flow(comp, west, east), [None])
    kern = timed(kernel_solver(p), [None])
    rows = [
        Row(
            "max_flow() end to end: flows + named cut",
            api,
            target=("ratio", 1.0),
            note="build with node gates + solve + cancel cycles + name the cut",
        ),
        Row("kernel: push-relabel + cancel cycles + cut side", kern, target=("ratio", 1.0)),
    ]
    peer_out: dict[str, Measured] = {}
    if mods["igraph"] is not None:
        peer_out["igraph"] = timed(igraph_solver(mods["igraph"], p), [None])
    peer_out["scipy dinic"] = timed(scipy_solver(p, "dinic"), [None])
    predicted = ek_s[0] * (n / ek_s[1]) ** 2 if ek_s else 0.0
    if predicted <= EK_BUDGET_S:
        peer_out["scipy edmonds_karp"] = measure(
            scipy_solver(p, "edmonds_karp"), [None], repeat=1, budget_s=args.budget
        )
        ek_s[:] = [peer_out["scipy edmonds_karp"].per_call_s, n]
    else:
        print(
            f"  - scipy edmonds_karp skipped: about {predicted:.0f} s predicted from the "
            "smaller size"
        )
    if mods["networkx"] is not None and n <= NX_MAX_N:
        peer_out["networkx"] = measure(
            networkx_solver(mods["networkx"], p), [None], repeat=1, budget_s=args.budget
        )
    for r in rows:
        r.peers = dict(peer_out)

    res = api.outputs[0]
    value = res.value
    checks.add(
        f"n={n}: kernel value == max_flow() value",
        np.isclose(kern.outputs[0][0], value, rtol=1e-12),
    )
    for name, m in peer_out.items():
        checks.add(
            f"n={n}: {name} value == ours",
            np.isclose(m.outputs[0][0], value, rtol=1e-12),
            f"{m.outputs[0][0]:.6g} vs {value:.6g}",
        )
    f = res.augmented_flow
    tol = 1e-9 * value
    bal = np.bincount(p.heads, f, p.n_vertices) - np.bincount(p.tails, f, p.n_vertices)
    inner = np.ones(p.n_vertices, dtype=bool)
    inner[[p.s, p.t]] = False
    checks.add(f"n={n}: 0 <= flow <= capacity", bool(np.all((f >= -tol) & (f <= p.capacity + tol))))
    checks.add(f"n={n}: conservation at every inner vertex", bool(np.abs(bal[inner]).max() <= tol))
    checks.add(
        f"n={n}: cut capacity == value",
        np.isclose(sum(c.capacity for c in res.cut), value, rtol=1e-12),
    )
    print(
        f"max flow {value:,.0f}; min cut of {len(res.cut)} elements "
        f"({', '.join(sorted({c.kind for c in res.cut}))})"
    )
    print_table(f"n = {n:,} ({p.n_vertices:,} vertices, {p.n_edges:,} edges)", rows, PEERS)
    mem = {} if args.no_memory else memory(n, args.seed, mods)
    if mem:
        print(
            "  - peak memory of one solve (fresh process, RSS above the loaded inputs): "
            + ", ".join(f"{k} +{v:.1f} MB" for k, v in mem.items())
        )
    return {
        "n": n,
        "vertices": p.n_vertices,
        "edges": p.n_edges,
        "value": value,
        "cut": [dataclasses.asdict(c) for c in res.cut][:20],
        "rows": [r.to_json() for r in rows],
        "memory_mb": mem,
    }


# -- memory ------------------------------------------------------------------------------
def memory_probe(n: int, seed: int, solver: str) -> dict[str, float]:
    """Peak RSS of one solve, above the resident size once the inputs are built."""
    net, west, east = capacitated(n, seed)
    comp = compile_network(net, check=False)
    p = flow_problem(comp, west, east)
    run: Callable[[Any], Any]
    if solver == "ours: max_flow()":

        def run(_: Any) -> Any:
            return max_flow(comp, west, east)
    elif solver == "ours: kernel":
        run = kernel_solver(p)
    elif solver == "igraph":
        run = igraph_solver(importlib.import_module("igraph"), p)
    else:
        run = scipy_solver(p, "dinic")
    gc.collect()
    with contextlib.suppress(OSError):  # reset the peak: building the inputs does not count
        Path("/proc/self/clear_refs").write_text("5")
    base = rss_mb()
    run(None)
    return {"delta_mb": maxrss_mb() - base}


def memory(n: int, seed: int, mods: dict[str, ModuleType | None]) -> dict[str, float]:
    out: dict[str, float] = {}
    solvers = ["ours: max_flow()", "ours: kernel", "scipy dinic"]
    solvers += ["igraph"] if mods["igraph"] is not None else []
    for solver in solvers:
        cmd = [
            sys.executable,
            __file__,
            "--memory-probe",
            str(n),
            "--seed",
            str(seed),
            "--solver",
            solver,
        ]
        # A fixed mmap threshold and eager trimming, so freed memory of the set-up is
        # returned to the system and the solve's own allocations show in the RSS.
        env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0"}
        r = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
        if r.returncode == 0:
            out[solver] = json.loads(r.stdout.strip().splitlines()[-1])["delta_mb"]
        else:
            print(f"  - memory probe {solver} failed: {r.stderr.strip().splitlines()[-1:]}")
    return out


# -- entry point -------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", help="node counts (default 10000 100000)")
    p.add_argument("--repeat", type=int, default=5, help="timed repeats (default 5)")
    p.add_argument("--quick", action="store_true", help="10k only, 3 repeats")
    p.add_argument("--seed", type=int, default=20241125)
    p.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds one measurement may spend on repeats (default 20)",
    )
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory probes")
    p.add_argument("--out", type=Path, help="JSON result file (default benchmarks/results/)")
    p.add_argument("--memory-probe", type=int, help=argparse.SUPPRESS)
    p.add_argument("--solver", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_probe:
        print(json.dumps(memory_probe(args.memory_probe, args.seed, args.solver)))
        return 0
    if args.quick:
        args.repeat = 3
    sizes = args.sizes or ([10_000] if args.quick else [10_000, 100_000])
    mods = {m: _optional(m) for m in ("igraph", "networkx")}
    versions = {m: getattr(mod, "__version__", None) for m, mod in mods.items()}
    versions["scipy"] = importlib.import_module("scipy").__version__
    print("# corridor-twin max-flow benchmark")
    print(", ".join(f"{k} {v}" for k, v in versions.items()) + f"; python {sys.version.split()[0]}")
    missing = [m for m, mod in mods.items() if mod is None]
    if missing:
        print(f"missing peers (install the 'bench' group): {', '.join(missing)}")
    print(
        f"repeats {args.repeat} (median, after one warm-up call; single runs for Edmonds-Karp "
        "and networkx); ratio = fastest peer / ours"
    )
    checks = Checks()
    t0 = time.perf_counter()
    ek_s: list[float] = []
    results = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "versions": versions,
        "seed": args.seed,
        "sizes": [bench_size(n, args, checks, mods, ek_s) for n in sizes],
    }
    results["checks"] = checks.results
    results["wall_s"] = time.perf_counter() - t0
    return finish(results, checks, "maxflow", args.out, list_checks=True)


if __name__ == "__main__":
    sys.exit(main())
