"""The actors: county departments and cadres are Mesa agents; households are a vectorised population.

Departments carry the behaviour that generates work: each day a department issues documents, convenes meetings,
asks its data systems for reports, requests inspections of townships and pushes duties down its line. What a
department sends goes to the cadres on its line (the hierarchy network), through the model's offices, which is
where reforms such as joint meetings, a single assessor or a shared data pool change what arrives.

Cadres are agents so that they can be addressed, inspected and drawn (``cadre.fatigue``, ``cadre.grid``); their
day is decided for all of them at once by the rule in ``sim/workday.py``, which reads and writes the arrays the
properties below expose.
"""

from __future__ import annotations

import mesa
import numpy as np


class Department(mesa.Agent):
    """A county department (县级部门)."""

    def __init__(self, model, index: int, spec):
        super().__init__(model)
        self.index = index
        self.name = spec.name
        self.zh = spec.zh
        self.field = spec.field
        self.remit = spec.remit
        st = model.structure
        self.systems = np.flatnonzero(st.system_department == index)
        self.township_line = st.line_cadres(index, "township")
        self.village_line = st.line_cadres(index, "village")
        self.liaisons_per_township = max(1, len(self.township_line) // st.n_townships)
        s = model.streams
        self._rng_documents = s[f"documents/{self.name}"]
        self._rng_meetings = s[f"meetings/{self.name}"]
        self._rng_reports = s[f"reports/{self.name}"]
        self._rng_inspections = s[f"inspections/{self.name}"]
        self._rng_pushed = s[f"pushed_down/{self.name}"]
        self.held_documents: list[tuple[int, bool, bool]] = []  # (theme, implement, relay) awaiting a merged issue
        self._next_merge_day = 0

    # one day of the department's work ------------------------------------------------------------------------
    def step(self) -> None:
        m = self.model
        if not m.calendar.is_workday:
            return
        self.issue_documents()
        self.convene_meetings()
        self.request_reports()
        self.request_inspections()
        self.push_down_duties()

    def issue_documents(self) -> None:
        m, cfg = self.model, self.model.cfg.documents
        rng = self._rng_documents
        n = rng.poisson(cfg.per_department_per_week / 5.0)
        themes = rng.integers(cfg.themes_per_department, size=n)
        implement = rng.random(n) < cfg.implement_share
        # "need not be issued" is a property of documents that ask for no action
        unnecessary = (~implement) & (rng.random(n) * max(1e-12, 1.0 - cfg.implement_share) < cfg.unnecessary_share)
        relay = rng.random(n) < cfg.relay_to_village_share
        merge = m.reform.get("merge_documents")
        for theme, imp, unn, rel in zip(themes, implement, unnecessary, relay):
            if merge is not None and merge.cut_unnecessary and unn:
                m.chat.post_department_notice(self.index)  # a short message in the group instead of a document
                continue
            if merge is not None:
                self.held_documents.append((int(theme), bool(imp), bool(rel)))
            else:
                m.documents.deliver(self, n_implement=int(imp), relay=bool(rel))
        if merge is not None and m.day >= self._next_merge_day:
            self._next_merge_day = m.day + merge.merge_window_days
            by_theme: dict[int, list] = {}
            for theme, imp, rel in self.held_documents:
                by_theme.setdefault(theme, []).append((imp, rel))
            for docs in by_theme.values():
                m.documents.deliver(self, n_implement=sum(i for i, _ in docs), relay=any(r for _, r in docs))
            self.held_documents.clear()

    def convene_meetings(self) -> None:
        cfg = self.model.cfg.meetings
        rng = self._rng_meetings
        n = rng.poisson(cfg.per_department_per_week / 5.0)
        topics = rng.integers(cfg.topic_groups, size=n)
        necessary = rng.random(n) < cfg.necessary_share
        villages = rng.random(n) < cfg.village_attendance_share
        lead = rng.integers(1, cfg.lead_days + 1, size=n)
        for t, nec, vil, ld in zip(topics, necessary, villages, lead):
            self.model.meetings.request(self, int(t), bool(nec), bool(vil), int(ld))

    def request_reports(self) -> None:
        cfg = self.model.cfg.data_reports
        rng = self._rng_reports
        for s in self.systems:
            n = rng.poisson(cfg.requests_per_system_per_week / 5.0)
            for _ in range(n):
                fields = rng.choice(self.model.structure.system_fields[s], size=cfg.fields_per_request, replace=False)
                self.model.data.request(self, int(s), fields)

    def request_inspections(self) -> None:
        cfg = self.model.cfg.inspections
        rng = self._rng_inspections
        T = self.model.structure.n_townships
        wanted = rng.random(T) < cfg.per_department_per_year / self.model.calendar.workdays_per_year
        for t in np.flatnonzero(wanted):
            self.model.assessment.request(self, int(t), self.model.assessment.draw_villages(rng), emergency=False)

    def push_down_duties(self) -> None:
        cfg = self.model.cfg.pushed_down
        rng = self._rng_pushed
        n = rng.poisson(cfg.per_department_per_week / 5.0)
        u_cat = rng.random(n)
        village_level = rng.random(n) < cfg.village_share
        non_autonomous = rng.random(n) < cfg.non_autonomous_share
        for uc, vil, nonaut in zip(u_cat, village_level, non_autonomous):
            category = "core" if uc < cfg.core_share else ("shared" if uc < cfg.core_share + cfg.shared_share
                                                            else "returned")
            self.model.duties.push(self, category, bool(vil), bool(vil and nonaut))


class Cadre(mesa.Agent):
    """A township cadre or a village/community committee member (基层干部). State lives in the model's arrays."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def township(self) -> int:
        return int(self.model.structure.cadre_township[self.index])

    @property
    def village(self) -> int | None:
        v = int(self.model.structure.cadre_village[self.index])
        return None if v < 0 else v

    @property
    def role(self) -> str:
        return "village" if self.village is not None else "township"

    @property
    def departments(self) -> list[str]:
        return [self.model.cfg.departments[d].name for d in np.flatnonzero(self.model.structure.covers[self.index])]

    @property
    def grid(self) -> np.ndarray:
        """Household ids in this cadre's service grid."""
        return np.flatnonzero(self.model.structure.household_cadre == self.index)

    @property
    def fatigue(self) -> float:
        return float(self.model.fatigue[self.index])

    @property
    def blame_risk(self) -> float:
        return float(self.model.blame[self.index])

    @property
    def hours_today(self) -> dict[str, float]:
        from .workload import ACTIVITIES

        return dict(zip(ACTIVITIES, self.model.hours_today[self.index].tolist()))

    @property
    def backlog(self) -> int:
        book = self.model.requests
        return int((book.cadre[book.open_ids] == self.index).sum())


class Households:
    """All households as arrays (hundreds of thousands of them would be too many agents)."""

    def __init__(self, model):
        st, cfg = model.structure, model.cfg
        rng = model.streams["residents"]
        H = st.n_households
        self.village = st.household_village
        self.township = st.household_township
        self.cadre = st.household_cadre
        self.elderly_alone = rng.random(H) < cfg.service.elderly_alone_share
        # one uniform per household decides who organises, so a higher organiser share under the reform adds
        # organisers without reshuffling the existing ones (common random numbers)
        self._organiser_draw = rng.random(H)
        share = cfg.service.organiser_share
        so = model.reform.get("self_organization")
        if so is not None:
            share = max(share, so.organiser_share)
        self.organiser = self._organiser_draw < share
        ties_indptr, ties_indices = st.tie_indptr, st.tie_indices
        # organisers among each household's ties (the resident-tie network, CSR)
        owner = np.repeat(np.arange(H), np.diff(ties_indptr))
        self.organiser_ties = np.bincount(owner, weights=self.organiser[ties_indices], minlength=H).astype(np.int64)
        self.satisfaction = np.full(H, 0.6)  # a middling start; converges within weeks to what service earns
        # last proactive visit: spread over the past month so visits do not all fall due on day 0
        period = 364.0 / max(cfg.service.proactive_visits_per_year, 1e-9)
        self.last_visit = -rng.random(H) * period

    def __len__(self) -> int:
        return len(self.village)
