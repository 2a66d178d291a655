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

Every run gets a fixed folder, results/<name>/runs/variant=<name>/seed=<k>/ (Hive-style, so runs/ reads as one
dataset), and a key: a hash of its fully resolved config and the model version (the code and configs on disk). A
run is reused only if its files are complete, parse, and carry that key; any other run is (re)run, and the sweep
says what changed. So re-running a sweep that was killed (even with SIGKILL) finishes it, adding seeds extends it,
and changing a default reruns what it touches. One sweep writes a folder at a time (a lock). A run that fails
writes _error.txt (its overrides and traceback); the others go on, and a sweep that ends with runs missing raises
SweepIncomplete (the command exits 1). Runs go through Hydra's launcher (joblib by default), several seeds of a
variant per job so that Hydra's ~0.3 s per job does not dominate; every run's result depends only on its config
and seed, so launchers give identical results.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import yaml
from omegaconf import OmegaConf

from ..config import EXPERIMENT_DIR, ConfigError
from ..config.keyvalue import parse_value
from ..config.suggest import did_you_mean, unknown
from .aggregate import aggregate, check_folder
from .io import (
    CONFIG_FILE,
    ERROR_FILE,
    PLANNED_CONFIGS_FILE,
    SUMMARY_FILE,
    model_version,
    read_summary,
    run_key,
    run_state,
    write_bytes,
    write_text,
)
from .kinds import KINDS, SweepError, get_kind
from .progress import progress_bar
from .run import planned_config

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


def plan_keys(runs: list[dict]) -> dict[tuple, object]:
    """Compose and check every variant's config (a typo stops the sweep before anything is written or run) and
    give each run its key: a hash of its fully resolved config and the model version. Returns the checked configs,
    by variant (``run.variant_overrides``), for the jobs to run them without composing them again."""
    composed: dict[tuple, object] = {}
    texts: dict[tuple, str] = {}   # a variant's seeds share its config (the key adds each seed): one YAML each
    for r in runs:
        try:
            _, config_yaml = planned_config(r, composed, texts)
        except ConfigError as exc:
            raise SweepError(f"variant '{r['variant']}': {exc}") from None
        r["key"] = run_key(config_yaml, r["seed"])
    return composed


# ---- running ----------------------------------------------------------------------------------------------------

class SweepIncomplete(RuntimeError):
    """The sweep ended with runs missing or failed; the tables of what finished were written."""

    def __init__(self, message: str, folder: Path, tables: dict):
        super().__init__(message)
        self.folder = folder
        self.tables = tables


LOCAL_LAUNCHERS = ("joblib", "basic", "submitit_local")
# launchers whose jobs are this machine's own worker processes: a job per worker, not per unit (``run_units``)
WORKER_LAUNCHERS = ("joblib", "basic")


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def folder_lock(folder: Path):
    """One sweep (or aggregation) per results folder at a time; the lock goes with the process, however it ends."""
    path = folder / ".sweep" / "lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise SweepError(f"{folder} is being written by another sweep ({holder}); wait for it to finish or "
                             "choose another folder with out=...") from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()} on {socket.gethostname()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run_units(units: list[list[dict]], folder: Path, launcher: str, jobs: int, launcher_args=(),
              composed: dict | None = None) -> int:
    """Run the units (lists of runs) through Hydra's launcher in a child process group, showing progress; SIGTERM or
    Ctrl-C stop the launcher and its workers too. Returns the launcher's exit code. `composed`: the variants'
    checked configs (``plan_keys``), pickled beside the units (as submitit pickles its jobs), so that no job composes
    one again (about 0.3 s each: Hydra's compose and the check)."""
    work = folder / ".sweep"
    work.mkdir(parents=True, exist_ok=True)
    units_file = work / "units.json"
    write_text(units_file, json.dumps(units))
    write_bytes(work / PLANNED_CONFIGS_FILE, pickle.dumps(composed or {}))
    if launcher in WORKER_LAUNCHERS:
        # a job per worker, each running the units it claims first (``job.run_claimed_units``): Hydra composes a
        # config per job, some 0.2 s, so not one per unit; a launch's claims are its own (an earlier one's go)
        claims = work / "claims"
        shutil.rmtree(claims, ignore_errors=True)
        claims.mkdir()
        workers = 1 if launcher == "basic" else max(1, min(jobs, len(units)))   # basic runs its jobs one by one
        jobs_args = ["worker=" + ",".join(str(w) for w in range(workers)), f"claims={claims}",
                     "hydra.sweep.subdir=worker_${worker}"]
    else:   # a cluster schedules each unit as a job of its own
        jobs_args = ["unit=" + ",".join(str(i) for i in range(len(units))), "hydra.sweep.subdir=unit_${unit}"]
    cmd = [sys.executable, "-m", "sim.experiments.job", "--multirun", f"units_file={units_file}",
           f"folder={folder}", *jobs_args, f"hydra.sweep.dir={work / 'hydra'}", "hydra.job.chdir=false"]
    if launcher == "joblib":
        cmd += ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={jobs}"]
    elif launcher == "basic":
        cmd += ["hydra/launcher=basic"]
    elif launcher.startswith("submitit"):
        cmd += [f"hydra/launcher={launcher}", f"hydra.sweeper.max_batch_size={max(jobs, 1)}"]
    elif launcher == "ray":
        cmd += ["hydra/launcher=ray"]
        if any("ray.init.address" in a for a in launcher_args):
            # a running cluster sets its own resources: the launcher's default object store size must not be sent
            cmd += ["+hydra.launcher.ray.init.object_store_memory=null"]
        else:  # a Ray instance of the sweep's own, never a cluster that happens to run on this machine
            cmd += ["+hydra.launcher.ray.init.address=local", f"+hydra.launcher.ray.init.num_cpus={jobs}"]
    cmd += list(launcher_args)  # e.g. hydra.launcher.partition=cpu for SLURM
    runs = [r for u in units for r in u]
    log = (work / "launcher.log").open("w", encoding="utf-8")
    since = time.time()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2],
                            start_new_session=True)  # its own process group: stopped as a whole
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    bar = progress_bar(len(runs), "runs")
    try:
        seen = 0
        while True:   # the bar moves each second; the launcher's end is seen at once, not at the next second
            try:
                proc.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                seen = _advance(bar, folder, runs, seen, since)
        _advance(bar, folder, runs, seen, since)
    except KeyboardInterrupt:
        _stop(proc)
        raise
    finally:
        bar.close()
        signal.signal(signal.SIGTERM, previous)
        log.close()
    if proc.returncode != 0:
        cause = launcher_failure((work / "launcher.log").read_text(encoding="utf-8", errors="replace"))
        print(f"the launcher exited with {proc.returncode}: {cause} (its log: {work / 'launcher.log'})",
              file=sys.stderr)
    return proc.returncode


