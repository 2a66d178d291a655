"""Documents (文件): read, relayed to villages and implemented by the cadres on a department's line."""

from __future__ import annotations

import numpy as np


class DocumentOffice:
    def __init__(self, model):
        self.model = model

    def hours(self, n_implement: int) -> float:
        """What one document costs each cadre who gets it: reading, and a round of implementation per part that
        asks for action."""
        cfg = self.model.cfg.documents
        return cfg.read_hours + n_implement * cfg.implement_hours

    def recipients(self, dept, relay: bool) -> np.ndarray:
        return dept.both_lines if relay else dept.township_line

    def deliver(self, dept, n_implement: int, relay: bool) -> None:
        m, cfg = self.model, self.model.cfg.documents
        hours = self.hours(n_implement)
        deadline = m.calendar.deadline(m.day + cfg.deadline_days)
        recipients = self.recipients(dept, relay)
        m.ledger.add_due(recipients, "documents", hours, deadline)
        m.accounts.spent(dept.index, "documents", recipients, hours)
        m.department_hours_today += m.cfg.department_hours.drafting_hours_per_document
