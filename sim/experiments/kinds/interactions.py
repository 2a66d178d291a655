"""interactions: a few reforms alone and in every pair, against the baseline. A pair that saves less than its two
parts overlaps; one that saves more reinforces."""

from __future__ import annotations

from ...config import REFORM_NAMES
from .base import KindBase, SweepError, expand_variants


def pair_variants(reforms: list[str]) -> dict[str, list[str]]:
    """The baseline, each reform alone, and each pair (named a+b)."""
    variants = {"baseline": []} | {r: [f"reform=[{r}]"] for r in reforms}
    for i, a in enumerate(reforms):
        for b in reforms[i + 1:]:
            variants[f"{a}+{b}"] = [f"reform=[{a},{b}]"]
    return variants


class Interactions(KindBase):
    name = "interactions"

    def check(self, spec: dict) -> None:
        super().check(spec)
        reforms = spec.get("reforms")
        if not isinstance(reforms, list) or len(reforms) < 2:
            raise SweepError(f"reforms: expected a list of at least two reform names, got {reforms!r}")
        unknown = [r for r in reforms if r not in REFORM_NAMES]
        if unknown:
            raise SweepError(f"reforms: unknown {', '.join(map(str, unknown))}; allowed: {', '.join(REFORM_NAMES)}")
        if len(set(reforms)) < len(reforms):
            raise SweepError(f"reforms: {reforms} names a reform twice")

    def resolve(self, spec: dict) -> dict:
        return {**spec, "variants": pair_variants(list(spec["reforms"]))}

    def expand(self, spec: dict) -> list[dict]:
        return expand_variants(spec, spec["variants"], spec["scenario"])


KIND = Interactions()
