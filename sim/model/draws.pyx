# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""A day's requests drawn from a stream as numpy's Generator draws them, without numpy's cost per call.

A county department makes most of its requests by one pattern (``agents.Department``): how many today (a Poisson
draw), then one draw per attribute for all of them (``integers`` or ``random`` of size n). With the Generator's own
methods that is 10-20 numpy calls per department and working day, a few µs each, on days when most channels draw
nothing. Here each pattern is one call that runs numpy's own algorithms on the stream's bit generator, in the same
order: the same numbers, and the stream left where the Generator's calls would leave it, so every stream stays in
step with the baseline's (common random numbers).

The algorithms are numpy 2's (``numpy/random/src/distributions/distributions.c``: ``random_poisson`` by
multiplication below a mean of 10 and Hoermann's PTRS above, the Lemire bounded integers, ``next_double``; and
``_generator.pyx``: ``choice`` without replacement, Floyd's sampling then a shuffle, or a tail shuffle of a large
population). ``tests/test_speed.py`` holds each function to the Generator calls it replaces, draw for draw and in
the bit generator's state after, for means on both sides of 10, ranges past 2^32 and both ways of sampling. Like
the model, these take no lock: one model draws from its streams on one thread.
"""

import numpy as np

from cpython.buffer cimport PyBUF_STRIDES, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.math cimport exp, fabs, floor, isnan, log, sqrt
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc

from .arrays cimport array_data, vector


cdef extern from *:
    """
    #include <stdint.h>
    /* numpy/random/bitgen.h: every numpy bit generator hands out this table ("BitGenerator" capsule) */
    typedef struct bitgen {
      void *state;
      uint64_t (*next_uint64)(void *st);
      uint32_t (*next_uint32)(void *st);
      double (*next_double)(void *st);
      uint64_t (*next_raw)(void *st);
    } bitgen_t;

    /* the high and low words of a 64 x 64-bit product, as numpy's Lemire method takes them (GCC's 128-bit type) */
    static inline uint64_t draws_mul_hi(uint64_t a, uint64_t b, uint64_t *lo) {
      __uint128_t m = ((__uint128_t)a) * b;
      *lo = (uint64_t)m;
      return (uint64_t)(m >> 64);
    }
    """
    ctypedef struct bitgen_t:
        void *state
        uint64_t (*next_uint64)(void *st) noexcept nogil
        uint32_t (*next_uint32)(void *st) noexcept nogil
        double (*next_double)(void *st) noexcept nogil
    uint64_t draws_mul_hi(uint64_t a, uint64_t b, uint64_t *lo) noexcept nogil


# the arrays' dtypes, as ``arrays.pxd`` checks them
cdef object F8 = np.dtype(np.float64), I8 = np.dtype(np.int64), I1 = np.dtype(np.int8), B1 = np.dtype(np.bool_)

cdef uint32_t U32_MAX = 0xFFFFFFFFu
cdef uint64_t U64_MAX = 0xFFFFFFFFFFFFFFFFu
# numpy's POISSON_LAM_MAX (numpy/random/_common.pyx): the int64 maximum less ten of its square roots
cdef double POISSON_LAM_MAX = np.iinfo(np.int64).max - np.sqrt(np.iinfo(np.int64).max) * 10
# random_loggam's series (SPECFUN, Zhang and Jin 1996)
cdef double[10] LOGGAM_A = [8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04,
                            -5.952380952380952e-04, 8.417508417508418e-04, -1.917526917526918e-03,
                            6.410256410256410e-03, -2.955065359477124e-02, 1.796443723688307e-01,
                            -1.39243221690590e+00]


cdef bitgen_t* _bitgen(object gen) except NULL:
    """The bit generator behind a numpy Generator."""
    return <bitgen_t*>PyCapsule_GetPointer(gen.bit_generator.capsule, "BitGenerator")


# ---- numpy's algorithms, line for line ----------------------------------------------------------------------------
cdef inline double _uniform(bitgen_t *bg) noexcept nogil:
    return bg.next_double(bg.state)


cdef uint32_t _lemire32(bitgen_t *bg, uint32_t rng) noexcept nogil:
    """buffered_bounded_lemire_uint32: uniform on [0, rng], rng < 2^32 - 1."""
    cdef uint32_t rng_excl = rng + 1
    cdef uint64_t m = (<uint64_t>bg.next_uint32(bg.state)) * rng_excl
    cdef uint32_t leftover = <uint32_t>(m & U32_MAX)
    cdef uint32_t threshold
    if leftover < rng_excl:
        threshold = (U32_MAX - rng) % rng_excl
        while leftover < threshold:
            m = (<uint64_t>bg.next_uint32(bg.state)) * rng_excl
            leftover = <uint32_t>(m & U32_MAX)
    return <uint32_t>(m >> 32)


cdef uint64_t _lemire64(bitgen_t *bg, uint64_t rng) noexcept nogil:
    """bounded_lemire_uint64: uniform on [0, rng], rng < 2^64 - 1."""
    cdef uint64_t rng_excl = rng + 1
    cdef uint64_t leftover, threshold
    cdef uint64_t hi = draws_mul_hi(bg.next_uint64(bg.state), rng_excl, &leftover)
    if leftover < rng_excl:
        threshold = (U64_MAX - rng) % rng_excl
        while leftover < threshold:
            hi = draws_mul_hi(bg.next_uint64(bg.state), rng_excl, &leftover)
    return hi


cdef uint64_t _bounded(bitgen_t *bg, uint64_t off, uint64_t rng) noexcept nogil:
    """random_bounded_uint64(off, rng, use_masked=False): uniform on [off, off + rng] (what ``integers`` fills
    with, one by one)."""
    if rng == 0:
        return off
    if rng <= U32_MAX:
        if rng == U32_MAX:
            return off + bg.next_uint32(bg.state)
        return off + _lemire32(bg, <uint32_t>rng)
    if rng == U64_MAX:
        return off + bg.next_uint64(bg.state)
    return off + _lemire64(bg, rng)


cdef double _loggam(double x) noexcept nogil:
    """random_loggam."""
    cdef double x0, x2, gl, gl0
    cdef int64_t k, n
    if x == 1.0 or x == 2.0:
        return 0.0
    elif x < 7.0:
        n = <int64_t>(7 - x)
    else:
        n = 0
    x0 = x + n
    x2 = (1.0 / x0) * (1.0 / x0)
    gl0 = LOGGAM_A[9]
    for k in range(8, -1, -1):
        gl0 *= x2
        gl0 += LOGGAM_A[k]
    gl = gl0 / x0 + 0.5 * 1.8378770664093453e+00 + (x0 - 0.5) * log(x0) - x0
    if x < 7.0:
        for k in range(1, n + 1):
            gl -= log(x0 - 1.0)
            x0 -= 1.0
    return gl


cdef int64_t _poisson_mult(bitgen_t *bg, double lam) noexcept nogil:
    """random_poisson_mult: count uniforms until their product falls to exp(-lam)."""
    cdef double enlam = exp(-lam)
    cdef double prod = 1.0
    cdef int64_t X = 0
    while True:
        prod *= _uniform(bg)
        if prod > enlam:
            X += 1
        else:
            return X


cdef int64_t _poisson_ptrs(bitgen_t *bg, double lam) noexcept nogil:
    """random_poisson_ptrs: Hoermann's transformed rejection (Insurance: Mathematics and Economics 12, 1993)."""
    cdef int64_t k
    cdef double U, V, us
    cdef double slam = sqrt(lam)
    cdef double loglam = log(lam)
    cdef double b = 0.931 + 2.53 * slam
    cdef double a = -0.059 + 0.02483 * b
    cdef double invalpha = 1.1239 + 1.1328 / (b - 3.4)
    cdef double vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        U = _uniform(bg) - 0.5
        V = _uniform(bg)
        us = 0.5 - fabs(U)
        k = <int64_t>floor((2 * a / us + b) * U + lam + 0.43)
        if us >= 0.07 and V <= vr:
            return k
        if k < 0 or (us < 0.013 and V > us):
            continue
        if (log(V) + log(invalpha) - log(a / (us * us) + b)) <= (-lam + <double>k * loglam - _loggam(<double>k + 1)):
            return k


