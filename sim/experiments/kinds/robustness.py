"""robustness: every policy in every scenario of the uncertainties, paired with the baseline of the same scenario
and seed (EMA Workbench's terms: levers, uncertainties, outcomes; ``sim.experiments.robustness``).

`scenarios: N` points of a Latin hypercube over `uncertainties` (``calibrate``: the calibration's unpublished
defaults, each over its documented range, and the rebound elasticity, as the EMA model has them; or a mapping of
config key -> [low, high]), reproducible from `design_seed`; with `posterior: <folder of a calibrate wave>`, the
calibration's uncertainties are drawn instead from the parameter sets that wave accepted (the others still from the
hypercube). `policies`: ``reforms_and_bundles`` (the baseline, each reform, all_reforms and the section bundles of
configs/package/) or a mapping of name -> overrides. The aggregation adds ``outcomes`` (the paired outcomes),
``rank_stability``, ``regret``, ``backfire`` (how often each policy backfires) and ``prim_boxes`` (PRIM's boxes of
the conditions where it does, ``sim.experiments.discovery``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...config import CONFIG_DIR
from .. import robustness as rb
from ..discovery import boxes_table, find_boxes
from ..ema import uncertainty_ranges
from ..history_matching import design
from .base import KindBase, SweepError, check_ranges, check_whole, run, seeds
from .compare import named_variants, reform_variants

REFORMS_AND_BUNDLES = "reforms_and_bundles"
CALIBRATE = "calibrate"
BACKFIRE_KEYS = ("service_worse_days", "saving_below_hours")
PRIM_KEYS = ("threshold", "mass_min", "max_qp")


def bundle_variants() -> dict[str, list[str]]:
    """The section bundles of configs/package/ (all_reforms aside: it is among the reform variants)."""
    names = sorted(p.stem for p in (CONFIG_DIR / "package").glob("*.yaml") if p.stem != "all_reforms")
    return {name: [f"package={name}"] for name in names}


def policies(spec: dict) -> dict[str, list[str]]:
    value = spec.get("policies", REFORMS_AND_BUNDLES)
    if value in (None, REFORMS_AND_BUNDLES):
        return {**reform_variants(), **bundle_variants()}
    if isinstance(value, str):
        raise SweepError(f"policies: '{value}'; allowed: '{REFORMS_AND_BUNDLES}' (the baseline, each reform, "
                         "all_reforms and the section bundles) or a mapping of name -> list of overrides")
    return named_variants(spec, "policies")


def uncertainties(spec: dict) -> dict[str, list]:
    value = spec.get("uncertainties", CALIBRATE)
    if value in (None, CALIBRATE):
        return {key: list(bounds) for key, bounds in uncertainty_ranges().items()}
    if not isinstance(value, dict) or not value:
        raise SweepError(f"uncertainties: {value!r}; allowed: '{CALIBRATE}' (the calibration's unpublished defaults "
                         "and the rebound elasticity) or a mapping of config key -> [low, high]")
    check_ranges(value, "uncertainties")
    return {key: list(bounds) for key, bounds in value.items()}


def scenario_points(spec: dict) -> pd.DataFrame:
    """The scenarios: a Latin hypercube over the uncertainties, the calibration's drawn from a posterior if given."""
    ranges = uncertainties(spec)
    points = design(ranges, int(spec["scenarios"]), seed=int(spec.get("design_seed", 0)))
    if spec.get("posterior"):
        accepted = pd.read_parquet(Path(spec["posterior"]) / "posterior.parquet")
        drawn = [k for k in ranges if k in accepted.columns]
        rng = np.random.default_rng(int(spec.get("design_seed", 0)))
        rows = rng.choice(len(accepted), size=len(points), replace=len(accepted) < len(points))
        for key in drawn:
            values = accepted[key].to_numpy()[rows]
            points[key] = values.astype(int) if points[key].dtype.kind == "i" else values.astype(float)
    return points


def check_posterior(folder) -> None:
    path = Path(str(folder)) / "posterior.parquet"
    if not path.is_file():
        raise SweepError(f"posterior: {folder}: no posterior.parquet there; give the folder of a calibrate wave "
                         "(python -m sim.sweep calibrate writes one)")
    if len(pd.read_parquet(path)) == 0:
        raise SweepError(f"posterior: {path} holds no accepted parameter set; refocus the calibration first")


