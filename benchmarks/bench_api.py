"""Load test of the web service: concurrent clients asking routes on the bundled corridor.

Bootstraps a fresh SQLite store in a temporary directory (as the first
``corridor serve`` does) and starts ``uvicorn --factory
corridor_twin.api:create_app --workers W`` on it on a free localhost port, then
runs C concurrent clients (asyncio, one keep-alive HTTP/1.1
connection each, a minimal client so that the load generator spends little of
the machine's CPU) that POST ``/api/v1/routes`` for random origin-destination
pairs of the bundled corridor, with the admin's API token (so each request
passes the token check and reads the stored network), for D seconds after a
warm-up. Prints a Markdown
table: requests/s, p50/p90/p99/max latency, errors, against the targets
(p99 < 100 ms, >= 500 requests/s on 2 cores). The client runs on the same
machine as the server, so both share its cores.

Run on demand::

    python benchmarks/bench_api.py [--clients 50] [--workers 2] [--duration 10]

Exit status 1 if any request failed (a missed target does not change it).
Only localhost is ever contacted; the run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

import corridor_twin as ct
from corridor_twin.errors import CorridorError

TARGET_P99_MS = 100.0
TARGET_RPS = 500.0
HOST = "127.0.0.1"


def od_pairs(n: int, seed: int, k: int) -> list[tuple[str, str]]:
    """``n`` random origin-destination pairs that have a container route."""
    net = ct.load_corridor()
    ids = [node.id for node in net.nodes if node.kind != "pipeline_terminal"]
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = []
    while len(pairs) < n:
        o, d = rng.sample(ids, 2)
        try:
            ct.route(net, o, d, cargo="container")
        except CorridorError:
            continue
        pairs.append((o, d))
    return pairs


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def bootstrap(data_dir: Path) -> str:
    """A fresh store in ``data_dir``; the admin's token."""
    from corridor_twin.api import ApiSettings
    from corridor_twin.store import open_store

    store, token = open_store(ApiSettings(data_dir=data_dir))
    store.close()
    assert token is not None
    return token


def start_server(port: int, workers: int, data_dir: Path) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "corridor_twin.api:create_app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    # as ``corridor serve`` runs it (warm start: networks loaded, then frozen out of the GC)
    env = {
        **os.environ,
        "CORRIDOR_WEB": "false",
        "CORRIDOR_DATA_DIR": str(data_dir),
        "CORRIDOR_WARM_START": "true",
    }
    env.pop("CORRIDOR_DATABASE_URL", None)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/v1/health", timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


async def client(
    port: int,
    bodies: list[bytes],
    start: float,
    stop: float,
    warm: float,
    out: list[tuple[float, int, int]],
    seed: int,
    token: str,
) -> None:
    """One keep-alive connection sending requests until ``stop``."""
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection(HOST, port)
    head = (
        f"POST /api/v1/routes HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()
    try:
        while (now := time.perf_counter()) < stop:
            body = bodies[rng.randrange(len(bodies))]
            t0 = time.perf_counter()
            writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            t1 = time.perf_counter()
            status = int(status_line.split()[1]) if status_line else 0
            if now >= start + warm:
                out.append((t1 - t0, status, seed))
    finally:
        writer.close()


async def load(
    port: int, bodies: list[bytes], clients: int, duration: float, warm: float, token: str
) -> tuple[list[tuple[float, int, int]], float]:
    out: list[tuple[float, int, int]] = []
    start = time.perf_counter()
    stop = start + warm + duration
    await asyncio.gather(
        *(client(port, bodies, start, stop, warm, out, i, token) for i in range(clients))
    )
    return out, duration


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    ap.add_argument("--pairs", type=int, default=500, help="distinct OD pairs")
    ap.add_argument("--k", type=int, default=1, help="routes per request")
    ap.add_argument("--seed", type=int, default=20241125)
    args = ap.parse_args()

    pairs = od_pairs(args.pairs, args.seed, args.k)
    bodies = [json.dumps({"origin": o, "destination": d, "k": args.k}).encode() for o, d in pairs]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as tmp:
        token = bootstrap(Path(tmp))
        proc = start_server(port, args.workers, Path(tmp))
        try:
            results, duration = asyncio.run(
                load(port, bodies, args.clients, args.duration, args.warmup, token)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    lat_ms = np.array([r[0] for r in results]) * 1000.0
    errors = sum(1 for r in results if r[1] != 200)
    rps = len(results) / duration
    p50, p90, p99 = (float(np.percentile(lat_ms, q)) for q in (50, 90, 99))
    ok_rps = "✔" if rps >= TARGET_RPS else "✘"
    ok_p99 = "✔" if p99 < TARGET_P99_MS else "✘"
    print(
        f"\nLoad test: {args.clients} clients, {args.workers} uvicorn worker(s), "
        f"{duration:.0f} s measured after {args.warmup:.0f} s warm-up, "
        f"POST /api/v1/routes (k={args.k}, with an API token, SQLite store) over "
        f"{len(pairs)} random OD pairs, "
        f"{os.cpu_count()} cores shared by server and client\n"
    )
    print("| requests | requests/s | p50 | p90 | p99 | max | non-200 | target |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(results):,} | {rps:,.0f} {ok_rps} | {p50:.1f} ms | {p90:.1f} ms | "
        f"{p99:.1f} ms {ok_p99} | {lat_ms.max():.1f} ms | {errors} | "
        f"≥ {TARGET_RPS:.0f} req/s, p99 < {TARGET_P99_MS:.0f} ms |"
    )
    per_client = np.bincount([r[2] for r in results], minlength=args.clients)
    mean_ms = [float(lat_ms[[r[2] == c for r in results]].mean()) for c in range(args.clients)]
    print(
        f"\nrequests per client: min {per_client.min()}, max {per_client.max()}; "
        f"mean latency per client: {min(mean_ms):.1f} to {max(mean_ms):.1f} ms"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
