"""Synthetic road/rail-like networks for benchmarks, built through the public model.

Examples
--------
>>> import numpy as np
>>> net = synthetic_network(100, np.random.default_rng(0))
>>> len(net.nodes), net.links[0].mode, net.links[0].gauge_mm
(100, 'rail', 1520)
"""

from __future__ import annotations

import numpy as np

from corridor_twin.network.model import Commodity, Link, Meta, ModeDefaults, Network, Node

__all__ = ["network_rng", "synthetic_network"]


def synthetic_network(n: int, rng: np.random.Generator) -> Network:
    """A perturbed-grid rail network of about ``n`` nodes (gauge 1520 mm).

    Nodes sit on a ``sqrt(n)``-wide grid with 5 km spacing and jittered
    coordinates; 10 % of grid edges are dropped; about ``n / 500`` trunk links
    join nodes 15-40 cells apart at higher speed. Links are bidirectional with
    ``length_km`` = straight-line distance x a detour factor in [1.05, 1.4]
    (trunks [1.02, 1.1]) and ``speed_kmh`` uniform in [30, 80] (trunks [90, 120]).
    """
    cols = max(1, round(n**0.5))
    spacing_km = 5.0
    ids = np.arange(n)
    gy, gx = np.divmod(ids, cols)
    x = (gx + rng.uniform(-0.35, 0.35, n)) * spacing_km
    y = (gy + rng.uniform(-0.35, 0.35, n)) * spacing_km
    right = ids[(gx < cols - 1) & (ids + 1 < n)]
    up = ids[ids + cols < n]
    grid = np.vstack([np.column_stack([right, right + 1]), np.column_stack([up, up + cols])])
    grid = grid[rng.random(len(grid)) >= 0.10]
    detour = rng.uniform(1.05, 1.4, len(grid))
    speed = rng.uniform(30.0, 80.0, len(grid))

    n_trunk = max(5, n // 500)
    a = rng.integers(0, n, n_trunk)
    hop = rng.integers(15, 41, n_trunk)
    angle = rng.uniform(0, 2 * np.pi, n_trunk)
    bx = np.clip(gx[a] + np.round(hop * np.cos(angle)).astype(int), 0, cols - 1)
    by = np.clip(gy[a] + np.round(hop * np.sin(angle)).astype(int), 0, (n - 1) // cols)
    b = np.minimum(by * cols + bx, n - 1)
    trunk = np.unique(np.sort(np.column_stack([a, b]), axis=1), axis=0)
    # drop degenerate trunks and any that would duplicate a grid edge
    trunk = trunk[~np.isin(np.abs(trunk[:, 0] - trunk[:, 1]), (0, 1, cols))]
    pairs = np.vstack([grid, trunk])
    detour = np.concatenate([detour, rng.uniform(1.02, 1.1, len(trunk))])
    speed = np.concatenate([speed, rng.uniform(90.0, 120.0, len(trunk))])
    length = np.hypot(x[pairs[:, 0]] - x[pairs[:, 1]], y[pairs[:, 0]] - y[pairs[:, 1]]) * detour

    node_id = [f"N{i:06d}" for i in range(n)]
    lat = 38.0 + y / 111.0
    lon = 50.0 + x / 88.0  # km per degree of longitude near 38 N
    nodes = tuple(
        Node(
            id=node_id[i],
            name=f"Node {i}",
            kind="junction",
            country="KZ",
            lat=float(lat[i]),
            lon=float(lon[i]),
        )
        for i in range(n)
    )
    links = tuple(
        Link(
            id=f"L{j}",
            from_node=node_id[p],
            to_node=node_id[q],
            mode="rail",
            gauge_mm=1520,
            length_km=float(lk),
            speed_kmh=float(sp),
            bidirectional=True,
        )
        for j, ((p, q), lk, sp) in enumerate(zip(pairs.tolist(), length, speed, strict=True))
    )
    return Network(
        nodes=nodes,
        links=links,
        commodities=(
            Commodity(
                id="container",
                name="Containers",
                unit="teu",
                t_per_teu=10.0,
                modes=("rail",),
                value_of_time_usd_per_unit_h=2.0,
            ),
        ),
        modes=(ModeDefaults(id="rail", speed_kmh=50.0, cost_usd_per_teu_km=0.5),),
        meta=Meta(name=f"synthetic-grid-{n}"),
    )


def network_rng(seed: int, n: int) -> np.random.Generator:
    """The generator of the size-``n`` network: the same (seed, n), the same network."""
    return np.random.default_rng([seed, n])
