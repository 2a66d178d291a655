"""Duties pushed down the line (属地管理): who ends up doing them, and in how many hours."""

from __future__ import annotations

import numpy as np


class DutyOffice:
    """Duties pushed down (属地管理): who ends up doing them, and in how many hours.

    Reforms acting here: responsibility_list (a township refuses a duty its list returns to higher levels: the
    department does it), strip_non_autonomous (a township hands departments' errands back), no_blame_shifting (the
    department leads a shared duty, the cadre notifies and cooperates). A refused duty can come back under another
    name, relabelled as shared (rebound).
    """

    def __init__(self, model):
        self.model = model

    def push(self, dept, category: str, village_level: bool, non_autonomous: bool, recipients=None) -> None:
        m, cfg = self.model, self.model.cfg.pushed_down
        fid, st = m.fidelity, m.structure
        m.tally.add(f"duties_pushed/{category}", 1)
        rl = m.cfg.reform.responsibility_list
        strip = m.cfg.reform.strip_non_autonomous
        nb = fid.rule("no_blame_shifting", dept.index)
        if recipients is None:
            recipients = dept.village_line if village_level else dept.township_line
        per_cadre_share = 1.0 if village_level else 1.0 / dept.liaisons_per_township
        h = cfg.hours_per_task
        hands_back = strip is not None and strip.return_errands and non_autonomous
        lists_it = rl is not None and rl.refuse_returned and category == "returned"
        shared = nb is not None and category == "shared"
        if not (hands_back or lists_it or shared):
            # no reform touches this duty: the recipients owe all of it (what the shares below come to)
            self._owe(dept, recipients, h * per_cadre_share)
            return
        township = st.cadre_township[recipients]
        # per recipient: handed back whole by its township (a list or the stripping of errands), or shared
        stripped = np.zeros(len(recipients), dtype=bool)
        refused = np.zeros(len(recipients), dtype=bool)
        if hands_back:
            stripped = fid.mask("strip_non_autonomous")[township]
        if lists_it:
            refused = fid.mask("responsibility_list")[township] & ~stripped
        dept_share = (stripped | refused).astype(np.float64)
        if shared:
            dept_share = np.where(stripped | refused, 1.0, 1.0 - nb.cadre_share_of_shared)
        m.department_hours_today += h * float((dept_share * per_cadre_share).sum()) * cfg.department_efficiency
        acc = m.accounts
        for reform, who in (("strip_non_autonomous", stripped), ("responsibility_list", refused),
                            ("no_blame_shifting", np.full(len(recipients), shared) & ~(stripped | refused))):
            if who.any():
                acc.removed(reform, recipients[who], h * dept_share[who] * per_cadre_share, dept.index, "pushed_down")
        handed_back = stripped | refused
        if handed_back.any() and acc.comes_back():
            # sent down again as a "shared" duty the grassroots must cooperate on (换个名目)
            with acc.rebound():
                self.push(dept, "shared", village_level, False, recipients[handed_back])
        if not (dept_share >= 1.0).all():
            self._owe(dept, recipients, h * (1.0 - dept_share) * per_cadre_share)

    def _owe(self, dept, recipients, hours) -> None:
        """The recipients owe these hours (one figure each, or one for all) by the duties' deadline."""
        m = self.model
        deadline = m.calendar.deadline(m.day + m.cfg.pushed_down.deadline_days)
        m.ledger.add_due(recipients, "pushed_down", hours, deadline)
        m.accounts.spent(dept.index, "pushed_down", recipients, hours)
