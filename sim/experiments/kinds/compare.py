"""compare_reforms: named variants against the baseline, paired by seed (common random numbers).

``variants: reforms`` (or no variants) means the baseline, each of the 20 reforms alone and all of them together;
a mapping of variant name -> Hydra overrides runs exactly those.
"""

from __future__ import annotations

import pandas as pd

from ...config import REFORM_NAMES
from ..decompose import decomposition_table
from .base import KindBase, SweepError, check_variants, expand_variants

REFORMS = "reforms"  # the value of `variants` that means reform_variants()


def reform_variants() -> dict[str, list[str]]:
    """The baseline, each reform alone (reform=[name]) and the full bundle (package=all_reforms)."""
    return {"baseline": [], **{name: [f"reform=[{name}]"] for name in REFORM_NAMES},
            "all_reforms": ["package=all_reforms"]}


def named_variants(spec: dict, key: str = "variants") -> dict[str, list[str]]:
    """spec[key] as a mapping: 'reforms' (or absent) is reform_variants(); a mapping is checked and kept."""
    variants = spec.get(key, REFORMS)
    if variants is None or variants == REFORMS:
        return reform_variants()
    if isinstance(variants, str):
        raise SweepError(f"{key}: '{variants}'; allowed: '{REFORMS}' (the baseline, each reform, all_reforms) "
                         "or a mapping of variant name -> list of overrides")
    check_variants(variants, key)
    return {name: list(overrides) for name, overrides in variants.items()}


class CompareReforms(KindBase):
    name = "compare_reforms"

    def check(self, spec: dict) -> None:
        super().check(spec)
        named_variants(spec)

    def resolve(self, spec: dict) -> dict:
        return {**spec, "variants": named_variants(spec)}

    def expand(self, spec: dict) -> list[dict]:
        return expand_variants(spec, spec["variants"], spec["scenario"])

    def tables(self, spec: dict, runs: pd.DataFrame, comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """decomposition: where each variant's gross hours removed went (sim.experiments.decompose)."""
        return {"decomposition": decomposition_table(runs)}


KIND = CompareReforms()
