"""Scenario comparison benchmark: all bundled scenarios, all standard analyses.

Target (issue): comparing the ten bundled scenarios on the bundled corridor in
under 10 s. Run: ``python benchmarks/bench_scenarios.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

from corridor_twin import load_corridor
from corridor_twin.scenarios import compare, list_scenarios, load_bundled, load_bundled_demand
from corridor_twin.scenarios.analyses import STANDARD_ANALYSES


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    net, demand = load_corridor(), load_bundled_demand()
    names = list_scenarios()

    def run() -> object:
        return compare(net, [load_bundled(n) for n in names], STANDARD_ANALYSES, demand=demand)

    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    med = statistics.median(times)
    print("| scenarios | analyses | median time | Python peak memory | target | result |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {len(names)} bundled | {', '.join(STANDARD_ANALYSES)} | {med:.2f} s | "
        f"{peak:.0f} MB | < 10 s | {'PASS' if med < 10 else 'FAIL'} |"
    )
    return 0 if med < 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
