"""The actors: county departments are Mesa agents; cadres and households are vectorised populations.

Departments carry the behaviour that generates work: each day a department issues documents, convenes meetings,
asks its data systems for reports, requests inspections of townships and pushes duties down its line. What a
department sends goes to the cadres on its line (the hierarchy network), through the model's offices, which is
where reforms such as joint meetings, a single assessor or a shared data pool change what arrives.

Cadres (a few hundred to a thousand) and households (up to hundreds of thousands) are agents of the model in the
ODD sense, held as arrays: their daily rule is applied to all of them at once (``workday.py`` for cadres), which is
the same rule a loop over agent objects would apply, at county speed.
"""

from __future__ import annotations

import contextlib
import math

import mesa
import numpy as np
import scipy.sparse as sp

from . import compiled
from .accounts import CH, CHANNELS
from .compiled import draws
from .workday import DayPlan, ServiceOrder, plan_day
from .workload import ACTIVITIES

UNIFORM = draws.UNIFORM   # a column of uniforms in draws.requests


class Department(mesa.Agent):
    """A county department (县级部门).

    Each working day it issues documents, convenes meetings, asks its data systems for reports, requests
    inspections of townships and pushes duties down its line, at rates of its own. It also responds, with a lag,
    to what reforms make cheap (反弹回潮, ``rebound``): it notices what its requests now cost the cadres against
    what they would have cost (``accounts.ReformAccounts``) and asks more of what became cheaper (a channel whose
    cost per request fell to r is asked r^-elasticity times as often), and it gives the slack reforms leave
    visible at the grassroots new tasks. What it asks in response is booked as rebound.
    """

    def __init__(self, model, index: int, spec):
        super().__init__(model)
        self.index = index
        self.name = spec.name
        self.zh = spec.zh
        self.field = spec.field
        self.remit = spec.remit
        st = model.structure
        self.systems = np.flatnonzero(st.system_department == index)
        self.township_line = st.line_cadres(index, "township")
        self.village_line = st.line_cadres(index, "village")
        # the village of each cadre on that line (int64, as the data office's compiled stores read it)
        self.village_line_village = st.cadre_village[self.village_line].astype(np.int64)
        self.both_lines = np.concatenate([self.township_line, self.village_line])   # (a document relayed to villages)
        self.townships_on_line = len(np.unique(st.cadre_township[self.both_lines]))
        self.liaisons_per_township = max(1, len(self.township_line) // st.n_townships)
        # the hours a duty of the usual size costs its line: village cadres each, or a township's liaisons shared
        pd = model.cfg.pushed_down
        self.hours_per_task = pd.hours_per_task * (pd.village_share * len(self.village_line)
                                                   + (1.0 - pd.village_share) * len(self.township_line)
                                                   / self.liaisons_per_township)
        # each channel's usual requests come from a stream of its own, drawn for all five at once each working day
        # (``draws.UsualRequests``): per request its theme or topic, and the chances that decide what it is
        s, cfg = model.streams, model.cfg
        doc, mt, rep, ins = cfg.documents, cfg.meetings, cfg.data_reports, cfg.inspections
        self._rng_inspections = s[f"inspections/{self.name}"]   # also picks the villages an inspection visits
        self._usual = draws.UsualRequests(
            [s[f"documents/{self.name}"], s[f"meetings/{self.name}"], s[f"reports/{self.name}"],
             self._rng_inspections, s[f"pushed_down/{self.name}"]],
            documents=(doc.per_department_per_week / 5.0, (doc.themes_per_department, UNIFORM, UNIFORM, UNIFORM)),
            meetings=(mt.per_department_per_week / 5.0, (mt.topic_groups, UNIFORM, UNIFORM, (1, mt.lead_days + 1))),
            reports=(rep.requests_per_system_per_week / 5.0, len(self.systems), st.system_fields.shape[1],
                     rep.fields_per_request),
            inspections=(st.n_townships, ins.per_department_per_year / model.calendar.workdays_per_year),
            pushed=(pd.per_department_per_week / 5.0, (UNIFORM, UNIFORM, UNIFORM)))
        self._rng_rebound = s[f"rebound/{self.name}"]
        # (theme, implement, relay, asked as rebound) awaiting a merged issue
        self.held_documents: list[tuple[int, bool, bool, bool]] = []
        self._next_merge_day = 0
        self._merging = model.cfg.reform.merge_documents is not None   # the reform is on (whether applied today or not)
        # what the department has noticed its requests cost the cadres, and what reforms removed from them, per
        # channel (exponential moving averages over rebound.lag_days), and the requests it asks on top of the
        # usual: its rows of the departments' DemandSeen, where all of them take stock at once
        seen = model.demand_seen
        self.cost_seen, self.removed_seen, self.extra_share = seen.cost[index], seen.removed[index], seen.extra[index]

    # one day of the department's work ------------------------------------------------------------------------
    def step(self) -> None:
        m = self.model
        if not m.calendar.is_workday:
            return
        documents, meetings, reports, inspections, duties = self._usual.today()
        # most days a department sends little: a channel with nothing drawn is passed over (documents only when
        # none are held and merging is off, since a merging window runs on days without documents too)
        if documents or self.held_documents or self._merging:
            self.issue_documents(documents)
        if meetings:
            self.convene_meetings(meetings)
        if reports:
            self.request_reports(reports)
        if inspections:
            self.request_inspections(inspections, self._rng_inspections)
        if duties:
            self.push_down_duties(duties)
        if not m.accounts.watching:
            return   # a department that does not watch what its requests cost asks nothing more (DemandSeen)
        new_tasks = self.tasks_for_slack()
        xs = m.demand_seen.extra_lists[self.index]   # this department's extra shares (its row of DemandSeen)
        if new_tasks > 0 or any(xs):
            # the rebound: its own stream, so the usual requests stay paired with the baseline's; each channel at its
            # usual rate times the extra share. A channel asked nothing more is passed over: a Poisson count of mean
            # 0 takes no number from the stream, so nothing changes. The inspections' trials take a number each
            # whatever their chance: they are always drawn.
            rng, usual = self._rng_rebound, self._usual
            documents, meetings, reports = xs[CH["documents"]], xs[CH["meetings"]], xs[CH["data_reports"]]
            inspections, pushed = xs[CH["inspections"]], xs[CH["pushed_down"]]
            with m.accounts.rebound():
                if documents > 0:
                    self.issue_documents(draws.requests(rng, usual.documents_rate * documents,
                                                        usual.documents_columns))
                if meetings > 0:
                    self.convene_meetings(draws.requests(rng, usual.meetings_rate * meetings, usual.meetings_columns))
                if reports > 0:
                    self.request_reports(draws.reports(rng, usual.reports_rate * reports, usual.n_systems,
                                                       usual.system_fields, usual.fields_per_request))
                self.request_inspections(draws.successes(rng, usual.n_townships,
                                                         usual.inspection_chance * inspections), rng)
                if pushed > 0 or new_tasks > 0:
                    self.push_down_duties(draws.requests(rng, usual.pushed_rate * pushed + new_tasks,
                                                         usual.pushed_columns))

    def tasks_for_slack(self) -> float:
        """New duties a working day pushed down for the slack reforms left visible (idle regular hours that reforms
        freed and nobody has claimed back): the department's part of elasticity x the visible slack, in tasks of
        the usual size on its line."""
        # elasticity x the visible slack (hours per cadre and working day) x cadres / departments: the same for
        # every department, reckoned once a day (``accounts.ReformAccounts.close_day``)
        hours = self.model.accounts.slack_hours_per_department
        if hours <= 0 or not self.hours_per_task > 1e-9:
            return 0.0
        tasks = hours / self.hours_per_task
        return float(tasks) if math.isfinite(tasks) else 0.0

    def issue_documents(self, drawn: list) -> None:
        """Today's documents (``drawn`` as ``draws.requests`` gives them); under merge_documents they are held and
        go out merged by theme at the end of each merging window."""
        m = self.model
        merge = m.fidelity.rule("merge_documents", self.index)
        docs = m.documents
        for theme, imp, unn, rel in self._documents(drawn):
            if merge is not None and merge.cut_unnecessary and unn:
                m.chat.post_department_notice(self.index)  # a short message in the group instead of a document
                m.accounts.removed("merge_documents", docs.recipients(self, bool(rel)), docs.hours(int(imp)),
                                   self.index, "documents")
                continue
            if merge is not None:
                self.held_documents.append((int(theme), bool(imp), bool(rel), m.accounts.rebounding))
            else:
                docs.deliver(self, n_implement=int(imp), relay=bool(rel))
        if merge is not None and m.day >= self._next_merge_day:
            self._next_merge_day = m.day + merge.merge_window_days
            by_theme: dict[tuple, list] = {}
            for theme, imp, rel, rebound in self.held_documents:
                by_theme.setdefault((theme, rebound), []).append((imp, rel))
            for (_theme, rebound), parts in by_theme.items():
                # what departments asked as rebound goes out as its own merged file, booked as rebound
                with m.accounts.rebound() if rebound else contextlib.nullcontext():
                    self._issue_merged(parts)
            self.held_documents.clear()
        elif merge is None and self.held_documents:
            # the department has lapsed from merging: what it held goes out as it was
            for _theme, imp, rel, rebound in self.held_documents:
                with m.accounts.rebound() if rebound else contextlib.nullcontext():
                    docs.deliver(self, n_implement=int(imp), relay=bool(rel))
            self.held_documents.clear()

    def _documents(self, drawn: list) -> list[tuple[int, bool, bool, bool]]:
        """The documents drawn (a theme and three uniforms each): each one's theme, whether it asks for action, need
        not be issued at all, and is relayed to villages."""
        if not drawn:
            return drawn
        cfg = self.model.cfg.documents
        no_action = max(1e-12, 1.0 - cfg.implement_share)
        documents = []
        for theme, u_implement, u_unnecessary, u_relay in drawn:
            implement = u_implement < cfg.implement_share
            # "need not be issued" is a property of documents that ask for no action
            unnecessary = not implement and u_unnecessary * no_action < cfg.unnecessary_share
            documents.append((theme, implement, unnecessary, u_relay < cfg.relay_to_village_share))
        return documents

    def _issue_merged(self, parts: list[tuple[bool, bool]]) -> None:
        """One file for the documents held on a theme: read once, every part's implementation; the village line
        reads the whole file if any part was relayed. What merging removed is recorded."""
        m, docs = self.model, self.model.documents
        n_implement, relay_any = sum(i for i, _ in parts), any(r for _, r in parts)
        docs.deliver(self, n_implement=n_implement, relay=relay_any)
        separate_village = sum(docs.hours(int(i)) for i, r in parts if r)
        m.accounts.removed("merge_documents", self.township_line, (len(parts) - 1) * m.cfg.documents.read_hours,
                           self.index, "documents")
        m.accounts.removed("merge_documents", self.village_line,
                           separate_village - relay_any * docs.hours(n_implement), self.index, "documents")

    def convene_meetings(self, drawn: list) -> None:
        """Each meeting drawn: its topic, whether it is necessary, whether villages attend, and how many days ahead
        it is called."""
        if not drawn:
            return
        cfg = self.model.cfg.meetings
        for topic, u_necessary, u_villages, lead in drawn:
            self.model.meetings.request(self, topic, u_necessary < cfg.necessary_share,
                                        u_villages < cfg.village_attendance_share, lead)

    def request_reports(self, drawn: list) -> None:
        """For each of its systems, the requests drawn and the fields each asks for: a few of the system's, without
        repeats (``draws.reports``)."""
        if not drawn:
            return
        system_fields = self.model.structure.system_fields
        for place, picks in drawn:
            s = self.systems[place]
            self.model.data.request(self, int(s), system_fields[s][picks])

    def request_inspections(self, townships: list, rng) -> None:
        """An inspection of each township drawn, of villages picked from `rng` (the stream that drew them)."""
        for t in townships:
            self.model.assessment.request(self, t, self.model.assessment.draw_villages(rng), emergency=False)

    def push_down_duties(self, drawn: list) -> None:
        """Each duty drawn: its category, whether it falls on the village line, and whether it is outside the
        villages' autonomy."""
        if not drawn:
            return
        cfg = self.model.cfg.pushed_down
        for uc, u_village, u_non_autonomous in drawn:
            category = "core" if uc < cfg.core_share else ("shared" if uc < cfg.core_share + cfg.shared_share
                                                            else "returned")
            village = u_village < cfg.village_share
            self.model.duties.push(self, category, village, village and u_non_autonomous < cfg.non_autonomous_share)


class DemandSeen:
    """What each county department has noticed its requests cost the cadres, and what reforms removed from them,
    per channel, and how much more it therefore asks of each channel: one row per department (each Department
    holds its rows as views). All departments take stock at once at the end of the day (``take_stock``), each by
    the same rule on its own row."""

    def __init__(self, n_departments: int):
        shape = (n_departments, len(CHANNELS))
        self.cost = np.zeros(shape)     # smoothed hours a day the department's requests cost the cadres
        self.removed = np.zeros(shape)  # smoothed hours a day reforms removed from those requests
        self.extra = np.zeros(shape)    # share of requests asked on top of the usual
        # the same as lists of numbers, one a department, made once a day for the departments' steps to read
        self.extra_lists: list[list[float]] = self.extra.tolist()

    def take_stock(self, model) -> None:
        """From today's costs and removals (``accounts.ReformAccounts``), the smoothed figures, then how much more
        each department asks of each channel."""
        acc, rb = model.accounts, model.cfg.rebound
        if not acc.watching:
            return
        # cost and removed smoothed over rebound.lag_days; r: today's cost per request against the cost without the
        # reforms (1 where nothing was seen), in [0, 1]: what reforms made dearer (a comprehensive assessment for
        # all departments at once) is not asked less, the department's own rate stays its floor (one compiled
        # pass, ``scatter.smooth_costs``); with elasticity <= 1 a channel's cost after rebound, r^(1 - elasticity)
        # of the old, never exceeds what it was
        r = compiled.scatter.smooth_costs(self.cost, self.removed, acc.spent_today, acc.removed_today,
                                          1.0 / rb.lag_days)
        self.extra[...] = np.where(r > 0, np.power(np.maximum(r, 1e-12), -rb.elasticity) - 1.0, 0.0)
        self.extra_lists = self.extra.tolist()


class Cadres:
    """Every township and village cadre (基层干部) of the county, as one vectorised population.

    Each cadre holds a blame risk, fatigue, rest owed and the day's hours by activity; the day is decided for all
    of them at once by the rule in ``workday.py`` (the same rule a per-agent loop would apply, at county speed).
    Who a cadre is - township, village, department lines, grid - comes from the networks (``model.structure``).
    """

    def __init__(self, model):
        self.model = model
        st, cfg = model.structure, model.cfg
        C, T = st.n_cadres, st.n_townships
        self.n = C
        self.township = st.cadre_township
        self.village = st.cadre_village                         # -1 for township cadres
        self.of_township = [np.flatnonzero(st.cadre_township == t) for t in range(T)]
        # who serves a village: its own cadres and the township cadres attached to it (包村); the village's
        # requests are their shared queues (the "pool")
        self.pool = st.cadre_liaison_village
        self.serving_village = [np.flatnonzero(self.pool == v) for v in range(st.n_villages)]
        self._liaison = self.village < 0
        # each cadre's place among the village's own cadres (the duty rota) or among its liaisons
        self._place = np.zeros(C, dtype=np.int64)
        self._rota_size = np.ones(C, dtype=np.int64)
        for members in self.serving_village:
            for group in (members[~self._liaison[members]], members[self._liaison[members]]):
                self._place[group] = np.arange(len(group))
                self._rota_size[group] = max(len(group), 1)
        # every rota comes round in the least common multiple of the rotas' sizes (6 days with 1-3 village cadres):
        # the service orders are kept for one such cycle, if it is short
        cycle = math.lcm(*np.unique(self._rota_size).tolist())
        self._order_cycle = cycle if cycle <= 64 else None
        self._orders: dict[int, ServiceOrder] = {}
        # the villages in the order every service order runs them; both as the compiled day rule reads them
        self._pool_sorted = np.sort(self.pool).astype(np.int64)
        self._pool64 = self.pool.astype(np.int64)
        self._pool_starts = np.concatenate(([True], self._pool_sorted[1:] != self._pool_sorted[:-1]))
        self._township_matrix = np.zeros((T, C))
        self._township_matrix[st.cadre_township, np.arange(C)] = 1.0
        self._township_size = self._township_matrix.sum(axis=1)
        # state
        self.blame = np.zeros(C)
        self.fatigue = np.zeros(C)
        self.owed_rest = np.zeros(C, dtype=np.int64)  # protected rest days worked and not yet given back
        # residents' casework gets at least this share of free regular hours: a floor that only a measured
        # satisfaction survey moves (``heed_survey``)
        self.service_share = np.full(C, cfg.assessment.service_priority_floor)
        # today
        self.hours_today = np.zeros((C, len(ACTIVITIES)))
        self.township_hours_today = np.zeros((T, len(ACTIVITIES)))
        self.township_hours_today.flags.writeable = False   # as each day's (``end_day``)
        self.overtime_today = np.zeros(C)
        self.idle_today = np.zeros(C)            # regular hours nobody's work filled
        self.regular_today = np.zeros(C)
        self.cap_today = np.zeros(C)
        self._workday_hours = np.full(C, cfg.calendar.workday_hours)   # every cadre's regular hours on a working day
        self.productivity = np.ones(C)
        self.off_today = np.zeros(C, dtype=bool)
        # each cadre's hours by activity over the run so far (the county's by day are in the model's tally)
        self.hours_total = np.zeros((C, len(ACTIVITIES)))

    def township_mean(self, values: np.ndarray) -> np.ndarray:
        """Per township, the mean over its cadres (of a [C] or [C, k] array)."""
        if values.ndim == 1:
            return (self._township_matrix @ values) / self._township_size
        return (self._township_matrix @ values) / self._township_size[:, None]

    def service_order(self, day: int) -> ServiceOrder:
        """Today's order in which a village's servers take its queues: the village cadre on duty (a daily rota),
        the village's other cadres, then the township liaison; for supervised tasks the liaison first. The rotas
        come round every `_order_cycle` days, so each order is made once and kept (read-only)."""
        if self._order_cycle is None:
            return self._make_service_order(day)
        order = self._orders.get(day % self._order_cycle)
        if order is None:
            order = self._orders[day % self._order_cycle] = self._make_service_order(day)
            for a in (order.first, order.supervised_first):
                a.setflags(write=False)
        return order

    def _make_service_order(self, day: int) -> ServiceOrder:
        rota = (self._place - day) % self._rota_size
        on_duty_order = np.where(self._liaison, self._rota_size + self._place, rota)
        liaison_order = np.where(self._liaison, self._place, self._rota_size + rota)
        return ServiceOrder(pool=self._pool64, first=np.lexsort((on_duty_order, self.pool)),
                            supervised_first=np.lexsort((liaison_order, self.pool)),
                            pool_sorted=self._pool_sorted, starts=self._pool_starts)

    def on_duty(self, day: int) -> np.ndarray:
        """The village cadre on duty at each village's station today (first in the rota)."""
        return ~self._liaison & ((self._place - day) % self._rota_size == 0)

    def heed_survey(self, satisfied_by_village: np.ndarray, weight: np.ndarray) -> None:
        """A measured satisfaction survey: where a village's satisfied share falls short of the standard, its
        servers put residents first in a larger share of their free hours; where it meets it, they relax toward
        the floor. The step is the shortfall times the weight satisfaction has in the village's assessment."""
        a = self.model.cfg.assessment
        gap = a.satisfaction_standard - satisfied_by_village[self.pool]
        self.service_share = np.clip(self.service_share + weight[self.pool] * gap, a.service_priority_floor, 1.0)

    def resting(self) -> np.ndarray:
        """Per cadre: today is a rest day that rest rights protect in the cadre's township."""
        m = self.model
        if not m.calendar.is_protected:
            return np.zeros(self.n, dtype=bool)
        return m.fidelity.mask("rest_rights")[self.township]

    def plan_day(self, chat_hours: np.ndarray) -> DayPlan:
        """Each cadre's day: appointments, messages, residents, what is due, paperwork (``workday.plan_day``)."""
        m = self.model
        cal, cfg, ledger = m.calendar, m.cfg, m.ledger
        C = self.n
        appts = ledger.appointments[:, m.day, :]
        gap = cal.days_until_next_workday(m.day)
        must_do_days = gap  # deadlines before the next working day
        due = ledger.due
        order = self.service_order(m.day)
        if cal.is_workday:
            regular = self._workday_hours.copy()   # changed below where rest is owed, and kept as the day's
            cap = regular + cfg.calendar.weekday_overtime_cap_hours
            waiting = m.service.demand(must_do_days)  # residents' work waiting, by how the day rule treats it
            if cfg.reform.rest_rights is not None:
                # 调休: a cadre who had to work a protected rest day takes the next working day off (what was
                # fixed that day goes ahead without them: counted in appointments_missed_hours)
                comp = self.owed_rest > 0
                regular[comp] = 0.0
                cap[comp] = 0.0
                m.chat.defer(comp, chat_hours)
                chat_hours = np.where(comp, 0.0, chat_hours)
                self.owed_rest[comp] -= 1
        else:
            regular = np.zeros(C)
            urgent_due = due[:, : must_do_days + 1, :].sum(axis=(1, 2))
            works = appts.sum(axis=0) > 0
            resting = self.resting()
            works |= (urgent_due > cfg.calendar.weekend_catchup_threshold_hours) & ~resting
            # a worked weekend day clears what is due by Monday, unless the day is protected
            # (per cadre where only some townships protect it)
            if resting.all() or not resting.any():
                must_do_days = 0 if resting.all() else gap + 1
                waiting = m.service.demand(must_do_days)
            else:
                must_do_days = np.where(resting, 0, gap + 1)
                village_rests = m.fidelity.mask("rest_rights")[m.structure.village_township]
                waiting = m.service.demand(np.where(village_rests, 0, gap + 1))
            # the cadre on duty answers for urgent matters and supervised tasks due (on a protected day only the
            # urgent ones: emergencies aside, rest rights leave supervised tasks to Friday's must-do work)
            on_call = ~works & self.on_duty(m.day) & ((waiting.urgent + waiting.supervised_due)[self.pool] > 0)
            # a day at home still has its messages, but never more than a worked weekend day may hold
            cap = np.where(works | on_call, cfg.calendar.weekend_overtime_cap_hours,
                           np.minimum(appts.sum(axis=0) + chat_hours, cfg.calendar.weekend_overtime_cap_hours))
        # what the day asks of each cadre besides what is owed (one compiled pass, ``day_rule.demands``):
        # - productivity: fatigue slows work, 1 / (1 + productivity_loss x fatigue);
        # - defensive paperwork (留痕): material redone for each assessor, by blame risk and by how much the
        #   assessment still scores material rather than residents' satisfaction (the material weight,
        #   1 - satisfaction weight): defensive_hours_per_assessor x assessors x blame x material weight;
        # - shadow ledgers (影子台账): a ledger set nobody asks for any more is kept anyway, in proportion to the
        #   cadre's blame risk (the chance a missing trail is held against them) and to the weight material still
        #   has in the assessment; its upkeep is spread over the working week: (sets on the cadre's lines - sets
        #   asked for) x upkeep per week / 5 x blame x material weight;
        # on other days only a cadre working anyway redoes material, and nobody keeps shadow ledgers
        a = m.assessment
        productivity, defensive, shadow = compiled.day_rule.demands(
            self.fatigue, self.blame, self.township, a.satisfaction_weight, a.n_assessors, a.n_departments_on_lines,
            a.n_ledger_sets, cfg.fatigue.productivity_loss, cfg.blame.defensive_hours_per_assessor,
            cfg.ledgers.upkeep_hours_per_set_per_week, None if cal.is_workday else works)
        plan = plan_day(
            regular=regular, cap=cap, appointments=appts, chat_hours=chat_hours, due=due,
            must_do_days=must_do_days, service=waiting, order=order,
            proactive_demand=m.service.proactive_demand(),
            shadow_ledger_demand=shadow, defensive_demand=defensive, productivity=productivity,
            service_share=self.service_share, owed_until=ledger.owed_until,
        )
        self.regular_today = regular
        self.cap_today = cap
        self.productivity = productivity
        return plan

    def end_day(self, plan: DayPlan) -> None:
        """Close the day: check the hours, count overtime and days off, tire or recover, add to the totals (one
        compiled pass over the cadres, ``day_rule.close_day``, for what numpy did in some thirty calls)."""
        m = self.model
        fa, cal = m.cfg.fatigue, m.cfg.calendar
        hours = plan.hours
        # a day off: nothing done but reading a few messages (calendar.day_off_message_hours says how many)
        closed = compiled.day_rule.close_day(hours, self.regular_today, self.cap_today, self.fatigue,
                                             fa.strain_per_overtime_hour, 1.0 - fa.recovery_per_day_off,
                                             1.0 - fa.recovery_per_day, cal.day_off_message_hours, self.hours_total)
        if closed is None:   # invariant, every day of every run: no negative hours, never more than the day's cap
            worked = hours.sum(axis=1)
            c = int(np.argmax(worked - self.cap_today))
            raise AssertionError(f"hours conservation violated on day {m.day}: cadre {c} worked {worked[c]:.3f} h "
                                 f"against a cap of {self.cap_today[c]:.3f} h ({dict(zip(ACTIVITIES, hours[c]))})")
        self.overtime_today, self.idle_today, self.off_today, self.fatigue, by_activity = closed
        off = self.off_today
        self.hours_today = hours
        # [T, activities], what the reporters read: made anew each day and read-only, so they may keep its columns
        self.township_hours_today = self.township_mean(hours)
        self.township_hours_today.flags.writeable = False
        m.tally.add("appointments_missed_hours", plan.appointments_missed.sum())
        m.tally.add("shadow_ledger_hours", plan.shadow_ledger_hours.sum())
        m.tally.add("fatigue_hours", plan.fatigue_hours.sum())
        m.tally.add("days_off", off.sum())
        if m.calendar.is_protected:
            self.owed_rest += ~off & self.resting()
        m.tally.add("hours", by_activity)
        m.tally.add("overtime_hours", self.overtime_today.sum())
        # the same, per cadre (the summary's figures by role)
        m.tally.add_per_cadre_each((
            ("hours", hours), ("overtime_hours", self.overtime_today), ("days_off", off),
            ("shadow_ledger_hours", plan.shadow_ledger_hours), ("fatigue_hours", plan.fatigue_hours),
            ("fatigue", self.fatigue), ("blame", self.blame), ("burnout", self.fatigue > fa.burnout_threshold)))


class Households:
    """All households as arrays (hundreds of thousands of them would be too many agents).

    A household holds its view of the service (satisfaction, 0-1; none until its first contact) and the calls its
    neighbours made to the 12345 hotline that it still remembers. It acts when a request waits past its patience
    (``respond_to_waiting``) and talks with its neighbours once a week (``talk``): word of mouth over the resident-
    tie network moves views and spreads the habit of calling 12345.
    """

    NO_VIEW_SCORE = 0.5  # a household with no view yet acts as if neither satisfied nor dissatisfied

    def __init__(self, model):
        self.model = model
        st, cfg = model.structure, model.cfg
        rng = model.streams["residents"]
        self._rng_choice = model.streams["residents/choices"]
        H = st.n_households
        self.village = st.household_village
        self.township = st.household_township
        self.per_township = np.bincount(st.household_township, minlength=st.n_townships)
        self.cadre = st.household_cadre
        self.elderly_alone = rng.random(H) < cfg.service.elderly_alone_share
        # one uniform per household decides who organises, so a higher organiser share under the reform adds
        # organisers without reshuffling the existing ones (common random numbers)
        organiser_draw = rng.random(H)
        share = cfg.service.organiser_share
        so = model.cfg.reform.self_organization
        if so is not None:  # fostered in the townships that apply the reform
            fostered = model.fidelity.mask("self_organization")[st.household_township]
            share = np.where(fostered, max(share, so.organiser_share), share)
        self.organiser = organiser_draw < share
        # the resident-tie network (CSR, within villages): who talks to whom
        self.ties = sp.csr_matrix((np.ones(len(st.tie_indices)), st.tie_indices, st.tie_indptr), shape=(H, H))
        # the same ties and townships as the compiled talk and news of calls read them, checked once here (no copies
        # where they are int32 already)
        self._ties = compiled.word_of_mouth.Ties(self.ties.indptr, self.ties.indices, self.township, st.n_townships)
        self.organiser_ties = np.asarray(self.ties @ self.organiser.astype(float)).astype(np.int64)
        # the organisers there would be without fostering: what self-organisation adds is counted against them
        self.organiser_ties_before = self.organiser_ties if so is None else np.asarray(
            self.ties @ (organiser_draw < cfg.service.organiser_share).astype(float)).astype(np.int64)
        self.satisfaction = np.full(H, np.nan)  # no view until a contact with the service
        # per township: the sum and number of views, kept up to date as views change (the daily reporters read
        # them instead of passing over every household)
        self._view_sum = np.zeros(st.n_townships)
        self._view_n = np.zeros(st.n_townships)
        # neighbours' calls to 12345 the household has heard of, fading as the talk of them does; kept as of the
        # day each was last brought up to date (exact exponential forgetting, touched only where a call is heard)
        self._calls_heard = np.zeros(H)
        self._heard_on = np.zeros(H)
        self._heard_scratch, self._called_scratch = np.zeros(H, dtype=np.int64), np.zeros(H, dtype=np.uint8)
        # per household, how many of its neighbours have a view (word of mouth weighs their mean): views are only
        # ever formed, never lost, so the count grows by the ties of those who formed one since the last talk
        self._neighbours_with_view = np.zeros(H)
        self._view_counted = np.zeros(H, dtype=bool)
        # last proactive visit: spread over the past month so visits do not all fall due on day 0
        period = 364.0 / max(cfg.service.proactive_visits_per_year, 1e-9)
        self.last_visit = -rng.random(H) * period

    def __len__(self) -> int:
        return len(self.village)

    @property
    def has_view(self) -> np.ndarray:
        return ~np.isnan(self.satisfaction)

    def view_mean(self, county: bool = False):
        """Per township (or for the county), the mean view over the households that have one (NaN while none has)."""
        if county:   # the same sums and division as numpy's, on two numbers
            total, n = float(self._view_sum.sum()), float(self._view_n.sum())
            return total / n if n > 0 else math.nan
        return np.divide(self._view_sum, self._view_n, out=np.full(len(self._view_n), np.nan),
                         where=self._view_n > 0)

    def rate_service(self, households: np.ndarray, score) -> None:
        """A request ended: the household's view moves 30% of the way to how it went (a first contact sets it)."""
        self._move_views(households, score, keep=0.7, move=0.3)

    def visited(self, households: np.ndarray) -> None:
        """A proactive visit moves the view 20% of the way to fully satisfied (a first contact: satisfied)."""
        self._move_views(households, 1.0, keep=0.8, move=0.2)

    def _move_views(self, households: np.ndarray, toward, keep: float, move: float) -> None:
        """Each view becomes keep x view + move x `toward` (`toward` at a first contact); a household listed twice
        keeps its last, and the townships' totals follow (``word_of_mouth.move_views``: one pass, not half a dozen
        numpy calls)."""
        compiled.word_of_mouth.move_views(households, toward, keep, move, self.satisfaction, self.township,
                                          self._view_sum, self._view_n)

    def calls_heard(self, households: np.ndarray) -> np.ndarray:
        """Neighbours' calls to 12345 these households have heard of and still remember today: each call counts 1
        when it is made and fades by exp(-days since / `residents.hotline_memory_days`)."""
        since = self.model.day - self._heard_on[households]
        return self._calls_heard[households] * np.exp(-since / self.model.cfg.residents.hotline_memory_days)

    def respond_to_waiting(self, households: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Residents whose request waited past their patience: (calls 12345, gives up); the others come back.

        The chance to call grows with dissatisfaction and with each neighbour's call still remembered (n):
        1 - (1 - propensity x (1 - satisfaction)) x (1 - word_of_mouth) ** n."""
        r = self.model.cfg.residents
        s = self.satisfaction[households]
        s = np.where(np.isnan(s), self.NO_VIEW_SCORE, s)   # views are 0-1 or none (np.nan_to_num: 5x the time)
        p_call = 1.0 - (1.0 - r.escalation_propensity * (1.0 - s)) * (1.0 - r.hotline_word_of_mouth) ** \
            self.calls_heard(households)
        u = self._rng_choice.random((2, len(households)))
        call = u[0] < p_call
        give_up = ~call & (u[1] < r.give_up_share)
        return call, give_up

    def called_hotline(self, households: np.ndarray) -> None:
        """These households called 12345 today; their neighbours hear of it (a household calling about two matters
        in a day is one piece of news)."""
        if not len(households):
            return
        # the callers' neighbours, counted: work in the callers' ties only, not a pass over every household
        told, heard_today = compiled.word_of_mouth.news_of_calls(self._ties, households, self._heard_scratch,
                                                                 self._called_scratch)
        self._calls_heard[told] = self.calls_heard(told) + heard_today
        self._heard_on[told] = self.model.day

    def talk(self) -> None:
        """Word of mouth, once a week: each view moves `word_of_mouth_weight` toward the mean view of the
        household's neighbours who have one (DeGroot averaging). Hearsay alone forms no view: a household with no
        contact of its own would otherwise start from its neighbours' and bias the early views. One compiled pass
        over the households and their ties (``word_of_mouth.pyx``)."""
        w = self.model.cfg.residents.word_of_mouth_weight
        if w <= 0 or not self._view_n.any():
            return
        # the views changed, not who has one: the townships' sums are made again, their counts stay
        self.satisfaction, self._view_sum = compiled.word_of_mouth.talk(
            self._ties, self.satisfaction, self._neighbours_with_view, self._view_counted.view(np.uint8), w)
