"""Documents (文件): read, relayed to villages and implemented by the cadres on a department's line."""

from __future__ import annotations


class DocumentOffice:
    def __init__(self, model):
        self.model = model

    def deliver(self, dept, n_implement: int, relay: bool) -> None:
        m, cfg = self.model, self.model.cfg.documents
        hours = cfg.read_hours + n_implement * cfg.implement_hours
        deadline = m.calendar.deadline(m.day + cfg.deadline_days)
        m.ledger.add_due(dept.township_line, "documents", hours, deadline)
        if relay:
            m.ledger.add_due(dept.village_line, "documents", hours, deadline)
        m.department_hours_today += m.cfg.department_hours.drafting_hours_per_document
