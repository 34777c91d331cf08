# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""Compiled maximum-flow kernels on an edge list: push-relabel and Dinic.

The graph is given as ``tails``/``heads`` (int32) and float64 capacities, one
value per edge; capacities must be finite and non-negative (the caller
replaces "unlimited" by a number larger than any cut). Each kernel builds the
residual graph once, in CSR order by tail (each edge gives a forward arc and
a reverse arc; ``mate`` links the two). A residual or excess at or below
``tol`` counts as zero, so rounding leftovers never cause extra work.

``push_relabel`` is the highest-label preflow-push method with the gap and
global-relabelling heuristics (as in Cherkassky & Goldberg's HIPR), in two
phases: the first finds a maximum preflow (its value is the max-flow value),
the second returns the excess stranded at vertices that cannot reach the
sink to the source, which turns the preflow into a flow. ``dinic`` is
Dinic's algorithm: BFS levels from the source, then a blocking flow by an
iterative depth-first search with current-arc pointers.

Both return the flow on each edge and the source side of a minimum cut: the
vertices reachable from the source in the final residual graph.
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


cdef void _residual(int32_t n, int64_t m, const int32_t* tails, const int32_t* heads,
                    const double* capacity, int64_t* first, int32_t* head, double* res,
                    int64_t* mate, int64_t* fwd, int64_t* pos) noexcept nogil:
    """Residual graph in CSR: each edge e (not a self-loop) gets a forward arc fwd[e]
    with its capacity and a reverse arc with none, mates of each other. ``first``
    must be zeroed (n + 1); ``pos`` is scratch (n)."""
    cdef int64_t e, pf, pr
    cdef int32_t u, w, v
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
        pos[v] = first[v]
    for e in range(m):
        u = tails[e]
        w = heads[e]
        if u == w:
            continue
        pf = pos[u]
        pos[u] += 1
        pr = pos[w]
        pos[w] += 1
        head[pf] = w
        head[pr] = u
        res[pf] = capacity[e]
        res[pr] = 0.0
        mate[pf] = pr
        mate[pr] = pf
        fwd[e] = pf


def _check_args(int32_t n, int64_t m, int64_t n_heads, int64_t n_capacity, int32_t source,
                int32_t sink):
    """Shared argument checks of the max-flow kernels."""
    if n_heads != m or n_capacity != m:
        raise ValueError("tails, heads and capacity must have the same length")
    if not (0 <= source < n and 0 <= sink < n):
        raise IndexError("source or sink vertex out of range")
    if source == sink:
        raise ValueError("source and sink must differ")


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
    _check_args(n, m, heads.shape[0], capacity.shape[0], source, sink)
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
        _residual(n, m, &tails[0], &heads[0], &capacity[0], &first[0], &head[0], &res[0],
                  &mate[0], &fwd[0], &it[0])
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


# ---------------------------------------------------------------------------
# Highest-label push-relabel.
# ---------------------------------------------------------------------------
cdef struct _PR:
    int32_t n
    int32_t target      # the vertex excess flows to (sink in phase 1, source in phase 2)
    int32_t fixed       # the vertex kept at label n (source in phase 1, sink in phase 2)
    const int64_t* first
    const int32_t* head
    const int64_t* mate
    double* res
    double* excess
    int32_t* d
    int64_t* cur
    int32_t* queue
    int32_t* act_head   # active vertices per label: a stack linked by act_next
    int32_t* act_next
    int32_t* all_head   # every vertex per label (< n): doubly linked by all_next/all_prev
    int32_t* all_next
    int32_t* all_prev
    int32_t max_active
    int32_t max_label
    int64_t work
    double tol


cdef inline void _all_add(_PR* g, int32_t v, int32_t k) noexcept nogil:
    cdef int32_t h = g.all_head[k]
    g.all_next[v] = h
    g.all_prev[v] = -1
    if h >= 0:
        g.all_prev[h] = v
    g.all_head[k] = v
    if k > g.max_label:
        g.max_label = k


cdef inline void _all_remove(_PR* g, int32_t v, int32_t k) noexcept nogil:
    cdef int32_t a = g.all_prev[v], b = g.all_next[v]
    if a >= 0:
        g.all_next[a] = b
    else:
        g.all_head[k] = b
    if b >= 0:
        g.all_prev[b] = a


cdef inline void _activate(_PR* g, int32_t v) noexcept nogil:
    cdef int32_t k = g.d[v]
    g.act_next[v] = g.act_head[k]
    g.act_head[k] = v
    if k > g.max_active:
        g.max_active = k


cdef void _global_relabel(_PR* g) noexcept nogil:
    """Exact distances to the target over residual arcs; rebuild the buckets."""
    cdef int32_t n = g.n, qh = 0, qt = 0, u, w, k
    cdef int64_t p
    for u in range(n):
        g.d[u] = n
        g.act_head[u] = -1
        g.all_head[u] = -1
    g.max_active = -1
    g.max_label = -1
    g.d[g.target] = 0
    g.queue[qt] = g.target
    qt += 1
    while qh < qt:
        w = g.queue[qh]
        qh += 1
        k = g.d[w] + 1
        for p in range(g.first[w], g.first[w + 1]):
            u = g.head[p]
            if g.d[u] == n and u != g.fixed and g.res[g.mate[p]] > g.tol:
                g.d[u] = k
                g.queue[qt] = u
                qt += 1
    for u in range(n):
        g.cur[u] = g.first[u]
        if u == g.target or u == g.fixed or g.d[u] >= n:
            continue
        _all_add(g, u, g.d[u])
        if g.excess[u] > g.tol:
            _activate(g, u)
    g.work = 0


cdef void _discharge(_PR* g, int32_t v) noexcept nogil:
    cdef int32_t n = g.n, dv = g.d[v], w, k, u, newd
    cdef int64_t p, end = g.first[v + 1], newp
    cdef double delta
    while True:
        p = g.cur[v]
        while p < end:
            if g.res[p] > g.tol:
                w = g.head[p]
                if g.d[w] == dv - 1:
                    delta = g.excess[v] if g.excess[v] < g.res[p] else g.res[p]
                    g.res[p] -= delta
                    g.res[g.mate[p]] += delta
                    if g.excess[w] <= g.tol and w != g.target:
                        _activate(g, w)
                    g.excess[w] += delta
                    g.excess[v] -= delta
                    if g.excess[v] <= g.tol:
                        g.cur[v] = p
                        return
            p += 1
        # Relabel (no admissible arc left).
        g.work += 12 + (end - g.first[v])
        _all_remove(g, v, dv)
        if g.all_head[dv] < 0:
            # Gap: nothing is left at label dv, so nothing above it reaches the target.
            for k in range(dv + 1, g.max_label + 1):
                u = g.all_head[k]
                while u >= 0:
                    g.d[u] = n
                    u = g.all_next[u]
                g.all_head[k] = -1
                g.act_head[k] = -1
            g.d[v] = n
            g.max_label = dv - 1
            return
        newd = n
        newp = end
        for p in range(g.first[v], end):
            if g.res[p] > g.tol and g.d[g.head[p]] + 1 < newd:
                newd = g.d[g.head[p]] + 1
                newp = p
        g.d[v] = newd
        if newd >= n:
            return
        _all_add(g, v, newd)
        g.cur[v] = newp
        dv = newd


cdef void _run(_PR* g, int64_t threshold) noexcept nogil:
    cdef int32_t v
    _global_relabel(g)
    while g.max_active >= 0:
        v = g.act_head[g.max_active]
        if v < 0:
            g.max_active -= 1
            continue
        g.act_head[g.max_active] = g.act_next[v]
        _discharge(g, v)
        if g.work > threshold:
            _global_relabel(g)


def push_relabel(int32_t n, const int32_t[::1] tails, const int32_t[::1] heads,
                 const double[::1] capacity, int32_t source, int32_t sink, double tol=0.0):
    """Maximum ``source`` -> ``sink`` flow by highest-label push-relabel.

    Returns ``(value, flow, source_side)`` as :func:`dinic` does.
    """
    cdef int64_t m = tails.shape[0], e, pf, pr, p
    cdef int32_t v, u, w
    _check_args(n, m, heads.shape[0], capacity.shape[0], source, sink)
    first_a = np.zeros(n + 1, dtype=np.int64)
    head_a = np.empty(2 * m, dtype=np.int32)
    mate_a = np.empty(2 * m, dtype=np.int64)
    res_a = np.empty(2 * m, dtype=np.float64)
    fwd_a = np.full(m, -1, dtype=np.int64)
    excess_a = np.zeros(n, dtype=np.float64)
    d_a = np.empty(n, dtype=np.int32)
    cur_a = np.empty(n, dtype=np.int64)
    ints_a = np.empty((6, n), dtype=np.int32)
    flow_a = np.zeros(m, dtype=np.float64)
    cdef int64_t[::1] first = first_a
    cdef int32_t[::1] head = head_a
    cdef int64_t[::1] mate = mate_a
    cdef double[::1] res = res_a
    cdef int64_t[::1] fwd = fwd_a
    cdef double[::1] excess = excess_a
    cdef int32_t[::1] d = d_a
    cdef int64_t[::1] cur = cur_a
    cdef int32_t[:, ::1] ints = ints_a
    cdef double[::1] flow = flow_a
    cdef double c, value
    cdef _PR g
    cdef int64_t threshold = 6 * <int64_t>n + 2 * m
    with nogil:
        _residual(n, m, &tails[0], &heads[0], &capacity[0], &first[0], &head[0], &res[0],
                  &mate[0], &fwd[0], &cur[0])
        g.n = n
        g.first = &first[0]
        g.head = &head[0]
        g.mate = &mate[0]
        g.res = &res[0]
        g.excess = &excess[0]
        g.d = &d[0]
        g.cur = &cur[0]
        g.queue = &ints[0, 0]
        g.act_head = &ints[1, 0]
        g.act_next = &ints[2, 0]
        g.all_head = &ints[3, 0]
        g.all_next = &ints[4, 0]
        g.all_prev = &ints[5, 0]
        g.tol = tol
        # Phase 1: saturate the source's arcs, then push towards the sink.
        for p in range(first[source], first[source + 1]):
            c = res[p]
            if c > 0.0:
                res[p] = 0.0
                res[mate[p]] += c
                excess[head[p]] += c
        g.target = sink
        g.fixed = source
        _run(&g, threshold)
        value = excess[sink]
        # Phase 2: return the stranded excess to the source.
        g.target = source
        g.fixed = sink
        _run(&g, threshold)
        _bfs(n, &first[0], &head[0], &res[0], &d[0], &ints[0, 0], source, -1, tol)
        for e in range(m):
            p = fwd[e]
            if p >= 0:
                flow[e] = res[mate[p]]
    side_a = (d_a >= 0).astype(np.uint8)
    return value, flow_a, side_a


def cancel_cycles(int32_t n, const int32_t[::1] tails, const int32_t[::1] heads,
                  const double[::1] flow, double tol=0.0):
    """The flow with every cycle removed (same value, same conservation).

    Push-relabel may route some flow round cycles (its second phase returns
    stranded excess along any residual path). A depth-first search over the
    edges carrying flow finds each cycle and subtracts its smallest flow
    from every edge on it; flows at or below ``tol`` become zero.
    """
    cdef int64_t m = tails.shape[0], e, q
    cdef int32_t v, w, r, top, k, j
    cdef double delta
    if heads.shape[0] != m or flow.shape[0] != m:
        raise ValueError("tails, heads and flow must have the same length")
    out_a = np.asarray(flow, dtype=np.float64).copy()
    first_a = np.zeros(n + 1, dtype=np.int64)
    order_a = np.empty(m, dtype=np.int64)
    cur_a = np.empty(n, dtype=np.int64)
    color_a = np.zeros(n, dtype=np.uint8)
    stack_a = np.empty(n, dtype=np.int32)
    via_a = np.empty(n, dtype=np.int64)  # edge that led to the stack vertex at the same depth
    cdef double[::1] out = out_a
    cdef int64_t[::1] first = first_a
    cdef int64_t[::1] order = order_a
    cdef int64_t[::1] cur = cur_a
    cdef uint8_t[::1] color = color_a
    cdef int32_t[::1] stack = stack_a
    cdef int64_t[::1] via = via_a
    with nogil:
        for e in range(m):
            if out[e] <= tol:
                out[e] = 0.0
            else:
                first[tails[e] + 1] += 1
        for v in range(n):
            first[v + 1] += first[v]
        for v in range(n):
            cur[v] = first[v]
        for e in range(m):
            if out[e] > 0.0:
                order[cur[tails[e]]] = e
                cur[tails[e]] += 1
        for v in range(n):
            cur[v] = first[v]
        for r in range(n):
            if color[r] != 0:
                continue
            top = 0
            stack[0] = r
            color[r] = 1
            while top >= 0:
                v = stack[top]
                while cur[v] < first[v + 1] and (out[order[cur[v]]] <= 0.0
                                                 or color[heads[order[cur[v]]]] == 2):
                    cur[v] += 1
                if cur[v] == first[v + 1]:
                    color[v] = 2
                    top -= 1
                    continue
                e = order[cur[v]]
                w = heads[e]
                if color[w] == 0:
                    top += 1
                    stack[top] = w
                    via[top] = e
                    color[w] = 1
                    continue
                # w is on the stack: the cycle is stack[k..top] plus e.
                k = top
                while stack[k] != w:
                    k -= 1
                delta = out[e]
                for j in range(k + 1, top + 1):
                    if out[via[j]] < delta:
                        delta = out[via[j]]
                out[e] -= delta
                if out[e] <= tol:
                    out[e] = 0.0
                j = top + 1
                for q in range(k + 1, top + 1):
                    out[via[q]] -= delta
                    if out[via[q]] <= tol:
                        out[via[q]] = 0.0
                        if q < j:
                            j = q
                # Unwind to the tail of the first emptied edge on the cycle.
                if j <= top:
                    while top >= j:
                        color[stack[top]] = 0
                        top -= 1
    return out_a
