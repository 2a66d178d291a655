"""A small, genuine results folder for testing and benchmarking the report: a real sweep, made small.

It runs ``sim.sweep`` (classroom scenario, a few weeks, a few variants x seeds) - the same runner and aggregation
as any experiment - and can knock runs out afterwards to make a partial sweep. Only tests and
benchmarks/bench_report.py import this module.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sim.experiments.aggregate import aggregate
from sim.experiments.kinds import reform_variants
from sim.experiments.sweep import sweep


def build_fixture_experiment(root: str | Path, variants=("baseline", "one_form", "rest_rights", "all_reforms"),
                             seeds=(0, 1, 2), days: int = 28, name: str = "fixture_compare",
                             skip: tuple[tuple[str, int], ...] = (), scenario: str = "classroom") -> Path:
    """Sweep variants x seeds 0..len(seeds)-1 into root/<name>; the runs in `skip` are then removed and the
    folder re-aggregated, so the manifest lists them as missing (a partial sweep)."""
    if list(seeds) != list(range(len(seeds))):
        raise ValueError(f"seeds must be 0..n-1 (a sweep's seeds), got {seeds}")
    overrides = reform_variants()
    folder = sweep("compare_reforms", {
        "seeds": len(seeds), "days": days, "scenario": scenario, "report": False, "jobs": 2,
        "out": str(Path(root) / name), "variants": {v: overrides[v] for v in variants},
    })
    for variant, seed in skip:
        shutil.rmtree(folder / "runs" / variant / f"seed={seed}", ignore_errors=True)
    if skip:
        aggregate(folder)
    return folder