cdef int _check_mean(double lam) except -1:
    """Generator.poisson's checks of a mean."""
    if lam < 0 or isnan(lam):
        raise ValueError(f"a Poisson mean must be >= 0, not {lam}")
    if lam > POISSON_LAM_MAX:
        raise ValueError(f"a Poisson mean of {lam} is too large")
    return 0


cdef int64_t _poisson(bitgen_t *bg, double lam) except -1:
    """random_poisson, after Generator.poisson's checks of the mean."""
    _check_mean(lam)
    if lam >= 10:
        return _poisson_ptrs(bg, lam)
    if lam == 0:
        return 0
    return _poisson_mult(bg, lam)


cdef void _floyd(bitgen_t *bg, int64_t pop, int64_t size, int64_t *out, unsigned char *taken) noexcept nogil:
    """Generator.choice(pop, size, replace=False)'s Floyd sampling and shuffle. Membership is looked up in `taken`
    (one flag per member of the population) or, when it is NULL, by scanning the few values drawn so far; numpy
    uses a hash set, which only answers the same question."""
    cdef int64_t j, i, t, val, tmp
    cdef bint seen
    for j in range(pop - size, pop):
        val = <int64_t>_bounded(bg, 0, <uint64_t>j)
        if taken != NULL:
            seen = taken[val]
        else:
            seen = False
            for t in range(j - pop + size):
                if out[t] == val:
                    seen = True
                    break
        if seen:
            val = j   # j itself cannot have been drawn: every earlier draw was below it
        out[j - pop + size] = val
        if taken != NULL:
            taken[val] = 1
    for i in range(size - 1, 0, -1):   # _shuffle_int(size, first=1)
        j = <int64_t>_bounded(bg, 0, <uint64_t>i)
        tmp = out[j]
        out[j] = out[i]
        out[i] = tmp


