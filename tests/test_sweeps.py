"""Sweeps: end to end through Hydra's launchers, resume after SIGKILL, aggregation, sensitivity, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.experiments.aggregate import AggregateError
from sim.experiments.sweep import SweepError, SweepIncomplete, check_launcher, launcher_failure, sweep
from sim.sweep import main as sweep_main

from .conftest import ROOT

SMALL = {"seeds": 2, "days": 14, "scenario": "classroom", "report": False,
         "variants": {"baseline": [], "one_form": ["reform=[one_form]"], "rest_rights": ["reform=[rest_rights]"]}}
METRICS = ["admin_hours_per_cadre_week", "service_time_mean_days", "data_reports_hours_per_cadre_week",
           "department_hours_per_county_week", "requests_arrived_total"]


def small_sweep(out, **extra):
    return sweep("compare_reforms", {**SMALL, "out": str(out), **extra})


def table(folder):
    runs = pd.read_parquet(folder / "runs.parquet")
    return runs.sort_values(["variant", "seed"]).reset_index(drop=True)[["variant", "seed", *METRICS]]


def test_small_sweep_end_to_end_through_joblib(tmp_path):
    folder = small_sweep(tmp_path / "a")
    runs = pd.read_parquet(folder / "runs.parquet")
    assert len(runs) == 6 and set(runs.variant) == {"baseline", "one_form", "rest_rights"}
    comp = pd.read_parquet(folder / "comparison.parquet")
    assert {"variant", "metric", "baseline_mean", "variant_mean", "diff_mean", "diff_ci_low", "diff_ci_high",
            "n"} <= set(comp.columns)
    assert (folder / "comparison.csv").exists()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["missing_runs"] == [] and manifest["runs_completed"] == 6
    assert "joblib" in (folder / ".sweep" / "launcher.log").read_text() or (folder / ".sweep" / "hydra").exists()
    # the paired difference, computed by hand from the runs
    b = runs[runs.variant == "baseline"].sort_values("seed").admin_hours_per_cadre_week.to_numpy()
    v = runs[runs.variant == "one_form"].sort_values("seed").admin_hours_per_cadre_week.to_numpy()
    d = v - b
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    row = comp[(comp.variant == "one_form") & (comp.metric == "admin_hours_per_cadre_week")].iloc[0]
    assert row.diff_mean == pytest.approx(d.mean())
    assert row.diff_ci_low == pytest.approx(d.mean() - half)
    assert row.diff_ci_high == pytest.approx(d.mean() + half)
    assert row.n == 2
    # a second call finds everything done and runs nothing
    started = time.time()
    small_sweep(tmp_path / "a")
    assert time.time() - started < 10


def test_jobs_run_the_configs_the_sweep_planned_without_composing_them_again(tmp_path, monkeypatch):
    """The sweep composes and checks each variant's config once, when it plans the runs; its jobs take those configs
    (``.sweep/configs.pkl``) instead of composing them again (~0.3 s each). Without the file, a job composes them
    itself, and the run comes out the same."""
    import sim.experiments.run as run_module
    from sim.experiments.io import PLANNED_CONFIGS_FILE, SUMMARY_FILE
    from sim.experiments.job import run_unit

    folder = small_sweep(tmp_path / "a")
    units_file = folder / ".sweep" / "units.json"
    units = json.loads(units_file.read_text())
    assert (units_file.with_name(PLANNED_CONFIGS_FILE)).is_file()
    unit = next(i for i, u in enumerate(units) if u[0]["variant"] == "one_form")
    summaries = [folder / r["run_dir"] / SUMMARY_FILE for r in units[unit]]
    first = [json.loads(f.read_text()) for f in summaries]

    composed = []
    real = run_module.load_config
    monkeypatch.setattr(run_module, "load_config", lambda overrides: composed.append(overrides) or real(overrides))
    for planned in (True, False):
        if not planned:
            units_file.with_name(PLANNED_CONFIGS_FILE).unlink()
        for f in summaries:
            f.unlink()
        run_unit(str(units_file), str(folder), unit)
        assert [json.loads(f.read_text()) for f in summaries] == first   # the runs again, as they were
        assert len(composed) == (0 if planned else 1), composed        # composed only without the planned file


def test_on_this_machine_a_job_is_a_worker_and_each_unit_is_run_by_one_worker(tmp_path):
    """joblib launches one job per worker, not one per unit (Hydra composes a config for each job); the workers
    share the units by claiming them, so each unit is run once, by whichever worker claimed it first."""
    from sim.experiments.io import SUMMARY_FILE
    from sim.experiments.job import run_claimed_units

    folder = small_sweep(tmp_path / "a", jobs=2)
    work = folder / ".sweep"
    units = json.loads((work / "units.json").read_text())
    assert len(units) > 2
    assert sorted(p.name for p in (work / "hydra").iterdir() if p.is_dir()) == ["worker_0", "worker_1"]
    assert sorted(int(p.name) for p in (work / "claims").iterdir()) == list(range(len(units)))

    # two workers over the same claims: the first to come runs every unit, the second finds them all claimed
    summaries = [folder / r["run_dir"] / SUMMARY_FILE for u in units for r in u]
    first = [f.read_bytes() for f in summaries]
    for f in summaries:
        f.unlink()
    claims = tmp_path / "claims"
    claims.mkdir()
    assert run_claimed_units(str(work / "units.json"), str(folder), str(claims)) == len(units)
    assert run_claimed_units(str(work / "units.json"), str(folder), str(claims)) == 0
    assert [f.read_bytes() for f in summaries] == first


def test_each_runs_key_is_its_own_config_and_seed_though_a_variants_seeds_share_one_yaml():
    """Planning (and each job) makes a variant's YAML once for all its seeds; each run's key is still what its own
    config and seed give, made afresh run by run. A design point's values make a config of their own: its key is
    never the variant's."""
    from sim.experiments.io import run_key
    from sim.experiments.run import planned_config
    from sim.experiments.sweep import plan_keys

    def planned(variant, overrides, seed, values=None):
        return {"variant": variant, "seed": seed,
                "overrides": ["scenario=classroom", *overrides, *(f"{k}={v}" for k, v in (values or {}).items()),
                              f"seed={seed}"], **({"values": values} if values else {})}

    runs = [planned(v, ov, s) for v, ov in (("baseline", []), ("one_form", ["reform=[one_form]"])) for s in range(3)]
    runs += [planned("dose", [], s, {"rebound.elasticity": e}) for e in (0.1, 0.6) for s in range(2)]
    composed = plan_keys(runs)
    texts = {}   # as a job caches them: each variant's text once, whatever run asks first
    for r in runs:
        _, config_yaml = planned_config(r, {})
        assert r["key"] == run_key(config_yaml, r["seed"]), r
        assert planned_config(r, composed, texts)[1] == config_yaml, r
    assert len(texts) == 2   # the two variants; a design point's config is its own, never cached as its variant's
    keys = [r["key"] for r in runs]
    assert len(set(keys)) == len(keys)   # no two runs share a key: seeds, variants and values all tell


