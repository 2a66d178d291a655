"""The Ray path for real: a sweep through Hydra's Ray launcher on a local Ray instance (2 CPUs) gives the same
results as the basic launcher. Ray's launcher lives in its own environment (.venv-ray, made by
`scripts/bootstrap --ray` from requirements-ray.lock) because it pins cloudpickle 2.x."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from .conftest import ROOT

VARIANTS = {"baseline": [], "one_form": ["reform=[one_form]"]}


def sweep_cmd(python: str, out, launcher: str) -> list[str]:
    return [python, "-m", "sim.sweep", "compare_reforms", "seeds=2", "days=14", "scenario=classroom",
            "report=false", f"launcher={launcher}", "jobs=2", f"out={out}", "variants=" + json.dumps(VARIANTS)]


@pytest.mark.slow
def test_ray_launcher_gives_the_same_results_as_the_basic_one(tmp_path):
    boot = subprocess.run([str(ROOT / "scripts" / "bootstrap"), "--ray"], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert boot.returncode == 0, boot.stderr[-2000:]
    ray_python = str(ROOT / ".venv-ray" / "bin" / "python")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_AUTH_MODE": "disabled"}
    ray = subprocess.run(sweep_cmd(ray_python, tmp_path / "ray", "ray"), cwd=ROOT, capture_output=True, text=True,
                         timeout=600, env=env)
    assert ray.returncode == 0, ray.stderr[-2000:]
    log = (tmp_path / "ray" / ".sweep" / "launcher.log").read_text()
    assert "Ray Launcher is launching" in log
    basic = subprocess.run(sweep_cmd(sys.executable, tmp_path / "basic", "basic"), cwd=ROOT, capture_output=True,
                           text=True, timeout=600, env=env)
    assert basic.returncode == 0, basic.stderr[-2000:]
    cols = ["variant", "seed", "admin_hours_per_cadre_week", "service_time_mean_days",
            "data_reports_hours_per_cadre_week", "requests_arrived_total"]
    a = pd.read_parquet(tmp_path / "ray" / "runs.parquet").sort_values(["variant", "seed"])[cols]
    b = pd.read_parquet(tmp_path / "basic" / "runs.parquet").sort_values(["variant", "seed"])[cols]
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
