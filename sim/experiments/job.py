"""One Hydra job of a sweep: run one unit (a few seeds of one variant), skipping runs already done.

Started by ``sim.experiments.sweep`` as ``python -m sim.experiments.job --multirun unit=0,1,...
hydra/launcher=joblib``; not meant to be run by hand. Its config is the dataclass JobConfig, registered in Hydra's
ConfigStore (no config file): the launchers' own configs (hydra/launcher=joblib, basic, submitit_*, ray) come from
their plugins. A failing run writes _error.txt (its overrides and traceback) into its folder and the job goes on:
one bad run never stops a sweep, and the job itself never fails (Hydra 1.3 would otherwise abort the whole
multirun).
"""

from __future__ import annotations

import json
import logging
import pickle
import traceback
from dataclasses import dataclass
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

CONFIG_NAME = "sim_sweep_job"


@dataclass
class JobConfig:
    units_file: str = MISSING  # the sweep's plan: a JSON list of units, each a list of runs
    folder: str = MISSING  # the experiment's results folder
    unit: int = 0  # which unit this job runs


ConfigStore.instance().store(name=CONFIG_NAME, node=JobConfig)


def run_unit(units_file: str, folder: str, unit: int) -> None:
    # the model and its outputs are imported here, where a unit runs, not where this module is: the launcher's own
    # process imports it too and runs no model, and it starts the workers a second and a half sooner (Mesa, pandas)
    from ..config import with_seed
    from ..model.outputs import county_timeseries
    from .io import ERROR_FILE, SUMMARY_FILE, run_key, run_state, write_run, write_text
    from .run import planned_config, run_simulation

    logging.getLogger("MESA").setLevel(logging.WARNING)
    runs = json.loads(Path(units_file).read_text(encoding="utf-8"))[unit]
    # a unit is one variant's runs (its seeds, or its scenarios in a robustness experiment)
    composed = planned_configs(units_file)
    for r in runs:
        out = Path(folder) / r["run_dir"]
        if run_state(out, r["key"]) == "done":
            continue
        (out / SUMMARY_FILE).unlink(missing_ok=True)  # a run begun again is not complete until it ends
        try:
            cfg, config_yaml = planned_config(r, composed)
            if run_key(config_yaml, r["seed"]) != r["key"]:
                raise RuntimeError("the model's code or configs changed while the sweep ran; run the sweep again")
            cfg = with_seed(cfg, r["seed"])
            summary, series, model = run_simulation(cfg)
            county = county_timeseries(model) if model is not None else None
            write_run(out, cfg, {**summary, "run_key": r["key"]}, series, county)
        except Exception:  # recorded, not raised: the other runs go on
            write_text(out / ERROR_FILE, f"overrides: {r['overrides']}\n\n{traceback.format_exc()}")


def planned_configs(units_file: str) -> dict[tuple, object]:
    """The variants' checked configs the sweep composed when it planned the runs, left beside the units: a job need
    not compose them again (~0.3 s each). Only a cache: a variant missing there, or a file that cannot be read, is
    composed again by ``planned_config``, and each run's key still checks its config against the plan."""
    from .io import PLANNED_CONFIGS_FILE

    try:
        return pickle.loads(Path(units_file).with_name(PLANNED_CONFIGS_FILE).read_bytes())
    except Exception:  # absent (an older sweep's folder) or unreadable: compose as before
        return {}


@hydra.main(config_path=None, config_name=CONFIG_NAME, version_base="1.3")
def main(cfg: JobConfig) -> None:
    run_unit(cfg.units_file, cfg.folder, int(cfg.unit))


if __name__ == "__main__":
    main()
