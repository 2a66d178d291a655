"""Robustness of the reforms under uncertainty, in the EMA Workbench's terms (Kwakkel 2017): each policy (a setting
of the levers: the baseline, a reform, a bundle) is run in each scenario (a point of the uncertainties) and paired
with the baseline of the same scenario and seed, so that a policy's outcome in a scenario is an effect, not a level.

- ``paired_outcomes``: per policy, scenario and seed, admin hours saved, the change in service time, in the share
  resolved within 15 days, in residents' satisfaction, and the county department hours moved up, beside the
  scenario's uncertainties and the policy's levels;
- ``rank_stability``: how a policy ranks among all of them, scenario by scenario (median rank, 90% interval,
  probability of ranking in the top 3), on hours saved and on service time;
- ``regret``: how far a policy falls short of the best policy of each scenario (Savage 1951; the regret measure of
  robust decision making, Lempert et al. 2003): its maximum and 90th percentile over the scenarios;
- ``backfires``: where a policy backfires (service time worse than the baseline's, or a saving below what a cadre
  would notice), the cases scenario discovery (PRIM, ``sim.experiments.discovery``) looks for boxes of.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PAIR = ["sample", "seed"]  # a policy's run and the baseline's it is compared with share the scenario and the seed

# outcome: (level in runs.parquet, what the paired outcome is)
EFFECTS = {
    "hours_saved": "admin_hours_per_cadre_week",                      # baseline - policy: admin hours freed
    "service_time_change": "service_time_mean_days",                  # policy - baseline: days longer
    "resolved_within_15d_change": "resolved_within_15d_share",        # policy - baseline
    "moved_up_hours": "department_hours_per_county_week",             # policy - baseline: county hours added
    "satisfaction_change": "satisfaction_mean",                       # policy - baseline
}
# the outcomes policies are ranked on, and which way is better
RANKED = {"hours_saved": "max", "service_time_mean_days": "min"}


def paired_outcomes(runs: pd.DataFrame, uncertainties: list[str]) -> pd.DataFrame:
    """One row per (variant, sample, seed), the baseline's included (its effects are 0): the scenario's
    uncertainties, the policy's service time, and its effects against the baseline of the same scenario and seed."""
    base = runs[runs.variant == "baseline"].set_index(PAIR)
    rows = runs.set_index(PAIR)
    pairs = rows.index.isin(base.index)
    rows = rows[pairs]
    b = base.reindex(rows.index)
    out = rows[["variant", *uncertainties]].copy()
    out["service_time_mean_days"] = rows["service_time_mean_days"]
    for name, level in EFFECTS.items():
        out[name] = (b[level] - rows[level]) if name == "hours_saved" else (rows[level] - b[level])
    return out.reset_index()[["variant", *PAIR, *uncertainties, "service_time_mean_days", *EFFECTS]]


def rank_stability(outcomes: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """Per (variant, outcome): the policy's rank among all policies in each scenario and seed (1 is best; ties share
    the better rank), summarised: median, 90% interval (5th-95th percentile), probability of ranking in the top
    `top`, and the number of scenarios x seeds."""
    rows = []
    for outcome, sense in RANKED.items():
        ranks = outcomes.groupby(PAIR)[outcome].rank(method="min", ascending=(sense == "min"))
        for variant, r in ranks.groupby(outcomes.variant, sort=False):
            rows.append({"variant": variant, "outcome": outcome, "median_rank": float(r.median()),
                         "rank_p05": float(r.quantile(0.05)), "rank_p95": float(r.quantile(0.95)),
                         "p_top3": float((r <= top).mean()), "n": int(len(r))})
    return pd.DataFrame(rows)


def regret(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per (variant, outcome): the regret in each scenario and seed, how much worse the policy does than the best
    policy there (hours saved: hours a cadre-week; service time: days), summarised as its maximum, 90th percentile,
    median and mean."""
    rows = []
    for outcome, sense in RANKED.items():
        grouped = outcomes.groupby(PAIR)[outcome]
        best = grouped.transform("max" if sense == "max" else "min")
        loss = (best - outcomes[outcome]) if sense == "max" else (outcomes[outcome] - best)
        for variant, r in loss.groupby(outcomes.variant, sort=False):
            rows.append({"variant": variant, "outcome": outcome, "max_regret": float(r.max()),
                         "p90_regret": float(r.quantile(0.9)), "median_regret": float(r.median()),
                         "mean_regret": float(r.mean()), "n": int(len(r))})
    return pd.DataFrame(rows)


def backfires(outcomes: pd.DataFrame, service_worse_days: float, saving_below_hours: float) -> dict[str, pd.Series]:
    """The cases where a policy backfires, by kind: ``service_worse`` (its service time exceeds the baseline's by
    more than `service_worse_days`) and ``saving_short`` (it saves fewer admin hours a cadre-week than
    `saving_below_hours`)."""
    return {"service_worse": outcomes["service_time_change"] > service_worse_days,
            "saving_short": outcomes["hours_saved"] < saving_below_hours}


def backfire_shares(outcomes: pd.DataFrame, flags: dict[str, pd.Series]) -> pd.DataFrame:
    """Per (variant, backfire kind): the share of scenarios x seeds where the policy backfires."""
    rows = [{"variant": v, "backfire": kind, "share": float(np.mean(flag[outcomes.variant == v])),
             "n": int((outcomes.variant == v).sum())}
            for kind, flag in flags.items() for v in outcomes.variant.unique() if v != "baseline"]
    return pd.DataFrame(rows)
