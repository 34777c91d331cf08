"""Reliability benchmark: our Monte Carlo sampler against a plain numpy baseline.

A synthetic 50-leg route (random means): 20 running legs (lognormal, CV 0.15),
14 border queues (gamma CV 1, i.e. exponential), 6 transfers/dwells (gamma
CV 0.5) and 10 ferry waits (uniform on [0, H) plus Geometric extra headways at
availability 0.85). Times ``simulate_transit_h`` and a baseline written the
straightforward way (one ``rng.lognormal/gamma/uniform/geometric`` call per
leg, summed) on 1M draws, best of ``--repeat``; checks that the two agree
(means within 4 standard errors of their difference, P90 within 0.5 %).

Run on demand::

    python benchmarks/bench_reliability.py [--draws 1000000] [--repeat 5]

Exit status 0 when the agreement check passes (targets do not change it).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from corridor_twin.simulate import TransitComponents, simulate_transit_h

TARGET_RATIO = 1.5
TARGET_S = 1.0


def synthetic_route(seed: int = 0) -> TransitComponents:
    """The 50-leg route's components."""
    rng = np.random.default_rng(seed)
    return TransitComponents(
        lognormal_mean_h=rng.uniform(2.0, 40.0, 20),
        lognormal_cv=np.full(20, 0.15),
        gamma_mean_h=np.concatenate([rng.uniform(1.0, 24.0, 14), rng.uniform(2.0, 12.0, 6)]),
        gamma_cv=np.concatenate([np.full(14, 1.0), np.full(6, 0.5)]),
        headway_h=168.0 / rng.integers(2, 15, 10),
        availability=np.full(10, 0.85),
    )


def baseline(c: TransitComponents, draws: int, seed: int) -> np.ndarray:
    """Plain numpy: one call per leg and distribution, summed in float64."""
    rng = np.random.default_rng(seed)
    total = np.full(draws, c.constant_h)
    for m, cv in zip(c.lognormal_mean_h, c.lognormal_cv, strict=True):
        s2 = math.log1p(cv * cv)
        total += rng.lognormal(math.log(m) - s2 / 2, math.sqrt(s2), draws)
    for m, cv in zip(c.gamma_mean_h, c.gamma_cv, strict=True):
        total += rng.gamma(1 / (cv * cv), m * cv * cv, draws)
    for h, a in zip(c.headway_h, c.availability, strict=True):
        total += rng.uniform(0.0, h, draws)
        total += h * (rng.geometric(a, draws) - 1)  # failures before a running departure
    return total


def _best(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    c = synthetic_route()
    n = args.draws
    ours = simulate_transit_h(c, n, seed=1)
    base = baseline(c, n, seed=2)
    t_ours = _best(lambda: simulate_transit_h(c, n, seed=1), args.repeat)
    t_base = _best(lambda: baseline(c, n, seed=2), args.repeat)
    ratio = t_base / t_ours
    se = math.sqrt(ours.var() / n + base.var() / n)
    d_mean = abs(ours.mean() - base.mean())
    p90_o, p90_b = np.quantile(ours, 0.9), np.quantile(base, 0.9)
    agree = d_mean < 4 * se and abs(p90_o / p90_b - 1) < 0.005
    exact = c.mean_h
    print(f"50-leg route, {n:,} draws, best of {args.repeat}\n")
    print("| | time (s) | draws/s | mean (h) | P90 (h) |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| ours `simulate_transit_h` | {t_ours:.3f} | {n / t_ours:,.0f} | "
        f"{ours.mean():.2f} | {p90_o:.2f} |"
    )
    print(
        f"| plain numpy baseline | {t_base:.3f} | {n / t_base:,.0f} | "
        f"{base.mean():.2f} | {p90_b:.2f} |"
    )
    print(f"| exact mean | | | {exact:.2f} | |\n")
    ok_ratio = ratio >= TARGET_RATIO
    ok_time = n < 1_000_000 or t_ours * 1_000_000 / n < TARGET_S
    print("| check | value | target | result |")
    print("|---|---:|---:|---|")
    print(
        f"| speed ratio (baseline / ours) | {ratio:.2f}x | >= {TARGET_RATIO}x | "
        f"{'PASS' if ok_ratio else 'FAIL'} |"
    )
    print(
        f"| 1M draws | {t_ours * 1_000_000 / n:.3f} s | < {TARGET_S} s | "
        f"{'PASS' if ok_time else 'FAIL'} |"
    )
    print(
        f"| agreement: |mean diff| / SE, P90 ratio | {d_mean / se:.2f}, "
        f"{p90_o / p90_b:.4f} | < 4, within 0.5 % | {'PASS' if agree else 'FAIL'} |"
    )
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
