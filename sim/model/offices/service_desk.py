"""Serving residents (服务群众), organised as townships organise it.

- Walk-in matters (certificates, consultations) go to the village's service station (便民服务站), whose desk
  handles them in office hours the same day or the next: the cadre on duty first, the others when the line is long.
- Casework (allowance applications, disputes, care visits) is queued for the village and shared by its cadres and
  the township cadre attached to it (包村干部), who takes the overflow; urgent matters first, then the ones
  residents came back to press, then the rest in arrival order.
- Escalated requests come back from the 12345 hotline as supervised tasks (督办, ``offices/hotline.py``), queued per
  village with the township's liaison first, earliest deadline first.
- Requests residents' own organisations settle never enter a queue (self_organization fosters organisers).

How much of a cadre's day each queue gets is the cadre's decision (``workday.py``): the desk in office hours, urgent
and due work in overtime or at the weekend if need be, the rest from free hours by the assessment's incentives.
What residents do when a request waits past their patience is theirs (``agents.Households``).

Reforms acting here: certificate_negative_list (certificates the law does not require are no longer asked for),
self_organization (more organisers among residents' ties settle disputes and consultations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# the compiled modules themselves, not through `compiled` (whose day rule imports this module's queue types);
# `compiled` checks them against their sources like the others
from .. import draws, queues
from ..request_book import CERTIFICATE, KINDS, SELF_SETTLEABLE, RequestBook
from ..streams import Categorical
from ..workload import A

DESK, CASEWORK, SUPERVISED = 0, 1, 2   # the queue types; queue id = type x villages + village
QUEUE_TYPES = ("desk", "casework", "supervised")


@dataclass
class ServiceDemand:
    """Work waiting per village (hours at full productivity), by how the cadres' day treats it."""

    desk: np.ndarray              # walk-ins at the station: office hours, today or tomorrow
    urgent: np.ndarray            # urgent casework: today, in overtime or at the weekend if need be
    supervised_due: np.ndarray    # supervised tasks due before the next working day: as any work due
    supervised_later: np.ndarray  # supervised tasks due later
    casework_later: np.ndarray    # the rest of the casework


def first_day_due(last_visit: np.ndarray, period: float) -> np.ndarray:
    """For each last visit, the first whole day on which ``day - last_visit >= period``, rounded as that comparison
    rounds it (subtraction is monotone, so from that day on it holds and before it it does not)."""
    due = np.ceil(last_visit + period).astype(np.int64)
    while True:   # at most a step either way: the sum above rounds by far less than a day
        early = (due - 1) - last_visit >= period
        late = due - last_visit < period
        if not (early.any() or late.any()):
            return due
        due = due - early + late


