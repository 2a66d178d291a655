# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Adding into a few cadres' entries of the ledgers and accounts, as ``np.add.at`` adds, without its cost per call.

Every request a department sends books hours into the work ledger and the reform accounts for the cadres on its
line (``workload.WorkLedger``, ``accounts.ReformAccounts``): some 12,000 (township) to 18,000 (county) additions a
year into a few dozen entries each, where ``np.add.at`` spends a few µs per call before it adds anything. It adds
entry by entry in the order given (a cadre listed twice gets both, in turn); so do these, so the ledgers hold the
same figures to the last bit (``tests/test_speed.py`` holds them to ``np.add.at``). The ledger's daily move to the
next day (``shift_owed``) adds each day's overdue work the same way, in one pass over the cadres.

The accounts' other arithmetic is here too, each in one call where numpy took several: a request's hours summed
over its cadres in numpy's pairwise order (``total``), a reform's removal booked per cadre and by township
(``book_removed``), and the departments' smoothed view of what their requests cost (``smooth_costs``); and the
day's per-cadre figures added into the tally's totals, all in one call (``add_into``).
"""

import numpy as np

from cpython.buffer cimport (PyBUF_C_CONTIGUOUS, PyBUF_FORMAT, PyBUF_STRIDES, PyBUF_WRITABLE, PyBuffer_Release,
                             PyObject_GetBuffer)
from libc.math cimport isnan
from libc.stdint cimport int16_t, int64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memmove, memset

from .arrays cimport array_data
from .numpy_order cimport numpy_sum

cdef object _ndarray = np.ndarray
# the usual arguments' dtypes: an array of one of them is taken without asking numpy for its format (which numpy
# writes anew each time), as ``arrays.pxd`` takes arrays
cdef object F8 = np.dtype(np.float64), I8 = np.dtype(np.int64), I2 = np.dtype(np.int16), B1 = np.dtype(np.bool_)
cdef int _READ = PyBUF_STRIDES
cdef int _WRITE = PyBUF_STRIDES | PyBUF_WRITABLE


# The arrays are read through the buffer protocol, not as typed memoryviews: a typed memoryview costs some 0.3 µs to
# take (Cython makes an object for it and parses the format), and these are called some 25-40 times a simulated day
# with two or three arrays each. The usual arguments (numpy arrays of float64 values, int64 indices, int16 counts,
# of one dimension and any stride) are taken as they are; other indices and values are converted as numpy would
# take them.

cdef bint _take(object obj, Py_buffer *view, int flags, char kind, Py_ssize_t itemsize) except -1:
    """Take `obj`'s buffer if it is a numpy array of one dimension whose items are of `kind` (a struct letter:
    'd' float64, 'h' int16; 'l' also takes 'q', int64) and `itemsize`: True if taken (the caller releases it),
    False if not (nothing is held). The usual dtype is known by identity; any other is read from the format."""
    cdef const char *fmt
    if not isinstance(obj, _ndarray):
        return False
    cdef bint usual = (<object>obj).dtype is (F8 if kind == b'd' else (I2 if kind == b'h' else I8))
    try:
        PyObject_GetBuffer(obj, view, flags if usual else flags | PyBUF_FORMAT)
    except BufferError:   # a read-only array asked for writing
        return False
    fmt = view.format
    if view.ndim == 1 and (usual or (view.itemsize == itemsize and fmt != NULL and fmt[1] == 0
                                     and (fmt[0] == kind or (kind == b'l' and fmt[0] == b'q')))):
        return True
    PyBuffer_Release(view)
    return False


cdef int _take_target(object target, Py_buffer *view, char kind, Py_ssize_t itemsize, str dtype) except -1:
    """Take the buffer of the array added into, or say what it should be."""
    if _take(target, view, _WRITE, kind, itemsize):
        return 0
    if isinstance(target, _ndarray) and not target.flags.writeable:
        raise ValueError("scatter: the target is read-only")
    raise TypeError(f"scatter: the target must be a numpy {dtype} array of one dimension, not "
                    f"{type(target).__name__} {getattr(target, 'dtype', '')} {np.shape(target)}")


cdef int _take_indices(object index, Py_buffer *view) except -1:
    """Take the indices' buffer, converting other whole-number indices (lists, int32, uint64) to int64 as numpy would
    index with them (the buffer keeps the converted array)."""
    if _take(index, view, _READ, b'l', 8):
        return 0
    arr = np.asarray(index)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise TypeError(f"scatter: indices must be whole numbers in one dimension, not {arr.dtype} {arr.shape}")
    if not _take(arr.astype(np.int64), view, _READ, b'l', 8):
        raise TypeError(f"scatter: indices of {arr.dtype} could not be read as int64")
    return 0


cdef inline double* _at_double(const Py_buffer *view, Py_ssize_t i) noexcept:
    return <double*>(<char*>view.buf + i * view.strides[0])


cdef inline int64_t _at_index(const Py_buffer *view, Py_ssize_t i) noexcept:
    return (<const int64_t*>(<const char*>view.buf + i * view.strides[0]))[0]


cdef int _check(Py_ssize_t n_target, const Py_buffer *index) except -1:
    cdef Py_ssize_t i
    cdef int64_t c
    for i in range(index.shape[0]):
        c = _at_index(index, i)
        if not 0 <= c < n_target:
            raise IndexError(f"add_at: index {c} is outside the {n_target} entries")
    return 0


cdef int _add(const Py_buffer *target, const Py_buffer *index, values) except -1:
    """add_at on the taken buffers, every index checked first; `values` one number, an array of one, or one each."""
    cdef Py_buffer each
    cdef Py_ssize_t n = index.shape[0]
    cdef double one = 0.0
    _check(target.shape[0], index)
    cdef int taken = _take_values(values, n, &each, &one, "add_at: values")
    if taken < 0:
        raise ValueError(f"add_at: {np.shape(values)} values for {n} indices")
    try:
        _add_each(target, index, &each if taken else NULL, one)
    finally:
        if taken:
            PyBuffer_Release(&each)
    return 0


cdef int _take_values(object values, Py_ssize_t n, Py_buffer *view, double *one, str what) except -2:
    """`values` for n entries as numpy broadcasts them: one number for all (-> 0, `one` set), an array of one
    (-> 0, likewise), one figure each (-> 1, its buffer taken; the caller releases it), or any other shape (-> -1,
    nothing held: the caller says what it needed). Taken as they are if float64 arrays of one dimension, else
    converted as numpy would (`what` names them if they cannot be)."""
    if isinstance(values, (float, int)):
        one[0] = values
        return 0
    if not _take(values, view, _READ, b'd', 8):
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim > 1:
            return -1
        if not _take(arr.reshape(-1), view, _READ, b'd', 8):   # the buffer keeps the converted array
            raise TypeError(f"{what} of {arr.dtype} could not be read as float64")
    cdef Py_ssize_t length = view.shape[0]
    if length == n:
        return 1
    if length == 1:
        one[0] = _at_double(view, 0)[0]
    PyBuffer_Release(view)
    return 0 if length == 1 else -1


cdef void _add_each(const Py_buffer *target, const Py_buffer *index, const Py_buffer *each, double v) noexcept:
    """add_at's additions on checked buffers, entry by entry in the order given: `each`'s figures in turn, or `v`
    for every index (`each` NULL)."""
    cdef Py_ssize_t i
    for i in range(index.shape[0]):
        _at_double(target, _at_index(index, i))[0] += v if each == NULL else _at_double(each, i)[0]


def add_at(target, index, values):
    """``np.add.at(target, index, values)`` for a float64 target (a view of any stride) and whole-number indices:
    `values` is one number for every entry (or an array of one) or one per index. Checks every index before
    adding any."""
    cdef Py_buffer t, x
    _take_target(target, &t, b'd', 8, "float64")
    try:
        _take_indices(index, &x)
        try:
            _add(&t, &x, values)
        finally:
            PyBuffer_Release(&x)
    finally:
        PyBuffer_Release(&t)



cdef int _add_group_sums(const Py_buffer *target, const Py_buffer *group_of, const Py_buffer *index,
                         const Py_buffer *each, double v) except -1:
    """Sum each group's values from 0.0 in the order given (`each`'s, or `v` for every index where `each` is NULL),
    then add every group's sum into `target`, as numpy adds a whole bincount."""
    cdef Py_ssize_t i, T = target.shape[0]
    cdef double *sums = <double*>calloc(max(T, 1), sizeof(double))
    if sums == NULL:
        raise MemoryError()
    for i in range(index.shape[0]):
        sums[_at_index(group_of, _at_index(index, i))] += v if each == NULL else _at_double(each, i)[0]
    for i in range(T):
        _at_double(target, i)[0] += sums[i]
    free(sums)
    return 0


