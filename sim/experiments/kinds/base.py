"""What every kind of experiment provides, and the helpers they share.

A kind turns an experiment spec (experiments/<name>.yaml with command-line settings applied) into runs, and adds
its own tables when the runs are aggregated. In the terms of Hydra and the EMA Workbench: a *variant* is a named
set of Hydra overrides (levers switched on or set), run for each of the *seeds*; the variant called ``baseline``
is what the others are compared with, seed by seed.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

import pandas as pd


class SweepError(ValueError):
    """A bad experiment name or setting; the message names the key and what is allowed."""


class Kind(Protocol):
    """One kind of experiment (compare_reforms, dose_response, ...)."""

    name: str
    group_by: str | None  # a column the comparison with the baseline is made within (scale: per scale)
    pair_by: tuple[str, ...]  # the columns a variant's run and the baseline's it is compared with share (the seed)

    def check(self, spec: dict) -> None:
        """Raise SweepError (one line: the key and what is allowed) for a setting this kind cannot run."""

    def resolve(self, spec: dict) -> dict:
        """The spec with everything derived filled in (e.g. the variants), as recorded in experiment.yaml and
        hashed: what the results depend on."""

    def expand(self, spec: dict) -> list[dict]:
        """Every run of a resolved spec: {variant, seed, run_dir (relative), overrides, inputs, and scale or
        sample; and optionally values: the numbers of a design point, among the overrides too, which are set on the
        variant's composed config rather than composed again (sim.experiments.run.planned_config)}."""

    def check_plan(self, runs: list[dict]) -> None:
        """Raise SweepError if the runs cannot be compared (no baseline)."""

    def record(self, spec: dict) -> dict:
        """What experiment.yaml records beside the resolved spec (the seeds run; dose_response's value per
        variant), for the aggregation and the report."""

    def tables(self, spec: dict, runs: pd.DataFrame, comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """Extra tables of the aggregation, by file stem (written as <stem>.parquet and <stem>.csv)."""

    # A kind whose runs depend on earlier results (the packages search) sets ``adaptive = True`` and provides
    # ``drive(spec, run_plan)``: it calls run_plan(spec) with a growing spec, each call one resumable sweep.


# ---- helpers ----------------------------------------------------------------------------------------------------

def seeds(spec: dict) -> list[int]:
    """The replications of every variant: seeds 0..n-1."""
    return list(range(spec.get("seeds", 1)))


def base_overrides(spec: dict) -> list[str]:
    """Overrides applied to every run: the spec's own, and a shorter horizon with days=N."""
    base = list(spec.get("overrides") or [])
    if spec.get("days"):
        base.append(f"scenario.days={spec['days']}")
    return base


def partition(name: str, value) -> str:
    """One Hive-style folder level, ``name=value``, with the value URI-encoded (as pyarrow and polars decode it):
    any variant name maps to one safe folder of its own ('../x' and './x' included)."""
    return f"{name}={quote(str(value), safe='')}"


def run(spec: dict, variant: str, overrides: list[str], scenario: str, seed: int, levels: tuple = (),
        inputs: dict | None = None) -> dict:
    """One run: its fixed folder runs/[<level>=<value>/...]variant=<name>/seed=<k>, its full list of overrides,
    and the inputs it sweeps (a dose, a design point's parameters, a scale), one column each in runs.parquet."""
    check_variant_name(variant)
    run_dir = "/".join(["runs", *(partition(k, v) for k, v in levels), partition("variant", variant),
                        partition("seed", seed)])
    return {"variant": variant, "seed": seed, "run_dir": run_dir, **dict(levels),
            "overrides": [f"scenario={scenario}", *base_overrides(spec), *overrides, f"seed={seed}"],
            "inputs": {"scenario": scenario, **(inputs or {})}}


def check_variant_name(name) -> None:
    if not isinstance(name, str) or not name or not name.isprintable() or name != name.strip():
        raise SweepError(f"variant name {name!r}: expected a non-empty printable name without surrounding spaces")


def expand_variants(spec: dict, variants: dict[str, list[str]], scenario: str, levels: tuple = (),
                    inputs: dict | None = None) -> list[dict]:
    """Each variant for each seed, variant by variant (a variant's seeds run together in one job); `inputs` maps a
    variant to the values it sweeps."""
    return [run(spec, v, list(ov), scenario, s, levels, (inputs or {}).get(v)) for v, ov in variants.items()
            for s in seeds(spec)]


def check_variants(variants, key: str = "variants") -> None:
    """A dict of name -> list of Hydra overrides (the one named baseline is what the others are compared with)."""
    if not isinstance(variants, dict) or not variants:
        raise SweepError(f"{key}: expected a mapping of variant name -> list of overrides, got {variants!r}")
    for name, overrides in variants.items():
        check_variant_name(name)
        if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
            raise SweepError(f"{key}.{name}: expected a list of Hydra overrides (e.g. ['reform=[one_form]']), "
                             f"got {overrides!r}")


def check_overrides(spec: dict, key: str) -> None:
    """spec[key] is a list of Hydra overrides."""
    value = spec.get(key)
    if not isinstance(value, list) or not all(isinstance(o, str) for o in value):
        raise SweepError(f"{key}: expected a list of Hydra overrides (e.g. ['reform=[one_form]']), got {value!r}")


def check_scenario(spec: dict, key: str = "scenario") -> None:
    if not isinstance(spec.get(key), str) or not spec[key]:
        raise SweepError(f"{key}: expected a scenario name (classroom, township, county), got {spec.get(key)!r}")


def check_whole(spec: dict, key: str, least: int = 1) -> None:
    value = spec.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise SweepError(f"{key} = {value!r}: expected a whole number >= {least}")


def check_ranges(ranges: dict, key: str) -> None:
    """spec[key]: each config key's [low, high] with low < high (sensitivity's parameters, calibration's
    uncertainties)."""
    for name, bounds in ranges.items():
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
                or not bounds[0] < bounds[1]):
            raise SweepError(f"{key}.{name}: expected [low, high] with low < high, got {bounds!r}")


class KindBase:
    """Defaults shared by the kinds: nothing derived, seeds 0..n-1, no extra tables."""

    name = ""
    group_by: str | None = None
    pair_by: tuple[str, ...] = ("seed",)

    def check(self, spec: dict) -> None:
        check_scenario(spec)
        check_whole(spec, "seeds")
        if "overrides" in spec:
            check_overrides(spec, "overrides")

    def resolve(self, spec: dict) -> dict:
        return spec

    def check_plan(self, runs: list[dict]) -> None:
        if not any(r["variant"] == "baseline" for r in runs):
            names = sorted({r["variant"] for r in runs})
            raise SweepError(f"variants: no 'baseline' among {', '.join(names)}; every variant is compared with the "
                             "baseline of the same seed: add 'baseline: []'")

    def record(self, spec: dict) -> dict:
        return {"seeds": seeds(spec)}

    def tables(self, spec: dict, runs: pd.DataFrame, comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
        return {}
