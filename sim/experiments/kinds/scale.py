"""scale: the same variants at several scenarios (scales); each compared with the baseline at its own scale."""

from __future__ import annotations

from .base import KindBase, SweepError, check_overrides, check_whole, expand_variants
from .compare import named_variants


class Scale(KindBase):
    name = "scale"
    group_by = "scale"

    def check(self, spec: dict) -> None:
        check_whole(spec, "seeds")
        if "overrides" in spec:
            check_overrides(spec, "overrides")
        scales = spec.get("scales")
        if not isinstance(scales, list) or not scales or not all(isinstance(s, str) for s in scales):
            raise SweepError(f"scales: expected a list of scenario names (e.g. [classroom, township, county]), "
                             f"got {scales!r}")
        named_variants(spec)

    def resolve(self, spec: dict) -> dict:
        return {**spec, "variants": named_variants(spec)}

    def expand(self, spec: dict) -> list[dict]:
        return [r for scale in spec["scales"]
                for r in expand_variants(spec, spec["variants"], scale, levels=(("scale", scale),))]


KIND = Scale()
