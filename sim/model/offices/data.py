"""Data reports (填表报数): forms per data system; shared_data_pool and one_form change what must be typed."""

from __future__ import annotations

import numpy as np

from .. import compiled


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
        own_store = store.astype(np.int64)  # each system reads its own store only (no pool reform)
        # the systems of the departments that apply a pool reform read and feed the pool (a department that
        # lapses later goes back to its own store: ``request``)
        fid = model.fidelity
        pool_cfg = model.cfg.reform.shared_data_pool
        if pool_cfg is not None:
            names = [d.name for d in model.cfg.departments]
            pooled_depts = np.isin(st.system_department, [names.index(n) for n in pool_cfg.departments])
            pooled_depts &= fid.mask("shared_data_pool")[st.system_department]
            pooled_fields = st.field_rank < pool_cfg.field_share * F
            store[np.ix_(pooled_depts, pooled_fields)] = self.pool
        self.one_form = model.cfg.reform.one_form
        if self.one_form is not None:
            store[fid.mask("one_form")[st.system_department], :] = self.pool
        self.store = store.astype(np.int64)
        self.momentary = st.field_momentary
        # the store a system reads for each field, or none (-1) for a field of the moment, which no store holds
        self._reads = np.where(self.momentary[None, :], -1, self.store)
        self.uses_pool = bool((store == self.pool).any())
        # [store, field, village]: a request's fields are rows, so reading and updating them takes whole rows
        self.coverage = np.zeros((S + 1, F, V))
        self.updated = np.zeros((S + 1, F, V))
        self.known = np.zeros((F, V))      # current anywhere: what a single store would have held
        self.known_updated = np.zeros((F, V))
        self.village_households = st.village_households.astype(np.float64)
        self.per_request = cfg.scope_share / cfg.client_share
        # how much of a stored value is still current after a whole number of days: exp(-age / validity), made by
        # numpy once for every age a run can reach (the compiled stores read it: data_stores.pyx)
        self.fade = np.exp(-np.arange(model.days + 1, dtype=np.float64) / cfg.field_validity_days)
        self._households_in_scope = self.village_households * cfg.scope_share  # targeted by a request, per village
        # the township line cadre checks each of its villages' returns, chases corrections and merges them
        self.compile_hours = cfg.compile_hours_per_village * model.cfg.scenario.villages_per_township
        # what the same requests would have cost without the pool reforms: the own stores, kept as they would be
        self.reform_name = "one_form" if self.one_form is not None else "shared_data_pool"
        self.counterfactual = self.uses_pool or self.one_form is not None
        if self.counterfactual:
            self.own_store = own_store
            self._own_reads = np.where(self.momentary[None, :], -1, own_store)
            self.own_coverage = np.zeros((S, F, V))
            self.own_updated = np.zeros((S, F, V))
        # the stores as the compiled requests work them in place, held once (``data_stores.Stores``)
        self._stores = compiled.data_stores.Stores(self.coverage, self.updated, self.fade, self.per_request,
                                                   self._households_in_scope, self.known, self.known_updated)
        self._own_stores = compiled.data_stores.Stores(self.own_coverage, self.own_updated, self.fade,
                                                       self.per_request, self._households_in_scope) \
            if self.counterfactual else None

    def request(self, dept, system: int, fields: np.ndarray) -> None:
        m, cfg = self.model, self.model.cfg.data_reports
        day = m.day
        fid = m.fidelity
        one_form = fid.rule("one_form", dept.index)
        pooled = one_form is not None or fid.applies("shared_data_pool", dept.index)
        reads = self._reads if pooled or not self.counterfactual else self._own_reads
        fields = np.asarray(fields, dtype=np.int64)
        overhead = cfg.form_overhead_hours if one_form is None else one_form.form_overhead_hours
        compile_hours = self.compile_hours if one_form is None else one_form.compile_hours
        # each village cadre's hours: the form's overhead, and the household-fields of its village that must be
        # typed, at entry_minutes_per_field each (the stores read are fed, and so is what any store holds); with
        # the household-fields typed in all, and those some store already held
        village_hours, entries, duplicates = self._stores.form(reads, system, fields, day, overhead,
                                                               cfg.entry_minutes_per_field, dept.village_line_village)
        m.tally.add("data_entries", entries)
        m.tally.add("duplicate_data_entries", duplicates)
        deadline = m.calendar.deadline(day + cfg.deadline_days)
        vline, tline = dept.village_line, dept.township_line
        # what the townships receive: one submission each on the line, of the system's report type
        m.tally.add("data_report_submissions", dept.townships_on_line)
        m.tally.count("data_report_types", system, self.pool + 1)   # the report types: each system's, and the pool's
        m.ledger.add_due(vline, "data_reports", village_hours, deadline)
        m.ledger.add_due(tline, "data_reports", compile_hours / dept.liaisons_per_township, deadline)
        m.accounts.spent(dept.index, "data_reports", vline, village_hours)
        m.accounts.spent(dept.index, "data_reports", tline, compile_hours / dept.liaisons_per_township)
        if self.counterfactual:
            # the same form worked against the departments' own stores, at the usual overhead
            own_hours = self._own_stores.form_hours(self._own_reads, system, fields, day, cfg.form_overhead_hours,
                                                    cfg.entry_minutes_per_field, dept.village_line_village)
            m.accounts.removed(self.reform_name, vline, own_hours - village_hours, dept.index, "data_reports")
            m.accounts.removed(self.reform_name, tline,
                               (self.compile_hours - compile_hours) / dept.liaisons_per_township,
                               dept.index, "data_reports")

    def weekly(self) -> None:
        if self.uses_pool:
            self.model.department_hours_today += self.model.cfg.department_hours.data_pool_hours_per_week
