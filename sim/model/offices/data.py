"""Data reports (填表报数): forms per data system; shared_data_pool and one_form change what must be typed."""

from __future__ import annotations

import numpy as np


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
        pool_cfg = model.cfg.reform.shared_data_pool
        if pool_cfg is not None:
            names = [d.name for d in model.cfg.departments]
            pooled_depts = np.isin(st.system_department, [names.index(n) for n in pool_cfg.departments])
            pooled_fields = st.field_rank < pool_cfg.field_share * F
            store[np.ix_(pooled_depts, pooled_fields)] = self.pool
        self.one_form = model.cfg.reform.one_form
        if self.one_form is not None:
            store[:, :] = self.pool
        self.store = store.astype(np.int64)
        self.momentary = st.field_momentary
        self.uses_pool = bool((store == self.pool).any())
        self.coverage = np.zeros((S + 1, V, F))
        self.updated = np.zeros((S + 1, V, F))
        self.known = np.zeros((V, F))      # current anywhere: what a single store would have held
        self.known_updated = np.zeros((V, F))
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
        m.tally.add("data_entries", to_type.sum())
        m.tally.add("duplicate_data_entries", (households * ((1.0 - cov) * known).sum(axis=0)).sum())
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

    def weekly(self) -> None:
        if self.uses_pool:
            self.model.department_hours_today += self.model.cfg.department_hours.data_pool_hours_per_week
