"""Routing benchmark: corridor-twin against scipy, igraph, rustworkx and networkx.

Builds synthetic road/rail-like networks (perturbed grids with missing edges
and a few fast trunk links) through the public model, compiles them, and
times, in the same run and on the same graph with the same weights:

* one-to-all shortest paths from a source,
* single origin-destination routes with the path,
* Yen's k = 5 shortest loopless paths,
* the bundled corridor: load + compile, and 1000 OD pairs (``route`` and ``skim``),
* peak memory of building and compiling each synthetic network (fresh process).

Every answer is cross-checked against the peers in the same run. Results are
printed as Markdown tables (ratio = fastest peer / ours, so > 1 means we are
faster) and written to ``benchmarks/results/routing-<date>.json``.

Run on demand, never as a timed unit test::

    python benchmarks/bench_routing.py                 # 10k and 100k nodes
    python benchmarks/bench_routing.py --quick         # 10k only, fewer repeats
    python benchmarks/bench_routing.py --sizes 10000 --repeat 7

Exit status: 0 when every correctness check passed (performance targets do
not change it), 1 otherwise. The network generator is in ``synthetic.py``,
timing, tables and checks in ``_harness.py``; see ``README.md`` here.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components, dijkstra

from _harness import (
    Checks,
    Measured,
    Row,
    close,
    edge_path_ok,
    finish,
    fmt_s,
    maxrss_mb,
    measure,
    node_path_length,
    print_table,
    rss_mb,
)
from corridor_twin.errors import CorridorError
from corridor_twin.network.compile import CompiledNetwork, compile_network
from corridor_twin.network.model import Network
from corridor_twin.routing import _kernels, edge_costs, k_routes, objective_weights, route, skim
from synthetic import network_rng, synthetic_network

NX_FULL_MAX_N = 20_000  # above this networkx runs on a subset (it is slow)
K = 5


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# Peers are imported in main(), so that the memory probe's process does not load them.
nx: Any = None
ig: Any = None
rx: Any = None


def _load_peers() -> list[str]:
    """Import the peer libraries; return the names of those missing."""
    global nx, ig, rx
    nx, ig, rx = _optional("networkx"), _optional("igraph"), _optional("rustworkx")
    return [m for m, mod in (("networkx", nx), ("igraph", ig), ("rustworkx", rx)) if not mod]


# -- peers -----------------------------------------------------------------------------
@dataclass
class Graphs:
    """The same compiled graph and weights in each library's form."""

    comp: CompiledNetwork
    w: np.ndarray
    csr: csr_array
    nx: Any = None
    ig: Any = None
    rx: Any = None


def build_peers(comp: CompiledNetwork, w: np.ndarray) -> tuple[Graphs, dict[str, float]]:
    """Convert the compiled CSR to every peer's graph (timed, for information)."""
    n = comp.n_vertices
    tails, heads = comp.tail.tolist(), comp.indices.tolist()
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    # int32 index arrays, so scipy does not convert them on every call
    csr = csr_array((w, comp.indices, comp.indptr.astype(np.int32)), shape=(n, n))
    times["scipy"] = time.perf_counter() - t0
    g = Graphs(comp, w, csr)
    if ig is not None:
        t0 = time.perf_counter()
        g.ig = ig.Graph(
            n=n,
            edges=list(zip(tails, heads, strict=True)),
            directed=True,
            edge_attrs={"weight": w.tolist()},
        )
        times["igraph"] = time.perf_counter() - t0
    if rx is not None:
        t0 = time.perf_counter()
        g.rx = rx.PyDiGraph()
        g.rx.add_nodes_from(range(n))
        g.rx.add_edges_from(list(zip(tails, heads, w.tolist(), strict=True)))
        times["rustworkx"] = time.perf_counter() - t0
    if nx is not None:
        t0 = time.perf_counter()
        g.nx = nx.DiGraph()
        g.nx.add_nodes_from(range(n))
        g.nx.add_weighted_edges_from(zip(tails, heads, w.tolist(), strict=True))
        times["networkx"] = time.perf_counter() - t0
    return g, times


def _scipy_path(csr: csr_array, s: int, t: int) -> tuple[float, list[int]]:
    dist, pred = dijkstra(csr, indices=s, return_predecessors=True)
    if not np.isfinite(dist[t]):
        return float("inf"), []
    path = [t]
    v = t
    while v != s:
        v = int(pred[v])
        path.append(v)
    return float(dist[t]), path[::-1]


