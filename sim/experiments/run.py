"""Run one simulation from a config: the single entry point every launcher and test uses."""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from ..config import validate
from ..model.model import GrassrootsModel
from ..model.outputs import summarise, timeseries, write_run


def run_simulation(cfg, out_dir: str | Path | None = None, seed: int | None = None):
    """Validate `cfg`, run it for `scenario.days`, and return (summary, timeseries, model).

    With `out_dir`, also write config.yaml, timeseries.parquet and summary.json there (summary last). Nothing is
    written if the config is invalid: validation happens first. The queueing check (`scenario=mmc`) returns
    (summary, None, None) and writes no timeseries.
    """
    if seed is not None:
        cfg = OmegaConf.merge(cfg, {"seed": int(seed)})
    cfg = validate(cfg)
    if cfg.scenario.name == "mmc":
        from ..checks.mmc import run_mmc

        summary = run_mmc(cfg)
        if out_dir is not None:
            write_run(out_dir, cfg, summary, None)
        return summary, None, None
    model = GrassrootsModel(cfg, validated=True)
    model.run()
    summary = summarise(model)
    series = timeseries(model)
    if out_dir is not None:
        write_run(out_dir, model.config, summary, series)
    return summary, series, model
