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

from .numpy_order cimport numpy_sum


cdef int _check(const int64_t[::1] stores, const int64_t[::1] fields, double[:, :, ::1] coverage,
                double[:, :, ::1] updated, const double[::1] households) except -1:
    if stores.shape[0] != fields.shape[0]:
        raise ValueError("data stores: one store per requested field")
    if coverage.shape[0] != updated.shape[0] or coverage.shape[1] != updated.shape[1] \
            or coverage.shape[2] != updated.shape[2] or coverage.shape[2] != households.shape[0]:
        raise ValueError("data stores: the coverage and update days must be [stores, fields, villages] alike")
    cdef Py_ssize_t i
    for i in range(fields.shape[0]):
        if not (0 <= fields[i] < coverage.shape[1] and -1 <= stores[i] < coverage.shape[0]):
            raise ValueError(f"data stores: field {fields[i]} in store {stores[i]} is not in the "
                             f"{coverage.shape[0]} stores x {coverage.shape[1]} fields")
    return 0


cdef inline double _faded(const double[::1] fade, int64_t day, double updated) except -1.0:
    """exp(-age / field_validity_days) for a value last brought up to date on `updated` (a whole day)."""
    cdef double age = day - updated
    if not (0.0 <= age < fade.shape[0]):
        raise ValueError(f"data stores: a value {age} days old is outside the fading table's {fade.shape[0]} days")
    return fade[<Py_ssize_t>age]


cdef int _read_and_feed(const int64_t[::1] stores, const int64_t[::1] fields, double[:, :, ::1] coverage,
                        double[:, :, ::1] updated, const double[::1] fade, int64_t day, double per_request,
                        double[:, ::1] typed) except -1:
    """typed[i, v]: the share of village v's targeted households whose field i must be typed (1 where the system
    reads no store); the fields typed are then current in that store."""
    cdef Py_ssize_t i, v, V = coverage.shape[2]
    cdef int64_t s, f
    cdef double held
    for i in range(fields.shape[0]):
        s, f = stores[i], fields[i]
        for v in range(V):
            if s < 0:
                typed[i, v] = 1.0
                continue
            held = coverage[s, f, v] * _faded(fade, day, updated[s, f, v])
            typed[i, v] = 1.0 - held
            coverage[s, f, v] = held + (1.0 - held) * per_request
            updated[s, f, v] = day
    return 0


cdef void _per_village(double[:, ::1] rows, const double[::1] households, double[::1] out) noexcept:
    """out[v] = households[v] * rows[:, v].sum(), the sum as numpy reduces over the first axis: the rows added in
    order, from the first."""
    cdef Py_ssize_t k = rows.shape[0], i, v
    cdef double col
    for v in range(out.shape[0]):
        col = rows[0, v] if k else 0.0
        for i in range(1, k):
            col = col + rows[i, v]
        out[v] = households[v] * col


cpdef object typed_entries(const int64_t[::1] stores, const int64_t[::1] fields, double[:, :, ::1] coverage,
                           double[:, :, ::1] updated, const double[::1] fade, int64_t day, double per_request,
                           const double[::1] households):
    """[V] household-fields typed per village for a request reading `stores` (-1: none) for `fields`; the stores
    are fed."""
    _check(stores, fields, coverage, updated, households)
    typed_arr = np.empty((fields.shape[0], households.shape[0]))
    _read_and_feed(stores, fields, coverage, updated, fade, day, per_request, typed_arr)
    out_arr = np.empty(households.shape[0])
    _per_village(typed_arr, households, out_arr)
    return out_arr


