"""A small event-scheduling engine: a clock in hours and a heap of callbacks.

The discrete-event model (:mod:`corridor_twin.simulate.model`) is written in
event-scheduling style: every event is a plain ``callback(arg)`` due at a time.
A heap of ``(time_h, sequence, callback, arg)`` tuples runs them in time order;
the sequence number breaks ties in scheduling order, so runs are deterministic.
This does in one ``heappop`` and one call what a process-based engine such as
SimPy does with a generator resume and several event objects, which is why it
runs faster (see ``benchmarks/bench_simulate.py``).

The simulation clock is in hours.

Examples
--------
>>> eng = Engine()
>>> seen = []
>>> eng.at(2.0, seen.append, "b")
>>> eng.at(1.0, seen.append, "a")
>>> eng.run(until_h=10.0)
>>> seen, eng.now, eng.events
(['a', 'b'], 10.0, 2)
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["Engine", "Stream", "next_open_h"]


class Engine:
    """The event list and the clock (hours).

    Attributes
    ----------
    now
        Current simulated time, in hours since the start.
    events
        Number of events run so far.
    """

    __slots__ = ("_heap", "_seq", "events", "now")

    def __init__(self) -> None:
        self.now = 0.0
        self.events = 0
        self._heap: list[tuple[float, int, Callable[[Any], object], Any]] = []
        self._seq = 0

    def at(self, time_h: float, callback: Callable[[Any], object], arg: Any = None) -> None:
        """Schedule ``callback(arg)`` at ``time_h`` (not before now)."""
        self._seq += 1
        if time_h < self.now:
            time_h = self.now
        heapq.heappush(self._heap, (time_h, self._seq, callback, arg))

    def run(self, until_h: float) -> None:
        """Run every event due up to and including ``until_h``; the clock ends there."""
        heap = self._heap
        pop = heapq.heappop
        n = 0
        while heap and heap[0][0] <= until_h:
            t, _, callback, arg = pop(heap)
            self.now = t
            callback(arg)
            n += 1
        self.events += n
        self.now = max(self.now, until_h)

    @property
    def pending(self) -> int:
        """Number of events scheduled and not yet run."""
        return len(self._heap)


class Stream:
    """Unit-mean random variates drawn in blocks from one generator.

    Each stochastic element of the model (a station's service times, a leg's
    running times) owns a stream, so changing one element does not shift the
    random numbers of the others (common random numbers across scenarios).

    Parameters
    ----------
    rng
        The stream's own generator.
    family
        {gamma, lognormal, constant}.
    cv
        Coefficient of variation (0: always 1.0).
    block
        Variates drawn per refill.

    Examples
    --------
    >>> import numpy as np
    >>> s = Stream(np.random.default_rng(0), "gamma", 1.0)
    >>> x = [s.next() for _ in range(20_000)]
    >>> bool(abs(sum(x) / len(x) - 1.0) < 0.03)
    True
    """

    __slots__ = ("_buf", "_cv", "_family", "_i", "_rng", "block")

    def __init__(self, rng: np.random.Generator, family: str, cv: float, block: int = 256) -> None:
        self._rng = rng
        self._family = family if cv > 0 else "constant"
        self._cv = float(cv)
        self.block = block
        self._buf: list[float] = []
        self._i = 0

    def _refill(self) -> None:
        cv = self._cv
        if self._family == "gamma":
            k = 1.0 / (cv * cv)
            self._buf = self._rng.gamma(k, 1.0 / k, self.block).tolist()
        elif self._family == "lognormal":
            import math

            s2 = math.log1p(cv * cv)
            self._buf = self._rng.lognormal(-s2 / 2, math.sqrt(s2), self.block).tolist()
        else:
            self._buf = [1.0] * self.block
        self._i = 0

    def next(self) -> float:
        """The next variate (mean 1)."""
        i = self._i
        if i >= len(self._buf):
            self._refill()
            i = 0
        self._i = i + 1
        return self._buf[i]


def next_open_h(
    t: float,
    starts: Sequence[float],
    ends: Sequence[float],
    hours: tuple[float, float] | None = None,
) -> float:
    """The first time at or after ``t`` outside closures and within opening hours.

    Parameters
    ----------
    t
        Time in hours.
    starts, ends
        Closure intervals ``[start, end)``, sorted by start and not overlapping.
    hours
        Daily opening hours ``(open_h, close_h)`` in ``[0, 24]``; None: always.

    Examples
    --------
    >>> next_open_h(5.0, [4.0, 20.0], [6.0, 30.0])
    6.0
    >>> next_open_h(20.0, [], [], hours=(8.0, 18.0))
    32.0
    """
    for _ in range(10_000):
        moved = False
        i = bisect.bisect_right(starts, t) - 1
        if i >= 0 and t < ends[i]:
            t = ends[i]
            moved = True
        if hours is not None:
            open_h, close_h = hours
            day, h = divmod(t, 24.0)
            if h < open_h:
                t = day * 24.0 + open_h
                moved = True
            elif h >= close_h:
                t = (day + 1) * 24.0 + open_h
                moved = True
        if not moved:
            return t
    return t
