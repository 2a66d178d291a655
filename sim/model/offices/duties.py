"""Duties pushed down the line (属地管理): who ends up doing them, and in how many hours."""

from __future__ import annotations


class DutyOffice:
    """Duties pushed down (属地管理): who ends up doing them, and in how many hours.

    Reforms acting here: responsibility_list (a duty the list returns to higher levels may be refused: the
    department does it), no_blame_shifting (the department leads a shared duty, the cadre notifies and
    cooperates), strip_non_autonomous (departments' errands go back to them). A refused duty can come back under
    another name, relabelled as shared (rebound).
    """

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
        dept_share, reform = 0.0, None
        if strip is not None and strip.return_errands and non_autonomous:
            dept_share, reform = 1.0, "strip_non_autonomous"
        elif rl is not None and rl.refuse_returned and category == "returned":
            dept_share, reform = 1.0, "responsibility_list"
            if m.accounts.comes_back():
                # sent down again as a "shared" duty the grassroots must cooperate on (换个名目)
                with m.accounts.rebound():
                    self.push(dept, "shared", village_level, non_autonomous)
        elif nb is not None and category == "shared":
            dept_share, reform = 1.0 - nb.cadre_share_of_shared, "no_blame_shifting"
        m.department_hours_today += h * dept_share * units * cfg.department_efficiency
        if reform is not None:
            m.accounts.removed(reform, recipients, h * dept_share * per_cadre_share, dept.index, "pushed_down")
        if dept_share < 1.0:
            deadline = m.calendar.deadline(m.day + cfg.deadline_days)
            hours = h * (1.0 - dept_share) * per_cadre_share
            m.ledger.add_due(recipients, "pushed_down", hours, deadline)
            m.accounts.spent(dept.index, "pushed_down", recipients, hours)
