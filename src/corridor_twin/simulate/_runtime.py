"""Run-time objects of the discrete-event model: stations, legs, groups, formations.

Used by :mod:`corridor_twin.simulate.model`; the clock is in hours.
"""

from __future__ import annotations

import collections
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from corridor_twin.simulate._plan import LegSpec, StepSpec
from corridor_twin.simulate.disruptions import Window, window_value
from corridor_twin.simulate.engine import Engine, Stream, next_open_h

_INF = math.inf
WEEK_H = 168.0


def _rng(root: np.random.SeedSequence, name: str) -> np.random.Generator:
    # One generator per named element, keyed by its name: adding an element or
    # a scenario change leaves the others' random numbers alone.
    ss = np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, zlib.crc32(name.encode()))
    )
    return np.random.default_rng(ss)


class Station:
    """A FIFO queue with ``servers`` servers (None: a pure delay)."""

    __slots__ = (
        "busy",
        "busy_h",
        "ends",
        "hours",
        "kind",
        "node",
        "place",
        "queue",
        "served",
        "servers",
        "starts",
        "stream",
    )

    def __init__(
        self,
        place: str,
        kind: str,
        node: str,
        servers: int | None,
        stream: Stream,
        spans: tuple[tuple[float, ...], tuple[float, ...]],
        hours: tuple[float, float] | None,
    ) -> None:
        self.place, self.kind, self.node = place, kind, node
        self.servers = servers
        self.stream = stream
        self.busy = 0
        self.queue: collections.deque[Any] = collections.deque()
        self.starts, self.ends = spans
        self.hours = hours
        self.busy_h = 0.0
        self.served = 0


class Step:
    """A step at run time (see :class:`~corridor_twin.simulate._plan.StepSpec`)."""

    __slots__ = (
        "borders",
        "ends",
        "free_at",
        "kind",
        "mean_h",
        "pipe",
        "rate_t_h",
        "spec",
        "starts",
        "station",
        "stream",
    )

    def __init__(self, spec: StepSpec) -> None:
        self.spec = spec
        self.kind = spec.kind
        self.mean_h = spec.mean_h
        self.station: Station | None = None
        self.stream: Stream | None = None
        self.starts: tuple[float, ...] = ()
        self.ends: tuple[float, ...] = ()
        self.borders: list[tuple[float, tuple[Window, ...]]] = []
        self.pipe = spec.kind == "travel" and spec.mode == "pipeline"
        self.rate_t_h = _INF
        self.free_at = 0.0


class Leg:
    """A leg at run time: its steps and the formation that groups shipments."""

    __slots__ = ("formation", "label", "lid", "spec", "steps")

    def __init__(self, lid: int, spec: LegSpec, steps: list[Step]) -> None:
        self.lid = lid
        self.spec = spec
        self.steps = steps
        self.label = f"{spec.vehicle}:{spec.node_from}>{spec.node_to}"
        self.formation: Any = None


class Group:
    """Shipments moving together (a train, a sailing's cargo for one stop, a truck)."""

    __slots__ = ("enter", "gid", "leg", "members", "start", "step_i")

    def __init__(self, gid: int, leg: Leg, members: list[int]) -> None:
        self.gid = gid
        self.leg = leg
        self.members = members
        self.step_i = 0
        self.enter = 0.0
        self.start = 0.0


@dataclass
class Plan:
    """A route of a flow as legs."""

    route_index: int
    via: str
    time_h: float
    legs: list[Leg]
    lines: list[Any]


class _Log:
    """Everything a run records (plain lists and arrays; turned into frames later)."""

    def __init__(self, n: int, max_legs: int) -> None:
        self.ready = np.full((n, max(max_legs, 1)), np.nan)
        self.gid = np.full((n, max(max_legs, 1)), -1, dtype=np.int32)
        self.plan = np.full(n, -1, dtype=np.int32)
        self.delivered = np.full(n, np.nan)
        self.g_leg: list[int] = []
        self.g_created: list[float] = []
        self.g_size: list[int] = []
        self.s_gid: list[int] = []
        self.s_step: list[int] = []
        self.s_enter: list[float] = []
        self.s_start: list[float] = []
        self.s_end: list[float] = []
        self.samples: list[tuple[float, str, str, int, float, int]] = []


