"""One Hydra job of a sweep: run one unit (a few seeds of one variant), skipping runs already done.

Started by ``sim.experiments.sweep`` as ``python -m sim.experiments.job --multirun unit=0,1,...
hydra/launcher=joblib``; not meant to be run by hand. Its config is the dataclass JobConfig, registered in Hydra's
ConfigStore (no config file): the launchers' own configs (hydra/launcher=joblib, basic, submitit_*, ray) come from
their plugins. A failing run writes error.txt (its overrides and traceback) into its folder and the job goes on:
one bad run never stops a sweep, and the job itself never fails (Hydra 1.3 would otherwise abort the whole
multirun).
"""

from __future__ import annotations

import json
import logging
import traceback
from dataclasses import dataclass
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from ..config import load_config
from .io import atomic_write
from .run import run_simulation

CONFIG_NAME = "sim_sweep_job"


@dataclass
class JobConfig:
    units_file: str = MISSING  # the sweep's plan: a JSON list of units, each a list of runs
    folder: str = MISSING  # the experiment's results folder
    unit: int = 0  # which unit this job runs


ConfigStore.instance().store(name=CONFIG_NAME, node=JobConfig)


def run_unit(units_file: str, folder: str, unit: int) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    runs = json.loads(Path(units_file).read_text(encoding="utf-8"))[unit]
    composed: dict[tuple, object] = {}  # a unit is one variant's seeds: compose its config once (~0.1 s each)
    for r in runs:
        out = Path(folder) / r["run_dir"]
        if (out / "summary.json").exists():
            continue
        try:
            key = tuple(o for o in r["overrides"] if not o.startswith("seed="))
            if key not in composed:
                composed[key] = load_config(list(key))
            seed = next(int(o.split("=", 1)[1]) for o in r["overrides"] if o.startswith("seed="))
            run_simulation(composed[key], out_dir=out, seed=seed)
        except Exception:  # recorded, not raised: the other runs go on
            text = f"overrides: {r['overrides']}\n\n{traceback.format_exc()}"
            atomic_write(out / "error.txt", lambda p, t=text: Path(p).write_text(t, encoding="utf-8"))


@hydra.main(config_path=None, config_name=CONFIG_NAME, version_base="1.3")
def main(cfg: JobConfig) -> None:
    run_unit(cfg.units_file, cfg.folder, int(cfg.unit))


if __name__ == "__main__":
    main()