def add_by_group(target, group_of, index, values):
    """``target += np.bincount(group_of[index], weights=values, minlength=len(target))`` for a float64 target (the
    accounts' hours by township): each group's values summed from 0.0 in the order given, then every entry added
    its group's sum, as numpy adds the whole count. `values`: one per index, or one number for all of them (as
    numpy broadcasts it). Checks every index and group before adding any."""
    cdef Py_buffer t, g, x, each
    cdef Py_ssize_t i
    cdef int64_t k
    _take_target(target, &t, b'd', 8, "float64")
    try:
        _take_indices(group_of, &g)
        try:
            _take_indices(index, &x)
            try:
                _check(g.shape[0], &x)
                for i in range(x.shape[0]):
                    k = _at_index(&g, _at_index(&x, i))
                    if not 0 <= k < t.shape[0]:
                        raise IndexError(f"add_by_group: group {k} is outside the {t.shape[0]} entries")
                if isinstance(values, (float, int)):
                    _add_group_sums(&t, &g, &x, NULL, values)
                    return
                if not _take(values, &each, _READ, b'd', 8):   # anything else as numpy would take it
                    arr = np.asarray(values, dtype=np.float64).reshape(-1)
                    if not _take(arr, &each, _READ, b'd', 8):
                        raise TypeError(f"add_by_group: values of {arr.dtype} could not be read as float64")
                try:
                    if each.shape[0] != x.shape[0]:
                        raise ValueError(f"add_by_group: {each.shape[0]} values for {x.shape[0]} indices")
                    _add_group_sums(&t, &g, &x, &each, 0.0)
                finally:
                    PyBuffer_Release(&each)
            finally:
                PyBuffer_Release(&x)
        finally:
            PyBuffer_Release(&g)
    finally:
        PyBuffer_Release(&t)


