# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The residents' small worlds, compiled: ``networkx.watts_strogatz_graph(n, k, p, seed=seed)``'s edges, drawn from
the same random numbers, as an [E, 2] array (``networks.build_structure`` calls it once per village).

networkx builds the graph as dicts, edge by edge (1.2 s of a county's build for 200,000 households). It visits the
ring lattice's edges (u, u + j) for j = 1..k//2 and u = 0..n-1 and draws ``random() < p`` for each; for the few
that rewire it draws new ends with ``choice`` until one is neither u nor a neighbour. Here the Mersenne Twister's
32-bit words come from the same ``random.Random(seed)`` (CPython's, as networkx makes of an integer seed), and
the loop reads them as those calls would: ``random()`` from two words (CPython's formula, exact in doubles), and
``choice(range(n))`` as ``getrandbits(n.bit_length())``, drawn again until below n. Only integer arithmetic and
that exact formula: the edges are networkx's whatever the machine. ``tests/test_networks.py`` compares them with
networkx's edge for edge.
"""

import random

import cython
import numpy as np

from libc.stdint cimport int64_t, uint32_t, uint64_t


cdef inline int64_t _lattice_index(int64_t a, int64_t b, int64_t n, int64_t half) noexcept nogil:
    """The lattice edge {a, b}'s place in networkx's visiting order ((j - 1) n + u for (u, u + j)), or -1 if
    {a, b} is not a lattice edge."""
    cdef int64_t d = (b - a) % n
    if d < 0:
        d += n
    if 0 < d <= half:
        return (d - 1) * n + a
    if 0 < n - d <= half:
        return (n - d - 1) * n + b
    return -1


@cython.final
cdef class _AddedEdges:
    """The edges rewired to: a set of keys min * n + max (open addressing, never deleted from), made for at most
    `most` keys (it stays at most a quarter full)."""
    cdef int64_t[::1] slots
    cdef int64_t mask

    def __init__(self, int64_t most):
        cdef int64_t cap = 64
        while cap < 4 * most:
            cap *= 2
        self.slots = np.full(cap, -1, dtype=np.int64)
        self.mask = cap - 1

    cdef inline int64_t _slot(self, int64_t key) noexcept:
        cdef uint64_t h = (<uint64_t>key) * <uint64_t>0x9E3779B97F4A7C15
        cdef int64_t i = <int64_t>(h >> 20) & self.mask
        while self.slots[i] != -1 and self.slots[i] != key:
            i = (i + 1) & self.mask
        return i

    cdef inline bint contains(self, int64_t key) noexcept:
        return self.slots[self._slot(key)] == key

    cdef inline void add(self, int64_t key) noexcept:
        cdef int64_t i = self._slot(key)
        self.slots[i] = key

    def keys(self) -> np.ndarray:
        s = np.asarray(self.slots)
        return np.sort(s[s >= 0])


@cython.final
cdef class _Twister:
    """CPython's Mersenne Twister (``random.Random``, MT19937) from the state ``random.Random(seed)`` starts in: its
    32-bit words, one at a time, as ``random()`` and ``getrandbits`` read them (the reference algorithm, as CPython's
    ``_randommodule.c`` writes it)."""
    cdef uint32_t mt[624]
    cdef int pos

    def __init__(self, seed):
        state = random.Random(seed).getstate()[1]   # 624 words and the position, as CPython seeds them
        cdef int i
        for i in range(624):
            self.mt[i] = state[i]
        self.pos = state[624]

    cdef inline uint32_t next(self) noexcept:
        cdef uint32_t y
        cdef int i
        if self.pos >= 624:   # the next 624 words at once (in place: later words read the new early ones)
            for i in range(623):
                y = (self.mt[i] & 0x80000000U) | (self.mt[i + 1] & 0x7fffffffU)
                self.mt[i] = self.mt[i + 397 if i < 227 else i - 227] ^ (y >> 1) ^ (0x9908b0dfU if y & 1 else 0U)
            y = (self.mt[623] & 0x80000000U) | (self.mt[0] & 0x7fffffffU)
            self.mt[623] = self.mt[396] ^ (y >> 1) ^ (0x9908b0dfU if y & 1 else 0U)
            self.pos = 0
        y = self.mt[self.pos]
        self.pos += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c5680U
        y ^= (y << 15) & 0xefc60000U
        y ^= y >> 18
        return y


def watts_strogatz_edges(int64_t n, int64_t k, double p, seed) -> np.ndarray:
    """The edges of ``networkx.watts_strogatz_graph(n, k, p, seed=seed)`` (for n > k >= 2): kept lattice edges in
    networkx's visiting order, then the edges rewired to, by (min, max)."""
    if not n > k >= 2:
        raise ValueError(f"watts_strogatz_edges needs n > k >= 2 (got n={n}, k={k})")
    cdef int64_t half = k // 2
    cdef int64_t n_edges = n * half
    cdef int shift = 32 - (<object>n).bit_length()   # choice(range(n)) reads getrandbits(bit_length) = word >> shift
    twister = _Twister(seed)
    added = _AddedEdges(n_edges)   # each lattice edge rewires at most once
    removed_arr = np.zeros(n_edges, dtype=np.uint8)
    degree_arr = np.full(n, 2 * half, dtype=np.int64)
    cdef unsigned char[::1] removed = removed_arr
    cdef int64_t[::1] degree = degree_arr
    cdef int64_t n_removed = 0, e, u, v, w, i
    cdef uint32_t a, b
    cdef double x
    cdef bint rewire
    for e in range(n_edges):
        # random(): 53 bits from two words, CPython's formula (exact in doubles)
        a = twister.next() >> 5
        b = twister.next() >> 6
        x = (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)
        if not x < p:
            continue
        u = e % n
        v = (u + e // n + 1) % n
        # from here on, networkx's own loop: w = choice(nodes); while w == u or G.has_edge(u, w): ...
        w = _choose(twister, n, shift)
        rewire = True
        while w == u or _has_edge(u, w, n, half, removed, added):
            w = _choose(twister, n, shift)
            if degree[u] >= n - 1:
                rewire = False   # u already knows everyone: this edge is not rewired
                break
        if not rewire:
            continue
        removed[e] = 1
        n_removed += 1
        i = _lattice_index(u, w, n, half)
        if i >= 0 and removed[i]:
            removed[i] = 0   # a lattice edge rewired away earlier, rewired back
            n_removed -= 1
        else:
            added.add(u * n + w if u < w else w * n + u)
        degree[v] -= 1
        degree[w] += 1
    # the kept lattice edges in networkx's visiting order, then the edges rewired to
    extra = added.keys()
    cdef const int64_t[::1] extra_v = extra
    out_arr = np.empty((n_edges - n_removed + len(extra), 2), dtype=np.int64)
    cdef int64_t[:, ::1] out = out_arr
    cdef int64_t r = 0
    for e in range(n_edges):
        if not removed[e]:
            out[r, 0] = e % n
            out[r, 1] = (e % n + e // n + 1) % n
            r += 1
    for i in range(len(extra)):
        out[r, 0] = extra_v[i] // n
        out[r, 1] = extra_v[i] % n
        r += 1
    return out_arr


cdef inline int64_t _choose(_Twister twister, int64_t n, int shift) noexcept:
    """random.choice(range(n)): getrandbits(bit_length), drawn again until it is below n."""
    cdef int64_t w
    while True:
        w = twister.next() >> shift
        if w < n:
            return w


cdef inline bint _has_edge(int64_t a, int64_t b, int64_t n, int64_t half, unsigned char[::1] removed,
                           _AddedEdges added):
    cdef int64_t i = _lattice_index(a, b, n, half)
    if i >= 0 and not removed[i]:
        return True
    return added.contains(a * n + b if a < b else b * n + a)
