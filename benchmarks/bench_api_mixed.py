"""Load tests of the web service's edit path and of a mixed read/compute workload.

Two runs, each on a fresh SQLite store bootstrapped as the first ``corridor
serve`` does, served by ``uvicorn --factory corridor_twin.api:create_app
--workers W`` on a free localhost port; the clients (asyncio, one keep-alive
HTTP/1.1 connection each, the minimal client of ``bench_api.py``) run on the
same machine, so server and clients share its cores.

``editors``
    E editors (admin-role users, one token each), each owning a disjoint set
    of nodes of the bundled corridor, loop for D seconds: GET one of their
    nodes (its ``ETag`` is the version they edit), then PATCH its
    ``transit_dwell_h`` with that ``expected_version``. Reported: accepted
    edits/s, PATCH latency p50/p90/p99/max, 409s and other failures, per
    editor. Checked afterwards: the versions are 1..N with no gap or
    duplicate, N - 1 equals the accepted edits, and the audit log has one row
    per accepted edit. Targets: >= 20 accepted edits/s, p99 < 500 ms.
``mixed``
    C clients, each request drawn at random: 35 % ``POST /routes`` (random
    OD pair), 25 % ``GET /networks/titr/nodes/{id}``, 10 % ``GET
    /network/geojson``, 10 % ``GET /scenarios`` (bundled list), 5 % ``GET
    /scenarios/{name}`` (a stored scenario), 10 % ``GET /runs``, 5 % ``GET
    /runs/{id}`` (a finished route run). Targets: >= 500 requests/s, p99 < 200 ms.

Run on demand::

    python benchmarks/bench_api_mixed.py [--which editors mixed] [--duration 60]
        [--editors 8] [--clients 50] [--workers 1]

Prints Markdown tables and the load average. Exit status 1 if a version was
lost or duplicated or a request failed with 5xx (a missed target does not
change it). Only localhost is ever contacted; the run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

import corridor_twin as ct
from bench_api import HOST, free_port, od_pairs, start_server

EDIT_RPS, EDIT_P99_MS = 20.0, 500.0
MIXED_RPS, MIXED_P99_MS = 500.0, 200.0


def bootstrap(data_dir: Path, editors: int) -> tuple[str, list[str]]:
    """A fresh store; the admin's token and one token per editor."""
    from corridor_twin.api import ApiSettings
    from corridor_twin.store import open_store

    store, token = open_store(ApiSettings(data_dir=data_dir))
    try:
        assert token is not None
        admin = store.principal("admin")
        org = admin.organisation
        tokens = []
        for i in range(editors):
            store.create_user(f"bench-editor-{i}", org, "admin", by=admin)
            tokens.append(store.issue_token(f"bench-editor-{i}", by=admin))
    finally:
        store.close()
    return token, tokens