class ServiceDesk:
    def __init__(self, model):
        self.model = model
        st, sv = model.structure, model.cfg.service
        self.n_villages = V = st.n_villages
        self.book = RequestBook(3 * V, capacity=int(st.n_households * sv.requests_per_household_per_year
                                                     * model.days / 364 * 1.1) + 1024)
        self._rng = model.streams["requests"]
        self._rng_patience = model.streams["residents/patience"]
        self._cert_kind_legal, self._cert_kind_p = self._plan_certificates()
        spec = [sv.kinds[k] for k in KINDS]
        shares = np.array([k.share for k in spec])
        self._kind_p = shares / shares.sum()
        self._kinds, self._cert_kinds = Categorical(self._kind_p), Categorical(self._cert_kind_p)
        self._kind_hours = np.array([k.hours for k in spec])
        self.walk_in = np.array([k.walk_in for k in spec])
        self._walk_in, self._settleable = self.walk_in.view(np.uint8), SELF_SETTLEABLE.view(np.uint8)   # as compiled
        self.limit_days = np.array([k.limit_days for k in spec], dtype=np.float64)
        self._urgent_share = np.array([k.urgent_share for k in spec])
        self._settling: dict[int, list] = {}  # day -> ids of requests residents settle that day
        self._elderly = np.flatnonzero(model.households.elderly_alone)  # proactive visits go to them only
        self._visit_period = 364.0 / max(sv.proactive_visits_per_year, 1e-9)   # days between visits
        # the day each one's next visit falls due (``first_day_due``): kept, so that a day's candidates are found
        # without reading every last visit again
        self._due_day = first_day_due(model.households.last_visit[self._elderly], self._visit_period)
        # each one's grid cadre (the grids are fixed), and the day a visit made on each day makes the next one due
        self._elderly_cadre = model.households.cadre[self._elderly].astype(np.int64)
        self._due_after_visit = first_day_due(np.arange(model.days, dtype=np.float64), self._visit_period)
        self._candidate_places = np.zeros(0, dtype=np.int64)   # today's candidates, as places in _elderly
        self._proactive_candidates = np.zeros(0, dtype=np.int64)
        # per township: today's arrivals, ends and calls to the hotline, and the requests open
        T = st.n_townships
        self.arrived_today = np.zeros(T, dtype=np.int64)
        self.resolved_today = np.zeros(T, dtype=np.int64)
        self.abandoned_today = np.zeros(T, dtype=np.int64)
        self.escalated_today = np.zeros(T, dtype=np.int64)
        self.open_by_township = np.zeros(T, dtype=np.int64)

    def _plan_certificates(self):
        """Which certificate kinds the law requires (kept by a negative list), and demand across kinds."""
        sv = self.model.cfg.service
        rng = self.model.streams["certificates/kinds"]
        K = sv.certificate_kinds
        legal = np.zeros(K, dtype=bool)
        legal[rng.choice(K, size=sv.certificate_kinds_required_by_law, replace=False)] = True
        p = 1.0 / np.arange(1, K + 1) ** sv.certificate_popularity_exponent
        return legal, p / p.sum()

    # ---- arrivals ---------------------------------------------------------------------------------------------
    def take_requests(self) -> None:
        """Today's requests from households: to the station's desk, the village's casework, or settled by residents."""
        m = self.model
        sv, st, hh = m.cfg.service, m.structure, m.households
        # how many, whose, of which kind (and which certificate), and the uniforms that decide whether each is
        # verified, settled by residents or urgent: the Generator's own calls, made in one (``draws.arrivals``)
        households, kind, cert_kind, u_verify, u_settle, u_urgent = draws.arrivals(
            self._rng, st.n_households * sv.requests_per_household_per_year / 364.0, st.n_households,
            self._kinds.cdf, self._cert_kinds.cdf)
        neg = m.cfg.reform.certificate_negative_list
        if neg is not None:
            listed = m.fidelity.mask("certificate_negative_list")[st.household_township[households]]
            removed = (kind == CERTIFICATE) & ~self._cert_kind_legal[cert_kind] & listed
            verified = removed & (u_verify < neg.verifiable_share)
            m.tally.add("certificates_avoided", removed.sum())
            m.accounts.removed("certificate_negative_list", hh.cadre[households[removed]],
                               self._kind_hours[CERTIFICATE])
            m.department_hours_today += verified.sum() * m.cfg.department_hours.verification_minutes / 60.0
            keep = ~removed
            households, kind, u_settle, u_urgent = households[keep], kind[keep], u_settle[keep], u_urgent[keep]
        # self-organisation: each organiser among the household's ties may settle a dispute or a consultation
        p_settle = 1.0 - (1.0 - sv.self_settle_probability) ** hh.organiser_ties[households]
        # which are settled that way; which are urgent; the queue of each of the others: the station's desk for a
        # walk-in matter that can wait a day, the village's casework for the rest; and the arrivals per township
        # (one compiled pass over the requests)
        settled, urgent, queue, self.arrived_today, any_settled = queues.place_arrivals(
            kind, households, u_settle, p_settle, u_urgent, self._settleable, self._urgent_share, self._walk_in,
            st.household_village, st.household_township, self.n_villages, st.n_townships, DESK, CASEWORK)
        if m.cfg.reform.self_organization is not None:
            p_before = 1.0 - (1.0 - sv.self_settle_probability) ** hh.organiser_ties_before[households]
            fostered = settled & (u_settle >= p_before)  # settled only thanks to the new organisers
            m.accounts.removed("self_organization", hh.cadre[households[fostered]], self._kind_hours[kind[fostered]],
                               service=True)
        # patience: drawn for every request (common random numbers), around the limit the resident expects
        shape = m.cfg.residents.patience_shape
        patience = self._rng_patience.gamma(shape, 1.0, size=len(kind)) * self.limit_days[kind] / shape
        settle_day = m.day + int(round(sv.self_settle_days))
        ids = self.book.add(m.day, kind, households, queue, self._kind_hours[kind], settled, settle_day,
                            urgent=urgent, patience_until=m.day + patience)
        if any_settled:
            self._settling.setdefault(settle_day, []).append(ids[settled])

    # ---- what the cadres' day is asked for ----------------------------------------------------------------------
    def demand(self, must_do_days) -> ServiceDemand:
        """Work waiting per village, split by how the day rule treats it (``must_do_days``: deadlines before the
        next working day count as due today)."""
        book, V, day = self.book, self.n_villages, self.model.day
        # per village: the day before which a supervised task counts as due today
        due_before = np.full(V, float(day + must_do_days)) if np.isscalar(must_do_days) else \
            (day + np.asarray(must_do_days)).astype(np.float64)
        desk, urgent, supervised_due, supervised_later, casework_later = queues.waiting_work(
            book.open_ids, book.queue, book.remaining, book.urgent.view(np.uint8), book.deadline, due_before,
            DESK, CASEWORK, SUPERVISED)
        return ServiceDemand(desk=desk, urgent=urgent, supervised_due=supervised_due,
                             supervised_later=supervised_later, casework_later=casework_later)

    def proactive_demand(self) -> np.ndarray:
        """Hours of visits due per cadre to elderly people living alone whose last visit is a period ago."""
        m = self.model
        # the places a period or more since their last visit, and each grid cadre's hours of them (one pass)
        places, hours = queues.visits_due(self._due_day, m.day, self._elderly_cadre, m.structure.n_cadres,
                                          m.cfg.service.proactive_visit_hours)
        self._candidate_places, self._proactive_candidates = places, self._elderly[places]
        return hours

    # ---- serving -------------------------------------------------------------------------------------------------
    def _priority(self) -> np.ndarray:
        """Order within each queue: urgent casework, then pressed, then the rest; supervised tasks by deadline."""
        book = self.book
        return queues.priority(book.open_ids, book.queue, book.urgent.view(np.uint8), book.pressed, book.deadline,
                               self.n_villages, SUPERVISED)   # one pass over the open requests

    def serve(self, plan) -> None:
        """Serve the queues with the work the day plan gave them; visits with the proactive hours."""
        m = self.model
        st, hh, book = m.structure, m.households, self.book
        cert, other, resolved = book.serve(m.day, plan.queue_capacity, priority=self._priority())
        # each cadre's service hours count as certificates in the share certificates took of that queue's work,
        # the rest as service (one pass over the cadres)
        queues.book_service_hours(cert, other, m.cadres.pool, plan.service_hours, plan.hours, A["certificates"],
                                  A["service"])
        if len(resolved):
            waited = m.day - book.arrival[resolved]
            hh.rate_service(book.household[resolved], self.experience(waited))
        settled = self._settling.pop(m.day, [])
        settled_today = np.concatenate(settled) if settled else np.zeros(0, dtype=np.int64)
        if len(settled_today):
            hh.rate_service(book.household[settled_today],
                            self.experience(np.full(len(settled_today), m.cfg.service.self_settle_days)))
        ended = np.concatenate([resolved, settled_today])
        self.resolved_today = np.bincount(st.household_township[book.household[ended]], minlength=st.n_townships)
        self._visit(plan, plan.hours)

    def experience(self, days_waited: np.ndarray) -> np.ndarray:
        """How a resolved matter feels to the resident: 1 at once, falling with each day waited."""
        return np.exp(-np.asarray(days_waited, dtype=float) / self.model.cfg.service.satisfaction_patience_days)

    # ---- residents whose patience ran out ----------------------------------------------------------------------
    def residents_act(self) -> None:
        """Requests still open past their resident's patience: the resident calls 12345, gives up, or comes back."""
        m = self.model
        book, st, hh = self.book, m.structure, m.households
        # past their patience and not yet escalated (one pass over the open requests)
        waiting = queues.out_of_patience(book.open_ids, book.patience_until, book.escalated, m.day)
        self.abandoned_today = np.zeros(st.n_townships, dtype=np.int64)
        self.escalated_today = np.zeros(st.n_townships, dtype=np.int64)
        if len(waiting):
            call, give_up = hh.respond_to_waiting(book.household[waiting])
            m.hotline.receive(waiting[call])
            quit_ids = waiting[give_up]
            book.abandon(quit_ids, m.day)
            hh.rate_service(book.household[quit_ids], 0.0)
            back = waiting[~call & ~give_up]
            book.pressed[back] += 1
            shape = m.cfg.residents.patience_shape
            again = self._rng_patience.gamma(shape, 1.0, size=len(back)) * self.limit_days[book.kind[back]] / shape
            book.patience_until[back] = m.day + again
            self.abandoned_today = np.bincount(st.household_township[book.household[quit_ids]],
                                               minlength=st.n_townships)
            self.escalated_today = np.bincount(st.household_township[book.household[waiting[call]]],
                                               minlength=st.n_townships)
            m.tally.add("requests_pressed", len(back))
            m.tally.add("requests_abandoned", len(quit_ids))
        self.open_by_township += self.arrived_today - self.resolved_today - self.abandoned_today

    def _visit(self, plan, hours) -> None:
        """Proactive visits: whole visits only, the longest-unvisited households of each grid first."""
        m = self.model
        vh, hh = m.cfg.service.proactive_visit_hours, m.households
        if vh <= 0 or not len(self._proactive_candidates):
            return
        # whole visits only: what a part visit would have taken goes back from the cadre's service hours
        visits = queues.whole_visits(plan.proactive_hours, vh, hours, A["service"])
        # each grid's longest-unvisited candidates, as many as its cadre's whole visits (queues.pyx)
        places = queues.longest_unvisited_first(self._candidate_places, self._elderly, self._elderly_cadre,
                                                hh.last_visit, visits)
        chosen = self._elderly[places]
        hh.last_visit[chosen] = m.day
        self._due_day[places] = self._due_after_visit[m.day]
        hh.visited(chosen)
        m.tally.add("proactive_visits", len(chosen))
