"""Meetings (会议): attended with travel; meeting_list cuts, joins and shortens them."""

from __future__ import annotations

import numpy as np


class MeetingOffice:
    """Departments' meetings with the cadres on their lines, and the township's own weekly meeting."""

    def __init__(self, model):
        self.model = model
        self.reform = model.cfg.reform.meeting_list
        self.joint: dict[tuple, set] = {}

    def request(self, dept, topic: int, necessary: bool, villages: bool, lead: int) -> None:
        m, cfg = self.model, self.model.cfg.meetings
        ml = self.reform
        if ml is not None and ml.cut_unnecessary and not necessary:
            return
        duration = cfg.duration_hours if ml is None else min(cfg.duration_hours, ml.max_duration_hours)
        town = dept.township_line
        vill = dept.village_line if villages else np.zeros(0, dtype=np.int64)
        if ml is not None and ml.joint_meetings:
            day = m.calendar.next_weekday(m.day + lead, m.calendar.WEDNESDAY)  # one joint day a week: requests merge
            key = (dept.field, topic, day)
            booked = self.joint.get(key)
            if booked is None:
                booked = self.joint[key] = set()
                m.department_hours_today += cfg.organiser_hours
            town = np.array([c for c in town if c not in booked], dtype=np.int64)
            vill = np.array([c for c in vill if c not in booked], dtype=np.int64)
            booked.update(town.tolist())
            booked.update(vill.tolist())
        else:
            day = m.calendar.next_workday(m.day + lead)
            m.department_hours_today += cfg.organiser_hours
        m.ledger.add_appointment(town, "meetings", duration + cfg.travel_hours_county, day)
        m.ledger.add_appointment(vill, "meetings", duration + cfg.travel_hours_township, day)

    def township_weekly(self) -> None:
        """The township's own Monday meeting, every cadre attending."""
        m, hours = self.model, self.model.cfg.meetings.township_weekly_hours
        if hours > 0:
            m.ledger.add_appointment(np.arange(m.structure.n_cadres), "meetings", hours, m.day)
