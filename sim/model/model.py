"""The grassroots-workload model: one county's departments, townships, villages, cadres and households.

One step is one calendar day; ``step`` reads as the day's order. Each reform acts inside the office or process it
changes (``offices/``), reached as a typed attribute of the config (``cfg.reform.one_form`` is None when off), so a
misspelt reform is an error, never a silent "off". See ``docs/ODD.md`` for the full description.
"""

from __future__ import annotations

import mesa
import numpy as np

from ..config import Config, validate
from . import reporters
from .accounts import ReformAccounts
from .agents import Cadres, DemandSeen, Department, Households
from .calendar import Calendar
from .fidelity import Fidelity
from .networks import build_structure
from .offices.accountability import Accountability
from .offices.assessment import AssessmentOffice
from .offices.chat import ChatOffice
from .offices.data import DataOffice
from .offices.documents import DocumentOffice
from .offices.duties import DutyOffice
from .offices.hotline import Hotline
from .offices.meetings import MeetingOffice
from .offices.service_desk import ServiceDesk
from .offices.township import TownshipOffice
from .streams import Streams
from .tally import Tally
from .workload import WorkLedger


class GrassrootsModel(mesa.Model):
    """Build from a checked config (``sim.config.load_config``; a composed config is checked here first)."""

    def __init__(self, cfg: Config):
        self.cfg = cfg = validate(cfg)
        # every draw comes from the named streams (one per process of the model, common random numbers); Mesa's
        # own generators are seeded too but nothing draws from them (a test checks it)
        super().__init__(rng=cfg.seed)
        self.seed = cfg.seed
        self.streams = Streams(cfg.seed)
        rest = cfg.reform.rest_rights
        # the warm-up runs before calendar.start_date; the measured `scenario.days` start on it
        self.warmup_days = int(cfg.scenario.warmup_days)
        self.days = self.warmup_days + cfg.scenario.days   # simulated in all
        self.calendar = Calendar(cfg.calendar.start_date, self.days, first_day=-self.warmup_days,
                                 protected_days_per_week=0 if rest is None else rest.min_days_off_per_week)
        # every figure the summary adds up is recorded by day, so the summary leaves the warm-up out
        self.tally = Tally(self.days, self.warmup_days)
        self.structure = build_structure(cfg, self.streams["network"])
        self.fidelity = Fidelity(self)         # which departments and townships apply each reform

        self.demand_seen = DemandSeen(len(cfg.departments))  # what departments notice their requests cost
        for d, spec in enumerate(cfg.departments):
            Department(self, d, spec)
        self.departments = self.agents_by_type[Department]  # Mesa's AgentSet, in the configs' order
        self.ledger = WorkLedger(self.structure.n_cadres, self.days, self.tally)
        self.accounts = ReformAccounts(self)   # hours reforms removed, and what departments asked back
        # county departments' own hours, by day (inspections book theirs ahead)
        self.department_hours = np.zeros(self.days + 64)
        self.department_hours_today = 0.0
        self.documents = DocumentOffice(self)
        self.meetings = MeetingOffice(self)
        self.data = DataOffice(self)
        self.assessment = AssessmentOffice(self)
        self.duties = DutyOffice(self)
        self.cadres = Cadres(self)
        self.households = Households(self)
        self.township = TownshipOffice(self)
        self.chat = ChatOffice(self, [(t, s, d) for (t, s, d, _e) in self.township.campaigns])
        self.service = ServiceDesk(self)
        self.hotline = Hotline(self)
        self.accountability = Accountability(self)
        self.after_hours_today = np.zeros(self.structure.n_cadres)
        self.datacollector = reporters.DailyRecord(model_reporters=reporters.MODEL_REPORTERS)

    @property
    def day(self) -> int:
        """Today's index while a day is simulated; after ``step()`` or ``run_for(n)``, the days done."""
        return self.calendar.day

    @property
    def reforms(self) -> list[str]:
        return self.cfg.reform.enabled()

    def department_hours_at(self, day: int, hours: float) -> None:
        if day < len(self.department_hours):
            self.department_hours[day] += hours

    # ---- one day ------------------------------------------------------------------------------------------------
    def step(self) -> None:
        if self.day >= self.days:
            raise RuntimeError(f"the run is over: all {self.days} days (warm-up included) were simulated")
        self.ledger.today = self.tally.today = self.day
        self.department_hours_today = 0.0

        self.fidelity.review_and_lapse()     # some lapse from the reforms; the review finds some and puts them back
        self.departments.do("step")          # documents, meetings, reports, inspections, duties sent down
        if self.calendar.is_monday:
            self.assessment.weekly_ledgers()
            self.data.weekly()
            self.meetings.township_weekly()
            self.households.talk()         # word of mouth: views of the service travel over residents' ties
        self.township.campaign_shifts()
        self.township.forced_assignments()
        self.assessment.announce_assessments()   # single_assessor's comprehensive assessments, a week ahead
        findings = self.assessment.hold_visits()
        self.assessment.emergency_inspections()
        self.assessment.satisfaction_survey()
        chat_hours, self.after_hours_today = self.chat.deliver()
        self.service.take_requests()
        plan = self.cadres.plan_day(chat_hours)
        self.service.serve(plan)
        self.service.residents_act()         # residents past their patience call 12345, give up or come back
        self.accountability.update(plan.overdue + self.hotline.overdue_hours(), findings)
        self.cadres.end_day(plan)
        self.demand_seen.take_stock(self)    # what their requests cost now: they ask more of what became cheap
        self.accounts.close_day(self.cadres.idle_today)

        self.department_hours[self.day] += self.department_hours_today
        self.datacollector.collect(self)
        self.ledger.advance()
        self.calendar.day += 1
        self.running = self.day < self.days

    def run(self) -> "GrassrootsModel":
        """Simulate the days that remain."""
        if self.day < self.days:
            self.run_for(self.days - self.day)
        return self

    def series(self, name: str) -> np.ndarray:
        """A reporter's record so far as an array: [days, townships] (or [days] for a county figure)."""
        values = self.datacollector.model_vars[name]
        if values:
            first = values[0]
            if isinstance(first, np.ndarray) and first.ndim == 1 and set(map(len, values)) == {len(first)}:
                # one array a day, each one township's figures: joined end to end (np.concatenate refuses any
                # that is not one-dimensional) in a third of the time np.asarray takes to look into each; the
                # same numbers, of the same dtype
                return np.concatenate(values).reshape(len(values), len(first))
            return np.asarray(values)
        return np.zeros((0, self.structure.n_townships)) if name in reporters.TOWNSHIP_REPORTERS else np.zeros(0)
