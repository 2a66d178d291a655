"""Shared helpers: runs are cached per override list, so tests that read the same run pay for it once."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden import pinned

# numpy's and OpenBLAS's CPU code paths pinned for the test processes and the processes they start, before numpy
# is imported: the golden figures are the same bits on any x86-64 machine (tests/golden/pinned.py)
pinned.pin()

ROOT = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=None)
def _run(overrides: tuple[str, ...]):
    from sim.config import load_config
    from sim.experiments.run import run_simulation

    summary, series, model = run_simulation(load_config(list(overrides)))
    return summary, series, model


@pytest.fixture(scope="session")
def run():
    """run('reform=[one_form]', 'seed=1') -> (summary, timeseries, model), cached for the session."""
    return lambda *overrides: _run(tuple(overrides))


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -m sim <args>` in a fresh process, from the repository root."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


# ---- case counts of the property-based tests (tests/test_properties.py), summed over xdist workers -------------
CASE_COUNTS: dict[str, int] = {}


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):  # an xdist worker: hand the counts to the controller
        session.config.workeroutput["case_counts"] = dict(CASE_COUNTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    for name, n in getattr(node, "workeroutput", {}).get("case_counts", {}).items():
        CASE_COUNTS[name] = CASE_COUNTS.get(name, 0) + n


def pytest_terminal_summary(terminalreporter):
    if CASE_COUNTS:
        parts = ", ".join(f"{name}: {n}" for name, n in sorted(CASE_COUNTS.items()))
        terminalreporter.write_line(f"property-based cases tried: {parts}")
