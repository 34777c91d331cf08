"""Benchmark harness: timing, result rows, Markdown tables, correctness checks, memory.

Shared by the benchmark scripts in this folder; not part of the package.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from corridor_twin.network.compile import CompiledNetwork

__all__ = [
    "PEERS",
    "Checks",
    "Measured",
    "Row",
    "close",
    "edge_path_ok",
    "finish",
    "fmt_s",
    "maxrss_mb",
    "measure",
    "node_path_length",
    "print_table",
    "rss_mb",
]

PEERS = ("scipy", "scipy+pred", "igraph", "rustworkx", "networkx")
"""Table columns, in order."""
RESULTS_DIR = Path(__file__).resolve().parent / "results"
"""Where the scripts write their JSON results by default (git-ignored)."""


# -- timing ----------------------------------------------------------------------------
@dataclass
class Measured:
    """Median over repeats of (batch time / items); outputs of the last batch."""

    per_call_s: float
    repeats: int
    items: int
    subset_of: int | None = None  # total items when only a subset was timed
    outputs: list[Any] = field(default_factory=list, repr=False)


def measure(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    repeat: int,
    budget_s: float,
    total: int | None = None,
) -> Measured:
    """Time ``fn`` over ``items``: one warm-up call, then up to ``repeat`` batches.

    Stops repeating once ``budget_s`` is spent (at least one batch always
    runs). The garbage collector is off inside a batch.
    """
    fn(items[0])
    times: list[float] = []
    outputs: list[Any] = []
    spent = 0.0
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            outputs = [fn(it) for it in items]
            dt = time.perf_counter() - t0
        finally:
            gc.enable()
        times.append(dt)
        spent += dt
        if spent > budget_s:
            break
    subset = total if total is not None and total != len(items) else None
    return Measured(statistics.median(times) / len(items), len(times), len(items), subset, outputs)


# -- result rows -----------------------------------------------------------------------
@dataclass
class Row:
    """One table line; ``target`` is ("ratio", r) = ours r x faster, or ("max_s", s)."""

    operation: str
    ours: Measured | None
    peers: dict[str, Measured] = field(default_factory=dict)
    target: tuple[str, float] | None = None
    note: str = ""

    def fastest(self) -> tuple[str, float] | None:
        if not self.peers:
            return None
        name = min(self.peers, key=lambda k: self.peers[k].per_call_s)
        return name, self.peers[name].per_call_s

    def ratio(self) -> float | None:
        best = self.fastest()
        if best is None or self.ours is None:
            return None
        return best[1] / self.ours.per_call_s

    def status(self) -> str:
        if self.target is None or self.ours is None:
            return "info"
        kind, value = self.target
        if kind == "ratio":
            r = self.ratio()
            return "n/a" if r is None else ("PASS" if r >= value else "FAIL")
        return "PASS" if self.ours.per_call_s <= value else "FAIL"

    def target_text(self) -> str:
        if self.target is None:
            return "-"
        kind, value = self.target
        return f">= {value:g}x" if kind == "ratio" else f"<= {fmt_s(value)}"

    def to_json(self) -> dict[str, Any]:
        def m(x: Measured) -> dict[str, Any]:
            return {
                "seconds": x.per_call_s,
                "repeats": x.repeats,
                "items": x.items,
                "subset_of": x.subset_of,
            }

        best = self.fastest()
        return {
            "operation": self.operation,
            "ours": m(self.ours) if self.ours else None,
            "peers": {k: m(v) for k, v in self.peers.items()},
            "fastest_peer": best[0] if best else None,
            "ratio": self.ratio(),
            "target": self.target_text(),
            "status": self.status(),
            "note": self.note,
        }


def fmt_s(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1.0:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def _cell(m: Measured | None) -> str:
    if m is None:
        return "-"
    return fmt_s(m.per_call_s) + ("*" if m.subset_of else "")


def print_table(title: str, rows: Sequence[Row], peers: Sequence[str] = PEERS) -> None:
    head = ["operation", "ours", *peers, "fastest peer", "ratio", "target", "result"]
    lines = [head, ["---"] * len(head)]
    for r in rows:
        best = r.fastest()
        ratio = r.ratio()
        lines.append(
            [
                r.operation,
                _cell(r.ours),
                *(_cell(r.peers.get(p)) for p in peers),
                best[0] if best else "-",
                f"{ratio:.2f}x" if ratio else "-",
                r.target_text(),
                r.status(),
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    print(f"\n### {title}\n")
    for line in lines:
        if line[0] == "---":
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        else:
            print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
    notes = [f"{r.operation}: {r.note}" for r in rows if r.note]
    subsets = {
        f"{k} ({v.items} of {v.subset_of})"
        for r in rows
        for k, v in [("ours", r.ours), *r.peers.items()]
        if v is not None and v.subset_of
    }
    if subsets:
        notes.append("* timed on a subset: " + ", ".join(sorted(subsets)))
    for note in notes:
        print(f"  - {note}")


# -- checks ----------------------------------------------------------------------------
class Checks:
    """Correctness checks run on the timed outputs; any failure sets the exit status."""

    def __init__(self) -> None:
        self.results: list[dict[str, Any]] = []

    def add(self, name: str, ok: bool, detail: str = "") -> None:
        self.results.append({"check": name, "ok": bool(ok), "detail": detail})

    @property
    def ok(self) -> bool:
        return all(r["ok"] for r in self.results)

    def print(self) -> None:
        for r in self.results:
            print(
                f"  check {'OK  ' if r['ok'] else 'FAIL'} {r['check']}"
                + (f" ({r['detail']})" if r["detail"] else "")
            )


def finish(
    results: dict[str, Any],
    checks: Checks,
    name: str,
    out: Path | None,
    *,
    list_checks: bool = False,
) -> int:
    """Print the correctness summary, write ``results`` as JSON; the exit status.

    The file is ``out``, by default ``results/<name>-<date-time>.json`` here;
    ``list_checks`` prints every check after the summary.
    """
    failed = [c["check"] for c in checks.results if not c["ok"]]
    print(
        f"\ncorrectness: {len(checks.results) - len(failed)}/{len(checks.results)} checks "
        "passed" + (f"; FAILED: {'; '.join(failed)}" if failed else "")
    )
    if list_checks:
        checks.print()
    out = out or RESULTS_DIR / f"{name}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"wall time {results['wall_s']:.0f} s; results written to {out}")
    return 0 if checks.ok else 1


def close(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not np.array_equal(np.isinf(a), np.isinf(b)):
        return False
    fin = np.isfinite(a)
    return bool(np.allclose(a[fin], b[fin], rtol=1e-9, atol=1e-9))


def node_path_length(comp: CompiledNetwork, w: np.ndarray, nodes: Sequence[int]) -> float:
    total = 0.0
    for u, v in itertools.pairwise(nodes):
        lo, hi = comp.indptr[u], comp.indptr[u + 1]
        total += float(w[lo:hi][comp.indices[lo:hi] == v].min())
    return total


def edge_path_ok(
    comp: CompiledNetwork, w: np.ndarray, path: np.ndarray, s: int, t: int, value: float
) -> bool:
    if len(path) == 0:
        return s == t
    chained = bool(np.all(comp.indices[path[:-1]] == comp.tail[path[1:]]))
    ends = comp.tail[path[0]] == s and comp.indices[path[-1]] == t
    return chained and bool(ends) and bool(np.isclose(w[path].sum(), value, rtol=1e-9))


# -- memory ---------------------------------------------------------------------------
def maxrss_mb() -> float:
    """Peak resident size of this process.

    ``VmHWM`` where there is one: ``ru_maxrss`` survives ``fork`` + ``exec``, so
    in a child it would report the parent's size when that is larger.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:  # not Linux: fall back to the peak so far
        return maxrss_mb()
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
