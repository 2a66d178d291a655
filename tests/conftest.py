"""Shared fixtures: one genuine (small) results folder, built once per test session by really running the model."""

from __future__ import annotations

import shutil

import pytest

from sim.report_fixture import build_fixture_experiment

FIXTURE_VARIANTS = ("baseline", "one_form", "rest_rights", "all_reforms")
FIXTURE_SEEDS = (0, 1, 2)


@pytest.fixture(scope="session")
def fixture_experiment(tmp_path_factory):
    """results/<exp> for 4 variants x 3 seeds, classroom scenario, 28 days. Treat as read-only: copy to modify."""
    return build_fixture_experiment(tmp_path_factory.mktemp("results"), FIXTURE_VARIANTS, FIXTURE_SEEDS, days=28)


@pytest.fixture
def experiment_copy(fixture_experiment, tmp_path):
    """A private copy of the fixture folder that a test may damage."""
    dst = tmp_path / fixture_experiment.name
    shutil.copytree(fixture_experiment, dst, ignore=shutil.ignore_patterns("report.html", "png"))
    return dst
