# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The cadres' day rule (``workday.py`` describes it), compiled: a loop over cadres, and over a village's servers
in their order, as a per-agent loop would apply it.

Written over whole numpy arrays the rule took about a hundred numpy calls a day, which cost more than its
arithmetic (50 cadres in a township). Here every figure is made as numpy made it - each sum in numpy's order
(``numpy_sum``: pairwise, as ``ndarray.sum`` adds), each running total as ``cumsum`` runs - so the compiled rule
gives the array version's figures to the last bit; ``tests/test_speed.py`` holds it to that version, kept in
``tests/day_rule_reference.py``. Built with ``-ffp-contract=off`` (``pyproject.toml``), so that no multiply-add is
fused where numpy rounds twice.

Beside the rule, each in one pass over the cadres where numpy took several calls: what the day asks of each cadre
before the rule shares it out (``demands``: productivity, defensive paperwork, shadow ledgers), the close of the
day (``close_day``) and blame after the day's decay and overdue work (``blame_after``).
"""

import numpy as np

from libc.math cimport isnan
from libc.stdint cimport int32_t, int64_t

from .arrays cimport array_data, vector
from .numpy_order cimport numpy_sum

from .offices import service_desk
from .workload import ACTIVITIES, AP, DEADLINE_ACTIVITIES, A

# the activities' columns, as ``workload`` orders them
cdef int64_t N_ACTIVITIES = len(ACTIVITIES)
cdef int64_t CHAT = A["chat"], SERVICE = A["service"], LEDGERS = A["ledgers"], DEFENSIVE = A["defensive_paperwork"]
cdef int64_t[::1] AP_TO_A = np.array([A[name] for name in AP], dtype=np.int64)   # appointments, in AP's order
cdef int64_t[::1] DL_TO_A = np.array([A[name] for name in DEADLINE_ACTIVITIES], dtype=np.int64)
# the queue types, as C numbers: a name read from a Python module in the loops would be looked up at each use
cdef int64_t DESK = service_desk.DESK, CASEWORK = service_desk.CASEWORK, SUPERVISED = service_desk.SUPERVISED
cdef int64_t[3] QUEUE_TYPES = [DESK, CASEWORK, SUPERVISED]   # queue_capacity's order
cdef Py_ssize_t MAX_DEADLINE_ACTIVITIES = 16   # the room a cadre's day keeps for them (``done`` below)
# the arrays' dtypes, as ``arrays.pxd`` checks them
cdef object F8 = np.dtype(np.float64), I8 = np.dtype(np.int64), I4 = np.dtype(np.int32), U1 = np.dtype(np.uint8)
cdef object B1 = np.dtype(np.bool_)


cdef struct Serving:
    # who serves which village and in which order (``workday.ServiceOrder``), and the work done per queue type
    Py_ssize_t C, V
    const int64_t* pool
    const int64_t* first
    const int64_t* supervised_first
    const int64_t* pool_sorted
    const unsigned char* starts
    const double* productivity
    double* served            # [C, 3]
    double* offer             # scratch rows of C, and one of V
    double* work
    double* more
    double* rest
    double* taken


def day_rule(regular_, cap_, const double[:, :] appointments, chat_hours_, due_, must_do_, bint one_split,
             int64_t owed_until, desk_, supervised_due_, urgent_, supervised_left_, casework_left_, pool_, first_,
             supervised_first_, pool_sorted_, starts_, proactive_demand_, shadow_demand_, defensive_demand_,
             productivity_, service_share_):
    """One day of every cadre (``workday.plan_day`` says what each argument is). `due` is worked in place, and the
    villages' later queues (`supervised_left`, `casework_left`) are taken from in place. Returns the hours by
    activity [C, n_activities], the hours of service per queue type [C, 3] (the work served, over productivity),
    each queue's capacity [3 x V], and [5, C]: proactive visits, shadow ledgers, fatigue hours, overdue work,
    appointments missed. Nothing is bounds-checked in the loops, so the shapes and indices are checked here first
    (``arrays.pxd``: each array's data is read directly, the appointments' rows, a strided slice of the ledger,
    through a typed view)."""
    cdef Py_ssize_t due_shape[3]
    cdef double* due_data = <double*>array_data(due_, F8, 3, due_shape, True, "day_rule: due")
    cdef Py_ssize_t C = due_shape[0], K = due_shape[1], n_dl = due_shape[2]
    cdef Py_ssize_t c, i, split, owed_end, n_appt = appointments.shape[0], V
    # the ledger's owed work ends at owed_until (a cadre's row holds nothing from `owed` on)
    cdef Py_ssize_t owed = K * n_dl if owed_until < 0 else min(owed_until, K) * n_dl
    cdef double total, fit, chat, need, paced, defensive
    cdef double* flat
    if n_dl > MAX_DEADLINE_ACTIVITIES:
        raise ValueError(f"day_rule: at most {MAX_DEADLINE_ACTIVITIES} deadline activities, not {n_dl}")
    if appointments.shape[1] != C or appointments.shape[0] > 3:
        raise ValueError(f"day_rule: the appointments must be [at most 3, {C} cadres]")
    # per cadre (the ledger's rows)
    cdef const double* regular = <const double*>vector(regular_, F8, C, False, "day_rule: regular (per cadre)")
    cdef const double* cap = <const double*>vector(cap_, F8, C, False, "day_rule: cap (per cadre)")
    cdef const double* chat_hours = <const double*>vector(chat_hours_, F8, C, False, "day_rule: chat_hours (per cadre)")
    cdef const int64_t* must_do = <const int64_t*>vector(must_do_, I8, C, False, "day_rule: must_do (per cadre)")
    cdef const int64_t* pool = <const int64_t*>vector(pool_, I8, C, False, "day_rule: pool (per cadre)")
    cdef const int64_t* first = <const int64_t*>vector(first_, I8, C, False, "day_rule: first (per cadre)")
    cdef const int64_t* supervised_first = <const int64_t*>vector(supervised_first_, I8, C, False,
                                                                  "day_rule: supervised_first (per cadre)")
    cdef const int64_t* pool_sorted = <const int64_t*>vector(pool_sorted_, I8, C, False,
                                                             "day_rule: pool_sorted (per cadre)")
    cdef const unsigned char* starts = <const unsigned char*>vector(starts_, U1, C, False,
                                                                    "day_rule: starts (per cadre)")
    cdef const double* proactive_demand = <const double*>vector(proactive_demand_, F8, C, False,
                                                                "day_rule: proactive_demand (per cadre)")
    cdef const double* shadow_demand = <const double*>vector(shadow_demand_, F8, C, False,
                                                             "day_rule: shadow_demand (per cadre)")
    cdef const double* defensive_demand = <const double*>vector(defensive_demand_, F8, C, False,
                                                                "day_rule: defensive_demand (per cadre)")
    cdef const double* productivity = <const double*>vector(productivity_, F8, C, False,
                                                            "day_rule: productivity (per cadre)")
    cdef const double* service_share = <const double*>vector(service_share_, F8, C, False,
                                                             "day_rule: service_share (per cadre)")
    # per village
    cdef const double* desk = <const double*>array_data(desk_, F8, 1, &V, False, "day_rule: desk (per village)")
    cdef const double* supervised_due = <const double*>vector(supervised_due_, F8, V, False,
                                                              "day_rule: supervised_due (per village)")
    cdef const double* urgent = <const double*>vector(urgent_, F8, V, False, "day_rule: urgent (per village)")
    cdef double* supervised_left = <double*>vector(supervised_left_, F8, V, True,
                                                   "day_rule: supervised_left (per village)")
    cdef double* casework_left = <double*>vector(casework_left_, F8, V, True, "day_rule: casework_left (per village)")
    for c in range(C):
        if not (0 <= pool[c] < V and 0 <= pool_sorted[c] < V and 0 <= first[c] < C and 0 <= supervised_first[c] < C
                and 0 <= must_do[c] <= K):
            raise ValueError(f"day_rule: cadre {c}'s village, place in the service orders or must-do days is out "
                             "of range")
    # what the day makes, and its working rows: made zero by numpy, read through their data
    hours_a, served_a = np.zeros((C, N_ACTIVITIES)), np.zeros((C, 3))
    capacity_a, out_a, work_a = np.zeros(3 * V), np.zeros((5, C)), np.zeros((12, C))
    row_a, village_a = np.zeros(max(K * n_dl, 1)), np.zeros(max(V, 1))
    cdef Py_ssize_t shape[3]
    cdef double* hours = <double*>array_data(hours_a, F8, 2, shape, True, "hours")   # [C, N_ACTIVITIES]
    # [C, 3]: the work (at full productivity) each cadre does for each queue type
    cdef double* served = <double*>array_data(served_a, F8, 2, shape, True, "served")
    cdef double* queue_capacity = <double*>vector(capacity_a, F8, -1, True, "capacity")
    cdef double* out = <double*>array_data(out_a, F8, 2, shape, True, "out")     # [5, C], rows named below
    cdef double* work = <double*>array_data(work_a, F8, 2, shape, True, "work")  # [12, C], likewise
    cdef double* row = <double*>vector(row_a, F8, -1, True, "row")
    cdef double* village = <double*>vector(village_a, F8, -1, True, "village")
    cdef double* proactive = out
    cdef double* shadow = out + C
    cdef double* fatigue = out + 2 * C
    cdef double* overdue = out + 3 * C
    cdef double* missed = out + 4 * C
    cdef double* used = work
    cdef double* spend = work + C
    cdef double* later_owed = work + 2 * C
    cdef double* ahead = work + 3 * C
    cdef double* offer = work + 4 * C
    cdef double* spent = work + 5 * C
    cdef double* free = work + 6 * C
    cdef double* first_share = work + 7 * C
    cdef double* scratch = work + 8 * C    # rows 8-11: the serving's own
    cdef Serving sv
    sv.C = C
    sv.V = V
    sv.pool = pool
    sv.first = first
    sv.supervised_first = supervised_first
    sv.pool_sorted = pool_sorted
    sv.starts = starts
    sv.productivity = productivity
    sv.served = served
    sv.offer = scratch
    sv.work = scratch + C
    sv.more = scratch + 2 * C
    sv.rest = scratch + 3 * C
    sv.taken = village

    # 1. appointments, as far as the day's cap allows; 2. messages
    for c in range(C):
        total = 0.0
        for i in range(n_appt):
            total += appointments[i, c]
        fit = min(1.0, cap[c] / max(total, 1e-12)) if total > 0 else 0.0
        for i in range(n_appt):
            hours[c * N_ACTIVITIES + AP_TO_A[i]] += appointments[i, c] * fit
        used[c] = total * fit
        missed[c] = total * (1.0 - fit)
        chat = min(chat_hours[c], cap[c] - used[c])
        hours[c * N_ACTIVITIES + CHAT] += chat
        used[c] += chat

    # 3. the station's desk, in office hours
    for c in range(C):
        offer[c] = max(regular[c] - used[c], 0.0)
    _serve(&sv, DESK, desk, offer, sv.first, spent)
    for c in range(C):
        used[c] += spent[c]

    # 4. what cannot wait: supervised tasks and urgent residents' matters due, then paperwork due before the next
    # working day (earliest deadline first); what is left of it today is overdue
    for c in range(C):
        offer[c] = max(cap[c] - used[c], 0.0)
    _serve(&sv, SUPERVISED, supervised_due, offer, sv.supervised_first, spent)
    for c in range(C):
        used[c] += spent[c]
        offer[c] = max(cap[c] - used[c], 0.0)
    _serve(&sv, CASEWORK, urgent, offer, sv.first, spent)
    for c in range(C):
        used[c] += spent[c]
        flat = due_data + c * K * n_dl
        split = must_do[c] * n_dl
        if one_split:   # the owed work before and after the split, summed as numpy sums the ledger's two slices
            need = numpy_sum(flat, split, owed)
            later_owed[c] = numpy_sum(flat + split, K * n_dl - split, owed - split)
        else:           # ... as numpy sums the ledger masked by each cadre's split
            for i in range(K * n_dl):
                row[i] = flat[i] if i < split else 0.0
            need = numpy_sum(row, K * n_dl, owed)
            for i in range(K * n_dl):
                row[i] = 0.0 if i < split else flat[i]
            later_owed[c] = numpy_sum(row, K * n_dl, owed)
        spend[c] = min(need / productivity[c], max(cap[c] - used[c], 0.0))
        _earliest_deadline_first(flat, 0, min(split, owed), n_dl, spend[c] * productivity[c],
                                 hours + c * N_ACTIVITIES, productivity[c])
        used[c] += spend[c]
        overdue[c] = numpy_sum(flat, n_dl, n_dl)

    # 5. free regular hours: residents' casework first (the service share), work ahead (what the ledger owes ends
    # at owed_until), the rest of the casework, proactive visits
    for c in range(C):
        free[c] = max(regular[c] - used[c], 0.0)
        offer[c] = free[c] * service_share[c]
    _casework(&sv, offer, supervised_left, casework_left, first_share)
    owed_end = owed if not one_split else min(max(owed, must_do[0] * n_dl), K * n_dl)
    for c in range(C):
        free[c] -= first_share[c]
        ahead[c] = min(later_owed[c] / productivity[c], free[c])
        _earliest_deadline_first(due_data + c * K * n_dl, must_do[c] * n_dl, owed_end, n_dl,
                                 ahead[c] * productivity[c], hours + c * N_ACTIVITIES, productivity[c])
        free[c] -= ahead[c]
    _casework(&sv, free, supervised_left, casework_left, spent)
    for c in range(C):
        free[c] -= spent[c]
        proactive[c] = min(proactive_demand[c], free[c])
        free[c] -= proactive[c]
        hours[c * N_ACTIVITIES + SERVICE] += proactive[c]  # queue service: split into certificates/service once served
        used[c] += ((first_share[c] + ahead[c]) + spent[c]) + proactive[c]

        # 6. shadow ledgers and defensive paperwork: the rest of the day, then the evening
        shadow[c] = min(shadow_demand[c], max(cap[c] - used[c], 0.0))
        hours[c * N_ACTIVITIES + LEDGERS] += shadow[c]
        used[c] += shadow[c]
        defensive = min(defensive_demand[c], max(cap[c] - used[c], 0.0))
        hours[c * N_ACTIVITIES + DEFENSIVE] += defensive
        used[c] += defensive
        # the work whose pace fatigue slows, and the hours it took beyond what it takes a rested cadre
        paced = ((((0.0 + served[c * 3]) + served[c * 3 + 1]) + served[c * 3 + 2]) / productivity[c] + spend[c]
                 + ahead[c])
        fatigue[c] = paced * (1.0 - productivity[c])
    for i in range(3):   # per queue: the work its servers did today
        for c in range(C):
            queue_capacity[i * V + pool[c]] += served[c * 3 + QUEUE_TYPES[i]]
    for c in range(C):   # the hours that work took each cadre (``served / productivity[:, None]``)
        for i in range(3):
            served[c * 3 + i] = served[c * 3 + i] / productivity[c]
    return hours_a, served_a, capacity_a, out_a


cdef void _share_out(const Serving* sv, const double* demand, const double* offer, const int64_t* order,
                     double* taken) noexcept:
    """Each village's `demand` (work) taken by its servers in `order`, each up to its `offer`: per cadre, the work
    taken. The first server takes what it can, the next what is left, and so on. `pool_sorted` is each server's
    village in that order, `starts` marks where each village begins in it."""
    cdef double offered = 0.0        # offered so far, over all villages (the running sum numpy's cumsum makes)
    cdef double village_start = 0.0  # ... when this village's first server came
    cdef double before
    cdef Py_ssize_t i
    cdef int64_t c
    for i in range(sv.C):
        c = order[i]
        before = (offered + offer[c]) - offer[c]
        offered += offer[c]
        if sv.starts[i]:
            village_start = max(village_start, before)
        taken[c] = min(max(demand[sv.pool_sorted[i]] - (before - village_start), 0.0), offer[c])


cdef void _serve(const Serving* sv, int64_t queue_type, const double* demand, const double* offer_hours,
                 const int64_t* order, double* spent) noexcept:
    """Give a village queue's `demand` to its servers in `order`: `spent` is the hours each spent."""
    cdef Py_ssize_t c
    for c in range(sv.C):
        sv.offer[c] = offer_hours[c] * sv.productivity[c]
    _share_out(sv, demand, sv.offer, order, sv.work)
    for c in range(sv.C):
        sv.served[c * 3 + queue_type] += sv.work[c]
        spent[c] = sv.work[c] / sv.productivity[c]