cpdef object request(const int64_t[::1] stores, const int64_t[::1] fields, double[:, :, ::1] coverage,
                     double[:, :, ::1] updated, double[:, ::1] known, double[:, ::1] known_updated,
                     const double[::1] fade, int64_t day, double per_request, const double[::1] households):
    """A report request for `fields`, read from `stores`: ([V] household-fields typed per village, their total,
    the household-fields typed that some store already held). The stores read, and what any store holds (`known`),
    are fed."""
    _check(stores, fields, coverage, updated, households)
    cdef Py_ssize_t k = fields.shape[0], V = households.shape[0], i, v
    if known.shape[0] != coverage.shape[1] or known.shape[1] != V or known_updated.shape[0] != known.shape[0] \
            or known_updated.shape[1] != V:
        raise ValueError("data stores: what is known must be [fields, villages], like the stores")
    typed_arr, duplicated_arr = np.empty((k, V)), np.empty((k, V))
    cdef double[:, ::1] typed = typed_arr
    cdef double[:, ::1] duplicated = duplicated_arr   # typed, though current in some store
    _read_and_feed(stores, fields, coverage, updated, fade, day, per_request, typed)
    cdef double held
    cdef int64_t f
    for i in range(k):
        f = fields[i]
        for v in range(V):
            held = known[f, v] * _faded(fade, day, known_updated[f, v])   # current in some store
            duplicated[i, v] = typed[i, v] * held
            known[f, v] = held + (1.0 - held) * per_request
            known_updated[f, v] = day
    to_type_arr, duplicate_arr = np.empty(V), np.empty(V)
    cdef double[::1] to_type = to_type_arr
    cdef double[::1] duplicate = duplicate_arr
    _per_village(typed, households, to_type)
    _per_village(duplicated, households, duplicate)
    return (to_type_arr, numpy_sum(&to_type[0], V, V) if V else 0.0,
            numpy_sum(&duplicate[0], V, V) if V else 0.0)


cdef class Stores:
    """One world of data stores (``offices/data.py``): per store, field and village, the share of the village's
    targeted households whose value is held (`coverage`) and the day it was last brought up to date (`updated`);
    with `known` and `known_updated`, what any store holds. The arrays are the office's own, worked in place; they
    are held here once, so that a request passes only what it asks for (taking a typed view of each of ten arrays
    cost more than a request's loops)."""

    cdef double[:, :, ::1] coverage, updated
    cdef double[:, ::1] known, known_updated
    cdef const double[::1] fade, households
    cdef double per_request
    cdef bint has_known
    cdef readonly tuple arrays   # the arrays themselves, kept while the views are

    def __init__(self, coverage, updated, fade, double per_request, households, known=None, known_updated=None):
        """`fade[age]`: how much of a value is still current after `age` whole days; `per_request`: the share of a
        village's targeted households a request reaches; `households`: the households a request targets, per
        village."""
        self.coverage, self.updated, self.fade, self.households = coverage, updated, fade, households
        self.per_request = per_request
        self.has_known = known is not None
        if self.has_known:
            self.known, self.known_updated = known, known_updated
        self.arrays = (coverage, updated, fade, households, known, known_updated)
        _check(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), self.coverage, self.updated,
               self.households)
        if self.has_known and (self.known.shape[0] != self.coverage.shape[1]
                               or self.known.shape[1] != self.households.shape[0]
                               or self.known_updated.shape[0] != self.known.shape[0]
                               or self.known_updated.shape[1] != self.known.shape[1]):
            raise ValueError("data stores: what is known must be [fields, villages], like the stores")

    cdef const int64_t[::1] _stores(self, const int64_t[:, ::1] reads, Py_ssize_t system,
                                    const int64_t[::1] fields):
        """reads[system, fields]: the store each requested field is read from (-1: none)."""
        if not 0 <= system < reads.shape[0]:
            raise ValueError(f"data stores: system {system} is not one of the {reads.shape[0]}")
        out_arr = np.empty(fields.shape[0], dtype=np.int64)
        cdef int64_t[::1] out = out_arr
        cdef Py_ssize_t i
        for i in range(fields.shape[0]):
            if not 0 <= fields[i] < reads.shape[1]:
                raise ValueError(f"data stores: field {fields[i]} is not one of the system's {reads.shape[1]}")
            out[i] = reads[system, fields[i]]
        return out

    def request(self, const int64_t[:, ::1] reads, Py_ssize_t system, const int64_t[::1] fields, int64_t day):
        """The module's ``request`` for these stores, each field read from ``reads[system, field]``."""
        if not self.has_known:
            raise ValueError("data stores: these stores keep no record of what any store holds")
        return request(self._stores(reads, system, fields), fields, self.coverage, self.updated, self.known,
                       self.known_updated, self.fade, day, self.per_request, self.households)

    def typed_entries(self, const int64_t[:, ::1] reads, Py_ssize_t system, const int64_t[::1] fields, int64_t day):
        """The module's ``typed_entries`` for these stores, each field read from ``reads[system, field]``."""
        return typed_entries(self._stores(reads, system, fields), fields, self.coverage, self.updated, self.fade,
                             day, self.per_request, self.households)
