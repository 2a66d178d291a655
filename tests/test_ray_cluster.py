"""An existing Ray cluster by address, for real: a head and a second node started with `ray start` on this machine
(a two-node cluster), the README's command pointed at it, runs spread over both nodes, results byte for byte the
joblib launcher's; a wrong address stops at once with one line, a cluster that goes away mid-sweep fails the sweep
saying how to finish, and re-running the same command against the cluster back up finishes it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from .conftest import ROOT
from .test_ray_launcher import VARIANTS

RAY_PYTHON = ROOT / ".venv-ray" / "bin" / "python"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """`ray start --head` plus `ray start --address=...` as a second node, in a temp dir of their own, so stopping
    it never touches another Ray instance on the machine."""

    def __init__(self):
        self.temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths live under it
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {**os.environ, "RAY_AUTH_MODE": "disabled"}

    def ray(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run([str(ROOT / ".venv-ray" / "bin" / "ray"), *args], capture_output=True, text=True,
                              env=self.env, timeout=180)

    def start(self) -> None:
        head = self.ray("start", "--head", f"--port={self.port}", "--num-cpus=1", f"--temp-dir={self.temp}",
                        "--include-dashboard=true", f"--dashboard-port={_free_port()}", "--disable-usage-stats")
        assert head.returncode == 0, head.stderr[-2000:]
        node = self.ray("start", f"--address={self.address}", "--num-cpus=1", f"--temp-dir={self.temp}")
        assert node.returncode == 0, node.stderr[-2000:]
        for _ in range(60):
            if self.ray("status", f"--address={self.address}").stdout.count("node_") >= 2:
                return
            time.sleep(1)
        raise AssertionError("the second node did not join")

    def stop(self) -> None:
        """Kill every process of this cluster (their command lines name its temp dir)."""
        for _ in range(3):
            pids = subprocess.run(["pgrep", "-f", self.temp], capture_output=True, text=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(1)

    def task_nodes(self) -> set[str]:
        out = self.ray("list", "tasks", f"--address={self.address}", "--format=json", "--limit=1000").stdout
        return {t["node_id"] for t in json.loads(out) if t.get("name") == "_run_job" and t.get("state") == "FINISHED"}


def sweep(python, out, launcher: str, address: str | None = None) -> list[str]:
    cmd = [str(python), "-m", "sim.sweep", "compare_reforms", "seeds=8", "days=182", "scenario=classroom",
           "report=false", f"launcher={launcher}", "jobs=2", f"out={out}", "variants=" + json.dumps(VARIANTS)]
    return cmd + ([f"launcher_args=[+hydra.launcher.ray.init.address={address}]"] if address else [])


@pytest.fixture
def cluster():
    boot = subprocess.run([str(ROOT / "scripts" / "bootstrap"), "--ray"], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert boot.returncode == 0, boot.stderr[-2000:]
    c = Cluster()
    c.start()
    try:
        yield c
    finally:
        c.stop()
        shutil.rmtree(c.temp, ignore_errors=True)


@pytest.mark.slow
def test_an_existing_two_node_cluster_runs_the_sweep_and_survives_going_away(cluster, tmp_path):
    # the driver gives up on a vanished cluster after 10 s rather than Ray's default minute
    env = {**cluster.env, "PYTHONPATH": str(ROOT), "RAY_gcs_rpc_server_reconnect_timeout_s": "10"}

    wrong = tmp_path / "wrong"
    res = subprocess.run(sweep(RAY_PYTHON, wrong, "ray", f"127.0.0.1:{_free_port()}"), cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "no Ray cluster answers" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not wrong.exists()

    out = tmp_path / "ray"
    first = subprocess.Popen(sweep(RAY_PYTHON, out, "ray", cluster.address), cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 180
    while len(list(out.glob("runs/*/*/_summary.json"))) < 2 and time.time() < deadline and first.poll() is None:
        time.sleep(0.5)
    cluster.stop()  # the cluster goes away mid-sweep
    _, err = first.communicate(timeout=300)
    assert first.returncode == 1, err[-2000:]
    assert "the launcher exited with" in err and "re-run the same command" in err
    finished = len(list(out.glob("runs/*/*/_summary.json")))
    assert 2 <= finished < 16

    cluster.start()
    again = subprocess.run(sweep(RAY_PYTHON, out, "ray", cluster.address), cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"({finished} already done)" in again.stderr
    assert len(cluster.task_nodes()) == 2  # the runs spread over both nodes

    reference = tmp_path / "joblib"
    local = subprocess.run(sweep(sys.executable, reference, "joblib"), cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=600)
    assert local.returncode == 0, local.stderr[-2000:]
    files = sorted(p.relative_to(reference) for p in (reference / "runs").rglob("*") if p.is_file())
    assert len(files) == 2 * 8 * 4
    for f in files:
        assert (out / f).read_bytes() == (reference / f).read_bytes(), f