# -- benchmark sections ----------------------------------------------------------------
@dataclass
class Settings:
    repeat: int
    budget_s: float
    n_sources: int
    n_pairs: int
    n_yen: int
    od_pairs_corridor: int


def one_to_all(g: Graphs, sources: list[int], st: Settings, checks: Checks) -> Row:
    c, w, big = g.comp, g.w, g.comp.n_vertices > NX_FULL_MAX_N
    timed = partial(measure, repeat=st.repeat, budget_s=st.budget_s)
    row = Row(
        "one-to-all (from 1 source)",
        timed(lambda s: _kernels.sssp(c.indptr, c.indices, w, s), sources),
        target=("ratio", 1.0),
        note="ours returns distances and predecessor edges",
    )
    row.peers["scipy"] = timed(lambda s: dijkstra(g.csr, indices=s), sources)
    row.peers["scipy+pred"] = timed(
        lambda s: dijkstra(g.csr, indices=s, return_predecessors=True), sources
    )
    if g.ig is not None:
        row.peers["igraph"] = timed(
            lambda s: g.ig.distances(source=s, weights="weight")[0], sources
        )
    if g.rx is not None:
        row.peers["rustworkx"] = timed(
            lambda s: rx.dijkstra_shortest_path_lengths(g.rx, s, float), sources
        )
    if g.nx is not None:
        sub = sources[:2] if big else sources
        row.peers["networkx"] = measure(
            lambda s: nx.single_source_dijkstra_path_length(g.nx, s, weight="weight"),
            sub,
            repeat=2 if big else st.repeat,
            budget_s=st.budget_s,
            total=len(sources),
        )

    ours = row.ours.outputs if row.ours else []
    ref = row.peers["scipy"].outputs
    checks.add(
        "one-to-all: ours == scipy (all sources)",
        all(close(d, r) for (d, _), r in zip(ours, ref, strict=True)),
    )
    dist, pred = ours[0]
    has = pred >= 0
    tree_ok = close(dist[c.tail[pred[has]]] + w[pred[has]], dist[has])
    checks.add("one-to-all: predecessor tree consistent", tree_ok)
    checks.add(
        "one-to-all: scipy+pred == scipy", close(row.peers["scipy+pred"].outputs[0][0], ref[0])
    )
    s0 = sources[0]
    for name, out in (("igraph", "igraph"), ("rustworkx", "rustworkx"), ("networkx", "networkx")):
        if out not in row.peers:
            continue
        got = row.peers[out].outputs[0]
        if name == "igraph":
            arr = np.asarray(got, dtype=float)
        else:
            arr = np.full(c.n_vertices, np.inf)
            arr[s0] = 0.0
            arr[list(got.keys())] = list(got.values())
        checks.add(f"one-to-all: {name} == scipy (source {s0})", close(arr, ref[0]))
    return row


