"""Simulation benchmark: a year of the bundled corridor, against a plain SimPy model.

1. One replication of a year of the bundled corridor at today's volumes (the
   bundled ``demand_2024``): events, wall time, events/s, for ``simulate``
   end to end (shipment generation, routing, run, result) and for the model run
   alone.
2. The same model written plainly in SimPy, run in the same process on the
   same shipments, routes (fixed: each flow's best route), legs, stations and
   vessel rules: one process per train formation, vessel line and vehicle,
   ``simpy.Resource`` stations, ``timeout`` steps, the same random streams.
   Reported: its events (SimPy ``step`` calls), wall time, events/s, and the
   ratio of wall times (the model-layer overhead, target <= 1.5x, i.e. our
   throughput at least 2/3 of SimPy's).
3. ``--replications`` replications (default 20) on 1 and on 2 worker
   processes: wall time, speed-up, and whether the results are identical.

Run on demand (needs simpy: ``pip install simpy``)::

    python benchmarks/bench_simulate.py [--days 365] [--replications 20] [--rep-days 365]

Exit status 0 when the replication results are identical for 1 and 2 workers.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import deque
from typing import Any

import numpy as np

from corridor_twin import load_corridor
from corridor_twin.scenarios import load_bundled_demand
from corridor_twin.simulate import SimulationOptions, replicate, simulate
from corridor_twin.simulate._plan import route_legs
from corridor_twin.simulate.disruptions import Disruptions
from corridor_twin.simulate.engine import Stream, next_open_h
from corridor_twin.simulate.model import _routes, run_model
from corridor_twin.simulate.shipments import shipments_from_demand

TARGET_RATIO = 1.5
TARGET_S = 30.0
WEEK_H = 168.0


def _rng(name: str) -> np.random.Generator:
    import zlib

    return np.random.default_rng([7, zlib.crc32(name.encode())])


class SimpyModel:
    """The operating model in plain SimPy (fixed routes, no recording beyond delivery)."""

    def __init__(
        self,
        comp: Any,
        sh: Any,
        opts: SimulationOptions,
        horizon: float,
        weather: list[tuple[float, float]],
    ) -> None:
        import simpy

        self.simpy = simpy
        self.env = simpy.Environment()
        self.opts = opts
        self.horizon = horizon
        keep = sh.release_h < horizon
        self.od = sh.od[keep].tolist()
        self.release = sh.release_h[keep].tolist()
        self.wagons = sh.wagons[keep].tolist()
        self.size = {"wagons": self.wagons, "teu": sh.teu[keep].tolist(), "t": sh.t[keep].tolist()}
        self.delivered = [float("nan")] * len(self.od)
        self.leg_i = [0] * len(self.od)
        self.records: list[tuple[int, float, float]] = []
        self.w_starts = tuple(a for a, _ in weather)
        self.w_ends = tuple(b for _, b in weather)
        ports = set(opts.weather.ports) if opts.weather else set()
        self.resources: dict[str, Any] = {}
        self.streams: dict[str, Stream] = {}
        self.formations: dict[tuple[object, ...], Any] = {}
        self.plans: list[list[Any]] = []
        vessel_ports = {st for s in comp.network.services for st in s.stops}
        for flow in sh.ods:
            r = _routes(comp, flow, opts)[0]
            legs = []
            for spec in route_legs(comp, [int(e) for e in r.edges]):
                key = spec.key
                if key not in self.formations:
                    self.formations[key] = self._formation(comp, spec, ports, vessel_ports)
                legs.append(self.formations[key])
            self.plans.append(legs)

    def _formation(self, comp: Any, spec: Any, ports: set[str], vessel_ports: set[str]) -> Any:
        env = self.env
        steps = []
        for i, ss in enumerate(spec.steps):
            if ss.kind == "travel":
                cv = self.opts.reliability.travel_cv.get(ss.mode, 0.0)
                steps.append(
                    ("travel", ss.mean_h, Stream(_rng(f"{spec.key}{i}"), "lognormal", cv), None)
                )
            else:
                servers = self.opts.servers.get(ss.place)
                if servers is None and ss.kind == "transfer" and ss.node in vessel_ports:
                    servers = self.opts.port_berths
                res = None
                if servers is not None:
                    res = self.resources.setdefault(
                        ss.place, self.simpy.Resource(env, capacity=servers)
                    )
                cv = self.opts.reliability.wait_cv.get(ss.kind, 0.0)
                st = self.streams.setdefault(ss.place, Stream(_rng(ss.place), "gamma", cv))
                steps.append(("station", ss.mean_h, st, res))
        f: dict[str, Any] = {
            "spec": spec,
            "steps": steps,
            "queue": deque(),
            "units": 0.0,
            "wake": None,
        }
        if spec.vehicle == "train":
            env.process(self._train(f))
        elif spec.vehicle == "vessel":
            svc = comp.network.services[spec.service]
            per_week = float(svc.sailings_per_week or 1.0)
            f["H"] = WEEK_H / per_week
            rule = (
                self.opts.sailing_rule.get(svc.mode, "headway") if not svc.departures else "headway"
            )
            if svc.capacity_wagons is not None:
                f["cap"], f["unit"] = float(svc.capacity_wagons) * svc.load_factor, "wagons"
            elif svc.capacity_teu is not None:
                f["cap"], f["unit"] = float(svc.capacity_teu) * svc.load_factor, "teu"
            elif svc.capacity_t is not None:
                f["cap"], f["unit"] = float(svc.capacity_t) * svc.load_factor, "t"
            else:
                f["cap"], f["unit"] = float("inf"), "wagons"
            f["weather"] = bool({spec.node_from, spec.node_to} & ports)
            env.process(self._when_full(f) if rule == "when_full" else self._headway(f))
        return f

    # -- processes ----------------------------------------------------------------
    def _train(self, f: dict[str, Any]) -> Any:
        env = self.env
        cap, max_wait = self.opts.train_wagons, self.opts.train_max_wait_h
        while True:
            if not f["queue"]:
                f["wake"] = env.event()
                yield f["wake"]
            deadline = f["queue"][0][1] + max_wait
            while f["units"] < cap and env.now < deadline:
                f["wake"] = env.event()
                yield f["wake"] | env.timeout(deadline - env.now)
            f["wake"] = None
            members, load = [], 0.0
            q = f["queue"]
            while q and (not members or load + self.wagons[q[0][0]] <= cap):
                s = q.popleft()[0]
                members.append(s)
                load += self.wagons[s]
            f["units"] -= load
            env.process(self._vehicle(f, members))

    def _sail(self, f: dict[str, Any]) -> None:
        size = self.size[f["unit"]]
        q = f["queue"]
        members, load = [], 0.0
        while q and (not members or load + size[q[0][0]] <= f["cap"]):
            s = q.popleft()[0]
            members.append(s)
            load += size[s]
        f["units"] -= load
        if members:
            self.env.process(self._vehicle(f, members))

    def _closed_wait(self, f: dict[str, Any]) -> float:
        if not f["weather"]:
            return 0.0
        return next_open_h(self.env.now, self.w_starts, self.w_ends) - self.env.now

    def _headway(self, f: dict[str, Any]) -> Any:
        env = self.env
        yield env.timeout(float(np.random.default_rng(1).uniform(0, f["H"])))
        while True:
            d = self._closed_wait(f)
            if d > 0:
                yield env.timeout(d)
            self._sail(f)
            yield env.timeout(f["H"])

    def _when_full(self, f: dict[str, Any]) -> Any:
        env = self.env
        gap = f["H"] * self.opts.min_headway_share
        max_wait = f["H"] * self.opts.max_wait_headways
        last = -1e18
        while True:
            if not f["queue"]:
                f["wake"] = env.event()
                yield f["wake"]
            deadline = f["queue"][0][1] + max_wait
            while f["units"] < f["cap"] and env.now < deadline:
                f["wake"] = env.event()
                yield f["wake"] | env.timeout(deadline - env.now)
            f["wake"] = None
            if env.now < last + gap:
                yield env.timeout(last + gap - env.now)
            d = self._closed_wait(f)
            if d > 0:
                yield env.timeout(d)
            last = env.now
            self._sail(f)

    def _vehicle(self, f: dict[str, Any], members: list[int]) -> Any:
        env = self.env
        for kind, mean, stream, res in f["steps"]:
            enter = env.now
            if res is None:
                yield env.timeout(mean * stream.next())
            else:
                with res.request() as req:
                    yield req
                    yield env.timeout(mean * stream.next())
            self.records.append((len(members), enter, env.now))
            del kind
        now = env.now
        for s in members:
            legs = self.plans[self.od[s]]
            k = self.leg_i[s] + 1
            if k >= len(legs):
                self.delivered[s] = now
            else:
                self.leg_i[s] = k
                self._join(legs[k], s)

    def _join(self, f: dict[str, Any], s: int) -> None:
        spec = f["spec"]
        if spec.vehicle in ("train", "vessel"):
            f["queue"].append((s, self.env.now))
            f["units"] += self.size[f.get("unit", "wagons")][s]
            if f["wake"] is not None and not f["wake"].triggered:
                f["wake"].succeed()
        else:
            self.env.process(self._vehicle(f, [s]))

    def _releases(self) -> Any:
        env = self.env
        for s, t in enumerate(self.release):
            yield env.timeout(t - env.now)
            self._join(self.plans[self.od[s]][0], s)

    def run(self) -> int:
        self.env.process(self._releases())
        env = self.env
        n = 0
        step = env.step
        peek = env.peek
        while peek() <= self.horizon:
            step()
            n += 1
        return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=365.0)
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--rep-days", type=float, default=365.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    net, demand = load_corridor(), load_bundled_demand()

    # 1. End to end, default options (adaptive routing, Caspian weather).
    t = time.perf_counter()
    res = simulate(net, demand, days=args.days, seed=args.seed)
    t_e2e = time.perf_counter() - t
    print(f"## One replication: {args.days:g} days of the bundled corridor, demand_2024\n")
    print(f"{res.n_released:,} shipments released, {res.n_delivered:,} delivered\n")
    print("| run | events | wall (s) | events/s |")
    print("|---|---:|---:|---:|")
    print(
        f"| `simulate` end to end (adaptive routing) | {res.events:,} | {t_e2e:.2f} | "
        f"{res.events / t_e2e:,.0f} |"
    )

    # 2. Model run alone vs plain SimPy, same shipments, fixed routes.
    comp = net.compiled()
    opts = SimulationOptions(routing="fixed")
    sh = shipments_from_demand(net, demand, days=args.days, seed=args.seed)
    seed = np.random.SeedSequence(args.seed)
    t = time.perf_counter()
    run = run_model(comp, sh, days=args.days, options=opts, disruptions=Disruptions(), seed=seed)
    t_ours = time.perf_counter() - t
    weather = opts.weather.closures(args.days, np.random.default_rng(3), opts.start_date)  # type: ignore[union-attr]
    t = time.perf_counter()
    model = SimpyModel(comp, sh, opts, args.days * 24.0, weather)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    n_simpy = model.run()
    t_simpy = time.perf_counter() - t + t_build
    d_ours = int(np.count_nonzero(~np.isnan(run.log.delivered)))
    d_simpy = int(np.count_nonzero(~np.isnan(np.asarray(model.delivered))))
    print(
        f"| model run alone (fixed routing) | {run.events:,} | {t_ours:.2f} | "
        f"{run.events / t_ours:,.0f} |"
    )
    print(
        f"| plain SimPy, same model and size | {n_simpy:,} | {t_simpy:.2f} | "
        f"{n_simpy / t_simpy:,.0f} |\n"
    )
    print(
        f"delivered: ours {d_ours:,}, SimPy {d_simpy:,} (same shipments; random streams "
        "differ, so counts differ slightly)\n"
    )
    ratio = t_ours / t_simpy
    print("| check | value | target | result |")
    print("|---|---:|---:|---|")
    print(
        f"| wall time, ours / SimPy (same model) | {ratio:.2f}x | <= {TARGET_RATIO}x | "
        f"{'PASS' if ratio <= TARGET_RATIO else 'FAIL'} |"
    )
    print(
        f"| one year end to end | {t_e2e:.1f} s | < {TARGET_S:g} s | "
        f"{'PASS' if t_e2e < TARGET_S else 'FAIL'} |\n"
    )

    # 3. Replications on 1 and 2 workers.
    print(f"## {args.replications} replications of {args.rep_days:g} days\n")
    print("| workers | wall (s) | speed-up |")
    print("|---:|---:|---:|")
    walls = {}
    sets = {}
    for w in (1, 2):
        t = time.perf_counter()
        sets[w] = replicate(
            net,
            demand,
            replications=args.replications,
            days=args.rep_days,
            seed=args.seed,
            workers=w,
        )
        walls[w] = time.perf_counter() - t
        print(f"| {w} | {walls[w]:.1f} | {walls[1] / walls[w]:.2f}x |")
    same = sets[1].transit().equals(sets[2].transit())
    print(f"\nidentical results on 1 and 2 workers: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
