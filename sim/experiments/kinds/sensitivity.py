"""sensitivity: global sensitivity (EMA Workbench: uncertainties) of what a lever buys, with SALib.

A design over `parameters` (Saltelli for Sobol indices, trajectories for Morris screening), reproducible from the
experiment's `seed`; each design point runs the baseline and the lever with that same seed. Outcomes per point:
admin hours saved by the lever, baseline service time, and its change. The aggregation adds the indices with 95%
intervals (sensitivity.parquet/.csv, and sobol.csv with the hours-saved indices for the report).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import KindBase, SweepError, check_overrides, check_ranges, check_scenario, check_whole, run

METHODS = ("sobol", "morris")
OUTCOMES = ("hours_saved", "service_time_mean_days", "service_time_change")


def problem(spec: dict) -> dict:
    """SALib's problem: the parameters and their bounds."""
    params = spec["parameters"]
    return {"num_vars": len(params), "names": list(params), "bounds": [list(map(float, b)) for b in params.values()]}


def design(spec: dict) -> tuple[list[str], np.ndarray]:
    """The parameter names and the design points, one row per point."""
    # SALib is imported here, not at the top: only this kind needs it, and it takes ~1 s to import
    prob = problem(spec)
    if spec["method"] == "sobol":
        from SALib.sample import sobol as sobol_sample

        points = sobol_sample.sample(prob, int(spec["n"]), calc_second_order=False, seed=int(spec.get("seed", 0)))
    else:
        from SALib.sample import morris as morris_sample

        points = morris_sample.sample(prob, int(spec["n"]), num_levels=4, seed=int(spec.get("seed", 0)))
    return prob["names"], np.asarray(points)


def outcomes(runs: pd.DataFrame) -> pd.DataFrame:
    """Per design point: admin hours saved by the lever, baseline service time, and its change."""
    base = runs[runs.variant == "baseline"].set_index("sample")
    reform = runs[runs.variant == "reform"].set_index("sample")
    points = base.index.intersection(reform.index).sort_values()
    return pd.DataFrame({
        "hours_saved": (base.loc[points, "admin_hours_per_cadre_week"]
                        - reform.loc[points, "admin_hours_per_cadre_week"]),
        "service_time_mean_days": base.loc[points, "service_time_mean_days"],
        "service_time_change": reform.loc[points, "service_time_mean_days"] - base.loc[points,
                                                                                         "service_time_mean_days"],
    }, index=points)


def indices(method: str, prob: dict, points: np.ndarray, y: np.ndarray, outcome: str) -> list[dict]:
    """SALib's indices for one outcome, as rows; the _conf columns are 95% half-widths (SALib's default)."""
    if method == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(prob, y, calc_second_order=False, print_to_console=False, seed=0)
        return [{"outcome": outcome, "parameter": p, "S1": res["S1"][i], "S1_conf": res["S1_conf"][i],
                 "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]} for i, p in enumerate(prob["names"])]
    from SALib.analyze import morris

    res = morris.analyze(prob, points, y, num_levels=4, print_to_console=False, seed=0)
    return [{"outcome": outcome, "parameter": p, "mu_star": res["mu_star"][i], "mu_star_conf": res["mu_star_conf"][i],
             "sigma": res["sigma"][i]} for i, p in enumerate(prob["names"])]


class Sensitivity(KindBase):
    name = "sensitivity"

    def check(self, spec: dict) -> None:
        check_scenario(spec)
        check_whole(spec, "n")
        if "seed" in spec:
            check_whole(spec, "seed", least=0)
        check_overrides(spec, "lever")
        if "overrides" in spec:
            check_overrides(spec, "overrides")
        if spec.get("method") not in METHODS:
            raise SweepError(f"method: '{spec.get('method')}'; allowed: {', '.join(METHODS)}")
        params = spec.get("parameters")
        if not isinstance(params, dict) or not params:
            raise SweepError(f"parameters: expected a mapping of config key -> [low, high], got {params!r}")
        check_ranges(params, "parameters")
        wanted = spec.get("outcomes", list(OUTCOMES))
        if not isinstance(wanted, list) or not wanted or any(o not in OUTCOMES for o in wanted):
            raise SweepError(f"outcomes: {wanted!r}; allowed: a list of {', '.join(OUTCOMES)}")

    def expand(self, spec: dict) -> list[dict]:
        names, points = design(spec)
        seed = int(spec.get("seed", 0))
        runs = []
        for i, point in enumerate(points):
            params = [f"{k}={float(x)!r}" for k, x in zip(names, point)]
            inputs = {k: float(x) for k, x in zip(names, point)}
            levels = (("sample", i),)
            runs.append(run(spec, "baseline", params, spec["scenario"], seed, levels, inputs))
            runs.append(run(spec, "reform", [*spec["lever"], *params], spec["scenario"], seed, levels, inputs))
        return runs

    def record(self, spec: dict) -> dict:
        return {"seeds": [spec.get("seed", 0)]}

    def tables(self, spec: dict, runs: pd.DataFrame, comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """The indices per outcome and parameter; none until every design point has run (the manifest lists what
        is missing)."""
        prob = problem(spec)
        _, points = design(spec)
        per_point = outcomes(runs)
        if len(per_point) < len(points):
            return {}
        rows = []
        for outcome in spec.get("outcomes", list(per_point.columns)):
            rows += indices(spec["method"], prob, points, per_point[outcome].to_numpy(dtype=float), outcome)
        table = pd.DataFrame(rows)
        tables = {"sensitivity": table}
        if spec["method"] == "sobol":
            tables["sobol"] = table[table.outcome == "hours_saved"][["parameter", "S1", "S1_conf", "ST", "ST_conf"]]
        return tables


KIND = Sensitivity()