cdef int _take_hours(object hours, Py_ssize_t n, Py_buffer *view, double *one) except -2:
    """The hours of `n` cadres as ``workload.per_cadre`` takes them (``_take_values``), or a clear error."""
    cdef int taken = _take_values(hours, n, view, one, "hours")
    if taken < 0:
        shape = np.shape(hours)
        raise ValueError(f"hours of shape {shape} for {n} cadres" if len(shape) > 1 else
                         f"{shape[0]} figures of hours for {n} cadres")
    return taken


cdef double _sum_hours(const Py_buffer *each, double one, Py_ssize_t n) except? -1.0:
    """The n cadres' hours summed as ``per_cadre(hours, cadres).sum()`` sums them (numpy's pairwise order), one
    figure each (`each`) or `one` for all (`each` NULL)."""
    cdef double *row
    cdef double result
    cdef Py_ssize_t i
    if each != NULL and each.strides[0] == sizeof(double):
        return numpy_sum(<const double*>each.buf, n, n)
    row = <double*>malloc(max(n, 1) * sizeof(double))   # the figures in a row, as numpy would sum them
    if row == NULL:
        raise MemoryError()
    for i in range(n):
        row[i] = one if each == NULL else _at_double(each, i)[0]
    result = numpy_sum(row, n, n)
    free(row)
    return result


def total(cadres, hours):
    """The hours a request costs (or a reform removed from) `cadres`, summed over them as numpy sums
    ``workload.per_cadre(hours, cadres)``: pairwise, each figure as the cadre's (one number or an array of one is
    every cadre's). The accounts' figure of each request (``accounts.ReformAccounts``)."""
    cdef Py_buffer each
    cdef double one = 0.0, result
    cdef Py_ssize_t n = len(cadres)
    if _take_hours(hours, n, &each, &one) == 0:
        return _sum_hours(NULL, one, n)
    try:
        result = _sum_hours(&each, 0.0, n)
    finally:
        PyBuffer_Release(&each)
    return result


