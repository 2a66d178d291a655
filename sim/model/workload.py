"""What a cadre owes: fixed appointments on a day, and work with a deadline.

The Standard Cost Model counts burden as time per occurrence x occurrences; here every occurrence a driver
generates (a document, a meeting, a report request, ...) becomes hours owed by particular cadres, either as an
appointment on a given day (meetings, inspections, checkpoint shifts) or as work due by a deadline (reading and
implementing documents, filling forms, keeping ledgers, pushed-down duties, assignments). The cadre's daily
decision (``sim/workday.py``) then turns what is owed into hours spent.
"""

from __future__ import annotations

import numpy as np

# the compiled module itself, not through `compiled` (which imports the day rule, which imports this module's
# constants); `compiled` checks it against its source like the others
from . import scatter

# The activities of the brief's workload table, in the order reports show them.
ACTIVITIES = (
    "documents",
    "meetings",
    "data_reports",
    "ledgers",
    "inspections",
    "chat",
    "certificates",
    "pushed_down",
    "extra_duties",
    "forced_assignments",
    "defensive_paperwork",
    "service",
)
A = {name: i for i, name in enumerate(ACTIVITIES)}
ADMIN = tuple(a for a in ACTIVITIES if a != "service")
ADMIN_COLUMNS = np.array([A[a] for a in ADMIN])

# Work with a deadline, in the order it is done when deadlines tie.
DEADLINE_ACTIVITIES = ("documents", "data_reports", "ledgers", "pushed_down", "extra_duties", "forced_assignments")
DL = {name: i for i, name in enumerate(DEADLINE_ACTIVITIES)}
# Appointments: fixed in the calendar.
APPOINTMENT_ACTIVITIES = ("meetings", "inspections", "extra_duties")
AP = {name: i for i, name in enumerate(APPOINTMENT_ACTIVITIES)}

HORIZON = 32  # days of deadlines kept ahead; a later deadline is treated as due on the horizon's last day


def per_cadre(hours, cadres: np.ndarray) -> np.ndarray:
    """`hours` as one float figure per cadre of `cadres` (one figure for all of them is repeated)."""
    h = np.asarray(hours, dtype=np.float64)
    shape = cadres.shape if type(cadres) is np.ndarray else np.shape(cadres)
    return h if h.shape == shape else np.full(shape, h)


class WorkLedger:
    """Hours owed per cadre: ``due[c, a, k]`` is work of activity ``a`` due ``k`` days from today (k=0: today or
    overdue); ``appointments[c, a, day]`` is fixed time on a calendar day (``emergency`` marks the part that rest
    rights do not stop). While ``rebounding`` is set (``accounts.ReformAccounts.rebound``), the hours added are
    what departments asked for in response to reforms, and the tally counts them as ``rebound_hours``."""

    def __init__(self, n_cadres: int, days: int, tally=None):
        self.n_cadres = n_cadres
        self.tally = tally
        self.rebounding = False
        self.due = np.zeros((n_cadres, HORIZON, len(DEADLINE_ACTIVITIES)), dtype=np.float64)
        # due[:, k, a] for every k and a, made once: a request books into one of them (the ledger is only ever
        # changed in place, so they stay its views)
        self._due_cells = [[self.due[:, k, a] for a in range(len(DEADLINE_ACTIVITIES))] for k in range(HORIZON)]
        self.appointments = np.zeros((len(APPOINTMENT_ACTIVITIES), days + HORIZON + 1, n_cadres), dtype=np.float64)
        self.meeting_count = np.zeros((days + HORIZON + 1, n_cadres), dtype=np.int16)
        self.today = 0
        self.owed_until = 1  # due[:, owed_until:] holds nothing (the day rule leaves the empty horizon alone)
        self.rebound_today = np.zeros(n_cadres)  # hours asked as rebound today, per cadre

    def add_due(self, cadres, activity: str, hours, deadline_day: int) -> None:
        # days ahead, within the horizon (conditionals, not min and max: some 10-15 requests a day book here)
        k = int(deadline_day) - self.today
        k = 0 if k < 0 else (k if k < HORIZON else HORIZON - 1)
        scatter.add_at(self._due_cells[k][DL[activity]], cadres, hours)
        if k >= self.owed_until:
            self.owed_until = k + 1
        if self.rebounding:
            self._count_rebound(cadres, hours)

    def add_appointment(self, cadres, activity: str, hours, day: int) -> None:
        if day >= self.appointments.shape[1]:
            return
        scatter.add_at(self.appointments[AP[activity], day], cadres, hours)
        if activity == "meetings":
            scatter.count_at(self.meeting_count[day], cadres)
        if self.rebounding:
            self._count_rebound(cadres, hours)

    def _count_rebound(self, cadres, hours) -> None:
        if self.tally is not None:
            cadres = np.asarray(cadres, dtype=np.int64)
            h = per_cadre(hours, cadres)
            self.tally.add("rebound_hours", float(h.sum()))
            scatter.add_at(self.rebound_today, cadres, h)

    def advance(self) -> None:
        """Move to the next day: what was due today and not done stays due (overdue) at k=0."""
        if self.tally is not None and self.rebound_today.any():
            self.tally.add_per_cadre("rebound_hours", self.rebound_today)
            self.rebound_today[:] = 0.0
        k = self.owed_until   # beyond it the horizon is empty: only the owed part moves
        scatter.shift_owed(self.due, k)   # a day nearer; today's overdue added to tomorrow's (compiled: one pass)
        self.owed_until = max(k - 1, 1)
        self.today += 1
