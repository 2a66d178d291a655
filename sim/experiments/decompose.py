"""Where every hour a reform removed went: a paired decomposition of the gross hours removed.

For a variant and the baseline with the same seed (common random numbers), the gross hours the variant's reforms
removed (``hours_removed_by_reforms_per_cadre_week``, recorded by the offices as they removed each obligation)
split into:

- ``absorbed_by_rebound``: what departments asked in response (``rebound_hours_per_cadre_week``);
- ``kept_as_paperwork``: shadow ledgers and defensive paperwork the cadres took up (or gave up, when negative);
- ``lost_to_fatigue``: the change in hours work took beyond a rested cadre's pace (negative: rested cadres work
  faster, which frees hours beyond those removed);
- ``reinvested_in_residents``: the change in service hours, plus the service hours a reform removed (a matter
  residents' organisations settle frees a cadre's service hour, which counts as reinvested only if it is spent on
  other residents);
- ``given_back_as_rest``: the fall in hours worked (shorter weeks, less overtime);
- ``other_responses``: the remainder (overdue work caught up, work moved to other days). With rebound off it stays
  small beside the gross for reforms that remove obligations, which checks the offices' records against the hours
  that actually disappear (tests/test_decomposition.py).

The parts add up to the gross seed by seed. Hours moved up to county departments are reported beside them, per
cadre-week so they compare (``moved_up_to_county``), and the admin hours actually saved as ``net_saved``
(= reinvested_in_residents + given_back_as_rest, less the service hours a reform removed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .stats import paired_difference

PARTS = ("absorbed_by_rebound", "kept_as_paperwork", "lost_to_fatigue", "reinvested_in_residents",
         "given_back_as_rest", "other_responses")
BESIDE = ("gross_removed", "net_saved", "moved_up_to_county")
NEEDED = ("hours_removed_by_reforms_per_cadre_week", "service_hours_removed_by_reforms_per_cadre_week",
          "rebound_hours_per_cadre_week",
          "defensive_paperwork_hours_per_cadre_week", "shadow_ledger_hours_per_cadre_week",
          "fatigue_hours_per_cadre_week", "service_hours_per_cadre_week", "working_hours_per_cadre_week",
          "admin_hours_per_cadre_week", "department_hours_per_county_week", "n_cadres")


def parts(baseline: pd.DataFrame, variant: pd.DataFrame) -> pd.DataFrame:
    """Per seed (the frames are indexed by seed and aligned): every part and the figures beside them."""
    def change(key):
        return variant[key] - baseline[key]

    out = pd.DataFrame(index=variant.index)
    out["gross_removed"] = change("hours_removed_by_reforms_per_cadre_week")
    out["absorbed_by_rebound"] = change("rebound_hours_per_cadre_week")
    out["kept_as_paperwork"] = change("defensive_paperwork_hours_per_cadre_week") + change(
        "shadow_ledger_hours_per_cadre_week")
    out["lost_to_fatigue"] = change("fatigue_hours_per_cadre_week")
    out["reinvested_in_residents"] = change("service_hours_per_cadre_week") + change(
        "service_hours_removed_by_reforms_per_cadre_week")
    out["given_back_as_rest"] = -change("working_hours_per_cadre_week")
    named = [p for p in PARTS if p != "other_responses"]
    out["other_responses"] = out["gross_removed"] - out[named].sum(axis=1)
    out["net_saved"] = -change("admin_hours_per_cadre_week")
    out["moved_up_to_county"] = change("department_hours_per_county_week") / variant["n_cadres"]
    return out


def decomposition_table(runs: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per variant (and `by`), each part's mean over the paired seeds with its 95% t interval: one row per part
    (tidy: variant, part, hours_per_cadre_week, ci_low, ci_high, n)."""
    if runs.empty or "baseline" not in set(runs.variant) or any(k not in runs.columns for k in NEEDED):
        return pd.DataFrame(columns=["variant", "part", "hours_per_cadre_week", "ci_low", "ci_high", "n"])
    rows = []
    for key, g in (runs.groupby(by) if by else [(None, runs)]):
        base = g[g.variant == "baseline"].set_index("seed")
        for variant, gv in g[g.variant != "baseline"].groupby("variant", sort=False):
            gv = gv.set_index("seed")
            seeds = base.index.intersection(gv.index).sort_values()
            per_seed = parts(base.loc[seeds, list(NEEDED)], gv.loc[seeds, list(NEEDED)])   # the columns it reads
            for part in (*PARTS, *BESIDE):
                d = paired_difference(np.zeros(len(seeds)), per_seed[part].to_numpy())
                row = {"variant": variant, "part": part, "hours_per_cadre_week": d["mean"], "ci_low": d["ci_low"],
                       "ci_high": d["ci_high"], "n": d["n"]}
                if by:
                    row[by] = key
                rows.append(row)
    return pd.DataFrame(rows)
