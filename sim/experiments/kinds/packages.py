"""packages: the best reform packages, found by a multi-objective search (NSGA-II, ``sim.experiments.packages``)
that runs each generation's new packages as one resumable sweep into the experiment's folder.

Objectives: maximise admin hours saved, minimise the change in service time and the county department hours moved
up (each against the baseline of the same seed, mean over the seeds), and minimise the number of reforms. Each
package is a variant named ``pkg_<hex>`` (bit i of the number: the i-th of `levers` is on) whose reforms are the
``package`` column of runs.parquet. The aggregation adds ``packages`` (every package evaluated, with ``pareto``),
``pareto`` (the non-dominated ones) and ``cheapest`` (the fewest reforms that reach `reach` of the full package's
saving). A search killed half-way is resumed by running it again: its runs are reused, and the same search seed
replays the same generations.
"""

from __future__ import annotations

import pandas as pd

from ...config import REFORM_NAMES
from ..packages import cheapest_reaching, package_name, pareto_front, search
from .base import KindBase, SweepError, check_whole, expand_variants

OBJECTIVES = {"hours_saved": "max", "service_time_change": "min", "moved_up_hours": "min"}
ALL = {**OBJECTIVES, "n_reforms": "min"}
# outcome: (level in runs.parquet, sign of the paired difference that makes it "saved" or "change")
LEVELS = {"hours_saved": ("admin_hours_per_cadre_week", -1.0),
          "service_time_change": ("service_time_mean_days", 1.0),
          "moved_up_hours": ("department_hours_per_county_week", 1.0)}
REFORMS = "reforms"
# NSGA-II's defaults here: a population of 24 packages bred for 8 generations evaluates at most 24 + 8 x 24 = 216
# packages (of 2^20), about 430 township runs at two seeds; on a constructed problem of 8 levers with a known front
# the same population found all of it in 154 evaluations (tests/test_packages.py)
POPULATION = 24
GENERATIONS = 8


def levers(spec: dict) -> list[str]:
    value = spec.get("levers", REFORMS)
    if value in (None, REFORMS):
        return list(REFORM_NAMES)
    if not isinstance(value, list) or len(value) < 2 or any(v not in REFORM_NAMES for v in value) \
            or len(set(value)) != len(value):
        raise SweepError(f"levers: {value!r}; allowed: '{REFORMS}' (all 20) or a list of at least two distinct "
                         f"reform names ({', '.join(REFORM_NAMES)})")
    return list(value)


def variant_name(package: frozenset[str], names: list[str]) -> str:
    """'baseline' for no reform, else pkg_<hex of the package's bits over `names`>: short, and one per package."""
    if not package:
        return "baseline"
    return "pkg_" + format(sum(1 << i for i, n in enumerate(names) if n in package), "x")


def package_of(variant: str, names: list[str]) -> frozenset[str]:
    """The reforms of a variant named by variant_name."""
    bits = 0 if variant == "baseline" else int(variant.removeprefix("pkg_"), 16)
    return frozenset(n for i, n in enumerate(names) if bits >> i & 1)


def package_variants(packages, names: list[str]) -> dict[str, list[str]]:
    return {variant_name(p, names): ([f"reform=[{package_name(p)}]"] if p else []) for p in packages}


def package_table(runs: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    """Per package evaluated: its reforms, their number and its outcomes (mean paired differences over the seeds;
    the baseline's are 0)."""
    diffs = comparison.set_index(["variant", "metric"]).diff_mean
    rows = []
    for variant, g in runs.groupby("variant", sort=False):
        package = g["package"].iloc[0] if "package" in g else ""
        row = {"variant": variant, "package": package, "n_reforms": len([n for n in str(package).split(",") if n])}
        for name, (level, sign) in LEVELS.items():
            row[name] = 0.0 if variant == "baseline" else sign * float(diffs.get((variant, level), float("nan")))
        rows.append(row)
    return pd.DataFrame(rows)


class Packages(KindBase):
    name = "packages"
    adaptive = True  # the runs are not known in advance: the sweep calls `drive`

    def check(self, spec: dict) -> None:
        super().check(spec)  # scenario, seeds, overrides
        levers(spec)
        for key, least in (("population", 4), ("generations", 0), ("search_seed", 0)):
            if key in spec:
                check_whole(spec, key, least=least)
        reach = spec.get("reach", 0.8)
        if not isinstance(reach, (int, float)) or isinstance(reach, bool) or not 0 < reach <= 1:
            raise SweepError(f"reach = {reach!r}: expected a share of the full package's saving, above 0 and at "
                             "most 1")

    def resolve(self, spec: dict) -> dict:
        return {**spec, "levers": levers(spec), "variants": spec.get("variants") or {"baseline": []}}

    def expand(self, spec: dict) -> list[dict]:
        inputs = {v: {"package": package_name(package_of(v, spec["levers"]))} for v in spec["variants"]}
        return expand_variants(spec, spec["variants"], spec["scenario"], inputs=inputs)

    def drive(self, spec: dict, run_plan) -> dict[str, pd.DataFrame]:
        """The search: each generation's new packages join the variants and the sweep runs what is not done yet;
        `run_plan(spec)` runs (or reuses) the spec's runs and returns the tables."""
        names = levers(spec)
        evaluated: dict[str, list[str]] = {"baseline": []}
        tables: dict[str, pd.DataFrame] = {}

        def evaluate(batch: list[frozenset[str]]) -> list[dict]:
            nonlocal tables
            evaluated.update(package_variants(batch, names))
            tables = run_plan({**spec, "variants": dict(evaluated)})
            found = package_table(tables["runs"], tables["comparison"]).set_index("variant")
            return [found.loc[variant_name(p, names), list(OBJECTIVES)].to_dict() for p in batch]

        search(names, evaluate, objectives=OBJECTIVES, population=int(spec.get("population", POPULATION)),
               generations=int(spec.get("generations", GENERATIONS)), seed=int(spec.get("search_seed", 0)))
        return tables

    def tables(self, spec: dict, runs: pd.DataFrame, comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """packages (every package run, ``pareto`` marking the non-dominated), pareto and cheapest."""
        table = package_table(runs, comparison)
        if table[list(OBJECTIVES)].isna().any().any():  # a package whose runs are missing: nothing to rank yet
            return {}
        table["pareto"] = table.index.isin(pareto_front(table, ALL).index)
        full = table[table.n_reforms == len(spec["levers"])]
        out = {"packages": table, "pareto": table[table.pareto]}
        if len(full):
            target = float(spec.get("reach", 0.8)) * float(full.hours_saved.iloc[0])
            out["cheapest"] = cheapest_reaching(table, "hours_saved", target)
        return out


KIND = Packages()
