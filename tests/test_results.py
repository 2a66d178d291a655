"""Results a researcher can trust: runs reused only when they still hold, files others can read, safe folders, one
sweep per folder, honest exit codes, and run folders that read as one dataset."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from sim.config import load_config
from sim.experiments.io import COUNTY_FILE, SERIES_FILE, SUMMARY_FILE, atomic_write
from sim.experiments.run import run_simulation
from sim.experiments.sweep import SweepError, SweepIncomplete, folder_lock, run_experiment
from sim.sweep import main as sweep_main

from .conftest import ROOT

SPEC = {"kind": "compare_reforms", "scenario": "classroom", "days": 14, "seeds": 2,
        "variants": {"baseline": [], "one_form": ["reform=[one_form]"]}}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One small sweep, made under umask 022, that the read-only tests below share."""
    out = tmp_path_factory.mktemp("shared") / "x"
    old = os.umask(0o022)
    try:
        tables = run_experiment(SPEC, out)
    finally:
        os.umask(old)
    return out, tables


def summaries(folder: Path) -> dict[str, float]:
    return {str(p.parent.relative_to(folder)): p.stat().st_mtime_ns for p in folder.glob(f"runs/*/*/{SUMMARY_FILE}")}


def test_adding_seeds_extends_a_sweep_and_keeps_what_was_done(tmp_path):
    out = tmp_path / "x"
    run_experiment(SPEC, out)
    before = summaries(out)
    tables = run_experiment({**SPEC, "seeds": 3}, out)
    after = summaries(out)
    assert len(tables["runs"]) == 6 and len(after) == 6
    assert {k: after[k] for k in before} == before, "the runs already done were run again"


def _copy_checkout(dst: Path) -> Path:
    for part in ("sim", "configs", "experiments"):
        shutil.copytree(ROOT / part, dst / part, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


@pytest.mark.slow
def test_a_changed_default_reruns_the_runs_instead_of_reusing_them(tmp_path):
    """documents.read_hours raised tenfold in the configs: the same command reruns every run and says why."""
    checkout = _copy_checkout(tmp_path / "checkout")
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "sim.sweep", "compare_reforms", "scenario=classroom", "days=14", "seeds=1",
           "report=false", f"out={out}", "variants={baseline: [], one_form: ['reform=[one_form]']}"]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    first = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    docs_before = pd.read_parquet(out / "runs.parquet").set_index("variant")
    config = checkout / "configs" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    assert "  read_hours: 0.4 " in text
    config.write_text(text.replace("  read_hours: 0.4 ", "  read_hours: 4.0 "), encoding="utf-8")
    second = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "2 runs (0 already done)" in second.stderr
    assert "documents.read_hours: 0.4 -> 4.0" in second.stderr and "model version" in second.stderr
    docs_after = pd.read_parquet(out / "runs.parquet").set_index("variant")
    metric = [c for c in docs_after.columns if "documents" in c and "hours" in c][0]
    assert (docs_after[metric] > 3 * docs_before[metric]).all()


def test_files_respect_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.txt", lambda p: Path(p).write_text("x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644


def test_every_file_of_a_sweep_is_readable_by_others(shared):
    out, _ = shared
    files = [p for p in out.rglob("*") if p.is_file() and ".sweep" not in p.parts]
    assert files and all(stat.S_IMODE(p.stat().st_mode) & 0o044 == 0o044 for p in files), \
        [p for p in files if stat.S_IMODE(p.stat().st_mode) & 0o044 != 0o044]


def test_variant_names_map_to_safe_unique_folders(tmp_path):
    out = tmp_path / "inside" / "x"
    spec = {**SPEC, "seeds": 1, "variants": {"baseline": [], "../../escape": ["reform=[one_form]"],
                                              "./one_form": ["reform=[one_form]"], "one_form": ["reform=[one_form]"]}}
    tables = run_experiment(spec, out)
    assert not (tmp_path / "escape").exists() and not (tmp_path / "inside" / "escape").exists()
    dirs = {p.parent.parent.name for p in out.glob(f"runs/*/seed=0/{SUMMARY_FILE}")}
    assert dirs == {"variant=baseline", "variant=..%2F..%2Fescape", "variant=.%2Fone_form", "variant=one_form"}
    assert set(tables["runs"].variant) == {"baseline", "../../escape", "./one_form", "one_form"}
    with pytest.raises(SweepError, match="variant name"):
        run_experiment({**spec, "variants": {"baseline": [], " ": []}}, tmp_path / "y")