cdef int _check_sample(int64_t pop, int64_t size) except -1:
    """Generator.choice's check of a sample without replacement."""
    if size < 0 or size > pop:
        raise ValueError(f"cannot sample {size} without replacement from {pop}")
    return 0


cdef int _sample(bitgen_t *bg, int64_t pop, int64_t size, int64_t *out) except -1:
    """Generator.choice(pop, size, replace=False, shuffle=True) into `out`, for 0 <= size <= pop (``_check_sample``
    checks)."""
    cdef int64_t *everyone
    cdef unsigned char *taken = NULL
    cdef int64_t i, j, tmp
    if pop > 10000 and size > pop // 50:
        # numpy's tail shuffle: shuffle the last `size` places of the whole population (_shuffle_int, first =
        # max(pop - size, 1)) and keep them
        everyone = <int64_t*>malloc(pop * sizeof(int64_t))
        if everyone == NULL:
            raise MemoryError()
        for i in range(pop):
            everyone[i] = i
        for i in range(pop - 1, max(pop - size, 1) - 1, -1):
            j = <int64_t>_bounded(bg, 0, <uint64_t>i)
            tmp = everyone[j]
            everyone[j] = everyone[i]
            everyone[i] = tmp
        for i in range(size):
            out[i] = everyone[pop - size + i]
        free(everyone)
        return 0
    if size > 32:   # past a few dozen draws, a flag per member beats scanning
        taken = <unsigned char*>malloc(pop)
        if taken == NULL:
            raise MemoryError()
        for i in range(pop):
            taken[i] = 0
    _floyd(bg, pop, size, out, taken)
    free(taken)
    return 0


# ---- what the model calls -----------------------------------------------------------------------------------------
UNIFORM = None   # a column of ``requests``: a uniform on [0, 1), as ``gen.random(n)``


def poisson(gen, double lam):
    """``gen.poisson(lam)`` (one draw), as an int."""
    return _poisson(_bitgen(gen), lam)


