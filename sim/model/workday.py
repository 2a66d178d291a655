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
Fatigue lowers productivity: the same work takes ``1/productivity`` hours. The function is vectorised over cadres
(one numpy operation per step for 1,000 cadres) - the same rule a per-agent loop would apply, at county speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .offices.service_desk import CASEWORK, DESK, SUPERVISED
from .workload import ACTIVITIES, AP, DEADLINE_ACTIVITIES, A, take_earliest_deadline_first

_DL_TO_A = np.array([A[a] for a in DEADLINE_ACTIVITIES])


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


def share_out(demand: np.ndarray, offer: np.ndarray, order: np.ndarray, pool_sorted: np.ndarray,
              starts: np.ndarray) -> np.ndarray:
    """Each village's `demand` (work) taken by its servers in `order`, each up to its `offer`: per cadre, the work
    taken. The first server takes what it can, the next what is left, and so on. `pool_sorted` is each server's
    village in that order, `starts` marks where each village begins in it."""
    off = offer[order]
    before = np.cumsum(off) - off
    before -= np.maximum.accumulate(np.where(starts, before, 0.0))
    taken = np.empty_like(offer)
    taken[order] = np.minimum(np.maximum(demand[pool_sorted] - before, 0.0), off)
    return taken


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
    C = len(regular)
    hours = np.zeros((C, len(ACTIVITIES)))
    used = np.zeros(C)
    served = np.zeros((C, 3))      # work (at full productivity) each cadre does for each queue type
    pool = order.pool

    def serve(queue_type: int, demand: np.ndarray, offer_hours: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Give a village queue's `demand` to its servers in order; returns the hours each spent."""
        work = share_out(demand, offer_hours * productivity, first, order.pool_sorted, order.starts)
        served[:, queue_type] += work
        return work / productivity

    # 1. appointments
    appt_total = appointments.sum(axis=0)
    fit = np.where(appt_total > 0, np.minimum(1.0, cap / np.maximum(appt_total, 1e-12)), 0.0)
    for name, i in AP.items():
        hours[:, A[name]] += appointments[i] * fit
    used += appt_total * fit
    missed = appt_total * (1.0 - fit)

    # 2. messages
    chat = np.minimum(chat_hours, cap - used)
    hours[:, A["chat"]] += chat
    used += chat

    # 3. the station's desk, in office hours
    used += serve(DESK, service.desk, np.maximum(regular - used, 0.0), order.first)

    # 4. what cannot wait: urgent residents' matters and supervised tasks due, then paperwork due
    used += serve(SUPERVISED, service.supervised_due, np.maximum(cap - used, 0.0), order.supervised_first)
    used += serve(CASEWORK, service.urgent, np.maximum(cap - used, 0.0), order.first)
    # the owed work due before the next working day, and the rest (the split is per cadre when only some cadres'
    # rest day is protected today; `due` is the ledger's array, updated in place)
    if np.isscalar(must_do_days):
        soon, later = due[:, :must_do_days, :], due[:, must_do_days:, :]   # views into the ledger
    else:
        in_time = (np.arange(due.shape[1])[None, :] < np.asarray(must_do_days)[:, None])[:, :, None]
        soon, later = np.where(in_time, due, 0.0), np.where(in_time, 0.0, due)
    need = soon.sum(axis=(1, 2)) / productivity
    spend = np.minimum(need, np.maximum(cap - used, 0.0))
    done = take_earliest_deadline_first(soon, spend * productivity)
    hours[:, _DL_TO_A] += done / productivity[:, None]
    used += spend
    overdue = (due[:, 0, :] if np.isscalar(must_do_days) else soon[:, 0, :] + later[:, 0, :]).sum(axis=1)

    # 5. free regular hours: residents' casework, work ahead, the rest of the casework, proactive visits
    free = np.maximum(regular - used, 0.0)
    supervised_left, casework_left = service.supervised_later, service.casework_later

    def casework(offer_hours: np.ndarray) -> np.ndarray:
        nonlocal supervised_left, casework_left
        spent = serve(SUPERVISED, supervised_left, offer_hours, order.supervised_first)
        supervised_left = np.maximum(supervised_left - np.bincount(pool, spent * productivity, len(supervised_left)),
                                     0.0)
        more = serve(CASEWORK, casework_left, offer_hours - spent, order.first)
        casework_left = np.maximum(casework_left - np.bincount(pool, more * productivity, len(casework_left)), 0.0)
        return spent + more

    first_share = casework(free * service_share)
    free -= first_share
    ahead_h = np.minimum(later.sum(axis=(1, 2)) / productivity, free)
    done = take_earliest_deadline_first(
        later, ahead_h * productivity,
        None if owed_until is None or not np.isscalar(must_do_days) else owed_until - must_do_days)
    if not np.isscalar(must_do_days):
        due[...] = soon + later
    hours[:, _DL_TO_A] += done / productivity[:, None]
    free -= ahead_h
    rest = casework(free)
    free -= rest
    proactive = np.minimum(proactive_demand, free)
    free -= proactive
    hours[:, A["service"]] += proactive  # queue service is split into certificates/service once served
    used += first_share + ahead_h + rest + proactive

    # 6. shadow ledgers and defensive paperwork: the rest of the day, then the evening
    shadow = np.minimum(shadow_ledger_demand, np.maximum(cap - used, 0.0))
    hours[:, A["ledgers"]] += shadow
    used += shadow
    defensive = np.minimum(defensive_demand, np.maximum(cap - used, 0.0))
    hours[:, A["defensive_paperwork"]] += defensive
    used += defensive

    paced = served.sum(axis=1) / productivity + spend + ahead_h  # the work whose pace fatigue slows
    V = len(service.desk)
    queue_capacity = np.concatenate([np.bincount(pool, served[:, t], V) for t in (DESK, CASEWORK, SUPERVISED)])
    return DayPlan(
        hours=hours, service_hours=served / productivity[:, None], queue_capacity=queue_capacity,
        proactive_hours=proactive, shadow_ledger_hours=shadow, fatigue_hours=paced * (1.0 - productivity),
        overdue=overdue, appointments_missed=missed,
    )