_EXCEPTION_LINE = re.compile(r"^\s*(?:[\w.]+\.)?(\w*(?:Error|Exception|Interrupt|Exit)\w*): (.+)$")
_LOG_PREFIX = re.compile(r"^\[[^\]]*\]\s*[\w./-]+:\d+:\s*")  # "[time level pid tid] file.h:line:"


def launcher_failure(log: str) -> str:
    """The cause of a launcher's failure in one line: the last exception its log names (a cluster that cannot be
    reached, a job cancelled, ...), else the log's last line."""
    lines = [line for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        m = _EXCEPTION_LINE.match(line)
        if m:
            return f"{m.group(1)}: {m.group(2).strip()}"[:400]
    if not lines:
        return "no output"
    # a native library's last word, without its "[time level pid tid] file.h:line:" prefix: its first sentences
    last = _LOG_PREFIX.sub("", lines[-1].strip())
    return " ".join(re.split(r"(?<=\.) ", last)[:2])[:400]


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the launcher's whole process group: politely, then for good."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _advance(bar, folder: Path, runs: list[dict], seen: int, since: float) -> int:
    """Count the runs that ended since the launch (a summary or an error written since): a stat per run, no
    reading, since this polls every second."""
    finished = sum(_ended_since(folder / r["run_dir"], since) for r in runs)
    bar.update(finished - seen)
    return finished


def _ended_since(run_dir: Path, since: float) -> bool:
    for name in (SUMMARY_FILE, ERROR_FILE):
        try:
            if (run_dir / name).stat().st_mtime >= since:
                return True
        except FileNotFoundError:
            pass
    return False


def plan_units(pending: list[dict], folder: Path, jobs: int, workers_claim: bool = False) -> list[list[dict]]:
    """Pending runs grouped into units: one variant's seeds together, split so that every worker stays busy. A
    cluster schedules each unit as a job, so a unit holds up to 10 runs; this machine's workers claim units as they
    come free (`workers_claim`), where a unit costs no more than its runs, so each holds 2 and neither worker waits
    long for the other at the end (the last variant, all reforms together, takes twice the baseline's time)."""
    for r in pending:  # temp files of a killed run are dropped
        d = folder / r["run_dir"]
        for stale in d.glob(".*") if d.exists() else []:
            stale.unlink(missing_ok=True)
    if not pending:
        return []
    per_unit = 2 if workers_claim else max(1, min(10, len(pending) // (4 * max(jobs, 1)) or 1))
    units, current = [], []
    for r in pending:
        if current and (len(current) >= per_unit or current[-1]["variant"] != r["variant"]):
            units.append(current)
            current = []
        current.append(r)
    units.append(current)
    return units


def what_changed(run_dir: Path, new_config_yaml: str) -> str:
    """Why a finished run no longer counts: the model version, or the config keys that differ."""
    old = read_summary(run_dir) or {}
    parts = []
    if old.get("model_version") != model_version():
        parts.append(f"model version {old.get('model_version')} -> {model_version()}")
    try:
        before = _flat(yaml.safe_load((run_dir / CONFIG_FILE).read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError):
        before = {}
    after = _flat(yaml.safe_load(new_config_yaml))
    diffs = [f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in sorted(set(before) | set(after))
             if k != "seed" and before.get(k) != after.get(k)]
    parts += diffs[:5] + ([f"... {len(diffs) - 5} more keys"] if len(diffs) > 5 else [])
    return "; ".join(parts) or "its config"


def _flat(node, prefix: str = "") -> dict:
    if isinstance(node, dict):
        return {k: v for key, value in node.items() for k, v in _flat(value, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): node}


def check_launcher(launcher: str, launcher_args=()) -> None:
    """Before anything is written: the cluster a launcher needs is there (a Ray cluster answers at its address,
    SLURM's sbatch is on the PATH), else one line saying what to do."""
    if launcher == "submitit_slurm" and shutil.which("sbatch") is None:
        raise SweepError("launcher=submitit_slurm: SLURM's sbatch is not on this machine's PATH; run the sweep on a "
                         "SLURM login node (or start a test cluster: scripts/slurm-local)")
    address = next((a.split("=", 1)[1] for a in launcher_args if "ray.init.address=" in a), None)
    if launcher != "ray" or address in (None, "", "auto", "local", "null"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=5):
            pass
    except (OSError, ValueError) as exc:
        raise SweepError(f"hydra.launcher.ray.init.address={address}: no Ray cluster answers there ({exc}); start "
                         "one with 'ray start --head' or give the address it printed") from None


def run_experiment(spec: dict, out: str | Path, jobs: int = 2, launcher: str = "joblib",
                   launcher_args=()) -> dict[str, pd.DataFrame]:
    """Run (or finish) the experiment `spec` into the folder `out` and aggregate it.

    `spec` is what an experiment file holds (kind and the kind's settings; name defaults to the folder's name).
    Returns the tables by name: runs, comparison, and the kind's own (e.g. sensitivity). A run already in `out` is
    reused only if its config and the model version are the ones it would run with now; any other run is (re)run.
    Raises SweepIncomplete (with the tables of what finished) if runs are missing at the end. A kind whose runs
    depend on earlier results (``adaptive``: the packages search) drives a sequence of such plans itself.
    """
    folder = Path(out).resolve()
    spec = {"name": folder.name, **spec}
    check_spec({**spec, "jobs": jobs, "launcher": launcher})
    check_launcher(launcher, launcher_args)
    kind = get_kind(spec["kind"])
    if getattr(kind, "adaptive", False):
        return kind.drive(spec, lambda s: run_plan(s, folder, jobs, launcher, launcher_args))
    return run_plan(spec, folder, jobs, launcher, launcher_args)


def run_plan(spec: dict, folder: Path, jobs: int, launcher: str, launcher_args=()) -> dict[str, pd.DataFrame]:
    """Expand a checked spec into its runs, run those not done, aggregate (see run_experiment)."""
    kind = get_kind(spec["kind"])
    spec = kind.resolve(spec)
    runs = kind.expand(spec)
    if not runs:
        raise SweepError("the experiment expands into no runs; check its variants and seeds")
    composed = plan_keys(runs)
    kind.check_plan(runs)
    spec["config_hash"] = spec_hash(spec)
    check_folder(folder, spec)  # refuses the folder of another experiment
    folder.mkdir(parents=True, exist_ok=True)
    with folder_lock(folder):
        written = {k: v for k, v in spec.items() if k not in RUN_SETTINGS} | kind.record(spec)
        write_text(folder / "experiment.yaml", OmegaConf.to_yaml(OmegaConf.create(written)))
        write_text(folder / ".sweep" / "runs.json", json.dumps(runs))
        states = [run_state(folder / r["run_dir"], r["key"]) for r in runs]
        pending = [r for r, st in zip(runs, states) if st != "done"]
        stale = [r for r, st in zip(runs, states) if st == "stale"]
        print(f"{spec['name']}: {len(runs)} runs ({len(runs) - len(pending)} already done) -> {folder}",
              file=sys.stderr)
        if stale:
            first = stale[0]
            _, config_yaml = planned_config(first, {})
            print(f"  {len(stale)} finished runs were made by another model or config and run again "
                  f"({what_changed(folder / first['run_dir'], config_yaml)})", file=sys.stderr)
        code = 0
        if pending:
            if launcher in LOCAL_LAUNCHERS:
                jobs = max(1, min(jobs, usable_cores(), len(pending)))  # more workers than cores only thrash
            units = plan_units(pending, folder, jobs, workers_claim=launcher in WORKER_LAUNCHERS)
            code = run_units(units, folder, launcher, jobs, launcher_args, composed)
        result = aggregate(folder)
    if result["missing"]:
        raise SweepIncomplete(
            f"{len(result['missing'])} of {len(runs)} runs missing or failed"
            + (f" (the launcher exited with {code})" if code else "")
            + f": {', '.join(result['missing'][:5])}{' ...' if len(result['missing']) > 5 else ''}; "
            "re-run the same command to complete them", folder, result["tables"])
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
    """``key=value`` settings, values read as the other commands read them; which keys an experiment allows is
    checked with its spec (load_experiment_spec)."""
    settings = {}
    for a in args:
        if "=" not in a:
            raise SweepError(f"'{a}': settings are key=value (e.g. seeds=10 jobs=2)")
        key, value = a.split("=", 1)
        settings[key] = parse_value(value)
    return settings
