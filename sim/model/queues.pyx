# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Serving the request book's queues (``request_book.RequestBook.serve``), compiled: one sort, one pass; the order
within each queue (``priority``); the day's proactive visits: those due (``visits_due``), those chosen
(``longest_unvisited_first``) and the hours as whole visits (``whole_visits``); where the day's requests go
(``place_arrivals``) and the book's new rows (``admit``).

Written over whole arrays a day's serving took some thirty numpy calls over the open requests. Here the open
requests are sorted by queue, priority and id (``np.lexsort``'s order: the ids are unique, so the order is the same
whatever sort makes it; NaN priorities last, as numpy sorts them): counted into their queues first, then each
queue's few sorted alone (by insertion up to 16, else by qsort), which is some twice as fast as one qsort of a
county's 1,800 open requests. They are then served in one pass that makes every figure as
numpy made it: the running total of work ahead as ``np.cumsum`` adds it, each queue's base as
``np.maximum.accumulate`` carries it, the work taken as ``np.clip`` bounds it, the work per queue as ``np.bincount``
adds it. So its results are the array version's to the last bit (``tests/request_book_reference.py`` keeps that
version; ``tests/test_speed.py`` holds this one to it at every serving of a run and of the queueing check).
"""

import numpy as np

from libc.math cimport INFINITY, floor, isnan
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t
from libc.stdlib cimport calloc, free, malloc, qsort

from .arrays cimport array_data, vector

# the arrays' dtypes, as ``arrays.pxd`` checks them
cdef object F8 = np.dtype(np.float64), I8 = np.dtype(np.int64), I4 = np.dtype(np.int32), I2 = np.dtype(np.int16)
cdef object U1 = np.dtype(np.uint8), I1 = np.dtype(np.int8)


cdef struct _Open:
    int32_t queue
    double priority
    int64_t id


cdef inline int _by_value_then_id(double a, double b, int64_t id_a, int64_t id_b) noexcept nogil:
    """-1, 0 or 1 as (a, id_a) sorts before, with or after (b, id_b): by value (NaN last, as numpy sorts), then id."""
    if a < b:
        return -1
    if a > b:
        return 1
    if isnan(a) != isnan(b):
        return 1 if isnan(a) else -1
    return -1 if id_a < id_b else (1 if id_a > id_b else 0)


cdef int _order(const void *a, const void *b) noexcept nogil:
    """By queue, then priority (NaN last), then id."""
    cdef const _Open *x = <const _Open *>a
    cdef const _Open *y = <const _Open *>b
    if x.queue != y.queue:
        return -1 if x.queue < y.queue else 1
    return _by_value_then_id(x.priority, y.priority, x.id, y.id)


cdef inline double _maximum(double a, double b) noexcept nogil:
    """np.maximum: NaN in either propagates; at a tie, the second."""
    if isnan(a):
        return a
    return a if a > b else b


cdef inline double _clip(double x, double low, double high) noexcept nogil:
    """np.clip (numpy 2.5, tested down to the sign of zero): NaN propagates; at a tie x stays above `low`, and
    `high` is taken at the top."""
    cdef double m = x if (isnan(x) or not low > x) else low
    if isnan(m) or isnan(high):
        return m if isnan(m) else high
    return m if m < high else high


def serve(open_ids_, queue_, kind_, remaining_, start_, resolved_, capacity_, priority, since, double day,
          int certificate):
    """Serve the open requests (`open_ids`, ascending) in their queues: (work done per queue on certificates, on
    other requests, the ids resolved, the ids still open), `remaining`, `start` and `resolved` updated in place.

    Each queue q is served with `capacity[q]` hours in order of `priority` (aligned with `open_ids`; None: first
    come, first served). Daily mode (`since` None): what starts or finishes is stamped `day`. Continuous mode:
    `since` (a number, or one per queue) is when the interval began, and each request is stamped with the moment it
    started and finished within it. Ids index the book and queues the capacity: a bad one stops with an IndexError
    before anything is changed."""
    cdef Py_ssize_t n, n_book, n_queues, i, k
    cdef const int64_t* open_ids = <const int64_t*>array_data(open_ids_, I8, 1, &n, False, "serve: open_ids")
    cdef const int32_t* queue = <const int32_t*>array_data(queue_, I4, 1, &n_book, False, "serve: queue")
    cdef const int8_t* kind = <const int8_t*>vector(kind_, I1, n_book, False, "serve: kind (per request)")
    cdef double* remaining = <double*>vector(remaining_, F8, n_book, True, "serve: remaining (per request)")
    cdef double* start = <double*>vector(start_, F8, n_book, True, "serve: start (per request)")
    cdef double* resolved = <double*>vector(resolved_, F8, n_book, True, "serve: resolved (per request)")
    cdef const double* capacity = <const double*>array_data(capacity_, F8, 1, &n_queues, False, "serve: capacity")
    cdef const double* prio = NULL
    cdef const double* since_q = NULL
    cdef bint by_priority = priority is not None, continuous = since is not None, per_queue = False
    cdef double since_all = 0.0
    if by_priority:
        prio_arr = np.ascontiguousarray(priority, dtype=np.float64)
        if len(prio_arr) != n:
            raise ValueError(f"serve: {len(prio_arr)} priorities for {n} open requests")
        prio = <const double*>vector(prio_arr, F8, n, False, "serve: priority")
    if continuous:
        per_queue = np.ndim(since) > 0
        if per_queue:
            since_arr = np.ascontiguousarray(since, dtype=np.float64)
            if len(since_arr) != n_queues:
                raise ValueError(f"serve: `since` has {len(since_arr)} entries for {n_queues} queues")
            since_q = <const double*>vector(since_arr, F8, n_queues, False, "serve: since")
        else:
            since_all = float(since)
    for i in range(n):
        if not 0 <= open_ids[i] < n_book:
            raise IndexError(f"serve: request {open_ids[i]} is not in the book of {n_book}")
    cert_arr, other_arr = np.zeros(n_queues), np.zeros(n_queues)
    cdef double* cert = <double*>vector(cert_arr, F8, n_queues, True, "cert")
    cdef double* other = <double*>vector(other_arr, F8, n_queues, True, "other")
    if n == 0:
        return cert_arr, other_arr, np.zeros(0, dtype=np.int64), open_ids_
    resolved_arr, still_open_arr = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    cdef int64_t* resolved_ids = <int64_t*>vector(resolved_arr, I8, n, True, "resolved ids")
    cdef int64_t* still_open = <int64_t*>vector(still_open_arr, I8, n, True, "open ids")
    cdef Py_ssize_t n_resolved = 0, n_open = 0
    cdef int64_t r
    cdef int32_t q, q_before = 0
    cdef double rem, total = 0.0, before, base = 0.0, in_queue, taken, left, t0
    # the open requests by queue (counted first, then placed), then each queue's few sorted by priority and id
    cdef _Open *order = <_Open *>malloc(n * sizeof(_Open))
    cdef int64_t *starts = <int64_t *>calloc(n_queues + 1, sizeof(int64_t))
    if order == NULL or starts == NULL:
        free(order)
        free(starts)
        raise MemoryError()
    cdef Py_ssize_t j, lo, hi
    cdef _Open entry
    try:
        for i in range(n):
            r = open_ids[i]
            q = queue[r]
            if q < 0 or q >= n_queues:
                raise IndexError(f"serve: request {r} waits in queue {q}, not one of the {n_queues}")
            starts[q + 1] += 1
        for j in range(n_queues):
            starts[j + 1] += starts[j]
        for i in range(n):
            r = open_ids[i]
            q = queue[r]
            j = starts[q]
            starts[q] += 1
            order[j].queue = q
            order[j].priority = prio[i] if by_priority else 0.0
            order[j].id = r
        hi = 0   # starts[q] is now where queue q ends
        for j in range(n_queues):
            lo, hi = hi, starts[j]
            if hi - lo > 16:
                qsort(&order[lo], hi - lo, sizeof(_Open), _order)
            else:   # a few: by insertion
                for i in range(lo + 1, hi):
                    entry = order[i]
                    k = i
                    while k > lo and _order(&entry, &order[k - 1]) < 0:
                        order[k] = order[k - 1]
                        k -= 1
                    order[k] = entry
        for i in range(n):
            r, q = order[i].id, order[i].queue
            rem = remaining[r]
            total = rem if i == 0 else total + rem          # np.cumsum
            before = total - rem
            # np.maximum.accumulate over (before at a queue's first request, else 0.0)
            base = before if i == 0 else _maximum(base, before if q != q_before else 0.0)
            in_queue = before - base
            taken = _clip(capacity[q] - in_queue, 0.0, rem)
            left = rem - taken
            if taken > 0 and start[r] < 0:
                if not continuous:
                    start[r] = day
                else:
                    t0 = since_q[q] if per_queue else since_all
                    start[r] = t0 + in_queue
            if left <= 1e-9:
                remaining[r] = 0.0
                resolved_ids[n_resolved] = r
                n_resolved += 1
                if not continuous:
                    resolved[r] = day
                else:
                    t0 = since_q[q] if per_queue else since_all
                    resolved[r] = t0 + in_queue + rem
            else:
                remaining[r] = left
                still_open[n_open] = r
                n_open += 1
            if kind[r] == certificate:                     # np.bincount, in this order
                cert[q] += taken
                other[q] += 0.0
            else:
                cert[q] += 0.0
                other[q] += taken
            q_before = q
    finally:
        free(order)
        free(starts)
    still_open_arr = np.sort(still_open_arr[:n_open])
    return cert_arr, other_arr, resolved_arr[:n_resolved], still_open_arr


cdef struct _Candidate:
    double last_visit
    int64_t place


cdef int _oldest_visit_first(const void *a, const void *b) noexcept nogil:
    """By last visit (NaN last), then place."""
    cdef const _Candidate *x = <const _Candidate *>a
    cdef const _Candidate *y = <const _Candidate *>b
    return _by_value_then_id(x.last_visit, y.last_visit, x.place, y.place)


def longest_unvisited_first(places_, households_, cadre_, last_visit_, visits_):
    """Today's proactive visits (``ServiceDesk._visit``): of the candidates, for each cadre c the ``visits[c]``
    (a whole number, as a float) whose last visit is longest ago. A candidate is a place in `households` (ascending:
    the elderly living alone) and in `cadre` (each one's grid cadre); `last_visit` is per household.

    Returns the places chosen, by cadre, then last visit, then place: the order ``np.lexsort((last_visit, cadre))``
    gives the candidates, whose rank within their cadre is below the cadre's visits. Counted by cadre first (one
    pass), so each grid's few candidates are sorted alone. Places index the households and cadres the visits: a bad
    one stops with an IndexError."""
    cdef Py_ssize_t n, n_places, n_cadre, H, C, i, c, k, n_chosen = 0
    cdef const int64_t* places = <const int64_t*>array_data(places_, I8, 1, &n, False,
                                                            "longest_unvisited_first: places")
    cdef const int64_t* households = <const int64_t*>array_data(households_, I8, 1, &n_places, False,
                                                                "longest_unvisited_first: households")
    cdef const int64_t* cadre = <const int64_t*>array_data(cadre_, I8, 1, &n_cadre, False,
                                                           "longest_unvisited_first: cadre")
    cdef const double* last_visit = <const double*>array_data(last_visit_, F8, 1, &H, False,
                                                              "longest_unvisited_first: last_visit")
    cdef const double* visits = <const double*>array_data(visits_, F8, 1, &C, False,
                                                          "longest_unvisited_first: visits")
    cdef int64_t p
    if n_cadre != n_places:
        raise ValueError(f"longest_unvisited_first: {n_cadre} cadres for {n_places} households")
    counts_arr = np.zeros(C + 1, dtype=np.int64)
    cdef int64_t* starts = <int64_t*>vector(counts_arr, I8, C + 1, True, "starts")   # then: where each cadre's
    for i in range(n):                                                                  # candidates begin
        p = places[i]
        if not 0 <= p < n_places:
            raise IndexError(f"longest_unvisited_first: place {p} is not one of the {n_places}")
        if not 0 <= households[p] < H:
            raise IndexError(f"longest_unvisited_first: household {households[p]} is not one of the {H}")
        c = cadre[p]
        if not 0 <= c < C:
            raise IndexError(f"longest_unvisited_first: household {households[p]}'s cadre {c} is not one of the {C}")
        if visits[c] > 0:
            starts[c + 1] += 1
    for c in range(C):
        starts[c + 1] += starts[c]
    cdef _Candidate *grid = <_Candidate *>malloc(max(starts[C], 1) * sizeof(_Candidate))
    if grid == NULL:
        raise MemoryError()
    chosen_arr = np.empty(starts[C], dtype=np.int64)
    cdef int64_t* chosen = <int64_t*>vector(chosen_arr, I8, starts[C], True, "chosen")
    filled_arr = counts_arr[:C].copy()
    cdef int64_t* filled = <int64_t*>vector(filled_arr, I8, C, True, "filled")
    try:
        for i in range(n):   # in place order: each cadre's candidates stay in it
            p = places[i]
            c = cadre[p]
            if visits[c] > 0:
                grid[filled[c]].last_visit = last_visit[households[p]]
                grid[filled[c]].place = p
                filled[c] += 1
        for c in range(C):
            if starts[c + 1] - starts[c] > 1:
                qsort(&grid[starts[c]], starts[c + 1] - starts[c], sizeof(_Candidate), _oldest_visit_first)
            k = 0
            while starts[c] + k < starts[c + 1] and k < visits[c]:   # rank < visits, compared as numpy does
                chosen[n_chosen] = grid[starts[c] + k].place
                n_chosen += 1
                k += 1
    finally:
        free(grid)
    return chosen_arr[:n_chosen]


def waiting_work(open_ids_, queue_, remaining_, urgent_, deadline_, due_before_, int desk, int casework,
                 int supervised):
    """Work waiting per village (``ServiceDesk.demand``), in one pass over the open requests: (at the desk, urgent
    casework, supervised tasks due before ``due_before[village]``, supervised tasks due later, the rest of the
    casework). A queue is ``type x villages + village``; each village's work is added in the open ids' order from
    0.0, as ``np.bincount`` adds its weights. Ids index the book and queues name villages: a bad one stops with an
    IndexError before anything is added."""
    cdef Py_ssize_t n, n_book, V, i
    cdef const int64_t* open_ids = <const int64_t*>array_data(open_ids_, I8, 1, &n, False, "waiting_work: open_ids")
    cdef const int32_t* queue = <const int32_t*>array_data(queue_, I4, 1, &n_book, False, "waiting_work: queue")
    cdef const double* remaining = <const double*>vector(remaining_, F8, n_book, False, "waiting_work: remaining")
    cdef const unsigned char* urgent = <const unsigned char*>vector(urgent_, U1, n_book, False,
                                                                    "waiting_work: urgent")
    cdef const double* deadline = <const double*>vector(deadline_, F8, n_book, False, "waiting_work: deadline")
    cdef const double* due_before = <const double*>array_data(due_before_, F8, 1, &V, False,
                                                              "waiting_work: due_before")
    cdef int64_t r
    cdef int32_t q, kind, v
    if V == 0:
        raise ValueError("waiting_work: no villages")
    for i in range(n):
        r = open_ids[i]
        if not 0 <= r < n_book:
            raise IndexError(f"waiting_work: request {r} is not in the book")
        if queue[r] < 0:
            raise IndexError(f"waiting_work: request {r} waits in queue {queue[r]}")
    out_arr = np.zeros((5, V))
    cdef Py_ssize_t shape[2]
    cdef double* out = <double*>array_data(out_arr, F8, 2, shape, True, "out")   # [5, V]
    for i in range(n):
        r = open_ids[i]
        q = queue[r]
        kind, v = q // V, q % V
        if kind == desk:
            out[v] += remaining[r]
        elif kind == casework:
            out[(1 if urgent[r] else 4) * V + v] += remaining[r]
        elif kind == supervised:
            out[(2 if deadline[r] < due_before[v] else 3) * V + v] += remaining[r]
    return out_arr[0], out_arr[1], out_arr[2], out_arr[3], out_arr[4]


def priority(open_ids_, queue_, urgent_, pressed_, deadline_, int64_t n_villages, int supervised):
    """Each open request's place in its queue's order (``ServiceDesk._priority``): a supervised task's deadline;
    other work 0 if urgent, 1 if the resident came back to press it, else 2. What ``np.where(queue[ids] //
    villages == supervised, deadline[ids], np.where(urgent[ids], 0.0, np.where(pressed[ids] > 0, 1.0, 2.0)))``
    gave."""
    cdef Py_ssize_t n, n_book, i
    cdef const int64_t* open_ids = <const int64_t*>array_data(open_ids_, I8, 1, &n, False, "priority: open_ids")
    cdef const int32_t* queue = <const int32_t*>array_data(queue_, I4, 1, &n_book, False, "priority: queue")
    cdef const unsigned char* urgent = <const unsigned char*>vector(urgent_, U1, n_book, False, "priority: urgent")
    cdef const int16_t* pressed = <const int16_t*>vector(pressed_, I2, n_book, False, "priority: pressed")
    cdef const double* deadline = <const double*>vector(deadline_, F8, n_book, False, "priority: deadline")
    cdef int64_t r
    if n_villages <= 0:
        raise ValueError("priority: no villages")
    out_arr = np.empty(n)
    cdef double* out = <double*>vector(out_arr, F8, n, True, "out")
    for i in range(n):
        r = open_ids[i]
        if not 0 <= r < n_book:
            raise IndexError(f"priority: request {r} is not in the book")
        if queue[r] < 0:
            raise IndexError(f"priority: request {r} waits in queue {queue[r]}")
        if queue[r] // n_villages == supervised:
            out[i] = deadline[r]
        else:
            out[i] = 0.0 if urgent[r] else (1.0 if pressed[r] > 0 else 2.0)
    return out_arr


def visits_due(due_day_, int64_t day, cadre_, Py_ssize_t n_cadres, double visit_hours):
    """Today's candidates for a proactive visit (``ServiceDesk.proactive_demand``): the places whose next visit
    falls due by `day`, ascending (``np.flatnonzero(due_day <= day)``), and the hours of visits due per cadre, each
    grid cadre's count of them times `visit_hours` (``np.bincount(cadre[places], minlength=n_cadres).astype(float)
    * visit_hours``)."""
    cdef Py_ssize_t n, n_cadre, i, k = 0
    cdef const int64_t* due_day = <const int64_t*>array_data(due_day_, I8, 1, &n, False, "visits_due: due_day")
    cdef const int64_t* cadre = <const int64_t*>array_data(cadre_, I8, 1, &n_cadre, False, "visits_due: cadre")
    if n_cadre != n:
        raise ValueError(f"visits_due: {n_cadre} cadres for {n} places")
    for i in range(n):   # checked, and counted, before anything is written
        if due_day[i] <= day:
            if not 0 <= cadre[i] < n_cadres:
                raise IndexError(f"visits_due: place {i}'s cadre {cadre[i]} is not one of the {n_cadres}")
            k += 1
    places_arr, hours_arr = np.empty(k, dtype=np.int64), np.zeros(n_cadres)
    cdef int64_t* places = <int64_t*>vector(places_arr, I8, k, True, "places")
    cdef double* hours = <double*>vector(hours_arr, F8, n_cadres, True, "hours")
    k = 0
    for i in range(n):
        if due_day[i] <= day:
            places[k] = i
            k += 1
            hours[cadre[i]] += 1.0
    for i in range(n_cadres):
        hours[i] = hours[i] * visit_hours
    return places_arr, hours_arr


def out_of_patience(open_ids_, patience_until_, escalated_, double day):
    """The open requests whose resident's patience has run out by `day` and who has not called the hotline about
    them (``ServiceDesk.residents_act``), in the open ids' order: ``ids[(patience_until[ids] <= day) &
    (escalated[ids] < 0)]``."""
    cdef Py_ssize_t n, n_book, i, k = 0
    cdef const int64_t* open_ids = <const int64_t*>array_data(open_ids_, I8, 1, &n, False,
                                                              "out_of_patience: open_ids")
    cdef const double* patience_until = <const double*>array_data(patience_until_, F8, 1, &n_book, False,
                                                                  "out_of_patience: patience_until")
    cdef const double* escalated = <const double*>vector(escalated_, F8, n_book, False, "out_of_patience: escalated")
    cdef int64_t r
    for i in range(n):   # checked, and counted, before anything is written
        r = open_ids[i]
        if not 0 <= r < n_book:
            raise IndexError(f"out_of_patience: request {r} is not in the book")
        if patience_until[r] <= day and escalated[r] < 0:
            k += 1
    out_arr = np.empty(k, dtype=np.int64)
    cdef int64_t* out = <int64_t*>vector(out_arr, I8, k, True, "out")
    k = 0
    for i in range(n):
        r = open_ids[i]
        if patience_until[r] <= day and escalated[r] < 0:
            out[k] = r
            k += 1
    return out_arr


def overdue_supervised(open_ids_, escalated_, deadline_, double day, household_, grid_cadre_, remaining_,
                       Py_ssize_t n_cadres):
    """Supervised work past its deadline (``Hotline.overdue_hours``): (how many tasks, each grid cadre's hours of
    them). The tasks are the open requests escalated to the hotline whose deadline is by `day`; their remaining
    work is added to the grid cadre of the household in the open ids' order from 0.0, as ``np.bincount`` adds its
    weights."""
    cdef Py_ssize_t n, n_book, H, i, late = 0
    cdef const int64_t* open_ids = <const int64_t*>array_data(open_ids_, I8, 1, &n, False,
                                                              "overdue_supervised: open_ids")
    cdef const double* escalated = <const double*>array_data(escalated_, F8, 1, &n_book, False,
                                                             "overdue_supervised: escalated")
    cdef const double* deadline = <const double*>vector(deadline_, F8, n_book, False,
                                                        "overdue_supervised: deadline (per request)")
    cdef const int32_t* household = <const int32_t*>vector(household_, I4, n_book, False,
                                                           "overdue_supervised: household (per request)")
    cdef const double* remaining = <const double*>vector(remaining_, F8, n_book, False,
                                                         "overdue_supervised: remaining (per request)")
    cdef const int32_t* grid_cadre = <const int32_t*>array_data(grid_cadre_, I4, 1, &H, False,
                                                                "overdue_supervised: grid_cadre")
    cdef int64_t r
    cdef int32_t h
    for i in range(n):   # checked before anything is added
        r = open_ids[i]
        if not 0 <= r < n_book:
            raise IndexError(f"overdue_supervised: request {r} is not in the book")
        if escalated[r] >= 0 and deadline[r] <= day:
            h = household[r]
            if not 0 <= h < H:
                raise IndexError(f"overdue_supervised: household {h} is not one of the {H}")
            if not 0 <= grid_cadre[h] < n_cadres:
                raise IndexError(f"overdue_supervised: household {h}'s cadre {grid_cadre[h]} is not one of the "
                                 f"{n_cadres}")
    hours_arr = np.zeros(n_cadres)
    cdef double* hours = <double*>vector(hours_arr, F8, n_cadres, True, "hours")
    for i in range(n):
        r = open_ids[i]
        if escalated[r] >= 0 and deadline[r] <= day:
            hours[grid_cadre[household[r]]] += remaining[r]
            late += 1
    return late, hours_arr


cdef inline double _share(double cert, double other) noexcept:
    """Certificates' share of a queue's work today (none where no work was done)."""
    cdef double done = cert + other
    return cert / done if done > 0 else 0.0


def book_service_hours(cert_, other_, pool_, service_hours_, hours_, Py_ssize_t certificates, Py_ssize_t service):
    """Each cadre's hours at the three queues of its village (`service_hours` [C, 3]: desk, casework, supervised)
    booked as certificates in the share certificates took of that queue's work today (`cert` of `cert + other`,
    none where no work was done), the rest as service: added to the cadre's `hours` columns `certificates` and
    `service`, in place. What ``(service_hours * share[:, pool].T).sum(axis=1)`` made: each row's three products
    added in turn, as numpy adds three."""
    cdef Py_ssize_t Q, served_shape[2], hours_shape[2], C, V, A, c, k
    cdef const double* cert = <const double*>array_data(cert_, F8, 1, &Q, False, "book_service_hours: cert")
    cdef const double* other = <const double*>vector(other_, F8, Q, False, "book_service_hours: other (per queue)")
    cdef const double* service_hours = <const double*>array_data(service_hours_, F8, 2, served_shape, False,
                                                                 "book_service_hours: service_hours")
    cdef double* hours = <double*>array_data(hours_, F8, 2, hours_shape, True, "book_service_hours: hours")
    C, V, A = served_shape[0], Q // 3, hours_shape[1]
    cdef const int32_t* pool = <const int32_t*>vector(pool_, I4, C, False, "book_service_hours: pool (per cadre)")
    cdef double booked, total
    cdef int32_t v
    if Q != 3 * V or served_shape[1] != 3 or hours_shape[0] != C or not (0 <= certificates < A and 0 <= service < A):
        raise ValueError("book_service_hours: three queues a village, and one row of hours a cadre")
    for c in range(C):
        if not 0 <= pool[c] < V:
            raise IndexError(f"book_service_hours: cadre {c}'s village {pool[c]} is not one of the {V}")
    for c in range(C):
        v = pool[c]
        booked = service_hours[c * 3] * _share(cert[v], other[v])
        total = service_hours[c * 3]
        for k in range(1, 3):
            booked = booked + service_hours[c * 3 + k] * _share(cert[k * V + v], other[k * V + v])
            total = total + service_hours[c * 3 + k]
        hours[c * A + certificates] += booked
        hours[c * A + service] += total - booked


def admit(Py_ssize_t start, Py_ssize_t k, by_residents_, work_, remaining_, resolved_, double settle_day,
          patience_until_, open_ids_):
    """The book's new rows ``start:start + k``, their other columns written (``RequestBook.add``): each one's work
    remaining (none where residents settle it, else all of it), its end (`settle_day` where residents settle it,
    else -1) and its resident's patience (none needed, inf, where residents settle it), as ``np.where`` made them;
    returns the open ids with the rows that join a queue added, in order. The rows are checked against the book
    first."""
    cdef Py_ssize_t n_book, n_open, i
    cdef const unsigned char* by_residents = <const unsigned char*>array_data(
        by_residents_, U1, 1, &n_book, False, "admit: by_residents")
    cdef const double* work = <const double*>vector(work_, F8, n_book, False, "admit: work")
    cdef double* remaining = <double*>vector(remaining_, F8, n_book, True, "admit: remaining")
    cdef double* resolved = <double*>vector(resolved_, F8, n_book, True, "admit: resolved")
    cdef double* patience_until = <double*>vector(patience_until_, F8, n_book, True, "admit: patience_until")
    cdef const int64_t* open_ids = <const int64_t*>array_data(open_ids_, I8, 1, &n_open, False, "admit: open_ids")
    if not (0 <= start and 0 <= k and start + k <= n_book):
        raise IndexError(f"admit: rows {start}:{start + k} are not in the book of {n_book}")
    cdef Py_ssize_t joining = 0
    for i in range(start, start + k):
        joining += not by_residents[i]
    out_arr = np.empty(n_open + joining, dtype=np.int64)
    cdef int64_t* out = <int64_t*>vector(out_arr, I8, n_open + joining, True, "out")
    for i in range(n_open):
        out[i] = open_ids[i]
    joining = n_open
    for i in range(start, start + k):
        if by_residents[i]:
            remaining[i] = 0.0
            resolved[i] = settle_day
            patience_until[i] = INFINITY
        else:
            remaining[i] = work[i]
            resolved[i] = -1.0
            out[joining] = i
            joining += 1
    return out_arr


def place_arrivals(kind_, households_, u_settle_, p_settle_, u_urgent_, settleable_, urgent_share_, walk_in_,
                   household_village_, household_township_, int64_t n_villages, Py_ssize_t n_townships, int64_t desk,
                   int64_t casework):
    """Where the day's requests go (``ServiceDesk.take_requests``), in one pass over them: (settled by residents,
    urgent, queue, arrivals per township, whether any is settled), as numpy made them:
    ``settleable[kind] & (u_settle < p_settle)``, ``u_urgent < urgent_share[kind]``, ``np.where(walk_in[kind] &
    ~urgent, desk, casework) * n_villages + household_village[households]`` and ``np.bincount(
    household_township[households], minlength=n_townships)``. Every kind and household is checked first."""
    cdef Py_ssize_t n, n_kinds, H, i
    cdef const int8_t* kind = <const int8_t*>array_data(kind_, I1, 1, &n, False, "place_arrivals: kind")
    cdef const int64_t* households = <const int64_t*>vector(households_, I8, n, False, "place_arrivals: households")
    cdef const double* u_settle = <const double*>vector(u_settle_, F8, n, False, "place_arrivals: u_settle")
    cdef const double* p_settle = <const double*>vector(p_settle_, F8, n, False, "place_arrivals: p_settle")
    cdef const double* u_urgent = <const double*>vector(u_urgent_, F8, n, False, "place_arrivals: u_urgent")
    cdef const unsigned char* settleable = <const unsigned char*>array_data(settleable_, U1, 1, &n_kinds, False,
                                                                            "place_arrivals: settleable")
    cdef const double* urgent_share = <const double*>vector(urgent_share_, F8, n_kinds, False,
                                                            "place_arrivals: urgent_share (per kind)")
    cdef const unsigned char* walk_in = <const unsigned char*>vector(walk_in_, U1, n_kinds, False,
                                                                     "place_arrivals: walk_in (per kind)")
    cdef const int32_t* household_village = <const int32_t*>array_data(household_village_, I4, 1, &H, False,
                                                                        "place_arrivals: household_village")
    cdef const int32_t* household_township = <const int32_t*>vector(household_township_, I4, H, False,
                                                                    "place_arrivals: household_township")
    for i in range(n):
        if not (0 <= kind[i] < n_kinds and 0 <= households[i] < H
                and 0 <= household_township[households[i]] < n_townships):
            raise IndexError(f"place_arrivals: request {i}'s kind {kind[i]} or household {households[i]} (or its "
                             "township) is not there")
    settled_arr, urgent_arr = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.bool_)
    queue_arr, arrived_arr = np.empty(n, dtype=np.int64), np.zeros(n_townships, dtype=np.int64)
    cdef unsigned char* settled = <unsigned char*>vector(settled_arr.view(np.uint8), U1, n, True, "settled")
    cdef unsigned char* urgent = <unsigned char*>vector(urgent_arr.view(np.uint8), U1, n, True, "urgent")
    cdef int64_t* queue = <int64_t*>vector(queue_arr, I8, n, True, "queue")
    cdef int64_t* arrived = <int64_t*>vector(arrived_arr, I8, n_townships, True, "arrived")
    cdef bint any_settled = False
    cdef int64_t h
    for i in range(n):
        h = households[i]
        settled[i] = settleable[kind[i]] and u_settle[i] < p_settle[i]
        any_settled |= settled[i]
        urgent[i] = u_urgent[i] < urgent_share[kind[i]]
        queue[i] = (desk if walk_in[kind[i]] and not urgent[i] else casework) * n_villages + household_village[h]
        arrived[household_township[h]] += 1
    return settled_arr, urgent_arr, queue_arr, arrived_arr, any_settled


def whole_visits(proactive_hours_, double visit_hours, hours_, Py_ssize_t service):
    """Each cadre's proactive hours as whole visits (``ServiceDesk._visit``): ``floor(proactive_hours /
    visit_hours + 1e-9)`` visits, and what a part visit would have taken given back from the cadre's service hours
    (column `service` of `hours`, in place), as numpy made them. Returns the visits."""
    cdef Py_ssize_t C, shape[2], c
    cdef const double* proactive = <const double*>array_data(proactive_hours_, F8, 1, &C, False,
                                                             "whole_visits: proactive_hours")
    cdef double* hours = <double*>array_data(hours_, F8, 2, shape, True, "whole_visits: hours")
    if shape[0] != C or not 0 <= service < shape[1]:
        raise ValueError(f"whole_visits: hours must be [{C} cadres, activities] with a column {service}")
    visits_arr = np.empty(C)
    cdef double* visits = <double*>vector(visits_arr, F8, C, True, "visits")
    for c in range(C):
        visits[c] = floor(proactive[c] / visit_hours + 1e-9)
        hours[c * shape[1] + service] -= proactive[c] - visits[c] * visit_hours
    return visits_arr
