# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Word of mouth (``agents.Households.talk``), compiled: one pass over the households and their ties.

Written over whole arrays the weekly talk took a sparse product over every tie and half a dozen passes over every
household (about 8 ms a week for a county's 200,000 households in a whole run; this pass about 5 ms). Here each
household's figures are made as numpy and scipy made them: the neighbours' views summed in the ties' order from 0.0
(scipy's ``csr_matvec``), each new view as ``(1 - w) * view + w * (sum / count)``, the townships' sums added in the
households' order (``np.bincount``), so the talk's results are the array version's to the last bit
(``tests/test_speed.py`` holds it to that version). Built with ``-ffp-contract=off`` (``pyproject.toml``), so that
no multiply-add is fused where numpy rounds twice.
"""

import cython
import numpy as np

from libc.math cimport isnan
from libc.stdint cimport int32_t


@cython.boundscheck(True)   # the ties and townships index arrays: a bad index stops with an IndexError
def talk(const int32_t[::1] indptr, const int32_t[::1] indices, const double[::1] satisfaction,
         double[::1] neighbours_with_view, unsigned char[::1] view_counted, const int32_t[::1] township,
         double weight, Py_ssize_t n_townships):
    """One weekly talk: (the households' new views, the townships' sums of views).

    Each household with a view and at least one neighbour with one moves `weight` toward its neighbours' mean
    view; a household that formed a view since the last talk first adds itself to its neighbours' counts
    (`neighbours_with_view`, `view_counted`: updated in place)."""
    cdef Py_ssize_t H = satisfaction.shape[0]
    if indptr.shape[0] != H + 1 or neighbours_with_view.shape[0] != H or view_counted.shape[0] != H \
            or township.shape[0] != H:
        raise ValueError("talk: the ties, counts and townships must cover every household")
    cdef Py_ssize_t h, jj
    new_arr = np.empty(H)
    sums_arr = np.zeros(n_townships)
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
