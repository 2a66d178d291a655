"""Config sweeps: an experiment (configs/experiment/<name>.yaml) expanded into runs, run in parallel, aggregated.

    python -m sim.sweep compare_reforms                    # baseline, 20 reforms, all_reforms x 5 seeds
    python -m sim.sweep compare_reforms seeds=20 jobs=2
    python -m sim.sweep dose_response | interactions | sensitivity | scale
    python -m sim.sweep compare_reforms launcher=submitit_slurm     # on a cluster (see README)

Settings (key=value): seeds=N, scenario=NAME, days=N (shortens every run), jobs=N (parallel workers, default 2),
launcher=joblib|basic|submitit_local|submitit_slurm|ray, launcher_args=[hydra overrides for the launcher],
out=FOLDER (default results/<name>), report=false, and any top-level key of the experiment file (e.g.
method=morris n=10 for sensitivity, or variants={...}).

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

import numpy as np
import yaml
from omegaconf import OmegaConf

from ..config import CONFIG_DIR, ConfigError, load_config
from .aggregate import AggregateError
from ..model.outputs import _atomic_write

EXPERIMENT_DIR = CONFIG_DIR.parent / "experiments"
LAUNCHERS = ("joblib", "basic", "submitit_local", "submitit_slurm", "ray")
KINDS = ("compare_reforms", "dose_response", "interactions", "sensitivity", "scale")


class SweepError(ValueError):
    """A bad experiment name or setting; the message says what is allowed."""


# ---- the experiment: what to run ------------------------------------------------------------------------------

def load_experiment_spec(name: str, settings: dict) -> dict:
    """The experiment file with command-line settings applied, validated."""
    path = EXPERIMENT_DIR / f"{name}.yaml"
    if not path.exists():
        options = sorted(p.stem for p in EXPERIMENT_DIR.glob("*.yaml"))
        raise SweepError(f"experiment: unknown '{name}'; allowed: {', '.join(options)}")
    spec = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    sweep_keys = {"jobs", "launcher", "launcher_args", "out", "report", "days"}
    for key, value in settings.items():
        if key not in spec and key not in sweep_keys:
            raise SweepError(f"{key}: not a setting of experiment '{name}'; allowed: "
                             f"{', '.join(sorted(set(spec) - {'name', 'kind'} | sweep_keys))}")
        spec[key] = value
    if spec.get("kind") not in KINDS:
        raise SweepError(f"kind: '{spec.get('kind')}' in {path.name}; allowed: {', '.join(KINDS)}")
    launcher = spec.get("launcher", "joblib")
    if launcher not in LAUNCHERS:
        raise SweepError(f"launcher: unknown '{launcher}'; allowed: {', '.join(LAUNCHERS)}")
    for key in ("seeds", "jobs", "days", "n"):
        if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool) or spec[key] < 1):
            raise SweepError(f"{key} = {spec[key]!r}: expected a whole number >= 1")
    if spec["kind"] == "sensitivity" and spec.get("method") not in ("sobol", "morris"):
        raise SweepError(f"method: '{spec.get('method')}'; allowed: sobol, morris")
    return spec


def expand(spec: dict) -> list[dict]:
    """Every run of the experiment: {variant, seed, overrides, run_dir (relative), scale?, sample?}."""
    kind = spec["kind"]
    base = list(spec.get("overrides") or [])
    if spec.get("days"):
        base.append(f"scenario.days={spec['days']}")
    seeds = list(range(spec.get("seeds", 1)))
    runs: list[dict] = []

    def add(variant: str, overrides: list[str], scenario: str, seed: int, prefix: str = "", **extra) -> None:
        run_dir = f"runs/{prefix}{variant}/seed={seed}"
        runs.append({"variant": variant, "seed": seed, "run_dir": run_dir,
                     "overrides": [f"scenario={scenario}", *base, *overrides, f"seed={seed}"], **extra})

    if kind in ("compare_reforms",):
        for v, ov in spec["variants"].items():
            for s in seeds:
                add(v, list(ov), spec["scenario"], s)
    elif kind == "dose_response":
        spec["values_by_variant"] = {}
        for s in seeds:
            add("baseline", [], spec["scenario"], s)
        for value in spec["values"]:
            v = f"{spec['parameter'].split('.')[-1]}={value}"
            spec["values_by_variant"][v] = value
            for s in seeds:
                add(v, [*spec["lever"], f"{spec['parameter']}={value}"], spec["scenario"], s)
    elif kind == "interactions":
        reforms = list(spec["reforms"])
        variants = {"baseline": []} | {r: [f"reform=[{r}]"] for r in reforms}
        for i, a in enumerate(reforms):
            for b in reforms[i + 1:]:
                variants[f"{a}+{b}"] = [f"reform=[{a},{b}]"]
        spec["variants"] = variants
        for v, ov in variants.items():
            for s in seeds:
                add(v, ov, spec["scenario"], s)
    elif kind == "scale":
        for scale in spec["scales"]:
            for v, ov in spec["variants"].items():
                for s in seeds:
                    add(v, list(ov), scale, s, prefix=f"{scale}/", scale=scale)
    elif kind == "sensitivity":
        names, points = sensitivity_design(spec)
        seed = int(spec.get("seed", 0))
        for i, point in enumerate(points):
            params = [f"{k}={float(x)!r}" for k, x in zip(names, point)]
            add("baseline", params, spec["scenario"], seed, prefix=f"point{i:05d}/", sample=i)
            add("reform", [*spec["lever"], *params], spec["scenario"], seed, prefix=f"point{i:05d}/", sample=i)
    return runs


def sensitivity_problem(spec: dict) -> dict:
    params = spec["parameters"]
    return {"num_vars": len(params), "names": list(params), "bounds": [list(map(float, b)) for b in params.values()]}


def sensitivity_design(spec: dict):
    """The SALib design (Saltelli for Sobol, trajectories for Morris), reproducible from the experiment seed."""
    problem = sensitivity_problem(spec)
    if spec["method"] == "sobol":
        from SALib.sample import sobol as sobol_sample

        points = sobol_sample.sample(problem, int(spec["n"]), calc_second_order=False, seed=int(spec.get("seed", 0)))
    else:
        from SALib.sample import morris as morris_sample

        points = morris_sample.sample(problem, int(spec["n"]), num_levels=4, seed=int(spec.get("seed", 0)))
    return problem["names"], np.asarray(points)


def spec_hash(spec: dict) -> str:
    """What the results depend on (not how they are run): variants, seeds, scenario, overrides, design."""
    keep = {k: v for k, v in spec.items()
            if k not in ("jobs", "launcher", "launcher_args", "out", "report", "command", "config_hash")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()[:16]


# ---- running ----------------------------------------------------------------------------------------------------

def run_units(units: list[list[dict]], folder: Path, launcher: str, jobs: int, total: int, done_before: int,
              launcher_args=()) -> None:
    """Run the units (lists of runs) through Hydra's launcher in a child process, showing progress meanwhile."""
    work = folder / ".sweep"
    work.mkdir(parents=True, exist_ok=True)
    units_file = work / "units.json"
    _atomic_write(units_file, lambda p: Path(p).write_text(json.dumps(units), encoding="utf-8"))
    cmd = [sys.executable, "-m", "sim.experiments.job", "--multirun", f"units_file={units_file}",
           f"folder={folder}", "unit=" + ",".join(str(i) for i in range(len(units))),
           f"hydra.sweep.dir={work / 'hydra'}", "hydra.sweep.subdir=unit_${unit}"]
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


