"""How a cadre spends a day: the decision rule, applied to all cadres at once.

The rule (ODD+D "decision"), in order of precedence:

1. Fixed appointments (meetings, inspections, checkpoint shifts) are attended.
2. Messages are handled as they arrive; "reply at once" messages interrupt and cost refocusing time; messages in
   the evening, after 21:00 or at the weekend are handled then, as overtime.
3. Work due before the next working day is done, in overtime if need be (up to the day's cap); what still does not
   fit becomes overdue, and overdue work raises blame risk.
4. The rest of the regular day is shared between residents and paperwork by the assessment's incentives: residents
   waiting in the queue get at least a share ``w`` (the satisfaction weight, never below a floor) of the free
   hours; then work not yet due (earliest deadline first); then the rest of the queue; then proactive visits to
   elderly people living alone.
5. Defensive paperwork (material redone for each assessor, in proportion to blame risk and to how much the
   assessment scores material) fills what is left of the day and then the evening (白天干实事, 晚上造材料).

Fatigue lowers productivity: the same work takes ``1/productivity`` hours. The function is vectorised over cadres
(one numpy operation per step for 1,000 cadres) - the same rule a per-agent loop would apply, at county speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .workload import ACTIVITIES, AP, DEADLINE_ACTIVITIES, A, take_earliest_deadline_first

_DL_TO_A = np.array([A[a] for a in DEADLINE_ACTIVITIES])


@dataclass
class DayPlan:
    hours: np.ndarray            # [C, n_activities] hours spent on each activity
    service_work_capacity: np.ndarray  # [C] work units offered to the resident queue
    proactive_hours: np.ndarray  # [C]
    overdue: np.ndarray          # [C] work past its deadline after today's work
    appointments_missed: np.ndarray  # [C] appointment hours that did not fit in the day's cap


def plan_day(
    *,
    regular: np.ndarray,          # [C] regular hours available today (0 on a day off or weekend)
    cap: np.ndarray,              # [C] most hours the cadre can work today (regular + overtime cap; 0 if off)
    appointments: np.ndarray,     # [n_appt_activities, C] hours fixed today
    chat_hours: np.ndarray,       # [C] message handling today (working time and after hours)
    due: np.ndarray,              # [C, K, n_deadline] owed work (mutated: what is done is removed)
    must_do_days: int,            # deadlines within this many days are done today
    queue_work: np.ndarray,       # [C] work waiting in the resident queue
    proactive_demand: np.ndarray, # [C] hours of visits due to elderly people living alone
    defensive_demand: np.ndarray, # [C] hours of defensive paperwork the cadre feels bound to do today
    productivity: np.ndarray,     # [C] in (0, 1]
    service_share: np.ndarray,    # [C] share of free regular hours the resident queue gets first
) -> DayPlan:
    C = len(regular)
    hours = np.zeros((C, len(ACTIVITIES)))
    used = np.zeros(C)

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

    # 3. work due before the next working day
    urgent = due[:, :must_do_days, :]
    need = urgent.sum(axis=(1, 2)) / productivity
    spend = np.minimum(need, cap - used)
    done, due[:, :must_do_days, :] = take_earliest_deadline_first(urgent, spend * productivity)
    hours[:, _DL_TO_A] += done / productivity[:, None]
    used += spend
    overdue = due[:, 0, :].sum(axis=1)

    # 4. free regular hours: residents, work ahead, residents again, proactive visits
    free = np.maximum(regular - used, 0.0)
    queue_h = queue_work / productivity
    serve_first = np.minimum(queue_h, free * service_share)
    free -= serve_first
    ahead = due[:, must_do_days:, :]
    ahead_h = np.minimum(ahead.sum(axis=(1, 2)) / productivity, free)
    done, due[:, must_do_days:, :] = take_earliest_deadline_first(ahead, ahead_h * productivity)
    hours[:, _DL_TO_A] += done / productivity[:, None]
    free -= ahead_h
    serve_more = np.minimum(queue_h - serve_first, free)
    free -= serve_more
    proactive = np.minimum(proactive_demand, free)
    free -= proactive
    serve_h = serve_first + serve_more
    hours[:, A["service"]] += proactive  # queue service is split into certificates/service once served
    used += ahead_h + serve_h + proactive

    # 5. defensive paperwork: the rest of the day, then the evening
    defensive = np.minimum(defensive_demand, np.maximum(cap - used, 0.0))
    hours[:, A["defensive_paperwork"]] += defensive
    used += defensive

    return DayPlan(
        hours=hours, service_work_capacity=serve_h * productivity, proactive_hours=proactive,
        overdue=overdue, appointments_missed=missed,
    )