def test_a_second_sweep_into_the_same_folder_is_refused_while_the_first_runs(shared):
    out, _ = shared
    with folder_lock(out):
        with pytest.raises(SweepError, match="being written by another sweep"):
            run_experiment(SPEC, out)


def test_a_truncated_summary_or_a_lost_time_series_is_redone(tmp_path):
    out = tmp_path / "x"
    first = run_experiment(SPEC, out)["runs"].set_index(["variant", "seed"]).sort_index()
    broken = out / "runs" / "variant=one_form" / "seed=1" / SUMMARY_FILE
    broken.write_text(broken.read_text()[:40])
    (out / "runs" / "variant=baseline" / "seed=0" / "timeseries.parquet").unlink()
    before = summaries(out)
    again = run_experiment(SPEC, out)["runs"].set_index(["variant", "seed"]).sort_index()
    after = summaries(out)
    assert sorted(k for k in after if after[k] != before.get(k)) == ["runs/variant=baseline/seed=0",
                                                                       "runs/variant=one_form/seed=1"]
    pd.testing.assert_frame_equal(first, again)


def test_no_baseline_or_a_failed_launcher_exits_non_zero(tmp_path, capsys):
    assert sweep_main(["compare_reforms", "scenario=classroom", "days=7", f"out={tmp_path / 'a'}",
                       "variants={one_form: ['reform=[one_form]']}"]) == 2
    assert "no 'baseline'" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    # the Ray launcher lives in its own environment: here it cannot start, and the sweep says so with exit 1
    code = sweep_main(["compare_reforms", "scenario=classroom", "days=7", "seeds=1", "launcher=ray", "report=false",
                       f"out={tmp_path / 'b'}", "variants={baseline: []}"])
    assert code == 1
    assert "the launcher exited" in capsys.readouterr().err


def test_jobs_are_capped_by_the_cores_and_the_pending_runs(tmp_path):
    out = tmp_path / "x"
    run_experiment({**SPEC, "seeds": 1}, out, jobs=1000)
    hydra = (out / ".sweep" / "hydra" / "multirun.yaml").read_text()
    n_jobs = int(hydra.split("n_jobs:")[1].split()[0])
    assert 1 <= n_jobs <= min(len(os.sched_getaffinity(0)), 2)


@pytest.mark.slow
def test_sigterm_stops_the_sweep_and_its_workers(tmp_path):
    out = tmp_path / "x"
    cmd = [sys.executable, "-m", "sim.sweep", "compare_reforms", "scenario=classroom", "days=56", "seeds=6",
           "report=false", f"out={out}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list(out.glob(f"runs/*/*/{SUMMARY_FILE}")):
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)  # to the sweep alone, as a scheduler or `kill` would
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "re-run the same command" in err
    time.sleep(1.0)
    workers = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True).stdout.split()
    assert not workers, f"workers still running after SIGTERM: {workers}"


def test_run_folders_read_as_one_hive_dataset(shared):
    out, tables = shared
    table = ds.dataset(out / "runs", format="parquet", partitioning="hive").to_table().to_pandas()
    assert set(table.variant) == {"baseline", "one_form"} and set(table.seed) == {0, 1}
    polars = pytest.importorskip("polars")
    lazy = polars.scan_parquet(str(out / "runs" / "**" / "timeseries.parquet"), hive_partitioning=True)
    assert lazy.select(polars.len()).collect().item() == len(table)
    assert set(lazy.select("variant").unique().collect()["variant"]) == {"baseline", "one_form"}
    long = tables["timeseries"]
    assert len(table) == len(long) == 4 * (91 + 14)  # two variants x two seeds, warm-up days included
    assert list(long.columns[:2]) == ["variant", "seed"]
    runs = tables["runs"]
    assert {"scenario", "reforms", "seed", "model_version", "run_key"} <= set(runs.columns)
    assert set(runs[runs.variant == "one_form"].reforms) == {"one_form"}


