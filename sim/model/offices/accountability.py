"""Accountability (问责): how overdue work, inspection findings and incidents in villages become blame risk.

Reforms acting here: fault_tolerance (容错: a share of overdue work is forgiven, honest failures under objective
conditions blame no one), precise_accountability (no collective punishment of the township, 连坐).
"""

from __future__ import annotations

import numpy as np

from .. import compiled


class Accountability:
    def __init__(self, model):
        self.model = model
        self._rng = model.streams["incidents"]
        # each village's daily chance of incidents: the same mean every day
        self._incident_means = np.full(model.structure.n_villages,
                                       model.cfg.blame.incidents_per_village_per_year / 364.0)

    def update(self, overdue: np.ndarray, findings: np.ndarray) -> None:
        """Move every cadre's blame risk by today's overdue hours, findings and incidents; it decays meanwhile."""
        m = self.model
        bl, st, cadres = m.cfg.blame, m.structure, m.cadres
        ft = m.cfg.reform.fault_tolerance
        pa = m.cfg.reform.precise_accountability
        tolerant = m.fidelity.mask("fault_tolerance")        # per township
        precise = m.fidelity.mask("precise_accountability")
        forgiven = None if ft is None else np.where(tolerant[st.cadre_township], ft.forgiven_overdue_share, 0.0)
        # blame decays, and grows with the overdue work not forgiven: blame x (1 - decay_per_day) + per_overdue_hour
        # x overdue x (1 - forgiven), with the day's overdue hours (one compiled pass, ``day_rule.blame_after``)
        b, overdue_hours = compiled.day_rule.blame_after(cadres.blame, overdue, forgiven, bl.decay_per_day,
                                                         bl.per_overdue_hour)
        m.tally.add("overdue_hours", overdue_hours)
        m.tally.add_per_cadre("overdue_hours", overdue)
        compiled.scatter.add_at(b, findings, bl.per_finding)   # np.add.at: a cadre found twice takes blame twice
        rng = self._rng
        # rng.poisson(mean, size=villages), without its cost per call
        n = compiled.draws.poisson_each(rng, self._incident_means)
        for v in n.nonzero()[0]:   # np.flatnonzero(n), without its wrappers
            t = st.village_township[v]
            collective = pa.collective_share if precise[t] else bl.collective_share
            for _ in range(n[v]):
                objective = rng.random() < bl.objective_share
                servers = cadres.serving_village[v]
                who = servers[int(rng.integers(len(servers)))]
                if objective and tolerant[t]:
                    continue  # an honest failure under objective conditions: no one is blamed
                b[who] += bl.per_incident
                b[cadres.of_township[t]] += bl.per_incident * collective
        cadres.blame = b.clip(0.0, 1.0)

    def below_standard(self, villages: np.ndarray, weight: np.ndarray) -> None:
        """A measured satisfaction survey names villages below the standard (通报): their servers take blame as
        from an inspection finding, scaled by the weight satisfaction has in the assessment."""
        cadres = self.model.cadres
        for v in villages:
            who = cadres.serving_village[v]
            cadres.blame[who] = np.minimum(cadres.blame[who] + weight[v] * self.model.cfg.blame.per_finding, 1.0)
