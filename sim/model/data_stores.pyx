# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The data stores a report request reads and feeds (``offices/data.py``), compiled.

For each requested field, the share of a village's targeted households whose value is current in the store the
system reads need not be typed again; what is typed is then current there. Written over arrays a request took some
thirty numpy calls on a few dozen numbers; here it is one loop over the fields and villages. Every figure is made as
numpy made it: the fading of a stored value ``exp(-age / field_validity_days)`` is read from a table numpy's own
``exp`` made (ages are whole days), the sums over fields run in the fields' order (numpy's reduction over the first
axis), the sums over villages in numpy's pairwise order (``numpy_order.pxd``). ``tests/test_speed.py`` holds the
office's figures to the array version at every request of a run, bit for bit. Built with ``-ffp-contract=off``
(``pyproject.toml``), so that no multiply-add is fused where numpy rounds twice.
"""

import numpy as np

from libc.stdint cimport int64_t

from .arrays cimport array_data, vector
from .numpy_order cimport numpy_sum

# the arrays' dtypes, as ``arrays.pxd`` checks them
cdef object F8 = np.dtype(np.float64), I8 = np.dtype(np.int64)


cdef struct World:
    # one world of stores, read through the arrays' data (``arrays.pxd``): [S, F, V] and, if kept, [F, V]
    Py_ssize_t S, F, V, n_fade
    double* coverage
    double* updated
    double* known             # NULL: no record of what any store holds
    double* known_updated
    const double* fade
    const double* households
    double per_request


cdef int _world(World* w, coverage, updated, fade, double per_request, households, known, known_updated) except -1:
    """The arrays' data and shapes, checked: the stores [stores, fields, villages] alike, `households` per village,
    and what is known (if given) [fields, villages]."""
    cdef Py_ssize_t shape[3], other[3], n_households
    w.coverage = <double*>array_data(coverage, F8, 3, shape, True, "data stores: coverage")
    w.updated = <double*>array_data(updated, F8, 3, other, True, "data stores: update days")
    w.S, w.F, w.V = shape[0], shape[1], shape[2]
    w.fade = <const double*>array_data(fade, F8, 1, &w.n_fade, False, "data stores: fade")
    w.households = <const double*>array_data(households, F8, 1, &n_households, False, "data stores: households")
    w.per_request = per_request
    if other[0] != w.S or other[1] != w.F or other[2] != w.V or n_households != w.V:
        raise ValueError("data stores: the coverage and update days must be [stores, fields, villages] alike")
    w.known = w.known_updated = NULL
    if known is not None:
        w.known = <double*>array_data(known, F8, 2, shape, True, "data stores: known")
        w.known_updated = <double*>array_data(known_updated, F8, 2, other, True, "data stores: known updated")
        if shape[0] != w.F or shape[1] != w.V or other[0] != w.F or other[1] != w.V:
            raise ValueError("data stores: what is known must be [fields, villages], like the stores")
    return 0


cdef int _check(const World* w, const int64_t* stores, const int64_t* fields, Py_ssize_t k) except -1:
    cdef Py_ssize_t i
    for i in range(k):
        if not (0 <= fields[i] < w.F and -1 <= stores[i] < w.S):
            raise ValueError(f"data stores: field {fields[i]} in store {stores[i]} is not in the "
                             f"{w.S} stores x {w.F} fields")
    return 0


cdef inline double _faded(const World* w, int64_t day, double updated) except -1.0:
    """exp(-age / field_validity_days) for a value last brought up to date on `updated` (a whole day)."""
    cdef double age = day - updated
    if not (0.0 <= age < w.n_fade):
        raise ValueError(f"data stores: a value {age} days old is outside the fading table's {w.n_fade} days")
    return w.fade[<Py_ssize_t>age]


cdef int _read_and_feed(const World* w, const int64_t* stores, const int64_t* fields, Py_ssize_t k, int64_t day,
                        double* typed) except -1:
    """typed[i, v] ([k, V]): the share of village v's targeted households whose field i must be typed (1 where the
    system reads no store); the fields typed are then current in that store."""
    cdef Py_ssize_t i, v, V = w.V, at
    cdef int64_t s, f
    cdef double held
    for i in range(k):
        s, f = stores[i], fields[i]
        for v in range(V):
            if s < 0:
                typed[i * V + v] = 1.0
                continue
            at = (s * w.F + f) * V + v
            held = w.coverage[at] * _faded(w, day, w.updated[at])
            typed[i * V + v] = 1.0 - held
            w.coverage[at] = held + (1.0 - held) * w.per_request
            w.updated[at] = day
    return 0


cdef void _per_village(const World* w, const double* rows, Py_ssize_t k, double* out) noexcept:
    """out[v] = households[v] * rows[:, v].sum() (`rows` [k, V]), the sum as numpy reduces over the first axis: the
    rows added in order, from the first."""
    cdef Py_ssize_t i, v, V = w.V
    cdef double col
    for v in range(V):
        col = rows[v] if k else 0.0
        for i in range(1, k):
            col = col + rows[i * V + v]
        out[v] = w.households[v] * col


cdef object _typed_entries(const World* w, const int64_t* stores, const int64_t* fields, Py_ssize_t k, int64_t day):
    _check(w, stores, fields, k)
    typed_arr, out_arr = np.empty((k, w.V)), np.empty(w.V)
    cdef Py_ssize_t shape[2]
    cdef double* typed = <double*>array_data(typed_arr, F8, 2, shape, True, "typed")
    _read_and_feed(w, stores, fields, k, day, typed)
    _per_village(w, typed, k, <double*>vector(out_arr, F8, w.V, True, "out"))
    return out_arr


cdef object _request(const World* w, const int64_t* stores, const int64_t* fields, Py_ssize_t k, int64_t day):
    _check(w, stores, fields, k)
    cdef Py_ssize_t V = w.V, i, v, shape[2]
    typed_arr, duplicated_arr = np.empty((k, V)), np.empty((k, V))
    cdef double* typed = <double*>array_data(typed_arr, F8, 2, shape, True, "typed")
    # typed, though current in some store
    cdef double* duplicated = <double*>array_data(duplicated_arr, F8, 2, shape, True, "duplicated")
    _read_and_feed(w, stores, fields, k, day, typed)
    cdef double held
    cdef int64_t f
    for i in range(k):
        f = fields[i]
        for v in range(V):
            held = w.known[f * V + v] * _faded(w, day, w.known_updated[f * V + v])   # current in some store
            duplicated[i * V + v] = typed[i * V + v] * held
            w.known[f * V + v] = held + (1.0 - held) * w.per_request
            w.known_updated[f * V + v] = day
    to_type_arr, duplicate_arr = np.empty(V), np.empty(V)
    cdef double* to_type = <double*>vector(to_type_arr, F8, V, True, "to type")
    cdef double* duplicate = <double*>vector(duplicate_arr, F8, V, True, "duplicate")
    _per_village(w, typed, k, to_type)
    _per_village(w, duplicated, k, duplicate)
    return (to_type_arr, numpy_sum(to_type, V, V) if V else 0.0, numpy_sum(duplicate, V, V) if V else 0.0)


cdef struct Asked:
    # a request's fields and the store each is read from (-1: none), k of each
    const int64_t* stores
    const int64_t* fields
    Py_ssize_t k


cdef int _asked(Asked* asked, stores, fields) except -1:
    asked.fields = <const int64_t*>array_data(fields, I8, 1, &asked.k, False, "data stores: fields")
    asked.stores = <const int64_t*>vector(stores, I8, asked.k, False, "data stores: stores (one per field)")
    return 0


def typed_entries(stores, fields, coverage, updated, fade, int64_t day, double per_request, households):
    """[V] household-fields typed per village for a request reading `stores` (-1: none) for `fields`; the stores
    are fed."""
    cdef World w
    cdef Asked asked
    _world(&w, coverage, updated, fade, per_request, households, None, None)
    _asked(&asked, stores, fields)
    return _typed_entries(&w, asked.stores, asked.fields, asked.k, day)


def request(stores, fields, coverage, updated, known, known_updated, fade, int64_t day, double per_request,
            households):
    """A report request for `fields`, read from `stores`: ([V] household-fields typed per village, their total,
    the household-fields typed that some store already held). The stores read, and what any store holds (`known`),
    are fed."""
    cdef World w
    cdef Asked asked
    _world(&w, coverage, updated, fade, per_request, households, known, known_updated)
    _asked(&asked, stores, fields)
    return _request(&w, asked.stores, asked.fields, asked.k, day)


cdef class Stores:
    """One world of data stores (``offices/data.py``): per store, field and village, the share of the village's
    targeted households whose value is held (`coverage`) and the day it was last brought up to date (`updated`);
    with `known` and `known_updated`, what any store holds. The arrays are the office's own, worked in place; they
    are held here once, read through their data, so that a request passes only what it asks for."""

    cdef World w
    cdef readonly tuple arrays   # the arrays themselves, kept while their data is read

    def __init__(self, coverage, updated, fade, double per_request, households, known=None, known_updated=None):
        """`fade[age]`: how much of a value is still current after `age` whole days; `per_request`: the share of a
        village's targeted households a request reaches; `households`: the households a request targets, per
        village."""
        _world(&self.w, coverage, updated, fade, per_request, households, known, known_updated)
        self.arrays = (coverage, updated, fade, households, known, known_updated)

    cdef object _stores(self, reads, Py_ssize_t system, fields):
        """(reads[system, fields]: the store each requested field is read from (-1: none), the fields' data and
        count), the first an array the caller holds while the data is read."""
        cdef Py_ssize_t shape[2], k, i
        cdef const int64_t* table = <const int64_t*>array_data(reads, I8, 2, shape, False, "data stores: reads")
        cdef const int64_t* f = <const int64_t*>array_data(fields, I8, 1, &k, False, "data stores: fields")
        if not 0 <= system < shape[0]:
            raise ValueError(f"data stores: system {system} is not one of the {shape[0]}")
        out_arr = np.empty(k, dtype=np.int64)
        cdef int64_t* out = <int64_t*>vector(out_arr, I8, k, True, "stores")
        for i in range(k):
            if not 0 <= f[i] < shape[1]:
                raise ValueError(f"data stores: field {f[i]} is not one of the system's {shape[1]}")
            out[i] = table[system * shape[1] + f[i]]
        return out_arr

    def request(self, reads, Py_ssize_t system, fields, int64_t day):
        """The module's ``request`` for these stores, each field read from ``reads[system, field]``."""
        cdef Asked asked
        if self.w.known == NULL:
            raise ValueError("data stores: these stores keep no record of what any store holds")
        stores = self._stores(reads, system, fields)
        _asked(&asked, stores, fields)
        return _request(&self.w, asked.stores, asked.fields, asked.k, day)

    def typed_entries(self, reads, Py_ssize_t system, fields, int64_t day):
        """The module's ``typed_entries`` for these stores, each field read from ``reads[system, field]``."""
        cdef Asked asked
        stores = self._stores(reads, system, fields)
        _asked(&asked, stores, fields)
        return _typed_entries(&self.w, asked.stores, asked.fields, asked.k, day)

    def form(self, reads, Py_ssize_t system, fields, int64_t day, double overhead, double minutes_per_field,
             villages):
        """``request`` as the cadres of a line meet it: ([n] hours each of the cadres in `villages`, the form's
        `overhead` and their village's household-fields typed at `minutes_per_field` each, the household-fields
        typed, those some store already held)."""
        to_type, entries, duplicates = self.request(reads, system, fields, day)
        return _form_hours(to_type, overhead, minutes_per_field, villages), entries, duplicates

    def form_hours(self, reads, Py_ssize_t system, fields, int64_t day, double overhead, double minutes_per_field,
                   villages):
        """``typed_entries`` as the cadres of a line meet it: [n] hours each of the cadres in `villages` (``form``'s
        hours)."""
        return _form_hours(self.typed_entries(reads, system, fields, day), overhead, minutes_per_field, villages)


cdef object _form_hours(to_type_arr, double overhead, double minutes_per_field, villages_arr):
    """hours[j] = overhead + to_type[villages[j]] * minutes_per_field / 60.0, as numpy made
    ``(overhead + to_type * minutes_per_field / 60.0)[villages]``: each product, then the division, then the sum."""
    cdef Py_ssize_t V, n, j
    cdef const double* to_type = <const double*>array_data(to_type_arr, F8, 1, &V, False, "typed")
    cdef const int64_t* villages = <const int64_t*>array_data(villages_arr, I8, 1, &n, False, "data stores: villages")
    for j in range(n):
        if not 0 <= villages[j] < V:
            raise ValueError(f"data stores: village {villages[j]} is not one of the {V}")
    hours_arr = np.empty(n)
    cdef double* hours = <double*>vector(hours_arr, F8, n, True, "hours")
    for j in range(n):
        hours[j] = overhead + to_type[villages[j]] * minutes_per_field / 60.0
    return hours_arr
