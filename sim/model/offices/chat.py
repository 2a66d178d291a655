"""Work groups and their messages (工作群): what a message costs a cadre, and when."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import compiled
from ..networks import LEVEL_TOWNSHIP, OWNER_TOWNSHIP, OWNER_VILLAGE, WorkGroups, build_workgroups
from ..streams import stream_key

SRC_DEPARTMENT, SRC_TOWNSHIP, SRC_VILLAGE, SRC_CAMPAIGN = 0, 1, 2, 3


def _padded(lists, dtype=np.int64) -> np.ndarray:
    """Lists of ids as one array, -1 padded (at least one column)."""
    out = np.full((len(lists), max((len(x) for x in lists), default=0) or 1), -1, dtype=dtype)
    for i, x in enumerate(lists):
        out[i, :len(x)] = x
    return out


@dataclass
class _Net:
    """One work-group network read into the arrays `deliver` walks: where each source's notices land and which
    groups sit below which (the forwarding hierarchy of `WorkGroups.children`)."""

    groups: WorkGroups
    dedupe: np.ndarray         # [T] a notice is forwarded once, into one group at each level, in these townships
    src_groups: np.ndarray     # [S, k] the groups a source's notice may land in, -1 padded
    src_n: np.ndarray          # [S]
    member: np.ndarray         # [C, G] bool
    group_level: np.ndarray    # [G] LEVEL_COUNTY, LEVEL_TOWNSHIP or LEVEL_VILLAGE
    group_ptr: np.ndarray      # [G + 1] int32: group g's members are group_cadres[group_ptr[g]:group_ptr[g + 1]]
    group_cadres: np.ndarray   # int32
    town_children: np.ndarray  # [G, k] township-level children of each group, -1 padded
    village_targets: np.ndarray  # [V, k] a village's groups that sit below a township-level group, -1 padded
    # the same tables as the compiled cascade holds them (``message_copies.Cascade``), made when first used; a network
    # changed with dataclasses.replace starts without one, so it is made from its own tables
    cascade: object = field(default=None, init=False, repr=False, compare=False)


@dataclass(frozen=True)
class _CellRules:
    """How a copy in each of the twelve cells is handled today: per cell ([12]), or per cadre and cell ([C, 12])
    where townships' rules differ. Each weight multiplies the copies a cadre saw in the cell."""

    minutes: np.ndarray                 # minutes a copy takes, whenever handled
    minutes_now: np.ndarray             # ... handled today
    minutes_deferred: np.ndarray        # ... waiting for the next working morning
    deferred: np.ndarray                # 1.0 where a copy waits
    after_hours: np.ndarray             # 1.0 where a copy is handled after hours today
    after_hours_non_urgent: np.ndarray  # ... and is not urgent


# the twelve cells a copy falls in (cell = time x 4 + action x 2 + urgent): each cell's time of day, whether it asks
# for action, whether it is urgent
CELL_TIME = np.repeat(np.arange(3), 4)
CELL_ACTION = np.tile(np.repeat([0, 1], 2), 3)
CELL_URGENT = np.tile([0, 1], 6)