class Conn:
    """One keep-alive HTTP/1.1 connection (a minimal client: little CPU per request)."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    async def request(
        self, method: str, path: str, body: bytes | None = None
    ) -> tuple[int, dict[bytes, bytes], bytes]:
        """Send one request; status 0 if the connection broke (it is then reopened)."""
        try:
            return await self._request(method, path, body)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            self.close()
            await self.open()
            return 0, {}, b""

    async def _request(
        self, method: str, path: str, body: bytes | None = None
    ) -> tuple[int, dict[bytes, bytes], bytes]:
        assert self.reader is not None
        assert self.writer is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\n"
        )
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        await self.writer.drain()
        status_line = await self.reader.readline()
        headers: dict[bytes, bytes] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        data = await self.reader.readexactly(int(headers.get(b"content-length", b"0")))
        if not status_line:
            raise ConnectionError("closed")
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
            await self.open()
        return int(status_line.split()[1]), headers, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class CpuMeter:
    """How much CPU the server and clients used during a run, and everything else on the machine.

    From ``/proc`` (Linux): the machine's busy time minus that of this
    process (the clients) and the server's process tree. ``other_cores`` is
    the honest part of a figure measured on a shared machine.
    """

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def _busy_s(self) -> float:
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:]]
        idle = cpu[3] + (cpu[4] if len(cpu) > 4 else 0)
        return (sum(cpu[:8]) - idle) / self.tick

    def _ours_s(self) -> float:
        total = 0.0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(entry), int(fields[1])
            if pid in (os.getpid(), self.server_pid) or ppid == self.server_pid:
                total += (int(fields[11]) + int(fields[12])) / self.tick
        return total

    def start(self) -> None:
        self.t0, self.busy0, self.ours0 = time.perf_counter(), self._busy_s(), self._ours_s()

    def stop(self) -> str:
        wall = time.perf_counter() - self.t0
        busy, ours = self._busy_s() - self.busy0, self._ours_s() - self.ours0
        other = max(busy - ours, 0.0)
        return (
            f"CPU during the run: server + clients {ours / wall:.2f} cores, other processes "
            f"{other / wall:.2f} of {os.cpu_count()} cores"
        )


def _pct(lat_s: list[float]) -> tuple[float, float, float, float]:
    if not lat_s:
        return (float("nan"),) * 4  # type: ignore[return-value]
    a = np.array(lat_s) * 1000.0
    return (
        float(np.percentile(a, 50)),
        float(np.percentile(a, 90)),
        float(np.percentile(a, 99)),
        float(a.max()),
    )


def _get_json(port: int, token: str, path: str) -> Any:
    req = urllib.request.Request(
        f"http://{HOST}:{port}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


# -- editors -------------------------------------------------------------------------------
async def editor(
    port: int,
    token: str,
    nodes: list[str],
    stop: float,
    warm_until: float,
    out: dict[str, Any],
    seed: int,
) -> None:
    rng = random.Random(seed)
    conn = Conn(port, token)
    await conn.open()
    try:
        while time.perf_counter() < stop:
            node = rng.choice(nodes)
            status, headers, _ = await conn.request("GET", f"/api/v1/networks/titr/nodes/{node}")
            if status != 200:
                out["errors"][status] += 1
                continue
            version = int(headers[b"etag"].strip(b'"'))
            body = json.dumps(
                {
                    "expected_version": version,
                    "values": {"transit_dwell_h": rng.randint(1, 10_000) / 10},
                }
            ).encode()
            t0 = time.perf_counter()
            status, _, data = await conn.request(
                "PATCH", f"/api/v1/networks/titr/nodes/{node}", body
            )
            t1 = time.perf_counter()
            if t0 < warm_until:
                if status == 200 and json.loads(data)["changes"]:
                    out["warm_accepted"] += 1
                continue
            out["lat"].append(t1 - t0)
            if status == 200:
                if json.loads(data)["changes"]:
                    out["accepted"][seed] += 1
                else:
                    out["unchanged"] += 1
            elif status == 409:
                out["conflicts"][seed] += 1
            else:
                out["errors"][status] += 1
    finally:
        conn.close()


def run_editors(args: argparse.Namespace) -> bool:
    net = ct.load_corridor()
    ids = [n.id for n in net.nodes]
    random.Random(args.seed).shuffle(ids)
    shares = [ids[i :: args.editors] for i in range(args.editors)]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as tmp:
        admin, tokens = bootstrap(Path(tmp), args.editors)
        proc = start_server(port, args.workers, Path(tmp))
        out: dict[str, Any] = {
            "lat": [],
            "accepted": Counter(),
            "conflicts": Counter(),
            "errors": Counter(),
            "unchanged": 0,
            "warm_accepted": 0,
        }
        try:
            start = time.perf_counter()
            warm_until = start + args.warmup
            stop = warm_until + args.duration

            async def all_editors() -> None:
                await asyncio.gather(
                    *(
                        editor(port, tokens[i], shares[i], stop, warm_until, out, i)
                        for i in range(args.editors)
                    )
                )

            meter = CpuMeter(proc.pid)
            meter.start()
            asyncio.run(all_editors())
            cpu = meter.stop()
            versions = _get_json(port, admin, "/api/v1/networks/titr/versions")
            audit = _get_json(port, admin, "/api/v1/networks/titr/audit?limit=10000")
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    numbers = [v["version"] for v in versions]
    accepted = sum(out["accepted"].values()) + out["warm_accepted"]
    edits_audited = sum(1 for a in audit if a["action"] == "update")
    consecutive = numbers == list(range(1, len(numbers) + 1))
    ok = consecutive and len(numbers) - 1 == accepted and edits_audited == accepted
    measured = sum(out["accepted"].values())
    rps = measured / args.duration
    p50, p90, p99, mx = _pct(out["lat"])
    print(
        f"\nEditors: {args.editors} editors on different nodes, {args.workers} uvicorn "
        f"worker(s), {args.duration:.0f} s measured after {args.warmup:.0f} s warm-up, "
        f"GET record + PATCH transit_dwell_h, SQLite store, {os.cpu_count()} cores shared "
        f"by server and clients; load average before: {args.load_before}; {cpu}\n"
    )
    print(
        "| accepted edits | edits/s | PATCH p50 | p90 | p99 | max | 409 | other non-200 "
        "| versions consecutive, = edits, audited | target |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {measured:,} | {rps:,.1f} {'✔' if rps >= EDIT_RPS else '✘'} | {p50:.0f} ms | "
        f"{p90:.0f} ms | {p99:.0f} ms {'✔' if p99 < EDIT_P99_MS else '✘'} | {mx:.0f} ms | "
        f"{sum(out['conflicts'].values())} | {sum(out['errors'].values())} | "
        f"{'yes' if ok else 'NO'} ({len(numbers)} versions, {accepted} edits, "
        f"{edits_audited} audit rows) | ≥ {EDIT_RPS:.0f}/s, p99 < {EDIT_P99_MS:.0f} ms |"
    )
    per = [out["accepted"][i] for i in range(args.editors)]
    print(
        f"\naccepted per editor: {per}; 409s per editor: "
        f"{[out['conflicts'][i] for i in range(args.editors)]}"
    )
    bad = sum(n for s, n in out["errors"].items() if s >= 500)
    return ok and not bad


# -- mixed ---------------------------------------------------------------------------------
async def mixed_client(
    port: int,
    token: str,
    plan: list[tuple[str, str, bytes | None]],
    stop: float,
    warm_until: float,
    out: list[tuple[float, int, str]],
    seed: int,
) -> None:
    rng = random.Random(seed)
    conn = Conn(port, token)
    await conn.open()
    try:
        while time.perf_counter() < stop:
            label, path, body = plan[rng.randrange(len(plan))]
            t0 = time.perf_counter()
            status, _, _ = await conn.request("POST" if body is not None else "GET", path, body)
            t1 = time.perf_counter()
            if t0 >= warm_until:
                out.append((t1 - t0, status, label))
    finally:
        conn.close()


def run_mixed(args: argparse.Namespace) -> bool:
    net = ct.load_corridor()
    pairs = od_pairs(200, args.seed, 1)
    rng = random.Random(args.seed)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as tmp:
        admin, _ = bootstrap(Path(tmp), 0)
        proc = start_server(port, args.workers, Path(tmp))
        try:
            req = urllib.request.Request(
                f"http://{HOST}:{port}/api/v1/runs",
                method="POST",
                data=json.dumps(
                    {"kind": "route", "inputs": {"origin": "Almaty", "destination": "Istanbul"}}
                ).encode(),
                headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(req, timeout=60) as r:
                run_id = json.loads(r.read())["id"]
            stored = [d["name"] for d in _get_json(port, admin, "/api/v1/scenarios")][:5]
            weights = [
                ("routes", 35),
                ("record", 25),
                ("geojson", 10),
                ("scenarios", 10),
                ("stored scenario", 5),
                ("runs", 10),
                ("run", 5),
            ]
            plan: list[tuple[str, str, bytes | None]] = []
            for label, w in weights:
                for _ in range(w):
                    if label == "routes":
                        o, d = rng.choice(pairs)
                        plan.append(
                            (
                                label,
                                "/api/v1/routes",
                                json.dumps({"origin": o, "destination": d}).encode(),
                            )
                        )
                    elif label == "record":
                        plan.append(
                            (label, f"/api/v1/networks/titr/nodes/{rng.choice(net.nodes).id}", None)
                        )
                    elif label == "geojson":
                        plan.append((label, "/api/v1/network/geojson", None))
                    elif label == "scenarios":
                        plan.append((label, "/api/v1/scenarios", None))
                    elif label == "stored scenario":
                        plan.append((label, f"/api/v1/scenarios/{rng.choice(stored)}", None))
                    elif label == "runs":
                        plan.append((label, "/api/v1/runs?limit=20", None))
                    else:
                        plan.append((label, f"/api/v1/runs/{run_id}", None))
            out: list[tuple[float, int, str]] = []
            start = time.perf_counter()
            warm_until = start + args.warmup
            stop = warm_until + args.duration

            async def all_clients() -> None:
                await asyncio.gather(
                    *(
                        mixed_client(port, admin, plan, stop, warm_until, out, i)
                        for i in range(args.clients)
                    )
                )

            meter = CpuMeter(proc.pid)
            meter.start()
            asyncio.run(all_clients())
            cpu = meter.stop()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    rps = len(out) / args.duration
    p50, p90, p99, mx = _pct([r[0] for r in out])
    errors = Counter(r[1] for r in out if r[1] != 200)
    print(
        f"\nMixed: {args.clients} clients, {args.workers} uvicorn worker(s), "
        f"{args.duration:.0f} s measured after {args.warmup:.0f} s warm-up, SQLite store, "
        f"{os.cpu_count()} cores shared by server and clients; load average before: "
        f"{args.load_before}; {cpu}\n"
    )
    print("| requests | requests/s | p50 | p90 | p99 | max | non-200 | target |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(out):,} | {rps:,.0f} {'✔' if rps >= MIXED_RPS else '✘'} | {p50:.1f} ms | "
        f"{p90:.1f} ms | {p99:.1f} ms {'✔' if p99 < MIXED_P99_MS else '✘'} | {mx:.0f} ms | "
        f"{sum(errors.values())} | ≥ {MIXED_RPS:.0f} req/s, p99 < {MIXED_P99_MS:.0f} ms |"
    )
    print("\n| request | share | p50 | p99 |")
    print("|---|---|---|---|")
    for label, _ in [
        ("routes", 0),
        ("record", 0),
        ("geojson", 0),
        ("scenarios", 0),
        ("stored scenario", 0),
        ("runs", 0),
        ("run", 0),
    ]:
        lat = [r[0] for r in out if r[2] == label]
        q50, _, q99, _ = _pct(lat)
        print(f"| {label} | {len(lat) / max(len(out), 1):.0%} | {q50:.1f} ms | {q99:.1f} ms |")
    return not any(s >= 500 or s == 0 for s in errors)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--which", nargs="+", choices=["editors", "mixed"], default=["editors", "mixed"]
    )
    ap.add_argument("--editors", type=int, default=8)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn worker processes (default 1, as corridor serve; see benchmarks/README.md)",
    )
    ap.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    ap.add_argument("--seed", type=int, default=20241125)
    args = ap.parse_args()
    ok = True
    for which in args.which:
        args.load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        ok &= run_editors(args) if which == "editors" else run_mixed(args)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