def book_removed(cadres, hours, by_cadre, by_township, cadre_township, service_by_cadre=None):
    """What a reform removed from `cadres` (``accounts.ReformAccounts.removed``): the total as ``total`` makes it,
    and unless it is 0.0, each cadre's hours added into `by_cadre` (and `service_by_cadre`, when given) as
    ``add_at`` adds them and into `by_township` as ``add_by_group`` adds them. Returns the total. Every index is
    checked before anything is added."""
    cdef Py_buffer x, each, t_cadre, t_town, t_service, g
    cdef double one = 0.0, result
    cdef int one_each
    cdef Py_ssize_t i, n
    cdef int64_t k
    cdef bint service = service_by_cadre is not None
    if len(cadres) == 0:
        return 0.0   # removed from nobody (a list of none, of any type, as numpy would make it int64)
    _take_indices(cadres, &x)
    try:
        n = x.shape[0]
        one_each = _take_hours(hours, n, &each, &one)
        try:
            result = _sum_hours(&each if one_each else NULL, one, n)
            if result == 0.0:
                return result
            _take_target(by_cadre, &t_cadre, b'd', 8, "float64")
            try:
                _take_target(by_township, &t_town, b'd', 8, "float64")
                try:
                    _take_indices(cadre_township, &g)
                    try:
                        _check(t_cadre.shape[0], &x)
                        _check(g.shape[0], &x)
                        for i in range(n):
                            k = _at_index(&g, _at_index(&x, i))
                            if not 0 <= k < t_town.shape[0]:
                                raise IndexError(f"book_removed: township {k} is outside the {t_town.shape[0]} "
                                                 "entries")
                        if service:
                            _take_target(service_by_cadre, &t_service, b'd', 8, "float64")
                            try:
                                _check(t_service.shape[0], &x)
                                _add_each(&t_service, &x, &each if one_each else NULL, one)
                            finally:
                                PyBuffer_Release(&t_service)
                        _add_each(&t_cadre, &x, &each if one_each else NULL, one)
                        _add_group_sums(&t_town, &g, &x, &each if one_each else NULL, one)
                    finally:
                        PyBuffer_Release(&g)
                finally:
                    PyBuffer_Release(&t_town)
            finally:
                PyBuffer_Release(&t_cadre)
        finally:
            if one_each:
                PyBuffer_Release(&each)
    finally:
        PyBuffer_Release(&x)
    return result


def smooth_costs(cost_, removed_, spent_today_, removed_today_, double a):
    """The departments' smoothed view of what their requests cost and what reforms removed
    (``agents.DemandSeen.take_stock``), in place: ``cost += a * (spent_today - cost)``, likewise `removed`; returns
    r, each channel's cost against its cost without the reforms, ``cost / (cost + removed)`` where that is above
    1e-12 and 1.0 elsewhere, clipped to [0, 1] as ``np.minimum(np.maximum(r, 0.0), 1.0)`` clips (a NaN kept)."""
    cdef Py_ssize_t shape[2], s1[2], s2[2], s3[2], i
    cdef double* cost = <double*>array_data(cost_, F8, 2, shape, True, "smooth_costs: cost")
    cdef double* removed = <double*>array_data(removed_, F8, 2, s1, True, "smooth_costs: removed")
    cdef const double* spent_today = <const double*>array_data(spent_today_, F8, 2, s2, False,
                                                               "smooth_costs: spent_today")
    cdef const double* removed_today = <const double*>array_data(removed_today_, F8, 2, s3, False,
                                                                 "smooth_costs: removed_today")
    cdef double before, r
    if s1[0] != shape[0] or s2[0] != shape[0] or s3[0] != shape[0] or s1[1] != shape[1] or s2[1] != shape[1] \
            or s3[1] != shape[1]:
        raise ValueError("smooth_costs: one row of costs and removals a department, one column a channel")
    ratio_arr = np.empty((shape[0], shape[1]))
    cdef double* ratio = <double*>array_data(ratio_arr, F8, 2, s1, True, "ratio")
    for i in range(shape[0] * shape[1]):   # each department's channels, in order
        cost[i] = cost[i] + a * (spent_today[i] - cost[i])
        removed[i] = removed[i] + a * (removed_today[i] - removed[i])
        before = cost[i] + removed[i]
        r = cost[i] / before if before > 1e-12 else 1.0
        r = r if (r > 0.0 or isnan(r)) else 0.0     # np.maximum(r, 0.0): -0.0 made 0.0
        ratio[i] = r if (r < 1.0 or isnan(r)) else 1.0   # np.minimum(r, 1.0)
    return ratio_arr


