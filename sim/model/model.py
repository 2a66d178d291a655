"""The grassroots-workload model: one county's departments, townships, villages, cadres and households.

One step is one calendar day. In a day: departments send work down their lines; the townships run their own
meetings, checkpoints and assignments; messages arrive in the work groups; residents raise requests; every cadre
decides how to spend the day (``sim/workday.py``); queues are served; blame, fatigue and satisfaction move; the
day is recorded. See ``docs/ODD.md`` for the full description.
"""

from __future__ import annotations

import mesa
import numpy as np
from omegaconf import DictConfig, OmegaConf

from .agents import Cadre, Department, Households
from ..config import enabled_reforms, validate
from .networks import build_structure
from .offices import AssessmentOffice, Calendar, ChatOffice, DataOffice, DocumentOffice, DutyOffice, MeetingOffice
from .service import CERTIFICATE, KINDS, SELF_SETTLEABLE, RequestBook
from .streams import Streams
from .workday import plan_day
from .workload import ACTIVITIES, A, WorkLedger

# reporters for Mesa's DataCollector (the classroom app's charts read these)
def backlog(model) -> int:
    return len(model.requests.open_ids)


def admin_hours_today(model) -> float:
    return float(model.hours_today[:, model.ADMIN_COLUMNS].sum(axis=1).mean())


def service_hours_today(model) -> float:
    return float(model.hours_today[:, A["service"]].mean())


def overtime_today(model) -> float:
    return float(model.overtime_today.mean())


