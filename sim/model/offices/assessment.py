"""Inspections and assessments (检查考核) and the ledgers (台账) kept for them."""

from __future__ import annotations

import numpy as np

from .. import compiled


class AssessmentOffice:
    """Inspections and assessments of townships, and the ledgers kept for them.

    Baseline: every department inspects on its own, and each inspecting department wants its own ledger set from
    the cadres on its line. single_assessor: one lead department per field, so ledger sets and redone material are
    per field; routine requests are folded into at most ``max_per_year`` comprehensive assessments a township a
    year (emergency inspections excepted). no_ledger_assessment: fields judged by visiting residents at random
    need no ledgers (the department's visits cost department hours instead).
    """

    def __init__(self, model):
        self.model = model
        cfg, st = model.cfg, model.structure
        self.single = model.cfg.reform.single_assessor
        self.no_ledger = model.cfg.reform.no_ledger_assessment
        fields = sorted({d.field for d in cfg.departments})
        self.dept_field = np.array([fields.index(d.field) for d in cfg.departments])
        # departments in the fields residents judge: they need no ledgers where they apply the reform
        self.judged_by_residents = np.zeros(len(cfg.departments), dtype=bool)
        if self.no_ledger is not None:
            self.judged_by_residents = np.array([d.field in self.no_ledger.fields for d in cfg.departments])
        self.count_ledger_sets()
        self.n_departments_on_lines = st.covers.sum(axis=1).astype(np.float64)  # sets asked for without reforms
        self.visits: dict[int, list] = {}
        self._comprehensive: dict[int, list] = {}  # day -> (hosts, hours per host) of single_assessor's assessments
        self._rng_findings = model.streams["inspections/findings"]
        self._rng_emergency = model.streams["inspections/emergency"]
        self._rng_survey = model.streams["survey"]
        self.measured_satisfaction = np.full(st.n_villages, np.nan)  # the last survey's satisfied share
        # per township: its cadres, its villages, and the leaders who host every inspection (the first township
        # cadres), kept once instead of found among all the county's cadres at each inspection
        self._cadres_of = [np.flatnonzero(st.cadre_township == t) for t in range(st.n_townships)]
        self._villages_of = [np.flatnonzero(st.village_township == t) for t in range(st.n_townships)]
        self._leaders_of = [c[st.cadre_village[c] < 0][: cfg.inspections.township_hosts] for c in self._cadres_of]
        # the same, as masks over the township's cadres (sorted, so a mask picks hosts sorted and unique)
        self._village_of_cadres = [st.cadre_village[c] for c in self._cadres_of]
        self._is_leader = [np.isin(c, lead) for c, lead in zip(self._cadres_of, self._leaders_of)]
        # what the assessment weighs, per township: residents' satisfaction (raised where satisfaction_assessment
        # applies), the rest material
        sat = model.cfg.reform.satisfaction_assessment
        w = cfg.assessment.satisfaction_weight
        self.satisfaction_weight = np.full(st.n_townships, w)
        if sat is not None:
            self.satisfaction_weight[model.fidelity.mask("satisfaction_assessment")] = max(w, sat.weight)
        # single_assessor's comprehensive assessments, planned for the run: announce day -> [(day, township,
        # villages)]. Each is announced inspections.notice_days ahead, as a routine inspection is, and only then are
        # its hosts and ledger preparation booked (booked all at once on day 0, the year's preparation would have
        # fallen due within the ledger's 32-day horizon, in the warm-up)
        self._planned: dict[int, list[tuple[int, int, np.ndarray]]] = {}
        if self.single is not None:
            rng = model.streams["inspections/plan"]
            days = model.days
            k = self.single.max_per_year * days / 364.0
            n = int(np.floor(k))
            for t in range(st.n_townships):
                for i in range(n):
                    day = model.calendar.next_workday(int((i + 0.5) * days / max(k, 1e-9)))
                    if day >= days:
                        continue
                    villages = self.draw_villages(rng)
                    announce = max(day - cfg.inspections.notice_days, 0)
                    self._planned.setdefault(announce, []).append((day, t, villages))

    def draw_villages(self, rng: np.random.Generator) -> np.ndarray:
        """The villages (within the township) an inspection visits."""
        per_township = self.model.structure.n_villages // self.model.structure.n_townships
        return compiled.draws.sample(rng, per_township, min(self.model.cfg.inspections.villages_visited, per_township))

    @property
    def needs_ledger(self) -> np.ndarray:
        """Per department: whether it still asks for its ledger set (it does unless it applies no-ledger)."""
        return ~(self.judged_by_residents & self.model.fidelity.mask("no_ledger_assessment"))

    def count_ledger_sets(self) -> None:
        """Assessors and ledger sets per cadre, as the departments apply the reforms today."""
        covers = self.model.structure.covers
        self.n_assessors = self._bodies(covers, np.ones(covers.shape[1], dtype=bool))
        self.n_ledger_sets = self._bodies(covers, self.needs_ledger)

    def _bodies(self, covers, mask) -> np.ndarray:
        """Distinct assessing bodies over a cadre's lines: departments, or fields for the departments that fold
        their assessment into the field's lead under single_assessor."""
        cov = covers & mask[None, :]
        if self.single is None:
            return cov.sum(axis=1).astype(np.float64)
        folding = self.model.fidelity.mask("single_assessor")
        n_fields = self.dept_field.max() + 1
        per_field = np.zeros((covers.shape[0], n_fields), dtype=bool)
        for d, f in enumerate(self.dept_field):
            if folding[d]:
                per_field[:, f] |= cov[:, d]
        return (per_field.sum(axis=1) + cov[:, ~folding].sum(axis=1)).astype(np.float64)

    def request(self, dept, township: int, visited, emergency: bool) -> None:
        m = self.model
        day = m.calendar.next_workday(m.day + m.cfg.inspections.notice_days)
        if self.single is not None and not emergency and m.fidelity.applies("single_assessor", dept.index):
            # folded into the comprehensive assessments already planned: what it would have cost is removed
            if day < m.days:
                cfg = m.cfg
                hosts = self._hosts(township, np.array([dept.index]), visited)
                sets = m.structure.covers[hosts, dept.index].astype(np.float64)
                m.accounts.removed("single_assessor", hosts,
                                   cfg.inspections.hosting_hours + sets * cfg.ledgers.prep_hours_per_inspection,
                                   dept.index, "inspections")
                if m.accounts.comes_back():
                    # it comes anyway, as a "research visit" (调研督导): hosted, though no ledgers are brought up
                    with m.accounts.rebound():
                        m.ledger.add_appointment(hosts, "inspections", cfg.inspections.hosting_hours, day)
                        m.department_hours_at(day, cfg.inspections.inspector_hours)
            return
        self._schedule(day, township, np.array([dept.index]), visited, emergency)

    def _hosts(self, township: int, depts: np.ndarray, visited_local) -> np.ndarray:
        """Who hosts an inspection: the township's leaders, and the cadres on the inspecting departments' lines in
        the township office and in the villages visited."""
        st = self.model.structure
        villages = self._villages_of[township][visited_local]
        cadres = self._cadres_of[township]
        covers = st.covers[cadres]
        on_lines = covers[:, depts[0]] if len(depts) == 1 else covers[:, depts].any(axis=1)
        village = self._village_of_cadres[township]
        # a handful of villages visited: comparing with each is cheaper than np.isin's sort
        in_visited = (village < 0) | (village[:, None] == villages[None, :]).any(axis=1)
        return cadres[(on_lines & in_visited) | self._is_leader[township]]

    def _schedule(self, day, township, depts, visited_local, emergency, comprehensive: bool = False) -> None:
        m, st, cfg = self.model, self.model.structure, self.model.cfg
        if day >= m.days:
            return
        villages = self._villages_of[township][visited_local]
        hosts = self._hosts(township, depts, visited_local)
        m.ledger.add_appointment(hosts, "inspections", cfg.inspections.hosting_hours, day)
        # bring the inspected ledger sets up to date before the visit
        dmask = np.zeros(len(cfg.departments), dtype=bool)
        dmask[depts] = True
        sets = self._bodies(st.covers[hosts], dmask & self.needs_ledger)
        prep_deadline = m.calendar.deadline(max(m.day, day - 1))
        m.ledger.add_due(hosts, "ledgers", sets * cfg.ledgers.prep_hours_per_inspection, prep_deadline)
        if comprehensive:
            # an assessment no department would have held alone: a cost the reform adds, counted when it is held
            self._comprehensive.setdefault(day, []).append(
                (hosts, cfg.inspections.hosting_hours + sets * cfg.ledgers.prep_hours_per_inspection))
        else:
            spent = cfg.inspections.hosting_hours + sets * cfg.ledgers.prep_hours_per_inspection
            m.accounts.spent(int(depts[0]), "inspections", hosts, spent)
            if self.single is not None or self.no_ledger is not None:
                fewer = st.covers[np.ix_(hosts, depts)].sum(axis=1) - sets  # sets one field's assessor or none asks
                reform = "no_ledger_assessment" if self.no_ledger is not None else "single_assessor"
                m.accounts.removed(reform, hosts, fewer * cfg.ledgers.prep_hours_per_inspection, int(depts[0]),
                                   "inspections")
        bodies = len(set(self.dept_field[depts])) if comprehensive else len(depts)
        m.department_hours_at(day, cfg.inspections.inspector_hours * bodies)
        if self.no_ledger is not None:
            judged = [d for d in depts if not self.needs_ledger[d]]
            if judged:
                n_households = len(villages) * st.n_households / st.n_villages
                minutes = (self.no_ledger.visited_households_per_assessment
                           * cfg.department_hours.survey_minutes_per_household)
                m.department_hours_at(day, minutes / 60.0 * min(1.0, n_households))
        self.visits.setdefault(day, []).append((township, hosts))
        m.tally.add("emergency_inspections" if emergency else "routine_inspections", 1, day=day)

    def emergency_inspections(self) -> None:
        """Emergency inspections (safety, floods): any department, any working day, exempt from every cap."""
        m = self.model
        if not m.calendar.is_workday:
            return
        rng = self._rng_emergency
        st = m.structure
        hit = rng.random(st.n_townships) < m.cfg.inspections.emergency_per_year / m.calendar.workdays_per_year
        for t in hit.nonzero()[0]:
            dept = m.departments[int(rng.integers(st.n_departments))]
            self.request(dept, int(t), self.draw_villages(rng), emergency=True)

    def satisfaction_survey(self) -> None:
        """satisfaction_assessment: each quarter a random share of residents is asked whether they are satisfied
        (department hours). Each answers yes with the chance of its own view (those with no view yet say they do
        not know). The satisfied share measured per village is what the assessment weighs: it moves the cadres'
        priorities (``Cadres.heed_survey``) and names villages below the standard (``Accountability``)."""
        m, sat = self.model, self.model.cfg.reform.satisfaction_assessment
        if sat is None or m.day % 91 != 45:
            return
        hh, st = m.households, m.structure
        rng = self._rng_survey
        surveyed = m.fidelity.mask("satisfaction_assessment")[hh.township]  # the townships that apply it
        asked = np.flatnonzero((rng.random(len(hh)) < sat.sample_share) & surveyed)
        yes = rng.random(len(asked)) < np.nan_to_num(hh.satisfaction[asked], nan=0.0)
        answered = asked[hh.has_view[asked]]
        yes = yes[hh.has_view[asked]]
        n = np.bincount(hh.village[answered], minlength=st.n_villages)
        satisfied = np.bincount(hh.village[answered], weights=yes, minlength=st.n_villages)
        # a village where nobody could answer is taken as meeting the standard (nothing measured, no effect)
        share = np.where(n > 0, satisfied / np.maximum(n, 1), m.cfg.assessment.satisfaction_standard)
        self.measured_satisfaction = share
        weight = self.satisfaction_weight[st.village_township]  # per village
        m.cadres.heed_survey(share, weight)
        m.accountability.below_standard(np.flatnonzero(share < m.cfg.assessment.satisfaction_standard), weight)
        m.department_hours_today += len(asked) * m.cfg.department_hours.survey_minutes_per_household / 60.0

    def announce_assessments(self) -> None:
        """single_assessor: the comprehensive assessments announced today, for the departments that fold theirs into
        their field's lead today."""
        planned = self._planned.pop(self.model.day, None)
        if not planned:   # most days announce none (and without single_assessor, none ever)
            return
        folding = np.flatnonzero(self.model.fidelity.mask("single_assessor"))
        for day, township, villages in planned if len(folding) else ():
            self._schedule(day, township, folding, villages, emergency=False, comprehensive=True)

    def hold_visits(self) -> np.ndarray:
        """Today's visits; returns the findings against hosting cadres (an array of cadre ids, with repeats)."""
        m = self.model
        for hosts, hours in self._comprehensive.pop(m.day, []):
            m.accounts.removed("single_assessor", hosts, -hours)
            for d in range(m.structure.n_departments):
                m.accounts.spent(d, "inspections", hosts, hours / m.structure.n_departments)
        found = []
        for township, hosts in self.visits.pop(self.model.day, []):
            hit = self._rng_findings.random(len(hosts)) < self.model.cfg.inspections.finding_probability
            found.append(hosts[hit])
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def weekly_ledgers(self) -> None:
        m = self.model
        friday = m.calendar.deadline(m.day + 4)
        self.count_ledger_sets()  # departments may have lapsed or been put back on the rule
        upkeep = m.cfg.ledgers.upkeep_hours_per_set_per_week
        everyone = np.arange(m.structure.n_cadres)
        m.ledger.add_due(everyone, "ledgers", self.n_ledger_sets * upkeep, friday)
        if self.single is not None:
            m.accounts.removed("single_assessor", everyone, (self.n_departments_on_lines - self.n_assessors) * upkeep)
        if self.no_ledger is not None:
            m.accounts.removed("no_ledger_assessment", everyone, (self.n_assessors - self.n_ledger_sets) * upkeep)
            for dept in m.departments:
                if not self.needs_ledger[dept.index] and m.accounts.comes_back():
                    # the department asks for "work traces" instead: photos, sign-ins and notes posted each week
                    with m.accounts.rebound():
                        m.ledger.add_due(dept.both_lines, "ledgers", upkeep, friday)
