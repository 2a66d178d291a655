# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Word of mouth (``agents.Households.talk``), compiled: one pass over the households and their ties (``Ties``,
checked once when the households are built); setting the views a day's contacts leave (``set_views``,
``move_views``: ``agents.Households.rate_service`` and ``visited``); and who hears of a day's calls to 12345
(``news_of_calls``).

Written over whole arrays the weekly talk took a sparse product over every tie and half a dozen passes over every
household (about 8 ms a week for a county's 200,000 households in a whole run; this pass about 5 ms). Here each
household's figures are made as numpy and scipy made them: the neighbours' views summed in the ties' order from 0.0
(scipy's ``csr_matvec``), each new view as ``(1 - w) * view + w * (sum / count)``, the townships' sums added in the
households' order (``np.bincount``), so the talk's results are the array version's to the last bit
(``tests/test_speed.py`` holds it to that version). Built with ``-ffp-contract=off`` (``pyproject.toml``), so that
no multiply-add is fused where numpy rounds twice.
"""

import numpy as np

from libc.math cimport isnan
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport free, malloc

from .arrays cimport array_data, vector

# the arrays' dtypes, as ``arrays.pxd`` checks them
cdef object F8 = np.dtype(np.float64), I8 = np.dtype(np.int64), I4 = np.dtype(np.int32), U1 = np.dtype(np.uint8)


cdef object _households(object households, str who):
    """The households as a contiguous int64 array: taken as they are, or converted as numpy converts whole numbers
    (int32 ones from the request book). Not a fused type: choosing among a fused function's signatures cost more
    than a day's few contacts took to set."""
    if type(households) is np.ndarray and households.dtype is I8 and households.flags.c_contiguous:
        return households
    arr = np.asarray(households)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise TypeError(f"{who}: households must be whole numbers in one dimension, not {arr.dtype} {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.int64)


cdef struct _Entry:
    int64_t household
    Py_ssize_t place   # where in the call's list: the later of two entries for one household wins


cdef void _sort_by_household(_Entry *entries, _Entry *spare, Py_ssize_t n, int64_t largest) noexcept nogil:
    """The entries by household, those of one household in their place's order: a stable radix sort on the
    household, 11 bits a pass (two passes for up to four million households). It replaced ``qsort``, which took
    most of the time a day's contacts of a county took to set (some 2,500 of them on a day). A few entries (most
    calls in a township) are sorted by insertion instead, which is stable too: each pass of the radix sort counts
    into 2,048 digits however few the entries."""
    cdef Py_ssize_t count[2048]
    cdef Py_ssize_t i, total, c, j
    cdef int shift = 0
    cdef _Entry *swap
    cdef _Entry e
    if n <= 64:
        for i in range(1, n):
            e = entries[i]
            j = i
            while j > 0 and entries[j - 1].household > e.household:   # equal households keep their order
                entries[j] = entries[j - 1]
                j -= 1
            entries[j] = e
        return
    while (largest >> shift) > 0:
        for i in range(2048):
            count[i] = 0
        for i in range(n):
            count[(entries[i].household >> shift) & 2047] += 1
        total = 0
        for i in range(2048):
            c = count[i]
            count[i] = total
            total += c
        for i in range(n):   # in the entries' order: those with the same digit keep it (stable)
            c = (entries[i].household >> shift) & 2047
            spare[count[c]] = entries[i]
            count[c] += 1
        swap = entries
        entries = spare
        spare = swap
        shift += 11
    if shift % 22 == 11:   # an odd number of passes left the sorted entries in the spare buffer
        for i in range(n):
            spare[i] = entries[i]


cdef class Ties:
    """The residents' ties (CSR: household h's neighbours are ``indices[indptr[h]:indptr[h + 1]]``) and each
    household's township, checked once when the model is built: every tie names a household, every township is one
    of `n_townships`. ``talk`` reads them every week without checking each index again (a bounds check on each of a
    county's two million ties took a quarter of the talk). It keeps them as read-only int32 views (no copy): nothing
    changes the ties of a run once they are built."""
    cdef readonly object indptr, indices, township
    cdef readonly Py_ssize_t n_households, n_townships

    def __init__(self, indptr, indices, township, Py_ssize_t n_townships):
        ptr, idx, town = (np.asarray(a) for a in (indptr, indices, township))
        H = town.shape[0] if town.ndim == 1 else -1
        if ptr.ndim != 1 or idx.ndim != 1 or H < 0 or ptr.shape[0] != H + 1:
            raise ValueError("Ties: indptr must hold one entry per household and one more, township one per "
                             "household")
        if idx.shape[0] > np.iinfo(np.int32).max:
            raise ValueError(f"Ties: {idx.shape[0]} ties; at most {np.iinfo(np.int32).max} (int32)")
        if ptr[0] != 0 or ptr[H] != idx.shape[0] or (H and (np.diff(ptr) < 0).any()):
            raise ValueError("Ties: indptr must rise from 0 to the number of ties")
        if idx.shape[0] and not (0 <= idx.min() and idx.max() < H):
            raise IndexError(f"Ties: a tie names a household outside 0..{H - 1}")
        if H and not (0 <= town.min() and town.max() < n_townships):
            raise IndexError(f"Ties: a township outside 0..{n_townships - 1}")
        # checked in the arrays' own type, then read as int32 (every value fits: checked above)
        ptr, idx, town = (a.astype(np.int32, copy=False).view() for a in (ptr, idx, town))
        for a in (ptr, idx, town):
            a.setflags(write=False)
        self.indptr, self.indices, self.township = ptr, idx, town
        self.n_households, self.n_townships = H, n_townships


def talk(Ties ties, const double[::1] satisfaction, double[::1] neighbours_with_view,
         unsigned char[::1] view_counted, double weight):
    """One weekly talk: (the households' new views, the townships' sums of views).

    Each household with a view and at least one neighbour with one moves `weight` toward its neighbours' mean
    view; a household that formed a view since the last talk first adds itself to its neighbours' counts
    (`neighbours_with_view`, `view_counted`: updated in place)."""
    cdef Py_ssize_t H = ties.n_households
    if satisfaction.shape[0] != H or neighbours_with_view.shape[0] != H or view_counted.shape[0] != H:
        raise ValueError("talk: the views and counts must cover every household of the ties")
    cdef const int32_t[::1] indptr = ties.indptr
    cdef const int32_t[::1] indices = ties.indices
    cdef const int32_t[::1] township = ties.township
    cdef Py_ssize_t h, jj
    new_arr = np.empty(H)
    sums_arr = np.zeros(ties.n_townships)
    shown_arr = np.empty(H)
    cdef double[::1] new = new_arr
    cdef double[::1] sums = sums_arr
    cdef double[::1] shown = shown_arr   # each household's view as its neighbours hear it: 0.0 where none
    cdef double heard, n, s, keep = 1.0 - weight
    # households that formed a view since the last talk: their neighbours count one more neighbour with a view
    # (whole numbers: the order of the additions does not matter)
    for h in range(H):
        if isnan(satisfaction[h]):
            shown[h] = 0.0
            continue
        shown[h] = satisfaction[h]
        if not view_counted[h]:
            view_counted[h] = 1
            for jj in range(indptr[h], indptr[h + 1]):
                neighbours_with_view[indices[jj]] += 1.0
    for h in range(H):
        s = satisfaction[h]
        if isnan(s):
            new[h] = s
            continue
        n = neighbours_with_view[h]
        if n > 0:
            heard = 0.0
            for jj in range(indptr[h], indptr[h + 1]):
                heard = heard + shown[indices[jj]]
            s = keep * s + weight * (heard / (n if n > 1.0 else 1.0))
        new[h] = s
        sums[township[h]] += s   # a household without a view adds 0.0 (np.bincount's weights)
    return new_arr, sums_arr


def news_of_calls(Ties ties, calling, heard_, called_):
    """Who hears of today's calls to 12345, and from how many neighbours who called: (told, heard from), each told
    household once, in the order the callers' ties first reach it. `calling` are the callers (a household
    calling about two matters in a day is one piece of news); `heard` and `called` are scratch arrays of one zero per
    household, left zero again. What ``np.unique`` of the callers, then of their neighbours with counts, gave in
    household order (``agents.Households.called_hotline``)."""
    calling = _households(calling, "news_of_calls")
    cdef Py_ssize_t H = ties.n_households, n, i, k, n_callers = 0, n_told = 0, n_ties = 0
    cdef const int64_t* households = <const int64_t*>array_data(calling, I8, 1, &n, False, "news_of_calls: calling")
    cdef int64_t* heard = <int64_t*>vector(heard_, I8, H, True, "news_of_calls: heard (a scratch row per household)")
    cdef unsigned char* called = <unsigned char*>vector(called_, U1, H, True,
                                                        "news_of_calls: called (a scratch row per household)")
    cdef const int32_t* indptr = <const int32_t*>vector(ties.indptr, I4, H + 1, False, "ties")
    cdef const int32_t* indices = <const int32_t*>vector(ties.indices, I4, -1, False, "ties")
    cdef int64_t h, t
    cdef Py_ssize_t jj
    for i in range(n):   # checked, and room made for the most that can be told, before a scratch flag is set
        if not 0 <= households[i] < H:
            raise IndexError(f"news_of_calls: household {households[i]} is not one of the {H}")
        n_ties += indptr[households[i] + 1] - indptr[households[i]]
    callers_arr, told_arr, counts_arr = np.empty(n, dtype=np.int64), np.empty(n_ties, dtype=np.int64), \
        np.empty(n_ties, dtype=np.int64)
    cdef int64_t* callers = <int64_t*>vector(callers_arr, I8, n, True, "callers")
    cdef int64_t* told = <int64_t*>vector(told_arr, I8, n_ties, True, "told")
    cdef int64_t* counts = <int64_t*>vector(counts_arr, I8, n_ties, True, "counts")
    for i in range(n):
        h = households[i]
        if not called[h]:
            called[h] = 1
            callers[n_callers] = h
            n_callers += 1
    for i in range(n_callers):
        h = callers[i]
        called[h] = 0
        for jj in range(indptr[h], indptr[h + 1]):
            t = indices[jj]
            if heard[t] == 0:
                told[n_told] = t
                n_told += 1
            heard[t] += 1
    for k in range(n_told):
        counts[k] = heard[told[k]]
        heard[told[k]] = 0
    return told_arr[:n_told], counts_arr[:n_told]


def set_views(households, views, satisfaction, township, view_sum, view_n):
    """Set these households' views in `satisfaction` (a household listed twice keeps its last), and move the
    townships' sums of views and counts of households with one (`view_sum`, `view_n`), all in place.

    As the array version made them: the households in ascending order, each township's change summed from 0.0 in
    that order (``np.bincount``), then added to every township's figure (``+=``, zeros included)."""
    households = _households(households, "set_views")
    cdef Py_ssize_t n, n_views
    cdef const int64_t* ids = <const int64_t*>array_data(households, I8, 1, &n, False, "set_views: households")
    cdef const double* v = <const double*>array_data(views, F8, 1, &n_views, False, "set_views: views")
    if n_views != n:
        raise ValueError(f"set_views: {n_views} views for {n} households")
    _set(ids, v, n, satisfaction, township, view_sum, view_n)


cdef int _set(const int64_t* households, const double* views, Py_ssize_t n, satisfaction_, township_, view_sum_,
              view_n_) except -1:
    cdef Py_ssize_t H, T, n_township, n_counts, i, t
    cdef double* satisfaction = <double*>array_data(satisfaction_, F8, 1, &H, True, "set_views: satisfaction")
    cdef const int32_t* township = <const int32_t*>array_data(township_, I4, 1, &n_township, False,
                                                              "set_views: township")
    cdef double* view_sum = <double*>array_data(view_sum_, F8, 1, &T, True, "set_views: view_sum")
    cdef double* view_n = <double*>array_data(view_n_, F8, 1, &n_counts, True, "set_views: view_n")
    if n_township != H or n_counts != T:
        raise ValueError("set_views: the townships must cover every household, and the counts every township")
    for i in range(n):   # checked before anything is set
        if not 0 <= households[i] < H:
            raise IndexError(f"set_views: household {households[i]} is not one of the {H}")
        if not 0 <= township[households[i]] < T:
            raise IndexError(f"set_views: household {households[i]} is in township {township[households[i]]}, "
                             f"not one of the {T}")
    cdef _Entry *entries = <_Entry*>malloc(max(n, 1) * 2 * sizeof(_Entry))
    cdef double *change = <double*>malloc(max(T, 1) * 2 * sizeof(double))
    if entries == NULL or change == NULL:
        free(entries)
        free(change)
        raise MemoryError()
    cdef _Entry *spare = entries + max(n, 1)
    cdef double *newly = change + T
    cdef int64_t h
    cdef double old, v
    try:
        for t in range(T):
            change[t] = 0.0
            newly[t] = 0.0
        for i in range(n):
            entries[i].household = households[i]
            entries[i].place = i
        _sort_by_household(entries, spare, n, H - 1)
        for i in range(n):
            if i + 1 < n and entries[i + 1].household == entries[i].household:
                continue   # not this household's last entry
            h = entries[i].household
            t = township[h]
            v = views[entries[i].place]
            old = satisfaction[h]
            if isnan(old):
                change[t] += v - 0.0
                newly[t] += 1.0
            else:
                change[t] += v - old
                newly[t] += 0.0
            satisfaction[h] = v
        for t in range(T):
            view_sum[t] += change[t]
            view_n[t] += newly[t]
    finally:
        free(entries)
        free(change)
    return 0


def move_views(contacts, toward, double keep, double move, satisfaction_, township, view_sum, view_n):
    """Each household's view moves toward `toward` (one figure each, or one for all): ``keep * view + move *
    toward`` from the view it held, or `toward` itself at a first contact; the views are then set as ``set_views``
    sets them. What ``np.where(np.isnan(s), toward, keep * s + move * toward)`` of the views held gave, each
    product rounded before the sum (``agents.Households.rate_service`` and ``visited``)."""
    contacts = _households(contacts, "move_views")
    cdef Py_ssize_t n, H, n_each, i
    cdef const int64_t* households = <const int64_t*>array_data(contacts, I8, 1, &n, False, "move_views: contacts")
    cdef const double* satisfaction = <const double*>array_data(satisfaction_, F8, 1, &H, False,
                                                                "move_views: satisfaction")
    for i in range(n):   # checked before anything is read
        if not 0 <= households[i] < H:
            raise IndexError(f"move_views: household {households[i]} is not one of the {H}")
    cdef bint one = isinstance(toward, (float, int))
    cdef double t = toward if one else 0.0, s
    cdef const double* each = NULL
    if not one:
        each_arr = np.ascontiguousarray(toward, dtype=np.float64)
        each = <const double*>array_data(each_arr, F8, 1, &n_each, False, "move_views: toward")
        if n_each != n:
            raise ValueError(f"move_views: {n_each} figures for {n} households")
    views_arr = np.empty(n)
    cdef double* views = <double*>vector(views_arr, F8, n, True, "views")
    for i in range(n):
        if not one:
            t = each[i]
        s = satisfaction[households[i]]
        views[i] = t if isnan(s) else keep * s + move * t
    _set(households, views, n, satisfaction_, township, view_sum, view_n)
