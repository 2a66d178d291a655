"""Meetings (会议): attended with travel; meeting_list cuts, joins and shortens them."""

from __future__ import annotations

import numpy as np


class MeetingOffice:
    """Departments' meetings with the cadres on their lines, and the township's own weekly meeting."""

    def __init__(self, model):
        self.model = model
        self.joint: dict[tuple, set] = {}

    def request(self, dept, topic: int, necessary: bool, villages: bool, lead: int) -> None:
        m, cfg = self.model, self.model.cfg.meetings
        ml = m.fidelity.rule("meeting_list", dept.index)
        acc = m.accounts
        town = dept.township_line
        vill = dept.village_line if villages else np.zeros(0, dtype=np.int64)
        full_town = cfg.duration_hours + cfg.travel_hours_county      # what one attendance costs without the list
        full_vill = cfg.duration_hours + cfg.travel_hours_township
        if ml is not None and ml.cut_unnecessary and not necessary:
            acc.removed("meeting_list", town, full_town, dept.index, "meetings")
            acc.removed("meeting_list", vill, full_vill, dept.index, "meetings")
            if acc.comes_back():
                # held anyway as a video call (视频会议): no travel, and it still takes the afternoon
                with acc.rebound():
                    day = m.calendar.next_workday(m.day + lead)
                    m.ledger.add_appointment(np.concatenate([town, vill]), "meetings", cfg.duration_hours, day)
            return
        duration = cfg.duration_hours if ml is None else min(cfg.duration_hours, ml.max_duration_hours)
        if ml is not None and ml.joint_meetings:
            day = m.calendar.next_weekday(m.day + lead, m.calendar.WEDNESDAY)  # one joint day a week: requests merge
            key = (dept.field, topic, day)
            booked = self.joint.get(key)
            if booked is None:
                booked = self.joint[key] = set()
                m.department_hours_today += cfg.organiser_hours
            joined_town = np.array([c for c in town if c in booked], dtype=np.int64)
            joined_vill = np.array([c for c in vill if c in booked], dtype=np.int64)
            acc.removed("meeting_list", joined_town, full_town, dept.index, "meetings")
            acc.removed("meeting_list", joined_vill, full_vill, dept.index, "meetings")
            town = np.array([c for c in town if c not in booked], dtype=np.int64)
            vill = np.array([c for c in vill if c not in booked], dtype=np.int64)
            booked.update(town.tolist())
            booked.update(vill.tolist())
        else:
            day = m.calendar.next_workday(m.day + lead)
            m.department_hours_today += cfg.organiser_hours
        if duration < cfg.duration_hours:
            acc.removed("meeting_list", np.concatenate([town, vill]), cfg.duration_hours - duration, dept.index,
                        "meetings")
        m.ledger.add_appointment(town, "meetings", duration + cfg.travel_hours_county, day)
        m.ledger.add_appointment(vill, "meetings", duration + cfg.travel_hours_township, day)
        acc.spent(dept.index, "meetings", town, duration + cfg.travel_hours_county)
        acc.spent(dept.index, "meetings", vill, duration + cfg.travel_hours_township)

    def township_weekly(self) -> None:
        """The township's own Monday meeting, every cadre attending."""
        m, hours = self.model, self.model.cfg.meetings.township_weekly_hours
        if hours > 0:
            m.ledger.add_appointment(np.arange(m.structure.n_cadres), "meetings", hours, m.day)