def count_at(target, index):
    """``np.add.at(target, index, 1)`` for an int16 count: one more for each index, in turn."""
    cdef Py_buffer t, x
    cdef Py_ssize_t i
    _take_target(target, &t, b'h', 2, "int16")
    try:
        _take_indices(index, &x)
        try:
            _check(t.shape[0], &x)
            for i in range(x.shape[0]):
                (<int16_t*>(<char*>t.buf + _at_index(&x, i) * t.strides[0]))[0] += 1
        finally:
            PyBuffer_Release(&x)
    finally:
        PyBuffer_Release(&t)


def shift_owed(due_, Py_ssize_t owed_until):
    """The work ledger's move to the next day (``workload.WorkLedger.advance``), in place: each cadre's deadlines
    come a day nearer (``due[:, :k-1] = due[:, 1:k]``, ``due[:, k-1] = 0``, k = `owed_until`) and what was due
    today and not done stays due, added to what falls due tomorrow (``due[:, 0] += overdue``, as numpy adds it).
    Only the owed part, ``due[:, :k]``, is moved: beyond it the ledger holds nothing."""
    cdef Py_ssize_t shape[3]
    cdef double* due = <double*>array_data(due_, F8, 3, shape, True, "shift_owed: due")
    cdef Py_ssize_t C = shape[0], K = shape[1], n = shape[2], c, a
    cdef double overdue[16]
    cdef double* row
    if not 1 <= owed_until <= K:
        raise ValueError(f"shift_owed: owed_until {owed_until} is not within the ledger's 1-{K} days")
    if n > 16:
        raise ValueError(f"shift_owed: at most 16 deadline activities, not {n}")
    for c in range(C):
        row = due + c * K * n
        for a in range(n):
            overdue[a] = row[a]
        memmove(row, row + n, (owed_until - 1) * n * sizeof(double))
        memset(row + (owed_until - 1) * n, 0, n * sizeof(double))
        for a in range(n):
            row[a] = row[a] + overdue[a]


def add_into(targets, values):
    """Each array of `values` added into the array of `targets` beside it, as ``target += value`` adds: item by
    item, a float64 value as it is and a boolean one as 1.0 or 0.0, into a writable float64 target of the same
    shape (both C-contiguous). Every pair is checked before anything is added. The per-cadre totals of a day's
    figures (``tally.Tally.add_per_cadre_each``): a call for all of them, where each ``+=`` cost about a µs."""
    cdef Py_ssize_t n_pairs = len(targets), p, i, n
    cdef Py_buffer* views
    cdef int taken = 0, k
    if len(values) != n_pairs:
        raise ValueError(f"add_into: {n_pairs} targets and {len(values)} values")
    for p in range(n_pairs):
        t, v = targets[p], values[p]
        if not (isinstance(t, _ndarray) and t.dtype is F8):
            raise TypeError(f"add_into: target {p} must be a numpy float64 array, not {type(t).__name__} "
                            f"{getattr(t, 'dtype', '')}")
        if not (isinstance(v, _ndarray) and (v.dtype is F8 or v.dtype is B1)):
            raise TypeError(f"add_into: values {p} must be a numpy float64 or boolean array, not "
                            f"{type(v).__name__} {getattr(v, 'dtype', '')}")
        if t.shape != v.shape:
            raise ValueError(f"add_into: values {p} of shape {v.shape} for a target of shape {t.shape}")
    views = <Py_buffer*>malloc(2 * n_pairs * sizeof(Py_buffer) + 1)
    if views == NULL:
        raise MemoryError()
    try:
        for p in range(n_pairs):   # every buffer taken before anything is added: C-contiguous, the target writable
            try:
                PyObject_GetBuffer(targets[p], &views[2 * p], PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE)
                taken += 1
                PyObject_GetBuffer(values[p], &views[2 * p + 1], PyBUF_C_CONTIGUOUS)
                taken += 1
            except (BufferError, ValueError) as error:
                raise ValueError(f"add_into: pair {p}: {error}") from None
        for p in range(n_pairs):
            n = views[2 * p].len // 8
            if (<object>values[p]).dtype is B1:
                for i in range(n):
                    (<double*>views[2 * p].buf)[i] += 1.0 if (<const unsigned char*>views[2 * p + 1].buf)[i] else 0.0
            else:
                for i in range(n):
                    (<double*>views[2 * p].buf)[i] += (<const double*>views[2 * p + 1].buf)[i]
    finally:
        for k in range(taken):
            PyBuffer_Release(&views[k])
        free(views)
