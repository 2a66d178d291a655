"""The report tests' results folder: built once per test process by really running the model.

Kept out of conftest.py (the main branch has its own) and shared through a process-wide cache, so that
tests/test_report.py and tests/test_report_browser.py pay for the runs once. Import the fixtures by name.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.report_fixture import build_fixture_experiment

FIXTURE_VARIANTS = ("baseline", "one_form", "rest_rights", "all_reforms")
FIXTURE_SEEDS = (0, 1, 2)


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