def test_the_long_tables_are_each_runs_own_file_in_the_plans_order(shared):
    """The long time-series tables (each run's file read as Arrow, then one DataFrame) hold, row for row and dtype
    for dtype, each planned run's own file as pandas reads it, tagged with its variant and seed, in the plan's
    order: what the aggregation gave when it made a DataFrame of each run."""
    out, tables = shared
    plan = json.loads((out / ".sweep" / "runs.json").read_text())
    for stem, run_file in (("timeseries", SERIES_FILE), ("county_timeseries", COUNTY_FILE)):
        parts = []
        for r in plan:
            frame = pd.read_parquet(out / r["run_dir"] / run_file)
            frame.insert(0, "variant", r["variant"])
            frame.insert(1, "seed", r["seed"])
            parts.append(frame)
        want = pd.concat(parts, ignore_index=True)
        assert len(want) == 4 * (91 + 14) * (1 if stem == "county_timeseries" else len(want.township.unique()))
        pd.testing.assert_frame_equal(tables[stem], want, check_exact=True)
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{stem}.parquet"), want, check_exact=True)


def test_swept_inputs_are_columns_of_runs_parquet(tmp_path):
    spec = {"kind": "dose_response", "scenario": "classroom", "days": 7, "seeds": 1, "lever": ["reform=[single_assessor]"],
            "parameter": "reform.single_assessor.max_per_year", "values": [2, 8]}
    runs = run_experiment(spec, tmp_path / "d")["runs"]
    doses = runs[runs.variant != "baseline"].set_index("variant")["reform.single_assessor.max_per_year"]
    assert doses.to_dict() == {"max_per_year=2": 2, "max_per_year=8": 8}


def test_an_incomplete_sweep_raises_with_the_tables_of_what_finished(tmp_path):
    out = tmp_path / "f"
    (out / "runs" / "variant=one_form" / "seed=1" / "timeseries.parquet").mkdir(parents=True)
    with pytest.raises(SweepIncomplete) as info:
        run_experiment(SPEC, out)
    assert len(info.value.tables["runs"]) == 3


def test_a_failed_write_leaves_no_temporary_file_and_the_old_file_intact(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old")

    def full_disk(path):
        Path(path).write_text("half a repo")
        raise OSError(28, "No space left on device", str(path))

    with pytest.raises(OSError):
        atomic_write(target, full_disk)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_full_disk_during_a_sweep_gives_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    def no_space(table, where, *args, **kwargs):
        raise OSError(28, "No space left on device", str(where))

    out = tmp_path / "x"
    args = ["compare_reforms", "scenario=classroom", "days=14", "seeds=2", "report=false", f"out={out}",
            "variants={baseline: [], one_form: ['reform=[one_form]']}"]
    assert sweep_main(args) == 0
    capsys.readouterr()
    monkeypatch.setattr("sim.experiments.io.pq.write_table", no_space)  # the runs are done; the tables cannot be written
    code = sweep_main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith("error: cannot write ") and "No space left on device" in err[-1]
    assert "Traceback" not in "\n".join(err)
    assert not [p for p in out.glob(".*.parquet.*")], "temporary files left behind"


def test_a_run_of_a_partial_week_is_flagged_and_the_report_says_so(tmp_path):
    from sim.views.report import load_experiment

    runs = run_experiment({**SPEC, "days": 10, "seeds": 1}, tmp_path / "x")["runs"]
    assert runs["weekly_figures_extrapolated"].all()
    assert any("not whole weeks" in w for w in load_experiment(tmp_path / "x").warnings)
    whole = run_simulation(load_config(["scenario=classroom", "scenario.days=14"]))[0]
    assert whole["weekly_figures_extrapolated"] is False


def test_the_results_folder_explains_its_columns(shared):
    import pyarrow.parquet as pq

    out, _ = shared
    book = pd.read_csv(out / "codebook.csv")
    for stem in ("runs", "comparison", "timeseries", "county_timeseries"):
        frame = pd.read_parquet(out / f"{stem}.parquet")
        documented = set(book[book.table == stem].column)
        assert set(frame.columns) <= documented, (stem, set(frame.columns) - documented)
        notes = json.loads(pq.read_schema(out / f"{stem}.parquet").metadata[b"grassroots_sim.codebook"])
        assert set(notes) == set(frame.columns)
    runs_units = dict(zip(book[book.table == "runs"].column, book[book.table == "runs"].unit))
    assert runs_units["admin_hours_per_cadre_week"] == "hours per cadre-week"
    county = pd.read_parquet(out / "county_timeseries.parquet")
    assert len(county) == 4 * (91 + 14) and "township" not in county
