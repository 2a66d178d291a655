"""Work groups and their messages (工作群): what a message costs a cadre, and when."""

from __future__ import annotations

import numpy as np

from ..networks import OWNER_TOWNSHIP, OWNER_VILLAGE, build_workgroups


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
        mw = model.cfg.reform.merge_workgroups
        self.no_instant = model.cfg.reform.no_instant_reply
        self.rest = model.cfg.reform.rest_rights
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

        days = model.days
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

    def post_department_notice(self, dept_index: int) -> None:
        """A notice that replaces a document (merge_documents' "don't issue what need not be issued")."""
        self.extra_department_notices[:, dept_index] += 1

    def defer(self, cadres: np.ndarray, hours: np.ndarray) -> None:
        """Messages of cadres on a day off in lieu (调休) wait for their next working morning."""
        self.deferred_minutes[cadres] += hours[cadres] * 60.0

    def deliver(self):
        """Deliver today's messages. Returns (hours of message work per cadre today, after-hours copies)."""
        m, ch = self.model, self.model.cfg.chat
        rng = self._rng
        day = m.day
        is_workday, weekend_volume = m.calendar.is_workday, ch.weekend_volume
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
        m.tally.add("messages", per_cadre.sum())

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
        m.tally.add("after_hours_messages", after.sum())
        m.tally.add("after_hours_messages_non_urgent", per_cadre[:, after_hours & ~deferred & (urg == 0)].sum())
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
        m = self.model
        mid = m.warmup_days + m.cfg.scenario.days // 2  # the middle of the measured days
        return float(self.groups.groups_per_cadre(mid).mean())