class ChatOffice:
    """Work groups and their messages.

    Notices come from sources (each department in each township, the township, each village, each campaign) at
    rates that do not depend on any reform. A notice lands in one of its owner's groups and is forwarded down the
    work-group hierarchy (county group -> township groups -> village groups) by the cadres who see it there; how
    many copies it makes depends on the groups (merge_workgroups), and what a copy costs a cadre depends on when and
    how it must be answered (no_instant_reply, rest_rights).
    """

    # message cells: time of day x needs action x urgent
    WORK, EVENING, LATE = 0, 1, 2   # a notice's time of day, as draws.notices gives it

    def __init__(self, model, campaigns):
        self.model = model
        cfg, st = model.cfg, model.structure
        ch = cfg.chat
        mw = model.cfg.reform.merge_workgroups
        self.no_instant = model.cfg.reform.no_instant_reply
        # merge_workgroups is built into the groups of the townships that apply it (a structure does not lapse)
        merging = model.fidelity.mask("merge_workgroups")
        self.dedupe = merging & (mw is not None and mw.deduplicate_crossposts)
        self.groups, self.dept_owner, campaign_owner = build_workgroups(
            cfg, st, model.streams["network/workgroups"], campaigns, merged=merging,
            fold_campaigns=merging & (mw is not None and mw.fold_campaign_groups),
        )
        T, D, V = st.n_townships, st.n_departments, st.n_villages
        days = model.days

        # ---- sources (the same with and without any reform) ----------------------------------------------------
        # A source's rate: messages_per_group_per_day for each group it has in the unreformed network, less its
        # notices' expected copies down the cascade there, so that a group carries about that many a day
        f_t, f_v = ch.forward_to_township_share, ch.forward_to_village_share
        n_liaisons = min(cfg.hierarchy.township_liaisons_per_department, cfg.scenario.township_cadres)
        reach_t = 1.0 - (1.0 - f_t) ** n_liaisons if ch.township_groups > 0 else 0.0
        village_copies = cfg.scenario.villages_per_township * f_v * ch.village_groups
        copies_dept = 1.0 + reach_t * (ch.township_groups + village_copies)
        copies_town = 1.0 + village_copies
        kind, town, dept, village, camp, rate, start, end = [], [], [], [], [], [], [], []

        def add(k, t, d, v, c, r, s0=0, s1=days + 1):
            for lst, x in zip((kind, town, dept, village, camp, rate, start, end), (k, t, d, v, c, r, s0, s1)):
                lst.append(x)

        m_g = ch.messages_per_group_per_day
        for t in range(T):
            for d in range(D):
                add(SRC_DEPARTMENT, t, d, -1, -1, m_g * ch.groups_per_department / copies_dept)
        for t in range(T):
            add(SRC_TOWNSHIP, t, -1, -1, -1, m_g * ch.township_groups / copies_town)
        for v in range(V):
            add(SRC_VILLAGE, int(st.village_township[v]), -1, v, -1, m_g * ch.village_groups)
        for i, (t, s0, dep) in enumerate(campaigns):
            add(SRC_CAMPAIGN, t, dep, -1, i, m_g / copies_dept, s0, min(days + 1, s0 + ch.campaign_days))
        self.src_kind, self.src_township, self.src_dept, self.src_village = (
            np.asarray(x, dtype=np.int64) for x in (kind, town, dept, village))
        self.src_campaign = np.asarray(camp, dtype=np.int64)
        self.src_rate = np.asarray(rate, dtype=float)
        self.src_start = np.asarray(start, dtype=np.int64)   # each source posts on days start <= day < end
        self.src_end = np.asarray(end, dtype=np.int64)

        # ---- who forwards (from the hierarchy: the same with and without any reform) -------------------------
        # county -> township: the department's township line cadres; township -> village: in each village of the
        # township, the village's line cadre for the department (for the township's own notices, the village's
        # first cadre)
        is_vc = st.cadre_village >= 0
        town_line = [[np.flatnonzero(st.covers[:, d] & ~is_vc & (st.cadre_township == t)) for d in range(D)]
                     for t in range(T)]
        villages_of = [np.flatnonzero(st.village_township == t) for t in range(T)]
        head = np.full(V, -1, dtype=np.int64)
        line_v = np.full((V, D), -1, dtype=np.int64)
        for c in np.flatnonzero(is_vc)[::-1]:  # reversed, so the first cadre of a village is written last
            v = st.cadre_village[c]
            head[v] = c
            line_v[v, st.covers[c]] = c
        fwd_t, fwd_v, fwd_village = [], [], []
        for k, t, d in zip(kind, town, dept):
            vs = villages_of[t] if k in (SRC_DEPARTMENT, SRC_CAMPAIGN, SRC_TOWNSHIP) else np.zeros(0, dtype=int)
            fwd_t.append(town_line[t][d] if k in (SRC_DEPARTMENT, SRC_CAMPAIGN) else [])
            fwd_v.append(head[vs] if k == SRC_TOWNSHIP else line_v[vs, d])
            fwd_village.append(vs)
        self.fwd_town = _padded(fwd_t)         # [S, Lmax]
        self.fwd_village = _padded(fwd_v)      # [S, Vmax]
        self.fwd_village_of = _padded(fwd_village)

        self.net = self._read(self.groups, self.dept_owner, campaign_owner, self.dedupe)
        # the unmerged network, for what merging saves: the same membership draws from a fresh copy of the stream
        self.base = self.net
        if mw is not None:
            fresh = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
                entropy=model.seed, spawn_key=(stream_key("network/workgroups"),))))
            groups, dept_owner, c_owner = build_workgroups(cfg, st, fresh, campaigns, merged=False,
                                                           fold_campaigns=False)
            self.base = self._read(groups, dept_owner, c_owner, dedupe=np.zeros(T, dtype=bool))
        self.measure_removed = mw is not None or self.no_instant is not None

        self.extra_department_notices = np.zeros((T, D), dtype=np.int64)
        self._rng = model.streams["messages"]
        C = st.n_cadres
        self.deferred_minutes = np.zeros(C)
        self.deferred_count = np.zeros(C)
        self.membership = self.groups.membership  # [C, G]
        self.removed_hours_today = np.zeros(C)  # what merge_workgroups and no_instant_reply saved each cadre today
        self._uniform_rules: dict[bool, _CellRules] = {}  # _cell_rules on days when every township has the same rules
        # ... and on other days, by kind of day: the last rules made, with the cadres' masks they were made from
        # (townships' rules change only when one lapses or is put back, so most days reuse them)
        self._mixed_rules: dict[bool, tuple[bytes, _CellRules]] = {}

    def _read(self, g: WorkGroups, dept_owner, campaign_owner, dedupe: np.ndarray) -> _Net:
        """Read a built work-group network into the arrays `deliver` uses."""
        st = self.model.structure
        town_owner = np.full(st.n_townships, -1, dtype=np.int64)
        village_owner = np.full(st.n_villages, -1, dtype=np.int64)
        for o in np.flatnonzero(g.owner_kind == OWNER_TOWNSHIP):
            town_owner[g.owner_township[o]] = o
        for o in np.flatnonzero(g.owner_kind == OWNER_VILLAGE):
            village_owner[g.owner_village[o]] = o
        owner = np.empty(len(self.src_kind), dtype=np.int64)
        for s, (k, t, d, v, c) in enumerate(zip(self.src_kind, self.src_township, self.src_dept, self.src_village,
                                                self.src_campaign)):
            if k == SRC_DEPARTMENT:
                owner[s] = dept_owner[t, d]
            elif k == SRC_TOWNSHIP:
                owner[s] = town_owner[t]
            elif k == SRC_VILLAGE:
                owner[s] = village_owner[v]
            else:  # a folded campaign's notices go to its department's groups
                owner[s] = campaign_owner[c] if campaign_owner[c] >= 0 else dept_owner[t, d]
        og = g.owner_groups if g.owner_groups.shape[1] else np.full((len(g.owner_groups), 1), -1)
        src_groups = np.where(owner[:, None] >= 0, og[owner], -1)
        src_n = (src_groups >= 0).sum(axis=1)
        ch = g.children.tocsr()
        level = g.group_level
        town_children = _padded([[k for k in ch.indices[ch.indptr[i]:ch.indptr[i + 1]] if level[k] == LEVEL_TOWNSHIP]
                                 for i in range(len(level))])
        below_town = np.asarray(ch[level == LEVEL_TOWNSHIP].sum(axis=0)).ravel() > 0
        village_targets = _padded([np.flatnonzero(below_town & (g.group_village == v)) for v in range(st.n_villages)])
        by_group = g.membership.tocsc()
        return _Net(groups=g, dedupe=dedupe, src_groups=src_groups, src_n=src_n, member=g.membership.toarray() > 0,
                    group_level=np.ascontiguousarray(level, dtype=np.int64),
                    group_ptr=by_group.indptr.astype(np.int32), group_cadres=by_group.indices.astype(np.int32),
                    town_children=town_children, village_targets=village_targets)

    def _cell_rules(self, is_workday: bool, calm, rests) -> _CellRules:
        """How a copy in each cell is handled today (per cadre too, where townships' rules differ: `calm`, `rests`
        [C, 1], or False for all)."""
        ch = self.model.cfg.chat
        tc, act, urg = CELL_TIME, CELL_ACTION, CELL_URGENT
        out_of_hours = (tc != self.WORK) if is_workday else np.ones(12, dtype=bool)
        after_hours = (tc == self.LATE) if is_workday else np.ones(12, dtype=bool)
        deferred = ((calm & out_of_hours) | (rests & after_hours)) & (urg == 0)          # [C, 12] or [12]
        interrupt = act.astype(bool) & ~((urg == 0) & calm)
        minutes = ch.read_minutes + act * ch.action_minutes + interrupt * ch.refocus_minutes
        handled_late = after_hours & ~deferred
        rules = _CellRules(minutes=minutes, minutes_now=minutes * ~deferred, minutes_deferred=minutes * deferred,
                           deferred=deferred.astype(float), after_hours=handled_late.astype(float),
                           after_hours_non_urgent=(handled_late & (urg == 0)).astype(float))
        for weights in vars(rules).values():   # read-only: the rules are kept for the days they hold on
            weights.setflags(write=False)
        return rules

    def post_department_notice(self, dept_index: int) -> None:
        """A notice that replaces a document (merge_documents' "don't issue what need not be issued")."""
        self.extra_department_notices[:, dept_index] += 1

    def defer(self, cadres: np.ndarray, hours: np.ndarray) -> None:
        """Messages of cadres on a day off in lieu (调休) wait for their next working morning."""
        self.deferred_minutes[cadres] += hours[cadres] * 60.0

    def _copies_seen(self, net: _Net, src, cell, u) -> np.ndarray:
        """[C, 12] copies of today's notices each cadre sees in one network, by cell (``message_copies.pyx``).

        A notice lands in one of its owner's groups. From a county-level group, each of its department's township
        line cadres who is in that group forwards it with probability `forward_to_township_share` into the group's
        township-level children (every one of them; deduplicated, one copy into one group). From the township
        groups it reached (or the one it landed in), the village cadre on its line in each village, if in one of
        them, forwards it with probability `forward_to_village_share` into the village's groups below them
        (every one of them; deduplicated, one)."""
        if net.cascade is None:
            shares = self.model.cfg.chat
            net.cascade = compiled.message_copies.Cascade(
                net.src_n, net.src_groups, net.group_level, self.fwd_town, net.town_children, self.fwd_village,
                self.fwd_village_of, net.village_targets, net.member.view(np.uint8), net.dedupe.view(np.uint8),
                self.src_township, net.group_ptr, net.group_cadres, shares.forward_to_township_share,
                shares.forward_to_village_share, len(net.member))
        return net.cascade.copies_seen(src, cell, *u)

    def deliver(self):
        """Deliver today's messages. Returns (hours of message work per cadre today, after-hours copies)."""
        m, ch = self.model, self.model.cfg.chat
        rng = self._rng
        day = m.day
        is_workday, weekend_volume = m.calendar.is_workday, ch.weekend_volume
        # today's notices from the sources active today (those replacing documents travel as department notices),
        # when each is posted, whether it is urgent, and every uniform any network might need to forward it, drawn
        # whatever the reforms (common random numbers): the Generator's own calls, made in one (``draws.notices``)
        src, tcat, urgent, u_action, u = compiled.draws.notices(
            rng, self.src_rate, self.src_start, self.src_end, day, 1.0 if is_workday else weekend_volume,
            self.extra_department_notices.reshape(-1), 1.0 - ch.evening_share - ch.late_share, 1.0 - ch.late_share,
            ch.urgent_share, self.fwd_town.shape[1], self.fwd_village.shape[1])
        # no_instant_reply rules the notices posted in the townships that apply it today: non-urgent ones ask
        # for action only as genuine replies do
        fid = m.fidelity
        action_share = ch.action_share
        base_action = u_action < action_share
        action = base_action
        if self.no_instant is not None:
            quiet = fid.mask("no_instant_reply")                          # [T] today
            ruled = quiet[self.src_township[src]] & ~urgent
            action = np.where(ruled, u_action < min(action_share, self.no_instant.residual_action_share), action)
        cell = tcat * 4 + action * 2 + urgent
        per_cadre = self._copies_seen(self.net, src, cell, u)           # [C, 12] copies seen
        m.tally.add("messages", per_cadre.sum())
        m.tally.add_per_cadre("messages", per_cadre.sum(axis=1))

        urg = CELL_URGENT
        # handled now, or deferred to the next working morning? Per cadre: the rules of its township today
        uniform = True   # the same rules for every cadre: one row of cells (a matrix product, not [C, 12])
        if self.no_instant is not None or m.cfg.reform.rest_rights is not None:
            township = m.structure.cadre_township
            calm = fid.mask("no_instant_reply")[township][:, None]       # [C, 1] no_instant_reply applies
            rests = fid.mask("rest_rights")[township][:, None]           # [C, 1] rest_rights applies
            uniform = not (calm.any() or rests.any())
        if uniform:
            calm = rests = False
            rules = self._uniform_rules.get(is_workday)
            if rules is None:     # the same on every working day, and on every weekend day: made once each
                rules = self._uniform_rules[is_workday] = self._cell_rules(is_workday, calm, rests)
        else:
            masks = calm.tobytes() + rests.tobytes()
            made = self._mixed_rules.get(is_workday)
            if made is None or made[0] != masks:
                made = self._mixed_rules[is_workday] = (masks, self._cell_rules(is_workday, calm, rests))
            rules = made[1]

        def per_row(weights, copies=per_cadre):  # per cadre: the copies seen, weighted per cell
            return copies @ weights if np.ndim(weights) == 1 else (copies * weights).sum(axis=1)

        now_minutes = per_row(rules.minutes_now)
        self.deferred_minutes += per_row(rules.minutes_deferred)
        self.deferred_count += per_row(rules.deferred)
        after = per_row(rules.after_hours)
        after_non_urgent = per_row(rules.after_hours_non_urgent)
        m.tally.add("after_hours_messages", after.sum())
        m.tally.add("after_hours_messages_non_urgent", after_non_urgent.sum())
        m.tally.add_per_cadre_each((("after_hours_messages", after),
                                    ("after_hours_messages_non_urgent", after_non_urgent)))
        batch_minutes = 0.0
        if is_workday:
            now_minutes = now_minutes + self.deferred_minutes
            if self.no_instant is not None:
                # batched reading: one refocus per batch on a day with any non-urgent messages
                calm_cadre = np.broadcast_to(calm, (len(per_cadre), 1))[:, 0]
                batch = calm_cadre & ((per_cadre[:, urg == 0].sum(axis=1) + self.deferred_count) > 0)
                batch_minutes = batch * self.no_instant.batches_per_day * ch.refocus_minutes
                now_minutes = now_minutes + batch_minutes
            self.deferred_minutes[:] = 0.0
            self.deferred_count[:] = 0.0
        if self.measure_removed:
            # the same notices through the unmerged groups, at the unreformed minutes (each action interrupts);
            # deferral only moves minutes to another day, so today's copies are counted whenever handled
            base = self._copies_seen(self.base, src, tcat * 4 + base_action * 2 + urgent, u)
            act, minutes = CELL_ACTION, rules.minutes
            base_minutes = ch.read_minutes + act * ch.action_minutes + act * ch.refocus_minutes
            base_weights = base_minutes if np.ndim(minutes) == 1 else np.broadcast_to(base_minutes, minutes.shape)
            self.removed_hours_today = (per_row(base_weights, base) - per_row(minutes) - batch_minutes) / 60.0
            # both reforms act on the same copies: the saving is booked to the one that changes the groups, if on
            reform = "merge_workgroups" if m.cfg.reform.merge_workgroups is not None else "no_instant_reply"
            m.accounts.removed(reform, np.arange(len(per_cadre)), self.removed_hours_today)
        return now_minutes / 60.0, after

    def groups_per_cadre(self) -> float:
        return float(self.groups_by_cadre().mean())

    def groups_by_cadre(self) -> np.ndarray:
        """The work groups each cadre belongs to, in the middle of the measured days."""
        m = self.model
        return self.groups.groups_per_cadre(m.warmup_days + m.cfg.scenario.days // 2)