cdef void _casework(const Serving* sv, const double* offer_hours, double* supervised_left, double* casework_left,
                    double* spent) noexcept:
    """Supervised tasks not yet due, then the rest of the casework, from `offer_hours`; what is taken leaves the
    villages' queues (updated in place). `spent` is the hours each cadre spent."""
    cdef Py_ssize_t c
    _serve(sv, SUPERVISED, supervised_left, offer_hours, sv.supervised_first, spent)
    _take_from(sv, supervised_left, spent)
    for c in range(sv.C):
        sv.rest[c] = offer_hours[c] - spent[c]
    _serve(sv, CASEWORK, casework_left, sv.rest, sv.first, sv.more)
    _take_from(sv, casework_left, sv.more)
    for c in range(sv.C):
        spent[c] = spent[c] + sv.more[c]


cdef void _take_from(const Serving* sv, double* left, const double* hours) noexcept:
    """What the cadres did (`hours` at their productivity) leaves their village's queue, never below nothing."""
    cdef Py_ssize_t c, v
    for v in range(sv.V):
        sv.taken[v] = 0.0
    for c in range(sv.C):
        sv.taken[sv.pool[c]] += hours[c] * sv.productivity[c]
    for v in range(sv.V):
        left[v] = max(left[v] - sv.taken[v], 0.0)


