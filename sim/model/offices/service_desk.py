"""Serving residents (服务群众): requests raised, settled by residents' own organisations or queued for a cadre,
served with the hours the cadres' day leaves for them, and proactive visits to elderly people living alone.

Reforms acting here: certificate_negative_list (certificates the law does not require are no longer asked for),
self_organization (more organisers among residents' ties settle disputes and consultations).
"""

from __future__ import annotations

import numpy as np

from ..request_book import CERTIFICATE, KINDS, SELF_SETTLEABLE, RequestBook
from ..workload import A


class ServiceDesk:
    def __init__(self, model):
        self.model = model
        st, sv = model.structure, model.cfg.service
        self.book = RequestBook(st.n_cadres, capacity=int(st.n_households * sv.requests_per_household_per_year
                                                          * model.days / 364 * 1.1) + 1024)
        self._rng = model.streams["requests"]
        self._cert_kind_legal, self._cert_kind_p = self._plan_certificates()
        shares = np.array([sv.kinds[k].share for k in KINDS])
        self._kind_p = shares / shares.sum()
        self._kind_hours = np.array([sv.kinds[k].hours for k in KINDS])
        self._settling: dict[int, list] = {}  # day -> ids of requests residents settle that day
        self._proactive_candidates = np.zeros(0, dtype=np.int64)
        self.certificates_avoided = 0
        self.proactive_visits = 0
        # per township: today's arrivals and resolutions, and the requests open (queued or with residents)
        T = st.n_townships
        self.arrived_today = np.zeros(T, dtype=np.int64)
        self.resolved_today = np.zeros(T, dtype=np.int64)
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

    def take_requests(self) -> None:
        """Today's requests from households, each to the cadre whose grid holds the household."""
        m = self.model
        sv, st, hh = m.cfg.service, m.structure, m.households
        rng = self._rng
        n = rng.poisson(st.n_households * sv.requests_per_household_per_year / 364.0)
        households = rng.integers(st.n_households, size=n)
        kind = rng.choice(len(KINDS), size=n, p=self._kind_p).astype(np.int8)
        cert_kind = rng.choice(len(self._cert_kind_p), size=n, p=self._cert_kind_p)
        u_verify = rng.random(n)
        u_settle = rng.random(n)
        keep = np.ones(n, dtype=bool)
        neg = m.cfg.reform.certificate_negative_list
        if neg is not None:
            removed = (kind == CERTIFICATE) & ~self._cert_kind_legal[cert_kind]
            verified = removed & (u_verify < neg.verifiable_share)
            self.certificates_avoided += int(removed.sum())
            m.department_hours_today += verified.sum() * m.cfg.department_hours.verification_minutes / 60.0
            keep &= ~removed
        households, kind = households[keep], kind[keep]
        # self-organisation: each organiser among the household's ties may settle a dispute or a consultation
        p_settle = 1.0 - (1.0 - sv.self_settle_probability) ** hh.organiser_ties[households]
        settled = SELF_SETTLEABLE[kind] & (u_settle[keep] < p_settle)
        work = self._kind_hours[kind]
        settle_day = m.day + int(round(sv.self_settle_days))
        first = self.book.n
        self.book.add(m.day, kind, households, hh.cadre[households], work, settled, settle_day)
        self.arrived_today = np.bincount(st.household_township[households], minlength=st.n_townships)
        if settled.any():
            self._settling.setdefault(settle_day, []).append(first + np.flatnonzero(settled))

    def queue_hours(self) -> np.ndarray:
        """Hours of work waiting in each cadre's queue."""
        return self.book.queue_hours()

    def proactive_demand(self) -> np.ndarray:
        """Hours of visits due per cadre to elderly people living alone whose last visit is a period ago."""
        m = self.model
        sv, hh = m.cfg.service, m.households
        period = 364.0 / max(sv.proactive_visits_per_year, 1e-9)
        due = hh.elderly_alone & (m.day - hh.last_visit >= period)
        self._proactive_candidates = np.flatnonzero(due)
        n = np.bincount(hh.cadre[self._proactive_candidates], minlength=m.structure.n_cadres).astype(float)
        return n * sv.proactive_visit_hours

    def serve(self, plan) -> None:
        """Serve the queues with the hours the day plan offers; visits with the proactive hours."""
        m = self.model
        sv, hh, st = m.cfg.service, m.households, m.structure
        hours, productivity = plan.hours, m.cadres.productivity
        book = self.book
        cert, other, resolved = book.serve(m.day, plan.service_work_capacity)
        hours[:, A["certificates"]] += cert / productivity
        hours[:, A["service"]] += other / productivity
        # satisfaction of households whose request was resolved today, by how long it took
        if len(resolved):
            waited = m.day - book.arrival[resolved]
            hh.rate_service(book.household[resolved], np.exp(-waited / sv.satisfaction_patience_days))
        settled = self._settling.pop(m.day, [])
        settled_today = np.concatenate(settled) if settled else np.zeros(0, dtype=np.int64)
        if len(settled_today):
            hh.rate_service(book.household[settled_today], np.exp(-sv.self_settle_days / sv.satisfaction_patience_days))
        done = np.concatenate([resolved, settled_today])
        self.resolved_today = np.bincount(st.household_township[book.household[done]], minlength=st.n_townships)
        self.open_by_township += self.arrived_today - self.resolved_today
        self._visit(plan, hours)

    def _visit(self, plan, hours) -> None:
        """Proactive visits: whole visits only, the longest-unvisited households of each grid first."""
        m = self.model
        vh, hh = m.cfg.service.proactive_visit_hours, m.households
        if vh <= 0 or not len(self._proactive_candidates):
            return
        visits = np.floor(plan.proactive_hours / vh + 1e-9)
        hours[:, A["service"]] -= plan.proactive_hours - visits * vh
        cand = self._proactive_candidates
        order = np.lexsort((hh.last_visit[cand], hh.cadre[cand]))
        cand = cand[order]
        cad = hh.cadre[cand]
        first = np.r_[True, cad[1:] != cad[:-1]]
        rank = np.arange(len(cand)) - np.maximum.accumulate(np.where(first, np.arange(len(cand)), 0))
        chosen = cand[rank < visits[cad]]
        hh.last_visit[chosen] = m.day
        hh.satisfaction[chosen] = 0.8 * hh.satisfaction[chosen] + 0.2
        self.proactive_visits += len(chosen)
