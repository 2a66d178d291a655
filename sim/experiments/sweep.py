"""Experiments: a spec expanded into runs, run through Hydra's launchers, resumed, aggregated into tables.

    >>> from sim.experiments.sweep import run_experiment, sweep
    >>> folder = sweep("compare_reforms", {"seeds": 2, "scenario": "classroom"})  # experiments/compare_reforms.yaml
    >>> tables = run_experiment({"kind": "compare_reforms", "scenario": "classroom", "seeds": 2,
    ...                          "variants": {"baseline": [], "one_form": ["reform=[one_form]"]}}, Path("out"))
    >>> tables["comparison"]     # also: tables["runs"], and a kind's own (e.g. tables["sensitivity"])

The command is ``python -m sim.sweep <experiment> [key=value ...]`` (sim/sweep.py), which also builds the report.
What each kind of experiment runs and adds to the tables is in :mod:`sim.experiments.kinds`.

Settings (key=value): seeds=N, scenario=NAME, days=N (shortens every run), jobs=N (parallel workers, default 2),
launcher=joblib|basic|submitit_local|submitit_slurm|ray, launcher_args=[hydra overrides for the launcher],
out=FOLDER (default results/<name>), report=false (read by the command), and any top-level key of the experiment
file (e.g. method=morris n=10 for sensitivity, or variants={...}).

Every run gets a fixed folder, results/<name>/runs/<variant>/seed=<k>/. A run whose summary.json exists is skipped,
so re-running a sweep that was killed (even with SIGKILL) finishes it; files are written to a temporary name and
renamed, so nothing is ever left half-written. A run that fails writes error.txt (its overrides and traceback);
the others go on and the aggregate lists what is missing. Runs go through Hydra's launcher (joblib by default),
several seeds of a variant per job so that Hydra's ~0.3 s per job does not dominate; every run's result depends
only on its config and seed, so launchers give identical results.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml
from omegaconf import OmegaConf

from ..config import EXPERIMENT_DIR, ConfigError, load_config
from ..config.suggest import did_you_mean, unknown
from .io import atomic_write
from .aggregate import aggregate, check_folder
from .kinds import KINDS, SweepError, get_kind

LAUNCHERS = ("joblib", "basic", "submitit_local", "submitit_slurm", "ray")
# how a spec is run, not what it runs: accepted with every experiment, never part of its config hash
RUN_SETTINGS = ("jobs", "launcher", "launcher_args", "out", "report")
NOT_HASHED = (*RUN_SETTINGS, "command", "config_hash")


# ---- the experiment: what to run ------------------------------------------------------------------------------

def load_experiment_spec(name: str, settings: dict) -> dict:
    """experiments/<name>.yaml with command-line settings applied, checked."""
    path = EXPERIMENT_DIR / f"{name}.yaml"
    if not path.exists():
        raise SweepError(unknown("experiment", name, (p.stem for p in EXPERIMENT_DIR.glob("*.yaml"))))
    spec = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    if spec.get("kind") not in KINDS:
        raise SweepError(f"kind: '{spec.get('kind')}' in {path.name}; allowed: {', '.join(KINDS)}")
    allowed = {*RUN_SETTINGS, "days"}
    for key, value in settings.items():
        if key not in spec and key not in allowed:
            options = sorted(set(spec) - {'name', 'kind'} | allowed)
            raise SweepError(f"{key}: not a setting of experiment '{name}';{did_you_mean(key, options)} allowed: "
                             f"{', '.join(options)}")
        spec[key] = value
    check_spec(spec)
    return spec


def check_spec(spec: dict) -> None:
    """The settings every experiment shares, then its kind's own; SweepError names the first bad one."""
    kind = get_kind(spec.get("kind"))
    launcher = spec.get("launcher", "joblib")
    if launcher not in LAUNCHERS:
        raise SweepError(f"launcher: unknown '{launcher}'; allowed: {', '.join(LAUNCHERS)}")
    for key in ("jobs", "days"):
        if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool) or spec[key] < 1):
            raise SweepError(f"{key} = {spec[key]!r}: expected a whole number >= 1")
    kind.check(spec)


