# cython: language_level=3
"""The 4-ary min-heap with decrease-key shared by the compiled kernels.

Used by ``routing/_kernels.pyx`` and ``flow/_ue_kernels.pyx``
(``from corridor_twin._heap cimport ...``; the build puts ``src`` on the
Cython include path). Only inline functions, so nothing is imported at run
time: each kernel compiles its own copy, as fast as a local one.

The heap holds vertex ids keyed by ``key[v]``; ``heap[0:n]`` are the queued
ids, ``pos[v]`` is the slot of ``v``, ``-1`` if never queued, ``-2`` once
popped (settled). The caller owns the three arrays (``heap`` and ``pos`` as
long as the vertex count, ``pos`` filled with ``-1``) and the size ``n``.
Four children per node halve the depth of a binary heap, so the sift-up of a
decrease-key, the common operation of Dijkstra on sparse graphs, is cheaper.
"""

from libc.stdint cimport int32_t


cdef inline void heap_up(int32_t* heap, int32_t* pos, const double* key,
                         int32_t i) noexcept nogil:
    """Move the id at slot ``i`` up to where its key belongs."""
    cdef int32_t v = heap[i]
    cdef double k = key[v]
    cdef int32_t parent
    while i > 0:
        parent = (i - 1) >> 2
        if key[heap[parent]] <= k:
            break
        heap[i] = heap[parent]
        pos[heap[i]] = i
        i = parent
    heap[i] = v
    pos[v] = i


cdef inline void heap_down(int32_t* heap, int32_t* pos, const double* key, int32_t i,
                           int32_t n) noexcept nogil:
    """Move the id at slot ``i`` down to where its key belongs in a heap of ``n``."""
    cdef int32_t v = heap[i]
    cdef double k = key[v]
    cdef int32_t c, best, j, end
    cdef double bk
    while True:
        c = 4 * i + 1
        if c >= n:
            break
        best = c
        bk = key[heap[c]]
        end = c + 4
        if end > n:
            end = n
        for j in range(c + 1, end):
            if key[heap[j]] < bk:
                best = j
                bk = key[heap[j]]
        if bk >= k:
            break
        heap[i] = heap[best]
        pos[heap[i]] = i
        i = best
    heap[i] = v
    pos[v] = i


cdef inline int32_t heap_pop(int32_t* heap, int32_t* pos, const double* key,
                             int32_t* n) noexcept nogil:
    """Remove and return the id of least key (``n[0] > 0``); it is marked settled."""
    cdef int32_t v = heap[0]
    n[0] -= 1
    if n[0] > 0:
        heap[0] = heap[n[0]]
        heap_down(heap, pos, key, 0, n[0])
    pos[v] = -2
    return v


cdef inline void heap_push_or_decrease(int32_t* heap, int32_t* pos, const double* key,
                                       int32_t v, int32_t* n) noexcept nogil:
    """Queue ``v`` (never queued) or move it up after its key fell (queued, not settled)."""
    if pos[v] == -1:
        heap[n[0]] = v
        pos[v] = n[0]
        n[0] += 1
        heap_up(heap, pos, key, n[0] - 1)
    else:
        heap_up(heap, pos, key, pos[v])
