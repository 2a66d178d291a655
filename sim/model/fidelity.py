"""Implementation fidelity: which departments or townships apply each reform, and for how long.

A reform is a rule issued for the county; whether it changes anything depends on who applies it. Each reform is
applied by departments (a rule about what they send down: meetings, documents, forms, inspections) or by townships
(a rule about how the grassroots work: rest days, the satisfaction survey, the certificate list). At the start a
share ``compliance`` of those units applies it (one uniform per unit, so a higher compliance adds units without
reshuffling the others: common random numbers). A unit that applies it may lapse (``backsliding``, a yearly
hazard: 反弹回潮) and stays lapsed until the county's review of burden reduction (督查检查, yearly) finds it and
puts it back on the rule: a lapsed unit is found with a yearly hazard of one, the only inspection of the reform
itself the model has. Lapsing and being found form a two-state process that starts in its steady state (a
complying unit applies the rule at the start with the steady-state chance 1 / (1 + backsliding)), so no figure
depends on when in the review cycle a run starts or how long it is.
"""

from __future__ import annotations

import numpy as np

from .compiled import draws

DEPARTMENT, TOWNSHIP = "department", "township"

# who applies each reform: the departments whose requests it rules, or the townships whose work it rules
UNIT = {
    "merge_documents": DEPARTMENT,         # a department issues (or merges) its documents
    "meeting_list": DEPARTMENT,            # a department calls its meetings
    "no_ledger_assessment": DEPARTMENT,    # a department stops asking for its ledger set
    "merge_workgroups": TOWNSHIP,          # a township's groups are merged
    "no_instant_reply": TOWNSHIP,          # the township's groups stop asking for instant replies
    "shared_data_pool": DEPARTMENT,        # a department's systems read and feed the pool
    "responsibility_list": TOWNSHIP,       # a township refuses the duties its list returns
    "no_blame_shifting": DEPARTMENT,       # a department leads the shared duties it sends
    "resources_follow_tasks": DEPARTMENT,  # a department staffs its campaign's shifts
    "single_assessor": DEPARTMENT,         # a department folds its inspections into the lead's assessment
    "satisfaction_assessment": TOWNSHIP,   # a township's villages are assessed by a survey of residents
    "fault_tolerance": TOWNSHIP,           # the township's discipline forgives honest failures
    "certificate_negative_list": TOWNSHIP, # the township's stations stop issuing certificates off the list
    "strip_non_autonomous": TOWNSHIP,      # a township hands errands and campaign labour back
    "self_organization": TOWNSHIP,         # a township fosters residents' organisations
    "one_form": DEPARTMENT,                # a department's systems read the one provincial table
    "scan_code_registration": TOWNSHIP,    # a township's checkpoints register by code
    "ban_forced_assignments": TOWNSHIP,    # quotas stop reaching a township
    "precise_accountability": TOWNSHIP,    # a township's discipline stops collective blame
    "rest_rights": TOWNSHIP,               # a township protects its cadres' rest days
}

REVIEWS_PER_YEAR = 1.0  # the county reviews burden reduction yearly (the campaign's annual 督查检查; the brief): a
                        # lapsed unit is found within a year on average


class Fidelity:
    def __init__(self, model):
        self.model = model
        st = model.structure
        self.n_units = {DEPARTMENT: st.n_departments, TOWNSHIP: st.n_townships}
        # a reform that is off applies nowhere: one read-only mask of no units for each kind of unit
        self._nowhere = {unit: np.zeros(n, dtype=bool) for unit, n in self.n_units.items()}
        for none in self._nowhere.values():
            none.flags.writeable = False
        self.complying: dict[str, np.ndarray] = {}   # applies the reform when it applies at all
        self.applying: dict[str, np.ndarray] = {}    # applies it today (complying and not lapsed)
        self._lapse_rng: dict[str, np.random.Generator] = {}
        self._share_key = {name: f"applying/{name}" for name in model.reforms}   # the tally's record of each
        for name in model.reforms:
            rule = getattr(model.cfg.reform, name)
            n = self.n_units[UNIT[name]]
            self.complying[name] = model.streams[f"fidelity/{name}"].random(n) < rule.compliance
            self.applying[name] = self.complying[name].copy()
            if rule.backsliding > 0:
                rng = self._lapse_rng[name] = model.streams[f"fidelity/{name}/lapses"]
                steady = REVIEWS_PER_YEAR / (REVIEWS_PER_YEAR + rule.backsliding)
                self.applying[name] &= rng.random(n) < steady

    def applies(self, name: str, unit: int) -> bool:
        """Whether department or township `unit` (as the reform's UNIT says) applies reform `name` today."""
        on = self.applying.get(name)
        return on is not None and bool(on[unit])

    def rule(self, name: str, unit: int):
        """The reform's settings if `unit` applies it today, else None (as if the reform were off there)."""
        return getattr(self.model.cfg.reform, name) if self.applies(name, unit) else None

    def mask(self, name: str) -> np.ndarray:
        """Per unit, whether it applies reform `name` today (all False when the reform is off)."""
        on = self.applying.get(name)
        return on if on is not None else self._nowhere[UNIT[name]]

    def share_applying(self, name: str) -> float:
        on = self.applying.get(name)
        return float(on.mean()) if on is not None else 0.0

    def review_and_lapse(self) -> None:
        """Each day some applying units lapse, and the review finds some lapsed ones and puts them back."""
        m = self.model
        for name, rng in self._lapse_rng.items():
            # one uniform per unit: u < backsliding / 364 lapses, u < REVIEWS_PER_YEAR / 364 is found (one call)
            self.applying[name] = draws.lapses(rng, self.applying[name], self.complying[name],
                                               getattr(m.cfg.reform, name).backsliding / 364.0,
                                               REVIEWS_PER_YEAR / 364.0)
        for name, on in self.applying.items():
            m.tally.add(self._share_key[name], np.count_nonzero(on) / len(on))  # the share applying (= on.mean())
