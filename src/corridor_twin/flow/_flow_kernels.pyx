# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""Compiled maximum-flow kernel (Dinic) on an edge list.

The graph is given as ``tails``/``heads`` (int32) and float64 capacities, one
value per edge; capacities must be finite and non-negative (the caller
replaces "unlimited" by a number larger than any cut). The kernel builds the
residual graph once, in CSR order by tail (each edge gives a forward arc and
a reverse arc; ``mate`` links the two), then runs Dinic's phases: a BFS from
the source that stops at the sink's level, and a blocking flow by an
iterative depth-first search with current-arc pointers. A residual at or
below ``tol`` counts as zero, so rounding leftovers never start a new phase.
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t


cdef int32_t _bfs(int32_t n, const int64_t* first, const int32_t* head, const double* res,
                  int32_t* level, int32_t* queue, int32_t s, int32_t t,
                  double tol) noexcept nogil:
    """Levels from ``s`` over arcs with residual > tol; returns level[t] (-1 if cut off).

    With ``t < 0`` the search runs to the end (used for the min-cut side).
    """
    cdef int32_t qh = 0, qt = 0, u, w
    cdef int64_t p
    for u in range(n):
        level[u] = -1
    level[s] = 0
    queue[qt] = s
    qt += 1
    while qh < qt:
        u = queue[qh]
        qh += 1
        for p in range(first[u], first[u + 1]):
            w = head[p]
            if level[w] < 0 and res[p] > tol:
                level[w] = level[u] + 1
                if w == t:
                    return level[w]
                queue[qt] = w
                qt += 1
    return -1 if t < 0 else level[t]


cdef double _blocking_flow(const int64_t* first, const int32_t* head, const int64_t* mate,
                           double* res, int32_t* level, int64_t* it, int64_t* stk,
                           int32_t s, int32_t t, double tol) noexcept nogil:
    """Saturate every shortest augmenting path of the level graph; returns the flow sent."""
    cdef int32_t v = s, w, depth = 0, k, i
    cdef int64_t p
    cdef double f, total = 0.0
    while True:
        if v == t:
            f = res[stk[0]]
            for i in range(1, depth):
                if res[stk[i]] < f:
                    f = res[stk[i]]
            k = -1
            for i in range(depth):
                p = stk[i]
                res[p] -= f
                res[mate[p]] += f
                if k < 0 and res[p] <= tol:
                    k = i
            total += f
            # Retreat to the tail of the first saturated arc.
            depth = k
            v = s if k == 0 else head[stk[k - 1]]
            continue
        p = it[v]
        while p < first[v + 1]:
            w = head[p]
            if res[p] > tol and level[w] == level[v] + 1:
                break
            p += 1
        it[v] = p
        if p < first[v + 1]:
            stk[depth] = p
            depth += 1
            v = head[p]
        else:
            if v == s:
                break
            level[v] = -1  # dead end for the rest of the phase
            depth -= 1
            p = stk[depth]
            v = head[mate[p]]
            it[v] += 1
    return total


def dinic(int32_t n, const int32_t[::1] tails, const int32_t[::1] heads,
          const double[::1] capacity, int32_t source, int32_t sink, double tol=0.0):
    """Maximum ``source`` -> ``sink`` flow by Dinic's algorithm.

    Returns ``(value, flow, source_side)``: the flow value, the flow on each
    edge (float64, in edge order) and a uint8 mask of the vertices reachable
    from the source in the final residual graph (the source side of a minimum
    cut). Self-loops carry no flow.
    """
    cdef int64_t m = tails.shape[0], e, pf, pr, p
    cdef int32_t v, u, w
    if heads.shape[0] != m or capacity.shape[0] != m:
        raise ValueError("tails, heads and capacity must have the same length")
    if not (0 <= source < n and 0 <= sink < n):
        raise IndexError("source or sink vertex out of range")
    if source == sink:
        raise ValueError("source and sink must differ")
    first_a = np.zeros(n + 1, dtype=np.int64)
    head_a = np.empty(2 * m, dtype=np.int32)
    mate_a = np.empty(2 * m, dtype=np.int64)
    res_a = np.empty(2 * m, dtype=np.float64)
    fwd_a = np.full(m, -1, dtype=np.int64)
    level_a = np.empty(n, dtype=np.int32)
    queue_a = np.empty(n, dtype=np.int32)
    it_a = np.empty(n, dtype=np.int64)
    stk_a = np.empty(n, dtype=np.int64)
    flow_a = np.zeros(m, dtype=np.float64)
    cdef int64_t[::1] first = first_a
    cdef int32_t[::1] head = head_a
    cdef int64_t[::1] mate = mate_a
    cdef double[::1] res = res_a
    cdef int64_t[::1] fwd = fwd_a
    cdef int32_t[::1] level = level_a
    cdef int32_t[::1] queue = queue_a
    cdef int64_t[::1] it = it_a
    cdef int64_t[::1] stk = stk_a
    cdef double[::1] flow = flow_a
    cdef double value = 0.0, c
    with nogil:
        for e in range(m):
            u = tails[e]
            w = heads[e]
            if u == w:
                continue
            first[u + 1] += 1
            first[w + 1] += 1
        for v in range(n):
            first[v + 1] += first[v]
        for v in range(n):
            it[v] = first[v]
        for e in range(m):
            u = tails[e]
            w = heads[e]
            if u == w:
                continue
            pf = it[u]
            it[u] += 1
            pr = it[w]
            it[w] += 1
            c = capacity[e]
            head[pf] = w
            head[pr] = u
            res[pf] = c
            res[pr] = 0.0
            mate[pf] = pr
            mate[pr] = pf
            fwd[e] = pf
        while _bfs(n, &first[0], &head[0], &res[0], &level[0], &queue[0], source, sink,
                   tol) >= 0:
            for v in range(n):
                it[v] = first[v]
            value += _blocking_flow(&first[0], &head[0], &mate[0], &res[0], &level[0], &it[0],
                                    &stk[0], source, sink, tol)
        _bfs(n, &first[0], &head[0], &res[0], &level[0], &queue[0], source, -1, tol)
        for e in range(m):
            p = fwd[e]
            if p >= 0:
                flow[e] = res[mate[p]]  # never negative: the reverse residual is the net flow
    side_a = (level_a >= 0).astype(np.uint8)
    return value, flow_a, side_a
