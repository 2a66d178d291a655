"""The SLURM path for real: a one-node SLURM cluster from Debian's packages (scripts/slurm-local: munge, slurmdbd
with MariaDB, slurmctld, slurmd), a sweep through Hydra's submitit launcher, the jobs seen in SLURM's accounting,
results byte for byte the joblib launcher's, and a job cancelled mid-sweep finished by re-running the command.

`scripts/bootstrap --test` installs the packages when it runs as root (as CI does); elsewhere the test is skipped."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from .conftest import ROOT

VARIANTS = {"baseline": [], "one_form": ["reform=[one_form]"]}
SCRIPT = ROOT / "scripts" / "slurm-local"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def slurm(tmp_path):
    """A running one-node cluster; yields the environment that uses it."""
    if os.geteuid() != 0 or not shutil.which("slurmctld") or not shutil.which("slurmdbd"):
        pytest.skip("SLURM's daemons run as root from Debian's packages: scripts/slurm-local install")
    folder = tmp_path / "slurm"
    ports = {k: str(_free_port()) for k in ("SLURMCTLD_PORT", "SLURMD_PORT", "SLURMDBD_PORT", "MARIADB_PORT")}
    env = {**os.environ, **ports}
    start = subprocess.run([str(SCRIPT), "start", str(folder)], capture_output=True, text=True, env=env, timeout=180)
    try:
        assert start.returncode == 0, start.stderr[-3000:]
        yield {**os.environ, "SLURM_CONF": str(folder / "slurm.conf"), "PYTHONPATH": str(ROOT)}
    finally:
        subprocess.run([str(SCRIPT), "stop", str(folder)], capture_output=True, env=env, timeout=120)


def sweep(out, launcher: str, env) -> list[str]:
    return [sys.executable, "-m", "sim.sweep", "compare_reforms", "seeds=6", "days=182", "scenario=classroom",
            "report=false", f"launcher={launcher}", "jobs=2", f"out={out}", "variants=" + json.dumps(VARIANTS)]


def _sacct(env) -> list[tuple[str, str]]:
    out = subprocess.run(["sacct", "-X", "-n", "-P", "-o", "JobID,State"], capture_output=True, text=True, env=env,
                         timeout=30).stdout
    return [tuple(line.split("|")[:2]) for line in out.splitlines() if line]


@pytest.mark.slow
def test_a_sweep_through_slurm_matches_joblib_and_finishes_after_a_cancelled_job(slurm, tmp_path):
    out = tmp_path / "slurm_runs"
    first = subprocess.Popen(sweep(out, "submitit_slurm", slurm), cwd=ROOT, env=slurm, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    # cancel the first job SLURM starts running
    cancelled = None
    deadline = time.time() + 120
    while cancelled is None and time.time() < deadline and first.poll() is None:
        running = subprocess.run(["squeue", "-h", "-t", "R", "-o", "%i"], capture_output=True, text=True,
                                 env=slurm).stdout.split()
        if running:
            cancelled = running[0]
            subprocess.run(["scancel", cancelled], env=slurm, check=True)
        time.sleep(0.5)
    _, err = first.communicate(timeout=600)
    assert cancelled is not None, "no job was seen running"
    # the sweep says what is missing and how to finish, and fails
    assert first.returncode == 1, err[-2000:]
    assert "re-run the same command" in err
    assert any(job == cancelled and state.startswith("CANCELLED") for job, state in _sacct(slurm))

    again = subprocess.run(sweep(out, "submitit_slurm", slurm), cwd=ROOT, env=slurm, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    jobs = _sacct(slurm)
    assert sum(state == "COMPLETED" for _, state in jobs) >= 2, jobs  # the runs went through SLURM

    reference = tmp_path / "joblib_runs"
    local = subprocess.run(sweep(reference, "joblib", slurm), cwd=ROOT, env=slurm, capture_output=True, text=True,
                           timeout=600)
    assert local.returncode == 0, local.stderr[-2000:]
    files = sorted(p.relative_to(reference) for p in (reference / "runs").rglob("*") if p.is_file())
    assert len(files) == 2 * 6 * 4  # variants x seeds x (timeseries, county series, config, summary)
    for f in files:
        assert (out / f).read_bytes() == (reference / f).read_bytes(), f