cdef void _earliest_deadline_first(double* flat, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t n_dl, double work,
                                   double* hours, double productivity) noexcept:
    """Spend `work` on a cadre's owed items ``flat[lo:hi]`` (its deadlines, earliest first, activities in a fixed
    order within a day; updated in place: what remains owed); the hours each activity took go to its `hours` row."""
    cdef double owed_before = 0.0, x, before, taken
    cdef double done[16]
    cdef Py_ssize_t i, a
    if not work > 0:
        return
    for a in range(n_dl):
        done[a] = 0.0
    # a deadline's items, activities in their order; a while loop, as `range` with a step known only at run time
    # would iterate a Python range object
    i = lo
    while i < hi:
        for a in range(n_dl):
            x = flat[i + a]
            if x == 0.0:               # nothing owed: nothing taken (and the running sums stay as they are)
                continue
            before = (owed_before + x) - x   # owed ahead of this item, as numpy's cumsum leaves it
            owed_before += x
            taken = min(max(work - before, 0.0), x)
            flat[i + a] = x - taken
            done[a] += taken
        i += n_dl
    for a in range(n_dl):
        hours[DL_TO_A[a]] += done[a] / productivity


def close_day(hours_, regular_, cap_, fatigue_, double strain, double keep_off, double keep_working,
              double day_off_message_hours, hours_total_):
    """The cadres' day closed (``agents.Cadres.end_day``), in one pass over them: None if a cadre's hours break the
    invariant (a negative hour, or more worked than the day's cap: nothing is changed then, and the caller says
    which), else (overtime, idle, off, fatigue, hours by activity summed over the cadres), and `hours_total` added
    the day's hours in place.

    Each figure as the numpy expression it replaces makes it: a cadre's hours worked summed in numpy's order
    (``hours.sum(axis=1)``); overtime and idle as ``np.maximum(x, 0.0)`` (a NaN kept, -0.0 made 0.0); a day off
    where ``worked - chat <= 1e-9`` and ``chat <= day_off_message_hours``; fatigue ``(fatigue + strain x overtime)
    x keep`` (`keep_off` on a day off, `keep_working` otherwise) clipped to [0, 1] as ``ndarray.clip`` clips (a NaN
    and -0.0 kept); the activities' sums over the cadres in cadre order from 0.0 (``hours.sum(axis=0)``)."""
    cdef Py_ssize_t shape[2], total_shape[2]
    cdef const double* hours = <const double*>array_data(hours_, F8, 2, shape, False, "close_day: hours")
    cdef Py_ssize_t C = shape[0], n = shape[1], c, a
    cdef double* hours_total = <double*>array_data(hours_total_, F8, 2, total_shape, True, "close_day: hours_total")
    cdef const double* regular = <const double*>vector(regular_, F8, C, False, "close_day: regular (per cadre)")
    cdef const double* cap = <const double*>vector(cap_, F8, C, False, "close_day: cap (per cadre)")
    cdef const double* fatigue = <const double*>vector(fatigue_, F8, C, False, "close_day: fatigue (per cadre)")
    cdef const double* row
    cdef double worked, d, f
    if total_shape[0] != C or total_shape[1] != n or not 0 <= CHAT < n:
        raise ValueError("close_day: one row of hours, regular hours, cap, fatigue and totals a cadre")
    overtime_arr, idle_arr, fatigue_arr = np.empty(C), np.empty(C), np.empty(C)
    off_arr, by_activity_arr = np.empty(C, dtype=np.bool_), np.zeros(n)
    cdef double* overtime = <double*>vector(overtime_arr, F8, C, True, "overtime")
    cdef double* idle = <double*>vector(idle_arr, F8, C, True, "idle")
    cdef double* new_fatigue = <double*>vector(fatigue_arr, F8, C, True, "fatigue")
    cdef unsigned char* off = <unsigned char*>vector(off_arr, B1, C, True, "off")
    cdef double* by_activity = <double*>vector(by_activity_arr, F8, n, True, "by activity")
    for c in range(C):   # each cadre checked, then its figures: a broken invariant changes nothing
        row = hours + c * n
        for a in range(n):
            if row[a] < -1e-9:
                return None
        worked = numpy_sum(row, n, n)
        if worked > cap[c] + 1e-6:
            return None
        d = worked - regular[c]
        overtime[c] = d if (d > 0.0 or isnan(d)) else 0.0
        d = regular[c] - worked
        idle[c] = d if (d > 0.0 or isnan(d)) else 0.0
        off[c] = (worked - row[CHAT] <= 1e-9) and (row[CHAT] <= day_off_message_hours)
        f = (fatigue[c] + strain * overtime[c]) * (keep_off if off[c] else keep_working)
        if f < 0.0:
            f = 0.0
        elif f > 1.0:
            f = 1.0
        new_fatigue[c] = f
    for c in range(C):   # then the totals
        for a in range(n):
            by_activity[a] = by_activity[a] + hours[c * n + a]
            hours_total[c * n + a] = hours_total[c * n + a] + hours[c * n + a]
    return overtime_arr, idle_arr, off_arr, fatigue_arr, by_activity_arr