def single_pair(g: Graphs, pairs: list[tuple[int, int]], st: Settings, checks: Checks) -> list[Row]:
    c, w, big = g.comp, g.w, g.comp.n_vertices > NX_FULL_MAX_N
    timed = partial(measure, repeat=st.repeat, budget_s=st.budget_s)
    node_pairs = [(c.node_ids[c.vertex_node[s]], c.node_ids[c.vertex_node[t]]) for s, t in pairs]

    def kernel(p: tuple[int, int]) -> tuple[float, np.ndarray]:
        return _kernels.bidirectional(
            c.indptr, c.indices, c.rev_indptr, c.rev_edges, c.tail, w, p[0], p[1]
        )

    ours_kernel = timed(kernel, pairs)
    ours_public = timed(
        lambda p: route(c, p[0], p[1], cargo="container", optimize="time"), node_pairs
    )
    peers: dict[str, Measured] = {
        "scipy+pred": timed(lambda p: _scipy_path(g.csr, p[0], p[1]), pairs)
    }
    if g.ig is not None:
        peers["igraph"] = timed(
            lambda p: g.ig.get_shortest_path(p[0], p[1], weights="weight", output="epath"), pairs
        )
    if g.rx is not None:
        peers["rustworkx"] = timed(
            lambda p: rx.dijkstra_shortest_paths(g.rx, p[0], target=p[1], weight_fn=float), pairs
        )
    if g.nx is not None:
        sub = pairs[:10] if big else pairs
        peers["networkx"] = measure(
            lambda p: nx.bidirectional_dijkstra(g.nx, p[0], p[1], weight="weight"),
            sub,
            repeat=2 if big else st.repeat,
            budget_s=st.budget_s,
            total=len(pairs),
        )
    length_only = Row(
        "single pair, length only (info)",
        ours_kernel,
        note="ours is the bidirectional kernel (it returns the path too)",
    )
    length_only.peers["scipy"] = timed(lambda p: dijkstra(g.csr, indices=p[0])[p[1]], pairs)
    if g.rx is not None:
        length_only.peers["rustworkx"] = timed(
            lambda p: rx.dijkstra_shortest_path_lengths(g.rx, p[0], float, goal=p[1]), pairs
        )

    ref = [d for d, _ in peers["scipy+pred"].outputs]
    kern = ours_kernel.outputs
    checks.add("single pair: kernel length == scipy", close([v for v, _ in kern], ref))
    checks.add(
        "single pair: kernel paths valid (chained, ends, sum == length)",
        all(edge_path_ok(c, w, p, s, t, v) for (v, p), (s, t) in zip(kern, pairs, strict=True)),
    )
    checks.add(
        "single pair: route() objective == scipy",
        close([r.objective_value for r in ours_public.outputs], ref),
    )
    checks.add(
        "single pair: route() edges == kernel path",
        all(
            np.array_equal(r.edges, p) for r, (_, p) in zip(ours_public.outputs, kern, strict=True)
        ),
    )
    checks.add(
        "single pair: scipy path length == scipy distance",
        close([node_path_length(c, w, p) for _, p in peers["scipy+pred"].outputs], ref),
    )
    if "igraph" in peers:
        checks.add(
            "single pair: igraph == scipy",
            close([w[e].sum() for e in peers["igraph"].outputs], ref),
        )
    if "rustworkx" in peers:
        got = [
            node_path_length(c, w, out[t])
            for out, (_, t) in zip(peers["rustworkx"].outputs, pairs, strict=True)
        ]
        checks.add("single pair: rustworkx == scipy", close(got, ref))
        lens = [
            out[t]
            for out, (_, t) in zip(length_only.peers["rustworkx"].outputs, pairs, strict=True)
        ]
        checks.add("single pair: rustworkx (length, goal) == scipy", close(lens, ref))
    if "networkx" in peers:
        got = [length for length, _ in peers["networkx"].outputs]
        checks.add("single pair: networkx == scipy", close(got, ref[: len(got)]))
    return [
        Row("single pair + path, kernel", ours_kernel, dict(peers), ("ratio", 2.0)),
        Row(
            "single pair + path, route()",
            ours_public,
            dict(peers),
            ("ratio", 2.0),
            note="public API end to end: node lookup, edge_costs, search, legs",
        ),
        length_only,
    ]


def yen(g: Graphs, pairs: list[tuple[int, int]], st: Settings, checks: Checks) -> list[Row]:
    c, w = g.comp, g.w
    timed = partial(measure, repeat=st.repeat, budget_s=st.budget_s)
    node_pairs = [(c.node_ids[c.vertex_node[s]], c.node_ids[c.vertex_node[t]]) for s, t in pairs]
    ours_kernel = timed(
        lambda p: _kernels.k_shortest(
            c.indptr, c.indices, c.rev_indptr, c.rev_edges, c.tail, w, p[0], p[1], K
        ),
        pairs,
    )
    ours_public = timed(lambda p: k_routes(c, p[0], p[1], k=K, distinct_links=False), node_pairs)
    peers: dict[str, Measured] = {}
    if g.ig is not None:
        peers["igraph"] = timed(
            lambda p: g.ig.get_k_shortest_paths(
                p[0], to=p[1], k=K, weights="weight", output="epath"
            ),
            pairs,
        )
    nx_note = ""
    if g.nx is not None and c.n_vertices <= NX_FULL_MAX_N:
        sub = pairs[:3]
        peers["networkx"] = measure(
            lambda p: [
                nx.path_weight(g.nx, q, "weight")
                for q in itertools.islice(
                    nx.shortest_simple_paths(g.nx, p[0], p[1], weight="weight"), K
                )
            ],
            sub,
            repeat=1,
            budget_s=st.budget_s,
            total=len(pairs),
        )
    elif g.nx is not None:
        nx_note = f"; networkx skipped above {NX_FULL_MAX_N} nodes (too slow)"

    ours_len = [[v for v, _ in out] for out in ours_kernel.outputs]
    checks.add(
        f"Yen k={K}: kernel paths valid and loopless",
        all(
            edge_path_ok(c, w, p, s, t, v) and len(set(c.tail[p].tolist()) - {t}) == len(p)
            for out, (s, t) in zip(ours_kernel.outputs, pairs, strict=True)
            for v, p in out
        ),
    )
    checks.add(
        f"Yen k={K}: k_routes() == kernel",
        all(
            close([r.objective_value for r in rs.routes], lens)
            for rs, lens in zip(ours_public.outputs, ours_len, strict=True)
        ),
    )
    if "igraph" in peers:
        ig_len = [[float(w[e].sum()) for e in out] for out in peers["igraph"].outputs]
        checks.add(
            f"Yen k={K}: kernel lengths == igraph",
            all(close(a, b) for a, b in zip(ours_len, ig_len, strict=True)),
        )
    if "networkx" in peers:
        checks.add(
            f"Yen k={K}: kernel lengths == networkx",
            all(close(a, b) for a, b in zip(ours_len, peers["networkx"].outputs, strict=False)),
        )
    note = "ratio against the fastest peer (igraph is the one the issue names)"
    return [
        Row(f"Yen k={K}, kernel", ours_kernel, dict(peers), ("ratio", 1.0), note + nx_note),
        Row(
            f"Yen k={K}, k_routes()",
            ours_public,
            dict(peers),
            ("ratio", 1.0),
            "public API, distinct_links=False",
        ),
    ]