class GrassrootsModel(mesa.Model):
    """Build from a config (``sim.config.load_config``), validated here unless `validated`; ``seed`` overrides
    ``cfg.seed``."""

    ADMIN_COLUMNS = np.array([A[a] for a in ACTIVITIES if a != "service"])

    def __init__(self, cfg: DictConfig, seed: int | None = None, validated: bool = False):
        # the validated DictConfig, as written to config.yaml (validation costs ~0.1 s: skipped when done already)
        self.config = cfg if validated else validate(cfg)
        if seed is not None:
            self.config = OmegaConf.merge(self.config, {"seed": int(seed)})  # never the caller's object
        seed = int(self.config.seed)
        super().__init__(rng=seed)
        # plain dataclasses for the daily loop: attribute access on a DictConfig costs ~20 us, on these ~50 ns
        self.cfg = OmegaConf.to_object(self.config)
        self.seed = seed
        self.reforms = enabled_reforms(self.config)
        self.reform = {name: getattr(self.cfg.reform, name) for name in self.reforms}  # reform -> its settings
        cfg = self.cfg
        self.streams = Streams(seed)
        self.calendar = Calendar(cfg.calendar.start_date, cfg.scenario.days)
        self.day = 0
        self.days = cfg.scenario.days

        self.structure = st = build_structure(cfg, self.streams["network"])
        C, T = st.n_cadres, st.n_townships
        self.departments = [Department(self, d, spec) for d, spec in enumerate(cfg.departments)]
        self.cadres = [Cadre(self, c) for c in range(C)]
        self.households = Households(self)
        self.ledger = WorkLedger(C, self.days)
        self.requests = RequestBook(C, capacity=int(st.n_households * cfg.service.requests_per_household_per_year
                                                    * self.days / 364 * 1.1) + 1024)
        self.campaigns = self._plan_campaigns()
        self.department_hours = np.zeros(self.days + 64)  # by day; inspections book theirs ahead
        self.department_hours_today = 0.0
        self.documents = DocumentOffice(self)
        self.meetings = MeetingOffice(self)
        self.data = DataOffice(self)
        self.assessment = AssessmentOffice(self)
        self.duties = DutyOffice(self)
        self.chat = ChatOffice(self, [(t, s, d) for (t, s, d, _e) in self.campaigns])

        # cadre state
        self.blame = np.zeros(C)
        self.owed_rest = np.zeros(C, dtype=np.int64)  # protected rest days worked and not yet given back
        self.fatigue = np.zeros(C)
        self.hours_today = np.zeros((C, len(ACTIVITIES)))
        self.overtime_today = np.zeros(C)
        w = cfg.assessment.satisfaction_weight
        sat = self.reform.get("satisfaction_assessment")
        if sat is not None:
            w = max(w, sat.weight)
        self.satisfaction_weight = w
        self.service_share = np.full(C, max(w, cfg.assessment.service_priority_floor))
        self._roster = np.zeros(T, dtype=np.int64)
        self._township_cadres = [np.flatnonzero(st.cadre_township == t) for t in range(T)]
        self._village_servers = [np.flatnonzero(st.cadre_liaison_village == v) for v in range(st.n_villages)]
        self._township_of = np.zeros((T, C))
        self._township_of[st.cadre_township, np.arange(C)] = 1.0
        self._cert_kind_legal, self._cert_kind_p = self._plan_certificates()

        # accumulators
        self.hours_total = np.zeros((C, len(ACTIVITIES)))
        self.overtime_total = np.zeros(C)
        self.days_off_total = np.zeros(C)
        self.meetings_max_per_day = 0
        self.appointments_missed = 0.0
        self.overdue_total = 0.0
        self.certificates_avoided = 0
        self.proactive_visits = 0
        self.satisfaction_daily = np.zeros(self.days)
        self.records: dict[str, np.ndarray] = {}
        self._init_records()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "backlog": backlog,
                "admin_hours": admin_hours_today,
                "service_hours": service_hours_today,
                "overtime": overtime_today,
            }
        )

    # ---- set-up helpers -----------------------------------------------------------------------------------------
    def _plan_campaigns(self):
        """Temporary campaigns (checkpoints, floods, epidemics) per township: (township, start, dept, emergency)."""
        rng = self.streams["campaigns"]
        ex = self.cfg.extra_duties
        out = []
        for t in range(self.structure.n_townships):
            n = rng.poisson(ex.campaigns_per_year * self.days / 364.0)
            starts = np.sort(rng.integers(0, self.days, size=n))
            depts = rng.integers(self.structure.n_departments, size=n)
            emergency = rng.random(n) < ex.emergency_share
            out += [(t, int(s), int(d), bool(e)) for s, d, e in zip(starts, depts, emergency)]
        return out

    def _plan_certificates(self):
        """Which certificate kinds the law requires (kept by a negative list), and demand across kinds."""
        sv = self.cfg.service
        rng = self.streams["certificates/kinds"]
        K = sv.certificate_kinds
        legal = np.zeros(K, dtype=bool)
        legal[rng.choice(K, size=sv.certificate_kinds_required_by_law, replace=False)] = True
        p = 1.0 / np.arange(1, K + 1) ** sv.certificate_popularity_exponent
        return legal, p / p.sum()

    def department_hours_at(self, day: int, hours: float) -> None:
        if day < len(self.department_hours):
            self.department_hours[day] += hours

    # ---- one day ------------------------------------------------------------------------------------------------
    def step(self) -> None:
        cal, cfg = self.calendar, self.cfg
        day = self.day = cal.day
        self.ledger.today = day
        self.department_hours_today = 0.0
        workday = cal.is_workday

        for dept in self.departments:  # a fixed order: each department draws from its own streams
            dept.step()
        if cal.weekday(day) == 0:
            self._monday()
        self._campaign_shifts()
        self._forced_assignments()
        findings = self.assessment.today()
        self._emergency_inspections()
        self._satisfaction_survey()
        chat_hours, after_hours = self.chat.day(workday, cfg.chat.weekend_volume)
        self._resident_requests()
        plan = self._cadre_day(workday, chat_hours)
        self._serve(plan)
        self._update_blame(plan.overdue, findings)
        self._update_fatigue()
        self._record(after_hours)
        self.datacollector.collect(self)
        self.ledger.advance()
        cal.day += 1
        if cal.day >= self.days:
            self.running = False

    def _monday(self) -> None:
        cfg, st = self.cfg, self.structure
        self.assessment.weekly_ledgers()
        self.data.weekly()
        if cfg.meetings.township_weekly_hours > 0:
            self.ledger.add_appointment(np.arange(st.n_cadres), "meetings", cfg.meetings.township_weekly_hours,
                                        self.day)

    def _campaign_shifts(self) -> None:
        ex, cal = self.cfg.extra_duties, self.calendar
        rng = self.streams["extra_duties"]
        rf = self.reform.get("resources_follow_tasks")
        scan = self.reform.get("scan_code_registration")
        reg_share = 1.0 if scan is None else scan.residual_registration_share
        staff_hours = 0.0
        for (t, start, _dept, emergency) in self.campaigns:
            if not (start <= self.day < start + ex.campaign_days):
                continue
            cadres = self._township_cadres[t]
            n = ex.shifts_per_day_per_township
            staffed = rng.random(n) < (0.0 if rf is None else rf.staffed_share)
            rostered = cadres[(self._roster[t] + np.arange(n)) % len(cadres)]
            self._roster[t] += n
            by_department = staffed | (self._protected_day() and not emergency)
            staff_hours += by_department.sum() * ex.shift_hours * self.cfg.department_hours.staff_hours_per_shift_share
            on_duty = rostered[~by_department]
            self.ledger.add_appointment(on_duty, "extra_duties", ex.shift_hours, self.day)
            # every shift's paper register is typed into the departments' forms by the township's cadres
            reg = ex.registration_hours_per_shift * reg_share
            if reg > 0:
                deadline = cal.deadline(cal.next_workday(self.day + 1))
                self.ledger.add_due(rostered, "extra_duties", reg, deadline)
        self.department_hours_today += staff_hours

    def _forced_assignments(self) -> None:
        fa = self.cfg.forced_assignments
        rng = self.streams["forced_assignments"]
        ban = self.reform.get("ban_forced_assignments")
        strip = self.reform.get("strip_non_autonomous")
        for t in range(self.structure.n_townships):
            n = rng.poisson(fa.per_month * 12.0 / 364.0)
            labour = rng.random(n) < fa.labour_share
            leak = rng.random(n)
            cadres = self._township_cadres[t]
            for lab, u in zip(labour, leak):
                if lab and strip is not None and strip.return_labour:
                    # machine cadres take the sweeping themselves (创文创卫 led by the agencies)
                    self.department_hours_today += fa.hours_per_assignment * len(cadres)
                    continue
                if (not lab) and ban is not None and u >= ban.residual_share:
                    continue
                deadline = self.calendar.deadline(self.day + fa.deadline_days)
                self.ledger.add_due(cadres, "forced_assignments", fa.hours_per_assignment, deadline)

    def _emergency_inspections(self) -> None:
        if not self.calendar.is_workday:
            return
        ins = self.cfg.inspections
        rng = self.streams["inspections/emergency"]
        st = self.structure
        hit = rng.random(st.n_townships) < ins.emergency_per_year / self.calendar.workdays_per_year
        for t in np.flatnonzero(hit):
            dept = self.departments[int(rng.integers(st.n_departments))]
            self.assessment.request(dept, int(t), self.assessment.draw_villages(rng), emergency=True)

    def _satisfaction_survey(self) -> None:
        """Satisfaction-weighted assessment asks a random share of residents each quarter (department hours)."""
        sat = self.reform.get("satisfaction_assessment")
        if sat is None or self.day % 91 != 45:
            return
        minutes = self.cfg.department_hours.survey_minutes_per_household
        self.department_hours_today += sat.sample_share * self.structure.n_households * minutes / 60.0

    def _resident_requests(self) -> None:
        sv, st, hh = self.cfg.service, self.structure, self.households
        rng = self.streams["requests"]
        n = rng.poisson(st.n_households * sv.requests_per_household_per_year / 364.0)
        households = rng.integers(st.n_households, size=n)
        shares = np.array([sv.kinds[k].share for k in KINDS])
        kind = rng.choice(len(KINDS), size=n, p=shares / shares.sum()).astype(np.int8)
        cert_kind = rng.choice(len(self._cert_kind_p), size=n, p=self._cert_kind_p)
        u_verify = rng.random(n)
        u_settle = rng.random(n)
        keep = np.ones(n, dtype=bool)
        neg = self.reform.get("certificate_negative_list")
        if neg is not None:
            removed = (kind == CERTIFICATE) & ~self._cert_kind_legal[cert_kind]
            verified = removed & (u_verify < neg.verifiable_share)
            self.certificates_avoided += int(removed.sum())
            self.department_hours_today += verified.sum() * self.cfg.department_hours.verification_minutes / 60.0
            keep &= ~removed
        households, kind = households[keep], kind[keep]
        # self-organisation: each organiser among the household's ties may settle a dispute or a consultation
        p_settle = 1.0 - (1.0 - sv.self_settle_probability) ** hh.organiser_ties[households]
        settled = SELF_SETTLEABLE[kind] & (u_settle[keep] < p_settle)
        work = np.array([sv.kinds[k].hours for k in KINDS])[kind]
        settle_day = self.day + int(round(sv.self_settle_days))
        first = self.requests.n
        self.requests.add(self.day, kind, households, hh.cadre[households], work, settled, settle_day)
        self._arrived_today = households
        if settled.any():
            self._settling.setdefault(settle_day, []).append(first + np.flatnonzero(settled))

    def _cadre_day(self, workday: bool, chat_hours: np.ndarray):
        cal, cfg, st = self.calendar, self.cfg, self.structure
        C = st.n_cadres
        appts = self.ledger.appointments[:, self.day, :]
        gap = cal.days_until_next_workday(self.day)
        must_do_days = gap  # deadlines before the next working day
        due = self.ledger.due
        rest = self.reform.get("rest_rights")
        if workday:
            regular = np.full(C, cfg.calendar.workday_hours)
            cap = regular + cfg.calendar.weekday_overtime_cap_hours
            if rest is not None:
                # 调休: a cadre who had to work a protected rest day takes the next working day off (what was
                # fixed that day goes ahead without them: counted in appointments_missed_hours)
                comp = self.owed_rest > 0
                regular[comp] = 0.0
                cap[comp] = 0.0
                self.chat.deferred_minutes[comp] += chat_hours[comp] * 60.0
                chat_hours = np.where(comp, 0.0, chat_hours)
                self.owed_rest[comp] -= 1
        else:
            regular = np.zeros(C)
            urgent_due = due[:, : must_do_days + 1, :].sum(axis=(1, 2))
            protected = self._protected_day()
            works = appts.sum(axis=0) > 0
            if not protected:
                works |= urgent_due > cfg.calendar.weekend_catchup_threshold_hours
            # a day at home still has its messages, but never more than a worked weekend day may hold
            cap = np.where(works, cfg.calendar.weekend_overtime_cap_hours,
                           np.minimum(appts.sum(axis=0) + chat_hours, cfg.calendar.weekend_overtime_cap_hours))
            must_do_days = 0 if protected else gap + 1  # a worked weekend day clears what is due by Monday
        productivity = 1.0 / (1.0 + cfg.fatigue.productivity_loss * self.fatigue)
        queue_work = self.requests.queue_hours()
        proactive_due = self._proactive_due()
        material_weight = 1.0 - self.satisfaction_weight
        defensive = (cfg.blame.defensive_hours_per_assessor * self.assessment.n_assessors * self.blame
                     * material_weight)
        if not workday:
            defensive = defensive * (cap > appts.sum(axis=0) + chat_hours)
        plan = plan_day(
            regular=regular, cap=cap, appointments=appts, chat_hours=chat_hours, due=due,
            must_do_days=max(must_do_days, 1) if workday else must_do_days,
            queue_work=queue_work, proactive_demand=proactive_due * cfg.service.proactive_visit_hours,
            defensive_demand=defensive, productivity=productivity, service_share=self.service_share,
        )
        self.regular_today = regular
        self.cap_today = cap
        self.productivity = productivity
        return plan

    def _protected_day(self) -> bool:
        """Rest rights protect the last `min_days_off_per_week` days of the weekend (Sunday first)."""
        rest = self.reform.get("rest_rights")
        wd = self.calendar.weekday(self.day)
        return rest is not None and wd >= 7 - rest.min_days_off_per_week

    def _proactive_due(self) -> np.ndarray:
        sv, hh = self.cfg.service, self.households
        period = 364.0 / max(sv.proactive_visits_per_year, 1e-9)
        due = hh.elderly_alone & (self.day - hh.last_visit >= period)
        self._proactive_candidates = np.flatnonzero(due)
        return np.bincount(hh.cadre[self._proactive_candidates], minlength=self.structure.n_cadres).astype(float)

    def _serve(self, plan) -> None:
        sv, hh = self.cfg.service, self.households
        hours = plan.hours
        cert, other, resolved = self.requests.serve(self.day, plan.service_work_capacity)
        hours[:, A["certificates"]] += cert / self.productivity
        hours[:, A["service"]] += other / self.productivity
        # satisfaction of households whose request was resolved today, by how long it took
        book = self.requests
        if len(resolved):
            waited = self.day - book.arrival[resolved]
            self._rate_service(book.household[resolved], np.exp(-waited / sv.satisfaction_patience_days))
        settled = self._settling.pop(self.day, [])
        settled_today = np.concatenate(settled) if settled else np.zeros(0, dtype=np.int64)
        self._resolved_today = np.concatenate([resolved, settled_today])
        if len(settled_today):
            self._rate_service(book.household[settled_today], np.exp(-sv.self_settle_days / sv.satisfaction_patience_days))
        # proactive visits: whole visits only, the longest-unvisited households of each grid first
        vh = sv.proactive_visit_hours
        if vh > 0 and len(self._proactive_candidates):
            visits = np.floor(plan.proactive_hours / vh + 1e-9)
            hours[:, A["service"]] -= plan.proactive_hours - visits * vh
            cand = self._proactive_candidates
            order = np.lexsort((hh.last_visit[cand], hh.cadre[cand]))
            cand = cand[order]
            cad = hh.cadre[cand]
            first = np.r_[True, cad[1:] != cad[:-1]]
            rank = np.arange(len(cand)) - np.maximum.accumulate(np.where(first, np.arange(len(cand)), 0))
            chosen = cand[rank < visits[cad]]
            hh.last_visit[chosen] = self.day
            hh.satisfaction[chosen] = 0.8 * hh.satisfaction[chosen] + 0.2
            self.proactive_visits += len(chosen)
        self.hours_today = hours
        worked = hours.sum(axis=1)
        # invariant, every day of every run: no negative hours, never more than the day's cap
        if (hours < -1e-9).any() or (worked > self.cap_today + 1e-6).any():
            c = int(np.argmax(worked - self.cap_today))
            raise AssertionError(f"hours conservation violated on day {self.day}: cadre {c} worked {worked[c]:.3f} h "
                                 f"against a cap of {self.cap_today[c]:.3f} h ({dict(zip(ACTIVITIES, hours[c]))})")
        self.overtime_today = np.maximum(worked - self.regular_today, 0.0)
        self.appointments_missed += plan.appointments_missed.sum()

    def _rate_service(self, households: np.ndarray, score) -> None:
        """A resolved request moves its household's satisfaction 30% of the way to how well it went."""
        sat = self.households.satisfaction
        sat[households] = 0.7 * sat[households] + 0.3 * score

    def _update_blame(self, overdue: np.ndarray, findings) -> None:
        bl, st = self.cfg.blame, self.structure
        ft = self.reform.get("fault_tolerance")
        pa = self.reform.get("precise_accountability")
        forgiven = 0.0 if ft is None else ft.forgiven_overdue_share
        self.overdue_total += float(overdue.sum())
        b = self.blame * (1.0 - bl.decay_per_day)
        b += bl.per_overdue_hour * overdue * (1.0 - forgiven)
        np.add.at(b, findings, bl.per_finding)
        rng = self.streams["incidents"]
        n = rng.poisson(bl.incidents_per_village_per_year / 364.0, size=st.n_villages)
        collective = bl.collective_share if pa is None else pa.collective_share
        for v in np.flatnonzero(n):
            for _ in range(n[v]):
                objective = rng.random() < bl.objective_share
                servers = self._village_servers[v]
                who = servers[int(rng.integers(len(servers)))]
                if objective and ft is not None:
                    continue  # an honest failure under objective conditions: no one is blamed
                b[who] += bl.per_incident
                t = st.village_township[v]
                b[self._township_cadres[t]] += bl.per_incident * collective
        self.blame = np.clip(b, 0.0, 1.0)

    def _update_fatigue(self) -> None:
        fa, cal = self.cfg.fatigue, self.cfg.calendar
        worked = self.hours_today.sum(axis=1)
        off = self.off_today = worked <= cal.day_off_tolerance_hours
        f = self.fatigue + fa.strain_per_overtime_hour * self.overtime_today
        f *= np.where(off, 1.0 - fa.recovery_per_day_off, 1.0 - fa.recovery_per_day)
        self.fatigue = np.clip(f, 0.0, 1.0)
        self.days_off_total += off
        if self._protected_day():
            self.owed_rest += ~off
        self.hours_total += self.hours_today
        self.overtime_total += self.overtime_today
        mc = self.ledger.meeting_count[self.day]
        self.meetings_max_per_day = max(self.meetings_max_per_day, int(mc.max(initial=0)))

    # ---- records ------------------------------------------------------------------------------------------------
    RECORD_COLUMNS = (
        [f"hours_{a}" for a in ACTIVITIES]
        + ["admin_hours", "service_hours", "overtime_hours", "after_hours_messages", "days_off_share",
           "requests_arrived", "requests_resolved", "backlog_open", "satisfaction_mean", "fatigue_mean",
           "blame_mean", "burnout_share"]
    )

    def _init_records(self) -> None:
        T = self.structure.n_townships
        self.records = {c: np.zeros((self.days, T)) for c in self.RECORD_COLUMNS}
        self._backlog = np.zeros(T, dtype=np.int64)
        self._settling: dict[int, list] = {}  # day -> ids of requests residents settle that day

    def _record(self, after_hours: np.ndarray) -> None:
        st, hh, d = self.structure, self.households, self.day
        W = self._township_of
        n_c = W.sum(axis=1)
        per_t = (W @ self.hours_today) / n_c[:, None]
        r = self.records
        for i, a in enumerate(ACTIVITIES):
            r[f"hours_{a}"][d] = per_t[:, i]
        r["admin_hours"][d] = per_t[:, self.ADMIN_COLUMNS].sum(axis=1)
        r["service_hours"][d] = per_t[:, A["service"]]
        r["overtime_hours"][d] = (W @ self.overtime_today) / n_c
        r["after_hours_messages"][d] = (W @ after_hours) / n_c
        r["days_off_share"][d] = (W @ self.off_today) / n_c
        T = st.n_townships
        arrived = np.bincount(st.household_township[self._arrived_today], minlength=T)
        resolved = np.bincount(st.household_township[self.requests.household[self._resolved_today]], minlength=T)
        r["requests_arrived"][d] = arrived
        r["requests_resolved"][d] = resolved
        self._backlog += arrived - resolved
        r["backlog_open"][d] = self._backlog
        sat_t = np.bincount(hh.township, weights=hh.satisfaction, minlength=st.n_townships)
        r["satisfaction_mean"][d] = sat_t / np.bincount(hh.township, minlength=st.n_townships)
        self.satisfaction_daily[d] = hh.satisfaction.mean()
        r["fatigue_mean"][d] = (W @ self.fatigue) / n_c
        r["blame_mean"][d] = (W @ self.blame) / n_c
        r["burnout_share"][d] = (W @ (self.fatigue > self.cfg.fatigue.burnout_threshold)) / n_c
        self.department_hours[d] += self.department_hours_today

    def run(self) -> "GrassrootsModel":
        while self.running:
            self.step()
        return self
