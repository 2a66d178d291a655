"""What the township itself adds: duty shifts of temporary campaigns (checkpoints, floods, epidemics) and forced
assignments (摊派) handed to its cadres.

Reforms acting here: resources_follow_tasks (departments staff a share of the shifts), scan_code_registration
(shift registers no longer typed by hand), ban_forced_assignments, strip_non_autonomous (labour drives go back to
the agencies); rest_rights protects rest days from non-emergency shifts.
"""

from __future__ import annotations

import numpy as np

from .. import compiled


class TownshipOffice:
    def __init__(self, model):
        self.model = model
        st = model.structure
        self.campaigns = self._plan_campaigns()
        # the campaigns running on each day (those begun no more than campaign_days before), in the order planned:
        # known from the plan, so found once rather than among all of them each day
        self._running: dict[int, list[int]] = {}
        for i, (_t, start, _d, _e) in enumerate(self.campaigns):
            for day in range(start, start + model.cfg.extra_duties.campaign_days):
                self._running.setdefault(day, []).append(i)
        self._roster = np.zeros(st.n_townships, dtype=np.int64)  # whose turn it is for the next shift
        self._rng_shifts = model.streams["extra_duties"]
        self._rng_assignments = model.streams["forced_assignments"]

    def _plan_campaigns(self) -> list[tuple[int, int, int, bool]]:
        """Temporary campaigns per township: (township, start day, department, emergency)."""
        m = self.model
        rng = m.streams["campaigns"]
        ex = m.cfg.extra_duties
        out = []
        for t in range(m.structure.n_townships):
            n = rng.poisson(ex.campaigns_per_year * m.days / 364.0)
            starts = np.sort(rng.integers(0, m.days, size=n))
            depts = rng.integers(m.structure.n_departments, size=n)
            emergency = rng.random(n) < ex.emergency_share
            out += [(t, int(s), int(d), bool(e)) for s, d, e in zip(starts, depts, emergency)]
        return out

    def campaign_shifts(self) -> None:
        m = self.model
        ex, cal = m.cfg.extra_duties, m.calendar
        rng = self._rng_shifts
        fid = m.fidelity
        staff_hours = 0.0
        running = self._running.get(m.day)   # the campaigns running today, in the order they were planned
        if not running:
            return
        n = ex.shifts_per_day_per_township
        shifts = np.arange(n)
        register_by = cal.deadline(cal.next_workday(m.day + 1))   # the registers are typed by the next working day
        for i in running:
            t, _start, dept, emergency = self.campaigns[i]
            rf = fid.rule("resources_follow_tasks", dept)
            scan = fid.rule("scan_code_registration", t)
            reg_share = 1.0 if scan is None else scan.residual_registration_share
            cadres = m.cadres.of_township[t]
            staffed = rng.random(n) < (0.0 if rf is None else rf.staffed_share)
            rostered = cadres[(self._roster[t] + shifts) % len(cadres)]
            self._roster[t] += n
            rest_day = cal.is_protected and fid.applies("rest_rights", t) and not emergency
            by_department = staffed | rest_day
            staff_hours += by_department.sum() * ex.shift_hours * m.cfg.department_hours.staff_hours_per_shift_share
            on_duty = rostered[~by_department]
            m.ledger.add_appointment(on_duty, "extra_duties", ex.shift_hours, m.day)
            m.accounts.removed("resources_follow_tasks", rostered[staffed], ex.shift_hours)
            if rest_day:
                m.accounts.removed("rest_rights", rostered[~staffed], ex.shift_hours)
            # every shift's paper register is typed into the departments' forms by the township's cadres
            reg = ex.registration_hours_per_shift * reg_share
            if reg > 0:
                m.ledger.add_due(rostered, "extra_duties", reg, register_by)
            if scan is not None:
                m.accounts.removed("scan_code_registration", rostered,
                                   ex.registration_hours_per_shift - reg)
        m.department_hours_today += staff_hours

    def forced_assignments(self) -> None:
        m = self.model
        fa = m.cfg.forced_assignments
        rng = self._rng_assignments
        for t in range(m.structure.n_townships):
            n = compiled.draws.poisson(rng, fa.per_month * 12.0 / 364.0)   # rng.poisson(mean), without its call cost
            if not n:   # most days (nothing of size 0 is drawn: the stream stays in step)
                continue
            ban = m.fidelity.rule("ban_forced_assignments", t)
            strip = m.fidelity.rule("strip_non_autonomous", t)
            labour = rng.random(n) < fa.labour_share
            leak = rng.random(n)
            cadres = m.cadres.of_township[t]
            for lab, u in zip(labour, leak):
                if lab and strip is not None and strip.return_labour:
                    # machine cadres take the sweeping themselves (创文创卫 led by the agencies)
                    m.department_hours_today += fa.hours_per_assignment * len(cadres)
                    m.accounts.removed("strip_non_autonomous", cadres, fa.hours_per_assignment)
                    continue
                if (not lab) and ban is not None and u >= ban.residual_share:
                    m.accounts.removed("ban_forced_assignments", cadres, fa.hours_per_assignment)
                    continue
                deadline = m.calendar.deadline(m.day + fa.deadline_days)
                m.ledger.add_due(cadres, "forced_assignments", fa.hours_per_assignment, deadline)