def poisson_each(gen, lam):
    """``gen.poisson(lam)`` for an array of means: one draw each, in the array's order, as an int64 array of its
    shape. Every mean is checked before anything is drawn, as numpy checks them."""
    means_arr = np.ascontiguousarray(lam, dtype=np.float64)
    cdef const double[::1] means = means_arr.reshape(-1)
    cdef Py_ssize_t i, n = means.shape[0]
    for i in range(n):
        _check_mean(means[i])
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef bitgen_t *bg = _bitgen(gen)
    for i in range(n):
        out[i] = _poisson(bg, means[i])
    return out_arr.reshape(means_arr.shape)


def requests(gen, double lam, tuple columns):
    """Today's requests: how many, ``gen.poisson(lam)``, then each column drawn for all of them in turn, as numpy
    would draw it with size n: ``k`` is ``gen.integers(k, size=n)``, ``(lo, hi)`` is ``gen.integers(lo, hi,
    size=n)``, ``UNIFORM`` is ``gen.random(n)``. One tuple per request (a column's value at its place); an empty
    list on a day without one."""
    return _requests(_bitgen(gen), lam, columns)


cdef list _requests(bitgen_t *bg, double lam, tuple columns):
    cdef int64_t n = _poisson(bg, lam)
    cdef int64_t i, lo, hi
    if n == 0:
        return []
    cols = []
    for col in columns:
        if col is None:
            cols.append([_uniform(bg) for i in range(n)])
            continue
        lo, hi = col if isinstance(col, tuple) else (0, col)
        if hi <= lo:
            raise ValueError(f"integers in [{lo}, {hi}): the range is empty")
        cols.append([<int64_t>_bounded(bg, <uint64_t>lo, <uint64_t>(hi - 1 - lo)) for i in range(n)])
    return list(zip(*cols))


def reports(gen, double lam, Py_ssize_t n_systems, int64_t pop, int64_t size):
    """A department's report requests of the day: for each of its `n_systems` systems in turn, ``gen.poisson(lam)``
    requests, each asking for ``sample(gen, pop, size)`` of the system's fields, drawn as that loop of calls drew them
    (a system's count, then its requests' fields, then the next system's count). A list of (the system's place,
    the fields' places), empty on a day without a request."""
    return _reports(_bitgen(gen), lam, n_systems, pop, size)


cdef list _reports(bitgen_t *bg, double lam, Py_ssize_t n_systems, int64_t pop, int64_t size):
    _check_sample(pop, size)
    _check_mean(lam)
    cdef Py_ssize_t s
    cdef int64_t n, i
    cdef int64_t[::1] view
    out = []
    for s in range(n_systems):
        n = _poisson(bg, lam)
        for i in range(n):
            fields = np.empty(size, dtype=np.int64)
            if size > 0:
                view = fields
                _sample(bg, pop, size, &view[0])
            out.append((s, fields))
    return out


