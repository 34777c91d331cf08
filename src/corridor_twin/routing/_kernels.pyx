# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""Compiled shortest-path kernels on CSR graphs.

All kernels take a forward CSR graph (``indptr`` int64, ``indices`` int32 heads,
edge id = CSR position) and float64 edge weights; an edge with weight ``inf``
is absent. Weights must be non-negative. Heaps are 4-ary with decrease-key
(``corridor_twin/_heap.pxd``, shared with the user-equilibrium kernels).
Kernels allocate their work arrays once per call and, where a call runs many
searches (Yen, skims), reset only the vertices a search touched.
"""

import numpy as np

from libc.math cimport INFINITY, fmod
from libc.stdint cimport int32_t, int64_t, uint8_t
from libcpp.pair cimport pair
from libcpp.queue cimport priority_queue
from libcpp.vector cimport vector

from corridor_twin._heap cimport heap_pop, heap_push_or_decrease


def sssp(const int64_t[::1] indptr, const int32_t[::1] indices, const double[::1] weights,
         int32_t source, int32_t target=-1):
    """Dijkstra from ``source``: (dist, pred_edge); stops early once ``target`` is settled.

    With a target, only settled vertices carry final distances.
    """
    cdef int32_t n = indptr.shape[0] - 1
    dist_a = np.full(n, np.inf)
    pred_a = np.full(n, -1, dtype=np.int32)
    pos_a = np.full(n, -1, dtype=np.int32)
    heap_a = np.empty(max(n, 1), dtype=np.int32)
    cdef double[::1] dist = dist_a
    cdef int32_t[::1] pred = pred_a
    cdef int32_t[::1] pos = pos_a
    cdef int32_t[::1] heap = heap_a
    cdef int32_t size = 0, u, v
    cdef int64_t e
    cdef double du, nd
    if source < 0 or source >= n:
        raise IndexError("source vertex out of range")
    with nogil:
        dist[source] = 0.0
        heap_push_or_decrease(&heap[0], &pos[0], &dist[0], source, &size)
        while size > 0:
            u = heap_pop(&heap[0], &pos[0], &dist[0], &size)
            if u == target:
                break
            du = dist[u]
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = du + weights[e]
                if nd < dist[v]:
                    dist[v] = nd
                    pred[v] = <int32_t>e
                    heap_push_or_decrease(&heap[0], &pos[0], &dist[0], v, &size)
    return dist_a, pred_a


def reverse_sssp(const int64_t[::1] rev_indptr, const int32_t[::1] rev_edges,
                 const int32_t[::1] tail, const double[::1] weights, int32_t target):
    """Distances *to* ``target`` from every vertex: (dist, next_edge)."""
    cdef int32_t n = rev_indptr.shape[0] - 1
    dist_a = np.full(n, np.inf)
    nxt_a = np.full(n, -1, dtype=np.int32)
    pos_a = np.full(n, -1, dtype=np.int32)
    heap_a = np.empty(max(n, 1), dtype=np.int32)
    cdef double[::1] dist = dist_a
    cdef int32_t[::1] nxt = nxt_a
    cdef int32_t[::1] pos = pos_a
    cdef int32_t[::1] heap = heap_a
    cdef int32_t size = 0, u, v, e
    cdef int64_t j
    cdef double du, nd
    if target < 0 or target >= n:
        raise IndexError("target vertex out of range")
    with nogil:
        dist[target] = 0.0
        heap_push_or_decrease(&heap[0], &pos[0], &dist[0], target, &size)
        while size > 0:
            u = heap_pop(&heap[0], &pos[0], &dist[0], &size)
            du = dist[u]
            for j in range(rev_indptr[u], rev_indptr[u + 1]):
                e = rev_edges[j]
                v = tail[e]
                nd = du + weights[e]
                if nd < dist[v]:
                    dist[v] = nd
                    nxt[v] = e
                    heap_push_or_decrease(&heap[0], &pos[0], &dist[0], v, &size)
    return dist_a, nxt_a


cdef class Workspace:
    """Reusable work arrays for single-pair searches on graphs of ``n`` vertices.

    Searches given a workspace reset only the vertices they touched, so a
    query costs what it explores, not the size of the graph. A workspace must
    not be used by two searches at once.
    """

    cdef readonly int32_t n
    cdef public object df, db, pf, pb, posf, posb, hf, hb

    def __init__(self, int32_t n):
        self.n = n
        self.df = np.full(n, np.inf)
        self.db = np.full(n, np.inf)
        self.pf = np.full(n, -1, dtype=np.int32)
        self.pb = np.full(n, -1, dtype=np.int32)
        self.posf = np.full(n, -1, dtype=np.int32)
        self.posb = np.full(n, -1, dtype=np.int32)
        self.hf = np.empty(max(n, 1), dtype=np.int32)
        self.hb = np.empty(max(n, 1), dtype=np.int32)


def bidirectional(const int64_t[::1] indptr, const int32_t[::1] indices,
                  const int64_t[::1] rev_indptr, const int32_t[::1] rev_edges,
                  const int32_t[::1] tail, const double[::1] weights, int32_t s, int32_t t,
                  Workspace workspace=None):
    """Bidirectional Dijkstra from ``s`` to ``t``: (length, edge path as int32 array).

    Returns ``(inf, empty)`` when ``t`` cannot be reached. With a
    :class:`Workspace` the work arrays are reused instead of allocated.
    """
    cdef int32_t n = indptr.shape[0] - 1
    if s < 0 or s >= n or t < 0 or t >= n:
        raise IndexError("vertex out of range")
    if s == t:
        return 0.0, np.empty(0, dtype=np.int32)
    ws = workspace if workspace is not None else Workspace(n)
    if ws.n != n:
        raise ValueError("workspace is for a graph of another size")
    cdef double[::1] df = ws.df
    cdef double[::1] db = ws.db
    cdef int32_t[::1] pf = ws.pf
    cdef int32_t[::1] pb = ws.pb
    cdef int32_t[::1] posf = ws.posf
    cdef int32_t[::1] posb = ws.posb
    cdef int32_t[::1] hf = ws.hf
    cdef int32_t[::1] hb = ws.hb
    cdef vector[int32_t] touched
    cdef int32_t nf = 0, nb = 0, u, v, e, best_e = -1
    cdef int64_t j
    cdef double mu = INFINITY, du, nd, topf, topb, c
    with nogil:
        df[s] = 0.0
        db[t] = 0.0
        heap_push_or_decrease(&hf[0], &posf[0], &df[0], s, &nf)
        heap_push_or_decrease(&hb[0], &posb[0], &db[0], t, &nb)
        while nf > 0 and nb > 0:
            topf = df[hf[0]]
            topb = db[hb[0]]
            if topf + topb >= mu:
                break
            if topf <= topb:
                u = heap_pop(&hf[0], &posf[0], &df[0], &nf)
                du = df[u]
                for j in range(indptr[u], indptr[u + 1]):
                    v = indices[j]
                    nd = du + weights[j]
                    if nd < df[v]:
                        if df[v] == INFINITY:
                            touched.push_back(v)
                        df[v] = nd
                        pf[v] = <int32_t>j
                        heap_push_or_decrease(&hf[0], &posf[0], &df[0], v, &nf)
                    if db[v] < INFINITY:
                        c = nd + db[v]
                        if c < mu:
                            mu = c
                            best_e = <int32_t>j
            else:
                u = heap_pop(&hb[0], &posb[0], &db[0], &nb)
                du = db[u]
                for j in range(rev_indptr[u], rev_indptr[u + 1]):
                    e = rev_edges[j]
                    v = tail[e]
                    nd = du + weights[e]
                    if nd < db[v]:
                        if db[v] == INFINITY:
                            touched.push_back(v)
                        db[v] = nd
                        pb[v] = e
                        heap_push_or_decrease(&hb[0], &posb[0], &db[0], v, &nb)
                    if df[v] < INFINITY:
                        c = nd + df[v]
                        if c < mu:
                            mu = c
                            best_e = e
    path = []
    if best_e >= 0:
        v = tail[best_e]
        while v != s:
            e = pf[v]
            path.append(e)
            v = tail[e]
        path.reverse()
        path.append(best_e)
        v = indices[best_e]
        while v != t:
            e = pb[v]
            path.append(e)
            v = indices[e]
    touched.push_back(s)
    touched.push_back(t)
    for j in range(<int64_t>touched.size()):
        v = touched[j]
        df[v] = INFINITY
        db[v] = INFINITY
        pf[v] = -1
        pb[v] = -1
        posf[v] = -1
        posb[v] = -1
    if best_e < 0:
        return np.inf, np.empty(0, dtype=np.int32)
    return mu, np.asarray(path, dtype=np.int32)


cdef double _astar(const int64_t* indptr, const int32_t* indices, const double* w,
                   const int32_t* tail, const double* h, const uint8_t* banned_v,
                   const uint8_t* banned_e, double* g, double* key, int32_t* pred,
                   int32_t* pos, int32_t* heap, vector[int32_t]& touched, int32_t s,
                   int32_t t) noexcept nogil:
    """A* from s to t with consistent potentials h; returns g[t] (inf if none)."""
    cdef int32_t size = 0, u, v
    cdef int64_t j
    cdef double nd, result = INFINITY
    g[s] = 0.0
    key[s] = h[s]
    touched.push_back(s)
    heap_push_or_decrease(heap, pos, key, s, &size)
    while size > 0:
        u = heap_pop(heap, pos, key, &size)
        if u == t:
            result = g[t]
            break
        for j in range(indptr[u], indptr[u + 1]):
            if banned_e[j]:
                continue
            v = indices[j]
            if banned_v[v] or pos[v] == -2 or h[v] == INFINITY:
                continue
            nd = g[u] + w[j]
            if nd < g[v]:
                if g[v] == INFINITY and pos[v] == -1:
                    touched.push_back(v)
                g[v] = nd
                key[v] = nd + h[v]
                pred[v] = <int32_t>j
                heap_push_or_decrease(heap, pos, key, v, &size)
    return result


def k_shortest(const int64_t[::1] indptr, const int32_t[::1] indices,
               const int64_t[::1] rev_indptr, const int32_t[::1] rev_edges,
               const int32_t[::1] tail, const double[::1] weights, int32_t s, int32_t t,
               int32_t k):
    """Yen's k shortest loopless paths, spur searches by A* on exact potentials.

    The potentials are the exact distances to ``t`` on the full graph (one
    reverse Dijkstra); removing edges and vertices only lengthens paths, so
    they stay consistent lower bounds and each spur search explores only the
    vertices on near-shortest deviations.

    Returns a list of ``(length, edge path as int32 array)``, shortest first.
    """
    cdef int32_t n = indptr.shape[0] - 1
    cdef int64_t m = indices.shape[0]
    h_a, nxt_a = reverse_sssp(rev_indptr, rev_edges, tail, weights, t)
    cdef double[::1] h = h_a
    cdef int32_t[::1] nxt = nxt_a
    if s < 0 or s >= n:
        raise IndexError("vertex out of range")
    if h[s] == INFINITY or k <= 0:
        return []
    # First path: follow the reverse tree.
    first = []
    cdef int32_t v = s, e
    while v != t:
        e = nxt[v]
        first.append(e)
        v = indices[e]
    accepted = [(h[s], first)]
    if k == 1:
        return [(c, np.asarray(p, dtype=np.int32)) for c, p in accepted]
    g_a = np.full(n, np.inf)
    key_a = np.full(n, np.inf)
    pred_a = np.full(n, -1, dtype=np.int32)
    pos_a = np.full(n, -1, dtype=np.int32)
    heap_a = np.empty(n, dtype=np.int32)
    bv_a = np.zeros(n, dtype=np.uint8)
    be_a = np.zeros(max(m, 1), dtype=np.uint8)
    cdef double[::1] g = g_a
    cdef double[::1] key = key_a
    cdef int32_t[::1] pred = pred_a
    cdef int32_t[::1] pos = pos_a
    cdef int32_t[::1] heap = heap_a
    cdef uint8_t[::1] bv = bv_a
    cdef uint8_t[::1] be = be_a
    cdef vector[int32_t] touched
    cdef double spur_len, root_len
    cdef int32_t i, x, spur
    seen = {tuple(first)}
    candidates = []  # heap of (length, path list)
    import heapq
    while len(accepted) < k:
        last = accepted[len(accepted) - 1][1]
        # vertices of the last path
        verts = [s]
        for e in last:
            verts.append(indices[e])
        root_len = 0.0
        for i in range(len(last)):
            spur = verts[i]
            root = last[:i]
            # ban the next edge of every accepted path sharing this root
            banned_edges = []
            for _, p in accepted:
                if len(p) > i and p[:i] == root:
                    banned_edges.append(p[i])
            for e in banned_edges:
                be[e] = 1
            for x in range(i):
                bv[verts[x]] = 1
            spur_len = _astar(&indptr[0], &indices[0], &weights[0], &tail[0], &h[0], &bv[0],
                              &be[0], &g[0], &key[0], &pred[0], &pos[0], &heap[0], touched,
                              spur, t)
            if spur_len < INFINITY:
                spur_path = []
                x = t
                while x != spur:
                    e = pred[x]
                    spur_path.append(e)
                    x = tail[e]
                spur_path.reverse()
                path = root + spur_path
                tp = tuple(path)
                if tp not in seen:
                    seen.add(tp)
                    heapq.heappush(candidates, (root_len + spur_len, path))
            for x in range(<int32_t>touched.size()):
                v = touched[x]
                g[v] = INFINITY
                key[v] = INFINITY
                pred[v] = -1
                pos[v] = -1
            touched.clear()
            for e in banned_edges:
                be[e] = 0
            for x in range(i):
                bv[verts[x]] = 0
            root_len += weights[last[i]]
        if not candidates:
            break
        accepted.append(heapq.heappop(candidates))
    return [(c, np.asarray(p, dtype=np.int32)) for c, p in accepted]


def skim(const int64_t[::1] indptr, const int32_t[::1] indices, const int32_t[::1] tail,
         const double[::1] weights, const int32_t[::1] sources, const int32_t[::1] targets,
         const double[:, ::1] components):
    """Many-to-many: for each source, the shortest-path tree by ``weights`` to all targets.

    Returns ``out[i, j, 0]`` = length from ``sources[i]`` to ``targets[j]`` and
    ``out[i, j, 1 + c]`` = the sum of ``components[c]`` along that path (inf
    where unreachable).
    """
    cdef int32_t n = indptr.shape[0] - 1
    cdef int32_t ns = sources.shape[0], nt = targets.shape[0], nc = components.shape[0]
    out_a = np.full((ns, nt, nc + 1), np.inf)
    cdef double[:, :, ::1] out = out_a
    dist_a = np.full(n, np.inf)
    pred_a = np.full(n, -1, dtype=np.int32)
    pos_a = np.full(n, -1, dtype=np.int32)
    heap_a = np.empty(max(n, 1), dtype=np.int32)
    mark_a = np.zeros(n, dtype=np.uint8)
    acc_a = np.zeros((max(nc, 1), n))
    cdef double[::1] dist = dist_a
    cdef int32_t[::1] pred = pred_a
    cdef int32_t[::1] pos = pos_a
    cdef int32_t[::1] heap = heap_a
    cdef uint8_t[::1] mark = mark_a
    cdef double[:, ::1] acc = acc_a
    cdef vector[int32_t] order
    cdef int32_t i, j, c, u, v, size, remaining, unique_targets = 0, src
    cdef int64_t e
    cdef double du, nd
    for j in range(nt):
        if targets[j] < 0 or targets[j] >= n:
            raise IndexError("target vertex out of range")
        if not mark[targets[j]]:
            mark[targets[j]] = 1
            unique_targets += 1
    for i in range(ns):
        if sources[i] < 0 or sources[i] >= n:
            raise IndexError("source vertex out of range")
    with nogil:
        for i in range(ns):
            src = sources[i]
            size = 0
            remaining = unique_targets
            dist[src] = 0.0
            heap_push_or_decrease(&heap[0], &pos[0], &dist[0], src, &size)
            order.clear()
            while size > 0 and remaining > 0:
                u = heap_pop(&heap[0], &pos[0], &dist[0], &size)
                order.push_back(u)
                if mark[u]:
                    remaining -= 1
                du = dist[u]
                for e in range(indptr[u], indptr[u + 1]):
                    v = indices[e]
                    nd = du + weights[e]
                    if nd < dist[v]:
                        dist[v] = nd
                        pred[v] = <int32_t>e
                        heap_push_or_decrease(&heap[0], &pos[0], &dist[0], v, &size)
            # accumulate components in settle order (parents settle first)
            for j in range(<int32_t>order.size()):
                u = order[j]
                if u == src:
                    for c in range(nc):
                        acc[c, u] = 0.0
                else:
                    e = pred[u]
                    for c in range(nc):
                        acc[c, u] = acc[c, tail[e]] + components[c, e]
            for j in range(nt):
                v = targets[j]
                if pos[v] == -2:
                    out[i, j, 0] = dist[v]
                    for c in range(nc):
                        out[i, j, 1 + c] = acc[c, v]
            # reset everything the search touched: settled vertices and the frontier
            for j in range(<int32_t>order.size()):
                u = order[j]
                for e in range(indptr[u], indptr[u + 1]):
                    v = indices[e]
                    dist[v] = INFINITY
                    pred[v] = -1
                    pos[v] = -1
                dist[u] = INFINITY
                pred[u] = -1
                pos[u] = -1
    return out_a


def earliest_arrival(const int64_t[::1] indptr, const int32_t[::1] indices,
                     const double[::1] static_h, const int32_t[::1] run,
                     const double[::1] board_offset_h, const int64_t[::1] dep_ptr,
                     const double[::1] dep_h, const double[::1] expected_wait_h,
                     int32_t source, double t0_h, int32_t target):
    """Time-dependent Dijkstra (FIFO): earliest arrival from ``source`` leaving at ``t0_h``.

    Times are hours since a Monday 00:00 UTC. An edge with ``run[e] >= 0``
    boards service run ``run[e]``: the wait is to its next departure (weekly
    times ``dep_h[dep_ptr[r]:dep_ptr[r+1]]`` at the first stop, plus
    ``board_offset_h[e]``), or ``expected_wait_h[r]`` for a run with no
    timetable. Returns (arrival, pred_edge).
    """
    cdef int32_t n = indptr.shape[0] - 1
    arr_a = np.full(n, np.inf)
    pred_a = np.full(n, -1, dtype=np.int32)
    pos_a = np.full(n, -1, dtype=np.int32)
    heap_a = np.empty(max(n, 1), dtype=np.int32)
    cdef double[::1] arr = arr_a
    cdef int32_t[::1] pred = pred_a
    cdef int32_t[::1] pos = pos_a
    cdef int32_t[::1] heap = heap_a
    cdef int32_t size = 0, u, v, r
    cdef int64_t e, k
    cdef double tu, nd, x, wait, best
    with nogil:
        arr[source] = t0_h
        heap_push_or_decrease(&heap[0], &pos[0], &arr[0], source, &size)
        while size > 0:
            u = heap_pop(&heap[0], &pos[0], &arr[0], &size)
            if u == target:
                break
            tu = arr[u]
            for e in range(indptr[u], indptr[u + 1]):
                if static_h[e] == INFINITY:
                    continue
                r = run[e]
                wait = 0.0
                if r >= 0:
                    if dep_ptr[r + 1] > dep_ptr[r]:
                        x = fmod(tu - board_offset_h[e], 168.0)
                        if x < 0:
                            x += 168.0
                        best = INFINITY
                        for k in range(dep_ptr[r], dep_ptr[r + 1]):
                            if dep_h[k] >= x - 1e-9 and dep_h[k] - x < best:
                                best = dep_h[k] - x
                        if best == INFINITY:
                            best = dep_h[dep_ptr[r]] + 168.0 - x
                        if best < 0:
                            best = 0.0
                        wait = best
                    else:
                        wait = expected_wait_h[r]
                nd = tu + wait + static_h[e]
                v = indices[e]
                if nd < arr[v]:
                    arr[v] = nd
                    pred[v] = <int32_t>e
                    heap_push_or_decrease(&heap[0], &pos[0], &arr[0], v, &size)
    return arr_a, pred_a


cdef inline bint _dominates(double a0, double a1, double a2, double b0, double b1,
                            double b2) noexcept nogil:
    return a0 <= b0 and a1 <= b1 and a2 <= b2


def pareto(const int64_t[::1] indptr, const int32_t[::1] indices, const int32_t[::1] tail,
           const double[::1] w0, const double[::1] w1, const double[::1] w2, int32_t s,
           int32_t t, int64_t max_labels=2_000_000):
    """Pareto-optimal s-t paths over three non-negative criteria (multi-label search).

    A label-setting search in the manner of Martins: labels are popped by the
    first criterion, a label dominated (or equalled) by one already at its
    vertex or at the target is dropped, and labels it dominates are retired.

    Returns ``(costs[n, 3], list of edge paths, complete)``; ``complete`` is
    False when ``max_labels`` stopped the search early.
    """
    cdef int32_t n = indptr.shape[0] - 1
    if s < 0 or s >= n or t < 0 or t >= n:
        raise IndexError("vertex out of range")
    cdef vector[double] c0, c1, c2
    cdef vector[int32_t] lv, lpred, ledge
    cdef vector[uint8_t] dead
    cdef vector[vector[int32_t]] bag
    bag.resize(n)
    cdef priority_queue[pair[double, int32_t]] pq
    cdef int32_t lab, u, v, other, nl
    cdef int64_t j
    cdef size_t q, keep
    cdef double n0, n1, n2
    cdef bint dominated, complete = True
    c0.push_back(0.0); c1.push_back(0.0); c2.push_back(0.0)
    lv.push_back(s); lpred.push_back(-1); ledge.push_back(-1); dead.push_back(0)
    bag[s].push_back(0)
    pq.push(pair[double, int32_t](-0.0, 0))
    with nogil:
        while not pq.empty():
            lab = pq.top().second
            pq.pop()
            if dead[lab]:
                continue
            u = lv[lab]
            if u == t:
                continue
            for j in range(indptr[u], indptr[u + 1]):
                if w0[j] == INFINITY or w1[j] == INFINITY or w2[j] == INFINITY:
                    continue
                v = indices[j]
                n0 = c0[lab] + w0[j]
                n1 = c1[lab] + w1[j]
                n2 = c2[lab] + w2[j]
                dominated = False
                for q in range(bag[t].size()):
                    other = bag[t][q]
                    if _dominates(c0[other], c1[other], c2[other], n0, n1, n2):
                        dominated = True
                        break
                if not dominated and v != t:
                    for q in range(bag[v].size()):
                        other = bag[v][q]
                        if _dominates(c0[other], c1[other], c2[other], n0, n1, n2):
                            dominated = True
                            break
                if dominated:
                    continue
                # retire labels at v that the new one dominates
                keep = 0
                for q in range(bag[v].size()):
                    other = bag[v][q]
                    if _dominates(n0, n1, n2, c0[other], c1[other], c2[other]):
                        dead[other] = 1
                    else:
                        bag[v][keep] = other
                        keep += 1
                bag[v].resize(keep)
                nl = <int32_t>c0.size()
                c0.push_back(n0); c1.push_back(n1); c2.push_back(n2)
                lv.push_back(v); lpred.push_back(lab); ledge.push_back(<int32_t>j)
                dead.push_back(0)
                bag[v].push_back(nl)
                pq.push(pair[double, int32_t](-n0, nl))
                if <int64_t>c0.size() > max_labels:
                    complete = False
                    break
            if not complete:
                break
    costs = np.empty((bag[t].size(), 3))
    paths = []
    for q in range(bag[t].size()):
        lab = bag[t][q]
        costs[q, 0] = c0[lab]
        costs[q, 1] = c1[lab]
        costs[q, 2] = c2[lab]
        p = []
        while ledge[lab] >= 0:
            p.append(ledge[lab])
            lab = lpred[lab]
        p.reverse()
        paths.append(np.asarray(p, dtype=np.int32))
    order = np.lexsort((costs[:, 2], costs[:, 1], costs[:, 0])) if len(paths) else []
    return costs[order], [paths[i] for i in order], bool(complete)
