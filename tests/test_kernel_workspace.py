"""Single-pair searches that reuse a workspace give the same answers as fresh ones."""

from __future__ import annotations

import numpy as np

from corridor_twin.routing import _kernels


def _graph(n: int, m: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m)
    w = rng.uniform(0, 10, m)
    w[rng.random(m) < 0.1] = np.inf  # disabled edges
    w[rng.random(m) < 0.1] = 0.0  # free edges
    order = np.argsort(tail, kind="stable")
    tail, head, w = tail[order].astype(np.int32), head[order].astype(np.int32), w[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    rev = np.argsort(head, kind="stable").astype(np.int32)
    rip = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(head, minlength=n), out=rip[1:])
    return indptr, head, rip, rev, tail, w


def test_workspace_reuse_matches_fresh_searches() -> None:
    indptr, head, rip, rev, tail, w = _graph(300, 1200, seed=3)
    ws = _kernels.Workspace(300)
    rng = np.random.default_rng(4)
    for s, t in rng.integers(0, 300, (200, 2)):
        fresh = _kernels.bidirectional(indptr, head, rip, rev, tail, w, int(s), int(t))
        reused = _kernels.bidirectional(indptr, head, rip, rev, tail, w, int(s), int(t), ws)
        assert fresh[0] == reused[0] or (np.isinf(fresh[0]) and np.isinf(reused[0]))
        dist, _ = _kernels.sssp(indptr, head, w, int(s))
        assert reused[0] == dist[t] or np.isclose(reused[0], dist[t])
        if np.isfinite(reused[0]):
            assert np.isclose(w[reused[1]].sum(), reused[0])
    # the workspace is clean again after every search
    assert np.isinf(np.asarray(ws.df)).all()
    assert (np.asarray(ws.posb) == -1).all()