def sweep(name: str, settings: dict | None = None) -> Path:
    """Run (or finish) an experiment and aggregate it; returns the results folder."""
    from . import aggregate

    spec = load_experiment_spec(name, dict(settings or {}))
    runs = expand(spec)
    # every config is checked before anything is written or run
    checked = set()
    for r in runs:
        key = tuple(o for o in r["overrides"] if not o.startswith("seed="))
        if key not in checked:
            try:
                load_config(list(key))
            except ConfigError as exc:
                raise SweepError(f"variant '{r['variant']}': {exc}") from None
            checked.add(key)
    folder = Path(spec.get("out") or Path("results") / spec["name"]).resolve()
    spec["command"] = "python -m sim.sweep " + " ".join([name, *(f"{k}={v}" for k, v in (settings or {}).items())])
    spec["config_hash"] = spec_hash(spec)
    aggregate.check_folder(folder, spec)  # refuses a folder of another experiment config or model version
    folder.mkdir(parents=True, exist_ok=True)
    written = {k: v for k, v in spec.items() if k not in ("jobs", "launcher", "launcher_args", "out", "report")}
    written["seeds"] = list(range(spec.get("seeds", 1))) if spec["kind"] != "sensitivity" else [spec.get("seed", 0)]
    if spec["kind"] == "dose_response":
        written["values"] = spec["values_by_variant"]
    _atomic_write(folder / "experiment.yaml",
                  lambda p: Path(p).write_text(OmegaConf.to_yaml(OmegaConf.create(written)), encoding="utf-8"))
    (folder / ".sweep").mkdir(exist_ok=True)
    _atomic_write(folder / ".sweep" / "runs.json", lambda p: Path(p).write_text(json.dumps(runs), encoding="utf-8"))
    jobs = int(spec.get("jobs", 2))
    units = plan_units(runs, folder, jobs)
    total = len(runs)
    done_before = total - sum(len(u) for u in units)
    print(f"{spec['name']}: {total} runs ({done_before} already done) -> {folder}", file=sys.stderr)
    if units:
        run_units(units, folder, spec.get("launcher", "joblib"), jobs, total, done_before,
                  spec.get("launcher_args") or ())
    result = aggregate.aggregate(folder)
    print(f"tables: {folder / 'runs.parquet'}, {folder / 'comparison.parquet'} (+ .csv), {folder / 'manifest.json'}")
    if result["missing"]:
        print(f"missing runs ({len(result['missing'])}): {', '.join(result['missing'][:10])}"
              f"{' ...' if len(result['missing']) > 10 else ''} - re-run the same command to complete them")
    if str(spec.get("report", True)).lower() not in ("false", "0", "no"):
        try:
            from ..views.report import build_report

            out = build_report(folder)
            print(f"report: {out.get('html', folder / 'report.html')}")
        except Exception as exc:  # the tables stand on their own; say why there is no report
            print(f"report not written: {exc}", file=sys.stderr)
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


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    try:
        sweep(argv[0], parse_settings(argv[1:]))
    except (SweepError, ConfigError, AggregateError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
