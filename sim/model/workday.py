"""How a cadre spends a day: the decision rule, applied to all cadres at once.

The rule (ODD+D "decision"), in order of precedence:

1. Fixed appointments (meetings, inspections, checkpoint shifts) are attended.
2. Messages are handled as they arrive; "reply at once" messages interrupt and cost refocusing time; messages in
   the evening, after 21:00 or at the weekend are handled then, as overtime.
3. Residents at the service station's desk are served in office hours: the cadre on duty first, the village's
   other servers when the line is long (walk-ins: the same day or the next).
4. What cannot wait is done, in overtime if need be (up to the day's cap): urgent residents' matters and
   supervised tasks (督办) due before the next working day first, then paperwork due before then. What still does
   not fit becomes overdue, and overdue work raises blame risk.
5. The rest of the regular day is shared between residents and paperwork by the assessment's incentives: the
   village's queued casework gets at least a share ``w`` of each server's free hours (the service share, never
   below a floor); then work not yet due (earliest deadline first); then the rest of the casework (the township
   liaison takes what the village's own cadres cannot); then proactive visits to elderly people living alone.
6. Shadow ledgers (ledger sets no assessor asks for any more, kept in proportion to blame risk and to how much
   the assessment still scores material), then defensive paperwork (material redone for each assessor, likewise)
   fill what is left of the day and then the evening (白天干实事, 晚上造材料).

Residents' requests are queued per village, not per cadre: a village's queue is worked by its servers in an order
(``ServiceOrder``), each up to what the rule leaves them, so an idle server takes the overflow of a busy one.
Fatigue lowers productivity: the same work takes ``1/productivity`` hours. The rule is applied to all cadres at once
by a compiled loop over them (``day_rule.pyx``), as a per-agent loop would apply it: written over whole numpy arrays
it took about a hundred numpy calls a day, which cost more than its arithmetic. It gives the array version's figures
to the last bit (``tests/test_speed.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compiled import day_rule as compiled  # built by the install (scripts/bootstrap, `pip install -e .`)

F8, I8 = np.dtype(np.float64), np.dtype(np.int64)
_SPLITS: dict[tuple[int, int], np.ndarray] = {}


def _same_split(n_cadres: int, days: int) -> np.ndarray:
    """The must-do days of `n_cadres` cadres who all split their deadlines at `days` (read-only, made once)."""
    split = _SPLITS.get((n_cadres, days))
    if split is None:
        split = _SPLITS[n_cadres, days] = np.full(n_cadres, days, dtype=np.int64)
        split.setflags(write=False)
    return split


@dataclass
class DayPlan:
    hours: np.ndarray            # [C, n_activities] hours spent on each activity (service added once served)
    service_hours: np.ndarray    # [C, 3] hours given to the desk, casework and supervised queues
    queue_capacity: np.ndarray   # [3 x villages] work each queue gets today (hours at full productivity)
    proactive_hours: np.ndarray  # [C]
    shadow_ledger_hours: np.ndarray  # [C] ledgers kept that nobody asked for (booked as ledgers)
    fatigue_hours: np.ndarray    # [C] hours the day's work took beyond what it takes a rested cadre
    overdue: np.ndarray          # [C] paperwork past its deadline after today's work
    appointments_missed: np.ndarray  # [C] appointment hours that did not fit in the day's cap


@dataclass
class ServiceOrder:
    """Who works a village's queues, and in which order: `pool[c]` is the village cadre c serves; `first` sorts
    the cadres by village and, within it, desk and casework order (the cadre on duty, the village's others, then
    the township liaison); `supervised_first` likewise with the liaison first."""

    pool: np.ndarray
    first: np.ndarray
    supervised_first: np.ndarray
    # both orders sort by village first, so in either the villages run in the same sorted order: `pool_sorted` is
    # pool[first] (= pool[supervised_first]) and `starts` marks each village's first server there
    pool_sorted: np.ndarray
    starts: np.ndarray


def plan_day(
    *,
    regular: np.ndarray,          # [C] regular hours available today (0 on a day off or weekend)
    cap: np.ndarray,              # [C] most hours the cadre can work today (regular + overtime cap; 0 if off)
    appointments: np.ndarray,     # [n_appt_activities, C] hours fixed today
    chat_hours: np.ndarray,       # [C] message handling today (working time and after hours)
    due: np.ndarray,              # [C, K, n_deadline] owed work (mutated: what is done is removed)
    must_do_days,                 # deadlines within this many days are done today (one number, or one per cadre)
    service,                      # offices.service_desk.ServiceDemand: work waiting per village
    order: ServiceOrder,
    proactive_demand: np.ndarray, # [C] hours of visits due to elderly people living alone
    shadow_ledger_demand: np.ndarray,  # [C] hours of ledgers nobody asks for that the cadre keeps anyway today
    defensive_demand: np.ndarray, # [C] hours of defensive paperwork the cadre feels bound to do today
    productivity: np.ndarray,     # [C] in (0, 1]
    service_share: np.ndarray,    # [C] share of free regular hours the village's casework gets first
    owed_until: int | None = None,  # due[:, owed_until:] holds nothing (the ledger's own figure; None: look at all)
) -> DayPlan:
    C, K, _ = due.shape
    if not (due.dtype is F8 and due.flags.c_contiguous):
        raise TypeError("plan_day: `due` must be the ledger's C-ordered float64 array (it is worked in place)")
    one_split = bool(np.isscalar(must_do_days))   # every cadre's deadlines split at the same day
    # deadlines beyond the ledger's horizon are not kept (a long holiday's must-do days end there); one split for
    # all is one of a few arrays, made once each (the rule only reads it)
    must_do = _same_split(C, min(int(must_do_days), K)) if one_split else \
        np.minimum(np.broadcast_to(np.asarray(must_do_days, dtype=np.int64), (C,)), K)

    def f8(a, n=C):   # one float64 array of n (a number is the same for all); most are one already (the dtype
        # compared by identity: numpy keeps one object per built-in dtype, and `== np.float64` makes one each time)
        if type(a) is np.ndarray and a.dtype is F8 and a.ndim == 1 and len(a) == n and a.flags.c_contiguous:
            return a
        return np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=np.float64), (n,)))

    def i8(a):   # likewise, an int64 array (the service orders' are already)
        if type(a) is np.ndarray and a.dtype is I8 and a.flags.c_contiguous:
            return a
        return np.ascontiguousarray(a, dtype=np.int64)

    V = len(service.desk)
    hours, service_hours, queue_capacity, out = compiled.day_rule(
        f8(regular), f8(cap), appointments.astype(np.float64, copy=False), f8(chat_hours), due, must_do, one_split,
        -1 if owed_until is None else int(owed_until),
        f8(service.desk, V), f8(service.supervised_due, V), f8(service.urgent, V),
        f8(service.supervised_later, V).copy(), f8(service.casework_later, V).copy(),   # taken from in place
        i8(order.pool), i8(order.first), i8(order.supervised_first), i8(order.pool_sorted),
        np.ascontiguousarray(order.starts, dtype=np.bool_).view(np.uint8), f8(proactive_demand),
        f8(shadow_ledger_demand), f8(defensive_demand), f8(productivity), f8(service_share))
    proactive, shadow, fatigue, overdue, missed = out
    return DayPlan(
        hours=hours, service_hours=service_hours, queue_capacity=queue_capacity,
        proactive_hours=proactive, shadow_ledger_hours=shadow, fatigue_hours=fatigue, overdue=overdue,
        appointments_missed=missed,
    )