def integers(gen, int64_t high, int64_t size):
    """``gen.integers(high, size=size)``: `size` whole numbers in [0, high), as an int64 array."""
    if high <= 0:
        raise ValueError(f"integers in [0, {high}): the range is empty")
    if size < 0:
        raise ValueError(f"a negative size ({size}) of integers")
    cdef bitgen_t *bg = _bitgen(gen)
    out_arr = np.empty(size, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef int64_t i
    for i in range(size):
        out[i] = <int64_t>_bounded(bg, 0, <uint64_t>(high - 1))
    return out_arr


def successes(gen, int64_t n, double p):
    """Which of n trials succeed: the places where ``gen.random(n) < p``, as a list."""
    return _successes(_bitgen(gen), n, p)


cdef list _successes(bitgen_t *bg, int64_t n, double p):
    cdef int64_t i
    return [i for i in range(n) if _uniform(bg) < p]


def sample(gen, int64_t pop, int64_t size):
    """``gen.choice(pop, size=size, replace=False)``: `size` of range(pop) without replacement, in numpy's order."""
    _check_sample(pop, size)
    out = np.empty(size, dtype=np.int64)
    cdef int64_t[::1] view = out
    if size > 0:
        _sample(_bitgen(gen), pop, size, &view[0])
    return out


def lapses(gen, on, complying, double p_lapse, double p_found):
    """A reform's day of lapses and reviews (``fidelity.Fidelity.review_and_lapse``), from one uniform per unit
    (``u = gen.random(n)``): a unit applying the reform lapses where ``u < p_lapse``; a complying unit that does
    not apply it is found by the review and put back where ``u < p_found``. `on` and `complying` are bool arrays
    of one dimension, read through their buffers (a memoryview of bools costs more to take than the day's few
    units take to draw). Returns who applies it now, a new bool array."""
    cdef Py_buffer was, will, now
    cdef Py_ssize_t n, i
    cdef double u
    cdef bint applying
    now_arr = None
    _take_flags(on, &was, "on", False)
    try:
        _take_flags(complying, &will, "complying", False)
        try:
            n = was.shape[0]
            if will.shape[0] != n:
                raise ValueError(f"lapses: {will.shape[0]} complying units for {n} units")
            bg = _bitgen(gen)
            now_arr = np.empty(n, dtype=np.bool_)
            _take_flags(now_arr, &now, "now", True)
            for i in range(n):
                u = _uniform(bg)
                applying = _flag(&was, i)
                (<unsigned char*>now.buf)[i] = (applying and not u < p_lapse) \
                    or (_flag(&will, i) and not applying and u < p_found)
            PyBuffer_Release(&now)
        finally:
            PyBuffer_Release(&will)
    finally:
        PyBuffer_Release(&was)
    return now_arr


cdef int _take_flags(object mask, Py_buffer *view, str name, bint write) except -1:
    """Take the buffer of a bool array of one dimension (the caller releases it)."""
    if type(mask) is not np.ndarray or (mask.dtype is not B1 and mask.dtype != B1) or mask.ndim != 1:
        raise TypeError(f"lapses: {name} must be a bool array of one dimension, not {type(mask).__name__} "
                        f"{getattr(mask, 'dtype', '')}")
    PyObject_GetBuffer(mask, view, PyBUF_STRIDES | (PyBUF_WRITABLE if write else 0))
    return 0


cdef inline bint _flag(const Py_buffer *view, Py_ssize_t i) noexcept:
    return (<const unsigned char*>view.buf + i * view.strides[0])[0] != 0


cdef void _uniforms(bitgen_t *bg, double* out, Py_ssize_t n) noexcept:
    """``gen.random(n)`` into `out`: one ``next_double`` each, in order."""
    cdef Py_ssize_t i
    for i in range(n):
        out[i] = _uniform(bg)


cdef object _random(bitgen_t *bg, Py_ssize_t n, Py_ssize_t columns=-1):
    """``gen.random(n)``, or ``gen.random((n, columns))``: a new array of uniforms, in order."""
    cdef Py_ssize_t shape[2]
    if columns < 0:
        out = np.empty(n)
        _uniforms(bg, <double*>vector(out, F8, n, True, "uniforms"), n)
    else:
        out = np.empty((n, columns))
        _uniforms(bg, <double*>array_data(out, F8, 2, shape, True, "uniforms"), n * columns)
    return out


cdef inline Py_ssize_t _category(const double* cdf, Py_ssize_t n, double u) noexcept:
    """``cdf[:n].searchsorted(u, side="right")``: the first place whose cumulative share exceeds u (numpy's
    bisection)."""
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = lo + ((hi - lo) >> 1)
        if cdf[mid] <= u:
            lo = mid + 1
        else:
            hi = mid
    return lo


def arrivals(gen, double mean, int64_t n_households, kind_cdf_, certificate_cdf_):
    """A day's requests from households (``offices.service_desk.ServiceDesk.take_requests``), drawn from `gen` as its
    own calls draw them, in this order: how many, ``gen.poisson(mean)``; whose, ``gen.integers(n_households,
    size=n)``; of which kind, then which certificate a certificate would be, ``streams.Categorical(p).draw(gen, n)``
    for each (a uniform each, placed on the shares' cumulative sum `kind_cdf`, `certificate_cdf`); then three
    uniforms each, ``gen.random(n)`` in turn: verification, self-settlement, urgency.

    Returns (households, kinds as int8, certificate kinds, the three arrays of uniforms)."""
    cdef Py_ssize_t n_kinds, n_certificates
    cdef const double* kind_cdf = <const double*>array_data(kind_cdf_, F8, 1, &n_kinds, False, "arrivals: kind_cdf")
    cdef const double* certificate_cdf = <const double*>array_data(certificate_cdf_, F8, 1, &n_certificates, False,
                                                                   "arrivals: certificate_cdf")
    if n_households <= 0:
        raise ValueError(f"integers in [0, {n_households}): the range is empty")
    if n_kinds == 0 or n_kinds > 127 or n_certificates == 0:
        raise ValueError("arrivals: the kinds' shares (1 to 127 of them) and the certificates' are needed")
    cdef bitgen_t *bg = _bitgen(gen)
    cdef int64_t n = _poisson(bg, mean), i
    households_arr, kinds_arr = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int8)
    certificates_arr = np.empty(n, dtype=np.int64)
    cdef int64_t* households = <int64_t*>vector(households_arr, I8, n, True, "households")
    cdef signed char* kinds = <signed char*>vector(kinds_arr, I1, n, True, "kinds")
    cdef int64_t* certificates = <int64_t*>vector(certificates_arr, I8, n, True, "certificates")
    for i in range(n):
        households[i] = <int64_t>_bounded(bg, 0, <uint64_t>(n_households - 1))
    for i in range(n):
        kinds[i] = <signed char>_category(kind_cdf, n_kinds, _uniform(bg))
    for i in range(n):
        certificates[i] = _category(certificate_cdf, n_certificates, _uniform(bg))
    verify = _random(bg, n)
    settle = _random(bg, n)
    return households_arr, kinds_arr, certificates_arr, verify, settle, _random(bg, n)