def _largest_component(comp: CompiledNetwork, w: np.ndarray) -> np.ndarray:
    n = comp.n_vertices
    a = csr_array((w, comp.indices, comp.indptr), shape=(n, n))
    _, label = connected_components(a, directed=True, connection="strong")
    return np.flatnonzero(label == np.bincount(label).argmax())


def bench_size(n: int, args: argparse.Namespace, st: Settings, checks: Checks) -> dict[str, Any]:
    print(f"\n## Synthetic network, n = {n:,}")
    t0 = time.perf_counter()
    net = synthetic_network(n, network_rng(args.seed, n))
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    comp = compile_network(net, check=False)
    t_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    w = objective_weights(edge_costs(comp, "container"), "time")
    t_weights = time.perf_counter() - t0
    print(
        f"{len(net.nodes):,} nodes, {len(net.links):,} links -> {comp.n_vertices:,} vertices, "
        f"{comp.n_edges:,} edges; build {fmt_s(t_build)}, compile {fmt_s(t_compile)}, "
        f"weights (edge_costs + objective_weights) {fmt_s(t_weights)}"
    )
    checks.add(f"n={n}: weights finite and positive", bool(np.all(np.isfinite(w) & (w > 0))))
    n_parallel = comp.n_edges - len(
        np.unique(comp.tail.astype(np.int64) * comp.n_vertices + comp.indices)
    )
    checks.add(f"n={n}: no parallel edges (peers see the same simple graph)", n_parallel == 0)

    g, peer_build = build_peers(comp, w)
    print(
        "peer graph build from the CSR (untimed in the table): "
        + ", ".join(f"{k} {fmt_s(v)}" for k, v in peer_build.items())
    )
    rng = np.random.default_rng([args.seed, n, 1])
    core = _largest_component(comp, w)
    sources = [int(v) for v in rng.choice(core, st.n_sources, replace=False)]
    pairs = [
        (int(a), int(b)) for a, b in (rng.choice(core, 2, replace=False) for _ in range(st.n_pairs))
    ]
    print(
        f"largest strongly connected component: {len(core):,} vertices; "
        f"{len(sources)} sources, {len(pairs)} OD pairs, Yen on {min(st.n_yen, len(pairs))}"
    )

    size_checks = Checks()
    rows = [one_to_all(g, sources, st, size_checks)]
    rows += single_pair(g, pairs, st, size_checks)
    rows += yen(g, pairs[: st.n_yen], st, size_checks)
    for r in size_checks.results:
        checks.add(f"n={n}: {r['check']}", r["ok"], r["detail"])
    print_table(f"n = {n:,} ({comp.n_vertices:,} vertices, {comp.n_edges:,} edges)", rows)
    mem = memory_in_subprocess(n, args.seed) if not args.no_memory else None
    if mem:
        print(
            f"  - peak memory, build + compile in a fresh process: RSS +{mem['delta_mb']:.0f} MB"
            f" (peak {mem['peak_mb']:.0f} MB, after imports {mem['baseline_mb']:.0f} MB); "
            f"compiled arrays {mem['compiled_mb']:.1f} MB"
        )
    size_checks.print()
    del g
    return {
        "n": n,
        "nodes": len(net.nodes),
        "links": len(net.links),
        "vertices": comp.n_vertices,
        "edges": comp.n_edges,
        "build_s": t_build,
        "compile_s": t_compile,
        "weights_s": t_weights,
        "peer_build_s": peer_build,
        "core_vertices": len(core),
        "rows": [r.to_json() for r in rows],
        "memory": mem,
        "checks": size_checks.results,
    }


