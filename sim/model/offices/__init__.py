"""The county's offices: where what a department sends becomes hours owed by particular cadres.

Each office owns one driver of the workload table and is the one place a reform acts on it:

- :class:`Calendar`          working days, weekends, deadlines.
- :class:`DocumentOffice`    documents read, relayed and implemented (merge_documents acts in ``Department``).
- :class:`MeetingOffice`     meetings attended, with travel (meeting_list: cut, joint, shorter).
- :class:`DataOffice`        report forms filled per data system, household fields re-typed unless a store the
                             system can read already holds them (shared_data_pool, one_form).
- :class:`AssessmentOffice`  inspections hosted, ledgers kept and brought up to date for each assessor
                             (no_ledger_assessment, single_assessor).
- :class:`DutyOffice`        duties pushed down the line (responsibility_list, no_blame_shifting,
                             strip_non_autonomous).
- :class:`ChatOffice`        messages in work groups, interruptions, after-hours handling (merge_workgroups,
                             no_instant_reply, rest_rights).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from ..networks import OWNER_TOWNSHIP, OWNER_VILLAGE, build_workgroups


class Calendar:
    def __init__(self, start_date: str, days: int):
        self.start = date.fromisoformat(str(start_date))
        self.days = days
        self.start_weekday = self.start.weekday()
        self.day = 0
        self.workdays_per_year = 5 * 52

    def weekday(self, day: int) -> int:
        return (self.start_weekday + day) % 7

    def is_work(self, day: int) -> bool:
        return self.weekday(day) < 5

    @property
    def is_workday(self) -> bool:
        return self.is_work(self.day)

    @property
    def date(self) -> date:
        return self.start + timedelta(days=self.day)

    def next_workday(self, day: int) -> int:
        while not self.is_work(day):
            day += 1
        return day

    def deadline(self, day: int) -> int:
        """A deadline falls on a working day: one that lands on a weekend moves back to the Friday."""
        while not self.is_work(day) and day > 0:
            day -= 1
        return day

    def next_weekday(self, day: int, weekday: int) -> int:
        return day + (weekday - self.weekday(day)) % 7

    def days_until_next_workday(self, day: int) -> int:
        """How many days ahead the next working day is (1 on Monday-Thursday, 3 on Friday)."""
        k = 1
        while not self.is_work(day + k):
            k += 1
        return k


class DocumentOffice:
    def __init__(self, model):
        self.model = model
        self.issued = 0

    def deliver(self, dept, n_implement: int, relay: bool) -> None:
        m, cfg = self.model, self.model.cfg.documents
        hours = cfg.read_hours + n_implement * cfg.implement_hours
        deadline = m.calendar.deadline(m.day + cfg.deadline_days)
        m.ledger.add_due(dept.township_line, "documents", hours, deadline)
        if relay:
            m.ledger.add_due(dept.village_line, "documents", hours, deadline)
        m.department_hours_today += m.cfg.department_hours.drafting_hours_per_document
        self.issued += 1


class MeetingOffice:
    JOINT_MEETING_WEEKDAY = 2  # joint meetings are held on Wednesdays, so requests in a week can be merged

    def __init__(self, model):
        self.model = model
        self.reform = model.reform.get("meeting_list")
        self.joint: dict[tuple, set] = {}
        self.held = 0
        self.cut = 0

    def request(self, dept, topic: int, necessary: bool, villages: bool, lead: int) -> None:
        m, cfg = self.model, self.model.cfg.meetings
        ml = self.reform
        if ml is not None and ml.cut_unnecessary and not necessary:
            self.cut += 1
            return
        duration = cfg.duration_hours if ml is None else min(cfg.duration_hours, ml.max_duration_hours)
        town = dept.township_line
        vill = dept.village_line if villages else np.zeros(0, dtype=np.int64)
        if ml is not None and ml.joint_meetings:
            day = m.calendar.next_weekday(m.day + lead, self.JOINT_MEETING_WEEKDAY)
            key = (dept.field, topic, day)
            booked = self.joint.get(key)
            if booked is None:
                booked = self.joint[key] = set()
                m.department_hours_today += cfg.organiser_hours
                self.held += 1
            town = np.array([c for c in town if c not in booked], dtype=np.int64)
            vill = np.array([c for c in vill if c not in booked], dtype=np.int64)
            booked.update(town.tolist())
            booked.update(vill.tolist())
        else:
            day = m.calendar.next_workday(m.day + lead)
            m.department_hours_today += cfg.organiser_hours
            self.held += 1
        m.ledger.add_appointment(town, "meetings", duration + cfg.travel_hours_county, day)
        m.ledger.add_appointment(vill, "meetings", duration + cfg.travel_hours_township, day)


class DataOffice:
    """Report forms. A request from system s for fields F reaches every village's cadre on the department's line.

    For each field, the share of the village's targeted households whose value is already current in a store the
    system can read need not be typed again. Baseline: a system with memory reads only its own store, a
    spreadsheet-only report type reads nothing. shared_data_pool: the pooled departments' systems read and feed a
    county pool for the pooled fields. one_form: every system reads and feeds the one pool, and the form's overhead
    shrinks. Both act on the same store map, so together they cannot count a saving twice.
    """

    def __init__(self, model):
        self.model = model
        st, cfg = model.structure, model.cfg.data_reports
        S, F, V = len(st.system_department), cfg.fields, st.n_villages
        self.pool = S
        store = np.where(st.system_has_memory[:, None], np.arange(S)[:, None], -1) * np.ones((1, F), dtype=np.int64)
        pool_cfg = model.reform.get("shared_data_pool")
        if pool_cfg is not None:
            names = [d.name for d in model.cfg.departments]
            pooled_depts = np.isin(st.system_department, [names.index(n) for n in pool_cfg.departments])
            pooled_fields = st.field_rank < pool_cfg.field_share * F
            store[np.ix_(pooled_depts, pooled_fields)] = self.pool
        self.one_form = model.reform.get("one_form")
        if self.one_form is not None:
            store[:, :] = self.pool
        self.store = store.astype(np.int64)
        self.momentary = st.field_momentary
        self.uses_pool = bool((store == self.pool).any())
        self.coverage = np.zeros((S + 1, V, F))
        self.updated = np.zeros((S + 1, V, F))
        self.known = np.zeros((V, F))      # current anywhere: what a single store would have held
        self.known_updated = np.zeros((V, F))
        self.duplicate_entries = 0.0
        self.entries = 0.0
        self.requests = 0
        self.village_households = st.village_households.astype(np.float64)
        self.per_request = cfg.scope_share / cfg.client_share

    def request(self, dept, system: int, fields: np.ndarray) -> None:
        m, cfg = self.model, self.model.cfg.data_reports
        day = m.day
        V = len(self.village_households)
        stores = np.where(self.momentary[fields], -1, self.store[system, fields])   # [k]
        vill = np.arange(V)
        decay = lambda last: np.exp(-(day - last) / cfg.field_validity_days)  # noqa: E731
        held = stores >= 0
        cov = np.zeros((len(fields), V))
        if held.any():
            s_idx, f_idx = stores[held][:, None], fields[held][:, None]
            cov[held] = self.coverage[s_idx, vill[None, :], f_idx] * decay(self.updated[s_idx, vill[None, :], f_idx])
        known = (self.known[:, fields] * decay(self.known_updated[:, fields])).T   # [k, V]
        households = self.village_households * cfg.scope_share
        to_type = households * (1.0 - cov).sum(axis=0)                          # household-fields typed, per village
        self.entries += to_type.sum()
        self.duplicate_entries += (households * ((1.0 - cov) * known).sum(axis=0)).sum()
        q = self.per_request
        if held.any():
            new = cov[held] + (1.0 - cov[held]) * q
            self.coverage[s_idx, vill[None, :], f_idx] = new
            self.updated[s_idx, vill[None, :], f_idx] = day
        self.known[:, fields] = (known + (1.0 - known) * q).T
        self.known_updated[:, fields] = day
        overhead = cfg.form_overhead_hours if self.one_form is None else self.one_form.form_overhead_hours
        compile_hours = cfg.township_compile_hours if self.one_form is None else self.one_form.form_overhead_hours
        entry_hours = to_type * cfg.entry_minutes_per_field / 60.0
        deadline = m.calendar.deadline(day + cfg.deadline_days)
        vline = dept.village_line
        m.ledger.add_due(vline, "data_reports", overhead + entry_hours[m.structure.cadre_village[vline]], deadline)
        m.ledger.add_due(dept.township_line, "data_reports", compile_hours / dept.liaisons_per_township, deadline)
        self.requests += 1

    def weekly(self) -> None:
        if self.uses_pool:
            self.model.department_hours_today += self.model.cfg.department_hours.data_pool_hours_per_week


class AssessmentOffice:
    """Inspections and assessments of townships, and the ledgers kept for them.

    Baseline: every department inspects on its own, and each inspecting department wants its own ledger set from
    the cadres on its line. single_assessor: one lead department per field, so ledger sets and redone material are
    per field; routine requests are folded into at most ``max_per_year`` comprehensive assessments a township a
    year (emergency inspections excepted). no_ledger_assessment: fields judged by visiting residents at random
    need no ledgers (the department's visits cost department hours instead).
    """

    def __init__(self, model):
        self.model = model
        cfg, st = model.cfg, model.structure
        self.single = model.reform.get("single_assessor")
        self.no_ledger = model.reform.get("no_ledger_assessment")
        fields = sorted({d.field for d in cfg.departments})
        self.dept_field = np.array([fields.index(d.field) for d in cfg.departments])
        needs_ledger = np.ones(len(cfg.departments), dtype=bool)
        if self.no_ledger is not None:
            needs_ledger = np.array([d.field not in self.no_ledger.fields for d in cfg.departments])
        self.needs_ledger = needs_ledger
        self.n_assessors = self._bodies(st.covers, np.ones_like(needs_ledger))
        self.n_ledger_sets = self._bodies(st.covers, needs_ledger)
        self.visits: dict[int, list] = {}
        self.routine = np.zeros(st.n_townships, dtype=np.int64)
        self.emergency = np.zeros(st.n_townships, dtype=np.int64)
        self.absorbed = 0
        self._rng_findings = model.streams["inspections/findings"]
        if self.single is not None:
            rng = model.streams["inspections/plan"]
            days = model.cfg.scenario.days
            k = self.single.max_per_year * days / 364.0
            n = int(np.floor(k))
            for t in range(st.n_townships):
                for i in range(n):
                    day = model.calendar.next_workday(int((i + 0.5) * days / max(k, 1e-9)))
                    if day >= days:
                        continue
                    self._schedule(day, t, np.arange(len(cfg.departments)), self.draw_villages(rng),
                                   emergency=False)

    def draw_villages(self, rng: np.random.Generator) -> np.ndarray:
        """The villages (within the township) an inspection visits."""
        per_township = self.model.structure.n_villages // self.model.structure.n_townships
        return rng.choice(per_township, size=min(self.model.cfg.inspections.villages_visited, per_township),
                          replace=False)

    def _bodies(self, covers, mask) -> np.ndarray:
        """Distinct assessing bodies over a cadre's lines: departments, or fields under a single assessor."""
        cov = covers & mask[None, :]
        if self.single is None:
            return cov.sum(axis=1).astype(np.float64)
        n_fields = self.dept_field.max() + 1
        per_field = np.zeros((covers.shape[0], n_fields), dtype=bool)
        for d, f in enumerate(self.dept_field):
            per_field[:, f] |= cov[:, d]
        return per_field.sum(axis=1).astype(np.float64)

    def request(self, dept, township: int, visited, emergency: bool) -> None:
        if self.single is not None and not emergency:
            self.absorbed += 1
            return
        m = self.model
        day = m.calendar.next_workday(m.day + m.cfg.inspections.notice_days)
        self._schedule(day, township, np.array([dept.index]), visited, emergency)

    def _schedule(self, day, township, depts, visited_local, emergency) -> None:
        m, st, cfg = self.model, self.model.structure, self.model.cfg
        if day >= cfg.scenario.days:
            return
        villages = np.flatnonzero(st.village_township == township)[visited_local]
        on_lines = st.covers[:, depts].any(axis=1)
        in_t = st.cadre_township == township
        leaders = np.flatnonzero(in_t & (st.cadre_village < 0))[: cfg.inspections.township_hosts]
        hosts = np.flatnonzero(in_t & on_lines & ((st.cadre_village < 0) | np.isin(st.cadre_village, villages)))
        hosts = np.union1d(hosts, leaders)
        m.ledger.add_appointment(hosts, "inspections", cfg.inspections.hosting_hours, day)
        # bring the inspected ledger sets up to date before the visit
        dmask = np.zeros(len(cfg.departments), dtype=bool)
        dmask[depts] = True
        sets = self._bodies(st.covers[hosts], dmask & self.needs_ledger)
        prep_deadline = m.calendar.deadline(max(m.day, day - 1))
        m.ledger.add_due(hosts, "ledgers", sets * cfg.ledgers.prep_hours_per_inspection, prep_deadline)
        bodies = len(set(self.dept_field[depts])) if self.single is not None else len(depts)
        m.department_hours_at(day, cfg.inspections.inspector_hours * bodies)
        if self.no_ledger is not None:
            judged = [d for d in depts if not self.needs_ledger[d]]
            if judged:
                n_households = len(villages) * st.n_households / st.n_villages
                minutes = self.no_ledger.visited_households_per_assessment * cfg.department_hours.survey_minutes_per_household
                m.department_hours_at(day, minutes / 60.0 * min(1.0, n_households))
        self.visits.setdefault(day, []).append((township, hosts))
        (self.emergency if emergency else self.routine)[township] += 1

    def today(self) -> np.ndarray:
        """Findings against hosting cadres from today's visits (an array of cadre ids, with repeats)."""
        found = []
        for township, hosts in self.visits.pop(self.model.day, []):
            hit = self._rng_findings.random(len(hosts)) < self.model.cfg.inspections.finding_probability
            found.append(hosts[hit])
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def weekly_ledgers(self) -> None:
        m = self.model
        friday = m.calendar.deadline(m.day + 4)
        hours = self.n_ledger_sets * m.cfg.ledgers.upkeep_hours_per_set_per_week
        m.ledger.add_due(np.arange(m.structure.n_cadres), "ledgers", hours, friday)


class DutyOffice:
    """Duties pushed down (属地管理): who ends up doing them, and in how many hours."""

    def __init__(self, model):
        self.model = model
        self.returned = 0
        self.pushed = 0

    def push(self, dept, category: str, village_level: bool, non_autonomous: bool) -> None:
        m, cfg = self.model, self.model.cfg.pushed_down
        rl = m.reform.get("responsibility_list")
        nb = m.reform.get("no_blame_shifting")
        strip = m.reform.get("strip_non_autonomous")
        st = m.structure
        recipients = dept.village_line if village_level else dept.township_line
        units = st.n_villages if village_level else st.n_townships
        per_cadre_share = 1.0 if village_level else 1.0 / dept.liaisons_per_township
        h = cfg.hours_per_task
        dept_share = 0.0
        if (rl is not None and rl.refuse_returned and category == "returned") or (
            strip is not None and strip.return_errands and non_autonomous
        ):
            dept_share = 1.0
            self.returned += 1
        elif nb is not None and category == "shared":
            dept_share = 1.0 - nb.cadre_share_of_shared
        m.department_hours_today += h * dept_share * units * cfg.department_efficiency
        if dept_share < 1.0:
            deadline = m.calendar.deadline(m.day + cfg.deadline_days)
            m.ledger.add_due(recipients, "pushed_down", h * (1.0 - dept_share) * per_cadre_share, deadline)
        self.pushed += 1


class ChatOffice:
    """Work groups and their messages.

    Notices come from sources (each department in each township, the township, each village, each campaign) at
    rates that do not depend on any reform; where a notice lands depends on the groups (merge_workgroups), and what
    it costs a cadre depends on when and how it must be answered (no_instant_reply, rest_rights).
    """

    # message cells: time of day x needs action x urgent
    WORK, EVENING, LATE = 0, 1, 2

    def __init__(self, model, campaigns):
        self.model = model
        cfg, st = model.cfg, model.structure
        ch = cfg.chat
        mw = model.reform.get("merge_workgroups")
        self.no_instant = model.reform.get("no_instant_reply")
        self.rest = model.reform.get("rest_rights")
        self.dedupe = mw is not None and mw.deduplicate_crossposts
        self.groups, self.dept_owner, campaign_owner = build_workgroups(
            cfg, st, model.streams["network/workgroups"], campaigns, merged=mw is not None,
            fold_campaigns=mw is not None and mw.fold_campaign_groups,
        )
        g = self.groups
        T, D = st.n_townships, st.n_departments
        # sources: (owner, rate per day, start, end)
        src_owner, src_rate, src_start, src_end = [], [], [], []

        def per_owner_rate(n_groups):
            return ch.messages_per_group_per_day * n_groups / (1.0 + ch.crosspost_share * max(n_groups - 1, 0))

        days = cfg.scenario.days
        for t in range(T):
            for d in range(D):
                src_owner.append(self.dept_owner[t, d])
                src_rate.append(per_owner_rate(ch.groups_per_department))
                src_start.append(0)
                src_end.append(days + 1)
        for o in np.flatnonzero(g.owner_kind == OWNER_TOWNSHIP):
            src_owner.append(o)
            src_rate.append(per_owner_rate(ch.township_groups))
            src_start.append(0)
            src_end.append(days + 1)
        for o in np.flatnonzero(g.owner_kind == OWNER_VILLAGE):
            src_owner.append(o)
            src_rate.append(per_owner_rate(ch.village_groups))
            src_start.append(0)
            src_end.append(days + 1)
        for (t, start, dep), o in zip(campaigns, campaign_owner):
            src_owner.append(o if o >= 0 else self.dept_owner[t, dep])
            src_rate.append(per_owner_rate(1))
            src_start.append(start)
            src_end.append(min(days + 1, start + ch.campaign_days))
        self.src_owner = np.asarray(src_owner, dtype=np.int64)
        self.src_rate = np.asarray(src_rate)
        self.src_start = np.asarray(src_start)
        self.src_end = np.asarray(src_end)
        self.extra_department_notices = np.zeros((T, D), dtype=np.int64)
        self._rng = model.streams["messages"]
        C = st.n_cadres
        self.deferred_minutes = np.zeros(C)
        self.deferred_count = np.zeros(C)
        self.max_groups = max(ch.groups_per_department, ch.township_groups, ch.village_groups, 1)
        self.membership = g.membership  # [C, G]
        self.messages_total = 0.0
        self.after_hours_total = np.zeros(C)
        self.after_hours_non_urgent_total = np.zeros(C)

    def post_department_notice(self, dept_index: int) -> None:
        """A notice that replaces a document (merge_documents' "don't issue what need not be issued")."""
        self.extra_department_notices[:, dept_index] += 1

    def day(self, is_workday: bool, weekend_volume: float):
        """Deliver today's messages. Returns (minutes of message work per cadre today, after-hours copies)."""
        m, ch = self.model, self.model.cfg.chat
        rng = self._rng
        day = m.day
        active = (self.src_start <= day) & (day < self.src_end)
        lam = np.where(active, self.src_rate, 0.0) * (1.0 if is_workday else weekend_volume)
        n = rng.poisson(lam)
        # notices replacing documents travel as department notices
        extra = self.extra_department_notices.ravel()
        n[: extra.size] += extra
        self.extra_department_notices[:] = 0
        owners = np.repeat(self.src_owner, n)
        N = len(owners)
        u_time = rng.random(N)
        urgent = rng.random(N) < ch.urgent_share
        u_action = rng.random(N)
        u_primary = rng.random(N)
        u_cross = rng.random((N, self.max_groups))
        tcat = np.where(u_time < 1.0 - ch.evening_share - ch.late_share, self.WORK,
                        np.where(u_time < 1.0 - ch.late_share, self.EVENING, self.LATE))
        action_share = ch.action_share
        action = u_action < action_share
        if self.no_instant is not None:
            action = np.where(urgent, action, u_action < min(action_share, self.no_instant.residual_action_share))
        g = self.groups
        n_groups = g.owner_n_groups[owners]
        primary = np.minimum((u_primary * n_groups).astype(np.int64), n_groups - 1)
        cols = np.arange(self.max_groups)[None, :]
        valid = cols < n_groups[:, None]
        if self.dedupe:
            copies = cols == primary[:, None]
        else:
            copies = (cols == primary[:, None]) | ((u_cross[:, : self.max_groups] < ch.crosspost_share) & valid)
        copies &= valid
        note_idx, col_idx = np.nonzero(copies)
        group_ids = g.owner_groups[owners[note_idx], col_idx]
        cell = tcat[note_idx] * 4 + action[note_idx] * 2 + urgent[note_idx]
        G = len(g.group_owner)
        counts = np.zeros((G, 12))
        np.add.at(counts, (group_ids, cell), 1.0)
        per_cadre = np.asarray(self.membership @ counts)          # [C, 12] copies seen
        self.messages_total += per_cadre.sum()

        tc = np.repeat(np.arange(3), 4)
        act = np.tile(np.repeat([0, 1], 2), 3)
        urg = np.tile([0, 1], 6)
        # handled now, or deferred to the next working morning?
        out_of_hours = (tc != self.WORK) if is_workday else np.ones(12, dtype=bool)
        after_hours = (tc == self.LATE) if is_workday else np.ones(12, dtype=bool)
        deferred = np.zeros(12, dtype=bool)
        if self.no_instant is not None:
            deferred |= out_of_hours & (urg == 0)
        if self.rest is not None:
            deferred |= after_hours & (urg == 0)
        interrupt = act.astype(bool) & ~((urg == 0) & (self.no_instant is not None))
        minutes = ch.read_minutes + act * ch.action_minutes + interrupt * ch.refocus_minutes
        now_minutes = per_cadre[:, ~deferred] @ minutes[~deferred]
        later_minutes = per_cadre[:, deferred] @ minutes[deferred]
        self.deferred_minutes += later_minutes
        self.deferred_count += per_cadre[:, deferred].sum(axis=1)
        after = per_cadre[:, after_hours & ~deferred].sum(axis=1)
        self.after_hours_total += after
        self.after_hours_non_urgent_total += per_cadre[:, after_hours & ~deferred & (urg == 0)].sum(axis=1)
        if is_workday:
            now_minutes = now_minutes + self.deferred_minutes
            if self.no_instant is not None:
                # batched reading: one refocus per batch on a day with any non-urgent messages
                batch = (per_cadre[:, urg == 0].sum(axis=1) + self.deferred_count) > 0
                now_minutes = now_minutes + batch * self.no_instant.batches_per_day * ch.refocus_minutes
            self.deferred_minutes[:] = 0.0
            self.deferred_count[:] = 0.0
        return now_minutes / 60.0, after

    def groups_per_cadre(self) -> float:
        mid = self.model.cfg.scenario.days // 2
        return float(self.groups.groups_per_cadre(mid).mean())