def notices(gen, rate_, start_, end_, int64_t day, double volume, extra_, double work_below, double evening_below,
            double urgent_share, Py_ssize_t town_columns, Py_ssize_t village_columns):
    """A day's notices in the work groups (``offices.chat.ChatOffice.deliver``), drawn from `gen` as its own calls
    draw them, in this order:

    - how many each source posts: ``gen.poisson(np.where(active, rate, 0.0) * volume)``, one draw per source, the
      sources active today (start <= day < end) at their rate; the `extra` notices (those replacing documents) are
      then added to the first sources, and `extra` is left zero;
    - for the N notices, in source order: when each is posted, ``gen.random(N)`` (working hours below `work_below`,
      the evening below `evening_below`, late after), whether it is urgent, ``gen.random(N) < urgent_share``, and
      the uniform that decides whether it asks for action, ``gen.random(N)``;
    - the forwarding uniforms: ``gen.random(N)``, ``gen.random((N, town_columns))``, ``gen.random(N)`` and
      ``gen.random((N, village_columns))`` twice.

    Returns (each notice's source, its time of day: 0 working hours, 1 evening, 2 late; urgent; the action uniform;
    the five forwarding arrays). Every mean is checked before anything is drawn, as numpy checks them."""
    cdef Py_ssize_t S, n_start, n_end, n_extra, s, i, N = 0, k
    cdef const double* rate = <const double*>array_data(rate_, F8, 1, &S, False, "notices: rate")
    cdef const int64_t* start = <const int64_t*>array_data(start_, I8, 1, &n_start, False, "notices: start")
    cdef const int64_t* end = <const int64_t*>array_data(end_, I8, 1, &n_end, False, "notices: end")
    cdef int64_t* extra = <int64_t*>array_data(extra_, I8, 1, &n_extra, True, "notices: extra")
    if n_start != S or n_end != S or n_extra > S:
        raise ValueError(f"notices: one rate, start and end per source ({S}), and no more extra notices than sources")
    if town_columns < 0 or village_columns < 0:
        raise ValueError("notices: the forwarding columns cannot be negative")
    means_arr, counts_arr = np.empty(S), np.empty(S, dtype=np.int64)
    cdef double* means = <double*>vector(means_arr, F8, S, True, "means")
    cdef int64_t* counts = <int64_t*>vector(counts_arr, I8, S, True, "counts")
    for s in range(S):
        means[s] = (rate[s] if start[s] <= day < end[s] else 0.0) * volume
        _check_mean(means[s])
    cdef bitgen_t *bg = _bitgen(gen)
    for s in range(S):
        counts[s] = _poisson(bg, means[s])
    for s in range(n_extra):
        counts[s] += extra[s]
        extra[s] = 0
    for s in range(S):
        if counts[s] < 0:
            raise ValueError("notices: a source's count of notices is negative")
        N += counts[s]
    source_arr, when_arr = np.empty(N, dtype=np.int64), np.empty(N, dtype=np.int64)
    cdef int64_t* source = <int64_t*>vector(source_arr, I8, N, True, "source")
    cdef int64_t* when = <int64_t*>vector(when_arr, I8, N, True, "when")
    i = 0
    for s in range(S):
        for k in range(counts[s]):
            source[i] = s
            i += 1
    u_time_arr = _random(bg, N)
    cdef const double* u_time = <const double*>vector(u_time_arr, F8, N, False, "time")
    for i in range(N):
        when[i] = 0 if u_time[i] < work_below else (1 if u_time[i] < evening_below else 2)
    urgent_arr = np.empty(N, dtype=np.bool_)
    cdef unsigned char* urgent = <unsigned char*>vector(urgent_arr, B1, N, True, "urgent")
    for i in range(N):
        urgent[i] = _uniform(bg) < urgent_share
    action_arr = _random(bg, N)
    forwarding = (_random(bg, N), _random(bg, N, town_columns), _random(bg, N), _random(bg, N, village_columns),
                  _random(bg, N, village_columns))
    return source_arr, when_arr, urgent_arr, action_arr, forwarding


