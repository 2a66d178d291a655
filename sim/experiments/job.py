"""One Hydra job of a sweep: a worker that runs units as it claims them, or one unit; runs already done are skipped.

Started by ``sim.experiments.sweep``, not meant to be run by hand, in one of two ways:

- on this machine's own workers (``hydra/launcher=joblib`` or ``basic``): ``python -m sim.experiments.job --multirun
  worker=0,1 claims=...``, one job per worker. Each worker goes through the units in order and runs those it claims
  first (a file created in the launch's `claims` folder, which only one process can create), so the workers share
  the units as they come free and Hydra composes a config for each worker, not for each unit (~0.2 s a job);
- on a cluster (``submitit_*``, ``ray``): ``unit=0,1,...``, one job per unit, which the cluster schedules.

Its config is the dataclass JobConfig, registered in Hydra's ConfigStore (no config file): the launchers' own
configs (hydra/launcher=joblib, basic, submitit_*, ray) come from their plugins. A failing run writes _error.txt
(its overrides and traceback) into its folder and the job goes on: one bad run never stops a sweep, and the job
itself never fails (Hydra 1.3 would otherwise abort the whole multirun).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from ..config import seeded_yaml, with_seed
from ..model.outputs import county_timeseries
from .io import ERROR_FILE, PLANNED_CONFIGS_FILE, SUMMARY_FILE, run_key, run_state, write_run, write_text
from .run import planned_config, run_simulation

CONFIG_NAME = "sim_sweep_job"


@dataclass
class JobConfig:
    units_file: str = MISSING  # the sweep's plan: a JSON list of units, each a list of runs
    folder: str = MISSING  # the experiment's results folder
    unit: int = 0  # which unit this job runs (a job per unit)
    worker: Optional[int] = None  # or: this job is a worker that runs the units it claims first in `claims`
    claims: Optional[str] = None  # the launch's folder of claimed units (one empty file each)


ConfigStore.instance().store(name=CONFIG_NAME, node=JobConfig)


def run_unit(units_file: str, folder: str, unit: int) -> None:
    """Run one unit of the plan (its runs not already done)."""
    run_runs(json.loads(Path(units_file).read_text(encoding="utf-8"))[unit], folder, planned_configs(units_file))


def run_claimed_units(units_file: str, folder: str, claims: str) -> int:
    """Go through the plan's units in order and run each this process claims before any other worker; returns how
    many it ran. A worker that stops (killed, or its machine gone) leaves its claimed unit unfinished: the sweep
    reports its runs missing, and running it again (a new launch, new claims) finishes them."""
    units = json.loads(Path(units_file).read_text(encoding="utf-8"))
    composed, texts = planned_configs(units_file), {}
    ran = 0
    for i, runs in enumerate(units):
        try:
            os.close(os.open(Path(claims) / str(i), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue   # another worker has it
        run_runs(runs, folder, composed, texts)
        ran += 1
    return ran


def run_runs(runs: list[dict], folder: str, composed: dict, texts: dict | None = None) -> None:
    """Run these planned runs (a unit: a few seeds of one variant), skipping those already done. `composed` and
    `texts` cache each variant's config and its YAML (``run.planned_config``)."""
    texts = {} if texts is None else texts
    logging.getLogger("MESA").setLevel(logging.WARNING)
    for r in runs:
        out = Path(folder) / r["run_dir"]
        if run_state(out, r["key"]) == "done":
            continue
        (out / SUMMARY_FILE).unlink(missing_ok=True)  # a run begun again is not complete until it ends
        try:
            cfg, config_yaml = planned_config(r, composed, texts)
            if run_key(config_yaml, r["seed"]) != r["key"]:
                raise RuntimeError("the model's code or configs changed while the sweep ran; run the sweep again")
            cfg = with_seed(cfg, r["seed"])
            summary, series, model = run_simulation(cfg)
            county = county_timeseries(model) if model is not None else None
            write_run(out, cfg, {**summary, "run_key": r["key"]}, series, county,
                      config_yaml=seeded_yaml(config_yaml, r["seed"]))
        except Exception:  # recorded, not raised: the other runs go on
            write_text(out / ERROR_FILE, f"overrides: {r['overrides']}\n\n{traceback.format_exc()}")


def planned_configs(units_file: str) -> dict[tuple, object]:
    """The variants' checked configs the sweep composed when it planned the runs, left beside the units: a job need
    not compose them again (~0.3 s each). Only a cache: a variant missing there, or a file that cannot be read, is
    composed again by ``planned_config``, and each run's key still checks its config against the plan."""
    try:
        return pickle.loads(Path(units_file).with_name(PLANNED_CONFIGS_FILE).read_bytes())
    except Exception:  # absent (an older sweep's folder) or unreadable: compose as before
        return {}


@hydra.main(config_path=None, config_name=CONFIG_NAME, version_base="1.3")
def main(cfg: JobConfig) -> None:
    if cfg.worker is not None:
        run_claimed_units(cfg.units_file, cfg.folder, cfg.claims)
    else:
        run_unit(cfg.units_file, cfg.folder, int(cfg.unit))


if __name__ == "__main__":
    main()