class Direct:
    """No waiting to form: one group per shipment (trucks, pipeline parcels) or per batch."""

    __slots__ = ("batch", "leg", "sim")

    def __init__(self, sim: Simulator, leg: Leg, *, batch: bool) -> None:
        self.sim, self.leg, self.batch = sim, leg, batch

    def join_many(self, members: Sequence[int]) -> None:
        if self.batch:
            self.sim.new_group(self.leg, list(members))
        else:
            for s in members:
                self.sim.new_group(self.leg, [s])


class TrainFormation:
    """Wagons wait for a train: it leaves when full or when the first has waited long enough."""

    __slots__ = ("cap", "leg", "max_wait", "place", "queue", "sim", "token", "units")

    def __init__(self, sim: Simulator, leg: Leg, cap: float, max_wait_h: float) -> None:
        self.sim, self.leg, self.cap, self.max_wait = sim, leg, cap, max_wait_h
        self.queue: collections.deque[tuple[int, float]] = collections.deque()
        self.units = 0.0
        self.token = 0
        self.place = f"train:{leg.spec.node_from}>{leg.spec.node_to}"

    def join_many(self, members: Sequence[int]) -> None:
        now = self.sim.eng.now
        w = self.sim.wagons
        empty = not self.queue
        for s in members:
            self.queue.append((s, now))
            self.units += w[s]
        if self.units >= self.cap:
            self._dispatch(full_only=True)
        elif empty:
            self._arm()

    def _arm(self) -> None:
        self.token += 1
        self.sim.eng.at(self.queue[0][1] + self.max_wait, self._timer, self.token)

    def _timer(self, token: int) -> None:
        if token == self.token and self.queue:
            self._dispatch(full_only=False)

    def _dispatch(self, *, full_only: bool) -> None:
        w = self.sim.wagons
        q = self.queue
        while q and (self.units >= self.cap or not full_only):
            members: list[int] = []
            load = 0.0
            while q and (not members or load + w[q[0][0]] <= self.cap):
                s = q.popleft()[0]
                members.append(s)
                load += w[s]
            self.units -= load
            self.sim.new_group(self.leg, members)
            full_only = True
        if q:
            self._arm()
        else:
            self.units = 0.0


@dataclass
class LineSpec:
    """What a vessel line needs to know about its service (built by the model)."""

    place: str
    service_id: str
    rule: str
    headway_h: float
    timetable_h: np.ndarray[Any, Any]
    week_offset_h: float
    cap: float
    unit: str
    load_factor: float
    availability: float
    cancel: bool
    max_wait_h: float
    min_gap_h: float
    spans: tuple[tuple[float, ...], tuple[float, ...]]
    lf_windows: tuple[Window, ...]
    cap_windows: tuple[Window, ...]