# -- bundled corridor --------------------------------------------------------------------
def bench_corridor(args: argparse.Namespace, st: Settings, checks: Checks) -> dict[str, Any]:
    from corridor_twin.io.yaml_io import loads_network

    print("\n## Bundled corridor")
    try:
        if args.corridor:
            label = args.corridor
            text = Path(label).read_text(encoding="utf-8")
        else:
            from corridor_twin.data import CORRIDOR_FILE, corridor_text

            label, text = f"bundled {CORRIDOR_FILE}", corridor_text()
        net = loads_network(text, path=label)
        comp = compile_network(net)
        if "container" not in comp.commodity_ids:
            raise CorridorError("the corridor has no 'container' commodity")
    except Exception as exc:  # a broken or missing data file must not stop the run
        reason = f"{type(exc).__name__}: {exc}"
        print(f"skipped: {reason}")
        return {"skipped": reason}

    def load(_: object) -> Network:
        return loads_network(text, path=label)

    timed = partial(measure, repeat=st.repeat, budget_s=st.budget_s)
    m_load = timed(load, [None])
    m_compile = timed(lambda _: compile_network(net), [None])
    m_both = timed(lambda _: compile_network(load(None)), [None])
    rng = np.random.default_rng([args.seed, 2])
    ids = [nd.id for nd in net.nodes]
    od = [tuple(rng.choice(len(ids), 2, replace=False)) for _ in range(st.od_pairs_corridor)]
    od_ids = [(ids[a], ids[b]) for a, b in od]

    def all_routes(_: object) -> tuple[list[float], Counter[str]]:
        values, errors = [], Counter[str]()
        for o, d in od_ids:
            try:
                values.append(route(comp, o, d, cargo="container", optimize="time").objective_value)
            except CorridorError as exc:
                values.append(float("inf"))
                errors[type(exc).__name__] += 1
        return values, errors

    m_route = timed(all_routes, [None])
    values, errors = m_route.outputs[0]
    open_ids = {nd.id for nd in net.nodes if nd.status == "open"}
    closed_end = sum(
        1
        for (o, d), v in zip(od_ids, values, strict=True)
        if not np.isfinite(v) and not {o, d} <= open_ids
    )
    skim_note = ""
    try:
        m_skim = timed(lambda _: skim(comp, ids, ids, cargo="container"), [None])
    except Exception as exc:
        skim_note = (
            f"skim() over all nodes failed ({type(exc).__name__}: {exc}); "
            "timed over open nodes only"
        )
        checks.add("corridor: skim() accepts every node id", False, skim_note)
        ids_open = [i for i in ids if i in open_ids]
        m_skim = timed(lambda _: skim(comp, ids_open, ids_open, cargo="container"), [None])
    sk = m_skim.outputs[0]
    pos = {x: i for i, x in enumerate(sk.origins)}
    sk_vals = np.array(
        [sk.objective_value[pos[o], pos[d]] if o in pos and d in pos else np.inf for o, d in od_ids]
    )
    rv = np.asarray(values)
    # skim ignores restrictions that name OD countries, so it can only be shorter
    checks.add(
        "corridor: skim <= route for every pair", bool(np.all(sk_vals <= rv * (1 + 1e-9) + 1e-9))
    )
    same = int(np.sum(np.isclose(sk_vals, rv, rtol=1e-9) | (np.isinf(sk_vals) & np.isinf(rv))))
    n_nr = sum(errors.values())
    rows = [
        Row("load (read + parse YAML)", m_load),
        Row("compile (validate + compile)", m_compile),
        Row("load + compile", m_both, target=("max_s", 0.5), note="a fresh parse each repeat"),
        Row(
            f"{len(od)} OD pairs via route() (total)",
            m_route,
            target=("max_s", 1.0),
            note=f"errors: {dict(errors) or 'none'}; {closed_end} of them have a closed or "
            "planned end node, the rest no path for containers",
        ),
        Row(
            f"{len(od)} OD pairs via skim() (one batch)",
            m_skim,
            target=("max_s", 1.0),
            note=(skim_note + "; " if skim_note else "")
            + f"{sk.objective_value.shape[0]}x{sk.objective_value.shape[1]} matrix; "
            f"equals route() on {same}/{len(od)} pairs",
        ),
    ]
    print(
        f"{label}: {len(net.nodes)} nodes, {len(net.links)} links -> {comp.n_vertices} "
        f"vertices, {comp.n_edges} edges; {len(open_ids)} open nodes; "
        f"{n_nr} of {len(od)} random pairs have no route"
    )
    print_table("bundled corridor", rows)
    return {
        "file": label,
        "nodes": len(net.nodes),
        "links": len(net.links),
        "vertices": comp.n_vertices,
        "edges": comp.n_edges,
        "no_route": dict(errors),
        "no_route_closed_end": closed_end,
        "skim_equals_route": same,
        "rows": [r.to_json() for r in rows],
    }