cdef class UsualRequests:
    """A county department's usual requests of a working day (``agents.Department``), each channel drawn from its
    own stream as ``requests``, ``reports`` and ``successes`` draw it: documents, meetings, reports, inspections,
    duties pushed down. One call a day instead of five, with the streams' bit generators found once. The rates and
    columns are the department's own (``Department.__init__``), so ``today()`` draws what the five calls drew: the
    same numbers, each stream left where they left it."""

    cdef readonly object streams        # the five Generators: kept, so their bit generators stay
    cdef bitgen_t *_bg[5]
    cdef readonly double documents_rate, meetings_rate, reports_rate, inspection_chance, pushed_rate
    cdef readonly tuple documents_columns, meetings_columns, pushed_columns
    cdef readonly Py_ssize_t n_systems
    cdef readonly int64_t system_fields, fields_per_request, n_townships

    def __init__(self, streams, documents, meetings, reports, inspections, pushed):
        """`streams`: the five Generators in the channels' order. `documents`, `meetings`, `pushed`: (rate, columns)
        as ``requests`` takes them; `reports`: (rate, systems, fields of a system, fields a request asks for);
        `inspections`: (townships, the chance of one a township)."""
        self.streams = tuple(streams)
        if len(self.streams) != 5:
            raise ValueError(f"usual requests: five streams, one a channel, not {len(self.streams)}")
        cdef int i
        for i in range(5):
            self._bg[i] = _bitgen(self.streams[i])
        self.documents_rate, self.documents_columns = documents
        self.meetings_rate, self.meetings_columns = meetings
        self.reports_rate, self.n_systems, self.system_fields, self.fields_per_request = reports
        _check_sample(self.system_fields, self.fields_per_request)
        self.n_townships, self.inspection_chance = inspections
        self.pushed_rate, self.pushed_columns = pushed

    def today(self):
        """(documents, meetings, reports, inspections, duties): what ``requests``, ``reports`` and ``successes``
        return for each channel from its stream, in that order."""
        return (_requests(self._bg[0], self.documents_rate, self.documents_columns),
                _requests(self._bg[1], self.meetings_rate, self.meetings_columns),
                _reports(self._bg[2], self.reports_rate, self.n_systems, self.system_fields, self.fields_per_request),
                _successes(self._bg[3], self.n_townships, self.inspection_chance),
                _requests(self._bg[4], self.pushed_rate, self.pushed_columns))