class VesselLine:
    """Departures of one service from one port, by timetable, headway or when full."""

    __slots__ = (
        "cancelled",
        "departures",
        "last_dep",
        "next_at",
        "queue",
        "rate_per_h",
        "rng",
        "sim",
        "size",
        "spec",
        "token",
        "units",
    )

    def __init__(self, sim: Simulator, spec: LineSpec, rng: np.random.Generator) -> None:
        self.sim, self.spec, self.rng = sim, spec, rng
        self.size = sim.size[spec.unit]
        self.queue: collections.deque[tuple[int, Leg, float]] = collections.deque()
        self.units = 0.0
        self.token = 0
        self.last_dep = -_INF
        self.next_at = _INF
        self.departures = 0
        self.cancelled = 0
        per_week = len(spec.timetable_h) or (WEEK_H / spec.headway_h)
        self.rate_per_h = spec.cap * spec.load_factor * spec.availability * per_week / WEEK_H
        if spec.rule == "headway":
            sim.eng.at(float(rng.uniform(0.0, spec.headway_h)), self._depart, None)
        elif spec.rule == "timetable":
            sim.eng.at(self._next_timetable(0.0), self._depart, None)

    def _next_timetable(self, t: float) -> float:
        deps = self.spec.timetable_h
        wt = (t + self.spec.week_offset_h) % WEEK_H
        i = int(np.searchsorted(deps, wt, side="left"))
        nxt = deps[i] if i < len(deps) else deps[0] + WEEK_H
        return t + float(nxt) - wt

    def capacity(self, t: float) -> float:
        s = self.spec
        lf = window_value(s.lf_windows, t, s.load_factor) if s.lf_windows else s.load_factor
        f = window_value(s.cap_windows, t, 1.0) if s.cap_windows else 1.0
        return s.cap * lf * f

    def join_many(self, members: Sequence[int], leg: Leg) -> None:
        now = self.sim.eng.now
        size = self.size
        for s in members:
            self.queue.append((s, leg, now))
            self.units += size[s]
        if self.spec.rule == "when_full":
            self._arm()

    def _arm(self) -> None:
        if not self.queue:
            return
        now = self.sim.eng.now
        t_full = now if self.units >= self.capacity(now) else _INF
        t = max(
            min(t_full, self.queue[0][2] + self.spec.max_wait_h),
            self.last_dep + self.spec.min_gap_h,
        )
        if t < self.next_at:
            self.token += 1
            self.next_at = t
            self.sim.eng.at(t, self._depart, self.token)

    def _depart(self, token: int | None) -> None:
        if token is not None and token != self.token:
            return
        now = self.sim.eng.now
        s = self.spec
        if s.spans[0]:
            t2 = next_open_h(now, s.spans[0], s.spans[1])
            if t2 > now:
                self.next_at = t2
                self.sim.eng.at(t2, self._depart, token)
                return
        if s.cancel and self.rng.random() >= s.availability:
            self.cancelled += 1
            self.last_dep = now
            self._schedule_next(now, lost=True)
            return
        cap = self.capacity(now)
        q = self.queue
        size = self.size
        load = 0.0
        by_leg: dict[Leg, list[int]] = {}
        while q and (load == 0.0 or load + size[q[0][0]] <= cap):
            sh, leg, _ = q.popleft()
            load += size[sh]
            by_leg.setdefault(leg, []).append(sh)
        self.units -= load
        if not q:
            self.units = 0.0
        self.departures += 1
        self.last_dep = now
        for leg, members in by_leg.items():
            self.sim.new_group(leg, members)
        self._schedule_next(now)

    def _schedule_next(self, now: float, *, lost: bool = False) -> None:
        s = self.spec
        if s.rule == "headway":
            self.sim.eng.at(now + s.headway_h, self._depart, None)
        elif s.rule == "timetable":
            self.sim.eng.at(self._next_timetable(now + 1e-9), self._depart, None)
        else:
            self.next_at = _INF
            self.token += 1
            if lost and self.queue:
                # A lost sailing: the next vessel comes a headway later at the earliest.
                self.next_at = now + s.headway_h
                self.sim.eng.at(self.next_at, self._depart, self.token)
            else:
                self._arm()


class LineJoin:
    """A leg's formation: shipments join the vessel line of its service at its port."""

    __slots__ = ("leg", "line")

    def __init__(self, line: VesselLine, leg: Leg) -> None:
        self.line, self.leg = line, leg

    def join_many(self, members: Sequence[int]) -> None:
        self.line.join_many(members, self.leg)