def demands(fatigue_, blame_, township_, satisfaction_weight_, n_assessors_, n_departments_on_lines_,
            n_ledger_sets_, double productivity_loss, double defensive_hours_per_assessor, double upkeep_per_week,
            works_):
    """What each cadre's day asks before the rule shares it out (``agents.Cadres.plan_day`` states each rule), in
    one pass over the cadres: (productivity, defensive paperwork, shadow ledgers), each made as the numpy
    expression it replaces makes it, operation by operation:

    - productivity ``1.0 / (1.0 + productivity_loss * fatigue)``;
    - the material weight ``1.0 - satisfaction_weight[township]``;
    - defensive paperwork ``defensive_hours_per_assessor * n_assessors * blame * material_weight``;
    - shadow ledgers ``(n_departments_on_lines - n_ledger_sets) * upkeep_per_week / 5.0 * blame * material_weight``.

    `works_`: None on a working day; on other days, per cadre, whether it works anyway: defensive paperwork is
    multiplied by it (as numpy multiplies by a boolean) and shadow ledgers are none."""
    cdef Py_ssize_t C, T, c
    cdef const double* fatigue = <const double*>array_data(fatigue_, F8, 1, &C, False, "demands: fatigue (per cadre)")
    cdef const double* blame = <const double*>vector(blame_, F8, C, False, "demands: blame (per cadre)")
    cdef const int32_t* township = <const int32_t*>vector(township_, I4, C, False, "demands: township (per cadre)")
    cdef const double* satisfaction_weight = <const double*>array_data(
        satisfaction_weight_, F8, 1, &T, False, "demands: satisfaction_weight (per township)")
    cdef const double* n_assessors = <const double*>vector(n_assessors_, F8, C, False,
                                                           "demands: n_assessors (per cadre)")
    cdef const double* on_lines = <const double*>vector(n_departments_on_lines_, F8, C, False,
                                                        "demands: n_departments_on_lines (per cadre)")
    cdef const double* ledger_sets = <const double*>vector(n_ledger_sets_, F8, C, False,
                                                           "demands: n_ledger_sets (per cadre)")
    cdef const unsigned char* works = NULL
    if works_ is not None:
        works = <const unsigned char*>vector(works_, B1, C, False, "demands: works (per cadre)")
    for c in range(C):
        if not 0 <= township[c] < T:
            raise ValueError(f"demands: cadre {c}'s township {township[c]} is not one of the {T}")
    productivity_a, defensive_a, shadow_a = np.empty(C), np.empty(C), np.empty(C)
    cdef double* productivity = <double*>vector(productivity_a, F8, C, True, "productivity")
    cdef double* defensive = <double*>vector(defensive_a, F8, C, True, "defensive")
    cdef double* shadow = <double*>vector(shadow_a, F8, C, True, "shadow")
    cdef double material
    for c in range(C):
        productivity[c] = 1.0 / (1.0 + productivity_loss * fatigue[c])
        material = 1.0 - satisfaction_weight[township[c]]
        defensive[c] = ((defensive_hours_per_assessor * n_assessors[c]) * blame[c]) * material
        if works == NULL:
            shadow[c] = ((((on_lines[c] - ledger_sets[c]) * upkeep_per_week) / 5.0) * blame[c]) * material
        else:
            defensive[c] = defensive[c] * (1.0 if works[c] else 0.0)
            shadow[c] = 0.0
    return productivity_a, defensive_a, shadow_a


