"""Duties pushed down the line (属地管理): who ends up doing them, and in how many hours."""

from __future__ import annotations


class DutyOffice:
    """Duties pushed down (属地管理): who ends up doing them, and in how many hours."""

    def __init__(self, model):
        self.model = model

    def push(self, dept, category: str, village_level: bool, non_autonomous: bool) -> None:
        m, cfg = self.model, self.model.cfg.pushed_down
        rl = m.cfg.reform.responsibility_list
        nb = m.cfg.reform.no_blame_shifting
        strip = m.cfg.reform.strip_non_autonomous
        st = m.structure
        recipients = dept.village_line if village_level else dept.township_line
        units = st.n_villages if village_level else st.n_townships
        per_cadre_share = 1.0 if village_level else 1.0 / dept.liaisons_per_township
        h = cfg.hours_per_task
        dept_share = 0.0
        if (rl is not None and rl.refuse_returned and category == "returned") or (
            strip is not None and strip.return_errands and non_autonomous
        ):
            dept_share = 1.0
        elif nb is not None and category == "shared":
            dept_share = 1.0 - nb.cadre_share_of_shared
        m.department_hours_today += h * dept_share * units * cfg.department_efficiency
        if dept_share < 1.0:
            deadline = m.calendar.deadline(m.day + cfg.deadline_days)
            m.ledger.add_due(recipients, "pushed_down", h * (1.0 - dept_share) * per_cadre_share, deadline)
