# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Adding into a few cadres' entries of the ledgers and accounts, as ``np.add.at`` adds, without its cost per call.

Every request a department sends books hours into the work ledger and the reform accounts for the cadres on its
line (``workload.WorkLedger``, ``accounts.ReformAccounts``): some 12,000 (township) to 18,000 (county) additions a
year into a few dozen entries each, where ``np.add.at`` spends a few µs per call before it adds anything. It adds
entry by entry in the order given (a cadre listed twice gets both, in turn); so do these, so the ledgers hold the
same figures to the last bit (``tests/test_speed.py`` holds them to ``np.add.at``). The ledger's daily move to the
next day (``shift_owed``) adds each day's overdue work the same way, in one pass over the cadres.
"""

import numpy as np

from libc.stdint cimport int16_t, int64_t
from libc.string cimport memmove, memset

cdef const int64_t[:] _indices(index):
    """The indices as int64 (other whole-number arrays converted, as numpy would index with them)."""
    cdef const int64_t[:] taken
    try:
        taken = index   # the usual case, an int64 array, taken as it is (no numpy call)
    except (ValueError, TypeError):
        arr = np.asarray(index)
        if arr.dtype.kind not in "iu" or arr.ndim != 1:
            raise TypeError(f"scatter: indices must be whole numbers in one dimension, not {arr.dtype} {arr.shape}")
        taken = arr.astype(np.int64)
    return taken


cdef int _check(Py_ssize_t n_target, const int64_t[:] index) except -1:
    cdef Py_ssize_t i
    for i in range(index.shape[0]):
        if not 0 <= index[i] < n_target:
            raise IndexError(f"add_at: index {index[i]} is outside the {n_target} entries")
    return 0


def add_at(double[:] target, index, values):
    """``np.add.at(target, index, values)`` for a float64 target (a view of any stride) and whole-number indices:
    `values` is one number for every entry (or an array of one) or one per index. Checks every index before
    adding any."""
    cdef const int64_t[:] idx = _indices(index)
    cdef Py_ssize_t i, n = idx.shape[0]
    cdef double v
    cdef const double[:] each
    _check(target.shape[0], idx)
    if isinstance(values, (float, int)):
        v = values
        _add_one(target, idx, v)
        return
    try:
        each = values   # the usual case, a float64 array of one dimension, taken as it is (no numpy call)
    except (ValueError, TypeError):   # anything else as numpy would take it
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim > 1:
            raise ValueError(f"add_at: {np.shape(values)} values for {n} indices")
        each = arr.reshape(-1)
    if each.shape[0] == 1:   # numpy broadcasts one figure (a number or an array of one) to every index
        v = each[0]
        _add_one(target, idx, v)
        return
    if each.shape[0] != n:
        raise ValueError(f"add_at: {np.shape(values)} values for {n} indices")
    for i in range(n):
        target[idx[i]] += each[i]


cdef void _add_one(double[:] target, const int64_t[:] index, double v) noexcept:
    cdef Py_ssize_t i
    for i in range(index.shape[0]):
        target[index[i]] += v


def count_at(int16_t[:] target, index):
    """``np.add.at(target, index, 1)`` for an int16 count: one more for each index, in turn."""
    cdef const int64_t[:] idx = _indices(index)
    cdef Py_ssize_t i
    _check(target.shape[0], idx)
    for i in range(idx.shape[0]):
        target[idx[i]] += 1


def shift_owed(double[:, :, ::1] due, Py_ssize_t owed_until):
    """The work ledger's move to the next day (``workload.WorkLedger.advance``), in place: each cadre's deadlines
    come a day nearer (``due[:, :k-1] = due[:, 1:k]``, ``due[:, k-1] = 0``, k = `owed_until`) and what was due
    today and not done stays due, added to what falls due tomorrow (``due[:, 0] += overdue``, as numpy adds it).
    Only the owed part, ``due[:, :k]``, is moved: beyond it the ledger holds nothing."""
    cdef Py_ssize_t C = due.shape[0], K = due.shape[1], n = due.shape[2], c, a
    cdef double overdue[16]
    cdef double* row
    if not 1 <= owed_until <= K:
        raise ValueError(f"shift_owed: owed_until {owed_until} is not within the ledger's 1-{K} days")
    if n > 16:
        raise ValueError(f"shift_owed: at most 16 deadline activities, not {n}")
    for c in range(C):
        row = &due[c, 0, 0]
        for a in range(n):
            overdue[a] = row[a]
        memmove(row, row + n, (owed_until - 1) * n * sizeof(double))
        memset(row + (owed_until - 1) * n, 0, n * sizeof(double))
        for a in range(n):
            row[a] = row[a] + overdue[a]