class Simulator:
    """The event handlers of one run."""

    def __init__(
        self,
        eng: Engine,
        log: _Log,
        size: dict[str, list[float]],
        plans: list[list[Plan]],
        adaptive: bool,
    ) -> None:
        self.eng = eng
        self.log = log
        self.size = size
        self.wagons = size["wagons"]
        self.t = size["t"]
        self.plans = plans
        self.adaptive = adaptive
        self.leg_i: list[int] = []
        self.plan_of: list[Plan | None] = []

    # -- shipments ------------------------------------------------------------------
    def start(self, od: list[int], release_h: list[float]) -> None:
        self.od = od
        self.release_h = release_h
        self.n = len(od)
        self.leg_i = [0] * len(od)
        self.plan_of = [None] * len(od)
        self.plan_k = [0] * len(od)
        if od:
            self.eng.at(release_h[0], self._release, 0)

    def _release(self, s: int) -> None:
        nxt = s + 1
        if nxt < self.n:
            self.eng.at(self.release_h[nxt], self._release, nxt)
        cands = self.plans[self.od[s]]
        k = 0
        if self.adaptive and len(cands) > 1:
            best = _INF
            for i, p in enumerate(cands):
                score = p.time_h
                for line in p.lines:
                    if line.rate_per_h > 0:
                        score += line.units / line.rate_per_h
                if score < best:
                    best, k = score, i
        plan = cands[k]
        self.plan_of[s] = plan
        self.plan_k[s] = k
        legs = plan.legs
        if legs:
            legs[0].formation.join_many((s,))
        else:
            self.log.delivered[s] = self.eng.now

    def new_group(self, leg: Leg, members: list[int]) -> None:
        log = self.log
        gid = len(log.g_leg)
        log.g_leg.append(leg.lid)
        log.g_created.append(self.eng.now)
        log.g_size.append(len(members))
        gcol = log.gid
        li = self.leg_i
        for s in members:
            gcol[s, li[s]] = gid
        self.advance(Group(gid, leg, members))

    # -- steps ----------------------------------------------------------------------
    def advance(self, g: Group) -> None:
        steps = g.leg.steps
        i = g.step_i
        if i >= len(steps):
            self._leg_done(g)
            return
        st = steps[i]
        now = self.eng.now
        g.enter = now
        stn = st.station
        if stn is None:
            start = next_open_h(now, st.starts, st.ends) if st.starts else now
            dur = st.mean_h * st.stream.next()  # type: ignore[union-attr]
            if st.pipe and st.rate_t_h < _INF:
                start = max(start, st.free_at)
                st.free_at = start + sum(self.t[s] for s in g.members) / st.rate_t_h
                dur += st.free_at - start
            g.start = start
            self.eng.at(start + dur, self._step_done, g)
        elif stn.servers is None or (stn.busy < stn.servers and not stn.queue):
            self._begin(stn, st, g)
        else:
            stn.queue.append(g)

    def _begin(self, stn: Station, st: Step, g: Group) -> None:
        now = self.eng.now
        start = (
            next_open_h(now, stn.starts, stn.ends, stn.hours) if stn.starts or stn.hours else now
        )
        mean = st.mean_h
        if st.borders:
            mean = sum(window_value(w, start, base) for base, w in st.borders)
        dur = mean * stn.stream.next()
        stn.busy += 1
        stn.busy_h += dur
        stn.served += 1
        g.start = start
        self.eng.at(start + dur, self._step_done, g)

    def _step_done(self, g: Group) -> None:
        log = self.log
        log.s_gid.append(g.gid)
        log.s_step.append(g.step_i)
        log.s_enter.append(g.enter)
        log.s_start.append(g.start)
        log.s_end.append(self.eng.now)
        st = g.leg.steps[g.step_i]
        stn = st.station
        if stn is not None:
            stn.busy -= 1
            if stn.servers is not None and stn.queue:
                nxt = stn.queue.popleft()
                self._begin(stn, nxt.leg.steps[nxt.step_i], nxt)
        g.step_i += 1
        self.advance(g)

    def _leg_done(self, g: Group) -> None:
        now = self.eng.now
        li = self.leg_i
        ready = self.log.ready
        plan_of = self.plan_of
        nxt: dict[Leg, list[int]] = {}
        for s in g.members:
            legs = plan_of[s].legs  # type: ignore[union-attr]
            k = li[s] + 1
            if k >= len(legs):
                self.log.delivered[s] = now
                continue
            li[s] = k
            ready[s, k] = now
            nxt.setdefault(legs[k], []).append(s)
        for leg, members in nxt.items():
            leg.formation.join_many(members)
