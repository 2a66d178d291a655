"""The package as users install it: the wheel holds the configs and experiment specs and runs from any directory;
the metadata files agree with pyproject.toml."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
import yaml

import sim
from sim.config import CONFIG_DIR, EXPERIMENT_DIR

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_package_list_names_every_package_and_config_group():
    """pyproject.toml lists packages by hand (two of them mapped from top-level folders): nothing may be left out."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    groups = {f"sim.configs.{p.name}" for p in (ROOT / "configs").iterdir() if p.is_dir()}
    assert listed == on_disk | groups | {"sim.configs", "sim.experiment_specs"}
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"sim.configs": "configs",
                                                              "sim.experiment_specs": "experiments"}


def test_a_checkout_reads_the_repository_folders():
    assert CONFIG_DIR == ROOT / "configs" and (CONFIG_DIR / "config.yaml").is_file()
    assert EXPERIMENT_DIR == ROOT / "experiments" and (EXPERIMENT_DIR / "compare_reforms.yaml").is_file()


def test_version_license_citation_and_changelog_agree():
    version = PYPROJECT["project"]["version"]
    assert sim.__version__ == version
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and str(cff["version"]) == version and cff["title"]
    assert cff["authors"] == [{"name": "grassroots-sim contributors"}]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    scripts = PYPROJECT["project"]["scripts"]
    assert set(scripts) == {"grassroots-sim", "grassroots-sweep", "grassroots-report", "grassroots-app"}


def _copy_source(dest: Path) -> Path:
    """What the wheel is built from, copied so that building leaves nothing in the checkout."""
    src = dest / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.ipynb_checkpoints")
    for name in ("sim", "configs", "experiments"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    return src


@pytest.mark.slow
def test_the_built_wheel_runs_from_any_directory(tmp_path):
    # build the wheel (pip fetches the build backend, setuptools, into an isolated build environment)
    src = _copy_source(tmp_path)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)],
                   check=True, capture_output=True, text=True, timeout=600)
    (wheel,) = wheels.glob("grassroots_sim-*.whl")

    # a fresh venv with the wheel alone; the dependencies come from this venv's site-packages through a path file
    # (a path file adds the folder but does not run the .pth files in it, so an editable install there stays out)
    venv = tmp_path / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    # --ignore-installed: pip runs from this venv and would otherwise take its editable install for this package
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--ignore-installed",
                    "-q", str(wheel)], check=True, capture_output=True, text=True, timeout=300)
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    assert (site / "sim" / "configs" / "config.yaml").is_file()
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    where = subprocess.run([str(py), "-I", "-c", "import json, sim, sim.config as c; print(json.dumps("
                            "[sim.__file__, str(c.CONFIG_DIR), str(c.EXPERIMENT_DIR), sim.__version__]))"],
                           cwd="/", env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    init, config_dir, experiment_dir, version = json.loads(where.stdout)
    assert Path(init).is_relative_to(venv), f"the test venv imports sim from {init}"
    assert Path(config_dir) == Path(init).parent / "configs" and (Path(config_dir) / "scenario/classroom.yaml").is_file()
    assert Path(experiment_dir) == Path(init).parent / "experiment_specs"
    assert version == PYPROJECT["project"]["version"]

    out = tmp_path / "run"
    res = subprocess.run([str(py), "-I", "-m", "sim", "scenario=classroom", "scenario.days=7", f"out_dir={out}"],
                         cwd="/", env=env, capture_output=True, text=True, timeout=300)
    print(f"[packaging] {res.stdout.strip()}")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "_summary.json").read_text(encoding="utf-8"))
    assert summary["measured_days"] == 7 and summary["admin_hours_per_cadre_week"] > 0
    assert re.fullmatch(r"[\d.]+\+[0-9a-f]{12}", summary["model_version"])

    res = subprocess.run([str(venv / "bin" / "grassroots-sim"), "--help"], cwd="/", env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "scenario" in res.stdout
    for script in ("grassroots-sweep", "grassroots-report", "grassroots-app"):
        assert (venv / "bin" / script).is_file()
    res = subprocess.run([str(venv / "bin" / "grassroots-sweep"), "--help"], cwd="/", env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0 and "compare_reforms" in res.stdout
