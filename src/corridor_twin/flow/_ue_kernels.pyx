# distutils: language = c++
# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""Compiled kernels of the link-network user equilibrium (see ``traffic.py``).

The graph is a forward CSR by tail node: ``indptr`` (int64, n_nodes + 1) and
``head`` (int32) with link id = CSR position, plus ``tail`` (int32) per link.
``through`` (uint8 per node) is 0 for a zone that flows may not pass through:
a search settles it but never leaves it, unless it is the origin. Link cost
is the BPR function plus a fixed part,
``fixed + fft * (1 + b * (v / cap) ** power)``.

Demand is grouped by origin: ``origin`` (node per group), ``od_indptr``
(groups + 1) and ``od_dest`` / ``od_demand`` per pair.
"""

import time

import numpy as np

from libc.math cimport INFINITY, pow
from libc.stdint cimport int32_t, int64_t, uint8_t
from libcpp.vector cimport vector

from corridor_twin._heap cimport heap_pop, heap_push_or_decrease


cdef struct Graph:
    int32_t n_nodes
    int32_t n_links
    const int64_t* indptr
    const int32_t* head
    const int32_t* tail
    const uint8_t* through
    const double* fft
    const double* cap
    const double* b
    const double* power
    const double* fixed


cdef struct Work:
    double* dist
    double* key      # heap key: dist, or dist + potential (A*)
    const double* pot  # lower bound on the cost to the nearest destination, or NULL
    int32_t* pred
    int32_t* pos
    int32_t* heap
    int32_t* dest_stamp
    int32_t* order
    int32_t n_order


cdef inline double _cost(const Graph* g, int32_t a, double v) noexcept nogil:
    cdef double x, f = g.fft[a]
    if f == 0.0 or g.b[a] == 0.0:
        return g.fixed[a] + f
    if v <= 0.0:
        return g.fixed[a] + f
    x = v / g.cap[a]
    if g.power[a] == 4.0:
        x = x * x
        x = x * x
    elif g.power[a] != 1.0:
        x = pow(x, g.power[a])
    return g.fixed[a] + f * (1.0 + g.b[a] * x)


cdef inline double _deriv(const Graph* g, int32_t a, double v) noexcept nogil:
    cdef double x, p = g.power[a], f = g.fft[a]
    if f == 0.0 or g.b[a] == 0.0:
        return 0.0
    if p == 1.0:
        return f * g.b[a] / g.cap[a]
    if v <= 0.0:
        return 0.0
    x = v / g.cap[a]
    if p == 4.0:
        return 4.0 * f * g.b[a] * x * x * x / g.cap[a]
    return p * f * g.b[a] * pow(x, p - 1.0) / g.cap[a]


cdef void _tree(const Graph* g, Work* w, const double* cost, int32_t origin,
                int32_t stamp, int32_t n_dest) noexcept nogil:
    """Dijkstra (A* when ``w.pot`` is set) from ``origin``; stops once the ``n_dest``
    nodes stamped ``stamp`` settle.

    The potential is a lower bound on the cost from a node to the nearest
    destination that never drops by more than a link's cost along it
    (consistent), so each node's distance is final when it settles. Settled
    nodes are listed in ``w.order`` (settle order); the caller resets them.
    """
    cdef int32_t size = 0, u, v, found = 0
    cdef int64_t e
    cdef double du, nd
    cdef double* key = w.key if w.pot != NULL else w.dist
    w.n_order = 0
    w.dist[origin] = 0.0
    if w.pot != NULL:
        key[origin] = w.pot[origin]
    heap_push_or_decrease(w.heap, w.pos, key, origin, &size)
    while size > 0:
        u = heap_pop(w.heap, w.pos, key, &size)
        w.order[w.n_order] = u
        w.n_order += 1
        if w.dest_stamp[u] == stamp:
            found += 1
            if found == n_dest:
                break
        if u != origin and not g.through[u]:
            continue
        du = w.dist[u]
        for e in range(g.indptr[u], g.indptr[u + 1]):
            v = g.head[e]
            if w.pos[v] == -2:
                continue
            nd = du + cost[e]
            if nd < w.dist[v]:
                w.dist[v] = nd
                w.pred[v] = <int32_t>e
                if w.pot != NULL:
                    key[v] = nd + w.pot[v]
                heap_push_or_decrease(w.heap, w.pos, key, v, &size)
    # still-queued nodes must be reset too
    for u in range(size):
        v = w.heap[u]
        w.order[w.n_order] = v
        w.n_order += 1


cdef inline void _reset(Work* w) noexcept nogil:
    cdef int32_t i, u
    for i in range(w.n_order):
        u = w.order[i]
        w.dist[u] = INFINITY
        w.pred[u] = -1
        w.pos[u] = -1
    w.n_order = 0


cdef class _Arrays:
    """Owns the numpy arrays behind a Graph and a Work (keeps them alive)."""
    cdef object keep
    cdef Graph g
    cdef Work w
    cdef int32_t[::1] _pred, _pos, _heap, _stamp, _order
    cdef double[::1] _dist, _key
    cdef const double[:, ::1] _pot
    cdef const int32_t[::1] _pot_row
    cdef bint has_pot

    def __init__(self, indptr, head, tail, through, fft, cap, b, power, fixed):
        cdef const int64_t[::1] ip = indptr
        cdef const int32_t[::1] hd = head
        cdef const int32_t[::1] tl = tail
        cdef const uint8_t[::1] th = through
        cdef const double[::1] f = fft
        cdef const double[::1] c = cap
        cdef const double[::1] bb = b
        cdef const double[::1] pw = power
        cdef const double[::1] fx = fixed
        n = ip.shape[0] - 1
        m = hd.shape[0]
        if not (tl.shape[0] == m and f.shape[0] == m and c.shape[0] == m and bb.shape[0] == m
                and pw.shape[0] == m and fx.shape[0] == m and th.shape[0] == n):
            raise ValueError("graph arrays have inconsistent lengths")
        self.keep = (indptr, head, tail, through, fft, cap, b, power, fixed)
        self.g.n_nodes = n
        self.g.n_links = m
        self.g.indptr = &ip[0]
        self.g.head = &hd[0] if m else NULL
        self.g.tail = &tl[0] if m else NULL
        self.g.through = &th[0]
        self.g.fft = &f[0] if m else NULL
        self.g.cap = &c[0] if m else NULL
        self.g.b = &bb[0] if m else NULL
        self.g.power = &pw[0] if m else NULL
        self.g.fixed = &fx[0] if m else NULL
        self._dist = np.full(max(n, 1), np.inf)
        self._pred = np.full(max(n, 1), -1, dtype=np.int32)
        self._pos = np.full(max(n, 1), -1, dtype=np.int32)
        self._heap = np.empty(max(n, 1), dtype=np.int32)
        self._stamp = np.full(max(n, 1), -1, dtype=np.int32)
        self._order = np.empty(max(n, 1), dtype=np.int32)
        self._key = np.full(max(n, 1), np.inf)
        self.w.key = &self._key[0]
        self.w.pot = NULL
        self.has_pot = False
        self.w.dist = &self._dist[0]
        self.w.pred = &self._pred[0]
        self.w.pos = &self._pos[0]
        self.w.heap = &self._heap[0]
        self.w.dest_stamp = &self._stamp[0]
        self.w.order = &self._order[0]
        self.w.n_order = 0


cdef inline void _use_potential(_Arrays arr, int32_t group) noexcept nogil:
    cdef int32_t row
    arr.w.pot = NULL
    if arr.has_pot:
        row = arr._pot_row[group]
        if row >= 0:
            arr.w.pot = &arr._pot[row, 0]


def set_potentials(_Arrays arr, potentials, group_row):
    """A* potentials: ``potentials[r, v]`` a consistent lower bound on the cost from
    node v to the nearest destination of the groups with ``group_row[g] == r``
    (-1: plain Dijkstra). ``None`` switches them off."""
    if potentials is None:
        arr.has_pot = False
        arr.w.pot = NULL
        return
    cdef const double[:, ::1] pot = potentials
    cdef const int32_t[::1] rows = group_row
    if pot.shape[1] != arr.g.n_nodes:
        raise ValueError("potentials need one column per node")
    arr._pot = pot
    arr._pot_row = rows
    arr.keep = arr.keep + (potentials, group_row)
    arr.has_pot = True


def distances(_Arrays arr, const double[::1] cost, int32_t source):
    """Shortest costs from ``source`` to every node (a full tree, no potential)."""
    if cost.shape[0] != arr.g.n_links or source < 0 or source >= arr.g.n_nodes:
        raise ValueError("bad cost or source")
    cdef int32_t stamp = _next_stamp(arr) + 1
    arr.w.pot = NULL
    out = np.empty(arr.g.n_nodes)
    cdef double[::1] o = out
    cdef int32_t i
    _tree(&arr.g, &arr.w, &cost[0], source, stamp, -1)
    for i in range(arr.g.n_nodes):
        o[i] = arr.w.dist[i]
    _reset(&arr.w)
    return out


cdef double _aon(_Arrays arr, const double* cost, const int32_t* origin,
                 const int64_t* od_indptr, const int32_t* od_dest, const double* od_demand,
                 int32_t n_groups, double* load, double* acc, double* od_cost,
                 int32_t* stamp) noexcept nogil:
    """All-or-nothing load on ``cost``; returns sum demand x shortest cost (inf if unreachable)."""
    cdef Graph* g = &arr.g
    cdef Work* w = &arr.w
    cdef int32_t gi, s, u, a, n_dest, i
    cdef int64_t k
    cdef double total = 0.0, d
    for gi in range(n_groups):
        stamp[0] += 1
        n_dest = 0
        for k in range(od_indptr[gi], od_indptr[gi + 1]):
            s = od_dest[k]
            if w.dest_stamp[s] != stamp[0]:
                w.dest_stamp[s] = stamp[0]
                n_dest += 1
        _use_potential(arr, gi)
        _tree(g, w, cost, origin[gi], stamp[0], n_dest)
        for k in range(od_indptr[gi], od_indptr[gi + 1]):
            s = od_dest[k]
            d = od_demand[k]
            if od_cost != NULL:
                od_cost[k] = w.dist[s]
            if d > 0.0:
                total += d * w.dist[s]
                if load != NULL:
                    acc[s] += d
        if load != NULL:
            # push each node's accumulated demand down its tree link, deepest first
            for i in range(w.n_order - 1, 0, -1):
                u = w.order[i]
                if acc[u] != 0.0:
                    a = w.pred[u]
                    if a >= 0:
                        load[a] += acc[u]
                        acc[g.tail[a]] += acc[u]
                    acc[u] = 0.0
            acc[origin[gi]] = 0.0
        _reset(w)
    return total


def all_or_nothing(_Arrays arr, const double[::1] cost, const int32_t[::1] origin,
                   const int64_t[::1] od_indptr, const int32_t[::1] od_dest,
                   const double[::1] od_demand, bint want_load=True, bint want_od_cost=False):
    """All-or-nothing loading on ``cost``: (link load or None, sum d x SP, OD costs or None)."""
    cdef int32_t n_groups = origin.shape[0]
    cdef int32_t stamp = 0
    cdef double total
    load_a = np.zeros(arr.g.n_links) if want_load else None
    acc_a = np.zeros(max(arr.g.n_nodes, 1))
    odc_a = np.empty(od_dest.shape[0]) if want_od_cost else None
    cdef double[::1] load
    cdef double[::1] acc = acc_a
    cdef double[::1] odc
    cdef double* lp = NULL
    cdef double* op = NULL
    if cost.shape[0] != arr.g.n_links:
        raise ValueError("cost has the wrong length")
    if want_load and arr.g.n_links:
        load = load_a
        lp = &load[0]
    if want_od_cost and od_dest.shape[0]:
        odc = odc_a
        op = &odc[0]
    stamp = _next_stamp(arr)
    with nogil:
        total = _aon(arr, &cost[0] if arr.g.n_links else NULL, &origin[0] if n_groups else NULL,
                     &od_indptr[0], &od_dest[0] if od_dest.shape[0] else NULL,
                     &od_demand[0] if od_dest.shape[0] else NULL, n_groups, lp, &acc[0], op,
                     &stamp)
    return load_a, total, odc_a


cdef int32_t _next_stamp(_Arrays arr):
    # stamps only grow within one _Arrays; restart from a clean slate when they would wrap
    cdef int32_t i, mx = -1
    for i in range(arr.g.n_nodes):
        if arr.w.dest_stamp[i] > mx:
            mx = arr.w.dest_stamp[i]
    if mx > 2000000000:
        for i in range(arr.g.n_nodes):
            arr.w.dest_stamp[i] = -1
        mx = -1
    return mx


def link_costs(_Arrays arr, const double[::1] volume):
    """Link costs at ``volume``."""
    cdef int32_t a, m = arr.g.n_links
    out_a = np.empty(m)
    cdef double[::1] out = out_a
    if volume.shape[0] != m:
        raise ValueError("volume has the wrong length")
    for a in range(m):
        out[a] = _cost(&arr.g, a, volume[a])
    return out_a


def link_derivatives(_Arrays arr, const double[::1] volume):
    """Derivatives of the link costs with respect to volume at ``volume``."""
    cdef int32_t a, m = arr.g.n_links
    out_a = np.empty(m)
    cdef double[::1] out = out_a
    if volume.shape[0] != m:
        raise ValueError("volume has the wrong length")
    for a in range(m):
        out[a] = _deriv(&arr.g, a, volume[a])
    return out_a


cdef inline void _move(const Graph* g, vector[int32_t]& links, double delta, double* vol,
                       double* cost, double* der) noexcept nogil:
    cdef int32_t a
    cdef size_t i
    for i in range(links.size()):
        a = links[i]
        vol[a] += delta
        cost[a] = _cost(g, a, vol[a])
        der[a] = _deriv(g, a, vol[a])


cdef inline double _path_cost(vector[int32_t]& links, const double* cost) noexcept nogil:
    cdef double c = 0.0
    cdef size_t i
    for i in range(links.size()):
        c += cost[links[i]]
    return c


cdef struct PathSets:
    # all C++ containers of the path-based method, passed around by pointer
    vector[vector[int32_t]]* paths     # links of each path, destination first
    vector[double]* pflow              # flow of each path
    vector[int32_t]* free_ids          # ids of dropped paths, for reuse
    vector[vector[int32_t]]* od_paths  # path ids of each pair
    int64_t* link_stamp
    int64_t lstamp


cdef double _shift_pair(const Graph* g, PathSets* ps, int64_t k, double d, double* vol,
                        double* cost, double* der) noexcept nogil:
    """One Newton round on pair ``k``: flow from each costlier path to the cheapest.

    Returns the pair's excess cost before the round, sum f_p (c_p - c_min).
    """
    cdef vector[int32_t]* odp = &ps.od_paths[0][k]
    cdef vector[vector[int32_t]]* paths = ps.paths
    cdef vector[double]* pflow = ps.pflow
    cdef size_t i, j, np_ = odp.size()
    cdef int32_t best = 0, q, pid, a
    cdef double cmin = INFINITY, c_p, c_best, d_p, d_b, common, delta, excess = 0.0
    cdef double eps = 1e-12 * d
    if np_ < 2:
        return 0.0
    for i in range(np_):
        c_p = _path_cost(paths[0][odp[0][i]], cost)
        if c_p < cmin:
            cmin = c_p
            best = <int32_t>i
    q = odp[0][best]
    for i in range(np_):
        if <int32_t>i == best:
            continue
        pid = odp[0][i]
        ps.lstamp += 1
        c_best = 0.0
        d_b = 0.0
        for j in range(paths[0][q].size()):
            a = paths[0][q][j]
            ps.link_stamp[a] = ps.lstamp
            c_best += cost[a]
            d_b += der[a]
        c_p = 0.0
        d_p = 0.0
        common = 0.0
        for j in range(paths[0][pid].size()):
            a = paths[0][pid][j]
            c_p += cost[a]
            d_p += der[a]
            if ps.link_stamp[a] == ps.lstamp:
                common += der[a]
        if c_p <= c_best:
            continue
        excess += pflow[0][pid] * (c_p - c_best)
        # Newton step on the cost difference; the shared links' derivatives cancel
        delta = d_p + d_b - 2.0 * common
        if delta > 0.0:
            delta = (c_p - c_best) / delta
            if delta > pflow[0][pid]:
                delta = pflow[0][pid]
        else:
            delta = pflow[0][pid]
        if pflow[0][pid] - delta <= eps:
            delta = pflow[0][pid]
        pflow[0][pid] -= delta
        pflow[0][q] += delta
        _move(g, paths[0][pid], -delta, vol, cost, der)
        _move(g, paths[0][q], delta, vol, cost, der)
    # drop the paths that lost all their flow
    j = 0
    for i in range(odp.size()):
        pid = odp[0][i]
        if pflow[0][pid] > 0.0 or pid == q:
            odp[0][j] = pid
            j += 1
        else:
            paths[0][pid].clear()
            ps.free_ids.push_back(pid)
    odp.resize(j)
    return excess


def gradient_projection(_Arrays arr, const int32_t[::1] origin, const int64_t[::1] od_indptr,
                        const int32_t[::1] od_dest, const double[::1] od_demand,
                        double target_gap, int32_t max_iterations, double time_limit_s,
                        int32_t inner_passes=1, bint keep_paths=False,
                        int32_t origin_passes=2, double estimate_factor=3.0,
                        int32_t global_rounds=0):
    """Path-based gradient projection (Jayakrishnan et al. 1994), Gauss–Seidel by origin.

    Per origin, ``origin_passes`` times: a shortest-path tree on the current costs; its path to each
    destination joins the pair's path set; flow then moves from every costlier
    path of the pair to its cheapest one by a Newton step
    ``(c_p - c_min) / sum of cost derivatives on the links the two do not share``,
    and link costs update at once (``inner_passes`` rounds per pair). The relative gap is evaluated after each
    sweep (after ``global_rounds`` Newton rounds over all pairs without trees)
    on a consistent set of costs, once the sweep's own estimate is within
    ``estimate_factor`` x the target (every sweep if ``estimate_factor`` <= 0).

    Returns (volume, exact gaps, seconds, sweep number of each exact gap, paths) where paths is
    ``(path_od, path_flow, path_indptr, path_links)`` when ``keep_paths`` else None.
    """
    cdef Graph* g = &arr.g
    cdef Work* w = &arr.w
    cdef int32_t m = g.n_links, n_groups = origin.shape[0]
    cdef int64_t n_od = od_dest.shape[0]
    vol_a = np.zeros(m)
    cost_a = np.empty(m)
    der_a = np.empty(m)
    cdef double[::1] vol = vol_a
    cdef double[::1] cost = cost_a
    cdef double[::1] der = der_a
    link_stamp_a = np.full(max(m, 1), -1, dtype=np.int64)
    cdef int64_t[::1] link_stamp = link_stamp_a
    cdef int64_t lstamp = 0
    cdef vector[vector[int32_t]] paths
    cdef vector[double] pflow
    cdef vector[int32_t] free_ids
    cdef vector[vector[int32_t]] od_paths
    cdef vector[int32_t] tmp
    cdef int32_t rep, stamp, it = 0, gi, s, u, a, n_dest, pid, best, q, pass_
    cdef int64_t k
    cdef size_t i, j, np_
    cdef double d, c_best, c_p, d_p, d_b, common, delta, total, sp, gap, cmin
    cdef double eps, elapsed, est, sp_est
    cdef bint found
    cdef int64_t n_p = 0, n_l = 0
    cdef int64_t[::1] p_od, p_ip
    cdef double[::1] p_fl
    cdef int32_t[::1] p_ln
    cdef PathSets ps
    gaps = []
    times = []
    iters = []
    if n_groups == 0 or n_od == 0 or m == 0:
        return vol_a, np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64), None
    if od_indptr.shape[0] != n_groups + 1 or od_demand.shape[0] != n_od:
        raise ValueError("demand arrays have inconsistent lengths")
    od_paths.resize(n_od)
    ps.paths = &paths
    ps.pflow = &pflow
    ps.free_ids = &free_ids
    ps.od_paths = &od_paths
    ps.link_stamp = &link_stamp[0]
    ps.lstamp = 0
    for a in range(m):
        cost[a] = _cost(g, a, 0.0)
        der[a] = _deriv(g, a, 0.0)
    stamp = _next_stamp(arr)
    t0 = time.perf_counter()
    total = 0.0
    while it < max_iterations:
        it += 1
        sp_est = 0.0
        with nogil:
            for gi in range(n_groups):
                for rep in range(origin_passes):
                    stamp += 1
                    n_dest = 0
                    for k in range(od_indptr[gi], od_indptr[gi + 1]):
                        s = od_dest[k]
                        if od_demand[k] > 0.0 and w.dest_stamp[s] != stamp:
                            w.dest_stamp[s] = stamp
                            n_dest += 1
                    if n_dest == 0:
                        continue
                    _use_potential(arr, gi)
                    _tree(g, w, &cost[0], origin[gi], stamp, n_dest)
                    for k in range(od_indptr[gi], od_indptr[gi + 1]):
                        d = od_demand[k]
                        s = od_dest[k]
                        if d <= 0.0 or s == origin[gi] or w.dist[s] == INFINITY:
                            continue
                        if rep == 0:
                            sp_est += d * w.dist[s]
                        tmp.clear()
                        u = s
                        while u != origin[gi]:
                            a = w.pred[u]
                            tmp.push_back(a)
                            u = g.tail[a]
                        found = False
                        for i in range(od_paths[k].size()):
                            if paths[od_paths[k][i]] == tmp:
                                found = True
                                break
                        if not found:
                            if free_ids.size():
                                pid = free_ids.back()
                                free_ids.pop_back()
                                paths[pid] = tmp
                                pflow[pid] = 0.0
                            else:
                                pid = <int32_t>paths.size()
                                paths.push_back(tmp)
                                pflow.push_back(0.0)
                            od_paths[k].push_back(pid)
                            if od_paths[k].size() == 1:
                                pflow[pid] = d
                                _move(g, paths[pid], d, &vol[0], &cost[0], &der[0])
                                continue
                        eps = 1e-12 * d
                        for pass_ in range(inner_passes):
                            np_ = od_paths[k].size()
                            if np_ < 2:
                                break
                            best = 0
                            cmin = INFINITY
                            for i in range(np_):
                                c_p = _path_cost(paths[od_paths[k][i]], &cost[0])
                                if c_p < cmin:
                                    cmin = c_p
                                    best = <int32_t>i
                            q = od_paths[k][best]
                            for i in range(np_):
                                if <int32_t>i == best:
                                    continue
                                pid = od_paths[k][i]
                                lstamp += 1
                                c_best = 0.0
                                d_b = 0.0
                                for j in range(paths[q].size()):
                                    a = paths[q][j]
                                    link_stamp[a] = lstamp
                                    c_best += cost[a]
                                    d_b += der[a]
                                c_p = 0.0
                                d_p = 0.0
                                common = 0.0
                                for j in range(paths[pid].size()):
                                    a = paths[pid][j]
                                    c_p += cost[a]
                                    d_p += der[a]
                                    if link_stamp[a] == lstamp:
                                        common += der[a]
                                if c_p <= c_best:
                                    continue
                                delta = d_p + d_b - 2.0 * common
                                if delta > 0.0:
                                    delta = (c_p - c_best) / delta
                                    if delta > pflow[pid]:
                                        delta = pflow[pid]
                                else:
                                    delta = pflow[pid]
                                if pflow[pid] - delta <= eps:
                                    delta = pflow[pid]
                                pflow[pid] -= delta
                                pflow[q] += delta
                                _move(g, paths[pid], -delta, &vol[0], &cost[0], &der[0])
                                _move(g, paths[q], delta, &vol[0], &cost[0], &der[0])
                            # drop the paths that lost all their flow
                            j = 0
                            for i in range(od_paths[k].size()):
                                pid = od_paths[k][i]
                                if pflow[pid] > 0.0 or pid == q:
                                    od_paths[k][j] = pid
                                    j += 1
                                else:
                                    paths[pid].clear()
                                    free_ids.push_back(pid)
                            od_paths[k].resize(j)
                    _reset(w)
            # Newton rounds over every pair on the path sets found, no trees: cheap
            # where trees dominate, and they let the pairs settle with each other
            ps.lstamp = lstamp
            for pass_ in range(global_rounds):
                for k in range(n_od):
                    if od_demand[k] > 0.0:
                        _shift_pair(g, &ps, k, od_demand[k], &vol[0], &cost[0], &der[0])
            lstamp = ps.lstamp
        # The sweep's own trees give an estimate of the gap (their costs move during
        # the sweep); the exact gap, on one set of costs, costs another tree per
        # origin, so it is measured only once the estimate comes near the target.
        est = (total - sp_est) / total if total > 0.0 else INFINITY
        elapsed = time.perf_counter() - t0
        over = time_limit_s > 0 and elapsed > time_limit_s
        with nogil:
            total = 0.0
            for a in range(m):
                cost[a] = _cost(g, a, vol[a])
                der[a] = _deriv(g, a, vol[a])
                total += vol[a] * cost[a]
        if not (est <= estimate_factor * target_gap or over or it >= max_iterations
                or estimate_factor <= 0):
            continue
        with nogil:
            sp = _aon(arr, &cost[0], &origin[0], &od_indptr[0], &od_dest[0], &od_demand[0],
                      n_groups, NULL, NULL, NULL, &stamp)
        gap = (total - sp) / total if total > 0.0 else 0.0
        elapsed = time.perf_counter() - t0
        gaps.append(gap)
        times.append(elapsed)
        iters.append(it)
        if gap <= target_gap or (time_limit_s > 0 and elapsed > time_limit_s):
            break
    paths_out = None
    if keep_paths:
        for k in range(n_od):
            for i in range(od_paths[k].size()):
                n_p += 1
                n_l += paths[od_paths[k][i]].size()
        p_od_a = np.empty(n_p, dtype=np.int64)
        p_fl_a = np.empty(n_p)
        p_ip_a = np.zeros(n_p + 1, dtype=np.int64)
        p_ln_a = np.empty(max(n_l, 1), dtype=np.int32)
        p_od = p_od_a
        p_fl = p_fl_a
        p_ip = p_ip_a
        p_ln = p_ln_a
        n_p = 0
        n_l = 0
        for k in range(n_od):
            for i in range(od_paths[k].size()):
                pid = od_paths[k][i]
                p_od[n_p] = k
                p_fl[n_p] = pflow[pid]
                # stored destination-first: give them origin-first
                for j in range(paths[pid].size()):
                    p_ln[n_l + j] = paths[pid][paths[pid].size() - 1 - j]
                n_l += paths[pid].size()
                n_p += 1
                p_ip[n_p] = n_l
        paths_out = (p_od_a, p_fl_a, p_ip_a, p_ln_a[:n_l])
    return vol_a, np.asarray(gaps), np.asarray(times), np.asarray(iters, dtype=np.int64), paths_out
