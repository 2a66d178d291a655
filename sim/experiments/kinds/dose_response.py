"""dose_response: one lever's strength swept. The lever (e.g. reform=[single_assessor]) is switched on and one
parameter set to each of `values`; every dose is a variant named <parameter's last part>=<value>, compared with
the baseline (the lever off)."""

from __future__ import annotations

import pandas as pd

from ..decompose import decomposition_table
from .base import KindBase, SweepError, check_overrides, expand_variants


def dose_variant(parameter: str, value) -> str:
    return f"{parameter.split('.')[-1]}={value}"


class DoseResponse(KindBase):
    name = "dose_response"

    def check(self, spec: dict) -> None:
        super().check(spec)
        check_overrides(spec, "lever")
        if not isinstance(spec.get("parameter"), str) or not spec["parameter"]:
            raise SweepError(f"parameter: expected a dotted config key (e.g. reform.single_assessor.max_per_year), "
                             f"got {spec.get('parameter')!r}")
        values = spec.get("values")
        if not isinstance(values, list) or not values or any(isinstance(v, (list, dict)) for v in values):
            raise SweepError(f"values: expected a non-empty list of values of {spec['parameter']}, got {values!r}")

    def resolve(self, spec: dict) -> dict:
        return {**spec, "values_by_variant": {dose_variant(spec["parameter"], v): v for v in spec["values"]}}

    def expand(self, spec: dict) -> list[dict]:
        variants = {"baseline": []} | {
            v: [*spec["lever"], f"{spec['parameter']}={value}"] for v, value in spec["values_by_variant"].items()}
        inputs = {v: {spec["parameter"]: value} for v, value in spec["values_by_variant"].items()}
        return expand_variants(spec, variants, spec["scenario"], inputs=inputs)

    def record(self, spec: dict) -> dict:
        return {**super().record(spec), "values": spec["values_by_variant"]}

    def tables(self, spec: dict, runs: pd.DataFrame, comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """dose_response: the comparison rows of the doses, with the parameter and its value per variant;
        decomposition: where each dose's gross hours removed went (sim.experiments.decompose)."""
        values = spec.get("values") or {}
        if comparison.empty or not values:
            return {}
        table = comparison[comparison.variant.isin(values)].copy()
        value = table.variant.map(values)
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values.values())
        table.insert(1, "parameter", spec["parameter"])
        table.insert(2, "value", value.astype(float) if numeric else value.astype(str))
        return {"dose_response": table.reset_index(drop=True), "decomposition": decomposition_table(runs)}

KIND = DoseResponse()
