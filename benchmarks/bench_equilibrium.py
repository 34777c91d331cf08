"""Benchmark: deterministic user equilibrium, ours vs AequilibraE's bi-conjugate Frank-Wolfe.

Instances: Anaheim and Chicago Sketch (TNTP, with the published best-known
flows), the synthetic 10k-node network (``synthetic.py``) with 1,000 OD pairs,
and a congested 100 x 100 grid with 200 zones and 1,000 OD pairs. Both solvers
get the same links, demand, BPR parameters and generalized-cost weights.

For each instance AequilibraE's ``bfw`` runs first to the target relative gap
(same definition as ours: (sum v c - sum d SP) / sum v c); when it stops short,
the common gap is the best gap it reached and its time the time it first got
there (its convergence report). Ours (``gradient_projection``) then runs to
that common gap, and again to a tight gap to show how far below it goes.
Every run is a fresh subprocess, so peak RSS (VmHWM) is per solver.

Usage::

    python benchmarks/bench_equilibrium.py                 # all four instances
    python benchmarks/bench_equilibrium.py --only Anaheim --peer-cores 2

Needs ``aequilibrae`` (bench dependency group). Exit status 1 if a
correctness check fails (flows of the two solvers within 1 % of the largest
volume at the common gap; TNTP: ours within 1 % / 0.1 % of the published).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import maxrss_mb, rss_mb  # noqa: E402
from corridor_twin.flow.linknet import LinkNetwork, TripTable  # noqa: E402

TNTP = HERE / "data" / "tntp"
INSTANCES = {
    # name: (target gap, peer max iterations, tight gap for ours)
    "Anaheim": (1e-5, 2000, 1e-10),
    "ChicagoSketch": (1e-5, 2000, 1e-8),
    "synthetic-10k": (1e-4, 100, 1e-8),
    "grid-100x100": (1e-4, 150, 1e-8),
}


# -- instances ------------------------------------------------------------------------
def synthetic_instance(seed: int) -> tuple[LinkNetwork, TripTable]:
    """The 10k-node synthetic rail-like grid as a road network, 1,000 random OD pairs.

    Free-flow time = length / speed (minutes); capacity 20 veh/h per km/h of
    speed + 400 (1,000-2,000 veh/h on grid links, more on trunks); BPR 0.15, 4.
    """
    from synthetic import network_rng, synthetic_network

    net = synthetic_network(10_000, network_rng(seed, 10_000))
    idx = {n.id: i + 1 for i, n in enumerate(net.nodes)}
    a = np.array([idx[lk.from_node] for lk in net.links])
    b = np.array([idx[lk.to_node] for lk in net.links])
    length = np.array([lk.length_km for lk in net.links], dtype=float)
    speed = np.array([lk.speed_kmh for lk in net.links], dtype=float)
    fft = 60.0 * length / speed
    cap = 400.0 + 20.0 * speed
    ln = LinkNetwork(
        from_node=np.concatenate([a, b]),
        to_node=np.concatenate([b, a]),
        capacity=np.tile(cap, 2),
        length=np.tile(length, 2),
        free_flow_time=np.tile(fft, 2),
        name="synthetic-10k",
        nodes=np.arange(1, len(net.nodes) + 1),
    )
    rng = np.random.default_rng(seed + 1)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < 1000:
        o, d = rng.integers(1, len(net.nodes) + 1, 2)
        if o != d:
            pairs.add((int(o), int(d)))
    od = np.array(sorted(pairs))
    return ln, TripTable(
        origin=od[:, 0], destination=od[:, 1], demand=rng.uniform(200.0, 1200.0, len(od))
    )


def grid_instance(seed: int) -> tuple[LinkNetwork, TripTable]:
    """A 100 x 100 grid, 200 zones (random nodes), each sending to 5 other zones.

    Links both ways between 4-neighbours, free-flow time 1 min, capacity
    uniform 400-1,200 veh/h, BPR 0.15, 4; demand 300-1,500 per pair.
    """
    rng = np.random.default_rng(seed)
    side = 100
    ids = np.arange(side * side).reshape(side, side) + 1
    right = np.column_stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()])
    down = np.column_stack([ids[:-1, :].ravel(), ids[1:, :].ravel()])
    e = np.vstack([right, down])
    a = np.concatenate([e[:, 0], e[:, 1]])
    b = np.concatenate([e[:, 1], e[:, 0]])
    m = len(a)
    ln = LinkNetwork(
        from_node=a,
        to_node=b,
        capacity=rng.uniform(400.0, 1200.0, m),
        length=np.ones(m),
        free_flow_time=np.ones(m),
        name="grid-100x100",
    )
    zones = rng.choice(side * side, 200, replace=False) + 1
    o_list, d_list = [], []
    for z in zones:
        others = rng.choice(zones[zones != z], 5, replace=False)
        o_list += [int(z)] * 5
        d_list += [int(x) for x in others]
    return ln, TripTable(
        origin=np.array(o_list),
        destination=np.array(d_list),
        demand=rng.uniform(300.0, 1500.0, len(o_list)),
    )


def load_instance(name: str, seed: int) -> tuple[LinkNetwork, TripTable]:
    if name in ("Anaheim", "ChicagoSketch"):
        from corridor_twin.io.tntp import read_tntp_network, read_tntp_trips

        return (
            read_tntp_network(TNTP / f"{name}_net.tntp"),
            read_tntp_trips(TNTP / f"{name}_trips.tntp"),
        )
    if name == "synthetic-10k":
        return synthetic_instance(seed)
    return grid_instance(seed)


# -- workers (one solver run per process) ---------------------------------------------
def run_ours(net: LinkNetwork, trips: TripTable, gap: float, time_limit: float) -> dict[str, Any]:
    from corridor_twin.flow.traffic import build_traffic, extract_traffic, solve_traffic

    base = rss_mb()
    t0 = time.perf_counter()
    model = build_traffic(net, trips)
    t1 = time.perf_counter()
    sol = solve_traffic(model, relative_gap=gap, max_iterations=100_000, time_limit_s=time_limit)
    t2 = time.perf_counter()
    res = extract_traffic(model, sol)
    return {
        "build_s": t1 - t0,
        "solve_s": t2 - t1,
        "gap": sol.relative_gap,
        "iterations": sol.iterations,
        "volume": res.volume.tolist(),
        "cost": res.cost.tolist(),
        "peak_mb": maxrss_mb(),
        "base_mb": base,
    }


def run_peer(
    net: LinkNetwork, trips: TripTable, gap: float, max_iter: int, cores: int
) -> dict[str, Any]:
    import pandas as pd
    from aequilibrae.matrix import AequilibraeMatrix
    from aequilibrae.paths import Graph, TrafficAssignment, TrafficClass

    base = rss_mb()
    t0 = time.perf_counter()
    # AequilibraE wants zones first: relabel zones 1..Z, every other node after them
    zones_orig = np.unique(np.concatenate([trips.origin, trips.destination]))
    if net.first_thru_node > 1:
        zones_orig = np.union1d(zones_orig, net.nodes[net.nodes < net.first_thru_node])
    others = np.setdiff1d(net.nodes, zones_orig)
    relabel = dict(
        zip(
            np.concatenate([zones_orig, others]).tolist(), range(1, len(net.nodes) + 1), strict=True
        )
    )
    fa = np.array([relabel[x] for x in net.from_node.tolist()])
    fb = np.array([relabel[x] for x in net.to_node.tolist()])
    m = net.n_links
    df = pd.DataFrame(
        {
            "link_id": np.arange(1, m + 1),
            "a_node": fa,
            "b_node": fb,
            "direction": np.ones(m, dtype=np.int8),
            # AequilibraE refuses zero free-flow times (Chicago Sketch connectors)
            "free_flow_time": np.maximum(net.free_flow_time, 1e-6),
            "capacity": net.capacity,
            "b": net.b,
            "power": net.power,
            "fixed": net.toll_factor * net.toll + net.distance_factor * net.length,
        }
    )
    df["id"] = df["link_id"]
    g = Graph()
    g.network = df
    g.network_ok = True
    g.status = "OK"
    z = len(zones_orig)
    g.prepare_graph(np.arange(1, z + 1))
    g.set_graph("free_flow_time")
    g.set_skimming(["free_flow_time"])
    g.set_blocked_centroid_flows(net.first_thru_node > 1)
    mat = AequilibraeMatrix()
    mat.create_empty(zones=z, matrix_names=["matrix"], memory_only=True)
    mat.index[:] = np.arange(1, z + 1)
    dense = np.zeros((z, z))
    oi = np.array([relabel[x] for x in trips.origin.tolist()]) - 1
    di = np.array([relabel[x] for x in trips.destination.tolist()]) - 1
    np.add.at(dense, (oi, di), trips.demand)
    np.fill_diagonal(dense, 0.0)
    mat.matrix["matrix"][:, :] = dense
    mat.computational_view(["matrix"])
    tc = TrafficClass("car", g, mat)
    tc.set_fixed_cost("fixed")
    a = TrafficAssignment()
    a.set_classes([tc])
    a.set_vdf("BPR")
    a.set_vdf_parameters({"alpha": "b", "beta": "power"})
    a.set_capacity_field("capacity")
    a.set_time_field("free_flow_time")
    a.set_algorithm("bfw")
    a.max_iter = max_iter
    a.rgap_target = gap
    a.set_cores(cores)
    t1 = time.perf_counter()
    a.execute()
    t2 = time.perf_counter()
    res = a.results()
    vol = res["matrix_ab"].reindex(np.arange(1, m + 1)).to_numpy()
    rep = pd.DataFrame(a.assignment.convergence_report)
    rgap = rep["rgap"].to_numpy(dtype=float)
    return {
        "build_s": t1 - t0,
        "solve_s": t2 - t1,
        "gap": float(rgap[-1]),
        "gaps": rgap.tolist(),
        "times": rep["time"].to_numpy(dtype=float).tolist(),
        "iterations": len(rgap),
        "volume": vol.tolist(),
        "peak_mb": maxrss_mb(),
        "base_mb": base,
    }


def worker(args: argparse.Namespace) -> None:
    net, trips = load_instance(args.instance, args.seed)
    if args.solver == "ours":
        out = run_ours(net, trips, args.gap, args.time_limit)
    else:
        out = run_peer(net, trips, args.gap, args.max_iter, args.peer_cores)
    Path(args.out).write_text(json.dumps(out))


def spawn(
    instance: str, solver: str, gap: float, args: argparse.Namespace, max_iter: int = 0
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = fh.name
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        "--instance",
        instance,
        "--solver",
        solver,
        "--gap",
        repr(gap),
        "--seed",
        str(args.seed),
        "--out",
        out,
        "--max-iter",
        str(max_iter),
        "--peer-cores",
        str(args.peer_cores),
        "--time-limit",
        str(args.time_limit),
    ]
    # AequilibraE draws progress bars on stderr: keep them in a file, show it on failure
    with tempfile.TemporaryFile("w+") as err:
        done = subprocess.run(cmd, stderr=err, check=False)
        if done.returncode:
            err.seek(0)
            sys.stderr.write(err.read()[-4000:])
            raise SystemExit(f"{solver} on {instance} failed (exit {done.returncode})")
    try:
        return dict(json.loads(Path(out).read_text()))
    finally:
        os.unlink(out)


# -- driver ---------------------------------------------------------------------------
def diff_pct(a: Any, b: Any) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(100.0 * np.max(np.abs(a - b)) / np.max(np.abs(b)))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", choices=list(INSTANCES), help="instances to run")
    p.add_argument("--seed", type=int, default=20241208)
    p.add_argument(
        "--peer-cores",
        type=int,
        default=1,
        help="threads for AequilibraE (ours is single-threaded); default 1",
    )
    p.add_argument(
        "--time-limit", type=float, default=180.0, help="seconds per run of ours (default 180)"
    )
    p.add_argument("--out", help="JSON results file (default benchmarks/results/...)")
    p.add_argument(
        "--report",
        nargs="+",
        metavar="JSON",
        help="print the tables of earlier results files instead of running",
    )
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--instance", help=argparse.SUPPRESS)
    p.add_argument("--solver", help=argparse.SUPPRESS)
    p.add_argument("--gap", type=float, help=argparse.SUPPRESS)
    p.add_argument("--max-iter", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args)
        return 0
    if args.report:
        rows = [r for f in args.report for r in json.loads(Path(f).read_text())["rows"]]
        print_tables(rows, args)
        return 0
    rows, checks = [], []
    for name in args.only or list(INSTANCES):
        target, max_iter, tight = INSTANCES[name]
        peer = spawn(name, "peer", target, args, max_iter)
        gaps, times = np.asarray(peer["gaps"]), np.asarray(peer["times"])
        reached = bool(np.any(gaps <= target))
        common = target if reached else float(np.min(gaps))
        first = int(np.flatnonzero(gaps <= common)[0])
        # the report's clock starts with the assignment; scale to our wall time of execute()
        peer_s = float(times[first]) * peer["solve_s"] / max(float(times[-1]), 1e-12)
        ours = spawn(name, "ours", common, args)
        deep = spawn(name, "ours", tight, args)
        agree = (
            diff_pct(ours["volume"], peer["volume"])
            if reached
            else diff_pct(deep["volume"], peer["volume"])
        )
        row = {
            "instance": name,
            "target_gap": target,
            "common_gap": common,
            "peer_reached_target": reached,
            "peer_gap_final": peer["gap"],
            "peer_iterations": peer["iterations"],
            "peer_s": peer_s,
            "peer_build_s": peer["build_s"],
            "peer_peak_mb": peer["peak_mb"],
            "peer_base_mb": peer["base_mb"],
            "ours_s": ours["solve_s"],
            "ours_build_s": ours["build_s"],
            "ours_iterations": ours["iterations"],
            "ours_gap": ours["gap"],
            "ours_peak_mb": ours["peak_mb"],
            "ours_base_mb": ours["base_mb"],
            "deep_gap": deep["gap"],
            "deep_s": deep["solve_s"],
            "deep_iterations": deep["iterations"],
            "deep_peak_mb": deep["peak_mb"],
            "flows_diff_pct": agree,
            "ratio": peer_s / ours["solve_s"],
        }
        if reached:
            checks.append(
                (f"{name}: flows within 1 % of the largest volume", agree <= 1.0, f"{agree:.3g} %")
            )
        else:
            # a peer that stalls far from equilibrium has no flows to hold ours against
            print(
                f"  note: {name}: AequilibraE stopped at gap {common:.1e}; flows not compared "
                f"(ours at {deep['gap']:.1e} differ by {agree:.3g} % of the largest volume)"
            )
        if name in ("Anaheim", "ChicagoSketch"):
            import pandas as pd

            from corridor_twin.flow.traffic import compare_link_flows
            from corridor_twin.io.tntp import read_tntp_flow, read_tntp_network

            ref = read_tntp_flow(TNTP / f"{name}_flow.tntp")
            net = read_tntp_network(TNTP / f"{name}_net.tntp")
            for label, run in (("common", ours), ("tight", deep)):
                frame = pd.DataFrame(
                    {
                        "from": net.from_node,
                        "to": net.to_node,
                        "volume": run["volume"],
                        "cost": run["cost"],
                    }
                )
                cmp = compare_link_flows(frame, ref)
                row[f"published_{label}_max_pct"] = cmp.max_volume_diff_pct
                row[f"published_{label}_cost_pct"] = cmp.total_cost_diff_pct
            checks.append(
                (
                    f"{name}: ours vs published at gap {common:.0e}: max volume diff "
                    "<= 1 %, total cost <= 0.1 %",
                    row["published_common_max_pct"] <= 1.0
                    and abs(row["published_common_cost_pct"]) <= 0.1,
                    f"{row['published_common_max_pct']:.3g} %, "
                    f"{row['published_common_cost_pct']:+.3g} %",
                )
            )
        rows.append(row)
        print(json.dumps(dict(row.items()), default=float), flush=True)
    print_tables(rows, args)
    ok = True
    for label, passed, detail in checks:
        ok &= passed
        print(f"  check {'OK  ' if passed else 'FAIL'} {label} ({detail})")
    out = (
        Path(args.out)
        if args.out
        else (HERE / "results" / f"equilibrium-{time.strftime('%Y%m%d-%H%M%S')}.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"rows": rows, "peer_cores": args.peer_cores}, indent=1, default=float)
    )
    return 0 if ok else 1


def print_tables(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"\n### User equilibrium: ours (gradient projection, 1 thread) vs AequilibraE bfw "
        f"({args.peer_cores} thread(s))\n"
    )
    head = [
        "instance",
        "common gap",
        "AequilibraE bfw",
        "ours",
        "ratio",
        "target",
        "result",
        "flows diff",
        "ours tight gap",
        "peak RSS ours / peer",
    ]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        peer = f"{r['peer_s']:.3g} s ({r['peer_iterations']} it"
        peer += (
            ")"
            if r["peer_reached_target"]
            else f", iteration limit; final {r['peer_gap_final']:.1e})"
        )
        print(
            "| "
            + " | ".join(
                [
                    r["instance"],
                    f"{r['common_gap']:.1e}",
                    peer,
                    f"{r['ours_s']:.3g} s ({r['ours_iterations']} it)",
                    f"{r['ratio']:.1f}x",
                    ">= 2x",
                    "PASS" if r["ratio"] >= 2 else "FAIL",
                    (f"{r['flows_diff_pct']:.2g} %" if r["peer_reached_target"] else "n/a"),
                    f"{r['deep_gap']:.1e} in {r['deep_s']:.3g} s",
                    f"{r['ours_peak_mb']:.0f} / {r['peer_peak_mb']:.0f} MB",
                ]
            )
            + " |"
        )
    tn = [r for r in rows if "published_common_max_pct" in r]
    if tn:
        print("\n### TNTP: ours vs the published best-known flows\n")
        print("| network | gap reached | max volume diff (% of max volume) | Σ v·c diff | time |")
        print("|---|---|---|---|---|")
        for r in tn:
            print(
                f"| {r['instance']} | {r['ours_gap']:.1e} | {r['published_common_max_pct']:.3g} %"
                f" | {r['published_common_cost_pct']:+.2g} % | {r['ours_s']:.3g} s |"
            )
            print(
                f"| {r['instance']} | {r['deep_gap']:.1e} | {r['published_tight_max_pct']:.3g} %"
                f" | {r['published_tight_cost_pct']:+.2g} % | {r['deep_s']:.3g} s |"
            )


if __name__ == "__main__":
    sys.exit(main())
