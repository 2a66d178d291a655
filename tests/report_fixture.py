"""A small, genuine results folder for testing and benchmarking the report: a real sweep, made small.

``build_fixture_experiment`` runs ``sim.sweep`` (classroom scenario, a few weeks, a few variants x seeds) - the
same runner and aggregation as any experiment - and can knock runs out afterwards to make a partial sweep.
benchmarks/bench_report.py calls it directly.

The pytest fixtures ``fixture_experiment`` and ``experiment_copy`` share one such folder through a process-wide
cache, so that tests/test_report.py and tests/test_report_browser.py pay for the runs once. They are kept out of
conftest.py, so that only the tests that use them import them (by name).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import pytest

from sim.experiments.aggregate import aggregate
from sim.experiments.kinds import reform_variants
from sim.experiments.sweep import sweep

FIXTURE_VARIANTS = ("baseline", "one_form", "rest_rights", "all_reforms")
FIXTURE_SEEDS = (0, 1, 2)


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
        shutil.rmtree(folder / "runs" / f"variant={variant}" / f"seed={seed}", ignore_errors=True)
    if skip:
        aggregate(folder)
    return folder


@functools.lru_cache(maxsize=None)
def _built() -> Path:
    root = Path(tempfile.mkdtemp(prefix="report-fixture-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return build_fixture_experiment(root, FIXTURE_VARIANTS, FIXTURE_SEEDS, days=28)


@pytest.fixture
def fixture_experiment() -> Path:
    """results/<exp> for 4 variants x 3 seeds, classroom scenario, 28 days. Read-only: use experiment_copy to modify."""
    return _built()


@pytest.fixture
def experiment_copy(fixture_experiment, tmp_path):
    """A private copy of the fixture folder that a test may damage."""
    dst = tmp_path / fixture_experiment.name
    shutil.copytree(fixture_experiment, dst, ignore=shutil.ignore_patterns("report.html", "png"))
    return dst
