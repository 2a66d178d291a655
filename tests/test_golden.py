"""Behaviour is unchanged unless a change means to change it: the golden summaries and time series.

Baseline, each of the 20 reforms alone and all of them, two seeds each, classroom scale. When a change alters
behaviour on purpose, rewrite them with ``python -m tests.golden.cases --write`` and say which figures moved and why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden import pinned
from tests.golden.cases import GOLDEN_FILE, cases, compute

GOLDEN = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
CASES = cases()


def test_golden_cases_cover_every_variant():
    assert sorted(GOLDEN) == sorted(CASES), "golden file out of step with the cases: rewrite it"


def _compute(case: str) -> dict:
    """The case's figures on the pinned code paths: here if this process has them (the test processes do, from
    conftest), otherwise in a child process that has them."""
    if pinned.in_effect():
        return compute(CASES[case])
    done = subprocess.run([sys.executable, "-m", "tests.golden.cases", "--compute", case], capture_output=True,
                          text=True, env=pinned.child_env(), cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case):
    got, want = _compute(case), GOLDEN[case]
    moved = {k: (want["summary"].get(k), v) for k, v in got["summary"].items() if want["summary"].get(k) != v}
    moved |= {k: (v, None) for k, v in want["summary"].items() if k not in got["summary"]}
    assert not moved, f"{case}: summary keys moved (golden, now): {moved}"
    assert got["summary_hash"] == want["summary_hash"]
    assert got["series_hash"] == want["series_hash"], f"{case}: the time series changed"
    assert got["county_series_hash"] == want["county_series_hash"], f"{case}: the county time series changed"
