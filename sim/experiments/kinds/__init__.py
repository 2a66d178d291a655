"""The kinds of experiment, by name: what each checks in its spec, the runs it expands into, the tables it adds.

    >>> from sim.experiments.kinds import get_kind
    >>> kind = get_kind("dose_response")
    >>> runs = kind.expand(kind.resolve(spec))    # spec: experiments/dose_response.yaml, checked

An experiment file (experiments/<name>.yaml) names its kind with `kind:`. A new kind is a module here with a
`KIND` object following :class:`Kind`, added to KINDS.
"""

from __future__ import annotations

from . import calibrate, compare, dose_response, interactions, packages, robustness, scale, sensitivity
from .base import Kind, SweepError
from .compare import reform_variants

KINDS: dict[str, Kind] = {k.name: k for k in (compare.KIND, dose_response.KIND, interactions.KIND,
                                              sensitivity.KIND, scale.KIND, calibrate.KIND,
                                              robustness.KIND, packages.KIND)}


def get_kind(name) -> Kind:
    """The kind called `name`; SweepError naming the kinds there are otherwise."""
    if name not in KINDS:
        raise SweepError(f"kind: '{name}'; allowed: {', '.join(KINDS)}")
    return KINDS[name]


__all__ = ["KINDS", "Kind", "SweepError", "get_kind", "reform_variants"]
