"""Market-model benchmark: the calibrated equilibrium of the bundled corridor, all segments.

Times, on the bundled 2024 corridor with every market segment of
``markets_2024.yaml``: compiling the network, building the choice sets (the
``k`` best routes of every corridor per segment, with reliability spreads and
risk costs), and solving the calibrated capacity-constrained stochastic user
equilibrium; then, as the peer in the same run, the system-optimal LP
assignment (``flow.assign``, HiGHS, arc column generation) of the same
markets as a demand table. Target (issue 15): the calibrated equilibrium in
under 2 s. Medians over repeats; the peak traced memory of one run.

Run: ``python benchmarks/bench_market.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

from corridor_twin.data import corridor_text
from corridor_twin.flow.assign import Demand, assign
from corridor_twin.io.yaml_io import loads_network
from corridor_twin.scenarios.calibration import bundled_market, load_calibration
from corridor_twin.scenarios.market_model import build_market_model, solve_market


def _once(text: str, markets, params, cal):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    net = loads_network(text)
    comp = net.compiled()
    t1 = time.perf_counter()
    model = build_market_model(comp, markets, params)
    t2 = time.perf_counter()
    res = solve_market(model, cal)
    t3 = time.perf_counter()
    return (t1 - t0, t2 - t1, t3 - t2), res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    _, markets, params, _ = bundled_market(2024)
    cal = load_calibration()
    text = corridor_text()
    times = []
    res = None
    for _ in range(args.repeat):
        t, res = _once(text, markets, params, cal)
        times.append(t)
    tracemalloc.start()
    _once(text, markets, params, cal)
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    comp_s, build_s, solve_s = (statistics.median(x) for x in zip(*times, strict=True))
    total = comp_s + build_s + solve_s
    assert res is not None
    sol = res.choice.solution
    net = res.model.comp.network
    demand = [
        Demand(s.origin, s.destination, s.commodity, float(a))
        for s, a in zip(res.model.choice.segments, res.model.choice.demand, strict=True)
    ]
    lp = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        out = assign(net, demand)
        lp.append(time.perf_counter() - t0)
    lp_s = statistics.median(lp)
    ch = res.model.choice
    print(
        f"bundled corridor, {len(ch.segments)} segments, {ch.n_routes} routes, "
        f"{len(ch.capacity)} capacity elements; {sol.message}"
    )
    print()
    print("| step | median s |")
    print("| --- | ---: |")
    print(f"| parse + compile the network | {comp_s:.3f} |")
    print(f"| build choice sets (k routes per corridor, spreads, risks) | {build_s:.3f} |")
    print(f"| solve the calibrated equilibrium | {solve_s:.3f} |")
    print(f"| **calibrated market equilibrium, total** | **{total:.3f}** |")
    print(f"| peer: system-optimal LP assignment of the same demand ({out.status}) | {lp_s:.3f} |")
    print()
    print(
        f"ratio LP / market model: {lp_s / total:.2f}x; peak traced memory {peak_mb:.0f} MB; "
        f"target < 2 s: {'met' if total < 2.0 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
