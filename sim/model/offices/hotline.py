"""The 12345 hotline (接诉即办): residents' calls come back to the township as supervised tasks (督办).

A resident who calls has the request taken by the county's 12345 centre (department hours), dispatched to the
township with a deadline - the handling limit of its kind (general requests 7 days, complex 15: Beijing 12345
rules) - and followed up with a call to the resident. The township queues it for the resident's village with the
liaison (包村干部) first; answering the hotline adds ``service.supervised_reply_hours``. Work still open past its
deadline is overdue and, like any overdue work, raises the blame risk of the cadre whose grid holds the household
(网格化管理: the grid cadre answers for the grid).
"""

from __future__ import annotations

import numpy as np

from .. import queues  # the compiled module itself (as service_desk imports it)
from .service_desk import SUPERVISED


class Hotline:
    def __init__(self, model):
        self.model = model

    def receive(self, ids: np.ndarray) -> None:
        """Take the calls about requests `ids` and send them back to their townships as supervised tasks."""
        if not len(ids):
            return
        m = self.model
        desk, book = m.service, m.service.book
        village = book.queue[ids] % desk.n_villages
        book.queue[ids] = SUPERVISED * desk.n_villages + village
        book.escalated[ids] = m.day
        book.deadline[ids] = m.day + desk.limit_days[book.kind[ids]]
        book.remaining[ids] += m.cfg.service.supervised_reply_hours
        book.work[ids] += m.cfg.service.supervised_reply_hours
        book.patience_until[ids] = np.inf  # the hotline follows the matter up from here
        m.households.called_hotline(book.household[ids])
        m.department_hours_today += len(ids) * m.cfg.department_hours.hotline_minutes_per_request / 60.0
        m.tally.add("requests_escalated", len(ids))

    def overdue_hours(self) -> np.ndarray:
        """Per cadre: hours of supervised work past its deadline, on the grid cadre of the household."""
        m = self.model
        book = m.service.book
        late, hours = queues.overdue_supervised(book.open_ids, book.escalated, book.deadline, m.day, book.household,
                                                m.households.cadre, book.remaining, m.structure.n_cadres)
        m.tally.add("supervised_overdue_tasks", late)
        return hours
