"""The notebook experiments/explore_compare_reforms.ipynb runs top to bottom (nbclient, kernel python3 = this
Python) and draws its chart."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "experiments" / "explore_compare_reforms.ipynb"


@pytest.mark.slow
def test_the_notebook_runs_and_draws_the_chart(tmp_path, monkeypatch):
    # a python3 kernel spec that starts this interpreter, found before any other on this machine
    spec_dir = tmp_path / "jupyter" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=180,
                            resources={"metadata": {"path": str(tmp_path)}})
    start = time.time()
    client.execute()
    elapsed = time.time() - start
    print(f"[notebook] executed in {elapsed:.1f} s")

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "10 runs, 5 variants" in text
    charts = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(charts) == 1
    (bar,) = charts[0]["data"]["application/vnd.plotly.v1+json"]["data"]
    assert set(bar["y"]) == {"one_form", "shared_data_pool", "meeting_list", "all_reforms"}
    assert bar["error_x"]["array"] and bar["error_x"]["arrayminus"]