class Robustness(KindBase):
    name = "robustness"
    pair_by = tuple(rb.PAIR)

    def check(self, spec: dict) -> None:
        super().check(spec)  # scenario, seeds, overrides
        check_whole(spec, "scenarios")
        if "design_seed" in spec:
            check_whole(spec, "design_seed", least=0)
        policies(spec)
        uncertainties(spec)
        if spec.get("posterior"):
            check_posterior(spec["posterior"])
        for group, keys in (("backfire", BACKFIRE_KEYS), ("prim", PRIM_KEYS)):
            settings = spec.get(group) or {}
            if not isinstance(settings, dict) or set(settings) - set(keys):
                raise SweepError(f"{group}: {settings!r}; allowed: a mapping with {', '.join(keys)}")
            for key, value in settings.items():
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise SweepError(f"{group}.{key} = {value!r}: expected a number")
        prim = spec.get("prim") or {}
        for key in PRIM_KEYS:
            if key in prim and not 0 < prim[key] < 1:
                raise SweepError(f"prim.{key} = {prim[key]!r}: expected a share between 0 and 1")

    def resolve(self, spec: dict) -> dict:
        points = scenario_points(spec)
        return {**spec, "policies": policies(spec), "uncertainties": uncertainties(spec),
                "scenario_points": [{k: getattr(v, "item", lambda v=v: v)() for k, v in row.items()}
                           for row in points.to_dict("records")]}

    def expand(self, spec: dict) -> list[dict]:
        # policy by policy, so that one job runs one policy in several scenarios (its config composed once)
        runs = []
        for name, overrides in spec["policies"].items():
            for i, point in enumerate(spec["scenario_points"]):
                values = [f"{k}={v!r}" for k, v in point.items()]
                for seed in seeds(spec):
                    r = run(spec, name, [*overrides, *values], spec["scenario"], seed, (("sample", i),), point)
                    r["values"] = point  # set on the policy's composed config (with_values), not composed again
                    runs.append(r)
        return runs

    def tables(self, spec: dict, runs: pd.DataFrame, comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """outcomes, rank_stability, regret, backfire and prim_boxes; none until every run has finished (a rank
        among policies with runs missing would mislead)."""
        run_seeds = spec.get("seeds", 1)  # experiment.yaml records the seeds run, a list
        n_seeds = len(run_seeds) if isinstance(run_seeds, list) else run_seeds
        expected = len(spec["policies"]) * len(spec["scenario_points"]) * n_seeds
        if len(runs) < expected:
            return {}
        keys = list(spec["uncertainties"])
        outcomes = rb.paired_outcomes(runs, keys)
        backfire = spec.get("backfire") or {}
        flags = rb.backfires(outcomes, **{k: float(backfire.get(k, DEFAULT_BACKFIRE[k])) for k in BACKFIRE_KEYS})
        prim = {k: float((spec.get("prim") or {}).get(k, DEFAULT_PRIM[k])) for k in PRIM_KEYS}
        boxes = []
        for kind, flag in flags.items():
            found = {}
            for variant in outcomes.variant.unique():
                mine = (outcomes.variant == variant).to_numpy()
                if variant != "baseline":
                    found[variant] = find_boxes(outcomes.loc[mine, keys].reset_index(drop=True),
                                                flag.to_numpy()[mine], **prim)
            boxes.append(boxes_table(found, kind))
        return {"outcomes": outcomes, "rank_stability": rb.rank_stability(outcomes), "regret": rb.regret(outcomes),
                "backfire": rb.backfire_shares(outcomes, flags), "prim_boxes": pd.concat(boxes, ignore_index=True)}


# Where a policy counts as backfiring, unless the experiment says otherwise:
DEFAULT_BACKFIRE = {
    # a tenth of a day (about an hour of an 8-hour office day) longer than the baseline's mean service time: more
    # than the paired seed noise of one township's mean (common random numbers), less than a resident would notice
    # as a second visit
    "service_worse_days": 0.1,
    # half an hour a cadre-week, about 1% of a 48-hour week: below it a reform frees nothing a cadre would notice
    "saving_below_hours": 0.5,
}
# PRIM's settings: a box is reported where at least four in five of its cases backfire (a warning a policymaker can
# rely on; the point of the peeling trajectory chosen, sim.experiments.discovery) and it holds at least 5% of the
# cases (the EMA Workbench's default mass_min), so that a box is a region, not a handful of points
# and every restriction it reports must matter: a quasi-p value of at most 0.05 (Bryant & Lempert 2010), the others
# dropped (with 64 scenarios, a box of a handful of cases is otherwise dense by chance in many uncertainties)
DEFAULT_PRIM = {"threshold": 0.8, "mass_min": 0.05, "max_qp": 0.05}

KIND = Robustness()