# -- memory ----------------------------------------------------------------------------
def memory_probe(n: int, seed: int) -> dict[str, float]:
    """Peak RSS of building and compiling the synthetic network (run in a fresh process).

    The baseline is the resident size after imports; the peak is the
    process's maximum resident size once the network is compiled.
    """
    gc.collect()
    base = rss_mb()
    comp = compile_network(synthetic_network(n, network_rng(seed, n)), check=False)
    peak = maxrss_mb()
    arrays = [
        comp.indptr,
        comp.indices,
        comp.tail,
        comp.rev_indptr,
        comp.rev_edges,
        comp.vertex_node,
        comp.vertex_kind,
        comp.vertex_class,
        comp.edge_commodity_mask,
        *(a for _, a in comp.edge.items()),
    ]
    return {
        "baseline_mb": base,
        "peak_mb": peak,
        "delta_mb": peak - base,
        "compiled_mb": sum(a.nbytes for a in arrays) / 2**20,
    }


def memory_in_subprocess(n: int, seed: int) -> dict[str, float] | None:
    cmd = [sys.executable, __file__, "--memory-probe", str(n), "--seed", str(seed)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(f"  - memory probe failed: {out.stderr.strip().splitlines()[-1:]}")
        return None
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# -- entry point -----------------------------------------------------------------------
def _environment() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {
        m: getattr(sys.modules.get(m), "__version__", None)
        for m in ("numpy", "scipy", "networkx", "igraph", "rustworkx")
    }
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        **versions,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", help="node counts (default 10000 100000)")
    p.add_argument("--repeat", type=int, help="timed repeats per measurement (default 5)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 10k only, 3 repeats, fewer sources and pairs",
    )
    p.add_argument("--seed", type=int, default=20241125)
    p.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds one measurement may spend on repeats (default 20)",
    )
    p.add_argument("--corridor", help="network file instead of the bundled corridor")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory probe")
    p.add_argument("--out", type=Path, help="JSON result file (default benchmarks/results/)")
    p.add_argument("--memory-probe", type=int, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_probe:
        print(json.dumps(memory_probe(args.memory_probe, args.seed)))
        return 0
    sizes = args.sizes or ([10_000] if args.quick else [10_000, 100_000])
    st = Settings(
        repeat=args.repeat or (3 if args.quick else 5),
        budget_s=args.budget,
        n_sources=3 if args.quick else 5,
        n_pairs=20 if args.quick else 50,
        n_yen=3 if args.quick else 10,
        od_pairs_corridor=1000,
    )
    missing = _load_peers()
    env = _environment()
    print("# corridor-twin routing benchmark")
    print(", ".join(f"{k} {v}" for k, v in env.items()))
    if missing:
        print(f"missing peers (install the 'bench' group): {', '.join(missing)}")
    print(
        f"repeats {st.repeat} (median, after one warm-up call), budget {st.budget_s:g} s "
        "per measurement; times are per call; ratio = fastest peer / ours"
    )
    checks = Checks()
    t0 = time.perf_counter()
    results = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "environment": env,
        "settings": vars(st),
        "seed": args.seed,
        "sizes": [bench_size(n, args, st, checks) for n in sizes],
    }
    results["corridor"] = bench_corridor(args, st, checks)
    results["checks"] = checks.results
    results["wall_s"] = time.perf_counter() - t0
    return finish(results, checks, "routing", args.out)


if __name__ == "__main__":
    sys.exit(main())