def blame_after(blame_, overdue_, forgiven_, double decay_per_day, double per_overdue_hour):
    """Each cadre's blame risk after a day's decay and overdue work (``offices.accountability.Accountability``),
    before findings and incidents: (``blame * (1.0 - decay_per_day) + per_overdue_hour * overdue * (1.0 -
    forgiven)``, the overdue hours summed in numpy's order), each figure as numpy made it. `forgiven_`: the share
    of each cadre's overdue work forgiven, or None for none."""
    cdef Py_ssize_t C, c
    cdef const double* blame = <const double*>array_data(blame_, F8, 1, &C, False, "blame_after: blame (per cadre)")
    cdef const double* overdue = <const double*>vector(overdue_, F8, C, False, "blame_after: overdue (per cadre)")
    cdef const double* forgiven = NULL
    if forgiven_ is not None:
        forgiven = <const double*>vector(forgiven_, F8, C, False, "blame_after: forgiven (per cadre)")
    b_arr = np.empty(C)
    cdef double* b = <double*>vector(b_arr, F8, C, True, "blame")
    cdef double keep = 1.0 - decay_per_day
    for c in range(C):
        b[c] = blame[c] * keep
        b[c] += (per_overdue_hour * overdue[c]) * (1.0 - (0.0 if forgiven == NULL else forgiven[c]))
    return b_arr, numpy_sum(overdue, C, C)