def expand(spec: dict) -> list[dict]:
    """Every run of a resolved spec: {variant, seed, overrides, run_dir (relative), scale?, sample?}."""
    return get_kind(spec["kind"]).expand(spec)


def spec_hash(spec: dict) -> str:
    """What the results depend on (not how they are run): variants, seeds, scenario, overrides, design."""
    keep = {k: v for k, v in spec.items() if k not in NOT_HASHED}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()[:16]


def check_configs(runs: list[dict]) -> None:
    """Compose every variant's config before anything is written or run: a typo stops the sweep at once."""
    checked = set()
    for r in runs:
        key = tuple(o for o in r["overrides"] if not o.startswith("seed="))
        if key not in checked:
            try:
                load_config(list(key))
            except ConfigError as exc:
                raise SweepError(f"variant '{r['variant']}': {exc}") from None
            checked.add(key)


# ---- running ----------------------------------------------------------------------------------------------------

def run_units(units: list[list[dict]], folder: Path, launcher: str, jobs: int, total: int, done_before: int,
              launcher_args=()) -> None:
    """Run the units (lists of runs) through Hydra's launcher in a child process, showing progress meanwhile."""
    work = folder / ".sweep"
    work.mkdir(parents=True, exist_ok=True)
    units_file = work / "units.json"
    atomic_write(units_file, lambda p: Path(p).write_text(json.dumps(units), encoding="utf-8"))
    cmd = [sys.executable, "-m", "sim.experiments.job", "--multirun", f"units_file={units_file}",
           f"folder={folder}", "unit=" + ",".join(str(i) for i in range(len(units))),
           f"hydra.sweep.dir={work / 'hydra'}", "hydra.sweep.subdir=unit_${unit}", "hydra.job.chdir=false"]
    if launcher == "joblib":
        cmd += ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={jobs}"]
    elif launcher == "basic":
        cmd += ["hydra/launcher=basic"]
    elif launcher.startswith("submitit"):
        cmd += [f"hydra/launcher={launcher}", f"hydra.sweeper.max_batch_size={max(jobs, 1)}"]
    elif launcher == "ray":
        cmd += ["hydra/launcher=ray", f"+hydra.launcher.ray.init.num_cpus={jobs}"]
    cmd += list(launcher_args)  # e.g. hydra.launcher.partition=cpu for SLURM
    start = time.time()
    log = (work / "launcher.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2])
    try:
        while proc.poll() is None:
            time.sleep(1.0)
            _progress(folder, units, total, done_before, start)
    except KeyboardInterrupt:
        proc.terminate()
        raise
    finally:
        log.close()
    _progress(folder, units, total, done_before, start, final=True)
    if proc.returncode != 0:
        tail = (work / "launcher.log").read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        print(f"\nthe launcher exited with {proc.returncode}; its log ends:\n  " + "\n  ".join(tail), file=sys.stderr)


def _progress(folder: Path, units, total: int, done_before: int, start: float, final: bool = False) -> None:
    done = sum((folder / r["run_dir"] / "summary.json").exists() for u in units for r in u)
    failed = sum((folder / r["run_dir"] / "error.txt").exists() for u in units for r in u)
    elapsed = time.time() - start
    rate = done / elapsed if elapsed > 0 and done else 0.0
    todo = sum(len(u) for u in units) - done - failed
    left = f"~{todo / rate:4.0f} s left" if rate > 0 else "estimating"
    msg = (f"\r  runs {done_before + done}/{total} done, {failed} failed  {elapsed:5.0f} s  "
           f"{rate:4.1f} runs/s  {left if not final else 'finished'}   ")
    print(msg, end="\n" if final else "", file=sys.stderr, flush=True)


def plan_units(runs: list[dict], folder: Path, jobs: int) -> list[list[dict]]:
    """Pending runs grouped into units: one variant's seeds together, split so that every worker stays busy."""
    pending = [r for r in runs if not (folder / r["run_dir"] / "summary.json").exists()]
    for r in pending:  # a run that failed before is tried again; temp files of a killed run are dropped
        d = folder / r["run_dir"]
        for stale in [d / "error.txt", *d.glob(".*")] if d.exists() else []:
            stale.unlink(missing_ok=True)
    if not pending:
        return []
    per_unit = max(1, min(10, len(pending) // (4 * max(jobs, 1)) or 1))
    units, current = [], []
    for r in pending:
        if current and (len(current) >= per_unit or current[-1]["variant"] != r["variant"]):
            units.append(current)
            current = []
        current.append(r)
    units.append(current)
    return units


def run_experiment(spec: dict, out: str | Path, jobs: int = 2, launcher: str = "joblib",
                   launcher_args=()) -> dict[str, pd.DataFrame]:
    """Run (or finish) the experiment `spec` into the folder `out` and aggregate it.

    `spec` is what an experiment file holds (kind and the kind's settings; name defaults to the folder's name).
    Returns the tables by name: runs, comparison, and the kind's own (e.g. sensitivity). Runs already done in
    `out` are kept; a folder written by another configuration or model version is refused (AggregateError).
    """
    folder = Path(out).resolve()
    spec = {"name": folder.name, **spec}
    check_spec({**spec, "jobs": jobs, "launcher": launcher})
    kind = get_kind(spec["kind"])
    spec = kind.resolve(spec)
    runs = kind.expand(spec)
    check_configs(runs)
    spec["config_hash"] = spec_hash(spec)
    check_folder(folder, spec)  # refuses a folder of another experiment config or model version
    folder.mkdir(parents=True, exist_ok=True)
    written = {k: v for k, v in spec.items() if k not in RUN_SETTINGS} | kind.record(spec)
    atomic_write(folder / "experiment.yaml",
                  lambda p: Path(p).write_text(OmegaConf.to_yaml(OmegaConf.create(written)), encoding="utf-8"))
    (folder / ".sweep").mkdir(exist_ok=True)
    atomic_write(folder / ".sweep" / "runs.json", lambda p: Path(p).write_text(json.dumps(runs), encoding="utf-8"))
    units = plan_units(runs, folder, jobs)
    total = len(runs)
    done_before = total - sum(len(u) for u in units)
    print(f"{spec['name']}: {total} runs ({done_before} already done) -> {folder}", file=sys.stderr)
    if units:
        run_units(units, folder, launcher, jobs, total, done_before, launcher_args)
    result = aggregate(folder)
    if result["missing"]:
        print(f"missing runs ({len(result['missing'])}): {', '.join(result['missing'][:10])}"
              f"{' ...' if len(result['missing']) > 10 else ''} - re-run the same command to complete them")
    return result["tables"]


def sweep(name: str, settings: dict | None = None) -> Path:
    """Run (or finish) the experiment experiments/<name>.yaml with `settings` applied; returns the results folder
    (default results/<name>)."""
    settings = dict(settings or {})
    spec = load_experiment_spec(name, settings)
    spec["command"] = "python -m sim.sweep " + " ".join([name, *(f"{k}={v}" for k, v in settings.items())])
    folder = Path(spec.get("out") or Path("results") / spec["name"]).resolve()
    run_experiment(spec, folder, jobs=int(spec.get("jobs", 2)), launcher=spec.get("launcher", "joblib"),
                   launcher_args=spec.get("launcher_args") or ())
    print(f"tables: {folder / 'runs.parquet'}, {folder / 'comparison.parquet'} (+ .csv), {folder / 'manifest.json'}")
    return folder


def parse_settings(args: list[str]) -> dict:
    settings = {}
    for a in args:
        if "=" not in a:
            raise SweepError(f"'{a}': settings are key=value (e.g. seeds=10 jobs=2)")
        key, value = a.split("=", 1)
        try:
            settings[key] = yaml.safe_load(value)  # 20 -> int, 0.5 -> float, [a, b] -> list, text -> str
        except yaml.YAMLError:
            raise SweepError(f"{key}: cannot read '{value}'") from None
    return settings
