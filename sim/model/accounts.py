"""Where the hours reforms free go: what each removed or cheapened obligation would have cost, and what came back.

The office that removes or cheapens an obligation records, at that moment, the hours it would have cost the
cadres without the reform (``removed``): a meeting not held, a document merged, a form whose fields fill
themselves, a ledger set nobody asks for. Requests departments add in response (rebound, ``Department``) are
booked while ``rebounding`` is set, so their hours count as ``rebound_hours`` and whatever a reform then removes
from them is not counted as removed (they never existed without the reform). Paired with the baseline run, these
records split the gross hours removed into what rebound absorbed, what went to residents, what was given back as
rest and what other paperwork took (``sim.experiments.decompose``).

Departments read their own rows (hours their requests cost the cadres, and hours removed from them, by channel)
to see what reforms made cheap; the county reads each township's removed hours to see the slack reforms made.
"""

from __future__ import annotations

import numpy as np

from . import scatter

# what a department asks of the grassroots, by the channel it asks through (a department's demand responds per
# channel: cheaper forms invite more forms, not more meetings)
CHANNELS = ("documents", "meetings", "data_reports", "inspections", "pushed_down")
CH = {name: i for i, name in enumerate(CHANNELS)}


class ReformAccounts:
    def __init__(self, model):
        self.model = model
        st = model.structure
        self.rebounding = False
        self.recording = bool(model.reforms)  # nothing is removed without a reform
        # departments watch what their requests cost only when something can change it (a reform) and they respond
        self.watching = model.cfg.rebound.elasticity > 0 and bool(model.reforms)
        D, T = st.n_departments, st.n_townships
        self.spent_today = np.zeros((D, len(CHANNELS)))    # hours departments' requests cost the cadres today
        self.removed_today = np.zeros((D, len(CHANNELS)))  # hours reforms removed from those requests today
        self.removed_by_township_today = np.zeros(T)
        # per cadre (the summary's figures by role): all hours removed, and those that would have served residents
        self.removed_by_cadre_today = np.zeros(st.n_cadres)
        self.service_removed_by_cadre_today = np.zeros(st.n_cadres)
        self._cadre_township = st.cadre_township.astype(np.int64)   # as the accounts' compiled additions read it
        # what the county sees of the slack reforms made: idle regular hours per cadre and working day, and hours
        # removed net of rebound, both smoothed over rebound.lag_days
        self.idle_seen = 0.0
        self.freed_seen = 0.0
        # elasticity x the visible slack x cadres / departments: each department's part of the new tasks the slack
        # draws, in hours (``Department.tasks_for_slack``), reckoned when the slack is
        self.slack_hours_per_department = 0.0
        self._traces = model.streams["rebound/traces"]
        self._removed_key: dict[str, str] = {}   # each reform's record in the tally

    def rebound(self) -> _Rebound:
        """``with accounts.rebound():`` books what is asked inside the block as rebound: the ledger counts its hours
        as ``rebound_hours``."""
        return _Rebound(self)

    def removed(self, reform: str, cadres, hours, dept: int | None = None, channel: str | None = None,
                service: bool = False) -> None:
        """`hours` (per cadre of `cadres`, or one figure for all of them) that `reform` removed from what these
        cadres would otherwise owe. Negative when a reform makes an obligation dearer (a merged document relayed
        to villages that one of its parts would not have reached). `service`: the hours would have been spent
        serving residents (a matter residents' organisations now settle), not on administration."""
        if self.rebounding or not self.recording:
            return
        # the total (a sum of nothing is 0.0: removed from nobody, as a joint meeting nobody had joined yet), then,
        # unless it is 0.0, each cadre's hours added to the cadres' and townships' figures (one compiled call)
        total = scatter.book_removed(cadres, hours, self.removed_by_cadre_today, self.removed_by_township_today,
                                     self._cadre_township, self.service_removed_by_cadre_today if service else None)
        if total == 0.0:
            return
        key = self._removed_key.get(reform)
        if key is None:
            key = self._removed_key[reform] = f"hours_removed/{reform}"
        tally = self.model.tally
        tally.add("hours_removed_by_reforms", total)
        tally.add(key, total)
        if service:
            tally.add("service_hours_removed_by_reforms", total)
        if dept is not None:
            self.removed_today[dept, CH[channel]] += total

    def spent(self, dept: int, channel: str, cadres, hours) -> None:
        """What a department's usual request costs the cadres (hours owed), as it is sent. What it asks as rebound
        is left out, so cost / (cost + removed) is the cost of a request against what it would have cost."""
        if self.rebounding or not self.watching:
            return
        # the hours summed over the cadres (one figure for all of them, or one each), as numpy sums them
        self.spent_today[dept, CH[channel]] += scatter.total(cadres, hours)

    def comes_back(self) -> bool:
        """Whether an obligation a reform removed outright reappears under another name (a "trace": a research
        visit for a folded inspection, photos for a ledger nobody asks for, a video call for a cut meeting). At
        elasticity e a unit fall in cost brings back e of it; an item removed outright comes back with chance e."""
        e = self.model.cfg.rebound.elasticity
        return e > 0 and bool(self._traces.random() < e)

    @property
    def visible_slack(self) -> float:
        """Hours per cadre and working day that reforms freed, nobody claimed back and the cadres leave idle: the
        idle time the status quo already had is what departments' usual demand was set against."""
        return min(self.idle_seen, max(self.freed_seen, 0.0))

    def close_day(self, idle_hours: np.ndarray) -> None:
        """End of day: the county's smoothed view of the slack, then a clean page for tomorrow."""
        m = self.model
        if m.calendar.is_workday and self.watching:
            a = 7.0 / (5.0 * m.cfg.rebound.lag_days)  # smoothing per working day
            C = len(idle_hours)
            freed = (self.removed_by_township_today.sum() - m.tally.on("rebound_hours", m.day)) / C
            self.idle_seen += a * (float(idle_hours.mean()) - self.idle_seen)
            self.freed_seen += a * (freed - self.freed_seen)
            e, slack, st = m.cfg.rebound.elasticity, self.visible_slack, m.structure
            self.slack_hours_per_department = e * slack * st.n_cadres / st.n_departments if slack > 0 else 0.0
        if self.recording:
            m.tally.add_per_cadre_each((("hours_removed_by_reforms", self.removed_by_cadre_today),
                                        ("service_hours_removed_by_reforms", self.service_removed_by_cadre_today)))
            self.removed_by_cadre_today[:] = 0.0
            self.service_removed_by_cadre_today[:] = 0.0
        self.spent_today[:] = 0.0
        self.removed_today[:] = 0.0
        self.removed_by_township_today[:] = 0.0


class _Rebound:
    """The block of ``ReformAccounts.rebound``: a class rather than ``contextlib.contextmanager``, whose generator
    cost several times as much, and every department enters it every working day a reform is on."""

    __slots__ = ("accounts", "before")

    def __init__(self, accounts: ReformAccounts):
        self.accounts = accounts

    def __enter__(self) -> None:
        a = self.accounts
        self.before = a.rebounding
        a.rebounding = a.model.ledger.rebounding = True

    def __exit__(self, *exc) -> None:
        a = self.accounts
        a.rebounding = a.model.ledger.rebounding = self.before
