"""The cadres' day rule written over whole arrays: the version the compiled rule (``sim/model/workday.py``) replaced.

Kept as the oracle the compiled rule is held to, bit for bit (``tests/test_speed.py``): the same rule, numpy call by
numpy call, as it ran until the rule was compiled.
"""

from __future__ import annotations

import numpy as np

from sim.model.offices.service_desk import CASEWORK, DESK, SUPERVISED
from sim.model.workday import DayPlan, ServiceOrder
from sim.model.workload import ACTIVITIES, AP, DEADLINE_ACTIVITIES, A

_DL_TO_A = np.array([A[a] for a in DEADLINE_ACTIVITIES])


def take_earliest_deadline_first(due: np.ndarray, work: np.ndarray, owed_until: int | None = None) -> np.ndarray:
    """Spend `work[c]` on cadre c's owed work ``due`` ([C, K, A], updated in place: what remains owed),
    earliest deadline first (activities in a fixed order within a day). Returns the work done per cadre and
    activity [C, A]. Only the cadres with work to spend are touched (on a busy day most have none left), and only
    the deadlines before `owed_until` (the ledger knows where its owed work ends; nothing is owed beyond it)."""
    C, K, Aa = due.shape
    k = K if owed_until is None else min(max(owed_until, 0), K)
    done = np.zeros((C, Aa))
    rows = np.flatnonzero(work > 0)
    if len(rows) and k:
        flat = due[rows, :k, :].reshape(len(rows), k * Aa)
        before = np.cumsum(flat, axis=1) - flat   # owed ahead of each item
        taken = np.minimum(np.maximum(work[rows, None] - before, 0.0), flat)
        due[rows, :k, :] = (flat - taken).reshape(len(rows), k, Aa)
        done[rows] = taken.reshape(len(rows), k, Aa).sum(axis=1)
    return done


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


def demands(fatigue, blame, township, satisfaction_weight, n_assessors, n_departments_on_lines, n_ledger_sets,
            productivity_loss, defensive_hours_per_assessor, upkeep_per_week, works):
    """What the day asks of each cadre besides what is owed, as ``agents.Cadres.plan_day`` wrote it over whole
    arrays before ``day_rule.demands`` compiled it: (productivity, defensive paperwork, shadow ledgers)."""
    productivity = 1.0 / (1.0 + productivity_loss * fatigue)
    material_weight = 1.0 - satisfaction_weight[township]
    defensive = defensive_hours_per_assessor * n_assessors * blame * material_weight
    unasked = n_departments_on_lines - n_ledger_sets
    shadow = unasked * upkeep_per_week / 5.0 * blame * material_weight
    if works is not None:
        defensive = defensive * works
        shadow = np.zeros(len(fatigue))
    return productivity, defensive, shadow