@pytest.mark.slow  # a separate CI step runs it (README's test command)
def test_basic_and_joblib_launchers_give_identical_results(tmp_path):
    a = small_sweep(tmp_path / "joblib", launcher="joblib")
    b = small_sweep(tmp_path / "basic", launcher="basic")
    pd.testing.assert_frame_equal(table(a), table(b))


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_completes_to_the_same_aggregate(tmp_path):
    whole = small_sweep(tmp_path / "whole", seeds=4)
    folder = tmp_path / "killed"
    args = [sys.executable, "-m", "sim.sweep", "compare_reforms", "seeds=4", "days=14", "scenario=classroom",
            "report=false", f"out={folder}", "variants=" + json.dumps(SMALL["variants"])]
    proc = subprocess.Popen(args, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.time() + 120
    while time.time() < deadline and len(list(folder.glob("runs/*/*/_summary.json"))) < 3:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep, its launcher and the workers, mid-run
    proc.wait()
    done = list(folder.glob("runs/*/*/_summary.json"))
    assert 3 <= len(done) < 12, "the kill should land mid-sweep"
    for f in done:  # nothing half-written: every summary that exists parses
        json.loads(f.read_text())
    assert sweep_main(["compare_reforms", "seeds=4", "days=14", "scenario=classroom", "report=false",
                       f"out={folder}", "variants=" + json.dumps(SMALL["variants"])]) == 0
    pd.testing.assert_frame_equal(table(whole), table(folder))
    assert json.loads((folder / "manifest.json").read_text())["missing_runs"] == []
    assert not [p for p in folder.glob("runs/*/*/.*")], "temporary files left behind"


def test_a_failed_run_is_reported_and_the_others_finish(tmp_path):
    folder = tmp_path / "f"
    victim = folder / "runs" / "variant=rest_rights" / "seed=1"
    (victim / "timeseries.parquet").mkdir(parents=True)  # a directory where the run must write a file: it fails
    with pytest.raises(SweepIncomplete, match="1 of 6 runs missing or failed"):
        small_sweep(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["failed_runs"] == ["runs/variant=rest_rights/seed=1"]
    assert manifest["runs_completed"] == 5
    assert len(pd.read_parquet(folder / "runs.parquet")) == 5
    text = (victim / "_error.txt").read_text()
    assert "reform=[rest_rights]" in text and "Traceback" in text
    # fixed, the same command completes the sweep
    (victim / "timeseries.parquet").rmdir()
    small_sweep(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["failed_runs"] == [] and manifest["runs_completed"] == 6


def test_a_folder_of_another_experiment_is_refused(tmp_path):
    folder = small_sweep(tmp_path / "x")
    with pytest.raises(AggregateError, match="holds experiment"):
        sweep("dose_response", {"out": str(folder), "seeds": 1, "days": 7, "scenario": "classroom",
                                "values": [1], "report": False})
    stray = tmp_path / "stray"
    (stray / "notes").mkdir(parents=True)
    with pytest.raises(AggregateError, match="not empty"):
        small_sweep(stray)


def test_bad_experiment_input_stops_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "never"
    assert sweep_main(["no_such_experiment", f"out={out}"]) == 2
    allowed = capsys.readouterr().err.split("allowed:")[1]
    assert {"calibrate", "compare_reforms", "dose_response"} <= {name.strip() for name in allowed.split(",")}
    assert sweep_main(["compare_reforms", "seeds=0", f"out={out}"]) == 2
    assert sweep_main(["compare_reforms", "colour=red", f"out={out}"]) == 2
    assert sweep_main(["compare_reforms", "launcher=carrier_pigeon", f"out={out}"]) == 2
    assert sweep_main(["compare_reforms", f"out={out}", "variants={bad: ['reform=[nope]']}"]) == 2
    assert "nope" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(SweepError):
        sweep("dose_response", {"parameter": "reform.single_assessor.max_per_year", "values": [0], "out": str(out)})
    assert not out.exists()


def test_units_keep_a_variant_s_seeds_together_and_are_small_where_workers_claim_them(tmp_path):
    """A unit is some seeds of one variant, in the plan's order: up to 10 for a cluster's jobs (fewer where the
    workers would otherwise go idle), 2 where this machine's workers claim them as they come free."""
    from sim.experiments.sweep import plan_units

    pending = [{"variant": v, "seed": s, "run_dir": f"{v}/seed_{s}"} for v in ("a", "b", "c") for s in range(25)]
    pending += [{"variant": "d", "seed": 0, "run_dir": "d/seed_0"}]
    for claim, jobs, largest in ((False, 2, 9), (False, 1, 10), (True, 2, 2), (True, 1, 2)):
        units = plan_units(pending, tmp_path, jobs, workers_claim=claim)
        assert [r for u in units for r in u] == pending
        assert all(len({r["variant"] for r in u}) == 1 for u in units)
        assert max(len(u) for u in units) == largest, (claim, jobs)


@pytest.mark.slow  # a separate CI step runs it (README's test command)
@pytest.mark.parametrize("method, n", [("morris", 4), ("sobol", 4)])
def test_sensitivity_ranks_the_influential_parameter_first(tmp_path, method, n):
    """A constructed case: what one_form saves scales with the minutes per typed field (wide range); the other two
    parameters barely move (narrow ranges)."""
    folder = sweep("sensitivity", {
        "method": method, "n": n, "days": 14, "scenario": "classroom", "report": False, "out": str(tmp_path / method),
        "lever": ["reform=[one_form]"],
        "parameters": {"data_reports.entry_minutes_per_field": [0.1, 2.0], "chat.read_minutes": [0.39, 0.41],
                       "meetings.duration_hours": [1.49, 1.51]},
    })
    table = pd.read_csv(folder / "sensitivity.csv")
    assert set(table.outcome) == {"hours_saved", "service_time_mean_days", "service_time_change"}
    saved = table[table.outcome == "hours_saved"].set_index("parameter")
    assert len(saved) == 3
    score = "mu_star" if method == "morris" else "ST"
    assert saved[score].idxmax() == "data_reports.entry_minutes_per_field"
    assert {f"{score}_conf" if method == "sobol" else "mu_star_conf"} <= set(saved.columns)
    if method == "sobol":
        assert (folder / "sobol.csv").exists()


def test_a_cluster_that_is_not_there_stops_the_sweep_with_one_line(monkeypatch, tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SweepError, match=f"address=127.0.0.1:{port}: no Ray cluster answers there"):
        check_launcher("ray", [f"+hydra.launcher.ray.init.address=127.0.0.1:{port}"])
    check_launcher("ray", [])  # the sweep's own Ray instance needs no cluster
    monkeypatch.setattr("sim.experiments.sweep.shutil.which", lambda name: None)
    with pytest.raises(SweepError, match="sbatch is not on this machine's PATH"):
        check_launcher("submitit_slurm")
    # through the command: one line, exit status 2, nothing written
    out = tmp_path / "never"
    code = sweep_main(["compare_reforms", "seeds=1", "days=7", "scenario=classroom", "launcher=submitit_slurm",
                       f"out={out}"])
    assert code == 2 and not out.exists()


def test_a_launcher_failure_is_told_in_one_line():
    traceback = ("Traceback (most recent call last):\n  File \"x.py\", line 1\n"
                 "submitit.core.utils.UncompletedJobError: Job 12_0 (task: 0) with path /r/.submitit/12_0 has not "
                 "produced any output (state: CANCELLED by 0)\n")
    assert launcher_failure(traceback) == ("UncompletedJobError: Job 12_0 (task: 0) with path /r/.submitit/12_0 has "
                                           "not produced any output (state: CANCELLED by 0)")
    ray = ("[2026-11-27 09:52:57,581 E 31388 31416] rpc_client.h:204: Failed to connect to GCS within 10 seconds. GCS "
           "may have been killed. It's either GCS is terminated by `ray stop` or is killed unexpectedly.")
    assert launcher_failure("starting\n" + ray) == ("Failed to connect to GCS within 10 seconds. GCS may have been "
                                                     "killed.")
    assert launcher_failure("") == "no output"

